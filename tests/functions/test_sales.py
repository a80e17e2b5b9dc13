"""The day's sales (ordering/sales.py): counted by the status changes themselves, once
each, however often their events arrive; and the nightly report (workflows/sales_report.py,
the program's definition run by moto's Step Functions), which moves the counters into one
report, publishes it to the ops topic and keeps it, so that every sale is in exactly one
report."""

import json

import boto3
import pytest

from ordering import sales
from ordering.consumer import HANDLERS
from shop_common.contracts import DetailType, consumed_by
from tests.functions.conftest import PROGRAM, assert_valid_event
from tests.functions.test_stock import event as stock_event
from tests.functions.test_sweeper import Bus, check_out, never

SALES_TABLE = PROGRAM.outputs["salesTableName"]
OPS_TOPIC = PROGRAM.outputs["opsTopicArn"]
ZERO = dict.fromkeys(sales.COUNTERS, 0)


@pytest.fixture
def trading(shop):
    shop.create_workflow(payment_limit=1000)
    shop.bus = Bus(shop)
    return shop


@pytest.fixture
def reporting(trading):
    sns, sqs = boto3.client("sns"), trading.sqs
    topic = sns.create_topic(Name=OPS_TOPIC.rsplit(":", 1)[-1])["TopicArn"]
    assert topic == OPS_TOPIC  # the program's ops topic, which the definition names
    trading.ops_url = sqs.create_queue(QueueName="ops-subscriber")["QueueUrl"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=trading._queue_arn(trading.ops_url))
    trading.report_arn = trading.create_machine("salesReportArn")
    return trading


def items(shop, prefix: str) -> list[dict]:
    scanned = shop.dynamodb.scan(TableName=SALES_TABLE)["Items"]
    return [
        {k: v.get("S") or int(v["N"]) for k, v in item.items() if "S" in v or "N" in v}
        for item in scanned
        if item[sales.KEY]["S"].startswith(prefix)
    ]


def open_counts(shop) -> dict[str, int]:
    """The open counters, summed over their shards."""
    total = dict(ZERO)
    for item in items(shop, f"{sales.OPEN}#"):
        for counter in sales.COUNTERS:
            total[counter] += item.get(counter, 0)
    return total


def counted(**counts: int) -> dict[str, int]:
    return ZERO | counts


def pay(shop, user: str, token: str = "tok_visa") -> str:
    """An order placed, its stock reserved and its payment settled (a 21.00 USD order)."""
    order_id = check_out(shop, user=user, token=token)
    shop.bus.flow()
    for event in shop.published():
        assert_valid_event(event)
    return order_id


def redeliver(shop, detail_type: str) -> None:
    """Every `detail_type` event again, to the ordering consumer (as a redelivery does)."""
    bodies = [json.dumps(e) for e in shop.published_of(detail_type)]
    assert shop.deliver("ordering", bodies) == {"batchItemFailures": []}


def test_the_consumer_handles_exactly_what_the_events_table_gives_it():
    assert set(HANDLERS) == set(consumed_by("ordering.consumer"))


def test_each_status_change_is_counted_once(trading):
    paid = pay(trading, "ada")
    pay(trading, "bob", token="tok_declined")
    for detail_type in (
        DetailType.CHECKOUT_BASKET,
        DetailType.ORDER_PAID,
        DetailType.ORDER_PAYMENT_FAILED,
    ):
        redeliver(trading, detail_type)

    assert trading.order(paid)["status"] == "PAID"
    assert open_counts(trading) == counted(
        placed=2, paid=1, revenueCents=2100, failed_card_declined=1
    )


def test_a_rejection_and_a_refund_are_counted_once(trading):
    order_id = check_out(trading, user="cy")
    trading.bus.flow(drop=never(DetailType.ORDER_CREATED, "stock"))
    rejection = {"orderId": order_id, "userId": "cy", "reason": "out_of_stock", "productIds": ["p"]}
    rejected = stock_event(DetailType.ORDER_REJECTED, rejection)
    assert trading.deliver("ordering", [rejected, rejected]) == {"batchItemFailures": []}
    refunded = pay(trading, "dee")
    response = trading.request("orders", "DELETE", f"/orders/{refunded}", user="dee")
    assert response.status == 200
    trading.bus.flow()
    for execution in trading.refunds():
        assert execution["status"] == "SUCCEEDED"
    trading.bus.flow()
    redeliver(trading, DetailType.ORDER_REFUNDED)

    assert trading.order(order_id)["status"] == "REJECTED"
    assert open_counts(trading) == counted(
        placed=2, paid=1, revenueCents=2100, rejected_out_of_stock=1, refunds=1, refundedCents=2100
    )


