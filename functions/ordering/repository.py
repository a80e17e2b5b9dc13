"""Orders table access. Key: orderId; GSI byUser (userId, createdAt) for "my orders";
GSI byStatus (statusShard, createdAt) for every order of a status (ordering.status_index).
The status changes the ordering consumer makes are counted in the day's sales
(ordering/sales.py) in the same transaction."""

import random
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final, cast

from ordering import sales
from ordering.status_index import INDEX, PARTITION_KEY, SHARDS, SORT_KEY, shard_of, status_shard
from shop_common import clients, outbox
from shop_common.contracts import DetailType
from shop_common.dynamo import (
    Item,
    cancellation_codes,
    conditional_check_failed,
    decode_page_positions,
    decode_page_token,
    encode_page_positions,
    encode_page_token,
    from_item,
    to_item,
)
from shop_common.events import stable_event_id
from shop_common.models import (
    Number,
    Order,
    OrderCancelled,
    OrderChanges,
    OrderShipped,
    PaymentFailureReason,
    RejectionReason,
    ShipmentInput,
)
from shop_common.settings import Env, once, variable
from shop_common.times import STALE_AFTER, now, stale_after

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import (
        QueryInputTypeDef,
        TransactWriteItemTypeDef,
        UpdateTypeDef,
    )

# The table's key and its indexes' (the program builds the table from these).
KEY = "orderId"
USER_INDEX = "byUser"
USER_INDEX_KEY = ("userId", "createdAt")
PENDING: Final = "PENDING"
PAID: Final = "PAID"
SHIPPED: Final = "SHIPPED"
CANCELLED: Final = "CANCELLED"
REJECTED: Final = "REJECTED"
# A customer may change or cancel an order until it ships (a paid one is refunded).
OPEN = (PENDING, PAID)
_USER_PAGE_KEYS = {"orderId", "userId", "createdAt"}
_STATUS_PAGE_KEYS = {"orderId", PARTITION_KEY, SORT_KEY}


_table = once(lambda: variable(Env.TABLE_NAME))
_sales = once(lambda: variable(Env.SALES_TABLE_NAME))
_COUNTING_ATTEMPTS = 3  # a counting transaction that met another on the same counters
PAYMENT_FAILED: Final = "PAYMENT_FAILED"
REFUNDED: Final = "REFUNDED"  # a counted outcome (the order stays CANCELLED)


# The table holds the orders that create() wrote, as the workflow and update_if_open changed them.
def _order(item: Item) -> Order:
    return cast(Order, from_item(item))


def _status_shard(order_id: str, status: str) -> dict[str, str]:
    """The byStatus partition an order of this status belongs to: written with its status."""
    return {PARTITION_KEY: status_shard(status, shard_of(order_id))}


def _count(order_id: str, counts: Mapping[str, int]) -> "TransactWriteItemTypeDef":
    """ADD `counts` to the open sales counters of the order's shard (ordering/sales.py)."""
    names = {f"#c{n}": counter for n, counter in enumerate(counts)}
    return {
        "Update": {
            "TableName": _sales(),
            "Key": {sales.KEY: {"S": sales.open_period(shard_of(order_id))}},
            "UpdateExpression": "ADD " + ", ".join(f"{name} :{name[1:]}" for name in names),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {
                f":c{n}": {"N": str(value)} for n, value in enumerate(counts.values())
            },
        }
    }


def _counted(order_id: str, change: "TransactWriteItemTypeDef", counts: Mapping[str, int]) -> bool:
    """Make the change and count it in the day's sales, in one transaction: False when the
    change's own condition refused it (then nothing is written, nothing counted). A
    transaction that met another on the same counters (TransactionConflict) is tried again."""
    dynamodb = clients.dynamodb()
    for attempt in range(1, _COUNTING_ATTEMPTS + 1):
        try:
            dynamodb.transact_write_items(TransactItems=[change, _count(order_id, counts)])
        except dynamodb.exceptions.TransactionCanceledException as error:
            codes = cancellation_codes(error)
            if codes[:1] == ["ConditionalCheckFailed"]:
                return False
            if "TransactionConflict" not in codes or attempt == _COUNTING_ATTEMPTS:
                raise  # throttled, or busy for too long: the record fails and comes back
            time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 - jitter, not a secret
            continue
        return True
    raise AssertionError("unreachable")


