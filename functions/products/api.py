"""HTTP routes of the products service (public reads, admin writes)."""

from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.logging import correlation_paths

from products import service
from products.schemas import CATEGORY, PRODUCT_INPUT
from shop_common import http
from shop_common.apidoc import operation
from shop_common.observability import logger, metrics

app = http.new_resolver()
TAG = "products"


def _not_found(product_id: str) -> NotFoundError:
    return NotFoundError(f"Product {product_id} not found")


@app.get(
    "/products",
    **operation(
        "List products",
        tag=TAG,
        response="ProductPage",
        errors=(400,),
        query=http.PAGE_QUERY | {"category": CATEGORY},
        public=True,
    ),
)
def list_products():
    category = http.query_value(app, "category", CATEGORY)
    token = app.current_event.get_query_string_value("nextToken")
    return service.page(http.page_size(app), token, category)


@app.get(
    "/products/<productId>",
    **operation("Get a product", tag=TAG, response="Product", errors=(404,), public=True),
)
def get_product(productId: str):
    product = service.get(productId)
    if product is None:
        raise _not_found(productId)
    return product


@app.post(
    "/products",
    **operation(
        "Create a product",
        tag=TAG,
        status=201,
        response="Product",
        headers={"Location": "The new product's path"},
        errors=(403, 503),
        body=PRODUCT_INPUT,
    ),
)
def create_product():
    http.admin(app)
    product = service.create(http.body(app, PRODUCT_INPUT))
    metrics.add_metric(name="ProductCreated", unit="Count", value=1)
    return http.json_response(201, product, {"Location": f"/products/{product['productId']}"})


@app.put(
    "/products/<productId>",
    **operation(
        "Replace a product",
        tag=TAG,
        response="Product",
        errors=(403, 404, 503),
        body=PRODUCT_INPUT,
    ),
)
def replace_product(productId: str):
    http.admin(app)
    product = service.update(productId, http.body(app, PRODUCT_INPUT))
    if product is None:
        raise _not_found(productId)
    return product


@app.delete(
    "/products/<productId>",
    **operation("Delete a product", tag=TAG, status=204, errors=(403, 404, 503)),
)
def delete_product(productId: str):
    http.admin(app)
    if not service.delete(productId):
        raise _not_found(productId)
    return http.no_content()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event, context):
    return app.resolve(event, context)
