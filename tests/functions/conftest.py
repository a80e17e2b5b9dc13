"""Function tests: real handlers, real event shapes, real boto3 calls against moto."""

import fnmatch
import functools
import importlib
import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import jsonschema
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from localcloud import emulator_patches
from localcloud.lambda_events import LambdaContext, http_api_event, sqs_event, sqs_record
from localcloud.pipes import PipeDefinition, PipePlayer
from localcloud.provisioning import HANDLERS as HANDLERS_BY_TYPE
from localcloud.provisioning import EmulatorMocks
from shop_common import clients, settings
from shop_common.graphql_fields import FIELDS
from tests import ROOT
from tests.infra.helpers import FUNCTION, PIPE, QUEUE, TABLE, statements
from tests.infra.mocks import run_program
from workflows import order_workflow, refund_workflow

EVENT_SCHEMAS = ROOT / "schemas" / "events"
# The program itself, evaluated under the infra tests' mocks: its tables, bus,
# state machine and each function's handler and environment are what the
# function tests build in moto and invoke, so the two cannot drift apart.
PROGRAM = run_program("local")
# moto in this process answers as AWS does where the local cloud's emulator does.
emulator_patches.apply_fidelity()
TABLES = {
    key: PROGRAM.outputs[f"{key}TableName"] for key in ("products", "baskets", "orders", "audit")
}
BUS = PROGRAM.outputs["eventBusName"]
STATE_MACHINE_NAME = PROGRAM.outputs["stateMachineArn"].rsplit(":", 1)[-1]
REFUND_STATE_MACHINE_NAME = PROGRAM.outputs["refundStateMachineArn"].rsplit(":", 1)[-1]
MACHINE = "aws:sfn/stateMachine:StateMachine"
# The tests' names for the functions, and the handler module each one runs.
HANDLERS = {
    "products": "products.api",
    "basket": "basket.api",
    "basket-events": "basket.consumer",
    "orders": "ordering.api",
    "ordering": "ordering.consumer",
    "openapi": "openapi.api",
    "stock": "products.consumer",
    "audit": "audit.api",
}


@dataclass(frozen=True)
class Function:
    handler: str  # module.attribute, as in the Lambda configuration
    environment: dict[str, str] = field(default_factory=dict)


def _function(module: str) -> Function:
    [declared] = [
        f
        for f in PROGRAM.of_type("aws:lambda/function:Function")
        if f.inputs["handler"] == f"{module}.lambda_handler"
    ]
    return Function(declared.inputs["handler"], dict(declared.inputs["environment"]["variables"]))


FUNCTIONS = {name: _function(module) for name, module in HANDLERS.items()}


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


_TABLE_ARNS = {t.outputs["name"]: t.outputs["arn"] for t in PROGRAM.of_type(TABLE)}
_TRANSACTION_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}


def _dynamodb_accesses(operation: str, params: dict) -> list[tuple[str, str]]:
    """(action, resource ARN) of a DynamoDB call, as IAM evaluates it."""
    if operation == "TransactWriteItems":
        return [
            (f"dynamodb:{_TRANSACTION_ACTIONS[kind]}", _TABLE_ARNS[request["TableName"]])
            for item in params["TransactItems"]
            for kind, request in item.items()
        ]
    if operation == "BatchGetItem":
        return [(f"dynamodb:{operation}", _TABLE_ARNS[name]) for name in params["RequestItems"]]
    arn = _TABLE_ARNS[params["TableName"]]
    if params.get("IndexName"):
        arn = f"{arn}/index/{params['IndexName']}"
    return [(f"dynamodb:{operation}", arn)]


def _granted(statements: list[dict], action: str, resource: str) -> bool:
    for statement in statements:
        resources = statement["Resource"]
        for pattern in resources if isinstance(resources, list) else [resources]:
            if action in statement["Action"] and fnmatch.fnmatchcase(resource, pattern):
                return True
    return False


@contextmanager
def granted_only(function: str) -> Iterator[None]:
    """Every DynamoDB call the function makes must be one its role (in the program)
    grants: moto does not evaluate IAM, so each function test checks it here."""
    [declared] = [
        f for f in PROGRAM.of_type(FUNCTION) if f.inputs["handler"] == FUNCTIONS[function].handler
    ]
    role = statements(PROGRAM, declared)

    def check(params: dict, model: Any, **_: Any) -> None:
        for action, resource in _dynamodb_accesses(model.name, params):
            assert _granted(role, action, resource), f"{function} may not {action} {resource}"

    events = clients.dynamodb().meta.events
    events.register("provide-client-params.dynamodb.*", check, unique_id="granted-only")
    try:
        yield
    finally:
        events.unregister("provide-client-params.dynamodb.*", unique_id="granted-only")


