"""HTTP routes of the basket service: the caller's own basket and its checkout."""

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import correlation_paths

from basket import graphql_api, service
from shop_common import appsync, http, idempotency
from shop_common.contracts import BASKET_ITEM_INPUT, CHECKOUT_INPUT
from shop_common.metric_names import Metric
from shop_common.models import Basket, CheckoutAccepted
from shop_common.observability import logger, metrics

if TYPE_CHECKING:  # not imported at run time: each import is paid on a cold start
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = http.new_resolver()
route = http.Router(app, __name__)


@route
def get_basket() -> Basket:
    return service.get(http.caller(app).user_id)


@route
def put_item(productId: str) -> Basket:
    user = http.caller(app)
    quantity = http.body(app, BASKET_ITEM_INPUT)["quantity"]
    return service.set_quantity(user.user_id, productId, quantity)


@route
def delete_item(productId: str) -> Basket:
    return service.remove_item(http.caller(app).user_id, productId)


@route
def delete_basket() -> None:
    service.clear(http.caller(app).user_id)


@route
def checkout() -> CheckoutAccepted:
    key = http.idempotency_key(app)
    user = http.caller(app).user_id
    request = http.body(app, CHECKOUT_INPUT)
    accepted = idempotency.once_per_key(
        "checkout", key, user, request, lambda: service.checkout(user, request), app.lambda_context
    )
    metrics.add_metric(name=Metric.CHECKOUTS_ACCEPTED, unit="Count", value=1)
    logger.set_correlation_id(accepted["orderId"])  # from here on, the order's path
    logger.info("checkout accepted")
    return accepted


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    if appsync.is_graphql(event):  # the GraphQL API's Lambda data source: the other door
        answer: dict[str, Any] = graphql_api.app.resolve(event, context)
        return answer
    return app.resolve(event, context)
