"""Bad input is a 4xx naming what is wrong, never a 5xx: each case here once
escaped as an exception (a 500 from API Gateway), or would have on AWS."""

import base64
import json

import pytest

import basket.catalog
from basket.service import MAX_LINES
from localcloud.lambda_events import http_api_event
from shop_common.limits import MAX_ITEM_BYTES
from tests.functions.conftest import ADMIN, TABLES, environment
from tests.functions.test_basket import CHECKOUT, add_product, checkout, put_item
from tests.functions.test_ordering import place
from tests.samples import ADDRESS

LAMP = {"name": "Lamp", "price": 10, "category": "home"}
UNKNOWN_ID = "0b0e4c6a-2f0e-4b7e-9d5c-3f1a2b3c4d5e"


def token(key: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def assert_names(response, status: int, field: str) -> None:
    assert response.status == status, response.text
    assert response.json["errors"][0]["field"] == field
    assert field in response.json["message"]


# --- query strings -----------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["²", "٣", "0", "101", "-1", "1e2", " 5", "5 ", ""])
@pytest.mark.parametrize(("function", "path"), [("products", "/products"), ("orders", "/orders")])
def test_a_limit_that_is_not_an_ascii_integer_in_range_is_a_422(shop, function, path, limit):
    response = shop.request(function, "GET", path, user="ada", query={"limit": limit})
    assert_names(response, 422, "limit")


FORGED_PRODUCT_KEYS = [
    {"productId": {"X": "1"}},
    {"productId": {"N": "1"}},
    {"productId": {"S": 5}},
    {"productId": {"S": ""}},
    {"productId": {"S": "1", "N": "1"}},
    {"productId": {"S": "x" * 3000}},
    {"productId": {"S": "\ud800"}},
    {"productId": "1"},
    ["productId"],
]


@pytest.mark.parametrize("key", FORGED_PRODUCT_KEYS)
def test_a_forged_product_page_token_is_a_400_naming_next_token(shop, key):
    response = shop.request("products", "GET", "/products", query={"nextToken": token(key)})
    assert_names(response, 400, "nextToken")


@pytest.mark.parametrize("text", ["%%%", "bm90IGpzb24", token({"productId": {"S": 1.5}})])
def test_a_page_token_that_does_not_decode_is_a_400(shop, text):
    response = shop.request("products", "GET", "/products", query={"nextToken": text})
    assert_names(response, 400, "nextToken")


def test_a_category_page_token_only_continues_its_own_category(shop):
    other = token({"productId": {"S": UNKNOWN_ID}, "category": {"S": "garden"}})
    response = shop.request(
        "products", "GET", "/products", query={"category": "home", "nextToken": other}
    )
    assert_names(response, 400, "nextToken")


@pytest.mark.parametrize("category", ["x" * 3000, "Home", "-", "a b", "\u00e9t\u00e9"])
def test_a_category_that_no_product_can_have_is_a_422(shop, category):
    response = shop.request("products", "GET", "/products", query={"category": category})
    assert_names(response, 422, "category")


@pytest.mark.parametrize(
    "key",
    [
        {"orderId": {"N": "1"}, "userId": {"S": "ada"}, "createdAt": {"S": "2026"}},
        {"orderId": {"S": UNKNOWN_ID}, "userId": {"S": "eve"}, "createdAt": {"S": "2026"}},
        {"orderId": {"S": UNKNOWN_ID}, "userId": {"S": "ada"}},
    ],
)
def test_an_order_page_token_must_be_the_callers_own(shop, key):
    response = shop.request("orders", "GET", "/orders", user="ada", query={"nextToken": token(key)})
    assert_names(response, 400, "nextToken")


# --- bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_non_finite_numbers_are_not_json(shop, constant, method):
    product_id = add_product(shop)
    path = "/products" if method == "POST" else f"/products/{product_id}"
    body = json.dumps(LAMP).replace('"price": 10', f'"price": {constant}')
    published = len(shop.published())

    response = shop.request("products", method, path, user="ada", groups=ADMIN, body=body)

    assert response.status == 400, response.text
    assert constant in response.json["message"]
    assert len(shop.published()) == published


@pytest.mark.parametrize(
    "body",
    ["[" * 50_000 + "]" * 50_000, '{"a":' * 5_000 + "1" + "}" * 5_000],
    ids=["arrays", "objects"],
)
@pytest.mark.parametrize(
    ("function", "method", "path"),
    [
        ("products", "POST", "/products"),
        ("basket", "POST", "/basket/checkout"),
        ("orders", "PATCH", f"/orders/{UNKNOWN_ID}"),
    ],
)
def test_deeply_nested_json_is_refused(shop, function, method, path, body):
    response = shop.request(function, method, path, user="ada", groups=ADMIN, body=body)
    # 400 where the parser gives up (CPython 3.11's recursion limit); 422 naming the
    # field where it parses and the body's schema refuses it (3.13, Lambda's runtime).
    assert response.status in {400, 422}, response.text
    if response.status == 400:
        assert "nested too deeply" in response.json["message"]
    else:
        assert response.json["errors"][0]["field"]


def test_nesting_where_the_schema_wants_text_names_the_field(shop):
    address = {**ADDRESS, "line2": json.loads("[" * 40 + "]" * 40)}
    body = {**CHECKOUT, "shippingAddress": address}
    response = shop.request("basket", "POST", "/basket/checkout", user="ada", body=body)
    assert response.status == 422
    assert response.json["errors"][0]["field"] == "shippingAddress.line2"


def test_a_flat_ten_megabyte_array_is_refused_without_walking_it(shop, monkeypatch):
    from shop_common import validation  # noqa: PLC0415

    walked = []
    monkeypatch.setattr(validation, "check_storable", walked.append)
    body = "[" + "0," * 5_000_000 + "0]"
    response = shop.request("basket", "POST", "/basket/checkout", user="ada", body=body)
    assert response.status == 422
    assert response.json["errors"][0]["field"] == "body"
    assert walked == []  # the schema refused it first


def test_a_number_dynamodb_cannot_store_is_a_422_naming_it(shop):
    product = shop.request(
        "products", "POST", "/products", user="ada", groups=ADMIN, body=LAMP
    ).json
    body = json.dumps({**LAMP, "version": 1}).replace(
        '"version": 1', '"version": 12345678901234567890123456789012345678901'
    )
    response = shop.request(
        "products", "PUT", f"/products/{product['productId']}", user="ada", groups=ADMIN, body=body
    )
    assert response.status == 422
    assert response.json["errors"][0]["field"] == "version"


def test_a_lone_surrogate_in_a_product_is_a_422_naming_the_field(shop):
    body = json.dumps(LAMP).replace('"Lamp"', '"La\\ud800mp"')
    response = shop.request("products", "POST", "/products", user="ada", groups=ADMIN, body=body)
    assert_names(response, 422, "name")
    assert shop.published() == []


def test_a_lone_surrogate_in_an_address_is_a_422_naming_the_field(shop):
    shop.create_workflow()
    put_item(shop, add_product(shop), 1)
    order_id = checkout(shop).json["orderId"]
    [event] = shop.published_of("CheckoutBasket")
    place(shop, event)
    body = json.dumps({"shippingAddress": ADDRESS}).replace('"London"', '"Lon\\udc00don"')

    response = shop.request("orders", "PATCH", f"/orders/{order_id}", user="ada", body=body)

    assert_names(response, 422, "shippingAddress.city")
    assert shop.order(order_id)["shippingAddress"]["city"] == {"S": "London"}


def test_a_body_that_is_not_utf8_is_a_400(shop):
    event = http_api_event(
        "POST",
        "/products",
        claims={"sub": "ada", "cognito:groups": "[admin]"},
        headers={"content-type": "application/json"},
    )
    event |= {"body": base64.b64encode(b'{"name": "\xff\xfe"}').decode(), "isBase64Encoded": True}

    result = shop.invoke("products", event)

    assert result["statusCode"] == 400
    assert "UTF-8" in json.loads(result["body"])["message"]


# --- path ids ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "product_id",
    ["x" * 3000, "nope", UNKNOWN_ID.upper(), f"{UNKNOWN_ID}0", "..", "%F0%9F%92%A9"],
)
@pytest.mark.parametrize(
    ("function", "method", "path", "body"),
    [
        ("products", "GET", "/products/{}", None),
        ("products", "PUT", "/products/{}", LAMP),
        ("products", "DELETE", "/products/{}", None),
        ("basket", "PUT", "/basket/items/{}", {"quantity": 1}),
        ("basket", "DELETE", "/basket/items/{}", None),
        ("orders", "GET", "/orders/{}", None),
        ("orders", "PATCH", "/orders/{}", {"shippingAddress": ADDRESS}),
        ("orders", "DELETE", "/orders/{}", None),
    ],
)
def test_an_id_the_shop_could_not_have_issued_is_a_404(
    shop, function, method, path, body, product_id
):
    response = shop.request(
        function, method, path.format(product_id), user="ada", groups=ADMIN, body=body
    )
    assert response.status == 404, response.text
    assert "message" in response.json