@functools.cache
def aws(service: str):
    """One client per service for the whole session: moto intercepts its calls in
    every test's mock, and creating clients is most of a test's set-up."""
    # Stream calls go to account-based endpoints, which moto's in-process mock does not
    # intercept; the plain endpoint is the same service.
    return boto3.client(service, config=Config(account_id_endpoint_mode="disabled"))


class _InProcessMoto:
    """What the local cloud's provisioning handlers need of their mocks, in-process."""

    client = staticmethod(aws)
    physical_name = staticmethod(EmulatorMocks.physical_name)
    queue_visibility_timeout = None

    @staticmethod
    def arn(service: str, resource: str) -> str:
        return f"arn:aws:{service}:{os.environ['AWS_DEFAULT_REGION']}:123456789012:{resource}"


def create_tables() -> dict[str, str]:
    """The program's tables in moto, made by the local cloud's own provisioning; the
    stream ARN moto gave each table with a stream, by the program's."""
    streams = {}
    for table in PROGRAM.of_type("aws:dynamodb/table:Table"):
        _, made = HANDLERS_BY_TYPE[table.typ](
            _InProcessMoto(), table.name, table.inputs | {"name": table.outputs["name"]}
        )
        if "streamArn" in made:
            streams[table.outputs["streamArn"]] = made["streamArn"]
    return streams


