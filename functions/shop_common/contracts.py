"""The shop's data contracts, each declared once, as JSON Schema (draft-07): the
API's models and request bodies, and the events with their producers and
consumers (docs/architecture.md#events). scripts/generate.py renders them to
schemas/events/*.json and into the OpenAPI document; the program derives its
rule patterns from EVENTS; consumers validate incoming events with them.

Events allow unknown fields (producers may add fields without breaking
consumers); request bodies (ADDRESS and the *_INPUT schemas) do not.

The same records as Python types, which the code takes and returns, are in
shop_common.models; tests/functions/test_models.py keeps the two in step.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, get_args

from shop_common.models import (
    BasketStatus,
    CaseStatus,
    OrderStatus,
    PaymentFailureReason,
    RejectionReason,
    SchemaVersion,
    Sentiment,
)

Schema = dict[str, Any]  # a JSON Schema (draft-07)

DRAFT = "http://json-schema.org/draft-07/schema#"
SCHEMA_VERSION: SchemaVersion = "1"

_ID = {"type": "string", "minLength": 1, "maxLength": 128}
# Every id the shop issues (products, orders, events) is a lower-case UUID; a
# path parameter in any other form cannot name anything.
UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_UUID = {"type": "string", "pattern": UUID_PATTERN}
_MONEY = {"type": "number", "minimum": 0}
_TIMESTAMP = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"}
# The shop's one form (times.now, the workflows' entered time): compared as text.
_TIMESTAMP_MS = {
    "type": "string",
    "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$",
    "description": "UTC, with milliseconds: 2026-12-01T09:30:00.000Z",
}
_CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$"}
# Shown to customers: no blank name, no surrounding spaces.
_CARRIER = {"type": "string", "minLength": 1, "maxLength": 50, "pattern": r"^\S(.*\S)?$"}
_TRACKING_NUMBER = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9-]{0,63}$"}
# Declared as Literals in shop_common.models, the types that carry them.
ORDER_STATUSES: list[str] = list(get_args(OrderStatus))
PAYMENT_FAILURE_REASONS: list[str] = list(get_args(PaymentFailureReason))
BASKET_STATUSES: list[str] = list(get_args(BasketStatus))
REJECTION_REASONS: list[str] = list(get_args(RejectionReason))
SENTIMENTS: list[str] = list(get_args(Sentiment))
CASE_STATUSES: list[str] = list(get_args(CaseStatus))


def ref(name: str) -> Schema:
    return {"$ref": f"#/definitions/{name}"}


ADDRESS: Schema = {
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


def _object(title: str, properties: Schema, optional: tuple[str, ...] = ()) -> Schema:
    return {
        "title": title,
        "type": "object",
        "required": [name for name in properties if name not in optional],
        "properties": properties,
    }


def _page(title: str, item: str) -> Schema:
    return _object(
        title,
        {"items": {"type": "array", "items": ref(item)}, "nextToken": {"type": ["string", "null"]}},
    )


MODELS: dict[str, Schema] = {
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
            "version": {"type": "integer", "minimum": 1},
            "createdAt": _TIMESTAMP,
            "updatedAt": _TIMESTAMP,
        },
    ),
    "BasketLine": _object(
        "BasketLine",
        {
            "productId": _ID,
            "name": {"type": "string"},
            "unitPrice": _MONEY,
            "quantity": {"type": "integer", "minimum": 1, "maximum": 99},
            "lineTotal": _MONEY,
            "available": {"type": "boolean"},
            "priceChanged": {"type": "boolean"},
            "addedUnitPrice": _MONEY,
        },
        optional=("addedUnitPrice",),
    ),
    "Basket": _object(
        "Basket",
        {
            "items": {"type": "array", "items": ref("BasketLine")},
            "totalPrice": _MONEY,
            "currency": _CURRENCY,
            "status": {"enum": BASKET_STATUSES},
            "orderId": _ID,
        },
        optional=("orderId",),
    ),
    "CheckoutAccepted": _object(
        "CheckoutAccepted",
        {
            "orderId": _ID,
            "status": {"const": "PENDING"},
            "items": {"type": "array", "minItems": 1, "items": ref("LineItem")},
            "totalPrice": _MONEY,
            "currency": _CURRENCY,
        },
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
            "rejectionReason": {"enum": REJECTION_REASONS},
            "rejectedProductIds": {"type": "array", "items": _ID},
            "paidAt": _TIMESTAMP,
            "fulfilmentRequestedAt": _TIMESTAMP,
            "carrier": _CARRIER,
            "trackingNumber": _TRACKING_NUMBER,
            "shippedAt": _TIMESTAMP,
            "refundedAmount": _MONEY,
            "refundedAt": _TIMESTAMP,
            "stockReservedAt": _TIMESTAMP,
            "rejectedAt": _TIMESTAMP,
            "paymentFailedAt": _TIMESTAMP,
            "cancelledAt": _TIMESTAMP,
        },
        optional=(
            "paymentFailureReason",
            "rejectionReason",
            "rejectedProductIds",
            "paidAt",
            "fulfilmentRequestedAt",
            "carrier",
            "trackingNumber",
            "shippedAt",
            "refundedAmount",
            "refundedAt",
            "stockReservedAt",
            "rejectedAt",
            "paymentFailedAt",
            "cancelledAt",
        ),
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
MODELS["OpenApiDocument"] = {
    "title": "OpenApiDocument",
    "type": "object",
    "required": ["openapi", "info", "paths"],
}
MODELS["ProductPage"] = _page("ProductPage", "Product")
MODELS["OrderPage"] = _page("OrderPage", "Order")

# --- reviews: what the GraphQL API's reviews fields accept and answer ----------------------
# The resolvers (appsync/resolvers/) check these; `make generate` writes them into their
# generated blocks (scripts/generate.py resolver_constants).

REVIEW_RATING: Schema = {"type": "integer", "minimum": 1, "maximum": 5}
REVIEW_TITLE: Schema = {"type": "string", "minLength": 1, "maxLength": 120, "pattern": r"\S"}
# What Comprehend's DetectSentiment accepts, checked at intake: UTF-8 bytes, not characters.
REVIEW_TEXT_MAX_BYTES = 5000
REVIEW_TEXT: Schema = {
    "type": "string",
    "minLength": 1,
    "pattern": r"\S",
    "description": f"at most {REVIEW_TEXT_MAX_BYTES} bytes of UTF-8 (Comprehend's limit)",
}
CASE_RESOLUTION: Schema = {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": r"\S"}
_SENTIMENT = {"enum": SENTIMENTS}
_SCORE = {"type": "number", "minimum": 0, "maximum": 1}

# The GraphQL API's own types (appsync/schema.graphql): not served by the HTTP API, so not
# in MODELS (and not in the OpenAPI document). tests/infra/test_graphql.py holds the schema
# to them.
GRAPHQL_MODELS: dict[str, Schema] = {
    # A review as anyone signed in reads it: never the reviewer's sub or e-mail.
    "Review": _object(
        "Review",
        {
            "reviewId": _UUID,
            "productId": _ID,
            "rating": REVIEW_RATING,
            "title": REVIEW_TITLE,
            "text": REVIEW_TEXT,
            "createdAt": _TIMESTAMP,
            "sentiment": _SENTIMENT,  # once analysed; only analysed reviews are listed
            "hidden": {"type": "boolean"},
        },
        optional=("sentiment",),
    ),
    "ReviewPage": _object(
        "ReviewPage",
        {
            "items": {"type": "array", "items": ref("Review")},
            "nextToken": {"type": ["string", "null"]},
            "reviewCount": {"type": "integer", "minimum": 0},
            "averageRating": {"type": "number", "minimum": 1, "maximum": 5},
        },
        optional=("averageRating",),  # none while a product has no review
    ),
    # A negative review's customer-service case (caseId: the review's id), as admins see it.
    "Case": _object(
        "Case",
        {
            "caseId": _UUID,
            "reviewId": _UUID,
            "productId": _ID,
            "status": {"enum": CASE_STATUSES},
            "rating": REVIEW_RATING,
            "title": REVIEW_TITLE,
            "text": REVIEW_TEXT,
            "openedAt": _TIMESTAMP,
            "escalatedAt": _TIMESTAMP,
            "resolvedAt": _TIMESTAMP,
            "closedAt": _TIMESTAMP,
            "resolution": CASE_RESOLUTION,
        },
        optional=("escalatedAt", "resolvedAt", "closedAt", "resolution"),
    ),
    "CasePage": _page("CasePage", "Case"),
}

# --- request bodies ----------------------------------------------------------------------

CATEGORY: Schema = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,49}$"}
ORDER_STATUS: Schema = {"type": "string", "enum": ORDER_STATUSES}  # a query parameter
MAX_STOCK = 1_000_000
_PRODUCT_FIELDS: Schema = {
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": {"type": "string", "maxLength": 2000},
    "price": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000000, "multipleOf": 0.01},
    "category": CATEGORY,
    "imageUrl": {"type": "string", "maxLength": 2000, "pattern": "^https?://"},
}
PRODUCT_INPUT: Schema = {
    "title": "ProductInput",
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "price", "category"],
    "properties": _PRODUCT_FIELDS
    | {"stock": {"type": "integer", "minimum": 0, "maximum": MAX_STOCK}},
}
# Stock changes only by a delta (reservations move it meanwhile); an update names the
# version it was read at, so it cannot write over a change it did not see.
PRODUCT_UPDATE_INPUT: Schema = {
    "title": "ProductUpdateInput",
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "price", "category", "version"],
    "properties": _PRODUCT_FIELDS | {"version": {"type": "integer", "minimum": 1}},
}
STOCK_CHANGE_INPUT: Schema = {
    "title": "StockChangeInput",
    "type": "object",
    "additionalProperties": False,
    "required": ["delta"],
    "properties": {
        "delta": {
            "type": "integer",
            "minimum": -MAX_STOCK,
            "maximum": MAX_STOCK,
            "not": {"const": 0},
            "description": "Units to add (> 0) or take away (< 0); never below zero available",
        }
    },
}
BASKET_ITEM_INPUT: Schema = {
    "title": "BasketItemInput",
    "type": "object",
    "additionalProperties": False,
    "required": ["quantity"],
    "properties": {"quantity": {"type": "integer", "minimum": 1, "maximum": 99}},
}
CHECKOUT_INPUT: Schema = {
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
ORDER_UPDATE_INPUT: Schema = {
    "title": "OrderUpdateInput",
    "type": "object",
    "additionalProperties": False,
    "required": ["shippingAddress"],
    "properties": {"shippingAddress": ADDRESS},
}
SHIPMENT_INPUT: Schema = {
    "title": "ShipmentInput",
    "type": "object",
    "additionalProperties": False,
    "required": ["carrier", "trackingNumber"],
    "properties": {"carrier": _CARRIER, "trackingNumber": _TRACKING_NUMBER},
}


# --- events ------------------------------------------------------------------------------


class Source(StrEnum):
    PRODUCTS = "shop.products"
    BASKET = "shop.basket"
    ORDERING = "shop.ordering"
    REVIEWS = "shop.reviews"


class DetailType(StrEnum):
    CHECKOUT_BASKET = "CheckoutBasket"
    ORDER_CREATED = "OrderCreated"
    ORDER_PAID = "OrderPaid"
    ORDER_PAYMENT_FAILED = "OrderPaymentFailed"
    ORDER_CANCELLED = "OrderCancelled"
    ORDER_REFUNDED = "OrderRefunded"
    ORDER_SHIPPED = "OrderShipped"
    STOCK_RESERVED = "StockReserved"
    ORDER_REJECTED = "OrderRejected"
    ORDER_STALLED = "OrderStalled"
    CHECKOUT_STALLED = "CheckoutStalled"
    PRODUCT_CREATED = "ProductCreated"
    PRODUCT_UPDATED = "ProductUpdated"
    PRODUCT_DELETED = "ProductDeleted"
    REVIEW_SUBMITTED = "ReviewSubmitted"
    REVIEW_ANALYSED = "ReviewAnalysed"
    CASE_OPENED = "CaseOpened"
    CASE_RESOLVED = "CaseResolved"


# Who produces and who consumes an event: a function's handler module, or the
# order workflow. Every event is also archived (components/event_bus.py) and audited
# (components/audit_recorder.py).
ORDER_WORKFLOW = "order-workflow"
REFUND_WORKFLOW = "refund-workflow"
STOCK_KEEPER = "products.consumer"  # reserves and releases stock for orders
# E-mails the customer each order outcome (workflows/customer_notifier.py MESSAGES).
CUSTOMER_NOTIFIER = "customer-notifier"
# Pushes each order event to the order's GraphQL subscribers (components/graphql_api.py:
# a rule whose AppSync target calls publishOrderStatus).
ORDER_STATUS_PUSH = "graphql-order-status"
# The reviews (components/reviews.py), none of them a function: the GraphQL API's reviews
# resolvers, which write through the reviews outbox; the analysis workflow (Comprehend);
# the thank-you e-mail; the customer-service workflow (a case per negative review); and
# the state machine that hands a resolved case back to its waiting execution.
REVIEWS_GRAPHQL = "reviews-graphql"
REVIEW_ANALYSIS = "review-analysis"
REVIEW_THANKS = "review-thanks"
CUSTOMER_SERVICE = "customer-service"
CASE_RESUMER = "case-resumer"
# Where a consumer takes only some events of a type: the values of detail.data's fields
# its rule matches (rule_pattern). ReviewAnalysed is routed by its sentiment.
DATA_FILTERS: dict[str, dict[str, list[str]]] = {
    REVIEW_THANKS: {"sentiment": ["POSITIVE", "NEUTRAL", "MIXED"]},
    CUSTOMER_SERVICE: {"sentiment": ["NEGATIVE"]},
}
# Finds orders left PENDING and baskets left CHECKED_OUT past their time, on a schedule
# (workflows/sweeper.py): the ordering service's, so it speaks as shop.ordering.
SWEEPER = "sweeper"


@dataclass(frozen=True)
class Event:
    detail_type: DetailType
    source: Source
    data: Schema  # the JSON Schema of detail.data
    producer: str
    consumers: tuple[str, ...] = ()
    # An order event: the status the order is in after it (what subscribers are told).
    order_status: OrderStatus | None = None
    # The fields of its data the audit keeps (ids, statuses, amounts, reasons), all
    # required by its schema; never one of PERSONAL_DATA (workflows/audit.py checks).
    audit: tuple[str, ...] = ()


# Fields that hold a person's data (contact, address, payment): the audit keeps none.
PERSONAL_DATA = frozenset({"email", "shippingAddress", "paymentToken"})
_ORDER_IDS = ("orderId", "userId")
# A product's change, as the audit keeps it: not its texts.
_PRODUCT_AUDIT = ("productId", "version", "price", "stock")
_CASE_IDS = ("caseId", "reviewId", "productId")


EVENTS: dict[DetailType, Event] = {
    event.detail_type: event
    for event in (
        Event(
            DetailType.CHECKOUT_BASKET,
            Source.BASKET,
            _object(
                "CheckoutBasket",
                {
                    "orderId": _ID,
                    "userId": _ID,
                    "email": {"type": "string", "format": "email"},
                    "items": {"type": "array", "minItems": 1, "items": ref("LineItem")},
                    "totalPrice": _MONEY,
                    "currency": _CURRENCY,
                    "shippingAddress": ref("Address"),
                },
            ),
            producer="basket.api",
            consumers=("ordering.consumer",),
            audit=(*_ORDER_IDS, "totalPrice", "currency"),
        ),
        Event(
            DetailType.ORDER_CREATED,
            Source.ORDERING,
            ref("Order"),
            producer="ordering.consumer",
            consumers=(STOCK_KEEPER, ORDER_STATUS_PUSH),
            order_status="PENDING",
            audit=(*_ORDER_IDS, "status", "totalPrice", "currency"),
        ),
        Event(
            DetailType.ORDER_PAID,
            Source.ORDERING,
            _object("OrderPaid", {"orderId": _ID, "userId": _ID, "totalPrice": _MONEY}),
            producer=ORDER_WORKFLOW,
            consumers=(
                "basket.consumer",
                "ordering.consumer",
                CUSTOMER_NOTIFIER,
                ORDER_STATUS_PUSH,
            ),
            order_status="PAID",
            audit=(*_ORDER_IDS, "totalPrice"),
        ),
        Event(
            DetailType.ORDER_PAYMENT_FAILED,
            Source.ORDERING,
            _object(
                "OrderPaymentFailed",
                {"orderId": _ID, "userId": _ID, "reason": {"enum": PAYMENT_FAILURE_REASONS}},
            ),
            producer=ORDER_WORKFLOW,
            # the basket reopens, the stock is given back, the day's sales count it
            consumers=(
                "basket.consumer",
                STOCK_KEEPER,
                "ordering.consumer",
                CUSTOMER_NOTIFIER,
                ORDER_STATUS_PUSH,
            ),
            order_status="PAYMENT_FAILED",
            audit=(*_ORDER_IDS, "reason"),
        ),
        Event(
            DetailType.ORDER_CANCELLED,
            Source.ORDERING,
            _object("OrderCancelled", {"orderId": _ID, "userId": _ID}),
            producer="ordering.api",
            # the basket reopens, the stock is given back, a paid order is refunded
            consumers=(
                "basket.consumer",
                STOCK_KEEPER,
                "ordering.consumer",
                CUSTOMER_NOTIFIER,
                ORDER_STATUS_PUSH,
            ),
            order_status="CANCELLED",
            audit=_ORDER_IDS,
        ),
        Event(
            DetailType.ORDER_REFUNDED,
            Source.ORDERING,
            _object(
                "OrderRefunded",
                {"orderId": _ID, "userId": _ID, "refundedAmount": _MONEY, "currency": _CURRENCY},
            ),
            producer=REFUND_WORKFLOW,
            # the stock keeper gives back what is still reserved (once); the day's sales
            # count it
            consumers=(STOCK_KEEPER, "ordering.consumer", CUSTOMER_NOTIFIER, ORDER_STATUS_PUSH),
            order_status="CANCELLED",
            audit=(*_ORDER_IDS, "refundedAmount", "currency"),
        ),
        Event(
            DetailType.ORDER_SHIPPED,
            Source.ORDERING,
            _object(
                "OrderShipped",
                {
                    "orderId": _ID,
                    "userId": _ID,
                    "carrier": _CARRIER,
                    "trackingNumber": _TRACKING_NUMBER,
                },
            ),
            producer="ordering.api",
            consumers=(CUSTOMER_NOTIFIER, ORDER_STATUS_PUSH),
            order_status="SHIPPED",
            # not the tracking number: the carrier's page shows the address with it
            audit=(*_ORDER_IDS, "carrier"),
        ),
        # The stock keeper's answer to OrderCreated: every line reserved, or none.
        Event(
            DetailType.STOCK_RESERVED,
            Source.PRODUCTS,
            _object("StockReserved", {"orderId": _ID, "userId": _ID}),
            producer=STOCK_KEEPER,
            consumers=("ordering.consumer",),  # payment starts
            audit=_ORDER_IDS,
        ),
        Event(
            DetailType.ORDER_REJECTED,
            Source.PRODUCTS,
            _object(
                "OrderRejected",
                {
                    "orderId": _ID,
                    "userId": _ID,
                    "reason": {"enum": REJECTION_REASONS},
                    "productIds": {"type": "array", "minItems": 1, "items": _ID},
                },
            ),
            producer=STOCK_KEEPER,
            # REJECTED; basket reopens; the customer is told
            consumers=(
                "ordering.consumer",
                "basket.consumer",
                CUSTOMER_NOTIFIER,
                ORDER_STATUS_PUSH,
            ),
            order_status="REJECTED",
            audit=(*_ORDER_IDS, "reason", "productIds"),
        ),
        *(
            Event(
                detail_type,
                Source.PRODUCTS,
                ref("Product"),
                producer="products.api",
                audit=_PRODUCT_AUDIT,
            )
            for detail_type in (
                DetailType.PRODUCT_CREATED,
                DetailType.PRODUCT_UPDATED,
                DetailType.PRODUCT_DELETED,
            )
        ),
        # Written with the review (and the product's summary) in one transaction.
        Event(
            DetailType.REVIEW_SUBMITTED,
            Source.REVIEWS,
            _object(
                "ReviewSubmitted",
                {"reviewId": _UUID, "productId": _ID, "userId": _ID, "rating": REVIEW_RATING},
            ),
            producer=REVIEWS_GRAPHQL,
            consumers=(REVIEW_ANALYSIS,),
            audit=("reviewId", "productId", "userId", "rating"),
        ),
        Event(
            DetailType.REVIEW_ANALYSED,
            Source.REVIEWS,
            _object(
                "ReviewAnalysed",
                {
                    "reviewId": _UUID,
                    "productId": _ID,
                    "sentiment": _SENTIMENT,
                    "scores": _object(
                        "SentimentScores",
                        {name: _SCORE for name in ("positive", "negative", "neutral", "mixed")},
                    ),
                },
            ),
            producer=REVIEW_ANALYSIS,
            consumers=(REVIEW_THANKS, CUSTOMER_SERVICE),  # by sentiment: DATA_FILTERS
            audit=("reviewId", "productId", "sentiment"),
        ),
        Event(
            DetailType.CASE_OPENED,
            Source.REVIEWS,
            _object("CaseOpened", {"caseId": _UUID, "reviewId": _UUID, "productId": _ID}),
            producer=CUSTOMER_SERVICE,
            audit=_CASE_IDS,
        ),
        # An admin resolved the case (resolveCase): its waiting execution is released.
        Event(
            DetailType.CASE_RESOLVED,
            Source.REVIEWS,
            _object("CaseResolved", {"caseId": _UUID, "reviewId": _UUID, "productId": _ID}),
            producer=REVIEWS_GRAPHQL,
            consumers=(CASE_RESUMER,),
            audit=_CASE_IDS,
        ),
        # The sweeper's findings: an order PENDING past its time (re-driven, or ended once
        # re-driven too often), a basket CHECKED_OUT past its time with no order (reopened).
        # `sweptAt` names the sweep, so a repeated delivery is recognised.
        Event(
            DetailType.ORDER_STALLED,
            Source.ORDERING,
            _object("OrderStalled", {"orderId": _ID, "userId": _ID, "sweptAt": _TIMESTAMP}),
            producer=SWEEPER,
            consumers=("ordering.consumer",),
            audit=(*_ORDER_IDS, "sweptAt"),
        ),
        Event(
            DetailType.CHECKOUT_STALLED,
            Source.ORDERING,
            _object("CheckoutStalled", {"orderId": _ID, "userId": _ID, "sweptAt": _TIMESTAMP}),
            producer=SWEEPER,
            consumers=("basket.consumer",),
            audit=(*_ORDER_IDS, "sweptAt"),
        ),
    )
}


# --- an order's timeline ------------------------------------------------------------------

# The steps of an order, in the only order they can happen, each with the Order attribute
# that holds when it happened: the write that makes the change (a conditional one, so once
# per order) stamps it on the order item, and the timeline (GET /orders/{orderId}/timeline,
# Query.orderTimeline) lists the steps it finds. StockReserved is stamped by the workflow's
# status update, with the time the ordering consumer started payment.
ORDER_TIMELINE: dict[DetailType, str] = {
    DetailType.ORDER_CREATED: "createdAt",
    DetailType.STOCK_RESERVED: "stockReservedAt",
    DetailType.ORDER_REJECTED: "rejectedAt",
    DetailType.ORDER_PAID: "paidAt",
    DetailType.ORDER_PAYMENT_FAILED: "paymentFailedAt",
    DetailType.ORDER_SHIPPED: "shippedAt",
    DetailType.ORDER_CANCELLED: "cancelledAt",
    DetailType.ORDER_REFUNDED: "refundedAt",
}
MODELS["TimelineEvent"] = _object(
    "TimelineEvent",
    {
        "event": {"type": "string", "description": "The step, named by its event's detail-type"},
        "at": _TIMESTAMP,
    },
)
MODELS["OrderTimeline"] = _object(
    "OrderTimeline",
    {
        "orderId": _ID,
        "status": {"enum": ORDER_STATUSES},
        "events": {"type": "array", "items": ref("TimelineEvent")},
    },
)


# --- the audit ----------------------------------------------------------------------------

# Every event on the bus, kept once per metadata.eventId by the audit recorder
# (workflows/audit.py): its envelope, when EventBridge received it (`time`) and when it was
# recorded, and of its data only the fields its Event.audit names.
MODELS["AuditEvent"] = _object(
    "AuditEvent",
    {
        "eventId": _ID,
        "correlationId": _ID,
        "source": {"type": "string"},
        "detailType": {"type": "string"},
        "time": _TIMESTAMP,
        "recordedAt": _TIMESTAMP,
        "data": {"type": "object", "description": "Only the fields the audit keeps"},
    },
)
MODELS["AuditEventPage"] = _page("AuditEventPage", "AuditEvent")
# GET /admin/audit's query and Query.auditEvents' arguments: a correlation's events (an
# order's or a product's id), narrowed by source, detail-type and time (from, to: inclusive).
AUDIT_QUERY: dict[str, Schema] = {
    "correlationId": _ID,
    "source": {"type": "string", "enum": [source.value for source in Source]},
    "detailType": {"type": "string", "enum": [detail_type.value for detail_type in DetailType]},
    "from": _TIMESTAMP_MS,
    "to": _TIMESTAMP_MS,
}


def consumed_by(consumer: str) -> tuple[DetailType, ...]:
    """The detail types a consumer accepts (in declaration order)."""
    return tuple(e.detail_type for e in EVENTS.values() if consumer in e.consumers)


def rule_pattern(consumer: str) -> dict[str, Any]:
    """The EventBridge pattern of the rule that feeds a consumer its events."""
    accepted = [EVENTS[detail_type] for detail_type in consumed_by(consumer)]
    if not accepted:
        raise ValueError(f"{consumer} consumes no event")
    pattern: dict[str, Any] = {
        "source": sorted({e.source.value for e in accepted}),
        "detail-type": [e.detail_type.value for e in accepted],
    }
    if consumer in DATA_FILTERS:
        pattern["detail"] = {"data": DATA_FILTERS[consumer]}
    return pattern


def produced_by(producer: str) -> set[Source]:
    """The sources a producer publishes: its role may put events of these only."""
    return {e.source for e in EVENTS.values() if e.producer == producer}


def event_detail_schema(detail_type: str) -> Schema:
    """The schema of an event's `detail`: the envelope around the type's data."""
    event = EVENTS[DetailType(detail_type)]
    return {
        "$schema": DRAFT,
        "title": f"{event.detail_type} event detail",
        "description": f"source {event.source}, detail-type {event.detail_type}",
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
            "data": event.data,
        },
        "definitions": MODELS,
    }
