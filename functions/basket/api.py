"""HTTP routes of the basket service: the caller's own basket and its checkout."""

from aws_lambda_powertools.logging import correlation_paths

from basket import service
from basket.schemas import BASKET_ITEM_INPUT, CHECKOUT_INPUT
from shop_common import http
from shop_common.apidoc import operation
from shop_common.observability import logger, metrics

app = http.new_resolver()
TAG = "basket"


@app.exception_handler(service.UnknownProduct)
def _unknown_product(error: service.UnknownProduct):
    return http.error_response(404, str(error))


@app.exception_handler(
    [
        service.BasketLocked,
        service.BasketEmpty,
        service.BasketFull,
        service.ProductsUnavailable,
        service.BusyBasket,
    ]
)
def _conflict(error: Exception):
    return http.error_response(409, str(error))


@app.get("/basket", **operation("Get the caller's basket", tag=TAG, response="Basket"))
def get_basket():
    return service.get(http.caller(app).user_id)


@app.put(
    "/basket/items/<productId>",
    **operation(
        "Set the quantity of a product in the basket",
        tag=TAG,
        response="Basket",
        errors=(404, 409),
        body=BASKET_ITEM_INPUT,
    ),
)
def put_item(productId: str):
    user = http.caller(app)
    quantity = http.body(app, BASKET_ITEM_INPUT)["quantity"]
    return service.set_quantity(user.user_id, productId, quantity)


@app.delete(
    "/basket/items/<productId>",
    **operation("Remove a product from the basket", tag=TAG, response="Basket", errors=(409,)),
)
def delete_item(productId: str):
    return service.remove_item(http.caller(app).user_id, productId)


@app.delete("/basket", **operation("Empty the basket", tag=TAG, status=204, errors=(409,)))
def delete_basket():
    service.clear(http.caller(app).user_id)
    return http.no_content()


@app.post(
    "/basket/checkout",
    **operation(
        "Check out the basket into an order",
        tag=TAG,
        status=202,
        response="CheckoutAccepted",
        errors=(409, 503),
        body=CHECKOUT_INPUT,
    ),
)
def checkout():
    user = http.caller(app)
    order_id = service.checkout(user.user_id, http.body(app, CHECKOUT_INPUT))
    metrics.add_metric(name="CheckoutAccepted", unit="Count", value=1)
    return http.json_response(202, {"orderId": order_id, "status": "PENDING"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event, context):
    return app.resolve(event, context)
