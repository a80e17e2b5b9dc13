"""GraphQL fields of the basket service (appsync/schema.graphql): the caller's basket
and its checkout, by the same rules as its HTTP routes (basket.service)."""

from typing import Any

from basket import service
from shop_common import appsync, http
from shop_common.contracts import BASKET_ITEM_INPUT, CHECKOUT_INPUT
from shop_common.metric_names import Metric
from shop_common.models import Basket, CheckoutAccepted
from shop_common.observability import logger, metrics

app = appsync.new_resolver()
field = appsync.Fields(app, "basket.api")


@field
def get_basket() -> Basket:
    return service.get(appsync.caller(app).user_id)


@field
def add_to_basket(productId: str, quantity: int) -> Basket:
    user = appsync.caller(app)
    http.issued_id("productId", productId)
    quantity = appsync.arguments({"quantity": quantity}, BASKET_ITEM_INPUT)["quantity"]
    return service.set_quantity(user.user_id, productId, quantity)


@field
def remove_from_basket(productId: str) -> Basket:
    user = appsync.caller(app)
    http.issued_id("productId", productId)
    return service.remove_item(user.user_id, productId)


@field
def place_order(input: dict[str, Any]) -> CheckoutAccepted:
    user = appsync.caller(app).user_id
    accepted = service.checkout(user, appsync.arguments(input, CHECKOUT_INPUT))
    metrics.add_metric(name=Metric.CHECKOUTS_ACCEPTED, unit="Count", value=1)
    logger.set_correlation_id(accepted["orderId"])  # from here on, the order's path
    logger.info("checkout accepted")
    return accepted
