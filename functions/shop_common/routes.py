"""Every route of the HTTP API, declared once.

From this table come the API Gateway routes and their authorization
(__main__.py), each handler's registration and its admin check
(shop_common.http.Router), the OpenAPI document (scripts/generate.py) and the
tests' expectations. A route's `operation` is the name of the function that
serves it in its handler module, and the document's operationId.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from shop_common.contracts import (
    AUDIT_QUERY,
    BASKET_ITEM_INPUT,
    CATEGORY,
    CHECKOUT_INPUT,
    ORDER_STATUS,
    ORDER_UPDATE_INPUT,
    PRODUCT_INPUT,
    PRODUCT_UPDATE_INPUT,
    SHIPMENT_INPUT,
    STOCK_CHANGE_INPUT,
)
from shop_common.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Unauthorized,
    Unavailable,
)

ADMIN_GROUP = "admin"  # the Cognito group whose members may manage the shop
# The request header that makes a create safe to retry (Route.idempotency_key).
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY: Mapping[str, Any] = MappingProxyType(
    {
        "type": "string",
        "minLength": 1,
        "maxLength": 255,
        "pattern": "^[\\x21-\\x7e]+$",  # printable ASCII, no spaces
        "description": "Any value unique to this request, e.g. a UUID: a retry with the same "
        "key and body within 24 hours answers the first result and changes nothing again",
    }
)
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
PAGE_QUERY: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "limit": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        "nextToken": {"type": "string", "description": "The previous page's nextToken"},
    }
)
_PARAMETER = re.compile(r"\{(\w+)\}")


class Access(StrEnum):
    PUBLIC = "public"  # no token
    USER = "user"  # a valid token (the gateway's JWT authorizer)
    ADMIN = "admin"  # a valid token of a member of ADMIN_GROUP (checked by the function)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # API Gateway's form: /products/{productId}
    service: str  # the handler module that serves it
    operation: str  # the serving function's name
    access: Access
    summary: str
    status: int = 200
    response: str | None = None  # a model of contracts.MODELS
    body: Mapping[str, Any] | None = None  # the request body's schema
    query: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)  # response headers
    conflicts: bool = False  # 409 when the resource's state refuses the request
    publishes: bool = False  # 503 when the change's event could not be published
    pages: bool = False  # paginated: 400 for a nextToken this API did not issue
    required_query: tuple[str, ...] = ()  # query parameters that must be given (else 422)
    # Takes an IDEMPOTENCY_KEY_HEADER: 422 when it is malformed or was used with another
    # body, 409 while the first request with it is still in progress.
    idempotency_key: bool = False

    @property
    def key(self) -> str:
        """API Gateway's route key."""
        return f"{self.method} {self.path}"

    @property
    def parameters(self) -> list[str]:
        return _PARAMETER.findall(self.path)

    def path_with(self, replacement: str) -> str:
        """The path, each {parameter} replaced (a regex replacement: \\1 is its name)."""
        return _PARAMETER.sub(replacement, self.path)

    @property
    def statuses(self) -> list[int]:
        """Every status the route can answer."""
        raised = (
            (self.body, (BadRequest, Invalid)),  # not JSON; breaks the schema
            (self.query, (Invalid,)),
            (self.pages, (BadRequest,)),  # a nextToken this API did not issue
            (self.access is not Access.PUBLIC, (Unauthorized,)),
            (self.access is Access.ADMIN, (Forbidden,)),
            (self.parameters, (NotFound,)),
            (self.conflicts, (Conflict,)),
            (self.publishes, (Unavailable,)),
            (self.idempotency_key, (Invalid, Conflict)),
        )
        return sorted({self.status} | {e.status for when, errors in raised if when for e in errors})


