"""Basket rules: server-side prices, a lock while checked out, idempotent checkout."""

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import overload

from basket import catalog, repository
from basket.repository import ACTIVE, CHECKED_OUT, ConcurrentUpdate
from ordering.status_index import shard_of
from shop_common.contracts import DetailType
from shop_common.errors import Conflict, NotFound
from shop_common.limits import TRANSACT_WRITE_MAX_ITEMS
from shop_common.models import (
    Basket,
    BasketItem,
    BasketLine,
    CheckoutAccepted,
    CheckoutBasket,
    CheckoutInput,
    LineItem,
    Number,
    StoredBasket,
)
from shop_common.settings import Env, once, variable
from shop_common.times import now, stale_after

_ATTEMPTS = 3
# A basket becomes an order whose lines the stock keeper reserves in one DynamoDB
# transaction (products/reservations.py): per line the product's stock and a
# reservation record, plus the order's decision record. A basket holds no more
# lines than that transaction carries, with a spare item (and far less than the
# 400 KB item limit, for the basket and the order).
_ITEMS_PER_LINE = 2
_ORDER_ITEMS = 2  # the decision record, and one to spare
MAX_LINES = (TRANSACT_WRITE_MAX_ITEMS - _ORDER_ITEMS) // _ITEMS_PER_LINE


currency = once(lambda: variable(Env.CURRENCY))


class BasketLocked(Conflict):
    def __init__(self, order_id: str) -> None:
        super().__init__(
            f"The basket is checked out as order {order_id}; it reopens if the order fails"
        )


class BasketEmpty(Conflict):
    def __init__(self) -> None:
        super().__init__("The basket is empty")


class UnknownProduct(NotFound):
    def __init__(self, product_id: str) -> None:
        super().__init__(f"Product {product_id} not found")


class ProductsUnavailable(Conflict):
    def __init__(self, product_ids: list[str]) -> None:
        super().__init__(f"No longer available: {', '.join(product_ids)}; remove them and retry")


class BasketFull(Conflict):
    def __init__(self) -> None:
        super().__init__(
            f"The basket holds at most {MAX_LINES} different products; remove one first"
        )


class BusyBasket(Conflict):
    def __init__(self) -> None:
        super().__init__("The basket is being changed by another request; retry")


def _empty(user_id: str) -> StoredBasket:
    return {"userId": user_id, "status": ACTIVE, "items": {}, "version": 0}


def view(basket: StoredBasket) -> Basket:
    """The API representation (docs/architecture.md#basket). An open basket is priced
    now, from the catalogue; a checked-out one shows exactly what its order charges."""
    if basket["status"] == CHECKED_OUT and "charge" in basket:
        charge = basket["charge"]
        lines = [_line(item, item["unitPrice"], available=True) for item in charge["items"]]
        return _basket(basket, lines, charge["currency"])
    items = sorted(basket["items"].values(), key=lambda i: (i["addedAt"], i["productId"]))
    current = catalog.products([item["productId"] for item in items]) if items else {}
    lines = [
        _line(
            item,
            current[item["productId"]]["price"] if item["productId"] in current else None,
            available=item["productId"] in current,
        )
        for item in items
    ]
    return _basket(basket, lines, currency())


def _line(item: BasketItem | LineItem, price: Number | None, available: bool) -> BasketLine:
    unit_price = item["unitPrice"] if price is None else price
    line: BasketLine = {
        "productId": item["productId"],
        "name": item["name"],
        "unitPrice": unit_price,
        "quantity": item["quantity"],
        "lineTotal": unit_price * item["quantity"],
        "available": available,
        "priceChanged": unit_price != item["unitPrice"],
    }
    if line["priceChanged"]:
        line["addedUnitPrice"] = item["unitPrice"]
    return line


def _basket(basket: StoredBasket, lines: list[BasketLine], in_currency: str) -> Basket:
    result: Basket = {
        "items": lines,
        "totalPrice": sum((ln["lineTotal"] for ln in lines if ln["available"]), Decimal(0)),
        "currency": in_currency,
        "status": basket["status"],
    }
    if basket.get("orderId"):
        result["orderId"] = basket["orderId"]
    return result


def get(user_id: str) -> Basket:
    return view(repository.get(user_id) or _empty(user_id))


