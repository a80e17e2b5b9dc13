"""Customer journeys through the local cloud's HTTP API."""

import jsonschema
import jwt
import pytest
import requests

from shop_common.contracts import MODELS
from tests.samples import ADDRESS

pytestmark = pytest.mark.e2e


def test_the_full_journey_from_product_to_paid_order(shop, customer):
    lamp = shop.create_product("Desk lamp", 25.5)
    mug = shop.create_product("Mug", 4)
    assert shop.call("GET", f"/products/{lamp}").json()["price"] == 25.5

    assert shop.call("PUT", f"/basket/items/{lamp}", customer, json={"quantity": 2}).ok
    basket = shop.call("PUT", f"/basket/items/{mug}", customer, json={"quantity": 3}).json()
    assert basket["totalPrice"] == 63
    checkout = shop.checkout(customer)
    assert checkout.status_code == 202
    order_id = checkout.json()["orderId"]
    assert shop.call("GET", "/basket", customer).json()["status"] == "CHECKED_OUT"

    order = shop.order_status(customer, order_id, until={"PAID"})
    jsonschema.validate(order, {**MODELS["Order"], "definitions": MODELS})  # timestamps too
    assert order["updatedAt"].endswith("Z")
    assert order["totalPrice"] == 63
    assert order["shippingAddress"] == ADDRESS
    assert {i["productId"]: i["quantity"] for i in order["items"]} == {lamp: 2, mug: 3}

    emptied = shop.wait_for(
        lambda: (b := shop.call("GET", "/basket", customer).json())["items"] == [] and b
    )
    assert emptied["status"] == "ACTIVE"
    note = shop.wait_for(lambda: [n for n in shop.notifications() if order_id in n["message"]])
    assert note[0]["attributes"] == {"eventType": "OrderPaid", "email": customer}
    assert [o["orderId"] for o in shop.call("GET", "/orders", customer).json()["items"]] == [
        order_id
    ]


def test_a_declined_card_fails_the_payment_and_keeps_the_basket(shop, customer):
    lamp = shop.create_product()
    shop.call("PUT", f"/basket/items/{lamp}", customer, json={"quantity": 1})

    order_id = shop.checkout(customer, token="tok_declined").json()["orderId"]

    order = shop.order_status(customer, order_id, until={"PAYMENT_FAILED"})
    assert order["paymentFailureReason"] == "card_declined"
    basket = shop.wait_for(
        lambda: (b := shop.call("GET", "/basket", customer).json())["status"] == "ACTIVE" and b
    )
    assert [i["productId"] for i in basket["items"]] == [lamp]
    retry = shop.checkout(customer)
    assert retry.status_code == 202
    assert retry.json()["orderId"] != order_id
    shop.order_status(customer, retry.json()["orderId"], until={"PAID"})


def test_stock_is_taken_by_an_order_and_given_back_when_its_payment_fails(shop, customer):
    lamp = shop.create_product(stock=5)
    stock = lambda: shop.call("GET", f"/products/{lamp}").json()["stock"]  # noqa: E731
    shop.call("PUT", f"/basket/items/{lamp}", customer, json={"quantity": 2})
    paid = shop.checkout(customer).json()["orderId"]
    shop.order_status(customer, paid, until={"PAID"})
    assert shop.wait_for(lambda: stock() == 3)

    shop.call("PUT", f"/basket/items/{lamp}", customer, json={"quantity": 1})
    declined = shop.checkout(customer, token="tok_declined").json()["orderId"]
    shop.order_status(customer, declined, until={"PAYMENT_FAILED"})
    # Once the basket reopened, OrderPaymentFailed is out: when the stock keeper's
    # queue is empty too, it has taken the unit and given it back.
    shop.wait_for(lambda: shop.call("GET", "/basket", customer).json()["status"] == "ACTIVE")
    assert shop.wait_for(lambda: shop.queue_messages("stockQueueUrl") == 0 and stock() == 3)


def test_an_order_over_the_limit_is_declined(shop, customer):
    shop.call(
        "PUT", f"/basket/items/{shop.create_product('Sofa', 999)}", customer, json={"quantity": 2}
    )
    order_id = shop.checkout(customer).json()["orderId"]
    order = shop.order_status(customer, order_id, until={"PAYMENT_FAILED"})
    assert order["paymentFailureReason"] == "amount_limit_exceeded"


