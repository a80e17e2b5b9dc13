"""Basket API: server-side prices, the checkout lock, idempotent checkout."""

import json
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from shop_common import clients
from shop_common.contracts import DetailType
from shop_common.dynamo import to_attribute
from shop_common.events import stable_event_id
from shop_common.routes import IDEMPOTENCY_KEY_HEADER
from tests.functions.conftest import ADMIN, PROGRAM, TABLES, Failing, assert_valid_event
from tests.samples import ADDRESS

CHECKOUT = {"shippingAddress": ADDRESS, "email": "ada@example.com", "paymentToken": "tok_visa"}


def add_product(shop, name="Lamp", price=10.5, category="home"):
    response = shop.request(
        "products",
        "POST",
        "/products",
        user="admin",
        groups=ADMIN,
        body={"name": name, "price": price, "category": category},
    )
    assert response.status == 201
    shop.published()  # drain ProductCreated
    return response.json["productId"]


def put_item(shop, product_id, quantity, user="ada"):
    return shop.request(
        "basket", "PUT", f"/basket/items/{product_id}", user=user, body={"quantity": quantity}
    )


def checkout(shop, user="ada", body=CHECKOUT):
    return shop.request("basket", "POST", "/basket/checkout", user=user, body=body)


def basket(shop, user="ada"):
    response = shop.request("basket", "GET", "/basket", user=user)
    assert response.status == 200
    return response.json


def test_a_new_customer_has_an_empty_basket(shop):
    assert basket(shop) == {"items": [], "totalPrice": 0, "currency": "USD", "status": "ACTIVE"}


def test_items_are_priced_from_the_products_table(shop):
    lamp, mug = add_product(shop, "Lamp", 10.5), add_product(shop, "Mug", 3)

    put_item(shop, lamp, 2)
    response = put_item(shop, mug, 1)

    assert response.status == 200
    fresh = {"available": True, "priceChanged": False}
    assert response.json["items"] == [
        {"productId": lamp, "name": "Lamp", "unitPrice": 10.5, "quantity": 2, "lineTotal": 21}
        | fresh,
        {"productId": mug, "name": "Mug", "unitPrice": 3, "quantity": 1, "lineTotal": 3} | fresh,
    ]
    assert response.json["totalPrice"] == 24
    assert basket(shop) == response.json


def test_a_client_cannot_send_its_own_price(shop):
    lamp = add_product(shop)
    response = shop.request(
        "basket",
        "PUT",
        f"/basket/items/{lamp}",
        user="ada",
        body={"quantity": 1, "unitPrice": 0.01},
    )
    assert response.status == 422
    assert response.json["errors"][0]["field"] == "unitPrice"


def test_putting_an_item_again_sets_its_quantity(shop):
    lamp = add_product(shop)
    put_item(shop, lamp, 2)
    assert put_item(shop, lamp, 5).json["items"][0]["quantity"] == 5


@pytest.mark.parametrize(
    "body", [{"quantity": 0}, {"quantity": 100}, {"quantity": "2"}, {"quantity": 1.5}, {}]
)
def test_quantity_must_be_1_to_99(shop, body):
    lamp = add_product(shop)
    response = shop.request("basket", "PUT", f"/basket/items/{lamp}", user="ada", body=body)
    assert response.status == 422
    assert response.json["errors"][0]["field"] == "quantity"


def test_unknown_product_is_404(shop):
    response = put_item(shop, "no-such-product", 1)
    assert response.status == 404
    assert "no-such-product" in response.json["message"]


def test_removing_an_item_is_idempotent(shop):
    lamp, mug = add_product(shop), add_product(shop, "Mug", 3)
    put_item(shop, lamp, 1)
    put_item(shop, mug, 1)

    first = shop.request("basket", "DELETE", f"/basket/items/{lamp}", user="ada")
    again = shop.request("basket", "DELETE", f"/basket/items/{lamp}", user="ada")

    assert first.status == again.status == 200
    assert [i["productId"] for i in again.json["items"]] == [mug]


def test_deleting_the_basket_empties_it(shop):
    put_item(shop, add_product(shop), 1)
    assert shop.request("basket", "DELETE", "/basket", user="ada").status == 204
    assert basket(shop)["items"] == []


def test_baskets_belong_to_their_customer(shop):
    put_item(shop, add_product(shop), 1, user="ada")
    assert basket(shop, user="bob")["items"] == []


def test_checkout_of_an_empty_basket_is_409(shop):
    response = checkout(shop)
    assert response.status == 409
    assert "empty" in response.json["message"]
    assert shop.published() == []


