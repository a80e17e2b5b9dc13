"""HTTP routes of the orders API: the caller's own orders only."""

from aws_lambda_powertools.logging import correlation_paths

from ordering import service
from ordering.schemas import ORDER_UPDATE_INPUT
from shop_common import http
from shop_common.apidoc import operation
from shop_common.observability import logger, metrics

app = http.new_resolver()
TAG = "orders"


@app.exception_handler(service.OrderNotFound)
def _not_found(error: service.OrderNotFound):
    return http.error_response(404, str(error))


@app.exception_handler(service.OrderCancelled)
def _cancelled(error: service.OrderCancelled):
    return http.error_response(409, str(error))


@app.get(
    "/orders",
    **operation(
        "List the caller's orders, newest first",
        tag=TAG,
        response="OrderPage",
        errors=(400,),
        query=http.PAGE_QUERY,
    ),
)
def list_orders():
    token = app.current_event.get_query_string_value("nextToken")
    return service.page(http.caller(app).user_id, http.page_size(app), token)


@app.get(
    "/orders/<orderId>",
    **operation("Get one of the caller's orders", tag=TAG, response="Order", errors=(404,)),
)
def get_order(orderId: str):
    return service.get(http.caller(app).user_id, orderId)


@app.patch(
    "/orders/<orderId>",
    **operation(
        "Change the shipping address of an order",
        tag=TAG,
        response="Order",
        errors=(404, 409),
        body=ORDER_UPDATE_INPUT,
    ),
)
def patch_order(orderId: str):
    user = http.caller(app)
    address = http.body(app, ORDER_UPDATE_INPUT)["shippingAddress"]
    return service.change_address(user.user_id, orderId, address)


@app.delete(
    "/orders/<orderId>",
    **operation(
        "Cancel an order (repeating it is harmless)",
        tag=TAG,
        response="Order",
        errors=(404, 409, 503),
    ),
)
def cancel_order(orderId: str):
    return service.cancel(http.caller(app).user_id, orderId)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event, context):
    return app.resolve(event, context)
