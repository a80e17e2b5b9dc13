"""The GraphQL API's Lambda fields: the services' own functions, through the payload
appsync/resolvers/lambda.js sends, answer by the same rules as their HTTP routes."""

import importlib
import json

import pytest

from shop_common.contracts import DetailType
from shop_common.graphql_fields import FIELDS, LAMBDA_SERVICES
from tests.functions.conftest import ADMIN, HANDLERS
from tests.functions.test_basket import CHECKOUT, add_product, basket, put_item
from tests.samples import ADDRESS

SERVICE_OF = {module: name for name, module in HANDLERS.items()}


@pytest.mark.parametrize("module", sorted(LAMBDA_SERVICES.values()))
def test_every_lambda_field_of_the_table_is_served(module):
    service, _ = module.split(".")
    graphql_api = importlib.import_module(f"{service}.graphql_api")
    expected = {f.operation for f in FIELDS if f.service == module}
    assert graphql_api.field.registered == expected


def test_add_to_basket_prices_from_the_catalogue_like_the_http_route(shop):
    lamp = add_product(shop, "Lamp", 10.5)

    answer = shop.graphql("basket", "addToBasket", {"productId": lamp, "quantity": 2})

    assert "error" not in answer
    assert answer["data"]["items"][0] == {
        "productId": lamp,
        "name": "Lamp",
        "unitPrice": 10.5,
        "quantity": 2,
        "lineTotal": 21,
        "available": True,
        "priceChanged": False,
    }
    assert answer["data"] == basket(shop)  # the same basket the HTTP API answers


@pytest.mark.parametrize("quantity", [0, 100, -1])
def test_a_quantity_out_of_range_is_an_error_naming_the_field(shop, quantity):
    lamp = add_product(shop)

    answer = shop.graphql("basket", "addToBasket", {"productId": lamp, "quantity": quantity})

    assert answer["error"]["type"] == "Invalid"
    assert [f["field"] for f in answer["error"]["fields"]] == ["quantity"]
    assert basket(shop)["items"] == []


def test_an_id_the_shop_never_issued_is_not_found(shop):
    answer = shop.graphql("basket", "addToBasket", {"productId": "../../x", "quantity": 1})

    assert answer["error"]["type"] == "NotFound"


def test_place_order_is_the_http_checkout(shop):
    lamp = add_product(shop, "Lamp", 10.5)
    put_item(shop, lamp, 1)

    first = shop.graphql("basket", "placeOrder", {"input": CHECKOUT})
    again = shop.graphql("basket", "placeOrder", {"input": CHECKOUT})

    assert first["data"]["status"] == "PENDING"
    assert again["data"]["orderId"] == first["data"]["orderId"]  # the same order, once
    shop.play_pipes()
    assert len(shop.published_of(DetailType.CHECKOUT_BASKET)) == 1
    assert basket(shop)["status"] == "CHECKED_OUT"


def test_place_order_checks_the_input_against_the_contract(shop):
    lamp = add_product(shop)
    put_item(shop, lamp, 1)
    bad = {**CHECKOUT, "shippingAddress": {**ADDRESS, "country": "France"}}

    answer = shop.graphql("basket", "placeOrder", {"input": bad})

    assert answer["error"]["type"] == "Invalid"
    assert [f["field"] for f in answer["error"]["fields"]] == ["shippingAddress.country"]
    assert basket(shop)["status"] == "ACTIVE"


def test_an_empty_basket_cannot_be_ordered(shop):
    answer = shop.graphql("basket", "placeOrder", {"input": CHECKOUT})

    assert answer["error"] == {"type": "Conflict", "message": "The basket is empty"}


def test_only_admins_list_orders_by_status_and_ship(shop):
    order_id = "0d9f6b4e-5c1a-4f7e-9a51-2b8c3d4e5f60"
    for field, arguments in (
        ("ordersByStatus", {"status": "PAID"}),
        ("shipOrder", {"orderId": order_id, "carrier": "DHL", "trackingNumber": "1Z9"}),
    ):
        answer = shop.graphql("orders", field, arguments)
        assert answer["error"]["type"] == "Forbidden", field

    listed = shop.graphql("orders", "ordersByStatus", {"status": "PAID"}, groups=ADMIN)
    assert listed == {"data": {"items": [], "nextToken": None}}
    shipped = shop.graphql(
        "orders",
        "shipOrder",
        {"orderId": order_id, "carrier": "DHL", "trackingNumber": "1Z9"},
        groups=ADMIN,
    )
    assert shipped["error"]["type"] == "NotFound"


def test_a_page_size_out_of_range_is_an_error_naming_limit(shop):
    answer = shop.graphql("orders", "ordersByStatus", {"status": "PAID", "limit": 0}, groups=ADMIN)

    assert [f["field"] for f in answer["error"]["fields"]] == ["limit"]


def test_another_customers_order_cannot_be_changed_or_cancelled(shop):
    lamp = add_product(shop)
    put_item(shop, lamp, 1)
    order_id = shop.graphql("basket", "placeOrder", {"input": CHECKOUT})["data"]["orderId"]
    shop.play_pipes()
    [checked_out] = shop.published_of(DetailType.CHECKOUT_BASKET)
    shop.deliver("ordering", [json.dumps(checked_out)])

    for field, arguments in (
        ("cancelOrder", {"orderId": order_id}),
        ("updateShippingAddress", {"orderId": order_id, "shippingAddress": ADDRESS}),
    ):
        answer = shop.graphql("orders", field, arguments, user="grace")
        assert answer["error"]["type"] == "NotFound", field

    cancelled = shop.graphql("orders", "cancelOrder", {"orderId": order_id})
    assert cancelled["data"]["status"] == "CANCELLED"


def test_null_for_an_optional_input_field_means_absent(shop):
    lamp = add_product(shop)
    put_item(shop, lamp, 1)
    address = {**ADDRESS, "line2": None, "region": None}

    answer = shop.graphql(
        "basket", "placeOrder", {"input": {**CHECKOUT, "shippingAddress": address}}
    )

    assert answer["data"]["status"] == "PENDING"
