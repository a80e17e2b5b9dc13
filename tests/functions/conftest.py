"""Function tests: real handlers, real event shapes, real boto3 calls against moto."""

import importlib
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import pytest
from moto import mock_aws

from localcloud.lambda_events import LambdaContext, http_api_event, sqs_event, sqs_record
from shop_common import settings
from workflows.order_workflow import definition

ROOT = Path(__file__).resolve().parents[2]
EVENT_SCHEMAS = ROOT / "schemas" / "events"
BUS = "shop-test"
TABLES = {"products": "products-test", "baskets": "baskets-test", "orders": "orders-test"}
STATE_MACHINE_NAME = "order-workflow-test"


@dataclass(frozen=True)
class Function:
    handler: str  # module.attribute, as in the Lambda configuration
    environment: dict[str, str] = field(default_factory=dict)


FUNCTIONS = {
    "products": Function("products.api.lambda_handler", {"TABLE_NAME": TABLES["products"]}),
    "basket": Function(
        "basket.api.lambda_handler",
        {"TABLE_NAME": TABLES["baskets"], "PRODUCTS_TABLE_NAME": TABLES["products"]},
    ),
    "basket-events": Function("basket.consumer.lambda_handler", {"TABLE_NAME": TABLES["baskets"]}),
    "orders": Function("ordering.api.lambda_handler", {"TABLE_NAME": TABLES["orders"]}),
    "ordering": Function("ordering.consumer.lambda_handler", {"TABLE_NAME": TABLES["orders"]}),
    "openapi": Function("openapi.api.lambda_handler"),
}


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """The function's environment; settings are read afresh, as in a new execution
    environment (functions read them once, on first use)."""
    saved = dict(os.environ)
    os.environ.update(values)
    settings.forget()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        settings.forget()


def _key_schema(hash_key: str, range_key: str | None = None) -> list[dict]:
    keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    return keys + ([{"AttributeName": range_key, "KeyType": "RANGE"}] if range_key else [])


def _create_table(ddb, name: str, key: str, indexes: dict[str, tuple[str, str]]) -> None:
    attributes = {key} | {a for pair in indexes.values() for a in pair}
    ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=_key_schema(key),
        AttributeDefinitions=[
            {"AttributeName": a, "AttributeType": "S"} for a in sorted(attributes)
        ],
        **(
            {
                "GlobalSecondaryIndexes": [
                    {
                        "IndexName": index,
                        "KeySchema": _key_schema(*pair),
                        "Projection": {"ProjectionType": "ALL"},
                    }
                    for index, pair in indexes.items()
                ]
            }
            if indexes
            else {}
        ),
    )


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)


