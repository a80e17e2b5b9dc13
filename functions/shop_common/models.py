"""The shop's records as Python types: what services and repositories take and return.

Their JSON Schemas are in shop_common.contracts (MODELS, the *_INPUT request bodies and
EVENTS); tests/functions/test_models.py checks that each type here has exactly its
schema's fields, required and optional alike, so the two cannot drift apart. Statuses
and failure reasons are declared here once, as Literals; contracts reads its enums from
them.

Numbers are `Number`: DynamoDB hands back every number as a Decimal, and the JSON
parser (shop_common.serialization) makes an int of an integral number and a Decimal of
any other, so a price or a quantity may be either, depending on where it came from. Only
a request body's integers are always ints (its schema refuses anything else).
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Literal, NotRequired, TypedDict

Number = Decimal | int

OrderStatus = Literal["PENDING", "PAID", "PAYMENT_FAILED", "REJECTED", "SHIPPED", "CANCELLED"]
PaymentFailureReason = Literal[
    "card_declined",
    "amount_limit_exceeded",
    "issuer_declined",
    "processing_error",
    "expired",  # left PENDING past its time, re-driven in vain: ended by the sweeper's re-drive
]
BasketStatus = Literal["ACTIVE", "CHECKED_OUT"]
RejectionReason = Literal["out_of_stock"]
SchemaVersion = Literal["1"]  # of the event envelope: contracts.SCHEMA_VERSION
# Comprehend's DetectSentiment labels, and a customer-service case's statuses (reviews).
Sentiment = Literal["POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED"]
CaseStatus = Literal["OPEN", "ESCALATED", "RESOLVED", "CLOSED"]


class Address(TypedDict):
    name: str
    line1: str
    line2: NotRequired[str]
    city: str
    region: NotRequired[str]
    postalCode: str
    country: str


class LineItem(TypedDict):
    """A priced line of a basket's API view, a checkout and an order."""

    productId: str
    name: str
    unitPrice: Number
    quantity: Number
    lineTotal: Number


class Product(TypedDict):
    """A product as stored, returned by the API and carried by the Product* events."""

    productId: str
    name: str
    description: str
    price: Number
    category: str
    imageUrl: str
    stock: Number  # available: what is left after every open reservation
    version: Number  # 1 when created, one more with each change
    createdAt: str
    updatedAt: str


class CatalogEntry(TypedDict):
    """What the basket reads of a product to price a line (a projection of Product)."""

    productId: str
    name: str
    price: Number


class ProductPage(TypedDict):
    items: list[Product]
    nextToken: str | None


class BasketItem(TypedDict):
    """A line of a stored basket: the price is a snapshot taken when the item was put."""

    productId: str
    name: str
    unitPrice: Number
    quantity: Number
    addedAt: str


class CheckoutBasket(TypedDict):
    """The data of a CheckoutBasket event (also kept on the basket until it is published)."""

    orderId: str
    userId: str
    email: str
    items: list[LineItem]
    totalPrice: Number
    currency: str
    shippingAddress: Address


class Charge(TypedDict):
    """What a checkout charges: the lines at their prices when it was accepted."""

    items: list[LineItem]
    totalPrice: Number
    currency: str


class StoredBasket(TypedDict):
    """A basket as the baskets table holds it (docs/architecture.md#basket)."""

    userId: str
    status: BasketStatus
    items: dict[str, BasketItem]  # by productId
    version: Number  # 0 until first written
    updatedAt: NotRequired[str]
    orderId: NotRequired[str]  # while checked out
    charge: NotRequired[Charge]  # while checked out: what the order charges
    pendingCheckout: NotRequired[CheckoutBasket]  # until its event is published
    # While checked out: the customer's payment token, for the payment step only (read
    # by the ordering service; gone when the basket is emptied or reopened).
    paymentToken: NotRequired[str]
    # While checked out: its byCheckout partition and when it is stale (basket/repository.py)
    checkoutShard: NotRequired[str]
    staleAfter: NotRequired[str]


class BasketLine(TypedDict):
    """A line of the basket's API view: priced now, and flagged when that is not the
    price it was added at, or when the product is gone (then outside the total)."""

    productId: str
    name: str
    unitPrice: Number
    quantity: Number
    lineTotal: Number
    available: bool
    priceChanged: bool
    addedUnitPrice: NotRequired[Number]  # when the price changed


class Basket(TypedDict):
    """A basket as the API returns it."""

    items: list[BasketLine]
    totalPrice: Number
    currency: str
    status: BasketStatus
    orderId: NotRequired[str]


class CheckoutAccepted(TypedDict):
    """The order a checkout accepted, with exactly the lines and total it charges."""

    orderId: str
    status: Literal["PENDING"]
    items: list[LineItem]
    totalPrice: Number
    currency: str


