"""The stock keeper's rules: an order's lines are reserved all or none when it is
created, and given back once if its payment fails or it is cancelled. Every answer
is an event with a stable id, so a repeated delivery repeats the same answer."""

from products import reservations
from products.reservations import Decided, OutOfStock, ProductsGone
from shop_common import events
from shop_common.contracts import DetailType
from shop_common.models import Order, OrderRejected, StockReserved


def _answer(order_id: str, user_id: str, rejected: list[str] | None = None) -> None:
    detail_type, data = (
        (DetailType.STOCK_RESERVED, StockReserved(orderId=order_id, userId=user_id))
        if rejected is None
        else (
            DetailType.ORDER_REJECTED,
            OrderRejected(
                orderId=order_id, userId=user_id, reason="out_of_stock", productIds=rejected
            ),
        )
    )
    events.publish(
        detail_type,
        dict(data),
        correlation_id=order_id,
        event_id=events.stable_event_id(order_id, detail_type),
    )


def reserve(order: Order) -> bool:
    """Reserve the order's lines; True when this delivery decided it."""
    order_id, user_id = order["orderId"], order["userId"]
    lines: dict[str, int] = {}
    for line in order["items"]:
        lines[line["productId"]] = lines.get(line["productId"], 0) + int(line["quantity"])
    try:
        reservations.reserve(order_id, user_id, lines)
    except Decided:
        _repeat(order_id)
        return False
    except OutOfStock as short:
        try:
            reservations.decide(order_id, user_id, "REJECTED", short.product_ids)
        except Decided:
            _repeat(order_id)
            return False
        _answer(order_id, user_id, rejected=short.product_ids)
        return True
    _answer(order_id, user_id)
    return True


def _repeat(order_id: str) -> None:
    """Publish again what was decided (a lost publish is recovered by the redelivery)."""
    decided = reservations.decision(order_id)
    if decided is None or decided.value == "RELEASED":
        return  # released (cancelled) before it could be reserved: nothing to say
    if decided.value == "RESERVED":
        _answer(order_id, decided.user_id)
    else:
        _answer(order_id, decided.user_id, rejected=decided.short)


def release(order_id: str, user_id: str) -> bool:
    """Give an order's reserved stock back, once; True when this delivery did."""
    decided = reservations.decision(order_id)
    if decided is None:
        try:  # cancelled before its reservation: it must never be reserved now
            reservations.decide(order_id, user_id, "RELEASED")
        except Decided:
            return release(order_id, user_id)
        return True
    if decided.value != "RESERVED":
        return False
    lines = reservations.reserved_lines(order_id)
    gone: set[str] = set()
    while True:
        try:
            reservations.release(order_id, lines, gone)
        except Decided:
            return False
        except ProductsGone as missing:
            gone |= missing.product_ids
            continue
        return True
