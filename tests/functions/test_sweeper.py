"""The sweeper (workflows/sweeper.py) as the program defines it, run by moto's Step
Functions, and what its findings lead to. Each kind of stuck order or basket is made by
breaking its path on purpose (an event that never reaches its consumer, an execution that
died); the sweep finds it once it is past its time, and the consumers that keep the
records repair it: the order is paid by a new execution, or ended with its stock and its
basket given back; the basket is reopened."""

import json
from collections.abc import Callable

import boto3
import pytest

from ordering.status_index import shard_of, status_shard
from shop_common.contracts import STOCK_KEEPER, DetailType, consumed_by
from shop_common.times import STALE_AFTER
from tests.functions.conftest import TABLES, assert_valid_event
from tests.functions.test_basket import CHECKOUT, add_product, basket, put_item
from tests.functions.test_stock import restock, stock_of
from workflows.asl import DYNAMODB_SDK_TRANSIENT

# The consumers' queues, as the rules of the events table feed them.
QUEUES = {
    "ordering": "ordering.consumer",
    "stock": STOCK_KEEPER,
    "basket-events": "basket.consumer",
}
LONG_AGO = "2020-01-01T00:00:00.000Z"
Drop = Callable[[str, dict], bool]  # (queue, event): lost on its way there


class Bus:
    """EventBridge and the consumers' queues, played in the test: each event published
    since the last call goes to every consumer whose rule takes it, unless `drop` loses it
    on purpose; executions the consumers start run to their end; until all is quiet."""

    def __init__(self, shop):
        self.shop, self.delivered = shop, 0

    def flow(self, drop: Drop = lambda queue, event: False) -> None:
        for _ in range(20):
            events = self.shop.published()[self.delivered :]
            self.delivered += len(events)
            if not events:
                return
            for queue, consumer in QUEUES.items():
                bodies = [
                    json.dumps(e)
                    for e in events
                    if e["detail-type"] in consumed_by(consumer) and not drop(queue, e)
                ]
                if bodies:
                    assert self.shop.deliver(queue, bodies) == {"batchItemFailures": []}
            for execution in self.shop.executions():
                self.shop.finished(execution["executionArn"])
        raise AssertionError("the events never settled")


def never(detail_type: str, queue: str) -> Drop:
    """Every `detail_type` event is lost on its way to `queue`."""
    return lambda to, event: to == queue and event["detail-type"] == detail_type


@pytest.fixture
def sweeping(shop):
    shop.create_workflow(payment_limit=1000)
    shop.sweeper_arn = shop.create_machine("sweeperArn")
    shop.bus = Bus(shop)
    return shop


def check_out(shop, user="ada", units=5, token="tok_visa") -> str:
    """Two of a new product (10.50 each, `units` in stock) checked out by `user`."""
    product_id = add_product(shop, price=10.5)
    restock(shop, product_id, units)
    put_item(shop, product_id, 2, user=user)
    body = {**CHECKOUT, "paymentToken": token}
    response = shop.request("basket", "POST", "/basket/checkout", user=user, body=body)
    assert response.status == 202
    shop.product_id = product_id
    return response.json["orderId"]


def backdate(shop, table: str, key: dict) -> None:
    """Make the order or basket past its time, as if it had waited since long ago."""
    shop.dynamodb.update_item(
        TableName=TABLES[table],
        Key=key,
        UpdateExpression=f"SET {STALE_AFTER} = :then",
        ExpressionAttributeValues={":then": {"S": LONG_AGO}},
    )


def backdate_order(shop, order_id: str) -> None:
    backdate(shop, "orders", {"orderId": {"S": order_id}})


def sweep(shop) -> list[dict]:
    """One run of the sweeper: what it found (its events), each valid."""
    before = len(shop.published())
    assert shop.run(shop.sweeper_arn)["status"] == "SUCCEEDED"
    found = [
        e
        for e in shop.published()[before:]
        if e["detail-type"] in {DetailType.ORDER_STALLED, DetailType.CHECKOUT_STALLED}
    ]
    for event in found:
        assert_valid_event(event)
        assert event["source"] == "shop.ordering"
    return found


def executions_of(shop, order_id: str) -> dict[str, str]:
    return {
        e["name"]: shop.finished(e["executionArn"])["status"]
        for e in shop.executions()
        if e["name"].startswith(order_id)
    }


def test_an_order_not_yet_past_its_time_is_left_alone(sweeping):
    order_id = check_out(sweeping)
    sweeping.bus.flow(drop=never(DetailType.ORDER_CREATED, "stock"))
    assert sweeping.order(order_id)["status"] == "PENDING"

    assert sweep(sweeping) == []  # stamped staleOrderMinutes after it was placed
    assert sweeping.order(order_id)["status"] == "PENDING"


