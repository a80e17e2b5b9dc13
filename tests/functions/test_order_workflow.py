"""The order workflow definition, executed by moto's Step Functions interpreter
against moto's DynamoDB and EventBridge. The customer is told by the customer
notifier (tests/functions/test_customer_notifier.py), not by this workflow."""

import json
import re
import uuid

import boto3
import pytest

from ordering.status_index import shard_of, status_shard
from tests.functions.conftest import BUS, TABLES, assert_valid_event
from tests.samples import ADDRESS
from workflows.order_workflow import definition

RESERVED_AT = "2026-11-23T10:00:01.000Z"  # when the consumer started payment


def workflow_input(order_id, total=20.0, token="tok_visa") -> str:
    """The input the ordering consumer starts an execution with (OrderWorkflowInput)."""
    return json.dumps(
        {
            "orderId": order_id,
            "userId": "ada",
            "email": "ada@example.com",
            "totalPrice": total,
            "currency": "USD",
            "paymentToken": token,
            "shard": shard_of(order_id),
            "stockReservedAt": RESERVED_AT,
        }
    )


def start_order(shop, total=20.0, token="tok_visa", status="PENDING", name=None):
    order_id = str(uuid.uuid4())
    item = {
        "orderId": order_id,
        "userId": "ada",
        "status": status,
        "totalPrice": total,
        "currency": "USD",
        "email": "ada@example.com",
        "shippingAddress": ADDRESS,
        "items": [
            {
                "productId": "p1",
                "name": "Lamp",
                "unitPrice": total,
                "quantity": 1,
                "lineTotal": total,
            }
        ],
        "createdAt": "2026-11-23T10:00:00.000Z",
        "updatedAt": "2026-11-23T10:00:00.000Z",
        "statusShard": status_shard(status, shard_of(order_id)),  # as the consumer stores it
    }
    boto3.resource("dynamodb").Table(TABLES["orders"]).put_item(
        Item=json.loads(json.dumps(item), parse_float=__import__("decimal").Decimal)
    )
    arn = shop.sfn.start_execution(
        stateMachineArn=shop.state_machine_arn,
        name=name or order_id,
        input=workflow_input(order_id, total, token),
    )["executionArn"]
    return order_id, shop.finished(arn)


@pytest.fixture
def workflow(shop):
    shop.create_workflow(payment_limit=1000)
    return shop


def test_an_approved_payment_marks_the_order_paid_and_publishes(workflow):
    order_id, execution = start_order(workflow, total=20.5)

    assert execution["status"] == "SUCCEEDED"
    order = workflow.order(order_id)
    assert order["status"] == "PAID"
    assert order["statusShard"] == status_shard("PAID", shard_of(order_id))
    assert order["updatedAt"] != "2026-11-23T10:00:00.000Z"
    # The one timestamp format: Step Functions' $$.State.EnteredTime, as AWS writes it.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", order["updatedAt"])
    # The timeline's steps, stamped by the update that settles it.
    assert (order["stockReservedAt"], order["paidAt"]) == (RESERVED_AT, order["updatedAt"])
    assert "paymentFailedAt" not in order
    [event] = workflow.published_of("OrderPaid")
    assert event["source"] == "shop.ordering"
    assert event["detail"]["data"] == {"orderId": order_id, "userId": "ada", "totalPrice": 20.5}
    assert_valid_event(event)


@pytest.mark.parametrize(
    ("total", "token", "reason"),
    [(20.0, "tok_declined", "card_declined"), (1000.01, "tok_visa", "amount_limit_exceeded")],
)
def test_a_declined_payment_marks_the_order_failed_with_its_reason(workflow, total, token, reason):
    order_id, execution = start_order(workflow, total=total, token=token)

    assert execution["status"] == "SUCCEEDED"
    order = workflow.order(order_id)
    assert (order["status"], order["paymentFailureReason"]) == ("PAYMENT_FAILED", reason)
    assert order["statusShard"] == status_shard("PAYMENT_FAILED", shard_of(order_id))
    assert (order["stockReservedAt"], order["paymentFailedAt"]) == (
        RESERVED_AT,
        order["updatedAt"],
    )
    assert "paidAt" not in order
    [event] = workflow.published_of("OrderPaymentFailed")
    assert event["detail"]["data"] == {"orderId": order_id, "userId": "ada", "reason": reason}
    assert_valid_event(event)
    assert workflow.published_of("OrderPaid") == []


