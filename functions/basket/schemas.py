"""Request bodies of the basket routes (JSON Schema)."""

from shop_common.contracts import ADDRESS

BASKET_ITEM_INPUT = {
    "title": "BasketItemInput",
    "type": "object",
    "additionalProperties": False,
    "required": ["quantity"],
    "properties": {"quantity": {"type": "integer", "minimum": 1, "maximum": 99}},
}

CHECKOUT_INPUT = {
    "title": "CheckoutInput",
    "type": "object",
    "additionalProperties": False,
    "required": ["shippingAddress", "email", "paymentToken"],
    "properties": {
        "shippingAddress": ADDRESS,
        "email": {"type": "string", "format": "email", "maxLength": 254},
        "paymentToken": {"type": "string", "minLength": 1, "maxLength": 200},
    },
}