class Shop:
    """The AWS side of the shop in moto, and a way to invoke its functions."""

    def __init__(self):
        self.region = os.environ["AWS_DEFAULT_REGION"]
        self.dynamodb = boto3.client("dynamodb")
        self.events = boto3.client("events")
        self.sqs = boto3.client("sqs")
        self.sfn = boto3.client("stepfunctions")
        _create_table(
            self.dynamodb,
            TABLES["products"],
            "productId",
            {"byCategory": ("category", "productId")},
        )
        _create_table(self.dynamodb, TABLES["baskets"], "userId", {})
        _create_table(
            self.dynamodb, TABLES["orders"], "orderId", {"byUser": ("userId", "createdAt")}
        )
        self.bus_arn = self.events.create_event_bus(Name=BUS)["EventBusArn"]
        self.capture_url = self.sqs.create_queue(QueueName="captured-events")["QueueUrl"]
        capture_arn = self.sqs.get_queue_attributes(
            QueueUrl=self.capture_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        self.events.put_rule(
            Name="capture-all",
            EventBusName=BUS,
            EventPattern=json.dumps({"source": [{"prefix": "shop."}]}),
        )
        self.events.put_targets(
            Rule="capture-all", EventBusName=BUS, Targets=[{"Id": "capture", "Arn": capture_arn}]
        )
        self.state_machine_arn: str | None = None
        self._captured: list[dict] = []

    def environment_of(self, function: str) -> dict[str, str]:
        env = {"EVENT_BUS_NAME": BUS, "CURRENCY": "USD", **FUNCTIONS[function].environment}
        if self.state_machine_arn:
            env["STATE_MACHINE_ARN"] = self.state_machine_arn
        return env

    def invoke(self, function: str, event: dict) -> Any:
        module_name, attribute = FUNCTIONS[function].handler.rsplit(".", 1)
        handler = getattr(importlib.import_module(module_name), attribute)
        with environment(self.environment_of(function)):
            return handler(event, LambdaContext(function_name=function))

    def request(
        self,
        function: str,
        method: str,
        path: str,
        *,
        user: str | None = None,
        groups: tuple[str, ...] = (),
        body: Any = None,
        query: dict[str, str] | None = None,
    ) -> Response:
        claims = None
        if user is not None:
            # API Gateway passes list claims to Lambda as a "[a b]" string.
            claims = {"sub": user, "cognito:groups": f"[{' '.join(groups)}]"}
        raw = body if isinstance(body, str) or body is None else json.dumps(body)
        result = self.invoke(
            function,
            http_api_event(
                method,
                path,
                body=raw,
                claims=claims,
                query=query,
                headers={"content-type": "application/json"},
            ),
        )
        return Response(result["statusCode"], result.get("headers") or {}, result.get("body", ""))

    def deliver(self, function: str, bodies: list[str]) -> dict:
        """An SQS event source mapping batch of these message bodies."""
        queue_arn = f"arn:aws:sqs:{self.region}:123456789012:{function}-queue"
        return self.invoke(
            function, sqs_event([sqs_record(b, queue_arn=queue_arn) for b in bodies])
        )

    def published(self) -> list[dict]:
        """Every event put on the bus so far (EventBridge events, detail included)."""
        while True:
            batch = self.sqs.receive_message(QueueUrl=self.capture_url, MaxNumberOfMessages=10)
            messages = batch.get("Messages", [])
            if not messages:
                return list(self._captured)
            for message in messages:
                self._captured.append(json.loads(message["Body"]))
                self.sqs.delete_message(
                    QueueUrl=self.capture_url, ReceiptHandle=message["ReceiptHandle"]
                )

    def published_of(self, detail_type: str) -> list[dict]:
        return [e for e in self.published() if e["detail-type"] == detail_type]

    def create_workflow(self, payment_limit: float = 1000, failure_rate: float = 0.0) -> str:
        """The real order workflow definition, run by moto's Step Functions interpreter."""
        sns = boto3.client("sns")
        self.topic_arn = sns.create_topic(Name="order-notifications-test")["TopicArn"]
        self.notifications_url = self.sqs.create_queue(QueueName="notifications")["QueueUrl"]
        sns.subscribe(
            TopicArn=self.topic_arn,
            Protocol="sqs",
            Endpoint=self._queue_arn(self.notifications_url),
        )
        self.state_machine_arn = self.sfn.create_state_machine(
            name=STATE_MACHINE_NAME,
            roleArn="arn:aws:iam::123456789012:role/order-workflow",
            definition=json.dumps(
                definition(
                    orders_table=TABLES["orders"],
                    event_bus=BUS,
                    topic_arn=self.topic_arn,
                    payment_limit=payment_limit,
                    payment_failure_rate=failure_rate,
                )
            ),
        )["stateMachineArn"]
        return self.state_machine_arn

    def _queue_arn(self, url: str) -> str:
        return self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]

    def executions(self) -> list[dict]:
        return self.sfn.list_executions(stateMachineArn=self.state_machine_arn)["executions"]

    def finished(self, execution_arn: str, timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            execution = self.sfn.describe_execution(executionArn=execution_arn)
            if execution["status"] != "RUNNING":
                return execution
            time.sleep(0.05)
        raise AssertionError(f"{execution_arn} still running after {timeout}s")

    def all_finished(self) -> list[dict]:
        return [self.finished(e["executionArn"]) for e in self.executions()]

    def notifications(self) -> list[dict]:
        """SNS notifications received so far: subject, message and attributes."""
        received = []
        while batch := self.sqs.receive_message(
            QueueUrl=self.notifications_url, MaxNumberOfMessages=10
        ).get("Messages", []):
            for message in batch:
                received.append(json.loads(message["Body"]))
                self.sqs.delete_message(
                    QueueUrl=self.notifications_url, ReceiptHandle=message["ReceiptHandle"]
                )
        return received

    def order(self, order_id: str) -> dict | None:
        item = self.dynamodb.get_item(
            TableName=TABLES["orders"], Key={"orderId": {"S": order_id}}
        ).get("Item")
        return {k: next(iter(v.values())) for k, v in item.items()} if item else None


@pytest.fixture
def shop() -> Iterator[Shop]:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield Shop()


ADMIN = ("admin",)


def assert_valid_event(event: dict) -> None:
    """The event's detail satisfies its committed JSON Schema (schemas/events/)."""
    schema = json.loads((EVENT_SCHEMAS / f"{event['detail-type']}.json").read_text())
    jsonschema.validate(event["detail"], schema, format_checker=jsonschema.FormatChecker())