def create_pipes(streams: dict[str, str]) -> list[PipePlayer]:
    """The program's pipes in moto (and their DLQs), made by the local cloud's own
    provisioning, and a player of each: the local cloud's, stepped by the tests."""
    players = []
    for pipe in PROGRAM.of_type(PIPE):
        dlq = pipe.inputs["sourceParameters"]["dynamodbStreamParameters"]["deadLetterConfig"]
        [queue] = [q for q in PROGRAM.of_type(QUEUE) if q.outputs["arn"] == dlq["arn"]]
        HANDLERS_BY_TYPE[QUEUE](_InProcessMoto(), queue.name, {"name": queue.outputs["name"]})
        source = streams[pipe.inputs["source"]]
        HANDLERS_BY_TYPE[PIPE](
            _InProcessMoto(),
            pipe.name,
            pipe.inputs | {"name": pipe.outputs["name"], "source": source},
        )
        stored = aws("pipes").describe_pipe(Name=pipe.outputs["name"])
        players.append(
            PipePlayer(
                PipeDefinition.from_description(stored),
                aws("dynamodbstreams"),
                aws("events"),
                aws("sqs"),
                sleep=lambda _: None,  # retries at once: the tests need no backoff
            )
        )
    return players


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
        self.dynamodb = aws("dynamodb")
        self.events = aws("events")
        self.sqs = aws("sqs")
        self.sfn = aws("stepfunctions")
        self.pipes = create_pipes(create_tables())
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
        return FUNCTIONS[function].environment

    def invoke(self, function: str, event: dict) -> Any:
        module_name, attribute = FUNCTIONS[function].handler.rsplit(".", 1)
        handler = getattr(importlib.import_module(module_name), attribute)
        with environment(self.environment_of(function)), granted_only(function):
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
        headers: dict[str, str] | None = None,
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
                headers={"content-type": "application/json", **(headers or {})},
            ),
        )
        return Response(result["statusCode"], result.get("headers") or {}, result.get("body", ""))

    def graphql(
        self,
        function: str,
        field: str,
        arguments: dict[str, Any] | None = None,
        *,
        user: str = "ada",
        groups: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        """A field of the GraphQL API, invoked as appsync/resolvers/lambda.js invokes the
        service's function: its answer, {"data"} or {"error"}."""
        [declared] = [f for f in FIELDS if f.name == field]
        identity = {"sub": user, "username": user, "groups": list(groups) or None}
        payload = {
            "arguments": arguments or {},
            "identity": identity,
            "source": None,
            "info": {"fieldName": field, "parentTypeName": declared.type},
        }
        return self.invoke(function, json.loads(json.dumps(payload)))

    def deliver(self, function: str, bodies: list[str]) -> dict:
        """An SQS event source mapping batch of these message bodies."""
        queue_arn = f"arn:aws:sqs:{self.region}:123456789012:{function}-queue"
        return self.invoke(
            function, sqs_event([sqs_record(b, queue_arn=queue_arn) for b in bodies])
        )

    def play_pipes(self) -> None:
        """Each pipe delivers what its stream holds now, as the local cloud's would."""
        for player in self.pipes:
            player.step()

    def published(self) -> list[dict]:
        """Every event put on the bus so far (EventBridge events, detail included), the
        outboxes' included: their pipes are played first."""
        self.play_pipes()
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
        """The real order and refund workflow definitions, run by moto's Step Functions
        interpreter (the simulated payment provider)."""
        settings = {
            "orders_table": TABLES["orders"],
            "event_bus": BUS,
            "payment_limit": payment_limit,
            "payment_failure_rate": failure_rate,
        }
        self.refund_state_machine_arn = self.sfn.create_state_machine(
            name=REFUND_STATE_MACHINE_NAME,
            roleArn="arn:aws:iam::123456789012:role/order-workflow",
            definition=json.dumps(refund_workflow.definition(**settings)),
        )["stateMachineArn"]
        self.state_machine_arn = self.sfn.create_state_machine(
            name=STATE_MACHINE_NAME,
            roleArn="arn:aws:iam::123456789012:role/order-workflow",
            definition=json.dumps(order_workflow.definition(**settings)),
        )["stateMachineArn"]
        return self.state_machine_arn

    def create_machine(self, output: str) -> str:
        """The program's state machine whose ARN is the stack output `output`, as the
        program defines it (name, type, definition: its tables are this moto's)."""
        declared = PROGRAM.with_output("arn", PROGRAM.outputs[output], MACHINE)
        return self.sfn.create_state_machine(
            name=declared.inputs["name"],
            type=declared.inputs["type"],
            roleArn="arn:aws:iam::123456789012:role/scheduled",
            definition=declared.inputs["definition"],
        )["stateMachineArn"]

    def run(self, machine_arn: str, execution_input: dict | None = None) -> dict:
        """Start an execution of the machine, as its schedule would, and wait for its end."""
        arn = self.sfn.start_execution(
            stateMachineArn=machine_arn,
            name=str(uuid.uuid4()),  # moto needs one (a schedule names each execution too)
            input=json.dumps(execution_input or {}),
        )["executionArn"]
        return self.finished(arn)

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

    def refunds(self) -> list[dict]:
        """The refund workflow's executions, each once finished."""
        listed = self.sfn.list_executions(stateMachineArn=self.refund_state_machine_arn)
        return [self.finished(e["executionArn"]) for e in listed["executions"]]

    def order(self, order_id: str) -> dict | None:
        item = self.dynamodb.get_item(
            TableName=TABLES["orders"], Key={"orderId": {"S": order_id}}
        ).get("Item")
        return {k: next(iter(v.values())) for k, v in item.items()} if item else None


@pytest.fixture
def shop() -> Iterator[Shop]:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield Shop()


@pytest.fixture
def held(shop) -> Shop:
    """The program's state machine as one that settles nothing: placed orders stay PENDING."""
    shop.sfn.create_state_machine(
        name=STATE_MACHINE_NAME,
        roleArn="arn:aws:iam::123456789012:role/order-workflow",
        definition=json.dumps({"StartAt": "Hold", "States": {"Hold": {"Type": "Succeed"}}}),
    )
    return shop


ADMIN = ("admin",)


def assert_valid_event(event: dict) -> None:
    """The event's detail satisfies its committed JSON Schema (schemas/events/)."""
    schema = json.loads((EVENT_SCHEMAS / f"{event['detail-type']}.json").read_text())
    jsonschema.validate(event["detail"], schema, format_checker=jsonschema.FormatChecker())


class Failing:
    """Makes the named call of a client fail `times` times (then pass), as AWS would."""

    def __init__(self, client, operation: str, times: int, code: str = "InternalFailure"):
        self.client, self.operation, self.left, self.code = client, operation, times, code
        self.failed = 0

    def __call__(self, **_):
        if self.left:
            self.left -= 1
            self.failed += 1
            raise ClientError({"Error": {"Code": self.code, "Message": "injected"}}, self.operation)

    def __enter__(self):
        service = self.client.meta.service_model.service_name
        self.client.meta.events.register(f"before-call.{service}.{self.operation}", self)
        return self

    def __exit__(self, *_):
        service = self.client.meta.service_model.service_name
        self.client.meta.events.unregister(f"before-call.{service}.{self.operation}", self)
