"""Products table access. Key: productId; GSI byCategory (category, productId)."""

from typing import TYPE_CHECKING, cast

from shop_common import clients
from shop_common.dynamo import (
    Item,
    conditional_check_failed,
    decode_page_token,
    encode_page_token,
    from_item,
    to_item,
)
from shop_common.models import Product
from shop_common.settings import Env, once, variable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import (
        QueryInputTypeDef,
        QueryOutputTypeDef,
        ScanInputTypeDef,
        ScanOutputTypeDef,
    )

# The table's key and its index's (the program builds the table from these).
KEY = "productId"
CATEGORY_INDEX = "byCategory"
CATEGORY_INDEX_KEY = ("category", KEY)
_KEYS = {KEY}
_CATEGORY_KEYS = {KEY, "category"}


_table = once(lambda: variable(Env.TABLE_NAME))


# The table holds only the products that put() and replace() wrote.
def _product(item: Item) -> Product:
    return cast(Product, from_item(item))


def get(product_id: str) -> Product | None:
    item = clients.dynamodb().get_item(TableName=_table(), Key={"productId": {"S": product_id}})
    return _product(item["Item"]) if "Item" in item else None


def put(product: Product) -> None:
    clients.dynamodb().put_item(TableName=_table(), Item=to_item(product))


class Refused(Exception):
    """A conditional update refused: the product is missing, or not as expected."""


def update(product_id: str, fields: dict[str, object], version: int) -> Product:
    """Set fields (and the next version) on the product if it is still at `version`."""
    names = {f"#{key}": key for key in fields}
    values = {f":{key}": value for key, value in to_item(fields).items()}
    try:
        response = clients.dynamodb().update_item(
            TableName=_table(),
            Key={"productId": {"S": product_id}},
            UpdateExpression="SET "
            + ", ".join(f"#{key} = :{key}" for key in fields)
            + ", version = version + :one",
            ConditionExpression="version = :expected",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values
            | {":expected": {"N": str(version)}, ":one": {"N": "1"}},
            ReturnValues="ALL_NEW",
        )
    except conditional_check_failed():
        raise Refused(product_id) from None
    return _product(response["Attributes"])


def adjust_stock(product_id: str, delta: int, updated_at: str) -> Product:
    """Add delta to the available stock unless that would take it below zero."""
    try:
        response = clients.dynamodb().update_item(
            TableName=_table(),
            Key={"productId": {"S": product_id}},
            UpdateExpression="SET stock = stock + :delta, version = version + :one, "
            "updatedAt = :now",
            ConditionExpression="attribute_exists(productId) AND stock >= :needed",
            ExpressionAttributeValues={
                ":delta": {"N": str(delta)},
                ":needed": {"N": str(max(0, -delta))},
                ":one": {"N": "1"},
                ":now": {"S": updated_at},
            },
            ReturnValues="ALL_NEW",
        )
    except conditional_check_failed():
        raise Refused(product_id) from None
    return _product(response["Attributes"])


def delete(product_id: str) -> Product | None:
    """Delete and return the product; None when there was none."""
    response = clients.dynamodb().delete_item(
        TableName=_table(), Key={"productId": {"S": product_id}}, ReturnValues="ALL_OLD"
    )
    return _product(response["Attributes"]) if "Attributes" in response else None


def page(limit: int, token: str | None, category: str | None) -> tuple[list[Product], str | None]:
    response: QueryOutputTypeDef | ScanOutputTypeDef
    if category:
        query: QueryInputTypeDef = {
            "TableName": _table(),
            "IndexName": CATEGORY_INDEX,
            "KeyConditionExpression": "category = :category",
            "ExpressionAttributeValues": {":category": {"S": category}},
            "Limit": limit,
        }
        if start := decode_page_token(token, _CATEGORY_KEYS, {"category": category}):
            query["ExclusiveStartKey"] = start
        response = clients.dynamodb().query(**query)
    else:
        scan: ScanInputTypeDef = {"TableName": _table(), "Limit": limit}
        if start := decode_page_token(token, _KEYS):
            scan["ExclusiveStartKey"] = start
        response = clients.dynamodb().scan(**scan)
    items = [_product(item) for item in response.get("Items", [])]
    return items, encode_page_token(response.get("LastEvaluatedKey"))