def test_a_counting_transaction_that_meets_another_is_tried_again(trading):
    dynamodb = trading.dynamodb
    conflicts = {"left": 2}

    def conflict(**_):
        if conflicts["left"]:
            conflicts["left"] -= 1
            raise dynamodb.exceptions.TransactionCanceledException(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                    "CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}],
                },
                "TransactWriteItems",
            )

    from shop_common import clients  # noqa: PLC0415 - the client the function uses

    check_out(trading, user="eve")
    events = clients.dynamodb().meta.events
    events.register("before-call.dynamodb.TransactWriteItems", conflict, unique_id="conflict")
    try:  # the ordering consumer places the order: its first two transactions conflict
        trading.bus.flow(drop=never(DetailType.ORDER_CREATED, "stock"))
    finally:
        events.unregister("before-call.dynamodb.TransactWriteItems", unique_id="conflict")

    assert conflicts["left"] == 0
    assert open_counts(trading) == counted(placed=1)


def report(shop) -> tuple[dict, dict]:
    """Run the report: (its stored item, the message the ops topic got)."""
    assert shop.run(shop.report_arn)["status"] == "SUCCEEDED"
    [message] = shop.sqs.receive_message(QueueUrl=shop.ops_url)["Messages"]
    shop.sqs.delete_message(QueueUrl=shop.ops_url, ReceiptHandle=message["ReceiptHandle"])
    published = json.loads(message["Body"])
    [stored] = [
        r
        for r in items(shop, f"{sales.REPORT}#")
        if r["closedAt"] == json.loads(published["Message"])["until"]
    ]
    return stored, published


def test_the_report_moves_the_counters_into_one_report_and_publishes_it(reporting):
    pay(reporting, "ada")
    pay(reporting, "bob", token="tok_declined")

    stored, published = report(reporting)

    assert {c: stored[c] for c in sales.COUNTERS} == counted(
        placed=2, paid=1, revenueCents=2100, failed_card_declined=1
    )
    assert stored["since"] == "the start"
    assert stored["publishedAt"] >= stored["closedAt"]
    assert published["Subject"] == f"Sales report until {stored['closedAt']}: paid 1, placed 2"
    assert json.loads(published["Message"]) == {
        "report": "sales",
        "since": "the start",
        "until": stored["closedAt"],
        "currency": "USD",
        "ordersPlaced": 2,
        "ordersPaid": 1,
        "revenueCents": 2100,
        "paymentFailures": {reason: int(reason == "card_declined") for reason in sales.FAILED},
        "rejections": dict.fromkeys(sales.REJECTED, 0),
        "refunds": 0,
        "refundedCents": 0,
    }
    assert open_counts(reporting) == ZERO
    [latest] = items(reporting, sales.LATEST)
    assert latest["closedAt"] == stored["closedAt"]


def test_each_sale_is_in_exactly_one_report(reporting):
    pay(reporting, "ada")
    first, _ = report(reporting)
    pay(reporting, "bob")
    pay(reporting, "cy")

    second, _ = report(reporting)
    third, _ = report(reporting)

    assert (first[sales.PAID], second[sales.PAID], third[sales.PAID]) == (1, 2, 0)
    assert second["since"] == first["closedAt"]
    assert third["since"] == second["closedAt"]


def test_two_reports_at_once_move_each_count_once(reporting):
    for user in ("ada", "bob", "cy"):
        pay(reporting, user)
    runs = [
        reporting.sfn.start_execution(
            stateMachineArn=reporting.report_arn, name=f"at-once-{n}", input="{}"
        )["executionArn"]
        for n in range(2)
    ]
    for run in runs:
        assert reporting.finished(run)["status"] == "SUCCEEDED"
    report(reporting)  # whatever either left open

    reports = items(reporting, f"{sales.REPORT}#")
    assert len(reports) == 3
    assert sum(r[sales.PAID] for r in reports) == 3
    assert sum(r[sales.PLACED] for r in reports) == 3
    assert open_counts(reporting) == ZERO