def test_checkout_twice_is_one_order(shop, customer):
    shop.call("PUT", f"/basket/items/{shop.create_product()}", customer, json={"quantity": 1})
    first, second = shop.checkout(customer), shop.checkout(customer)
    assert first.json()["orderId"] == second.json()["orderId"]
    shop.order_status(customer, first.json()["orderId"], until={"PAID"})
    assert len(shop.call("GET", "/orders", customer).json()["items"]) == 1


def test_cancelling_a_paid_order_refunds_it_and_gives_its_stock_back(shop, customer):
    lamp = shop.create_product(price=12.5, stock=4)
    shop.call("PUT", f"/basket/items/{lamp}", customer, json={"quantity": 2})
    order_id = shop.checkout(customer).json()["orderId"]
    shop.order_status(customer, order_id, until={"PAID"})

    cancelled = shop.call("DELETE", f"/orders/{order_id}", customer)
    again = shop.call("DELETE", f"/orders/{order_id}", customer)
    patch = shop.call("PATCH", f"/orders/{order_id}", customer, json={"shippingAddress": ADDRESS})

    assert cancelled.status_code == again.status_code == 200
    assert cancelled.json()["status"] == again.json()["status"] == "CANCELLED"
    assert patch.status_code == 409
    refunded = shop.wait_for(
        lambda: (
            (o := shop.call("GET", f"/orders/{order_id}", customer).json()).get("refundedAt") and o
        )
    )
    assert (refunded["status"], refunded["refundedAmount"]) == ("CANCELLED", 25)
    stock = lambda: shop.call("GET", f"/products/{lamp}").json()["stock"]  # noqa: E731
    assert shop.wait_for(lambda: stock() == 4)
    assert shop.wait_for(
        lambda: [
            n
            for n in shop.notifications()
            if n.get("attributes", {}).get("eventType") == "OrderRefunded" and order_id in str(n)
        ]
    )


def test_a_paid_order_ships_and_can_then_no_longer_be_cancelled(shop, customer):
    shop.call("PUT", f"/basket/items/{shop.create_product()}", customer, json={"quantity": 1})
    order_id = shop.checkout(customer).json()["orderId"]
    shop.order_status(customer, order_id, until={"PAID"})
    shipment = {"carrier": "DHL", "trackingNumber": "JD0146-0002"}
    path = f"/admin/orders/{order_id}/ship"

    assert shop.call("POST", path, customer, json=shipment).status_code == 403
    shipped = shop.call("POST", path, "admin", json=shipment)
    cancelled = shop.call("DELETE", f"/orders/{order_id}", customer)

    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["trackingNumber"] == "JD0146-0002"
    assert cancelled.status_code == 409
    order = shop.order_status(customer, order_id, until={"SHIPPED"})
    assert order["carrier"] == "DHL"
    assert shop.wait_for(
        lambda: "fulfilmentRequestedAt" in shop.call("GET", f"/orders/{order_id}", customer).json()
    )


def test_another_customer_cannot_see_or_touch_an_order(shop, customer):
    shop.call("PUT", f"/basket/items/{shop.create_product()}", customer, json={"quantity": 1})
    order_id = shop.checkout(customer).json()["orderId"]
    stranger = shop.sign_up()

    for method in ("GET", "DELETE"):
        assert shop.call(method, f"/orders/{order_id}", stranger).status_code == 404
    assert (
        shop.call(
            "PATCH", f"/orders/{order_id}", stranger, json={"shippingAddress": ADDRESS}
        ).status_code
        == 404
    )
    assert shop.call("GET", "/orders", stranger).json()["items"] == []
    assert shop.call("GET", "/basket", stranger).json()["items"] == []


