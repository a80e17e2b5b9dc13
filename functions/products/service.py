"""Product rules: ids and timestamps are the server's, every change is an event."""

import uuid

from products import repository
from shop_common import events
from shop_common.contracts import DetailType
from shop_common.dynamo import now
from shop_common.errors import NotFound
from shop_common.models import Product, ProductInput, ProductPage


class ProductNotFound(NotFound):
    def __init__(self, product_id: str) -> None:
        super().__init__(f"Product {product_id} not found")


def _product(product_id: str, data: ProductInput, created_at: str, updated_at: str) -> Product:
    return {
        "productId": product_id,
        "name": data["name"],
        "description": data.get("description", ""),
        "price": data["price"],
        "category": data["category"],
        "imageUrl": data.get("imageUrl", ""),
        "stock": data.get("stock", 0),
        "createdAt": created_at,
        "updatedAt": updated_at,
    }


def create(data: ProductInput) -> Product:
    created_at = now()
    product = _product(str(uuid.uuid4()), data, created_at, created_at)
    repository.put(product)
    events.publish(DetailType.PRODUCT_CREATED, product, correlation_id=product["productId"])
    return product


def update(product_id: str, data: ProductInput) -> Product:
    current = get(product_id)
    product = _product(product_id, data, current["createdAt"], now())
    if not repository.replace(product):
        raise ProductNotFound(product_id)  # deleted meanwhile
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
