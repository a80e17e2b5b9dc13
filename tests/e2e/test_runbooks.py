"""The runbooks (docs/runbooks.md), run as written, with `make`, against the local cloud:
replaying a window of the archive, redriving a work queue's DLQ, re-putting the events
a target's DLQ holds, an order's story. Each shows its effect through the API."""

import json
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from tests import ROOT
from tests.e2e.test_reliability import as_delivered, checkout_data, executions_named

pytestmark = pytest.mark.e2e


def make(shop, target: str, **variables: str) -> str:
    """`make <target> VAR=value ...` with the session's local cloud; its output."""
    outputs = shop.state_dir / "outputs.json"
    arguments = [f"{key}={value}" for key, value in variables.items()]
    done = subprocess.run(
        ["make", "--no-print-directory", target, *arguments, f"OUTPUTS={outputs}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def log_lines(shop, function: str) -> list[dict]:
    """The JSON lines a function logged (the local cloud keeps them per function)."""
    path = shop.state_dir / "logs" / f"{function}.log"
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def test_replaying_a_window_to_the_ordering_consumer_makes_no_second_order(shop, customer):
    shop.call("PUT", f"/basket/items/{shop.create_product()}", customer, json={"quantity": 1})
    start = datetime.now(UTC) - timedelta(seconds=1)
    order_id = shop.checkout(customer).json()["orderId"]
    shop.order_status(customer, order_id, until={"PAID"})
    shop.wait_for(lambda: shop.queue_messages("orderingQueueUrl") == 0)
    end = datetime.now(UTC) + timedelta(seconds=1)

    said = make(shop, "replay", FROM=iso(start), TO=iso(end), CONSUMER="ordering")

    assert "COMPLETED" in said
    # Replayed, the order's CheckoutBasket reached the ordering consumer again, which
    # recognised it (the put is conditional on no order with its id): no second order.
    function = "shop-local-ordering-consumer"
    shop.wait_for(
        lambda: [
            line
            for line in log_lines(shop, function)
            if line.get("correlation_id") == order_id
            and line["message"] == "duplicate checkout: the order already exists"
        ]
    )
    shop.wait_for(lambda: shop.queue_messages("orderingQueueUrl") == 0)
    orders = shop.call("GET", "/orders", customer).json()["items"]
    assert [(o["orderId"], o["status"]) for o in orders] == [(order_id, "PAID")]
    assert len(executions_named(shop, order_id)) == 1


def test_redriving_a_work_queues_dlq_hands_its_messages_to_the_consumer_again(shop, customer):
    """A checkout whose event failed five times (an outage, since fixed) waits in the
    ordering DLQ; the redrive puts it back on the queue and the order is made."""
    data = checkout_data(shop, customer)
    sqs = shop.aws("sqs")
    sqs.send_message(QueueUrl=shop.outputs["orderingDlqUrl"], MessageBody=as_delivered(shop, data))

    said = make(shop, "redrive", QUEUE="ordering")

    assert "moved from its DLQ back to its queue" in said
    shop.order_status(customer, data["orderId"], until={"PAID"})
    held = sqs.receive_message(
        QueueUrl=shop.outputs["orderingDlqUrl"], MaxNumberOfMessages=10, VisibilityTimeout=0
    ).get("Messages", [])
    assert not [m for m in held if data["orderId"] in m["Body"]]


def test_the_emulator_has_no_sqs_message_move_task(shop):
    """Why `make redrive` receives and resends: measured against the emulator, moto 5.2
    cannot StartMessageMoveTask. (If this fails, moto has it now: see docs/runbooks.md.)"""
    sqs = shop.aws("sqs")
    dlq_arn = sqs.get_queue_attributes(
        QueueUrl=shop.outputs["orderingDlqUrl"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    with pytest.raises(ClientError) as refused:
        sqs.start_message_move_task(SourceArn=dlq_arn)
    # moto's SQS has no such action: its server answers 500 Internal Server Error.
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_reputting_a_target_dlqs_events_delivers_them_again(shop, customer):
    """EventBridge could not deliver a CheckoutBasket to the ordering queue for 24 hours:
    the target's DLQ holds the event itself (as EventBridge puts it there, with its
    error attributes). Re-put on the bus, it makes the order."""
    data = checkout_data(shop, customer)
    event = json.loads(as_delivered(shop, data))
    sqs = shop.aws("sqs")
    sqs.send_message(
        QueueUrl=shop.outputs["orderingTargetDlqUrl"],
        MessageBody=json.dumps(event),
        MessageAttributes={
            "ERROR_CODE": {"DataType": "String", "StringValue": "SQS_QUEUE_DOES_NOT_EXIST"},
            "RULE_ARN": {"DataType": "String", "StringValue": "arn:aws:events:::rule/x"},
        },
    )

    said = make(shop, "reput", DLQ="orderingTargetDlqUrl")

    assert "1 event(s) put on" in said
    shop.order_status(customer, data["orderId"], until={"PAID"})
    assert shop.queue_messages("orderingTargetDlqUrl") == 0


def test_an_orders_story_lists_its_events_in_order_and_its_execution(shop, customer):
    shop.call("PUT", f"/basket/items/{shop.create_product()}", customer, json={"quantity": 1})
    order_id = shop.checkout(customer).json()["orderId"]
    shop.order_status(customer, order_id, until={"PAID"})

    def told() -> str | None:
        said = make(shop, "story", ORDER=order_id)
        return said if "OrderPaid" in said else None

    said = shop.wait_for(told, timeout=30, interval=1)

    told_types = [line.split()[1] for line in said.splitlines() if line.startswith("  ")]
    assert told_types[:4] == ["CheckoutBasket", "OrderCreated", "StockReserved", "OrderPaid"]
    assert f"execution {order_id}: SUCCEEDED" in said
