"""Product rules: ids and timestamps are the server's, every change is an event."""

import uuid

from products import repository
from shop_common import events
from shop_common.contracts import DetailType
from shop_common.dynamo import now
from shop_common.errors import Conflict, NotFound
from shop_common.models import (
    Number,
    Product,
    ProductInput,
    ProductPage,
    ProductUpdateInput,
    StockChangeInput,
)


class ProductNotFound(NotFound):
    def __init__(self, product_id: str) -> None:
        super().__init__(f"Product {product_id} not found")


class LostUpdate(Conflict):
    def __init__(self, product_id: str, version: int, current: Number) -> None:
        super().__init__(
            f"Product {product_id} changed since version {version} (it is at {current}): "
            "read it again, then change it"
        )


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
    repository.put(product)
    events.publish(DetailType.PRODUCT_CREATED, product, correlation_id=product["productId"])
    return product


def update(product_id: str, data: ProductUpdateInput) -> Product:
    """Change a product's details, never its stock, as of the version the admin read."""
    fields = {
        "name": data["name"],
        "description": data.get("description", ""),
        "price": data["price"],
        "category": data["category"],
        "imageUrl": data.get("imageUrl", ""),
        "updatedAt": now(),
    }
    try:
        product = repository.update(product_id, dict(fields), data["version"])
    except repository.Refused:
        raise LostUpdate(product_id, data["version"], get(product_id)["version"]) from None
    events.publish(DetailType.PRODUCT_UPDATED, product, correlation_id=product_id)
    return product


def adjust_stock(product_id: str, change: StockChangeInput) -> Product:
    try:
        product = repository.adjust_stock(product_id, change["delta"], now())
    except repository.Refused:
        raise NotEnoughStock(product_id, get(product_id)["stock"], change["delta"]) from None
    events.publish(DetailType.PRODUCT_UPDATED, product, correlation_id=product_id)
    return product


def delete(product_id: str) -> None:
    product = repository.delete(product_id)
    if product is None:
        raise ProductNotFound(product_id)
    events.publish(DetailType.PRODUCT_DELETED, product, correlation_id=product_id)


def get(product_id: str) -> Product:
    product = repository.get(product_id)
    if product is None:
        raise ProductNotFound(product_id)
    return product


def page(limit: int, token: str | None, category: str | None) -> ProductPage:
    items, next_token = repository.page(limit, token, category)
    return {"items": items, "nextToken": next_token}
