"""The reviews' state machines (workflows/reviews.py, workflows/customer_service.py),
executed by moto's Step Functions interpreter against moto's DynamoDB (the program's
reviews table), Comprehend (the local cloud's sentiment stand-in, applied with the
fidelity patches), Cognito and SES v2 through the AWS SDK integration, SNS and
EventBridge. Their input is each event as EventBridge delivers it (put on the bus,
captured by the test's rule). The review and case items the GraphQL resolvers write are
written here as they write them (shop_common/review_items.py)."""

import json
import os
import time
import uuid

import boto3
import pytest

from localcloud.emulator_server import sent_emails
from shop_common import review_items as items
from shop_common.contracts import (
    CUSTOMER_SERVICE,
    EVENTS,
    REVIEW_THANKS,
    SCHEMA_VERSION,
    DetailType,
    rule_pattern,
)
from tests.functions.conftest import BUS, PROGRAM, assert_valid_event
from workflows import customer_service, reviews
from workflows.customer_service import APOLOGY

TABLE = PROGRAM.outputs["reviewsTableName"]
[IDENTITY] = PROGRAM.of_type("aws:sesv2/emailIdentity:EmailIdentity")
[CONFIGURATION_SET] = PROGRAM.of_type("aws:sesv2/configurationSet:ConfigurationSet")
SENDER = json.loads(PROGRAM.named("customer-notifier-state-machine").inputs["definition"])[
    "States"
]["SendEmail"]["Parameters"]["FromEmailAddress"]
ROLE = "arn:aws:iam::123456789012:role/reviews"
POSITIVE = "Great lamp, I love it"
NEGATIVE = "It arrived broken. Terrible."


