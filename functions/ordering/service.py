"""Order rules: one order per checkout, caller-scoped access (admins read every order),
changes and cancellation until the order ships (a paid one is refunded), fulfilment on
payment and shipping confirmed by the carrier."""

from collections.abc import Mapping
from typing import cast

from ordering import payment_token, repository, workflow
from ordering.repository import CANCELLED, OPEN, PAID, PENDING, SHIPPED
from ordering.status_index import shard_of
from shop_common import events
from shop_common.contracts import ORDER_TIMELINE, DetailType
from shop_common.errors import Conflict, NotFound
from shop_common.models import (
    Address,
    CheckoutBasket,
    Order,
    OrderPage,
    OrderPaid,
    OrderPaymentFailed,
    OrderRefunded,
    OrderRejected,
    OrderShipped,
    OrderStalled,
    OrderTimeline,
    ShipmentInput,
)
from shop_common.models import OrderCancelled as OrderCancelledData
from shop_common.times import now

_FIELDS = tuple(Order.__annotations__)  # what the API shows of a stored order, in this order


class OrderNotFound(NotFound):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"Order {order_id} not found")


class OrderClosed(Conflict):
    def __init__(self, order_id: str, status: str) -> None:
        if status == SHIPPED:
            reason = "has shipped: returns are not available yet"
        else:
            reason = f"is {status} and can no longer be changed"
        super().__init__(f"Order {order_id} {reason}")


class BusyOrder(Conflict):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"Order {order_id} is being changed by another request; retry")


class NotShippable(Conflict):
    def __init__(self, order_id: str, status: str) -> None:
        super().__init__(f"Order {order_id} is {status}: only a PAID order can ship")


class ShippedOtherwise(Conflict):
    def __init__(self, order_id: str, order: Order) -> None:
        super().__init__(
            f"Order {order_id} has shipped already, with {order.get('carrier')} "
            f"{order.get('trackingNumber')}"
        )


def view(order: Order) -> Order:
    stored: Mapping[str, object] = order
    return cast(Order, {key: stored[key] for key in _FIELDS if key in stored})


def place(checkout: CheckoutBasket) -> bool:
    """Create the order of a CheckoutBasket event (PENDING) and publish OrderCreated:
    the stock keeper answers it, and payment starts only once every line is reserved
    (start_payment).

    Safe to repeat: the conditional put creates the order once, and a repeat re-publishes
    OrderCreated (same event id) while the order is PENDING. Returns True if created.
    """
    created_at = now()
    order: Order = {
        "orderId": checkout["orderId"],
        "userId": checkout["userId"],
        "status": PENDING,
        "items": checkout["items"],
        "totalPrice": checkout["totalPrice"],
        "currency": checkout["currency"],
        "shippingAddress": checkout["shippingAddress"],
        "email": checkout["email"],
        "createdAt": created_at,
        "updatedAt": created_at,
    }
    existing = repository.create(order)
    if existing is not None:
        if existing.get("status") != PENDING:
            return False  # decided already
        order = existing
    order_id = order["orderId"]
    events.publish(
        DetailType.ORDER_CREATED,
        view(order),
        correlation_id=order_id,
        event_id=events.stable_event_id(order_id, DetailType.ORDER_CREATED),
    )
    return existing is None


def start_payment(order_id: str) -> bool:
    """Every line is reserved: start the order's workflow (named after it, so once; a
    re-drive's named after its number), unless the order is no longer PENDING. True when
    started by this call."""
    order = repository.pending(order_id)
    if order is None:
        return False  # cancelled meanwhile (its stock is given back), or settled
    token = payment_token.held_for(order["userId"], order_id)
    if token is None:
        return False  # the basket was reopened: the order is being cancelled
    return workflow.start(
        order_id,
        {
            "orderId": order_id,
            "userId": order["userId"],
            "email": order["email"],
            "totalPrice": order["totalPrice"],
            "currency": order["currency"],
            "paymentToken": token,
            "shard": shard_of(order_id),
            "stockReservedAt": now(),
        },
        redrive=repository.redrives(order),
    )


def redrive(stalled: OrderStalled) -> str:
    """The sweeper found the order PENDING past its time: its stock decision, its payment
    or its workflow went missing. Re-drive it: publish OrderCreated again (same event
    id), so the stock keeper decides, or repeats its answer (StockReserved, same id), and
    payment starts as a new execution (`{orderId}-r{n}`); each step is conditional on
    the order still being PENDING, so a re-drive of an order that was merely slow
    changes nothing. After REDRIVES_BEFORE_EXPIRY re-drives in vain, the next one ends
    it: PAYMENT_FAILED (`expired`), its stock given back and its basket reopened.
    Returns what was done."""
    order_id = stalled["orderId"]
    order = repository.pending(order_id)
    if order is None:
        return "no longer pending"
    attempt = repository.claim_redrive(order_id, stalled["sweptAt"])
    if attempt is None:
        return "no longer pending, or re-driven for this sweep already"
    if attempt > workflow.REDRIVES_BEFORE_EXPIRY:
        workflow.start_expiry(order_id, order["userId"], shard_of(order_id), attempt)
        return f"expired (re-drive {attempt})"
    events.publish(
        DetailType.ORDER_CREATED,
        view(order),
        correlation_id=order_id,
        event_id=events.stable_event_id(order_id, DetailType.ORDER_CREATED),
    )
    return f"re-driven ({attempt})"


