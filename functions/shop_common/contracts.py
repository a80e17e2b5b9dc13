"""The shop's data contracts as JSON Schema (draft-07): the API models and the
events (docs/architecture.md#events). scripts/generate.py renders them to schemas/events/*.json
and into the OpenAPI document; consumers validate incoming events with them.

Events allow unknown fields (producers may add fields without breaking
consumers); request bodies (ADDRESS and the *_INPUT schemas) do not.
"""

DRAFT = "http://json-schema.org/draft-07/schema#"
SCHEMA_VERSION = "1"

_ID = {"type": "string", "minLength": 1, "maxLength": 128}
# Every id the shop issues (products, orders, events) is a lower-case UUID; a
# path parameter in any other form cannot name anything.
UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_UUID = {"type": "string", "pattern": UUID_PATTERN}
_MONEY = {"type": "number", "minimum": 0}
_TIMESTAMP = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"}
_CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$"}
ORDER_STATUSES = ["PENDING", "PAID", "PAYMENT_FAILED", "CANCELLED"]
PAYMENT_FAILURE_REASONS = [
    "card_declined",
    "amount_limit_exceeded",
    "issuer_declined",
    "processing_error",
]


def ref(name: str) -> dict:
    return {"$ref": f"#/definitions/{name}"}


ADDRESS = {
    "title": "Address",
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "line1", "city", "postalCode", "country"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "line1": {"type": "string", "minLength": 1, "maxLength": 200},
        "line2": {"type": "string", "maxLength": 200},
        "city": {"type": "string", "minLength": 1, "maxLength": 100},
        "region": {"type": "string", "maxLength": 100},
        "postalCode": {"type": "string", "minLength": 1, "maxLength": 20},
        "country": {"type": "string", "pattern": "^[A-Z]{2}$", "description": "ISO 3166-1 alpha-2"},
    },
}


def _object(title: str, properties: dict, optional: tuple[str, ...] = ()) -> dict:
    return {
        "title": title,
        "type": "object",
        "required": [name for name in properties if name not in optional],
        "properties": properties,
    }


def _page(title: str, item: str) -> dict:
    return _object(
        title,
        {"items": {"type": "array", "items": ref(item)}, "nextToken": {"type": ["string", "null"]}},
    )


MODELS = {
    "Address": ADDRESS,
    "LineItem": _object(
        "LineItem",
        {
            "productId": _ID,
            "name": {"type": "string"},
            "unitPrice": _MONEY,
            "quantity": {"type": "integer", "minimum": 1, "maximum": 99},
            "lineTotal": _MONEY,
        },
    ),
    "Product": _object(
        "Product",
        {
            "productId": _ID,
            "name": {"type": "string", "minLength": 1},
            "description": {"type": "string"},
            "price": {"type": "number", "exclusiveMinimum": 0},
            "category": {"type": "string", "minLength": 1},
            "imageUrl": {"type": "string"},
            "stock": {"type": "integer", "minimum": 0},
            "createdAt": _TIMESTAMP,
            "updatedAt": _TIMESTAMP,
        },
    ),
    "Basket": _object(
        "Basket",
        {
            "items": {"type": "array", "items": ref("LineItem")},
            "totalPrice": _MONEY,
            "currency": _CURRENCY,
            "status": {"enum": ["ACTIVE", "CHECKED_OUT"]},
            "orderId": _ID,
        },
        optional=("orderId",),
    ),
    "CheckoutAccepted": _object(
        "CheckoutAccepted", {"orderId": _ID, "status": {"const": "PENDING"}}
    ),
    "Order": _object(
        "Order",
        {
            "orderId": _ID,
            "userId": _ID,
            "status": {"enum": ORDER_STATUSES},
            "items": {"type": "array", "minItems": 1, "items": ref("LineItem")},
            "totalPrice": _MONEY,
            "currency": _CURRENCY,
            "shippingAddress": ref("Address"),
            "email": {"type": "string", "format": "email"},
            "createdAt": _TIMESTAMP,
            "updatedAt": _TIMESTAMP,
            "paymentFailureReason": {"enum": PAYMENT_FAILURE_REASONS},
        },
        optional=("paymentFailureReason",),
    ),
    "Error": _object(
        "Error",
        {
            "message": {"type": "string"},
            "errors": {
                "type": "array",
                "items": _object(
                    "FieldError", {"field": {"type": "string"}, "message": {"type": "string"}}
                ),
            },
        },
        optional=("errors",),
    ),
}
MODELS["ProductPage"] = _page("ProductPage", "Product")
MODELS["OrderPage"] = _page("OrderPage", "Order")

_EVENT_DATA = {
    "CheckoutBasket": _object(
        "CheckoutBasket",
        {
            "orderId": _ID,
            "userId": _ID,
            "email": {"type": "string", "format": "email"},
            "items": {"type": "array", "minItems": 1, "items": ref("LineItem")},
            "totalPrice": _MONEY,
            "currency": _CURRENCY,
            "shippingAddress": ref("Address"),
            "paymentToken": {"type": "string", "minLength": 1},
        },
    ),
    "OrderCreated": ref("Order"),
    "OrderPaid": _object("OrderPaid", {"orderId": _ID, "userId": _ID, "totalPrice": _MONEY}),
    "OrderPaymentFailed": _object(
        "OrderPaymentFailed",
        {"orderId": _ID, "userId": _ID, "reason": {"enum": PAYMENT_FAILURE_REASONS}},
    ),
    "OrderCancelled": _object("OrderCancelled", {"orderId": _ID, "userId": _ID}),
    "ProductCreated": ref("Product"),
    "ProductUpdated": ref("Product"),
    "ProductDeleted": ref("Product"),
}

EVENT_SOURCES = {
    "CheckoutBasket": "shop.basket",
    "OrderCreated": "shop.ordering",
    "OrderPaid": "shop.ordering",
    "OrderPaymentFailed": "shop.ordering",
    "OrderCancelled": "shop.ordering",
    "ProductCreated": "shop.products",
    "ProductUpdated": "shop.products",
    "ProductDeleted": "shop.products",
}


def event_detail_schema(detail_type: str) -> dict:
    """The schema of an event's `detail`: the envelope around the type's data."""
    return {
        "$schema": DRAFT,
        "title": f"{detail_type} event detail",
        "description": f"source {EVENT_SOURCES[detail_type]}, detail-type {detail_type}",
        "type": "object",
        "required": ["metadata", "data"],
        "properties": {
            "metadata": _object(
                "Metadata",
                {
                    "eventId": _UUID,
                    "correlationId": {"type": "string", "minLength": 1},
                    "version": {"const": SCHEMA_VERSION},
                },
            ),
            "data": _EVENT_DATA[detail_type],
        },
        "definitions": MODELS,
    }


EVENT_TYPES = tuple(_EVENT_DATA)