def test_checkout_locks_the_basket_and_publishes_checkout_basket(shop):
    lamp = add_product(shop, "Lamp", 10.5)
    put_item(shop, lamp, 2)

    response = checkout(shop)

    assert response.status == 202
    order_id = response.json["orderId"]
    assert response.json["status"] == "PENDING"
    assert basket(shop)["status"] == "CHECKED_OUT"
    assert basket(shop)["orderId"] == order_id
    [event] = shop.published_of("CheckoutBasket")
    assert event["source"] == "shop.basket"
    assert_valid_event(event)
    data = event["detail"]["data"]
    assert data["orderId"] == order_id
    assert data["userId"] == "ada"
    assert data["totalPrice"] == 21
    assert data["items"][0]["unitPrice"] == 10.5
    assert "paymentToken" not in data  # kept on the basket, for the payment step only
    assert data["shippingAddress"] == ADDRESS
    assert event["detail"]["metadata"]["correlationId"] == order_id


def test_a_second_checkout_answers_the_same_order_and_publishes_nothing(shop):
    put_item(shop, add_product(shop), 1)
    first = checkout(shop)
    second = checkout(shop, body={**CHECKOUT, "email": "other@example.com"})

    assert second.status == 202
    assert second.json["orderId"] == first.json["orderId"]
    assert len(shop.published_of("CheckoutBasket")) == 1


def change_price(shop, product_id, price):
    current = shop.request("products", "GET", f"/products/{product_id}").json
    response = shop.request(
        "products",
        "PUT",
        f"/products/{product_id}",
        user="admin",
        groups=ADMIN,
        body={"name": "Lamp", "price": price, "category": "home", "version": current["version"]},
    )
    assert response.status == 200


def test_the_basket_shows_todays_price_and_flags_the_change(shop):
    lamp, mug = add_product(shop, "Lamp", 10), add_product(shop, "Mug", 3)
    put_item(shop, lamp, 2)
    put_item(shop, mug, 1)
    change_price(shop, lamp, 12)

    shown = basket(shop)

    [lamp_line, mug_line] = shown["items"]
    assert lamp_line["unitPrice"] == 12
    assert lamp_line["lineTotal"] == 24
    assert (lamp_line["priceChanged"], lamp_line["addedUnitPrice"]) == (True, 10)
    assert mug_line["priceChanged"] is False
    assert "addedUnitPrice" not in mug_line
    assert shown["totalPrice"] == 27


def test_a_product_gone_from_the_catalogue_is_flagged_and_left_out_of_the_total(shop):
    lamp, mug = add_product(shop, "Lamp", 10), add_product(shop, "Mug", 3)
    put_item(shop, lamp, 1)
    put_item(shop, mug, 1)
    shop.request("products", "DELETE", f"/products/{lamp}", user="admin", groups=ADMIN)

    shown = basket(shop)

    assert [line["available"] for line in shown["items"]] == [False, True]
    assert shown["totalPrice"] == 3


def test_the_checkout_answer_is_exactly_what_is_charged_and_a_repeat_answers_the_same(shop):
    lamp = add_product(shop, "Lamp", 10)
    put_item(shop, lamp, 3)
    change_price(shop, lamp, 12)
    shown = basket(shop)

    accepted = checkout(shop)
    change_price(shop, lamp, 15)  # too late: the order is priced
    again = checkout(shop)

    [event] = shop.published_of("CheckoutBasket")
    charged = event["detail"]["data"]
    assert accepted.json["totalPrice"] == charged["totalPrice"] == shown["totalPrice"] == 36
    assert accepted.json["items"] == charged["items"]
    assert again.json == accepted.json
    locked = basket(shop)
    assert locked["status"] == "CHECKED_OUT"
    assert locked["totalPrice"] == 36
    assert [line["unitPrice"] for line in locked["items"]] == [12]


def test_checkout_refuses_products_that_no_longer_exist(shop):
    lamp = add_product(shop)
    put_item(shop, lamp, 1)
    shop.request("products", "DELETE", f"/products/{lamp}", user="admin", groups=ADMIN)

    response = checkout(shop)

    assert response.status == 409
    assert lamp in response.json["message"]
    assert basket(shop)["status"] == "ACTIVE"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({k: v for k, v in CHECKOUT.items() if k != "email"}, "email"),
        ({**CHECKOUT, "email": "not-an-email"}, "email"),
        ({**CHECKOUT, "paymentToken": ""}, "paymentToken"),
        ({**CHECKOUT, "shippingAddress": {**ADDRESS, "country": "gb"}}, "shippingAddress.country"),
        (
            {**CHECKOUT, "shippingAddress": {k: v for k, v in ADDRESS.items() if k != "city"}},
            "shippingAddress.city",
        ),
    ],
)
def test_checkout_input_is_validated_with_the_field_named(shop, body, field):
    put_item(shop, add_product(shop), 1)
    response = checkout(shop, body=body)
    assert response.status == 422
    assert response.json["errors"][0]["field"] == field
    assert basket(shop)["status"] == "ACTIVE"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/basket/items/{p}", {"quantity": 3}),
        ("DELETE", "/basket/items/{p}", None),
        ("DELETE", "/basket", None),
    ],
)
def test_a_checked_out_basket_cannot_change(shop, method, path, body):
    lamp = add_product(shop)
    put_item(shop, lamp, 1)
    order_id = checkout(shop).json["orderId"]

    response = shop.request("basket", method, path.format(p=lamp), user="ada", body=body)

    assert response.status == 409
    assert order_id in response.json["message"]