class Reviews:
    """The reviews' AWS side in moto, and their state machines from the real definitions."""

    def __init__(self, shop, escalation: int = 1, timeout: int = 30):
        self.shop = shop
        self.dynamodb = boto3.client("dynamodb")
        sesv2 = boto3.client("sesv2")
        configuration_set = CONFIGURATION_SET.inputs["configurationSetName"]
        sesv2.create_configuration_set(ConfigurationSetName=configuration_set)
        sesv2.create_email_identity(
            EmailIdentity=IDENTITY.inputs["emailIdentity"], ConfigurationSetName=configuration_set
        )
        cognito = boto3.client("cognito-idp")
        self.pool = cognito.create_user_pool(PoolName="shop", UsernameAttributes=["email"])[
            "UserPool"
        ]["Id"]
        self.reviewer = cognito.admin_create_user(
            UserPoolId=self.pool,
            Username="ada@example.com",
            UserAttributes=[{"Name": "email", "Value": "ada@example.com"}],
        )["User"]["Username"]  # the pool's username is the user's sub
        sns = boto3.client("sns")
        self.topics, self.heard = {}, {}
        for name in ("support", "ops"):
            self.topics[name] = sns.create_topic(Name=f"{name}-test")["TopicArn"]
            self.heard[name] = shop.sqs.create_queue(QueueName=f"{name}-heard")["QueueUrl"]
            sns.subscribe(
                TopicArn=self.topics[name],
                Protocol="sqs",
                Endpoint=shop._queue_arn(self.heard[name]),
            )
        self.analysis = self._machine(
            "analysis",
            "EXPRESS",
            reviews.analysis(reviews_table=TABLE, event_bus=BUS, language="en"),
        )
        self.thanks = self._machine(
            "thanks",
            "EXPRESS",
            reviews.thanks(
                reviews_table=TABLE,
                user_pool_id=self.pool,
                sender=SENDER,
                configuration_set=configuration_set,
            ),
        )
        self.customer_service = self._machine(
            "customer-service",
            "STANDARD",
            customer_service.definition(
                reviews_table=TABLE,
                event_bus=BUS,
                support_topic_arn=self.topics["support"],
                ops_topic_arn=self.topics["ops"],
                user_pool_id=self.pool,
                sender=SENDER,
                configuration_set=configuration_set,
                escalation_seconds=escalation,
                timeout_seconds=timeout,
            ),
        )
        self.resumer = self._machine(
            "resumer", "EXPRESS", customer_service.resumer(reviews_table=TABLE)
        )

    def _machine(self, name: str, kind: str, definition: dict) -> str:
        return self.shop.sfn.create_state_machine(
            name=name, type=kind, roleArn=ROLE, definition=json.dumps(definition)
        )["stateMachineArn"]

    # -- what the GraphQL resolvers write -------------------------------------------------

    def submitted(self, text: str, rating: int = 4, title: str = "My lamp") -> dict:
        """A review as submitReview stores it, and its ReviewSubmitted as delivered."""
        review = {
            "reviewId": str(uuid.uuid4()),
            "productId": str(uuid.uuid4()),
            "userId": self.reviewer,
            "rating": rating,
            "title": title,
            "text": text,
            "createdAt": "2026-12-01T10:00:00.000Z",
        }
        boto3.resource("dynamodb").Table(TABLE).put_item(
            Item={items.PARTITION_KEY: review["reviewId"], items.SORT_KEY: items.REVIEW, **review}
        )
        data = {k: review[k] for k in ("reviewId", "productId", "userId", "rating")}
        return self.event(DetailType.REVIEW_SUBMITTED, data)

    def resolve(self, case_id: str, resolution: str) -> None:
        """What resolveCase writes (the case RESOLVED; CaseResolved goes with it)."""
        self.dynamodb.update_item(
            TableName=TABLE,
            Key=self.key(case_id, items.CASE),
            UpdateExpression="SET #status = :resolved, resolution = :resolution",
            ConditionExpression="#status IN (:open, :escalated)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":resolved": {"S": "RESOLVED"},
                ":resolution": {"S": resolution},
                ":open": {"S": "OPEN"},
                ":escalated": {"S": "ESCALATED"},
            },
        )

    # -- events, executions, and what they leave ------------------------------------------

    def event(self, detail_type: DetailType, data: dict) -> dict:
        """The event as EventBridge delivers it to a rule's target."""
        detail = {
            "metadata": {
                "eventId": str(uuid.uuid4()),
                "correlationId": data["reviewId"],
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
        return self.published(detail_type, data["reviewId"])

    def published(self, detail_type: DetailType, review_id: str) -> dict:
        [delivered] = self.all_published(detail_type, review_id)
        return delivered

    def all_published(self, detail_type: DetailType, review_id: str) -> list[dict]:
        found = [
            e
            for e in self.shop.published_of(detail_type.value)
            if e["detail"]["data"]["reviewId"] == review_id
        ]
        for event in found:
            assert_valid_event(event)
        return found

    def start(self, machine: str, event: dict) -> str:
        return self.shop.sfn.start_execution(
            stateMachineArn=machine, name=str(uuid.uuid4()), input=json.dumps(event)
        )["executionArn"]

    def run(self, machine: str, event: dict) -> dict:
        return self.shop.finished(self.start(machine, event))

    def analysed(self, text: str, rating: int = 4) -> dict:
        """A review submitted and analysed: its ReviewAnalysed."""
        submitted = self.submitted(text, rating)
        assert self.run(self.analysis, submitted)["status"] == "SUCCEEDED"
        return self.published(DetailType.REVIEW_ANALYSED, submitted["detail"]["data"]["reviewId"])

    @staticmethod
    def key(partition: str, kind: str) -> dict:
        return {items.PARTITION_KEY: {"S": partition}, items.SORT_KEY: {"S": kind}}

    def item(self, partition: str, kind: str) -> dict | None:
        found = self.dynamodb.get_item(
            TableName=TABLE, Key=self.key(partition, kind), ConsistentRead=True
        ).get("Item")
        return {k: next(iter(v.values())) for k, v in found.items()} if found else None

    def case_when(self, case_id: str, condition, timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            case = self.item(case_id, items.CASE)
            if case and condition(case):
                return case
            time.sleep(0.05)
        raise AssertionError(f"case {case_id}: {self.item(case_id, items.CASE)}")

    def heard_by(self, topic: str) -> list[dict]:
        received = []
        while batch := self.shop.sqs.receive_message(
            QueueUrl=self.heard[topic], MaxNumberOfMessages=10
        ).get("Messages", []):
            for message in batch:
                received.append(json.loads(message["Body"]))
                self.shop.sqs.delete_message(
                    QueueUrl=self.heard[topic], ReceiptHandle=message["ReceiptHandle"]
                )
        return received

    @staticmethod
    def emails() -> list[dict]:
        return sent_emails(os.environ["AWS_DEFAULT_REGION"], 0)

    def states_entered(self, execution_arn: str) -> list[str]:
        history = self.shop.sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)
        return [
            e["stateEnteredEventDetails"]["name"]
            for e in history["events"]
            if "stateEnteredEventDetails" in e
        ]


@pytest.fixture
def make(shop):
    """The reviews' machines, the customer-service one with these waits (seconds)."""
    return lambda escalation=1, timeout=30: Reviews(shop, escalation, timeout)


@pytest.fixture
def review(make) -> Reviews:
    return make()


# --- the analysis ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        (POSITIVE, "POSITIVE"),
        (NEGATIVE, "NEGATIVE"),
        ("Great colour, broken switch", "MIXED"),
        ("A lamp", "NEUTRAL"),
    ],
)
def test_a_review_is_analysed_stored_and_published(review, text, sentiment):
    submitted = review.submitted(text)
    review_id = submitted["detail"]["data"]["reviewId"]

    execution = review.run(review.analysis, submitted)

    assert execution["status"] == "SUCCEEDED", execution.get("error")
    stored = review.item(review_id, items.REVIEW)
    assert stored["sentiment"] == sentiment
    assert stored["analysedAt"]
    analysed = review.published(DetailType.REVIEW_ANALYSED, review_id)
    assert analysed["source"] == EVENTS[DetailType.REVIEW_ANALYSED].source.value
    data = analysed["detail"]["data"]
    assert data["sentiment"] == sentiment
    assert data["productId"] == submitted["detail"]["data"]["productId"]
    assert max(data["scores"], key=data["scores"].get) == sentiment.lower()
    assert analysed["detail"]["metadata"]["correlationId"] == review_id


