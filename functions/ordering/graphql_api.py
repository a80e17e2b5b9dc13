"""GraphQL fields of the orders API (appsync/schema.graphql) that carry its rules:
changing and cancelling the caller's orders; admins list by status and confirm
shipments. Reading one's own orders is a table read in AppSync (appsync/resolvers)."""

from typing import Any

from ordering import service
from shop_common import appsync, http
from shop_common.contracts import ORDER_STATUS, ORDER_UPDATE_INPUT, SHIPMENT_INPUT
from shop_common.models import Order, OrderPage
from shop_common.routes import DEFAULT_PAGE_SIZE, PAGE_QUERY

app = appsync.new_resolver()
field = appsync.Fields(app, "ordering.api")
_BY_STATUS = {
    "type": "object",
    "required": ["status", "limit"],
    "properties": {**PAGE_QUERY, "status": ORDER_STATUS},
}


@field
def list_orders_by_status(
    status: str, limit: int | None = None, nextToken: str | None = None
) -> OrderPage:
    query = appsync.arguments(
        {
            "status": status,
            "limit": DEFAULT_PAGE_SIZE if limit is None else limit,
            "nextToken": nextToken,
        },
        _BY_STATUS,
    )
    return service.page_by_status(query["status"], query["limit"], query.get("nextToken"))


@field
def update_shipping_address(orderId: str, shippingAddress: dict[str, Any]) -> Order:
    user = appsync.caller(app)
    http.issued_id("orderId", orderId)
    change = appsync.arguments({"shippingAddress": shippingAddress}, ORDER_UPDATE_INPUT)
    return service.change_address(user.user_id, orderId, change["shippingAddress"])


@field
def cancel_order(orderId: str) -> Order:
    user = appsync.caller(app)
    return service.cancel(user.user_id, http.issued_id("orderId", orderId))


@field
def ship_order(orderId: str, carrier: str, trackingNumber: str) -> Order:
    http.issued_id("orderId", orderId)
    shipment = appsync.arguments(
        {"carrier": carrier, "trackingNumber": trackingNumber}, SHIPMENT_INPUT
    )
    return service.ship(orderId, shipment)
