"""The customer notifier's definition, executed by moto's Step Functions interpreter
against moto's DynamoDB, SES v2 (through the aws-sdk integration) and SNS, with the
SES identity and configuration set the program declares. Its input is each event as
EventBridge delivers it (put on the bus, captured by the test's rule)."""

import json
import os
import uuid
from decimal import Decimal

import boto3
import pytest

from localcloud.emulator_server import sent_emails
from shop_common.contracts import EVENTS, SCHEMA_VERSION, DetailType
from tests.functions.conftest import BUS, PROGRAM, TABLES, assert_valid_event
from tests.samples import ADDRESS
from workflows.customer_notifier import MESSAGES, definition, marker

[IDENTITY] = PROGRAM.of_type("aws:sesv2/emailIdentity:EmailIdentity")
[CONFIGURATION_SET] = PROGRAM.of_type("aws:sesv2/configurationSet:ConfigurationSet")
SENDER = json.loads(PROGRAM.named("customer-notifier-state-machine").inputs["definition"])[
    "States"
]["SendEmail"]["Parameters"]["FromEmailAddress"]
# What each event's data holds besides the ids (contracts.py EVENTS).
EXTRA_DATA = {
    DetailType.ORDER_PAID: {"totalPrice": 42.5},
    DetailType.ORDER_PAYMENT_FAILED: {"reason": "card_declined"},
    DetailType.ORDER_REJECTED: {"reason": "out_of_stock", "productIds": [str(uuid.uuid4())]},
    DetailType.ORDER_CANCELLED: {},
    DetailType.ORDER_REFUNDED: {"refundedAmount": 42.5, "currency": "EUR"},
    DetailType.ORDER_SHIPPED: {"carrier": "DHL", "trackingNumber": "JD0146-0003"},
}


class Notifier:
    def __init__(self, shop):
        self.shop = shop
        sesv2 = boto3.client("sesv2")
        configuration_set = CONFIGURATION_SET.inputs["configurationSetName"]
        suppressed = CONFIGURATION_SET.inputs["suppressionOptions"]["suppressedReasons"]
        sesv2.create_configuration_set(
            ConfigurationSetName=configuration_set,
            SuppressionOptions={"SuppressedReasons": suppressed},
        )
        sesv2.create_email_identity(
            EmailIdentity=IDENTITY.inputs["emailIdentity"], ConfigurationSetName=configuration_set
        )
        sns, sqs = boto3.client("sns"), shop.sqs
        self.topic_arn = sns.create_topic(Name="order-notifications-test")["TopicArn"]
        self.outcomes_url = sqs.create_queue(QueueName="outcomes")["QueueUrl"]
        sns.subscribe(
            TopicArn=self.topic_arn, Protocol="sqs", Endpoint=shop._queue_arn(self.outcomes_url)
        )
        self.arn = shop.sfn.create_state_machine(
            name="customer-notifier",
            type="EXPRESS",
            roleArn="arn:aws:iam::123456789012:role/customer-notifier",
            definition=json.dumps(
                definition(
                    orders_table=TABLES["orders"],
                    topic_arn=self.topic_arn,
                    sender=SENDER,
                    configuration_set=configuration_set,
                )
            ),
        )["stateMachineArn"]

    def place(self, email: str = "ada@example.com", total: str = "42.5") -> str:
        order_id = str(uuid.uuid4())
        boto3.resource("dynamodb").Table(TABLES["orders"]).put_item(
            Item={
                "orderId": order_id,
                "userId": "ada",
                "status": "PAID",
                "email": email,
                "totalPrice": Decimal(total),
                "currency": "EUR",
                "shippingAddress": ADDRESS,
                "items": [],
                "createdAt": "2026-11-23T10:00:00.000Z",
                "updatedAt": "2026-11-23T10:00:00.000Z",
            }
        )
        return order_id

    def event(self, detail_type: DetailType, order_id: str) -> dict:
        """The event as EventBridge delivers it to the rule's target."""
        data = {"orderId": order_id, "userId": "ada", **EXTRA_DATA[detail_type]}
        detail = {
            "metadata": {
                "eventId": str(uuid.uuid4()),
                "correlationId": order_id,
                "version": SCHEMA_VERSION,
            },
            "data": data,
        }
        self.shop.events.put_events(
            Entries=[
                {
                    "EventBusName": BUS,
                    "Source": EVENTS[detail_type].source.value,
                    "DetailType": detail_type.value,
                    "Detail": json.dumps(detail),
                }
            ]
        )
        [delivered] = [
            e
            for e in self.shop.published_of(detail_type.value)
            if e["detail"]["data"]["orderId"] == order_id
        ]
        assert_valid_event(delivered)
        return delivered

    def run(self, event: dict, name: str | None = None) -> dict:
        arn = self.shop.sfn.start_execution(
            stateMachineArn=self.arn, name=name or str(uuid.uuid4()), input=json.dumps(event)
        )["executionArn"]
        return self.shop.finished(arn)

    def emails(self) -> list[dict]:
        return sent_emails(os.environ["AWS_DEFAULT_REGION"], 0)

    def outcomes(self) -> list[dict]:
        received = []
        while batch := self.shop.sqs.receive_message(
            QueueUrl=self.outcomes_url, MaxNumberOfMessages=10
        ).get("Messages", []):
            for message in batch:
                received.append(json.loads(message["Body"]))
                self.shop.sqs.delete_message(
                    QueueUrl=self.outcomes_url, ReceiptHandle=message["ReceiptHandle"]
                )
        return received