def test_a_review_analysed_before_is_neither_analysed_nor_published_again(review):
    submitted = review.submitted(POSITIVE)
    review_id = submitted["detail"]["data"]["reviewId"]
    review.run(review.analysis, submitted)
    first = review.item(review_id, items.REVIEW)["analysedAt"]

    again = review.run(review.analysis, submitted)  # EXPRESS, or a redelivery

    assert again["status"] == "SUCCEEDED"
    assert "AlreadyAnalysed" in review.states_entered(again["executionArn"])
    assert review.item(review_id, items.REVIEW)["analysedAt"] == first
    assert len(review.all_published(DetailType.REVIEW_ANALYSED, review_id)) == 1


@pytest.mark.parametrize(
    ("text", "routed_to"),
    [(POSITIVE, REVIEW_THANKS), (NEGATIVE, CUSTOMER_SERVICE), ("A lamp", REVIEW_THANKS)],
)
def test_the_rules_route_review_analysed_by_its_sentiment(review, text, routed_to):
    """The events table's patterns (DATA_FILTERS), as EventBridge matches them."""
    sqs, events = review.shop.sqs, review.shop.events
    queues = {}
    for consumer in (REVIEW_THANKS, CUSTOMER_SERVICE):
        queues[consumer] = sqs.create_queue(QueueName=f"{consumer}-routed")["QueueUrl"]
        events.put_rule(
            Name=consumer, EventBusName=BUS, EventPattern=json.dumps(rule_pattern(consumer))
        )
        events.put_targets(
            Rule=consumer,
            EventBusName=BUS,
            Targets=[{"Id": consumer, "Arn": review.shop._queue_arn(queues[consumer])}],
        )

    review.analysed(text)

    routed = {c: sqs.receive_message(QueueUrl=q).get("Messages", []) for c, q in queues.items()}
    assert {c for c, messages in routed.items() if messages} == {routed_to}


