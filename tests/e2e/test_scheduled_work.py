"""Scheduled work through the local cloud: the sweeper, fired by the local scheduler on
its own (the local stack runs it every minute) and by `python -m localcloud schedule fire`,
repairs each kind of stuck order and basket end to end, through the real consumers,
workflows and e-mail. The stuck states are written into the emulator as a lost event or a
dead execution leaves them, past their time (the function tests, tests/functions/
test_sweeper.py, make each one by breaking its path)."""

import json
import subprocess
import sys
import uuid
from decimal import Decimal

import boto3
import pytest

from localcloud import ROOT
from ordering.status_index import shard_of, status_shard
from shop_common.contracts import DetailType
from tests.samples import ADDRESS
from workflows.customer_notifier import MESSAGES

pytestmark = pytest.mark.e2e

LONG_AGO = "2020-01-01T00:00:00.000Z"


def localcloud(shop, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "localcloud", *args, "--state-dir", str(shop.state_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def table(shop, output: str):
    return boto3.resource(
        "dynamodb",
        endpoint_url=shop.outputs["awsEndpointUrl"],
        region_name=shop.outputs["region"],
        aws_access_key_id="e2e",
        aws_secret_access_key="e2e",
    ).Table(shop.outputs[output])


def user_id(shop, email: str) -> str:
    attributes = shop.aws("cognito-idp").admin_get_user(
        UserPoolId=shop.outputs["userPoolId"], Username=email
    )["UserAttributes"]
    return next(a["Value"] for a in attributes if a["Name"] == "sub")


class Stuck:
    """A customer whose checkout is stuck, written as the shop stores it."""

    def __init__(self, shop, price: int = 12):
        self.shop, self.email = shop, shop.sign_up()
        self.user = user_id(shop, self.email)
        self.product_id = shop.create_product("Desk lamp", price, stock=10)
        self.order_id = str(uuid.uuid4())
        line = {
            "productId": self.product_id,
            "name": "Desk lamp",
            "unitPrice": Decimal(price),
            "quantity": 1,
            "lineTotal": Decimal(price),
        }
        self.charge = {"items": [line], "totalPrice": Decimal(price), "currency": "USD"}

    def basket(self) -> "Stuck":
        """Checked out as the order, holding the payment token, past its time."""
        table(self.shop, "basketsTableName").put_item(
            Item={
                "userId": self.user,
                "status": "CHECKED_OUT",
                "items": {
                    self.product_id: {
                        "productId": self.product_id,
                        "name": "Desk lamp",
                        "unitPrice": self.charge["totalPrice"],
                        "quantity": 1,
                        "addedAt": LONG_AGO,
                    }
                },
                "version": 2,
                "updatedAt": LONG_AGO,
                "orderId": self.order_id,
                "charge": self.charge,
                "paymentToken": "tok_visa",
                "checkoutShard": str(shard_of(self.order_id)),
                "staleAfter": LONG_AGO,
            }
        )
        return self

    def order(self, **more) -> "Stuck":
        """PENDING since long ago: its stock never decided, no payment started."""
        table(self.shop, "ordersTableName").put_item(
            Item={
                "orderId": self.order_id,
                "userId": self.user,
                "status": "PENDING",
                "items": self.charge["items"],
                "totalPrice": self.charge["totalPrice"],
                "currency": "USD",
                "shippingAddress": ADDRESS,
                "email": self.email,
                "createdAt": LONG_AGO,
                "updatedAt": LONG_AGO,
                "statusShard": status_shard("PENDING", shard_of(self.order_id)),
                "staleAfter": LONG_AGO,
                **more,
            }
        )
        return self

    def status(self, until: set[str], timeout: float = 30) -> dict:
        return self.shop.order_status(self.email, self.order_id, until=until, timeout=timeout)

    def basket_status(self) -> str:
        return self.shop.call("GET", "/basket", self.email).json()["status"]

    def executions(self) -> dict[str, str]:
        sfn = self.shop.aws("stepfunctions")
        listed = sfn.list_executions(stateMachineArn=self.shop.outputs["stateMachineArn"])
        return {
            e["name"]: e["status"]
            for e in listed["executions"]
            if e["name"].startswith(self.order_id)
        }


def died(stuck: Stuck) -> Stuck:
    """Its first execution, named after it, died before settling it (no `shard` in its
    input: the status update fails), so that name is taken for 90 days."""
    sfn = stuck.shop.aws("stepfunctions")
    arn = sfn.start_execution(
        stateMachineArn=stuck.shop.outputs["stateMachineArn"],
        name=stuck.order_id,
        input=json.dumps(
            {
                "orderId": stuck.order_id,
                "userId": stuck.user,
                "email": stuck.email,
                "totalPrice": float(stuck.charge["totalPrice"]),
                "currency": "USD",
                "paymentToken": "tok_visa",
            }
        ),
    )["executionArn"]
    stuck.shop.wait_for(lambda: sfn.describe_execution(executionArn=arn)["status"] == "FAILED")
    return stuck


def test_the_sweeper_fired_by_the_command_repairs_each_kind_of_stuck_order(shop):
    never_decided = Stuck(shop).basket().order()
    workflow_died = died(Stuck(shop).basket().order())
    redriven_in_vain = Stuck(shop).basket().order(redrives=2)
    basket_without_order = Stuck(shop).basket()

    fired = localcloud(shop, "schedule", "fire", "sweeper", "--wait")

    assert fired.returncode == 0, fired.stdout + fired.stderr
    execution, status = fired.stdout.split()
    assert ":execution:shop-local-sweeper:shop-local-sweeper-" in execution
    assert status == "SUCCEEDED"
    # its stock decided now, then paid by a re-drive of its own
    never_decided.status(until={"PAID"})
    shop.wait_for(
        lambda: never_decided.executions() == {f"{never_decided.order_id}-r1": "SUCCEEDED"}
    )
    # paid by a new execution: the first one's name is taken
    workflow_died.status(until={"PAID"})
    shop.wait_for(
        lambda: (
            workflow_died.executions()
            == {workflow_died.order_id: "FAILED", f"{workflow_died.order_id}-r1": "SUCCEEDED"}
        )
    )
    # ended: the payment failed, expired; the basket reopens; the customer is told
    failed = redriven_in_vain.status(until={"PAYMENT_FAILED"})
    assert failed["paymentFailureReason"] == "expired"
    shop.wait_for(lambda: redriven_in_vain.basket_status() == "ACTIVE")
    subject = MESSAGES[DetailType.ORDER_PAYMENT_FAILED].subject
    shop.wait_for(
        lambda: [
            e
            for e in shop.emails()
            if e["to"] == [redriven_in_vain.email] and e["subject"] == subject
        ]
    )
    # a basket checked out as an order that never came: reopened
    shop.wait_for(lambda: basket_without_order.basket_status() == "ACTIVE")


def test_the_local_scheduler_fires_the_sweeper_on_its_own(shop):
    """No command: the local stack's sweeperSchedule, rate(1 minute), fires it."""
    fired_before = scheduled_sweeps(shop)
    never_decided = Stuck(shop).basket().order()
    basket_without_order = Stuck(shop).basket()

    never_decided.status(until={"PAID"}, timeout=90)
    shop.wait_for(lambda: basket_without_order.basket_status() == "ACTIVE", timeout=30)

    assert scheduled_sweeps(shop) > fired_before


def scheduled_sweeps(shop) -> int:
    """How often the local scheduler has started the sweeper (its console line each time)."""
    output = (shop.state_dir / "localcloud.out").read_text()
    return output.count("[scheduler] shop-local-sweeper fired:")


def test_schedule_list_and_an_unknown_name(shop):
    listed = localcloud(shop, "schedule", "list")
    assert "shop-local-sweeper rate(1 minute) UTC" in listed.stdout
    assert "shop-local-sales-report cron(5 0 * * ? *) Europe/London" in listed.stdout

    unknown = localcloud(shop, "schedule", "fire", "nightly-nothing")
    assert unknown.returncode == 2
    assert "shop-local-sweeper" in unknown.stdout


def sales_reports(shop) -> list[dict]:
    """The sales reports the ops topic received (the outbox records every SNS message)."""
    return [
        json.loads(n["message"])
        for n in shop.notifications()
        if n["topicArn"] == shop.outputs["opsTopicArn"] and n["subject"].startswith("Sales report")
    ]


def fire_report(shop) -> dict:
    before = len(sales_reports(shop))
    fired = localcloud(shop, "schedule", "fire", "sales-report", "--wait")
    assert fired.returncode == 0, fired.stdout + fired.stderr
    return shop.wait_for(lambda: sales_reports(shop)[before:])[0]


def test_the_nightly_report_lands_in_the_outbox_and_is_kept(shop, customer):
    first = fire_report(shop)  # whatever was counted before this test
    lamp = shop.create_product("Night lamp", 17)
    shop.call("PUT", f"/basket/items/{lamp}", customer, json={"quantity": 1})
    order_id = shop.checkout(customer).json()["orderId"]
    shop.order_status(customer, order_id, until={"PAID"})
    # counted when the ordering consumer hands the paid order over (its fulfilment)
    shop.wait_for(
        lambda: "fulfilmentRequestedAt" in shop.call("GET", f"/orders/{order_id}", customer).json()
    )

    second = fire_report(shop)

    assert second["since"] == first["until"]  # each report starts where the last ended
    assert second["ordersPlaced"] >= 1
    assert second["ordersPaid"] >= 1
    assert second["revenueCents"] >= 1700
    assert second["currency"] == "USD"
    assert set(second["paymentFailures"]) >= {"card_declined", "expired"}
    stored = table(shop, "salesTableName").get_item(Key={"period": f"report#{second['until']}"})
    assert stored["Item"]["paid"] == second["ordersPaid"]
    assert stored["Item"]["publishedAt"] >= second["until"]


def test_a_token_for_a_user_the_pool_does_not_have_is_refused_in_words(shop):
    done = localcloud(shop, "token", "nobody@example.com")

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    # Cognito's answer, as it names it (a pool that hides users' existence says NotAuthorized)
    assert done.stdout.split(":")[0] in {"UserNotFoundException", "NotAuthorizedException"}