def test_an_admin_lists_paid_orders_and_sees_one_just_paid(shop, customer):
    shop.call("PUT", f"/basket/items/{shop.create_product()}", customer, json={"quantity": 1})
    order_id = shop.checkout(customer).json()["orderId"]
    shop.order_status(customer, order_id, until={"PAID"})
    # Settled: fulfilment stamps the paid order a moment after PAID (the ordering consumer).
    paid = shop.wait_for(
        lambda: (
            (o := shop.call("GET", f"/orders/{order_id}", customer).json()).get(
                "fulfilmentRequestedAt"
            )
            and o
        )
    )

    def listed(status: str) -> list[dict]:
        response = shop.call("GET", "/admin/orders", "admin", params={"status": status})
        assert response.status_code == 200, response.text
        return response.json()["items"]

    # The index is eventually consistent on AWS: the order shows up, not necessarily at once.
    orders = shop.wait_for(lambda: (o := listed("PAID")) and o[0]["orderId"] == order_id and o)
    assert orders[0] == paid  # the newest paid order, as its customer sees it
    created = [order["createdAt"] for order in orders]
    assert created == sorted(created, reverse=True)
    assert order_id not in {order["orderId"] for order in listed("PENDING")}
    assert shop.call("GET", f"/admin/orders/{order_id}", "admin").json() == paid
    for path, params in (("/admin/orders", {"status": "PAID"}), (f"/admin/orders/{order_id}", {})):
        assert shop.call("GET", path, customer, params=params).status_code == 403


def test_missing_or_invalid_tokens_are_401(shop, customer):
    valid = shop.token(customer)
    claims = jwt.decode(valid, options={"verify_signature": False})
    forged = jwt.encode(claims, "a shared secret, not the pool key", algorithm="HS256")
    for headers in (
        {},
        {"Authorization": "Bearer garbage"},
        {"Authorization": f"Bearer {forged}"},
        {"Authorization": f"Bearer {valid[:-4]}abcd"},
    ):
        response = shop.call("GET", "/basket", headers=headers)
        assert response.status_code == 401, headers
        assert response.json() == {"message": "Unauthorized"}


def test_a_token_without_the_admin_group_is_403_on_admin_routes(shop, customer):
    response = shop.call(
        "POST", "/products", customer, json={"name": "x", "price": 1, "category": "home"}
    )
    assert response.status_code == 403
    assert "admin" in response.json()["message"]


def test_product_reads_and_the_openapi_document_are_public(shop):
    assert shop.call("GET", "/products").status_code == 200
    seeded = shop.call("GET", "/products", params={"category": "kitchen"}).json()["items"]
    assert {p["name"] for p in seeded} >= {"Espresso cup", "Chef's knife"}
    document = shop.call("GET", "/openapi.json")
    assert document.status_code == 200
    assert "/basket/checkout" in document.json()["paths"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    [
        ("PUT", "/basket/items/{product}", {"quantity": 0}, 422, "quantity"),
        ("PUT", "/basket/items/{product}", {"quantity": 1, "price": 0}, 422, "price"),
        ("PUT", "/basket/items/no-such-product", {"quantity": 1}, 404, None),
        ("POST", "/basket/checkout", {"email": "x@example.com"}, 422, "shippingAddress"),
        ("PATCH", "/orders/nope", {"shippingAddress": ADDRESS}, 404, None),
        ("GET", "/orders?limit=500", None, 422, "limit"),
    ],
)
def test_bad_input_is_a_clear_4xx(shop, customer, method, path, body, status, field):
    product = shop.create_product()
    response = shop.call(method, path.format(product=product), customer, json=body)
    assert response.status_code == status, response.text
    assert response.json()["message"]
    if field:
        assert response.json()["errors"][0]["field"] == field


def test_a_body_that_is_not_json_is_400(shop, customer):
    response = shop.call(
        "PUT",
        f"/basket/items/{shop.create_product()}",
        customer,
        data="{quantity: 1",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("body", "needle"),
    [(b'{"quantity": "\xff\xfe"}', "UTF-8"), (b'{"quantity": NaN}', "NaN")],
    ids=["not-utf8", "nan"],
)
def test_a_body_the_api_cannot_read_is_400_through_the_gateway(shop, customer, body, needle):
    response = shop.call(
        "PUT",
        f"/basket/items/{shop.create_product()}",
        customer,
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert needle in response.json()["message"]


def test_unknown_routes_and_methods_are_404(shop):
    assert shop.call("GET", "/nothing-here").status_code == 404
    assert shop.call("TRACE", "/products").status_code == 404


def test_cors_preflight_and_headers(shop):
    preflight = requests.options(
        shop.api + "/basket",
        timeout=10,
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "PUT"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "PUT" in preflight.headers["Access-Control-Allow-Methods"]
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"]
    simple = shop.call("GET", "/products", headers={"Origin": "https://app.example"})
    assert simple.headers["Access-Control-Allow-Origin"] == "*"