# --- the thank-you ----------------------------------------------------------------------


def test_a_review_that_is_not_negative_thanks_the_reviewer_once(review):
    analysed = review.analysed(POSITIVE)

    first = review.run(review.thanks, analysed)
    again = review.run(review.thanks, analysed)  # a redelivery: EXPRESS does not dedupe

    assert first["status"] == again["status"] == "SUCCEEDED"
    [email] = review.emails()
    assert email["to"] == ["ada@example.com"]  # from the user pool, not the review
    assert email["sender"] == SENDER
    assert email["subject"] == reviews.THANKS.subject
    assert "My lamp" in email["body"]
    stored = review.item(analysed["detail"]["data"]["reviewId"], items.REVIEW)
    assert stored["thankedAt"]
    assert "email" not in stored  # the address is read when it is sent, never stored


def test_thanks_that_cannot_be_sent_are_given_back(review):
    analysed = review.analysed(POSITIVE)
    review_id = analysed["detail"]["data"]["reviewId"]
    boto3.client("cognito-idp").admin_delete_user(UserPoolId=review.pool, Username=review.reviewer)

    failed = review.run(review.thanks, analysed)

    assert failed["status"] == "FAILED"
    assert failed["error"] == "ThanksNotSent"
    assert "thankedAt" not in review.item(review_id, items.REVIEW)
    assert review.emails() == []


# --- customer service: a case per negative review -------------------------------------------


def opened(review: Reviews, text: str = NEGATIVE) -> tuple[str, str]:
    """A negative review analysed and its customer-service execution started: the case
    id and the execution, once the case waits with its token."""
    analysed = review.analysed(text, rating=1)
    execution = review.start(review.customer_service, analysed)
    case_id = analysed["detail"]["data"]["reviewId"]
    review.case_when(case_id, lambda case: "taskToken" in case)
    return case_id, execution


def resolved(review: Reviews, case_id: str) -> dict:
    """resolveCase's writes, then the case resumer on its CaseResolved."""
    case = review.item(case_id, items.CASE)
    review.resolve(case_id, "We are sending you a new lamp.")
    event = review.event(
        DetailType.CASE_RESOLVED,
        {"caseId": case_id, "reviewId": case_id, "productId": case["productId"]},
    )
    return review.run(review.resumer, event)


def test_a_negative_review_opens_a_case_tells_support_and_waits(make):
    review = make(escalation=20, timeout=40)
    case_id, execution = opened(review)

    case = review.item(case_id, items.CASE)
    assert case["status"] == "OPEN"
    assert case["caseId"] == case["reviewId"] == case_id
    assert (case["rating"], case["title"], case["text"]) == ("1", "My lamp", NEGATIVE)
    assert review.shop.sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    opened_event = review.published(DetailType.CASE_OPENED, case_id)
    assert opened_event["detail"]["data"]["caseId"] == case_id
    [told] = review.heard_by("support")
    assert case_id in told["Subject"]
    assert "1/5" in told["Message"]
    review.resolve(case_id, "done")  # so the waiting execution ends with the test
    resolved_now = review.run(
        review.resumer,
        review.event(
            DetailType.CASE_RESOLVED,
            {"caseId": case_id, "reviewId": case_id, "productId": case["productId"]},
        ),
    )
    assert resolved_now["status"] == "SUCCEEDED"


def test_resolving_the_case_releases_the_waiting_execution_which_apologises(make):
    """The resolve path the design relies on: resolveCase's CaseResolved → the case
    resumer → SendTaskSuccess with the stored token → the waiting execution goes on."""
    review = make(escalation=20, timeout=40)  # no escalation meanwhile
    case_id, execution = opened(review)

    resumed = resolved(review, case_id)

    assert resumed["status"] == "SUCCEEDED", resumed.get("error")
    assert "Resume" in review.states_entered(resumed["executionArn"])
    done = review.shop.finished(execution)
    assert done["status"] == "SUCCEEDED", done.get("error")
    assert review.states_entered(execution)[-1] == "Apologised"
    [apology] = review.emails()
    assert apology["to"] == ["ada@example.com"]
    assert apology["subject"] == APOLOGY.subject
    assert "We are sending you a new lamp." in apology["body"]
    assert "My lamp" in apology["body"]
    assert review.heard_by("ops") == []  # never escalated


