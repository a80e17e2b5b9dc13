"""The types in shop_common.models and the JSON Schemas in shop_common.contracts declare the
same records: the same fields, required and optional alike, of matching types (an enum is a
Literal of the same values, a $ref the referenced model's type), so the two cannot drift."""

from collections.abc import Mapping
from typing import Any, Literal, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from shop_common import contracts, models
from shop_common.contracts import DetailType

MODEL_TYPES: dict[str, Any] = {
    "Address": models.Address,
    "LineItem": models.LineItem,
    "Product": models.Product,
    "ProductPage": models.ProductPage,
    "BasketLine": models.BasketLine,
    "Basket": models.Basket,
    "CheckoutAccepted": models.CheckoutAccepted,
    "Order": models.Order,
    "OrderPage": models.OrderPage,
    "TimelineEvent": models.TimelineEvent,
    "OrderTimeline": models.OrderTimeline,
    "AuditEvent": models.AuditEvent,
    "AuditEventPage": models.AuditEventPage,
    "Error": models.ErrorBody,
}
# Served as the generated file's text (functions/openapi): no code builds or reads it.
UNTYPED_MODELS = {"OpenApiDocument"}
INPUT_TYPES = {
    "ProductInput": (contracts.PRODUCT_INPUT, models.ProductInput),
    "ProductUpdateInput": (contracts.PRODUCT_UPDATE_INPUT, models.ProductUpdateInput),
    "StockChangeInput": (contracts.STOCK_CHANGE_INPUT, models.StockChangeInput),
    "BasketItemInput": (contracts.BASKET_ITEM_INPUT, models.BasketItemInput),
    "CheckoutInput": (contracts.CHECKOUT_INPUT, models.CheckoutInput),
    "OrderUpdateInput": (contracts.ORDER_UPDATE_INPUT, models.OrderUpdateInput),
    "ShipmentInput": (contracts.SHIPMENT_INPUT, models.ShipmentInput),
}
EVENT_DATA_TYPES: dict[DetailType, Any] = {
    DetailType.CHECKOUT_BASKET: models.CheckoutBasket,
    DetailType.ORDER_CREATED: models.Order,
    DetailType.ORDER_PAID: models.OrderPaid,
    DetailType.ORDER_PAYMENT_FAILED: models.OrderPaymentFailed,
    DetailType.ORDER_CANCELLED: models.OrderCancelled,
    DetailType.ORDER_REFUNDED: models.OrderRefunded,
    DetailType.ORDER_SHIPPED: models.OrderShipped,
    DetailType.STOCK_RESERVED: models.StockReserved,
    DetailType.ORDER_REJECTED: models.OrderRejected,
    DetailType.ORDER_STALLED: models.OrderStalled,
    DetailType.CHECKOUT_STALLED: models.CheckoutStalled,
    DetailType.PRODUCT_CREATED: models.Product,
    DetailType.PRODUCT_UPDATED: models.Product,
    DetailType.PRODUCT_DELETED: models.Product,
    DetailType.REVIEW_SUBMITTED: models.ReviewSubmitted,
    DetailType.REVIEW_ANALYSED: models.ReviewAnalysed,
    DetailType.CASE_OPENED: models.CaseOpened,
    DetailType.CASE_RESOLVED: models.CaseResolved,
}
SCALARS: dict[Any, tuple[Any, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "number": (models.Number,),
    # A request body's integers are ints; a stored one comes back from DynamoDB a Decimal.
    "integer": (int, models.Number),
    ("string", "null"): (str | None,),
}


def _model_name(schema: dict[str, Any]) -> str:
    return schema["$ref"].removeprefix("#/definitions/")


def assert_same_type(annotation: Any, schema: dict[str, Any], where: str) -> None:
    if "$ref" in schema:
        expected = MODEL_TYPES[_model_name(schema)]
        assert annotation is expected, f"{where}: {annotation} is not {expected.__name__}"
    elif "enum" in schema or "const" in schema:
        values = schema["enum"] if "enum" in schema else [schema["const"]]
        assert get_origin(annotation) is Literal, f"{where}: {annotation} is not a Literal"
        assert list(get_args(annotation)) == values, f"{where}: {annotation} is not {values}"
    elif schema["type"] == "object" and "properties" not in schema:  # any fields
        assert annotation == Mapping[str, object], f"{where}: {annotation} is not a Mapping"
    elif schema["type"] == "object":
        assert_same_record(annotation, schema, where)
    elif schema["type"] == "array":
        assert get_origin(annotation) is list, f"{where}: {annotation} is not a list"
        assert_same_type(get_args(annotation)[0], schema["items"], f"{where}[]")
    else:
        kind = tuple(schema["type"]) if isinstance(schema["type"], list) else schema["type"]
        assert annotation in SCALARS[kind], f"{where}: {annotation} is not one of {SCALARS[kind]}"


def assert_same_record(typed_dict: Any, schema: dict[str, Any], where: str) -> None:
    assert is_typeddict(typed_dict), f"{where}: {typed_dict} is not a TypedDict"
    fields = set(schema["properties"])
    required = set(schema.get("required", ()))
    assert set(typed_dict.__required_keys__) == required, f"{where}: required fields differ"
    assert set(typed_dict.__optional_keys__) == fields - required, f"{where}: optional differ"
    hints = get_type_hints(typed_dict)
    for name, field_schema in schema["properties"].items():
        assert_same_type(hints[name], field_schema, f"{where}.{name}")


def test_every_model_and_event_has_a_type():
    assert set(MODEL_TYPES) | UNTYPED_MODELS == set(contracts.MODELS)
    assert set(EVENT_DATA_TYPES) == set(contracts.EVENTS)


@pytest.mark.parametrize("name", sorted(MODEL_TYPES))
def test_each_model_type_has_the_fields_of_its_schema(name):
    assert_same_record(MODEL_TYPES[name], contracts.MODELS[name], name)


@pytest.mark.parametrize("name", sorted(INPUT_TYPES))
def test_each_request_body_type_has_the_fields_of_its_schema(name):
    schema, typed_dict = INPUT_TYPES[name]
    assert schema["title"] == name
    assert_same_record(typed_dict, schema, name)


@pytest.mark.parametrize("detail_type", list(DetailType))
def test_each_event_data_type_has_the_fields_of_its_schema(detail_type):
    schema = contracts.EVENTS[detail_type].data
    if "$ref" in schema:  # the data is a model: its type is that model's
        assert EVENT_DATA_TYPES[detail_type] is MODEL_TYPES[_model_name(schema)]
    else:
        assert EVENT_DATA_TYPES[detail_type].__name__ == schema["title"] == detail_type
        assert_same_record(EVENT_DATA_TYPES[detail_type], schema, detail_type)


@pytest.mark.parametrize("detail_type", list(DetailType))
def test_the_envelope_type_has_the_fields_of_every_event_detail(detail_type):
    schema = contracts.event_detail_schema(detail_type)
    assert set(models.EventDetail.__required_keys__) == set(schema["required"])
    assert set(models.EventDetail.__optional_keys__) == set(schema["properties"]) - set(
        schema["required"]
    )
    assert_same_record(models.EventMetadata, schema["properties"]["metadata"], "metadata")


def test_the_checker_notices_a_drift():
    """A field missing, made optional, or of another type is each caught."""
    order = contracts.MODELS["Order"]
    renamed = order | {"properties": order["properties"] | {"note": {"type": "string"}}}
    optional = order | {"required": [f for f in order["required"] if f != "email"]}
    retyped = order | {"properties": order["properties"] | {"email": {"type": "integer"}}}
    statuses = order | {"properties": order["properties"] | {"status": {"enum": ["PENDING"]}}}
    for drifted in (renamed, optional, retyped, statuses):
        with pytest.raises(AssertionError):
            assert_same_record(models.Order, drifted, "Order")
