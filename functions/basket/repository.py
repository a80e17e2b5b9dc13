"""Baskets table access. Key: userId. Writes are optimistic: `version` must match.

GSI byCheckout (checkoutShard, staleAfter): sparse, only checked-out baskets carry its
keys (set at checkout, removed when the basket reopens; an emptied basket is deleted),
so the sweeper (workflows/sweeper.py) finds the ones checked out too long ago. Its
shards are the orders' byStatus shards (ordering.status_index), of the basket's order."""

import contextlib
from typing import TYPE_CHECKING, Final, cast

from shop_common import clients, events, outbox
from shop_common.contracts import DetailType
from shop_common.dynamo import conditional_check_failed, from_item, to_attribute, to_item
from shop_common.models import CheckoutBasket, StoredBasket
from shop_common.settings import Env, once, variable
from shop_common.times import STALE_AFTER, now

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import PutTypeDef, UpdateTypeDef

ACTIVE: Final = "ACTIVE"
CHECKED_OUT: Final = "CHECKED_OUT"


class ConcurrentUpdate(RuntimeError):
    """The basket changed between read and write."""


KEY = "userId"  # the table's key (the program builds the table from it)
CHECKOUT_INDEX = "byCheckout"
CHECKOUT_INDEX_KEY = ("checkoutShard", STALE_AFTER)
_table = once(lambda: variable(Env.TABLE_NAME))


def get(user_id: str) -> StoredBasket | None:
    response = clients.dynamodb().get_item(
        TableName=_table(), Key={"userId": {"S": user_id}}, ConsistentRead=True
    )
    if "Item" not in response:
        return None
    return cast(StoredBasket, from_item(response["Item"]))  # as save() wrote it


def _put(basket: StoredBasket) -> tuple[StoredBasket, "PutTypeDef"]:
    """The optimistic write of a basket read at its version: what is written, and how."""
    expected = basket.get("version", 0)
    written = basket | {"version": expected + 1, "updatedAt": now()}
    put: PutTypeDef = {"TableName": _table(), "Item": to_item(written)}
    if expected == 0:
        put["ConditionExpression"] = "attribute_not_exists(userId)"
    else:
        put["ConditionExpression"] = "version = :expected"
        put["ExpressionAttributeValues"] = {":expected": to_attribute(expected)}
    return written, put


def save(basket: StoredBasket) -> StoredBasket:
    """Write basket if nobody else wrote since it was read; returns what was written."""
    written, put = _put(basket)
    try:
        clients.dynamodb().put_item(**put)
    except conditional_check_failed():
        raise ConcurrentUpdate(basket["userId"]) from None
    return written


def _checkout_event_id(order_id: str) -> str:
    # Stable: whoever writes this order's CheckoutBasket writes the same event.
    return events.stable_event_id(order_id, DetailType.CHECKOUT_BASKET)


def check_out(basket: StoredBasket, data: CheckoutBasket) -> StoredBasket:
    """Write the checked-out basket (as save() does) and its CheckoutBasket event in one
    transaction: both, or neither (the basket stays as it was)."""
    written, put = _put(basket)
    order_id = data["orderId"]
    try:
        outbox.write(
            [{"Put": put}],
            DetailType.CHECKOUT_BASKET,
            data,
            correlation_id=order_id,
            event_id=_checkout_event_id(order_id),
        )
    except outbox.Cancelled as cancelled:  # changed since read, or a transaction meanwhile
        raise ConcurrentUpdate(basket["userId"]) from cancelled
    return written


def publish_pending_checkout(basket: StoredBasket) -> None:
    """A basket checked out before the outbox, whose event was never published, keeps
    its data as pendingCheckout: write that event now (through the outbox, without a
    payment token) and forget the copy, in one transaction; once, whoever comes first."""
    pending = basket.get("pendingCheckout")
    if not pending:
        return
    data = {k: v for k, v in pending.items() if k != "paymentToken"}  # the old contract's
    update: UpdateTypeDef = {
        "TableName": _table(),
        "Key": {"userId": {"S": basket["userId"]}},
        "UpdateExpression": "REMOVE pendingCheckout",
        "ConditionExpression": "orderId = :orderId AND attribute_exists(pendingCheckout)",
        "ExpressionAttributeValues": {":orderId": {"S": pending["orderId"]}},
    }
    with contextlib.suppress(outbox.Cancelled):  # published already, or the order closed
        outbox.write(
            [{"Update": update}],
            DetailType.CHECKOUT_BASKET,
            data,
            correlation_id=pending["orderId"],
            event_id=_checkout_event_id(pending["orderId"]),
        )


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
                "REMOVE orderId, charge, pendingCheckout, paymentToken, "
                f"{', '.join(CHECKOUT_INDEX_KEY)}"
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
