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
    NONE = "none"  # a local resolver: no data, AppSync passes the payload through


# The handler module behind each Lambda data source (shop_common.routes' services).
LAMBDA_SERVICES: dict[DataSource, str] = {
    DataSource.BASKET_SERVICE: "basket.api",
    DataSource.ORDERING_SERVICE: "ordering.api",
}
LAMBDA_RESOLVER = "lambda.js"  # forwards to the service, turns its errors into AppSync's


@dataclass(frozen=True)
class Field:
    type: str  # Query, Mutation or Subscription
    name: str
    data_source: DataSource
    code: str = LAMBDA_RESOLVER  # the resolver file in appsync/resolvers/
    operation: str | None = None  # Lambda fields: the serving function's name
    admin: bool = False  # only members of routes.ADMIN_GROUP (also said in the schema)

    @property
    def service(self) -> str | None:
        return LAMBDA_SERVICES.get(self.data_source)


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
)

# The system's mutation that pushes order events to subscribers (an EventBridge target).
PUBLISH_ORDER_STATUS = next(f for f in FIELDS if f.name == "publishOrderStatus")


def served_by(service: str) -> tuple[Field, ...]:
    """The fields a handler module serves through its Lambda data source."""
    return tuple(f for f in FIELDS if f.service == service)