def test_exactly_the_limit_is_approved(workflow):
    order_id, _ = start_order(workflow, total=1000)
    assert workflow.order(order_id)["status"] == "PAID"


def test_an_order_cancelled_before_payment_stays_cancelled(workflow):
    order_id, execution = start_order(workflow, status="CANCELLED")

    assert execution["status"] == "SUCCEEDED"
    order = workflow.order(order_id)
    assert (order["status"], order["statusShard"]) == (
        "CANCELLED",
        status_shard("CANCELLED", shard_of(order_id)),
    )
    assert workflow.published() == []


def test_a_replayed_execution_does_not_flip_a_settled_order(workflow):
    order_id, _ = start_order(workflow, token="tok_declined")
    events_before = workflow.published()
    assert len(events_before) == 1
    replay = workflow.sfn.start_execution(
        stateMachineArn=workflow.state_machine_arn,
        name=f"{order_id}-replay",
        input=workflow_input(order_id),
    )["executionArn"]

    assert workflow.finished(replay)["status"] == "SUCCEEDED"
    assert workflow.order(order_id)["status"] == "PAYMENT_FAILED"
    assert workflow.published() == events_before


def test_a_failing_event_publication_is_caught_and_the_order_stays_failed(workflow):
    workflow.events.delete_event_bus(Name=BUS)

    order_id, execution = start_order(workflow, token="tok_declined")

    assert execution["status"] == "FAILED"
    assert execution["error"] == "EventNotPublished"
    assert workflow.order(order_id)["status"] == "PAYMENT_FAILED"


def test_an_unknown_order_fails_the_execution_without_writing(workflow):
    arn = workflow.sfn.start_execution(
        stateMachineArn=workflow.state_machine_arn,
        name="ghost",
        input=workflow_input("ghost", total=1),
    )["executionArn"]

    execution = workflow.finished(arn)

    assert (execution["status"], execution["error"]) == ("FAILED", "OrderNotFound")
    assert workflow.order("ghost") is None


def test_a_failure_rate_of_one_declines_every_payment(shop):
    shop.create_workflow(failure_rate=1.0)
    order_id, _ = start_order(shop)
    assert shop.order(order_id)["paymentFailureReason"] == "issuer_declined"


def test_the_definition_uses_no_lambda_and_every_task_retries_and_catches():
    states = definition(
        orders_table="t",
        event_bus="b",
        payment_limit=10,
        payment_failure_rate=0.5,
    )["States"]
    tasks = {name: s for name, s in states.items() if s["Type"] == "Task"}

    # LoadOrder, the three status updates (paid, failed, expired) and the two publications:
    # no notification
    assert len(tasks) == 6
    for name, task in tasks.items():
        assert "lambda" not in task["Resource"], name
        assert task["Resource"].startswith("arn:aws:states:::"), name
        assert task["Retry"][0]["MaxAttempts"] >= 2, name
        assert any("States.ALL" in c["ErrorEquals"] for c in task["Catch"]), name
    for update in ("MarkOrderPaid", "MarkPaymentFailed", "MarkExpired"):
        assert states[update]["Parameters"]["ConditionExpression"] == "#status = :pending"


@pytest.mark.parametrize("rate", [-0.1, 1.5])
def test_the_failure_rate_must_be_a_probability(rate):
    with pytest.raises(ValueError, match="between 0 and 1"):
        definition(
            orders_table="t",
            event_bus="b",
            payment_limit=1,
            payment_failure_rate=rate,
        )