def test_a_case_no_admin_resolved_in_time_is_escalated_ops_are_told_and_it_waits_again(review):
    case_id, execution = opened(review)  # escalates after 1 s

    escalated = review.case_when(
        case_id, lambda case: case["status"] == "ESCALATED" and "taskToken" in case
    )

    assert escalated["escalatedAt"]
    [told] = review.heard_by("ops")
    assert told["Subject"] == f"Case {case_id} is escalated"
    assert review.shop.sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    assert resolved(review, case_id)["status"] == "SUCCEEDED"
    assert review.shop.finished(execution)["status"] == "SUCCEEDED"
    [apology] = review.emails()
    assert "We are sending you a new lamp." in apology["body"]


def test_a_case_never_resolved_is_closed_and_ops_are_told(make):
    review = make(escalation=1, timeout=3)
    case_id, execution = opened(review)

    done = review.shop.finished(execution)

    assert done["status"] == "SUCCEEDED"
    case = review.item(case_id, items.CASE)
    assert case["status"] == "CLOSED"
    assert case["closedAt"]
    assert "taskToken" not in case
    assert ["escalated" in m["Subject"] for m in review.heard_by("ops")] == [True, False]
    assert review.emails() == []  # no apology without a resolution


def test_a_case_resolved_while_no_execution_waits_is_found_resolved_and_apologised_for(make):
    """resolveCase's event was not delivered (or came between the waits): at the next
    escalation the workflow finds the case RESOLVED itself."""
    review = make(escalation=2, timeout=30)
    case_id, execution = opened(review)

    review.resolve(case_id, "Refunded in full.")  # no CaseResolved, no resumer

    done = review.shop.finished(execution)
    assert done["status"] == "SUCCEEDED"
    assert "Escalate" in review.states_entered(execution)
    assert review.item(case_id, items.CASE)["status"] == "RESOLVED"  # not escalated over it
    [apology] = review.emails()
    assert "Refunded in full." in apology["body"]
    assert review.heard_by("ops") == []


def test_a_token_no_execution_waits_on_ends_the_resumer_quietly(make):
    review = make(escalation=1, timeout=3)
    case_id, execution = opened(review)
    token = review.item(case_id, items.CASE)["taskToken"]
    review.shop.finished(execution)  # closed: no one waits on the token any more
    review.dynamodb.update_item(  # as if the resumer read the case before it closed
        TableName=TABLE,
        Key=review.key(case_id, items.CASE),
        UpdateExpression="SET taskToken = :token",
        ExpressionAttributeValues={":token": {"S": token}},
    )
    case = review.item(case_id, items.CASE)

    resumed = review.run(
        review.resumer,
        review.event(
            DetailType.CASE_RESOLVED,
            {"caseId": case_id, "reviewId": case_id, "productId": case["productId"]},
        ),
    )

    assert resumed["status"] == "SUCCEEDED", resumed.get("error")
    assert review.states_entered(resumed["executionArn"])[-1] == "NotWaiting"


def test_a_second_execution_for_the_same_review_leaves_the_case_to_the_first(make):
    review = make(escalation=20, timeout=40)
    case_id, first = opened(review)
    analysed = review.published(DetailType.REVIEW_ANALYSED, case_id)

    second = review.run(review.customer_service, analysed)

    assert second["status"] == "SUCCEEDED"
    assert review.states_entered(second["executionArn"])[-1] == "CaseAlreadyOpen"
    assert len(review.all_published(DetailType.CASE_OPENED, case_id)) == 1
    assert resolved(review, case_id)["status"] == "SUCCEEDED"
    assert review.shop.finished(first)["status"] == "SUCCEEDED"
    assert len(review.emails()) == 1
