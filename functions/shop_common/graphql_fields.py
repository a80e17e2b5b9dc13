"""Every resolver of the GraphQL API (appsync/schema.graphql), declared once.

From this table come the AppSync data sources and resolvers (components/graphql_api.py),
each Lambda function's GraphQL registrations and admin check (shop_common.appsync), the
local cloud's GraphQL server (it reads the deployed resolvers) and the tests'
expectations. Who may call a field is declared in the schema (its auth directives);
tests/infra/test_graphql.py checks that `admin` here agrees with them.

Where a business rule lives, the field is served by that service's own Lambda function
(the one behind the HTTP API) through `lambda.js`: one implementation of each rule, two
front doors. Pure reads of the caller's own data are APPSYNC_JS over the service's
table, read-only. The system's mutation and the subscriptions need no data at all.

The reviews have no function at all (components/reviews.py): their fields are APPSYNC_JS
pipelines, each function (a Step) on its own data source: the products table read-only
(does the product exist?), the reviews table for the rest, its changes and their events
written in one transaction (the event into the reviews outbox).
"""

from dataclasses import dataclass
from enum import StrEnum


class DataSource(StrEnum):
    """AppSync data sources, by name (AppSync's: letters, digits and underscores)."""

    PRODUCTS_TABLE = "productsTable"  # read-only
    ORDERS_TABLE = "ordersTable"  # read-only
    AUDIT_TABLE = "auditTable"  # read-only
    BASKET_SERVICE = "basketService"  # the basket-api function
    ORDERING_SERVICE = "orderingService"  # the orders-api function
    REVIEWS_TABLE = "reviewsTable"  # the reviews' table (read-write) and outbox (PutItem)
    NONE = "none"  # a local resolver: no data, AppSync passes the payload through


# The handler module behind each Lambda data source (shop_common.routes' services).
LAMBDA_SERVICES: dict[DataSource, str] = {
    DataSource.BASKET_SERVICE: "basket.api",
    DataSource.ORDERING_SERVICE: "ordering.api",
}
LAMBDA_RESOLVER = "lambda.js"  # forwards to the service, turns its errors into AppSync's


@dataclass(frozen=True)
class Step:
    """A function of a pipeline resolver: its file in appsync/resolvers/ (its name, the
    AppSync function's), run on its data source."""

    code: str
    data_source: DataSource

    @property
    def name(self) -> str:
        return self.code.removesuffix(".js")


@dataclass(frozen=True)
class Field:
    type: str  # Query, Mutation or Subscription
    name: str
    data_source: DataSource  # a pipeline resolver's own: NONE (its steps have theirs)
    code: str = LAMBDA_RESOLVER  # the resolver file in appsync/resolvers/
    operation: str | None = None  # Lambda fields: the serving function's name
    admin: bool = False  # only members of routes.ADMIN_GROUP (also said in the schema)
    pipeline: tuple[Step, ...] = ()  # a PIPELINE resolver's functions, in order

    @property
    def service(self) -> str | None:
        return LAMBDA_SERVICES.get(self.data_source)


def _reviews(type_: str, name: str, *steps: str, admin: bool = False) -> Field:
    """A reviews field: a pipeline of its steps (on the reviews table, unless the products
    table's), its resolver file named after it."""
    pipeline = tuple(
        Step(step, PRODUCTS_STEPS.get(step, DataSource.REVIEWS_TABLE)) for step in steps
    )
    return Field(type_, name, DataSource.NONE, f"{name}.js", admin=admin, pipeline=pipeline)


# The reviews' one read of another service's table, through its read-only data source.
PRODUCTS_STEPS = {"productExists.js": DataSource.PRODUCTS_TABLE}


def _basket(type_: str, name: str, operation: str) -> Field:
    return Field(type_, name, DataSource.BASKET_SERVICE, operation=operation)


def _ordering(type_: str, name: str, operation: str, admin: bool = False) -> Field:
    return Field(type_, name, DataSource.ORDERING_SERVICE, operation=operation, admin=admin)


FIELDS: tuple[Field, ...] = (
    Field("Query", "product", DataSource.PRODUCTS_TABLE, "product.js"),
    Field("Query", "products", DataSource.PRODUCTS_TABLE, "products.js"),
    _basket("Query", "basket", "get_basket"),
    Field("Query", "order", DataSource.ORDERS_TABLE, "order.js"),
    Field("Query", "orders", DataSource.ORDERS_TABLE, "orders.js"),
    Field("Query", "orderTimeline", DataSource.ORDERS_TABLE, "orderTimeline.js"),
    _ordering("Query", "ordersByStatus", "list_orders_by_status", admin=True),
    Field("Query", "auditEvents", DataSource.AUDIT_TABLE, "auditEvents.js", admin=True),
    _basket("Mutation", "addToBasket", "add_to_basket"),
    _basket("Mutation", "removeFromBasket", "remove_from_basket"),
    _basket("Mutation", "placeOrder", "place_order"),
    _ordering("Mutation", "updateShippingAddress", "update_shipping_address"),
    _ordering("Mutation", "cancelOrder", "cancel_order"),
    _ordering("Mutation", "shipOrder", "ship_order", admin=True),
    Field("Mutation", "publishOrderStatus", DataSource.NONE, "publishOrderStatus.js"),
    Field("Subscription", "onOrderStatusChanged", DataSource.NONE, "orderStatusSubscription.js"),
    Field("Subscription", "onMyOrderStatusChanged", DataSource.NONE, "orderStatusSubscription.js"),
    _reviews("Query", "reviews", "reviewSummary.js", "reviewPage.js"),
    _reviews("Query", "cases", "casePage.js", admin=True),
    _reviews("Mutation", "submitReview", "productExists.js", "writeReview.js"),
    _reviews("Mutation", "hideReview", "loadReview.js", "writeHidden.js", admin=True),
    _reviews("Mutation", "resolveCase", "loadCase.js", "writeResolution.js", admin=True),
)

# The system's mutation that pushes order events to subscribers (an EventBridge target).
PUBLISH_ORDER_STATUS = next(f for f in FIELDS if f.name == "publishOrderStatus")


def served_by(service: str) -> tuple[Field, ...]:
    """The fields a handler module serves through its Lambda data source."""
    return tuple(f for f in FIELDS if f.service == service)
