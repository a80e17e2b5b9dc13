"""Read-only access to the products table: prices come from here, never the client."""

from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

from shop_common import clients
from shop_common.dynamo import Item, from_item
from shop_common.limits import BATCH_GET_MAX_KEYS
from shop_common.models import CatalogEntry
from shop_common.settings import Env, once, variable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import KeysAndAttributesUnionTypeDef

_FIELDS = "productId, #name, price"


_table = once(lambda: variable(Env.PRODUCTS_TABLE_NAME))


def _entry(item: Item) -> CatalogEntry:
    # _FIELDS of an item of the products table, which holds only what products.api wrote.
    return cast(CatalogEntry, from_item(item))


def product(product_id: str) -> CatalogEntry | None:
    response = clients.dynamodb().get_item(
        TableName=_table(),
        Key={"productId": {"S": product_id}},
        ProjectionExpression=_FIELDS,
        ExpressionAttributeNames={"#name": "name"},
    )
    return _entry(response["Item"]) if "Item" in response else None


def products(product_ids: list[str]) -> dict[str, CatalogEntry]:
    """The existing products among product_ids, in as many BatchGetItem calls as needed."""
    table = _table()
    found: dict[str, CatalogEntry] = {}
    for start in range(0, len(product_ids), BATCH_GET_MAX_KEYS):
        request: Mapping[str, KeysAndAttributesUnionTypeDef] = {
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
            response = clients.dynamodb().batch_get_item(RequestItems=request)
            for item in response["Responses"].get(table, []):
                record = _entry(item)
                found[record["productId"]] = record
            request = response.get("UnprocessedKeys") or {}
    return found
