"""Order rules: one order per checkout, caller-scoped access (admins read every order),
sticky cancellation."""

from collections.abc import Mapping
from typing import cast

from ordering import payment_token, repository, workflow
from ordering.repository import CANCELLED, PENDING
from ordering.status_index import shard_of
from shop_common import events
from shop_common.contracts import DetailType
from shop_common.dynamo import now
from shop_common.errors import Conflict, NotFound
from shop_common.models import Address, CheckoutBasket, Order, OrderPage, OrderRejected
from shop_common.models import OrderCancelled as OrderCancelledData

_FIELDS = tuple(Order.__annotations__)  # what the API shows of a stored order, in this order


class OrderNotFound(NotFound):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"Order {order_id} not found")


class OrderCancelled(Conflict):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"Order {order_id} is cancelled and can no longer be changed")


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
    """Every line is reserved: start the order's workflow (named after it, so once),
    unless the order is no longer PENDING. True when started by this call."""
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
        },
    )


def reject(rejected: OrderRejected) -> bool:
    """Stock could not be reserved for every line: the order is REJECTED."""
    return repository.reject(rejected["orderId"], rejected["reason"], rejected["productIds"])


def get(user_id: str, order_id: str) -> Order:
    order = repository.get(order_id)
    if order is None or order["userId"] != user_id:
        raise OrderNotFound(order_id)  # another customer's order does not exist for you
    return view(order)


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
        get(user_id, order_id)  # raises OrderNotFound for a missing or foreign order
        raise OrderCancelled(order_id)
    return view(updated)


def cancel(user_id: str, order_id: str) -> Order:
    cancelled = repository.update_if_open(order_id, user_id, {"status": CANCELLED})
    if cancelled is None:
        order = get(user_id, order_id)
        if order["status"] == CANCELLED:
            return order  # cancelling twice is harmless
        raise OrderCancelled(order_id)  # unreachable unless the store changed underneath
    data: OrderCancelledData = {"orderId": order_id, "userId": user_id}
    events.publish(
        DetailType.ORDER_CANCELLED,
        data,
        correlation_id=order_id,
        event_id=events.stable_event_id(order_id, DetailType.ORDER_CANCELLED),
    )
    return view(cancelled)