@overload
def _change(user_id: str, edit: Callable[[StoredBasket], StoredBasket]) -> StoredBasket: ...
@overload
def _change(user_id: str, edit: Callable[[StoredBasket], None]) -> None: ...
def _change(
    user_id: str, edit: Callable[[StoredBasket], StoredBasket | None]
) -> StoredBasket | None:
    """Read, edit, write back; retried when another request wrote in between."""
    for _ in range(_ATTEMPTS):
        basket = repository.get(user_id) or _empty(user_id)
        if basket["status"] == CHECKED_OUT:
            raise BasketLocked(basket["orderId"])
        changed = edit(basket)
        try:
            if changed is None:
                if basket["version"]:
                    repository.delete(basket)
                return None
            return repository.save(changed)
        except ConcurrentUpdate:
            continue
    raise BusyBasket()


def set_quantity(user_id: str, product_id: str, quantity: int) -> Basket:
    product = catalog.product(product_id)
    if product is None:
        raise UnknownProduct(product_id)

    def edit(basket: StoredBasket) -> StoredBasket:
        items = dict(basket["items"])
        if product_id not in items and len(items) >= MAX_LINES:
            raise BasketFull()
        current = items.get(product_id)
        added_at = (current.get("addedAt") if current else None) or now()
        items[product_id] = {
            "productId": product_id,
            "name": product["name"],
            "unitPrice": product["price"],
            "quantity": quantity,
            "addedAt": added_at,
        }
        return basket | {"items": items}

    return view(_change(user_id, edit))


def remove_item(user_id: str, product_id: str) -> Basket:
    def edit(basket: StoredBasket) -> StoredBasket:
        items = {pid: item for pid, item in basket["items"].items() if pid != product_id}
        return basket | {"items": items}

    return view(_change(user_id, edit))


def clear(user_id: str) -> None:
    _change(user_id, lambda basket: None)


def checkout(user_id: str, request: CheckoutInput) -> CheckoutAccepted:
    """Turn the basket into an order and its CheckoutBasket event, in one transaction,
    exactly once; answer the order with exactly the lines and total it charges (a
    repeat answers the same and writes nothing)."""
    for _ in range(_ATTEMPTS):
        basket = repository.get(user_id)
        if basket and basket["status"] == CHECKED_OUT:
            repository.publish_pending_checkout(basket)  # one checked out before the outbox
            return _accepted(basket)
        if not basket or not basket["items"]:
            raise BasketEmpty()
        data = _order_data(basket, request)
        locked = basket | {
            "status": CHECKED_OUT,
            "orderId": data["orderId"],
            "charge": {
                "items": data["items"],
                "totalPrice": data["totalPrice"],
                "currency": data["currency"],
            },
            # Never in an event: the ordering service reads it when payment starts.
            "paymentToken": request["paymentToken"],
            # In the byCheckout index until it reopens: the sweeper finds it if it stays.
            "checkoutShard": str(shard_of(data["orderId"])),
            "staleAfter": stale_after(),
        }
        try:
            written = repository.check_out(locked, data)  # with CheckoutBasket
        except ConcurrentUpdate:
            continue
        return _accepted(written)
    raise BusyBasket()


def _accepted(basket: StoredBasket) -> CheckoutAccepted:
    charge = basket["charge"]
    return {
        "orderId": basket["orderId"],
        "status": "PENDING",
        "items": charge["items"],
        "totalPrice": charge["totalPrice"],
        "currency": charge["currency"],
    }


def _order_data(basket: StoredBasket, request: CheckoutInput) -> CheckoutBasket:
    product_ids = list(basket["items"])
    current = catalog.products(product_ids)
    missing = [pid for pid in product_ids if pid not in current]
    if missing:
        raise ProductsUnavailable(missing)
    items: list[LineItem] = [
        {
            "productId": pid,
            "name": current[pid]["name"],
            "unitPrice": current[pid]["price"],
            "quantity": basket["items"][pid]["quantity"],
            "lineTotal": current[pid]["price"] * basket["items"][pid]["quantity"],
        }
        for pid in product_ids
    ]
    return {
        "orderId": str(uuid.uuid4()),
        "userId": basket["userId"],
        "email": request["email"],
        "items": items,
        "totalPrice": sum((item["lineTotal"] for item in items), Decimal(0)),
        "currency": currency(),
        "shippingAddress": request["shippingAddress"],
    }


def on_order_event(detail_type: DetailType, order_id: str, user_id: str) -> bool:
    """Apply an order outcome to the basket; False when it no longer concerns it."""
    if detail_type is DetailType.ORDER_PAID:
        return repository.delete_for_order(user_id, order_id)
    return repository.unlock_for_order(user_id, order_id)
