"""The local console, driven through its own HTTP endpoints as its page drives them: an
order placed through the API shows its events on the console's stream in the order they
happened; a message held in a DLQ shows with depth 1, and the console's redrive (a POST
with the page's token, from its own origin) empties the DLQ and the order is made."""

import json
import re

import pytest

from tests.e2e.test_reliability import as_delivered, checkout_data

pytestmark = pytest.mark.e2e
ORDER_EVENTS = ["CheckoutBasket", "OrderCreated", "StockReserved", "OrderPaid"]


class ConsolePage:
    """What the console's page holds and sends: its token, its origin."""

    def __init__(self, shop):
        self.shop, self.url = shop, shop.console
        page = shop.http.get(f"{self.url}/", timeout=30)
        assert page.status_code == 200
        self.token = re.search(r'<meta name="console-token" content="([^"]+)">', page.text)[1]

    def get(self, path: str) -> dict:
        response = self.shop.http.get(f"{self.url}{path}", timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: dict, token: str | None = None):
        return self.shop.http.post(
            f"{self.url}{path}",
            json=body,
            headers={"Origin": self.url, "X-Console-Token": self.token if token is None else token},
            timeout=60,
        )


def test_an_orders_events_appear_on_the_stream_in_order_with_their_rules(shop, customer):
    console = ConsolePage(shop)
    shop.call("PUT", f"/basket/items/{shop.create_product()}", customer, json={"quantity": 1})
    order_id = shop.checkout(customer).json()["orderId"]

    def through_paid():
        events = console.get(f"/api/events/list?since=0&correlationId={order_id}")["events"]
        types = [e["detailType"] for e in events]
        return events if "OrderPaid" in types else None

    events = shop.wait_for(through_paid)

    types = [e["detailType"] for e in events]
    assert types[: len(ORDER_EVENTS)] == ORDER_EVENTS
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    assert all(e["source"].startswith("shop.") for e in events)
    checkout = events[0]
    assert checkout["correlationId"] == order_id
    matched = {m["rule"] for m in checkout["matched"]}
    assert any(rule.startswith("ordering-rule") for rule in matched)

    def ordering_queue_observed():
        [seen] = [
            e
            for e in console.get(f"/api/events/list?since=0&correlationId={order_id}")["events"]
            if e["detailType"] == "CheckoutBasket"
        ]
        [ordering] = [m for m in seen["matched"] if m["rule"].startswith("ordering-rule")]
        return [t["observed"] for t in ordering["targets"]] == [True]

    # The ordering consumer made the order from it: its queue's poller received it.
    assert shop.wait_for(ordering_queue_observed)

    story = console.get(f"/api/orders/story?orderId={order_id}")
    partial = shop.http.get(f"{console.url}/api/orders/story?orderId={order_id[:1]}", timeout=30)
    assert partial.status_code == 400  # a part of an id would match other orders' lines
    assert story["order"]["status"] in {"PAID", "SHIPPED"}
    assert [e["detailType"] for e in story["audit"]][: len(ORDER_EVENTS)] == ORDER_EVENTS
    [execution] = [x for x in story["executions"] if x["name"] == order_id]
    assert execution["status"] == "SUCCEEDED"
    assert "MarkOrderPaid" in [s["state"] for s in execution["states"]]


def test_a_message_held_in_a_dlq_shows_and_the_consoles_redrive_empties_it(shop, customer):
    """A checkout whose event failed its five receives (an outage, since fixed) waits in the
    ordering DLQ; the console shows it and redrives it, and the order is made."""
    console = ConsolePage(shop)
    data = checkout_data(shop, customer)
    shop.aws("sqs").send_message(
        QueueUrl=shop.outputs["orderingDlqUrl"], MessageBody=as_delivered(shop, data)
    )
    dlq_name = shop.outputs["orderingDlqUrl"].rsplit("/", 1)[-1]

    def listed() -> dict:
        [queue] = [q for q in console.get("/api/queues/list")["queues"] if q["name"] == dlq_name]
        return queue

    dlq = listed()
    assert (dlq["dlq"], dlq["visible"] + dlq["inFlight"], dlq["action"]) == (True, 1, "redrive")
    refused = console.post("/api/queues/redrive", {"queue": dlq["key"]}, token="not-the-token")
    assert refused.status_code == 403
    assert listed()["visible"] == 1

    answer = console.post("/api/queues/redrive", {"queue": dlq["key"]})

    assert answer.status_code == 200, answer.text
    assert answer.json()["moved"] == 1
    assert shop.wait_for(lambda: listed()["visible"] + listed()["inFlight"] == 0)
    shop.order_status(customer, data["orderId"], until={"PAID"})


def test_the_explorers_send_requests_to_the_local_api_and_graphql_only(shop):
    console = ConsolePage(shop)
    operations = console.get("/api/explorers/openapi")
    assert "/products" in operations["paths"]  # the API's own document, as the page renders it

    products = console.post("/api/explorers/http", {"method": "GET", "path": "/products"})
    assert products.status_code == 200
    assert products.json()["status"] == 200
    assert "items" in json.loads(products.json()["body"])

    token = console.post("/api/explorers/token", {"user": "customer"}).json()["token"]
    basket = console.post(
        "/api/explorers/graphql", {"query": "{ basket { status totalPrice } }", "token": token}
    ).json()
    assert basket["status"] == 200
    assert json.loads(basket["body"])["data"]["basket"]["status"] == "ACTIVE"  # an empty one

    # Only paths of the local API: no other host, no other scheme, no header injection.
    for path in ("//example.com/", "http://example.com/", "products", "/products\r\nX: y", "/a b"):
        refused = console.post("/api/explorers/http", {"method": "GET", "path": path})
        assert refused.status_code == 400, path
    # and only with the page's token
    # a token that cannot be a header is not sent: the API answers 401, not the console 500
    crlf = {"method": "GET", "path": "/basket", "token": "x\r\nX-Admin: 1"}
    assert console.post("/api/explorers/http", crlf).json()["status"] == 401
    forged = console.post("/api/explorers/token", {"user": "admin"}, token="forged")
    assert forged.status_code == 403