def test_an_order_whose_stock_decision_was_lost_is_redriven_and_paid(sweeping):
    order_id = check_out(sweeping)
    sweeping.bus.flow(drop=never(DetailType.ORDER_CREATED, "stock"))  # the stock keeper never heard
    [created] = sweeping.published_of(DetailType.ORDER_CREATED)
    backdate_order(sweeping, order_id)

    [found] = sweep(sweeping)
    sweeping.bus.flow()

    assert found["detail-type"] == DetailType.ORDER_STALLED
    assert found["detail"]["data"]["orderId"] == order_id
    assert sweeping.order(order_id)["status"] == "PAID"
    assert executions_of(sweeping, order_id) == {f"{order_id}-r1": "SUCCEEDED"}
    # the same OrderCreated again: the stock keeper decided it once, now
    again = [e for e in sweeping.published_of(DetailType.ORDER_CREATED) if e is not created]
    assert [e["detail"]["metadata"]["eventId"] for e in again] == [
        created["detail"]["metadata"]["eventId"]
    ]
    assert stock_of(sweeping, sweeping.product_id) == 3


def test_a_lost_stock_reserved_is_answered_again_and_paid_once(sweeping):
    order_id = check_out(sweeping)
    sweeping.bus.flow(drop=never(DetailType.STOCK_RESERVED, "ordering"))
    assert sweeping.executions() == []
    assert stock_of(sweeping, sweeping.product_id) == 3  # reserved, never paid
    backdate_order(sweeping, order_id)

    assert len(sweep(sweeping)) == 1
    sweeping.bus.flow()

    assert sweeping.order(order_id)["status"] == "PAID"
    assert executions_of(sweeping, order_id) == {f"{order_id}-r1": "SUCCEEDED"}
    assert stock_of(sweeping, sweeping.product_id) == 3  # the repeated answer took nothing


def test_an_order_whose_workflow_died_is_redriven_under_a_new_name(sweeping):
    order_id = check_out(sweeping)
    # Its execution died before the order was settled: started (as before the byStatus
    # shard was in the input) without `shard`, its status update fails; the name is taken.
    died = sweeping.sfn.start_execution(
        stateMachineArn=sweeping.state_machine_arn,
        name=order_id,
        input=json.dumps(
            {
                "orderId": order_id,
                "userId": "ada",
                "email": "ada@example.com",
                "totalPrice": 21,
                "currency": "USD",
                "paymentToken": "tok_visa",
            }
        ),
    )["executionArn"]
    assert sweeping.finished(died)["status"] == "FAILED"
    sweeping.bus.flow()  # StockReserved arrives: the name is taken, nothing starts
    assert sweeping.order(order_id)["status"] == "PENDING"
    backdate_order(sweeping, order_id)

    assert len(sweep(sweeping)) == 1
    sweeping.bus.flow()

    assert sweeping.order(order_id)["status"] == "PAID"
    assert executions_of(sweeping, order_id) == {order_id: "FAILED", f"{order_id}-r1": "SUCCEEDED"}


def test_an_order_redriven_in_vain_is_ended_and_its_stock_and_basket_given_back(sweeping):
    order_id = check_out(sweeping)
    lost = never(DetailType.STOCK_RESERVED, "ordering")  # the ordering consumer never hears it
    sweeping.bus.flow(drop=lost)
    backdate_order(sweeping, order_id)

    for attempt in (1, 2):
        assert len(sweep(sweeping)) == 1
        sweeping.bus.flow(drop=lost)
        assert sweeping.order(order_id)["redrives"] == str(attempt)
        assert sweeping.order(order_id)["status"] == "PENDING"
    assert len(sweep(sweeping)) == 1
    sweeping.bus.flow(drop=lost)

    order = sweeping.order(order_id)
    assert (order["status"], order["paymentFailureReason"]) == ("PAYMENT_FAILED", "expired")
    assert order["statusShard"] == status_shard("PAYMENT_FAILED", shard_of(order_id))
    # its timeline: failed, and no reservation claimed (none was made known)
    assert order["paymentFailedAt"] > order["createdAt"]
    assert "stockReservedAt" not in order
    assert executions_of(sweeping, order_id) == {f"{order_id}-r3": "SUCCEEDED"}
    [failed] = sweeping.published_of(DetailType.ORDER_PAYMENT_FAILED)
    assert failed["detail"]["data"] == {"orderId": order_id, "userId": "ada", "reason": "expired"}
    assert_valid_event(failed)
    assert stock_of(sweeping, sweeping.product_id) == 5  # given back
    assert basket(sweeping)["status"] == "ACTIVE"  # reopened, its items kept
    assert len(basket(sweeping)["items"]) == 1
    assert sweep(sweeping) == []  # settled: nothing more to find


