"""HTTP routes of the orders API: the caller's own orders only."""

from aws_lambda_powertools.logging import correlation_paths

from ordering import service
from shop_common import http
from shop_common.contracts import ORDER_UPDATE_INPUT
from shop_common.observability import logger, metrics

app = http.new_resolver()
route = http.Router(app, __name__)


@route
def list_orders():
    token = app.current_event.get_query_string_value("nextToken")
    return service.page(http.caller(app).user_id, http.page_size(app), token)


@route
def get_order(orderId: str):
    return service.get(http.caller(app).user_id, orderId)


@route
def patch_order(orderId: str):
    user = http.caller(app)
    address = http.body(app, ORDER_UPDATE_INPUT)["shippingAddress"]
    return service.change_address(user.user_id, orderId, address)


@route
def cancel_order(orderId: str):
    return service.cancel(http.caller(app).user_id, orderId)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event, context):
    return app.resolve(event, context)
