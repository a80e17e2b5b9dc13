"""An order's timeline (GET /orders/{orderId}/timeline): the steps the order item stamps
in the writes that make them, read back in the order they happened, by its owner or
an admin only. The orders go through the real consumers, workflows and routes."""

import json
import re
import uuid

import pytest

from shop_common.contracts import MODELS, ORDER_TIMELINE, DetailType
from tests.functions.conftest import ADMIN, assert_valid_event
from tests.functions.test_ordering import checkout_event, place, settle
from tests.functions.test_refunds_and_shipping import cancel, ship, to_ordering
from tests.functions.test_stock import event as stock_event

TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


@pytest.fixture
def workflow(shop):
    shop.create_workflow(payment_limit=1000)
    return shop


def timeline(shop, order_id: str, user: str = "ada", groups: tuple[str, ...] = ()):
    return shop.request("orders", "GET", f"/orders/{order_id}/timeline", user=user, groups=groups)


def steps(shop, order_id: str, user: str = "ada") -> list[str]:
    answer = timeline(shop, order_id, user)
    assert answer.status == 200, answer.text
    body = answer.json
    assert body["orderId"] == order_id
    assert body["status"] == shop.order(order_id)["status"]
    times = [entry["at"] for entry in body["events"]]
    assert all(re.fullmatch(TIMESTAMP, at) for at in times)
    assert times == sorted(times)  # the order they can happen in is the order they happened
    return [entry["event"] for entry in body["events"]]


def test_a_paid_shipped_order_lists_created_reserved_paid_shipped(workflow):
    order_id = place(workflow, checkout_event(workflow))
    assert settle(workflow, order_id)["status"] == "PAID"
    assert ship(workflow, order_id).status == 200

    assert steps(workflow, order_id) == [
        "OrderCreated",
        "StockReserved",
        "OrderPaid",
        "OrderShipped",
    ]
    order = workflow.order(order_id)
    at = {e["event"]: e["at"] for e in timeline(workflow, order_id).json["events"]}
    assert at["OrderCreated"] == order["createdAt"]
    assert at["OrderPaid"] == order["paidAt"]
    assert at["OrderShipped"] == order["shippedAt"]


def test_a_cancelled_paid_order_lists_its_refund_after_its_cancellation(workflow):
    order_id = place(workflow, checkout_event(workflow))
    assert settle(workflow, order_id)["status"] == "PAID"
    assert cancel(workflow, order_id).status == 200
    to_ordering(workflow, DetailType.ORDER_CANCELLED)
    assert [run["status"] for run in workflow.refunds()] == ["SUCCEEDED"]

    assert steps(workflow, order_id) == [
        "OrderCreated",
        "StockReserved",
        "OrderPaid",
        "OrderCancelled",
        "OrderRefunded",
    ]


def test_a_declined_payment_lists_the_failure(workflow):
    order_id = place(workflow, checkout_event(workflow, token="tok_declined"))
    assert settle(workflow, order_id)["status"] == "PAYMENT_FAILED"

    assert steps(workflow, order_id) == ["OrderCreated", "StockReserved", "OrderPaymentFailed"]


def test_a_rejected_order_lists_the_rejection_once_however_often_it_is_told(workflow):
    event = checkout_event(workflow)
    order_id = place(workflow, event, reserved=False)
    rejection = {
        "orderId": order_id,
        "userId": "ada",
        "reason": "out_of_stock",
        "productIds": ["p"],
    }
    rejected = stock_event(DetailType.ORDER_REJECTED, rejection)
    assert workflow.deliver("ordering", [rejected]) == {"batchItemFailures": []}
    first = timeline(workflow, order_id).json

    assert workflow.deliver("ordering", [rejected, json.dumps(event)]) == {"batchItemFailures": []}

    assert steps(workflow, order_id) == ["OrderCreated", "OrderRejected"]
    assert timeline(workflow, order_id).json == first


def test_an_order_cancelled_while_pending_lists_no_payment(workflow):
    order_id = place(workflow, checkout_event(workflow), reserved=False)
    assert cancel(workflow, order_id).status == 200
    again = cancel(workflow, order_id)
    assert again.status == 200

    assert steps(workflow, order_id) == ["OrderCreated", "OrderCancelled"]
    assert (
        workflow.order(order_id)["cancelledAt"]
        == timeline(workflow, order_id).json["events"][1]["at"]
    )


def test_the_timeline_is_the_owners_and_admins_and_nobody_elses(workflow):
    order_id = place(workflow, checkout_event(workflow), reserved=False)

    assert timeline(workflow, order_id, "grace").status == 404
    assert timeline(workflow, order_id, "grace").json == {"message": f"Order {order_id} not found"}
    assert timeline(workflow, str(uuid.uuid4())).status == 404
    assert timeline(workflow, "not-an-order-id").status == 404
    as_admin = timeline(workflow, order_id, "root", ADMIN)
    assert as_admin.status == 200
    assert as_admin.json == timeline(workflow, order_id).json


def test_every_step_is_a_timestamp_of_the_order():
    order_fields = MODELS["Order"]["properties"]
    for attribute in ORDER_TIMELINE.values():
        assert order_fields[attribute] == order_fields["createdAt"], attribute


def test_the_order_shows_its_stamps_and_order_created_keeps_its_contract(workflow):
    order_id = place(workflow, checkout_event(workflow))
    settle(workflow, order_id)
    [created] = workflow.published_of("OrderCreated")
    assert_valid_event(created)

    order = workflow.request("orders", "GET", f"/orders/{order_id}", user="ada").json

    stored = workflow.order(order_id)
    assert (order["stockReservedAt"], order["paidAt"]) == (
        stored["stockReservedAt"],
        stored["paidAt"],
    )
