"""Products table access. Key: productId; GSI byCategory (category, productId).

Every change is written with its event, in one transaction (shop_common/outbox.py)."""

from typing import TYPE_CHECKING, cast

from shop_common import clients, outbox
from shop_common.contracts import DetailType
from shop_common.dynamo import (
    Item,
    decode_page_token,
    encode_page_token,
    from_item,
    to_attribute,
    to_item,
)
from shop_common.models import Product
from shop_common.settings import Env, once, variable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        DeleteTypeDef,
        PutTypeDef,
        QueryInputTypeDef,
        QueryOutputTypeDef,
        ScanInputTypeDef,
        ScanOutputTypeDef,
        TransactWriteItemTypeDef,
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


def get(product_id: str, consistent: bool = False) -> Product | None:
    """The product; `consistent` for a read that a change is conditional on."""
    item = clients.dynamodb().get_item(
        TableName=_table(), Key={"productId": {"S": product_id}}, ConsistentRead=consistent
    )
    return _product(item["Item"]) if "Item" in item else None


class Refused(Exception):
    """A change refused: the product is missing, or not as it was read."""


# The stored product is still as it was read: the same version (every change of the
# API moves it) and the same stock (the stock keeper's reservations move only that).
_UNCHANGED = "version = :version AND stock = :stock"


def _unchanged(product: Product) -> "dict[str, AttributeValueTypeDef]":
    return {":version": to_attribute(product["version"]), ":stock": to_attribute(product["stock"])}


def _write(change: "TransactWriteItemTypeDef", detail_type: DetailType, product: Product) -> None:
    """The change and its event (whose data is the product), in one transaction."""
    try:
        outbox.write([change], detail_type, product, correlation_id=product["productId"])
    except outbox.Cancelled as cancelled:
        # A refused condition, or another transaction on the product at that moment.
        raise Refused(product["productId"]) from cancelled


def insert(product: Product) -> None:
    """Store a new product, and ProductCreated."""
    put: PutTypeDef = {
        "TableName": _table(),
        "Item": to_item(product),
        "ConditionExpression": "attribute_not_exists(productId)",
    }
    _write({"Put": put}, DetailType.PRODUCT_CREATED, product)


def replace(read: Product, product: Product) -> None:
    """Store `product` in place of `read` if nothing changed it since, and ProductUpdated."""
    put: PutTypeDef = {
        "TableName": _table(),
        "Item": to_item(product),
        "ConditionExpression": _UNCHANGED,
        "ExpressionAttributeValues": _unchanged(read),
    }
    _write({"Put": put}, DetailType.PRODUCT_UPDATED, product)


def remove(read: Product) -> None:
    """Delete the product if nothing changed it since it was read, and ProductDeleted."""
    delete: DeleteTypeDef = {
        "TableName": _table(),
        "Key": {KEY: {"S": read["productId"]}},
        "ConditionExpression": _UNCHANGED,
        "ExpressionAttributeValues": _unchanged(read),
    }
    _write({"Delete": delete}, DetailType.PRODUCT_DELETED, read)


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