def reject(rejected: OrderRejected) -> bool:
    """Stock could not be reserved for every line: the order is REJECTED."""
    return repository.reject(rejected["orderId"], rejected["reason"], rejected["productIds"])


_ATTEMPTS = 3  # reads and conditional writes of one change, while the workflow moves it


def _own(user_id: str, order_id: str) -> Order:
    """The caller's order as stored, read consistently."""
    order = repository.get(order_id, consistent=True)
    if order is None or order["userId"] != user_id:
        raise OrderNotFound(order_id)  # another customer's order does not exist for you
    return order


def get(user_id: str, order_id: str) -> Order:
    order = repository.get(order_id)
    if order is None or order["userId"] != user_id:
        raise OrderNotFound(order_id)  # another customer's order does not exist for you
    return view(order)


def timeline(user_id: str, order_id: str, any_customer: bool = False) -> OrderTimeline:
    """The steps the order has taken, in order (contracts.ORDER_TIMELINE): the caller's own
    order, or with any_customer (admins) anyone's; another's does not exist for them. Read
    consistently: a step is on it as soon as its write returned."""
    order = repository.get(order_id, consistent=True)
    if order is None or (order["userId"] != user_id and not any_customer):
        raise OrderNotFound(order_id)
    stored: Mapping[str, object] = order
    return {
        "orderId": order_id,
        "status": order["status"],
        "events": [
            {"event": detail_type.value, "at": str(stored[attribute])}
            for detail_type, attribute in ORDER_TIMELINE.items()
            if attribute in stored
        ],
    }


def get_any(order_id: str) -> Order:
    """Any customer's order (for admins)."""
    order = repository.get(order_id)
    if order is None:
        raise OrderNotFound(order_id)
    return view(order)


def page(user_id: str, limit: int, token: str | None) -> OrderPage:
    orders, next_token = repository.page_for_user(user_id, limit, token)
    return {"items": [view(order) for order in orders], "nextToken": next_token}


def page_by_status(status: str, limit: int, token: str | None) -> OrderPage:
    """Every customer's orders of one status, newest first (for admins)."""
    orders, next_token = repository.page_by_status(status, limit, token)
    return {"items": [view(order) for order in orders], "nextToken": next_token}


def change_address(user_id: str, order_id: str, address: Address) -> Order:
    updated = repository.update_if_open(order_id, user_id, {"shippingAddress": address})
    if updated is None:
        order = get(user_id, order_id)  # raises OrderNotFound for a missing or foreign order
        raise OrderClosed(order_id, order["status"])
    return view(updated)


def cancel(user_id: str, order_id: str) -> Order:
    """PENDING or PAID → CANCELLED, with OrderCancelled in the same transaction: the
    basket reopens, the stock is given back and, if it was paid, the refund workflow
    refunds it. Cancelling again is harmless."""
    for _ in range(_ATTEMPTS):
        order = _own(user_id, order_id)
        if order["status"] == CANCELLED:
            return view(order)
        if order["status"] not in OPEN:
            raise OrderClosed(order_id, order["status"])
        data: OrderCancelledData = {"orderId": order_id, "userId": user_id}
        try:
            repository.cancel(order, data)
        except repository.Refused:
            continue  # paid (or settled) meanwhile: decide again on what it is now
        return view(_own(user_id, order_id))
    raise BusyOrder(order_id)


def ship(order_id: str, shipment: ShipmentInput) -> Order:
    """The carrier confirms: PAID → SHIPPED with its tracking number, with OrderShipped in
    the same transaction. The same confirmation again is harmless; another one for a
    shipped order is not."""
    for _ in range(_ATTEMPTS):
        order = repository.get(order_id, consistent=True)
        if order is None:
            raise OrderNotFound(order_id)
        if order["status"] == SHIPPED:
            shipped_with = (order.get("carrier"), order.get("trackingNumber"))
            if shipped_with != (shipment["carrier"], shipment["trackingNumber"]):
                raise ShippedOtherwise(order_id, order)
            return view(order)
        if order["status"] != PAID:
            raise NotShippable(order_id, order["status"])
        data: OrderShipped = {"orderId": order_id, "userId": order["userId"], **shipment}
        try:
            repository.ship(order_id, shipment, data)
        except repository.Refused:
            continue  # cancelled meanwhile, or another confirmation won
        return get_any(order_id)
    raise BusyOrder(order_id)


def request_fulfilment(paid: OrderPaid) -> bool:
    """Fulfilment, on OrderPaid: hand the order to the carrier, once (the simulated
    carrier then confirms shipping through the admin route), counting the sale. True if
    handed over now."""
    return repository.request_fulfilment(paid["orderId"], paid["totalPrice"])


def count_payment_failure(failed: OrderPaymentFailed) -> bool:
    """On OrderPaymentFailed: count it in the day's sales, once. True if counted now."""
    return repository.count_payment_failure(failed["orderId"], failed["reason"])


def count_refund(refunded: OrderRefunded) -> bool:
    """On OrderRefunded: count it in the day's sales, once. True if counted now."""
    return repository.count_refund(refunded["orderId"], refunded["refundedAmount"])


def start_refund(order_id: str) -> bool:
    """On OrderCancelled: a cancelled order that was paid gets its refund workflow (one
    execution, named for the order). True when started by this call."""
    order = repository.get(order_id, consistent=True)
    if order is None or order["status"] != CANCELLED:
        return False
    if "paidAt" not in order or "refundedAt" in order:
        return False  # nothing was taken, or it is given back already
    return workflow.start_refund(order_id)
