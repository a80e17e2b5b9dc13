"""HTTP routes of the products service (public reads, admin writes)."""

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import correlation_paths

from products import service
from shop_common import http, idempotency
from shop_common.contracts import (
    CATEGORY,
    PRODUCT_INPUT,
    PRODUCT_UPDATE_INPUT,
    STOCK_CHANGE_INPUT,
)
from shop_common.metric_names import Metric
from shop_common.models import Product, ProductPage
from shop_common.observability import logger, metrics

if TYPE_CHECKING:  # not imported at run time: each import is paid on a cold start
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = http.new_resolver()
route = http.Router(app, __name__)


@route
def list_products() -> ProductPage:
    category = http.query_value(app, "category", CATEGORY)
    token = app.current_event.get_query_string_value("nextToken")
    return service.page(http.page_size(app), token, category)


@route
def get_product(productId: str) -> Product:
    return service.get(productId)


@route
def create_product() -> http.Reply:
    key = http.idempotency_key(app)
    data = http.body(app, PRODUCT_INPUT)
    product = idempotency.once_per_key(
        "create_product",
        key,
        http.caller(app).user_id,
        data,
        lambda: service.create(data),
        app.lambda_context,
    )
    metrics.add_metric(name=Metric.PRODUCTS_CREATED, unit="Count", value=1)
    location = app.current_event.raw_path.rstrip("/") + "/" + product["productId"]
    return http.Reply(product, {"Location": location})


@route
def replace_product(productId: str) -> Product:
    return service.update(productId, http.body(app, PRODUCT_UPDATE_INPUT))


@route
def adjust_stock(productId: str) -> Product:
    return service.adjust_stock(productId, http.body(app, STOCK_CHANGE_INPUT))


@route
def delete_product(productId: str) -> None:
    service.delete(productId)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