def create(order: Order) -> Order | None:
    """Store a new order and count it placed; if it already exists, store nothing and
    return the existing one. It is stale (for the sweeper) if it is still PENDING after
    `staleAfter`."""
    stored = {
        **order,
        **_status_shard(order["orderId"], order["status"]),
        STALE_AFTER: stale_after(),
    }
    put: TransactWriteItemTypeDef = {
        "Put": {
            "TableName": _table(),
            "Item": to_item(stored),
            "ConditionExpression": "attribute_not_exists(orderId)",
        }
    }
    if _counted(order["orderId"], put, {sales.PLACED: 1}):
        return None
    existing = get(order["orderId"], consistent=True)
    assert existing is not None  # the condition found it
    return existing


def get(order_id: str, consistent: bool = False) -> Order | None:
    response = clients.dynamodb().get_item(
        TableName=_table(), Key={"orderId": {"S": order_id}}, ConsistentRead=consistent
    )
    return _order(response["Item"]) if "Item" in response else None


def pending(order_id: str) -> Order | None:
    """The order while it is PENDING (read consistently); None otherwise."""
    response = clients.dynamodb().get_item(
        TableName=_table(), Key={"orderId": {"S": order_id}}, ConsistentRead=True
    )
    if "Item" not in response:
        return None
    order = _order(response["Item"])
    return order if order["status"] == PENDING else None


def redrives(order: Order) -> int:
    """How often the sweeper re-drove the order (a stored attribute, not the API's)."""
    stored: Mapping[str, object] = order
    return int(str(stored.get("redrives", 0)))


def claim_redrive(order_id: str, swept_at: str) -> int | None:
    """Count one more re-drive of a PENDING order the sweep at `swept_at` found stale:
    the re-drive's number, or None if the order is no longer PENDING or this sweep's
    finding was handled already (a repeated delivery; a later sweep counts again)."""
    try:
        response = clients.dynamodb().update_item(
            TableName=_table(),
            Key={"orderId": {"S": order_id}},
            UpdateExpression="SET lastSweptAt = :swept ADD redrives :one",
            ConditionExpression="#status = :pending AND "
            "(attribute_not_exists(lastSweptAt) OR lastSweptAt < :swept)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=to_item({":swept": swept_at, ":one": 1, ":pending": PENDING}),
            ReturnValues="UPDATED_NEW",
        )
    except conditional_check_failed():
        return None
    return int(str(response["Attributes"]["redrives"]["N"]))


def reject(order_id: str, reason: RejectionReason, product_ids: list[str]) -> bool:
    """PENDING → REJECTED (with the lines that could not be had), counted;
    False when the order is not PENDING any more."""
    values = to_item(
        {
            ":status": REJECTED,
            ":statusShard": status_shard(REJECTED, shard_of(order_id)),
            ":reason": reason,
            ":products": product_ids,
            ":now": now(),
            ":pending": PENDING,
        }
    )
    update: UpdateTypeDef = {
        "TableName": _table(),
        "Key": {"orderId": {"S": order_id}},
        "UpdateExpression": f"SET #status = :status, {PARTITION_KEY} = :statusShard, "
        "rejectionReason = :reason, rejectedProductIds = :products, updatedAt = :now, "
        "rejectedAt = :now",
        "ConditionExpression": "#status = :pending",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": values,
    }
    return _counted(order_id, {"Update": update}, {sales.REJECTED[reason]: 1})


