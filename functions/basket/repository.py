"""Baskets table access. Key: userId. Writes are optimistic: `version` must match."""

from typing import TYPE_CHECKING, Final, cast

from shop_common import clients
from shop_common.dynamo import conditional_check_failed, from_item, now, to_attribute, to_item
from shop_common.models import StoredBasket
from shop_common.settings import Env, once, variable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import PutItemInputTypeDef

ACTIVE: Final = "ACTIVE"
CHECKED_OUT: Final = "CHECKED_OUT"


class ConcurrentUpdate(RuntimeError):
    """The basket changed between read and write."""


KEY = "userId"  # the table's key (the program builds the table from it)
_table = once(lambda: variable(Env.TABLE_NAME))


def get(user_id: str) -> StoredBasket | None:
    response = clients.dynamodb().get_item(
        TableName=_table(), Key={"userId": {"S": user_id}}, ConsistentRead=True
    )
    if "Item" not in response:
        return None
    return cast(StoredBasket, from_item(response["Item"]))  # as save() wrote it


def save(basket: StoredBasket) -> StoredBasket:
    """Write basket if nobody else wrote since it was read; returns what was written."""
    expected = basket.get("version", 0)
    written = basket | {"version": expected + 1, "updatedAt": now()}
    request: PutItemInputTypeDef = {"TableName": _table(), "Item": to_item(written)}
    if expected == 0:
        request["ConditionExpression"] = "attribute_not_exists(userId)"
    else:
        request["ConditionExpression"] = "version = :expected"
        request["ExpressionAttributeValues"] = {":expected": to_attribute(expected)}
    try:
        clients.dynamodb().put_item(**request)
    except conditional_check_failed():
        raise ConcurrentUpdate(basket["userId"]) from None
    return written


def delete(basket: StoredBasket) -> None:
    try:
        clients.dynamodb().delete_item(
            TableName=_table(),
            Key={"userId": {"S": basket["userId"]}},
            ConditionExpression="version = :expected",
            ExpressionAttributeValues={":expected": to_attribute(basket["version"])},
        )
    except conditional_check_failed():
        raise ConcurrentUpdate(basket["userId"]) from None


def mark_checkout_published(user_id: str, order_id: str) -> None:
    """The CheckoutBasket event went out: forget its pending copy."""
    try:
        clients.dynamodb().update_item(
            TableName=_table(),
            Key={"userId": {"S": user_id}},
            UpdateExpression="REMOVE pendingCheckout",
            ConditionExpression="orderId = :orderId",
            ExpressionAttributeValues={":orderId": {"S": order_id}},
        )
    except conditional_check_failed():
        pass  # the order already closed and released the basket


def delete_for_order(user_id: str, order_id: str) -> bool:
    """Empty the basket that was checked out as order_id; False if it is not (any more)."""
    try:
        clients.dynamodb().delete_item(
            TableName=_table(),
            Key={"userId": {"S": user_id}},
            ConditionExpression="orderId = :orderId",
            ExpressionAttributeValues={":orderId": {"S": order_id}},
        )
    except conditional_check_failed():
        return False
    return True


def unlock_for_order(user_id: str, order_id: str) -> bool:
    """Reopen (items kept) the basket checked out as order_id; False if it is not."""
    try:
        clients.dynamodb().update_item(
            TableName=_table(),
            Key={"userId": {"S": user_id}},
            UpdateExpression=(
                "SET #status = :active, version = version + :one, updatedAt = :now "
                "REMOVE orderId, charge, pendingCheckout, paymentToken"
            ),
            ConditionExpression="orderId = :orderId",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":orderId": {"S": order_id},
                ":active": {"S": ACTIVE},
                ":one": {"N": "1"},
                ":now": {"S": now()},
            },
        )
    except conditional_check_failed():
        return False
    return True
