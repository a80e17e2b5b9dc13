"""HTTP routes of the orders API: the caller's own orders; admins list and read all."""

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import correlation_paths

from ordering import graphql_api, service
from shop_common import appsync, http
from shop_common.contracts import ORDER_STATUS, ORDER_UPDATE_INPUT, SHIPMENT_INPUT
from shop_common.models import Order, OrderPage, OrderTimeline
from shop_common.observability import logger, metrics

if TYPE_CHECKING:  # not imported at run time: each import is paid on a cold start
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = http.new_resolver()
route = http.Router(app, __name__)


@route
def list_orders() -> OrderPage:
    token = app.current_event.get_query_string_value("nextToken")
    return service.page(http.caller(app).user_id, http.page_size(app), token)


@route
def get_order(orderId: str) -> Order:
    return service.get(http.caller(app).user_id, orderId)


@route
def get_order_timeline(orderId: str) -> OrderTimeline:
    caller = http.caller(app)
    return service.timeline(caller.user_id, orderId, any_customer=caller.is_admin)


@route
def patch_order(orderId: str) -> Order:
    user = http.caller(app)
    address = http.body(app, ORDER_UPDATE_INPUT)["shippingAddress"]
    return service.change_address(user.user_id, orderId, address)


@route
def cancel_order(orderId: str) -> Order:
    return service.cancel(http.caller(app).user_id, orderId)


@route
def list_orders_by_status() -> OrderPage:
    status = http.required_query_value(app, "status", ORDER_STATUS)
    token = app.current_event.get_query_string_value("nextToken")
    return service.page_by_status(status, http.page_size(app), token)


@route
def get_any_order(orderId: str) -> Order:
    return service.get_any(orderId)


@route
def ship_order(orderId: str) -> Order:
    return service.ship(orderId, http.body(app, SHIPMENT_INPUT))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    if appsync.is_graphql(event):  # the GraphQL API's Lambda data source: the other door
        answer: dict[str, Any] = graphql_api.app.resolve(event, context)
        return answer
    return app.resolve(event, context)
