"""After payment: a cancelled paid order is refunded (once, by the refund workflow, through
the payment seam), a paid order is handed to the carrier and shipped (admin route), and a
shipped order can no longer be cancelled or changed."""

import json
import re

import pytest

from ordering import repository
from ordering.status_index import shard_of, status_shard
from shop_common.contracts import DetailType
from tests.functions.conftest import ADMIN, BUS, TABLES, assert_valid_event
from tests.functions.test_order_workflow import start_order
from tests.functions.test_ordering import checkout_event, place, settle
from workflows import order_workflow, refund_workflow
from workflows.asl import State, machine
from workflows.payment import SimulatedProvider

TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
SHIPMENT = {"carrier": "DHL", "trackingNumber": "JD0146-0001"}


@pytest.fixture
def workflow(shop):
    shop.create_workflow(payment_limit=1000)
    return shop


def paid_order(shop) -> str:
    order_id = place(shop, checkout_event(shop))
    assert settle(shop, order_id)["status"] == "PAID"
    return order_id


def to_ordering(shop, detail_type: DetailType, copies: int = 1) -> None:
    """Deliver the bus's detail_type events to the ordering consumer, each `copies` times."""
    bodies = [json.dumps(e) for e in shop.published_of(detail_type)] * copies
    assert bodies, f"no {detail_type} was published"
    assert shop.deliver("ordering", bodies) == {"batchItemFailures": []}


def cancel(shop, order_id: str, user: str = "ada"):
    return shop.request("orders", "DELETE", f"/orders/{order_id}", user=user)


def ship(shop, order_id: str, body=SHIPMENT, groups=ADMIN):
    path = f"/admin/orders/{order_id}/ship"
    return shop.request("orders", "POST", path, user="root", groups=groups, body=body)


def states_walked(shop, execution_arn: str) -> list[str]:
    history = shop.sfn.get_execution_history(executionArn=execution_arn)["events"]
    return [
        e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e
    ]


# --- refunds -------------------------------------------------------------------------------


def test_cancelling_a_paid_order_refunds_it_once(workflow):
    order_id = paid_order(workflow)

    response = cancel(workflow, order_id)
    to_ordering(workflow, DetailType.ORDER_CANCELLED, copies=2)

    assert response.status == 200
    assert response.json["status"] == "CANCELLED"
    [refund] = workflow.refunds()
    assert (refund["name"], refund["status"]) == (f"{order_id}-refund", "SUCCEEDED")
    order = workflow.order(order_id)
    assert order["refundedAmount"] == "21"
    assert re.fullmatch(TIMESTAMP, order["refundedAt"])
    [event] = workflow.published_of("OrderRefunded")
    assert_valid_event(event)
    assert event["detail"]["data"] == {
        "orderId": order_id,
        "userId": "ada",
        "refundedAmount": 21,
        "currency": "USD",
    }
    shown = workflow.request("orders", "GET", f"/orders/{order_id}", user="ada").json
    assert (shown["refundedAmount"], shown["refundedAt"]) == (21, order["refundedAt"])


def test_a_second_refund_execution_gives_nothing_back_twice(workflow):
    """EXPRESS executions are not deduplicated by name: a second one must change nothing."""
    order_id = paid_order(workflow)
    cancel(workflow, order_id)
    to_ordering(workflow, DetailType.ORDER_CANCELLED)
    assert [run["status"] for run in workflow.refunds()] == ["SUCCEEDED"]
    refunded_at = workflow.order(order_id)["refundedAt"]

    again = workflow.sfn.start_execution(
        stateMachineArn=workflow.refund_state_machine_arn,
        name=f"{order_id}-refund-again",
        input=json.dumps({"orderId": order_id}),
    )["executionArn"]

    assert workflow.finished(again)["status"] == "SUCCEEDED"
    assert "AlreadyRefunded" in states_walked(workflow, again)
    assert "Refund" not in states_walked(workflow, again)
    assert workflow.order(order_id)["refundedAt"] == refunded_at
    assert len(workflow.published_of("OrderRefunded")) == 1


def test_an_order_cancelled_before_it_was_paid_is_not_refunded(workflow):
    order_id = place(workflow, checkout_event(workflow), reserved=False)

    assert cancel(workflow, order_id).status == 200
    to_ordering(workflow, DetailType.ORDER_CANCELLED)

    assert workflow.refunds() == []
    assert workflow.executions() == []
    assert "refundedAt" not in workflow.order(order_id)


def test_a_refund_run_for_an_order_that_is_not_cancelled_changes_nothing(workflow):
    order_id = paid_order(workflow)

    run = workflow.sfn.start_execution(
        stateMachineArn=workflow.refund_state_machine_arn,
        name=f"{order_id}-refund",
        input=json.dumps({"orderId": order_id}),
    )["executionArn"]

    assert workflow.finished(run)["status"] == "SUCCEEDED"
    assert "NoRefundDue" in states_walked(workflow, run)
    assert workflow.order(order_id)["status"] == "PAID"
    assert workflow.published_of("OrderRefunded") == []