_PRODUCT = "/products/{productId}"
_BASKET_ITEM = "/basket/items/{productId}"
_ORDER = "/orders/{orderId}"

ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/products",
        "products.api",
        "list_products",
        Access.PUBLIC,
        "List products",
        response="ProductPage",
        query={**PAGE_QUERY, "category": CATEGORY},
        pages=True,
    ),
    Route(
        "GET",
        _PRODUCT,
        "products.api",
        "get_product",
        Access.PUBLIC,
        "Get a product",
        response="Product",
    ),
    Route(
        "POST",
        "/products",
        "products.api",
        "create_product",
        Access.ADMIN,
        "Create a product",
        status=201,
        response="Product",
        body=PRODUCT_INPUT,
        headers={"Location": "The new product's path"},
        idempotency_key=True,
    ),
    Route(
        "PUT",
        _PRODUCT,
        "products.api",
        "replace_product",
        Access.ADMIN,
        "Change a product (not its stock), as of the version it was read at",
        response="Product",
        body=PRODUCT_UPDATE_INPUT,
        conflicts=True,
    ),
    Route(
        "POST",
        _PRODUCT + "/stock",
        "products.api",
        "adjust_stock",
        Access.ADMIN,
        "Add or take away stock (never below what is reserved)",
        response="Product",
        body=STOCK_CHANGE_INPUT,
        conflicts=True,
    ),
    Route(
        "DELETE",
        _PRODUCT,
        "products.api",
        "delete_product",
        Access.ADMIN,
        "Delete a product",
        status=204,
        conflicts=True,  # another request changed it at the same moment, five times
    ),
    Route(
        "GET",
        "/basket",
        "basket.api",
        "get_basket",
        Access.USER,
        "Get the caller's basket",
        response="Basket",
    ),
    Route(
        "PUT",
        _BASKET_ITEM,
        "basket.api",
        "put_item",
        Access.USER,
        "Set the quantity of a product in the basket",
        response="Basket",
        body=BASKET_ITEM_INPUT,
        conflicts=True,
    ),
    Route(
        "DELETE",
        _BASKET_ITEM,
        "basket.api",
        "delete_item",
        Access.USER,
        "Remove a product from the basket",
        response="Basket",
        conflicts=True,
    ),
    Route(
        "DELETE",
        "/basket",
        "basket.api",
        "delete_basket",
        Access.USER,
        "Empty the basket",
        status=204,
        conflicts=True,
    ),
    Route(
        "POST",
        "/basket/checkout",
        "basket.api",
        "checkout",
        Access.USER,
        "Check out the basket into an order",
        status=202,
        response="CheckoutAccepted",
        body=CHECKOUT_INPUT,
        conflicts=True,
        idempotency_key=True,
    ),
    Route(
        "GET",
        "/orders",
        "ordering.api",
        "list_orders",
        Access.USER,
        "List the caller's orders, newest first",
        response="OrderPage",
        query=PAGE_QUERY,
        pages=True,
    ),
    Route(
        "GET",
        _ORDER,
        "ordering.api",
        "get_order",
        Access.USER,
        "Get one of the caller's orders",
        response="Order",
    ),
    Route(
        "GET",
        _ORDER + "/timeline",
        "ordering.api",
        "get_order_timeline",
        Access.USER,
        "The steps of one of the caller's orders (admins: of any order), each with its time",
        response="OrderTimeline",
    ),
    Route(
        "PATCH",
        _ORDER,
        "ordering.api",
        "patch_order",
        Access.USER,
        "Change the shipping address of an order",
        response="Order",
        body=ORDER_UPDATE_INPUT,
        conflicts=True,
    ),
    Route(
        "DELETE",
        _ORDER,
        "ordering.api",
        "cancel_order",
        Access.USER,
        "Cancel an order until it ships; a paid one is refunded (repeating it is harmless)",
        response="Order",
        conflicts=True,
    ),
    Route(
        "GET",
        "/admin/orders",
        "ordering.api",
        "list_orders_by_status",
        Access.ADMIN,
        "List every customer's orders of one status, newest first",
        response="OrderPage",
        query={**PAGE_QUERY, "status": ORDER_STATUS},
        pages=True,
        required_query=("status",),
    ),
    Route(
        "GET",
        "/admin/orders/{orderId}",
        "ordering.api",
        "get_any_order",
        Access.ADMIN,
        "Get any customer's order",
        response="Order",
    ),
    Route(
        "POST",
        "/admin/orders/{orderId}/ship",
        "ordering.api",
        "ship_order",
        Access.ADMIN,
        "Confirm a paid order shipped (the carrier's tracking number; repeating it is harmless)",
        response="Order",
        body=SHIPMENT_INPUT,
        conflicts=True,
    ),
    Route(
        "GET",
        "/admin/audit",
        "audit.api",
        "list_audit_events",
        Access.ADMIN,
        "The events of one correlation (an order's or a product's id) as the audit kept them, "
        "in the order they reached the bus; narrowed by source, detail-type and time",
        response="AuditEventPage",
        query={**AUDIT_QUERY, "nextToken": PAGE_QUERY["nextToken"]},
        pages=True,
        required_query=("correlationId",),
    ),
    Route(
        "GET",
        "/openapi.json",
        "openapi.api",
        "openapi_document",
        Access.PUBLIC,
        "This document",
        response="OpenApiDocument",
    ),
)


def served_by(service: str) -> tuple[Route, ...]:
    return tuple(route for route in ROUTES if route.service == service)


def services() -> list[str]:
    """The handler modules behind the API, in declaration order."""
    return list(dict.fromkeys(route.service for route in ROUTES))


def path(operation: str, **parameters: str) -> str:
    """The path of the route served by `operation`, its parameters filled in (for clients)."""
    [route] = [route for route in ROUTES if route.operation == operation]
    return route.path.format(**parameters)