# --- the basket's size -------------------------------------------------------------------


def test_a_basket_at_its_limit_checks_out_into_an_order_and_no_further_line_fits(shop):
    shop.create_workflow(payment_limit=10**9)
    # The largest lines there can be: 200-character names of 4-byte characters.
    name = "\U0001f4a1" * 200
    products = [add_product(shop, name=name, price=999_999.99) for _ in range(MAX_LINES + 1)]
    for product_id in products[:MAX_LINES]:
        assert put_item(shop, product_id, 99).status == 200

    refused = put_item(shop, products[MAX_LINES], 1)
    assert refused.status == 409
    assert str(MAX_LINES) in refused.json["message"]
    widest = {**ADDRESS, "line2": "\U0001f4a1" * 200, "region": "\U0001f4a1" * 100}
    accepted = checkout(shop, body={**CHECKOUT, "shippingAddress": widest})
    assert accepted.status == 202, accepted.text

    [event] = shop.published_of("CheckoutBasket")
    order_id = place(shop, event)
    order = shop.dynamodb.get_item(TableName=TABLES["orders"], Key={"orderId": {"S": order_id}})
    assert len(order["Item"]["items"]["L"]) == MAX_LINES
    # Far below the item limit (the JSON form is larger than DynamoDB's own size
    # accounting): the number of lines, not their size, is what binds.
    assert len(json.dumps(order["Item"], ensure_ascii=False).encode()) < MAX_ITEM_BYTES / 4


def test_checkout_reads_any_number_of_products_within_batch_get_limits(shop, monkeypatch):
    product_ids = [add_product(shop, name=f"P{i}") for i in range(3)] + [UNKNOWN_ID]
    calls = []
    real = basket.catalog.clients.dynamodb

    def counting():
        dynamodb = real()

        class Counting:
            def batch_get_item(self, RequestItems):
                calls.append(len(next(iter(RequestItems.values()))["Keys"]))
                return dynamodb.batch_get_item(RequestItems=RequestItems)

        return Counting()

    monkeypatch.setattr(basket.catalog, "BATCH_GET_MAX_KEYS", 2)
    monkeypatch.setattr(basket.catalog.clients, "dynamodb", counting)
    with environment(shop.environment_of("basket")):
        found = basket.catalog.products(product_ids)

    assert set(found) == set(product_ids[:3])
    assert calls == [2, 2]