class RefusingProvider(SimulatedProvider):
    """A provider whose refunds are refused: the seam lets the workflow fail cleanly."""

    def refund(self, start: str, done: str, failed: str) -> dict[str, State]:
        return {
            start: {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.refund.amount", "NumericGreaterThan": 0, "Next": failed}
                ],
                "Default": done,
            }
        }


def test_a_refused_refund_records_nothing_and_fails_the_execution(workflow):
    definition = refund_workflow.definition(
        orders_table=TABLES["orders"],
        event_bus=BUS,
        payment_limit=1000,
        provider=RefusingProvider(1000),
    )
    refusing = workflow.sfn.create_state_machine(
        name="refusing-refunds",
        roleArn="arn:aws:iam::123456789012:role/order-workflow",
        definition=json.dumps(definition),
    )["stateMachineArn"]
    order_id = paid_order(workflow)
    cancel(workflow, order_id)

    run = workflow.sfn.start_execution(
        stateMachineArn=refusing, name=order_id, input=json.dumps({"orderId": order_id})
    )["executionArn"]

    finished = workflow.finished(run)
    assert (finished["status"], finished.get("error")) == ("FAILED", "RefundFailed")
    assert "refundedAt" not in workflow.order(order_id)
    assert workflow.published_of("OrderRefunded") == []


class CancelledMeanwhile(SimulatedProvider):
    """Approves, while the customer cancels the order (as if during authorization)."""

    def authorize(self, start: str, approved: str, declined: str) -> dict[str, State]:
        del declined
        return {
            start: {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:updateItem",
                "Parameters": {
                    "TableName": TABLES["orders"],
                    "Key": {"orderId": {"S.$": "$.orderId"}},
                    "UpdateExpression": "SET #status = :cancelled",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {":cancelled": {"S": "CANCELLED"}},
                },
                "ResultPath": None,
                "Next": approved,
            }
        }


def test_an_order_cancelled_while_its_payment_is_authorized_is_voided_not_captured(workflow):
    definition = order_workflow.definition(
        orders_table=TABLES["orders"],
        event_bus=BUS,
        payment_limit=1000,
        provider=CancelledMeanwhile(1000),
    )
    workflow.state_machine_arn = workflow.sfn.create_state_machine(
        name="cancelled-meanwhile",
        roleArn="arn:aws:iam::123456789012:role/order-workflow",
        definition=json.dumps(definition),
    )["stateMachineArn"]

    order_id, execution = start_order(workflow)

    walked = states_walked(workflow, execution["executionArn"])
    assert execution["status"] == "SUCCEEDED"
    assert walked[-3:] == ["MarkOrderPaid", "VoidPayment", "OrderNoLongerPending"]
    assert "CapturePayment" not in walked
    order = workflow.order(order_id)
    assert order["status"] == "CANCELLED"
    assert "paidAt" not in order
    assert workflow.published_of("OrderPaid") == []


def test_a_definition_with_a_state_no_path_reaches_is_refused():
    states = {
        "Start": {"Type": "Pass", "Next": "Done"},
        "Done": {"Type": "Succeed"},
        "Stray": {"Type": "Pass", "Next": "Done"},
        "UnusedEnd": {"Type": "Fail", "Error": "Unused"},
    }
    with pytest.raises(ValueError, match="Stray"):
        machine("c", "Start", states)
    del states["Stray"]
    assert set(machine("c", "Start", states)["States"]) == {"Start", "Done"}
    with pytest.raises(ValueError, match="Nowhere"):
        machine("c", "Start", states | {"Start": {"Type": "Pass", "Next": "Nowhere"}})


# --- cancelling and changing, by status ------------------------------------------------------


def test_a_shipped_order_can_no_longer_be_cancelled_or_changed(workflow):
    order_id = paid_order(workflow)
    assert ship(workflow, order_id).status == 200

    cancelled = cancel(workflow, order_id)
    changed = workflow.request(
        "orders", "PATCH", f"/orders/{order_id}", user="ada", body={"shippingAddress": {}}
    )
    moved = workflow.request(
        "orders",
        "PATCH",
        f"/orders/{order_id}",
        user="ada",
        body={
            "shippingAddress": checkout_event(workflow, user="bob")["detail"]["data"][
                "shippingAddress"
            ]
        },
    )

    assert cancelled.status == 409
    assert "returns" in cancelled.json["message"]
    assert changed.status == 422  # the body is checked first
    assert moved.status == 409
    assert workflow.order(order_id)["status"] == "SHIPPED"
    assert workflow.published_of("OrderCancelled") == []


def test_a_failed_payment_cannot_be_cancelled(workflow):
    order_id = place(workflow, checkout_event(workflow, token="tok_declined"))
    assert settle(workflow, order_id)["status"] == "PAYMENT_FAILED"

    response = cancel(workflow, order_id)

    assert response.status == 409
    assert "PAYMENT_FAILED" in response.json["message"]