@pytest.fixture
def notifier(shop) -> Notifier:
    return Notifier(shop)


@pytest.mark.parametrize("detail_type", list(MESSAGES))
def test_each_outcome_sends_one_email_to_the_customer_and_publishes_it(notifier, detail_type):
    order_id = notifier.place(email="grace@example.com")

    execution = notifier.run(notifier.event(detail_type, order_id))

    assert execution["status"] == "SUCCEEDED", execution.get("error")
    [email] = notifier.emails()
    assert email["to"] == ["grace@example.com"]
    assert email["sender"] == SENDER
    assert email["subject"] == MESSAGES[detail_type].subject
    assert order_id in email["body"]
    [outcome] = notifier.outcomes()
    assert outcome["Subject"] == email["subject"]
    assert outcome["Message"] == email["body"]
    assert {k: v["Value"] for k, v in outcome["MessageAttributes"].items()} == {
        "eventType": detail_type.value,
        "email": "grace@example.com",
    }
    assert notifier.shop.order(order_id)[marker(detail_type)]


def test_the_email_is_built_from_the_order_and_the_event(notifier):
    paid = notifier.place(total="1234.5")
    failed = notifier.place()

    notifier.run(notifier.event(DetailType.ORDER_PAID, paid))
    notifier.run(notifier.event(DetailType.ORDER_PAYMENT_FAILED, failed))

    paid_email, failed_email = notifier.emails()
    assert "1234.5 EUR" in paid_email["body"]
    assert "card_declined" in failed_email["body"]


def test_a_second_execution_for_the_same_outcome_sends_nothing(notifier):
    order_id = notifier.place()
    event = notifier.event(DetailType.ORDER_PAID, order_id)
    notifier.run(event)
    notifier.outcomes()

    again = notifier.run(event)  # EXPRESS: another execution, the same event

    assert again["status"] == "SUCCEEDED"
    assert len(notifier.emails()) == 1
    assert notifier.outcomes() == []


def test_each_outcome_of_one_order_is_notified_once(notifier):
    order_id = notifier.place()

    notifier.run(notifier.event(DetailType.ORDER_PAID, order_id))
    notifier.run(notifier.event(DetailType.ORDER_CANCELLED, order_id))

    assert [e["subject"] for e in notifier.emails()] == [
        MESSAGES[DetailType.ORDER_PAID].subject,
        MESSAGES[DetailType.ORDER_CANCELLED].subject,
    ]


def test_an_unknown_order_ends_in_order_not_found_and_sends_nothing(notifier):
    event = notifier.event(DetailType.ORDER_PAID, str(uuid.uuid4()))

    execution = notifier.run(event)

    assert (execution["status"], execution["error"]) == ("FAILED", "OrderNotFound")
    assert notifier.emails() == []
    assert notifier.outcomes() == []


def test_an_email_that_cannot_be_sent_gives_the_claim_back(notifier):
    boto3.client("sesv2").delete_email_identity(EmailIdentity=IDENTITY.inputs["emailIdentity"])
    order_id = notifier.place()

    execution = notifier.run(notifier.event(DetailType.ORDER_PAID, order_id))

    assert (execution["status"], execution["error"]) == ("FAILED", "EmailNotSent")
    assert marker(DetailType.ORDER_PAID) not in notifier.shop.order(order_id)
    assert notifier.outcomes() == []


def test_the_definition_uses_no_lambda_and_every_task_retries_and_catches():
    states = definition(
        orders_table="t", topic_arn="arn:aws:sns:x", sender="o@x.example", configuration_set="c"
    )["States"]
    tasks = {name: s for name, s in states.items() if s["Type"] == "Task"}

    assert set(tasks) == {
        "LoadOrder",
        "ClaimNotification",
        "SendEmail",
        "ReleaseClaim",
        "PublishOutcome",
    }
    for name, task in tasks.items():
        assert task["Resource"].startswith("arn:aws:states:::"), name
        assert "lambda" not in task["Resource"], name
        assert task["Retry"][0]["MaxAttempts"] >= 2, name
        assert any("States.ALL" in c["ErrorEquals"] for c in task["Catch"]), name
    assert states["ClaimNotification"]["Parameters"]["ConditionExpression"] == (
        "attribute_exists(orderId) AND attribute_not_exists(#marker)"
    )