def page_for_user(user_id: str, limit: int, token: str | None) -> tuple[list[Order], str | None]:
    query: QueryInputTypeDef = {
        "TableName": _table(),
        "IndexName": USER_INDEX,
        "KeyConditionExpression": "userId = :userId",
        "ExpressionAttributeValues": {":userId": {"S": user_id}},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if start := decode_page_token(token, _USER_PAGE_KEYS, {"userId": user_id}):
        query["ExclusiveStartKey"] = start
    response = clients.dynamodb().query(**query)
    items = [_order(item) for item in response.get("Items", [])]
    return items, encode_page_token(response.get("LastEvaluatedKey"))


def page_by_status(status: str, limit: int, token: str | None) -> tuple[list[Order], str | None]:
    """Every customer's orders of one status, newest first: the newest `limit` of each
    shard not yet exhausted, merged. The token holds each shard's position
    (shop_common.dynamo Positions): after the last order taken from it; at or before the
    page's oldest order while nothing was taken from it; or exhausted."""
    partitions = {str(shard): status_shard(status, shard) for shard in range(SHARDS)}
    positions = decode_page_positions(
        token,
        _STATUS_PAGE_KEYS,
        SORT_KEY,
        {name: {PARTITION_KEY: partition} for name, partition in partitions.items()},
    )
    queried = [name for name in partitions if not (name in positions and positions[name] is None)]
    read: list[tuple[str, Item]] = []
    unread: set[str] = set()  # shards whose query stopped at the limit
    for name in queried:
        query = _shard_query(partitions[name], positions.get(name), limit)
        response = clients.dynamodb().query(**query)
        read += [(name, item) for item in response.get("Items", [])]
        if "LastEvaluatedKey" in response:
            unread.add(name)
    # Newest first. The sort is stable, so each shard keeps its own order: what the page
    # takes of a shard is always a first part of what its query returned.
    read.sort(key=lambda entry: str(entry[1][SORT_KEY].get("S")), reverse=True)
    page, rest = read[:limit], read[limit:]
    last_taken = dict(page)  # of each shard the page takes from
    left = unread | {name for name, _ in rest}
    for name in queried:
        if name not in left:
            positions[name] = None  # exhausted: all it holds is on this page or before
        elif name in last_taken:
            positions[name] = {key: last_taken[name][key] for key in _STATUS_PAGE_KEYS}
        elif page and _is_bound(positions.get(name)):
            # Nothing taken from it yet: it shows nothing newer than this page next time.
            positions[name] = {SORT_KEY: page[-1][1][SORT_KEY]}
    return [_order(item) for _, item in page], encode_page_positions(positions, partitions)


def _is_bound(position: Item | None) -> bool:
    """A shard's first page (None) or a bound: not after an order taken from it."""
    return position is None or set(position) == {SORT_KEY}


def _shard_query(partition: str, position: Item | None, limit: int) -> "QueryInputTypeDef":
    condition = f"{PARTITION_KEY} = :partition"
    values: Item = {":partition": {"S": partition}}
    if position is not None and _is_bound(position):
        condition += f" AND {SORT_KEY} <= :bound"
        values[":bound"] = position[SORT_KEY]
    query: QueryInputTypeDef = {
        "TableName": _table(),
        "IndexName": INDEX,
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if position is not None and not _is_bound(position):
        query["ExclusiveStartKey"] = position
    return query


def _update(
    order_id: str,
    changes: OrderChanges,
    statuses: tuple[str, ...],
    condition: str = "",
    values: dict[str, str] | None = None,
) -> "UpdateTypeDef":
    """The UpdateItem of changes (with updatedAt, and the byStatus partition of a new
    status), conditional on the order's status being one of statuses and on `condition`."""
    fields: dict[str, object] = {**changes, "updatedAt": now()}
    if "status" in changes:
        fields |= _status_shard(order_id, changes["status"])
    allowed = {f":was{n}": status for n, status in enumerate(statuses)}
    return {
        "TableName": _table(),
        "Key": {"orderId": {"S": order_id}},
        "UpdateExpression": "SET " + ", ".join(f"#{key} = :{key}" for key in fields),
        "ConditionExpression": f"#status IN ({', '.join(allowed)})" + condition,
        "ExpressionAttributeNames": {f"#{key}": key for key in fields} | {"#status": "status"},
        "ExpressionAttributeValues": to_item(
            {f":{key}": value for key, value in fields.items()} | allowed | (values or {})
        ),
    }


def _update_from(
    order_id: str,
    changes: OrderChanges,
    statuses: tuple[str, ...],
    condition: str = "",
    values: dict[str, str] | None = None,
) -> Order | None:
    """Apply the changes (see _update) now; the order as changed, or None if refused."""
    try:
        response = clients.dynamodb().update_item(
            **_update(order_id, changes, statuses, condition, values), ReturnValues="ALL_NEW"
        )
    except conditional_check_failed():
        return None
    return _order(response["Attributes"])


class Refused(Exception):
    """The order changed between read and write (or another transaction held it)."""


def _write_with_event(
    order_id: str, update: "UpdateTypeDef", detail_type: DetailType, data: Mapping[str, object]
) -> None:
    """The change and its event (a stable id: the same outcome is the same event), in one
    transaction through the ordering API's outbox."""
    try:
        outbox.write(
            [{"Update": update}],
            detail_type,
            data,
            correlation_id=order_id,
            event_id=stable_event_id(order_id, detail_type),
        )
    except outbox.Cancelled as cancelled:
        raise Refused(order_id) from cancelled


def cancel(order: Order, data: OrderCancelled) -> None:
    """The caller's order, read as `order`, CANCELLED with OrderCancelled, if its status
    is still the one read. Raises Refused if not."""
    order_id = order["orderId"]
    update = _update(
        order_id,
        {"status": CANCELLED, "cancelledAt": now()},
        (order["status"],),
        " AND userId = :caller",
        {":caller": order["userId"]},
    )
    _write_with_event(order_id, update, DetailType.ORDER_CANCELLED, data)


def ship(order_id: str, shipment: ShipmentInput, data: OrderShipped) -> None:
    """PAID → SHIPPED with the carrier's tracking number, and OrderShipped. Raises
    Refused unless PAID."""
    changes: OrderChanges = {
        "status": SHIPPED,
        "carrier": shipment["carrier"],
        "trackingNumber": shipment["trackingNumber"],
        "shippedAt": now(),
    }
    _write_with_event(order_id, _update(order_id, changes, (PAID,)), DetailType.ORDER_SHIPPED, data)


def update_if_open(order_id: str, user_id: str, changes: OrderChanges) -> Order | None:
    """Apply changes (no event: an address) to the caller's order while it is open
    (PENDING or PAID); None if refused (not theirs, or no longer open)."""
    return _update_from(order_id, changes, OPEN, " AND userId = :caller", {":caller": user_id})


def request_fulfilment(order_id: str, total: Number) -> bool:
    """Hand a paid order to the carrier, once, and count it paid (with its total): False
    if it was cancelled (or never paid) or handed over already. A SHIPPED one still counts:
    the carrier may confirm before OrderPaid reaches fulfilment."""
    changes: OrderChanges = {"fulfilmentRequestedAt": now()}
    update = _update(
        order_id, changes, (PAID, SHIPPED), " AND attribute_not_exists(fulfilmentRequestedAt)"
    )
    counts = {sales.PAID: 1, sales.REVENUE_CENTS: sales.cents(total)}
    return _counted(order_id, {"Update": update}, counts)


def _mark_counted(order_id: str, outcome: str, recorded: str) -> "TransactWriteItemTypeDef":
    """The order's note that `outcome` is counted: only once, and only once the order
    records it (the attribute `recorded` exists)."""
    return {
        "Update": {
            "TableName": _table(),
            "Key": {"orderId": {"S": order_id}},
            "UpdateExpression": "ADD counted :outcomes",
            "ConditionExpression": f"attribute_exists({recorded}) "
            "AND NOT contains(counted, :outcome)",
            "ExpressionAttributeValues": {
                ":outcomes": {"SS": [outcome]},
                ":outcome": {"S": outcome},
            },
        }
    }


def count_payment_failure(order_id: str, reason: PaymentFailureReason) -> bool:
    """Count a failed payment in the day's sales, once (the order workflow made the
    change, and a state machine's update cannot count it). False if counted already."""
    marked = _mark_counted(order_id, PAYMENT_FAILED, "paymentFailureReason")
    return _counted(order_id, marked, {sales.FAILED[reason]: 1})


def count_refund(order_id: str, amount: Number) -> bool:
    """Count a refund in the day's sales, once (the refund workflow made the change).
    False if counted already."""
    marked = _mark_counted(order_id, REFUNDED, "refundedAt")
    return _counted(order_id, marked, {sales.REFUNDS: 1, sales.REFUNDED_CENTS: sales.cents(amount)})