# --- fulfilment and shipping -----------------------------------------------------------------


def test_fulfilment_hands_a_paid_order_to_the_carrier_once(workflow):
    order_id = paid_order(workflow)

    to_ordering(workflow, DetailType.ORDER_PAID)
    handed_at = workflow.order(order_id)["fulfilmentRequestedAt"]
    to_ordering(workflow, DetailType.ORDER_PAID)

    assert re.fullmatch(TIMESTAMP, handed_at)
    assert workflow.order(order_id)["fulfilmentRequestedAt"] == handed_at


def test_an_order_shipped_before_fulfilment_ran_is_still_handed_over_once(workflow):
    order_id = paid_order(workflow)
    assert ship(workflow, order_id).status == 200

    to_ordering(workflow, DetailType.ORDER_PAID, copies=2)

    order = workflow.order(order_id)
    assert order["status"] == "SHIPPED"
    assert re.fullmatch(TIMESTAMP, order["fulfilmentRequestedAt"])


def test_an_order_cancelled_before_fulfilment_is_never_handed_over(workflow):
    order_id = paid_order(workflow)
    cancel(workflow, order_id)

    to_ordering(workflow, DetailType.ORDER_PAID)

    assert "fulfilmentRequestedAt" not in workflow.order(order_id)


def test_an_admin_confirms_a_paid_order_shipped_once(workflow):
    order_id = paid_order(workflow)

    first = ship(workflow, order_id)
    again = ship(workflow, order_id)
    other = ship(workflow, order_id, body=SHIPMENT | {"trackingNumber": "OTHER-1"})

    assert first.status == again.status == 200
    assert first.json["status"] == "SHIPPED"
    assert (first.json["carrier"], first.json["trackingNumber"]) == ("DHL", "JD0146-0001")
    assert re.fullmatch(TIMESTAMP.replace(r"\.\d{3}", r"(\.\d+)?"), first.json["shippedAt"])
    assert again.json == first.json
    assert other.status == 409
    assert "JD0146-0001" in other.json["message"]
    stored = workflow.order(order_id)
    assert stored["statusShard"] == status_shard("SHIPPED", shard_of(order_id))
    [event] = workflow.published_of("OrderShipped")  # with the change, through the outbox
    assert_valid_event(event)
    assert event["detail"]["data"] == {"orderId": order_id, "userId": "ada", **SHIPMENT}
    listed = workflow.request(
        "orders", "GET", "/admin/orders", user="root", groups=ADMIN, query={"status": "SHIPPED"}
    )
    assert [o["orderId"] for o in listed.json["items"]] == [order_id]


def test_only_a_paid_order_ships(workflow):
    pending = place(workflow, checkout_event(workflow), reserved=False)

    response = ship(workflow, pending)

    assert response.status == 409
    assert "PENDING" in response.json["message"]
    assert ship(workflow, "0e5b0a3c-5f1c-4b8e-9a7d-1c2d3e4f5a6b").status == 404
    assert workflow.published_of("OrderShipped") == []


def test_only_an_admin_ships(workflow):
    order_id = paid_order(workflow)
    assert ship(workflow, order_id, groups=()).status == 403
    assert workflow.order(order_id)["status"] == "PAID"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"carrier": "DHL"}, "trackingNumber"),
        ({"carrier": "", "trackingNumber": "A1"}, "carrier"),
        ({"carrier": "   ", "trackingNumber": "A1"}, "carrier"),
        ({"carrier": " DHL", "trackingNumber": "A1"}, "carrier"),
        ({"carrier": "DHL", "trackingNumber": "has spaces"}, "trackingNumber"),
        (SHIPMENT | {"note": "x"}, "note"),
    ],
)
def test_a_bad_shipment_is_a_422_naming_the_field(workflow, body, field):
    order_id = paid_order(workflow)
    response = ship(workflow, order_id, body=body)
    assert response.status == 422
    assert field in json.dumps(response.json["errors"])
    assert workflow.order(order_id)["status"] == "PAID"


def test_a_cancel_that_loses_a_race_with_the_payment_decides_again(workflow, monkeypatch):
    """The order is read PENDING, then paid before the cancel is written: the write is
    refused (nothing, not even the event, is stored) and the cancel decides on PAID."""
    order_id = paid_order(workflow)
    read, reads = repository.get, []

    def read_pending_once(order_id: str, consistent: bool = False):
        order = read(order_id, consistent)
        reads.append(order["status"])
        return order | {"status": "PENDING"} if len(reads) == 1 else order

    monkeypatch.setattr(repository, "get", read_pending_once)
    response = cancel(workflow, order_id)

    assert response.status == 200
    assert response.json["status"] == "CANCELLED"
    # read (stale), refused; read again (PAID), cancelled; read back for the answer
    assert reads == ["PAID", "PAID", "CANCELLED"]
    [event] = workflow.published_of("OrderCancelled")
    assert event["detail"]["data"] == {"orderId": order_id, "userId": "ada"}
