"""The served OpenAPI document covers every route and its contract
(docs/architecture.md#routes)."""

import importlib
import json
import uuid

import pytest

from shop_common.contracts import CHECKOUT_INPUT
from shop_common.routes import ROUTES, Access, served_by, services
from tests.functions.conftest import ADMIN, HANDLERS


@pytest.fixture
def document(shop):
    response = shop.request("openapi", "GET", "/openapi.json")
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json"
    return json.loads(response.text)


def test_every_route_is_documented_with_its_security_and_statuses(document):
    documented = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert documented == {(route.method, route.path) for route in ROUTES}
    for route in ROUTES:
        operation = document["paths"][route.path][route.method.lower()]
        secured = operation.get("security") == [{"cognitoJwt": []}]
        assert secured == (route.access is not Access.PUBLIC), route.key
        assert sorted(map(int, operation["responses"])) == route.statuses, route.key
        assert operation["operationId"] == route.operation


def test_only_product_reads_and_the_document_are_public_and_product_writes_admin_only():
    public = {route.key for route in ROUTES if route.access is Access.PUBLIC}
    admin = {route.key for route in ROUTES if route.access is Access.ADMIN}
    assert public == {"GET /products", "GET /products/{productId}", "GET /openapi.json"}
    product_writes = {r.key for r in ROUTES if r.service == "products.api" and r.method != "GET"}
    assert product_writes <= admin
    assert {"GET /admin/orders", "GET /admin/orders/{orderId}"} <= admin


def test_required_query_parameters_are_documented_so_and_refused_when_missing(shop, document):
    function_of = {module: function for function, module in HANDLERS.items()}
    for route in ROUTES:
        operation = document["paths"][route.path][route.method.lower()]
        parameters = operation.get("parameters", ())
        documented = {p["name"]: p["required"] for p in parameters if p["in"] == "query"}
        assert documented == {name: name in route.required_query for name in route.query}
        for name in route.required_query:
            path = route.path.format(**dict.fromkeys(route.parameters, str(uuid.uuid4())))
            response = shop.request(
                function_of[route.service], route.method, path, user="root", groups=ADMIN
            )
            assert response.status == 422, route.key
            assert response.json["errors"] == [{"field": name, "message": "is required"}]


def test_request_bodies_reference_the_schemas_the_handlers_validate_with(document):
    checkout = document["paths"]["/basket/checkout"]["post"]
    ref = checkout["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/CheckoutInput"
    assert document["components"]["schemas"]["CheckoutInput"] == CHECKOUT_INPUT
    assert "422" in checkout["responses"]


def test_every_reference_resolves(document):
    refs = set()

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                refs.add(node["$ref"].rsplit("/", 1)[-1])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert refs
    assert refs <= set(document["components"]["schemas"])


def test_an_unknown_path_is_404(shop):
    assert shop.request("openapi", "GET", "/nope").status == 404


@pytest.mark.parametrize("service", services())
def test_each_handler_serves_exactly_the_routes_the_table_gives_it(service):
    module = importlib.import_module(service)
    assert module.route.registered == {route.operation for route in served_by(service)}
