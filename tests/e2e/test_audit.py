"""An order's timeline and the audit of its events, end to end through the local cloud's
HTTP API: the steps as the order item stamps them, readable within seconds by its owner
or an admin, and nobody else."""

import time

import pytest

pytestmark = pytest.mark.e2e

SHIPMENT = {"carrier": "DHL", "trackingNumber": "JD0146-0011"}


def paid_order(shop, customer: str) -> str:
    shop.call("PUT", f"/basket/items/{shop.create_product()}", customer, json={"quantity": 1})
    order_id = shop.checkout(customer).json()["orderId"]
    shop.order_status(customer, order_id, until={"PAID"})
    return order_id


def test_an_orders_timeline_lists_its_steps_in_order_within_seconds(shop, customer):
    order_id = paid_order(shop, customer)
    shipped = shop.call("POST", f"/admin/orders/{order_id}/ship", "admin", json=SHIPMENT)
    assert shipped.status_code == 200, shipped.text
    confirmed = time.monotonic()

    def read():
        started = time.monotonic()
        answer = shop.call("GET", f"/orders/{order_id}/timeline", customer)
        assert answer.status_code == 200, answer.text
        assert time.monotonic() - started < 1  # one GetItem behind one function
        return answer.json()

    timeline = read()

    assert time.monotonic() - confirmed < 1  # the shipment is on it at once: the same write
    assert timeline["orderId"] == order_id
    assert timeline["status"] == "SHIPPED"
    assert [e["event"] for e in timeline["events"]] == [
        "OrderCreated",
        "StockReserved",
        "OrderPaid",
        "OrderShipped",
    ]
    times = [e["at"] for e in timeline["events"]]
    assert times == sorted(times)
    order = shop.call("GET", f"/orders/{order_id}", customer).json()
    assert (times[0], times[2], times[3]) == (
        order["createdAt"],
        order["paidAt"],
        order["shippedAt"],
    )


def test_an_admin_reads_any_timeline_and_another_customer_gets_404(shop, customer):
    shop.call("PUT", f"/basket/items/{shop.create_product()}", customer, json={"quantity": 1})
    order_id = shop.checkout(customer).json()["orderId"]
    stranger = shop.sign_up()
    path = f"/orders/{order_id}/timeline"

    own = shop.wait_for(lambda: (r := shop.call("GET", path, customer)).ok and r.json())
    assert own["events"][0]["event"] == "OrderCreated"
    assert shop.call("GET", path, stranger).status_code == 404
    assert shop.call("GET", path).status_code == 401
    assert shop.call("GET", path, "admin").status_code == 200
