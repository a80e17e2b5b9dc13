"""Product rules: ids and timestamps are the server's, every change is an event,
written with the change in one transaction (products/repository.py)."""

import uuid
from collections.abc import Callable

from products import repository
from shop_common.errors import Conflict, NotFound
from shop_common.models import (
    Number,
    Product,
    ProductInput,
    ProductPage,
    ProductUpdateInput,
    StockChangeInput,
)
from shop_common.times import now

_ATTEMPTS = 5  # reads and conditional writes of one change, while reservations move stock


class ProductNotFound(NotFound):
    def __init__(self, product_id: str) -> None:
        super().__init__(f"Product {product_id} not found")


class LostUpdate(Conflict):
    def __init__(self, product_id: str, version: int, current: Number) -> None:
        super().__init__(
            f"Product {product_id} changed since version {version} (it is at {current}): "
            "read it again, then change it"
        )


class BusyProduct(Conflict):
    def __init__(self, product_id: str) -> None:
        super().__init__(f"Product {product_id} is being changed by another request; retry")


class NotEnoughStock(Conflict):
    def __init__(self, product_id: str, available: Number, delta: int) -> None:
        super().__init__(
            f"Product {product_id} has {available} available (the rest is reserved); "
            f"cannot take away {-delta}"
        )


def create(data: ProductInput) -> Product:
    created_at = now()
    product: Product = {
        "productId": str(uuid.uuid4()),
        "name": data["name"],
        "description": data.get("description", ""),
        "price": data["price"],
        "category": data["category"],
        "imageUrl": data.get("imageUrl", ""),
        "stock": data.get("stock", 0),
        "version": 1,
        "createdAt": created_at,
        "updatedAt": created_at,
    }
    repository.insert(product)  # with ProductCreated
    return product


def _change(product_id: str, change: Callable[[Product], Product | None]) -> Product:
    """Read the product, `change` it (a new product, or None to delete it) and write it
    with its event, if nothing changed it in between; else read it again and retry
    (a reservation moved its stock). `change` raises what refuses the request."""
    for _ in range(_ATTEMPTS):
        read = repository.get(product_id, consistent=True)
        if read is None:
            raise ProductNotFound(product_id)
        changed = change(read)
        try:
            if changed is None:
                repository.remove(read)  # with ProductDeleted
                return read
            repository.replace(read, changed)  # with ProductUpdated
        except repository.Refused:
            continue
        return changed
    raise BusyProduct(product_id)


def update(product_id: str, data: ProductUpdateInput) -> Product:
    """Change a product's details, never its stock, as of the version the admin read."""

    def change(product: Product) -> Product:
        if product["version"] != data["version"]:
            raise LostUpdate(product_id, data["version"], product["version"])
        return product | {
            "name": data["name"],
            "description": data.get("description", ""),
            "price": data["price"],
            "category": data["category"],
            "imageUrl": data.get("imageUrl", ""),
            "version": product["version"] + 1,
            "updatedAt": now(),
        }

    return _change(product_id, change)


def adjust_stock(product_id: str, change: StockChangeInput) -> Product:
    """Add delta to the available stock unless that would take it below zero."""
    delta = change["delta"]

    def adjust(product: Product) -> Product:
        if product["stock"] + delta < 0:
            raise NotEnoughStock(product_id, product["stock"], delta)
        return product | {
            "stock": product["stock"] + delta,
            "version": product["version"] + 1,
            "updatedAt": now(),
        }

    return _change(product_id, adjust)


def delete(product_id: str) -> None:
    _change(product_id, lambda product: None)


def get(product_id: str) -> Product:
    product = repository.get(product_id)
    if product is None:
        raise ProductNotFound(product_id)
    return product


def page(limit: int, token: str | None, category: str | None) -> ProductPage:
    items, next_token = repository.page(limit, token, category)
    return {"items": items, "nextToken": next_token}
