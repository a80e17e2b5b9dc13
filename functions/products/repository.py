"""Products table access. Key: productId; GSI byCategory (category, productId)."""

from shop_common.clients import client
from shop_common.dynamo import (
    conditional_check_failed,
    decode_page_token,
    encode_page_token,
    from_item,
    to_item,
)
from shop_common.settings import once, variable

CATEGORY_INDEX = "byCategory"
_KEYS = {"productId"}
_CATEGORY_KEYS = {"productId", "category"}


_table = once(lambda: variable("TABLE_NAME"))


def get(product_id: str) -> dict | None:
    item = client("dynamodb").get_item(TableName=_table(), Key={"productId": {"S": product_id}})
    return from_item(item["Item"]) if "Item" in item else None


def put(product: dict) -> None:
    client("dynamodb").put_item(TableName=_table(), Item=to_item(product))


def replace(product: dict) -> bool:
    """Overwrite an existing product; False when there is none."""
    try:
        client("dynamodb").put_item(
            TableName=_table(),
            Item=to_item(product),
            ConditionExpression="attribute_exists(productId)",
        )
    except conditional_check_failed():
        return False
    return True


def delete(product_id: str) -> dict | None:
    """Delete and return the product; None when there was none."""
    response = client("dynamodb").delete_item(
        TableName=_table(), Key={"productId": {"S": product_id}}, ReturnValues="ALL_OLD"
    )
    return from_item(response["Attributes"]) if "Attributes" in response else None


def page(limit: int, token: str | None, category: str | None) -> tuple[list[dict], str | None]:
    if category:
        response = client("dynamodb").query(
            TableName=_table(),
            IndexName=CATEGORY_INDEX,
            KeyConditionExpression="category = :category",
            ExpressionAttributeValues={":category": {"S": category}},
            Limit=limit,
            **_start(decode_page_token(token, _CATEGORY_KEYS, {"category": category})),
        )
    else:
        response = client("dynamodb").scan(
            TableName=_table(), Limit=limit, **_start(decode_page_token(token, _KEYS))
        )
    items = [from_item(item) for item in response.get("Items", [])]
    return items, encode_page_token(response.get("LastEvaluatedKey"))


def _start(key: dict | None) -> dict:
    return {"ExclusiveStartKey": key} if key else {}
