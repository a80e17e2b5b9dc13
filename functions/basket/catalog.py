"""Read-only access to the products table: prices come from here, never the client."""

from shop_common.clients import client
from shop_common.dynamo import from_item
from shop_common.limits import BATCH_GET_MAX_KEYS
from shop_common.settings import once, variable

_FIELDS = "productId, #name, price"


_table = once(lambda: variable("PRODUCTS_TABLE_NAME"))


def product(product_id: str) -> dict | None:
    response = client("dynamodb").get_item(
        TableName=_table(),
        Key={"productId": {"S": product_id}},
        ProjectionExpression=_FIELDS,
        ExpressionAttributeNames={"#name": "name"},
    )
    return from_item(response["Item"]) if "Item" in response else None


def products(product_ids: list[str]) -> dict[str, dict]:
    """The existing products among product_ids, in as many BatchGetItem calls as needed."""
    table = _table()
    found: dict[str, dict] = {}
    for start in range(0, len(product_ids), BATCH_GET_MAX_KEYS):
        request = {
            table: {
                "Keys": [
                    {"productId": {"S": pid}}
                    for pid in product_ids[start : start + BATCH_GET_MAX_KEYS]
                ],
                "ProjectionExpression": _FIELDS,
                "ExpressionAttributeNames": {"#name": "name"},
            }
        }
        while request:
            response = client("dynamodb").batch_get_item(RequestItems=request)
            for item in response["Responses"].get(table, []):
                record = from_item(item)
                found[record["productId"]] = record
            request = response.get("UnprocessedKeys") or {}
    return found