def test_a_finding_delivered_twice_redrives_once(sweeping):
    order_id = check_out(sweeping)
    sweeping.bus.flow(drop=never(DetailType.ORDER_CREATED, "stock"))
    backdate_order(sweeping, order_id)
    [found] = sweep(sweeping)

    assert sweeping.deliver("ordering", [json.dumps(found)] * 2) == {"batchItemFailures": []}

    assert sweeping.order(order_id)["redrives"] == "1"
    assert len(sweeping.published_of(DetailType.ORDER_CREATED)) == 2  # placed, re-driven once


def test_a_finding_about_a_settled_order_changes_nothing(sweeping):
    order_id = check_out(sweeping)
    sweeping.bus.flow(drop=never(DetailType.ORDER_CREATED, "stock"))
    backdate_order(sweeping, order_id)
    [found] = sweep(sweeping)
    assert sweeping.request("orders", "DELETE", f"/orders/{order_id}", user="ada").status == 200
    published = len(sweeping.published())

    assert sweeping.deliver("ordering", [json.dumps(found)]) == {"batchItemFailures": []}

    assert sweeping.order(order_id)["status"] == "CANCELLED"
    assert "redrives" not in sweeping.order(order_id)
    assert len(sweeping.published()) == published


def test_a_basket_checked_out_without_an_order_is_reopened(sweeping):
    check_out(sweeping)
    lost = never(DetailType.CHECKOUT_BASKET, "ordering")  # the order was never made
    sweeping.bus.flow(drop=lost)
    assert sweep(sweeping) == []  # not yet past its time
    backdate(sweeping, "baskets", {"userId": {"S": "ada"}})

    [found] = sweep(sweeping)
    sweeping.bus.flow(drop=lost)

    assert found["detail-type"] == DetailType.CHECKOUT_STALLED
    reopened = basket(sweeping)
    assert reopened["status"] == "ACTIVE"
    assert "orderId" not in reopened
    stored = sweeping.dynamodb.get_item(TableName=TABLES["baskets"], Key={"userId": {"S": "ada"}})
    assert not {"paymentToken", "checkoutShard", STALE_AFTER} & set(stored["Item"])
    assert sweep(sweeping) == []  # out of the index: found no more


def test_a_basket_whose_order_exists_is_left_to_the_order(sweeping):
    order_id = check_out(sweeping)
    sweeping.bus.flow(drop=never(DetailType.ORDER_CREATED, "stock"))
    backdate(sweeping, "baskets", {"userId": {"S": "ada"}})

    assert sweep(sweeping) == []  # its order is not past its time yet

    assert basket(sweeping)["status"] == "CHECKED_OUT"
    assert sweeping.order(order_id)["status"] == "PENDING"


def test_the_sweeper_counts_what_it_found(sweeping):
    for user in ("ada", "bob"):
        order_id = check_out(sweeping, user=user)
        sweeping.bus.flow(drop=never(DetailType.ORDER_CREATED, "stock"))
        backdate_order(sweeping, order_id)
    check_out(sweeping, user="cy")
    sweeping.bus.flow(drop=never(DetailType.CHECKOUT_BASKET, "ordering"))
    backdate(sweeping, "baskets", {"userId": {"S": "cy"}})

    assert len(sweep(sweeping)) == 3

    cloudwatch = boto3.client("cloudwatch")
    [metric] = cloudwatch.list_metrics(Namespace="shop")["Metrics"]
    assert metric["MetricName"] == "StaleOrdersFound"
    assert metric["Dimensions"] == [{"Name": "service", "Value": "shop-local-sweeper"}]
    statistics = cloudwatch.get_metric_statistics(
        Namespace="shop",
        MetricName="StaleOrdersFound",
        Dimensions=metric["Dimensions"],
        StartTime="2020-01-01T00:00:00Z",
        EndTime="2100-01-01T00:00:00Z",
        Period=86400 * 365,
        Statistics=["Sum"],
    )["Datapoints"]
    assert sum(point["Sum"] for point in statistics) == 3


def test_the_definition_uses_no_lambda_and_every_task_retries_and_catches(sweeping):
    definition = json.loads(
        sweeping.sfn.describe_state_machine(stateMachineArn=sweeping.sweeper_arn)["definition"]
    )
    tasks = []

    def walk(states):
        for state in states.values():
            if state["Type"] == "Task":
                tasks.append(state)
            if "ItemProcessor" in state:
                walk(state["ItemProcessor"]["States"])

    walk(definition["States"])
    assert {t["Resource"] for t in tasks} == {
        "arn:aws:states:::aws-sdk:dynamodb:query",
        "arn:aws:states:::aws-sdk:cloudwatch:putMetricData",
        "arn:aws:states:::dynamodb:getItem",
        "arn:aws:states:::events:putEvents",
    }
    for task in tasks:
        assert task["Retry"], task
        assert task["Catch"], task
    queries = [t for t in tasks if t["Resource"].endswith(":query")]
    assert {e for t in queries for e in t["Retry"][0]["ErrorEquals"]} >= set(DYNAMODB_SDK_TRANSIENT)
