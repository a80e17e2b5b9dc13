"""Request bodies of the orders routes (JSON Schema)."""

from shop_common.contracts import ADDRESS

ORDER_UPDATE_INPUT = {
    "title": "OrderUpdateInput",
    "type": "object",
    "additionalProperties": False,
    "required": ["shippingAddress"],
    "properties": {"shippingAddress": ADDRESS},
}