class Order(TypedDict):
    """An order as stored, returned by the API and carried by OrderCreated."""

    orderId: str
    userId: str
    status: OrderStatus
    items: list[LineItem]
    totalPrice: Number
    currency: str
    shippingAddress: Address
    email: str
    createdAt: str
    updatedAt: str
    paymentFailureReason: NotRequired[PaymentFailureReason]
    rejectionReason: NotRequired[RejectionReason]
    rejectedProductIds: NotRequired[list[str]]
    paidAt: NotRequired[str]
    fulfilmentRequestedAt: NotRequired[str]  # handed to the carrier (fulfilment, on OrderPaid)
    carrier: NotRequired[str]
    trackingNumber: NotRequired[str]
    shippedAt: NotRequired[str]
    refundedAmount: NotRequired[Number]
    refundedAt: NotRequired[str]
    # When each step happened (contracts.ORDER_TIMELINE, with createdAt, paidAt, shippedAt
    # and refundedAt).
    stockReservedAt: NotRequired[str]
    rejectedAt: NotRequired[str]
    paymentFailedAt: NotRequired[str]
    cancelledAt: NotRequired[str]


class OrderChanges(TypedDict, total=False):
    """What may change on an order after it is placed (through the orders API)."""

    shippingAddress: Address
    status: OrderStatus
    carrier: str
    trackingNumber: str
    shippedAt: str
    fulfilmentRequestedAt: str
    cancelledAt: str


class OrderPage(TypedDict):
    items: list[Order]
    nextToken: str | None


class TimelineEvent(TypedDict):
    event: str  # a detail-type of contracts.ORDER_TIMELINE
    at: str


class OrderTimeline(TypedDict):
    """An order's steps so far, in the order they happened (contracts.ORDER_TIMELINE)."""

    orderId: str
    status: OrderStatus
    events: list[TimelineEvent]


class AuditEvent(TypedDict):
    """An event as the audit keeps it (contracts.MODELS["AuditEvent"])."""

    eventId: str
    correlationId: str
    source: str
    detailType: str
    time: str  # when EventBridge received it (whole seconds)
    recordedAt: str
    data: Mapping[str, object]  # only the fields of the event's Event.audit


class AuditEventPage(TypedDict):
    items: list[AuditEvent]
    nextToken: str | None


class FieldErrorBody(TypedDict):
    field: str
    message: str


class ErrorBody(TypedDict):
    """The one error body (shop_common.errors)."""

    message: str
    errors: NotRequired[list[FieldErrorBody]]


# --- request bodies ------------------------------------------------------------------------


class ProductInput(TypedDict):
    name: str
    description: NotRequired[str]
    price: Number
    category: str
    imageUrl: NotRequired[str]
    stock: NotRequired[int]


class ProductUpdateInput(TypedDict):
    name: str
    description: NotRequired[str]
    price: Number
    category: str
    imageUrl: NotRequired[str]
    version: int


class StockChangeInput(TypedDict):
    delta: int


class BasketItemInput(TypedDict):
    quantity: int


class CheckoutInput(TypedDict):
    shippingAddress: Address
    email: str
    paymentToken: str


class OrderUpdateInput(TypedDict):
    shippingAddress: Address


class ShipmentInput(TypedDict):
    carrier: str
    trackingNumber: str


# --- events: the envelope (docs/architecture.md#envelope) and each type's data ------------


class EventMetadata(TypedDict):
    eventId: str
    correlationId: str
    version: SchemaVersion


class EventDetail(TypedDict):
    """An event's `detail`; `data` is the type's own record (CheckoutBasket, OrderPaid, ...;
    OrderCreated carries an Order, and the Product* events a Product)."""

    metadata: EventMetadata
    data: Mapping[str, object]


class OrderPaid(TypedDict):
    orderId: str
    userId: str
    totalPrice: Number


class OrderPaymentFailed(TypedDict):
    orderId: str
    userId: str
    reason: PaymentFailureReason


class OrderCancelled(TypedDict):
    orderId: str
    userId: str


class OrderRefunded(TypedDict):
    orderId: str
    userId: str
    refundedAmount: Number
    currency: str


class OrderShipped(TypedDict):
    orderId: str
    userId: str
    carrier: str
    trackingNumber: str


class StockReserved(TypedDict):
    orderId: str
    userId: str


class OrderStalled(TypedDict):
    orderId: str
    userId: str
    sweptAt: str  # the sweep that found it


class CheckoutStalled(TypedDict):
    orderId: str
    userId: str
    sweptAt: str


class OrderRejected(TypedDict):
    orderId: str
    userId: str
    reason: RejectionReason
    productIds: list[str]  # the lines that could not be reserved


class ReviewSubmitted(TypedDict):
    reviewId: str
    productId: str
    userId: str  # the reviewer's sub; their e-mail is read from the user pool when needed
    rating: int


class SentimentScores(TypedDict):
    positive: Number
    negative: Number
    neutral: Number
    mixed: Number


class ReviewAnalysed(TypedDict):
    reviewId: str
    productId: str
    sentiment: Sentiment
    scores: SentimentScores


class CaseOpened(TypedDict):
    caseId: str
    reviewId: str
    productId: str


class CaseResolved(TypedDict):
    caseId: str
    reviewId: str
    productId: str


# --- the order workflow's input (workflows/order_workflow.py) ------------------------------


class OrderWorkflowInput(TypedDict):
    orderId: str
    userId: str
    email: str
    totalPrice: Number
    currency: str
    paymentToken: str
    shard: int  # the order's byStatus shard (ordering.status_index), for its status updates
    stockReservedAt: str  # when payment started: the status update stamps it on the order


class OrderExpiryInput(TypedDict):
    """The order workflow's input when it ends a stale order (ordering/workflow.py)."""

    orderId: str
    userId: str
    shard: int
    expire: Literal[True]


class RefundWorkflowInput(TypedDict):
    orderId: str
