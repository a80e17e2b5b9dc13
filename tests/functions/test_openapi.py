"""The served OpenAPI document covers every route and its contract
(docs/architecture.md#routes)."""

import json

import pytest

from basket.schemas import CHECKOUT_INPUT

EXPECTED_ROUTES = {
    ("get", "/products"),
    ("get", "/products/{productId}"),
    ("post", "/products"),
    ("put", "/products/{productId}"),
    ("delete", "/products/{productId}"),
    ("get", "/basket"),
    ("put", "/basket/items/{productId}"),
    ("delete", "/basket/items/{productId}"),
    ("delete", "/basket"),
    ("post", "/basket/checkout"),
    ("get", "/orders"),
    ("get", "/orders/{orderId}"),
    ("patch", "/orders/{orderId}"),
    ("delete", "/orders/{orderId}"),
}
PUBLIC = {("get", "/products"), ("get", "/products/{productId}")}


@pytest.fixture
def document(shop):
    response = shop.request("openapi", "GET", "/openapi.json")
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json"
    return json.loads(response.text)


def test_every_route_is_documented_with_its_security(document):
    documented = {(m, p) for p, ops in document["paths"].items() for m in ops}
    assert documented == EXPECTED_ROUTES
    for method, path in EXPECTED_ROUTES:
        operation = document["paths"][path][method]
        secured = operation.get("security") == [{"cognitoJwt": []}]
        assert secured == ((method, path) not in PUBLIC), (method, path)


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