def test_a_checkout_whose_transaction_fails_leaves_the_basket_open_and_publishes_nothing(shop):
    put_item(shop, add_product(shop), 1)
    with Failing(clients.dynamodb(), "TransactWriteItems", times=1), pytest.raises(ClientError):
        checkout(shop)
    assert basket(shop)["status"] == "ACTIVE"  # not stuck CHECKED_OUT
    assert shop.published_of("CheckoutBasket") == []

    retried = checkout(shop)
    again = checkout(shop)
    assert retried.status == again.status == 202
    assert retried.json["orderId"] == again.json["orderId"] == basket(shop)["orderId"]
    [event] = shop.published_of("CheckoutBasket")
    assert event["detail"]["data"]["orderId"] == retried.json["orderId"]
    assert event["detail"]["metadata"]["eventId"] == stable_event_id(
        retried.json["orderId"], DetailType.CHECKOUT_BASKET
    )
    assert_valid_event(event)


def test_a_checkout_changed_meanwhile_is_retried_on_the_new_basket(shop):
    """Another request changes the basket between the read and the transaction: the
    transaction is refused whole, and checkout reads again and charges the new basket."""
    put_item(shop, add_product(shop), 1)
    second = add_product(shop)
    raced = []

    def change_meanwhile(**_):
        if not raced:
            raced.append(put_item(shop, second, 2))

    events = clients.dynamodb().meta.events
    events.register("before-call.dynamodb.TransactWriteItems", change_meanwhile)
    try:
        accepted = checkout(shop)
    finally:
        events.unregister("before-call.dynamodb.TransactWriteItems", change_meanwhile)

    assert accepted.status == 202
    assert len(accepted.json["items"]) == 2
    [event] = shop.published_of("CheckoutBasket")
    assert event["detail"]["data"]["items"] == accepted.json["items"]


def test_a_checkout_retried_with_the_same_idempotency_key_answers_the_first_result(shop):
    put_item(shop, add_product(shop), 1)
    key = {IDEMPOTENCY_KEY_HEADER: "checkout-1"}
    first = shop.request(
        "basket", "POST", "/basket/checkout", user="ada", body=CHECKOUT, headers=key
    )
    retry = shop.request(
        "basket", "POST", "/basket/checkout", user="ada", body=CHECKOUT, headers=key
    )
    other = shop.request(
        "basket",
        "POST",
        "/basket/checkout",
        user="ada",
        body={**CHECKOUT, "email": "other@example.com"},
        headers=key,
    )
    assert (first.status, retry.status, other.status) == (202, 202, 422)
    assert retry.json == first.json
    assert other.json["errors"][0]["field"] == IDEMPOTENCY_KEY_HEADER
    assert len(shop.published_of("CheckoutBasket")) == 1


def test_a_basket_checked_out_before_the_outbox_publishes_its_pending_event_once(shop):
    """A basket whose event failed to publish before the outbox keeps its data as
    pendingCheckout (with the old contract's payment token): a repeat checkout writes
    that event through the outbox, without the token, once."""
    put_item(shop, add_product(shop), 1)
    accepted = checkout(shop).json
    [published] = shop.published_of("CheckoutBasket")
    data = json.loads(json.dumps(published["detail"]["data"]), parse_float=Decimal)
    legacy = {**data, "paymentToken": "tok_visa"}
    shop.dynamodb.update_item(
        TableName=TABLES["baskets"],
        Key={"userId": {"S": "ada"}},
        UpdateExpression="SET pendingCheckout = :pending",
        ExpressionAttributeValues={":pending": to_attribute(legacy)},
    )
    shop.dynamodb.delete_item(
        TableName=PROGRAM.outputs["basketOutboxTableName"],
        Key={"eventId": {"S": published["detail"]["metadata"]["eventId"]}},
    )
    assert checkout(shop).json == accepted
    assert checkout(shop).json == accepted

    first, again = shop.published_of("CheckoutBasket")
    assert again["detail"]["metadata"] == first["detail"]["metadata"]
    assert again["detail"]["data"] == first["detail"]["data"]  # no token
    item = shop.dynamodb.get_item(TableName=TABLES["baskets"], Key={"userId": {"S": "ada"}})["Item"]
    assert "pendingCheckout" not in item


def test_a_checked_out_basket_keeps_the_payment_token_once_apart_from_its_event(shop):
    put_item(shop, add_product(shop), 1)
    checkout(shop)
    item = shop.dynamodb.get_item(TableName=TABLES["baskets"], Key={"userId": {"S": "ada"}})["Item"]
    assert "pendingCheckout" not in item
    assert item.pop("paymentToken") == {"S": "tok_visa"}  # for the payment step only
    assert "tok_visa" not in json.dumps(item)
