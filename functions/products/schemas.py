"""Request bodies of the product routes (JSON Schema)."""

CATEGORY = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,49}$"}

PRODUCT_INPUT = {
    "title": "ProductInput",
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "price", "category"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "description": {"type": "string", "maxLength": 2000},
        "price": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000000, "multipleOf": 0.01},
        "category": CATEGORY,
        "imageUrl": {"type": "string", "maxLength": 2000, "pattern": "^https?://"},
        "stock": {"type": "integer", "minimum": 0, "maximum": 1000000},
    },
}
