"""An order's timeline and the audit of its events, end to end through the local cloud's
HTTP and GraphQL APIs: the steps as the order item stamps them, readable at once by its
owner or an admin and nobody else; every event of the order in the audit within seconds,
once each, without personal data, for admins only; both doors answer the same."""

import json
import time

import pytest

from tests.e2e.test_graphql import data, graphql
from tests.samples import ADDRESS

pytestmark = pytest.mark.e2e
ORDER_PATH = {"CheckoutBasket", "OrderCreated", "StockReserved", "OrderPaid"}

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


def audit(shop, user: str | None, **query):
    return shop.call("GET", "/admin/audit", user, params=query)


def test_an_admin_reads_every_event_of_an_order_once_each_without_personal_data(shop, customer):
    order_id = paid_order(shop, customer)
    paid = time.monotonic()

    def recorded():
        answer = audit(shop, "admin", correlationId=order_id)
        assert answer.status_code == 200, answer.text
        items = answer.json()["items"]
        return items if {e["detailType"] for e in items} >= ORDER_PATH else None

    items = shop.wait_for(recorded, timeout=10)

    assert time.monotonic() - paid < 10
    assert len(items) == len({e["eventId"] for e in items}) == len(ORDER_PATH)
    assert all(e["correlationId"] == order_id for e in items)
    assert [(e["time"], e["recordedAt"]) for e in items] == sorted(
        (e["time"], e["recordedAt"]) for e in items
    )
    by_type = {e["detailType"]: e for e in items}
    assert by_type["OrderPaid"]["data"]["orderId"] == order_id
    assert by_type["CheckoutBasket"]["source"] == "shop.basket"
    text = json.dumps(items)
    for personal in (customer, "tok_visa", *ADDRESS.values()):
        assert personal not in text
    [only] = audit(shop, "admin", correlationId=order_id, detailType="OrderPaid").json()["items"]
    assert only == by_type["OrderPaid"]


def test_the_audit_is_refused_to_customers(shop, customer):
    assert audit(shop, customer, correlationId=customer).status_code == 403
    assert audit(shop, None, correlationId=customer).status_code == 401
    assert audit(shop, "admin").status_code == 422  # correlationId is required


TIMELINE = (
    """query T($id: ID!) { orderTimeline(orderId: $id) { orderId status events { event at } } }"""
)
AUDIT_EVENTS = """query A($id: ID!, $source: String, $type: String, $from: AWSDateTime) {
  auditEvents(correlationId: $id, source: $source, detailType: $type, from: $from) {
    items { eventId correlationId source detailType time recordedAt data } nextToken } }"""


def test_the_graphql_timeline_is_the_http_one_and_another_customers_order_is_not_found(
    shop, customer
):
    order_id = paid_order(shop, customer)
    stranger = shop.sign_up()
    http = shop.call("GET", f"/orders/{order_id}/timeline", customer).json()

    own = data(graphql(shop, TIMELINE, {"id": order_id}, customer))["orderTimeline"]
    as_admin = data(graphql(shop, TIMELINE, {"id": order_id}, "admin"))["orderTimeline"]
    refused = graphql(shop, TIMELINE, {"id": order_id}, stranger)

    assert own == as_admin == http
    assert [e["event"] for e in own["events"]] == ["OrderCreated", "StockReserved", "OrderPaid"]
    assert refused["data"] is None
    assert [e["errorType"] for e in refused["errors"]] == ["NotFound"]


def test_graphql_audit_events_are_the_http_ones_for_admins_only(shop, customer):
    order_id = paid_order(shop, customer)

    def recorded():
        items = audit(shop, "admin", correlationId=order_id).json()["items"]
        return items if len(items) >= len(ORDER_PATH) else None

    items = shop.wait_for(recorded, timeout=10)

    answer = data(graphql(shop, AUDIT_EVENTS, {"id": order_id}, "admin"))["auditEvents"]
    paid = data(graphql(shop, AUDIT_EVENTS, {"id": order_id, "type": "OrderPaid"}, "admin"))
    refused = graphql(shop, AUDIT_EVENTS, {"id": order_id}, customer)
    unreadable = graphql(
        shop, AUDIT_EVENTS, {"id": order_id, "from": "2026-12-01T09:30:00Z"}, "admin"
    )

    assert [e | {"data": json.loads(e["data"])} for e in answer["items"]] == items
    assert answer["nextToken"] is None
    assert [e["detailType"] for e in paid["auditEvents"]["items"]] == ["OrderPaid"]
    # `source`, an argument named as graphql-core names a field's parent, narrows too
    ordering = data(
        graphql(shop, AUDIT_EVENTS, {"id": order_id, "source": "shop.ordering"}, "admin")
    )
    assert [e["detailType"] for e in ordering["auditEvents"]["items"]] == [
        e["detailType"] for e in items if e["source"] == "shop.ordering"
    ]
    assert ordering["auditEvents"]["items"]
    assert [e["errorType"] for e in refused["errors"]] == ["Unauthorized"]
    [error] = unreadable["errors"]  # the HTTP API's rule: the shop's one form, with ms
    assert (error["errorType"], error["errorInfo"]["fields"][0]["field"]) == ("Invalid", "from")
