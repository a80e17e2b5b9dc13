"""The local cloud: emulator, provisioning, workers, gateway, pollers, outbox,
seed data, demo users; started in that order and stopped in reverse."""

import contextlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import boto3
from boto3.dynamodb.types import TypeSerializer
from botocore.config import Config

from localcloud.emulator import Emulator
from localcloud.gateway import Api, Gateway
from localcloud.outbox import Outbox
from localcloud.pollers import Mapping, Poller
from localcloud.provisioner import (
    LOCAL_USER_AGENT_APP_ID,
    NOT_ENFORCED,
    Deployment,
    EmulatorMocks,
    provision,
    stack_region,
)
from localcloud.workers import DEFAULT_CONCURRENCY, Console, Workers

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "LocalShop-2026"  # noqa: S105 - a documented demo password for the emulator
DEMO_USERS = {"customer": "customer@example.com", "admin": "admin@example.com"}
SEED_PRODUCTS = Path(__file__).with_name("seed_products.json")


@dataclass
class Options:
    stack: str = "local"
    host: str = "127.0.0.1"
    api_port: int = 3000
    aws_port: int = 4566
    state_dir: Path = field(default_factory=lambda: ROOT / ".localcloud")
    queue_visibility_timeout: int | None = None
    seed: bool = True

    def __post_init__(self):
        # Workers run in their own directories: every path handed to them is absolute.
        self.state_dir = Path(self.state_dir).resolve()


def _shared_prefix(names: list[str]) -> str:
    """The words (up to a '-') that every name starts with: 'shop-local-'."""
    if len(names) < 2:
        return ""
    first, last = min(names), max(names)
    same = next(
        (i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), len(first)
    )
    return first[: first.rfind("-", 0, same) + 1]


def _maximum_concurrency(mapping_inputs: dict) -> int | None:
    maximum = (mapping_inputs.get("scalingConfig") or {}).get("maximumConcurrency")
    return int(maximum) if maximum is not None else None


class LocalCloud:
    def __init__(self, options: Options, console: Console | None = None):
        self.options = options
        self.console = console or Console()
        self.region = stack_region(options.stack)
        self.emulator: Emulator | None = None
        self.gateway: Gateway | None = None
        self.workers: Workers | None = None
        self.pollers: list[Poller] = []
        self.outbox: Outbox | None = None
        self.deployment: Deployment | None = None
        self.outputs: dict = {}

    def client(self, service: str):
        return boto3.client(
            service,
            endpoint_url=self.emulator.url,
            region_name=self.region,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106
            # Shared by every poller's batches in flight and the outbox.
            config=Config(user_agent_appid=LOCAL_USER_AGENT_APP_ID, max_pool_connections=64),
        )

    # -- start -----------------------------------------------------------------------------

    def start(self) -> dict:
        options = self.options
        state = options.state_dir
        state.mkdir(parents=True, exist_ok=True)
        self.emulator = Emulator(options.host, options.aws_port, state / "emulator.log")
        gateway_url = f"http://{options.host}:{options.api_port}/"
        mocks = EmulatorMocks(
            f"http://{options.host}:{options.aws_port}",
            self.region,
            gateway_url,
            options.queue_visibility_timeout,
        )
        clients = mocks.prepare_clients()  # while the emulator boots
        self.emulator.start()
        clients.join()
        self.deployment = provision(mocks, options.stack)

        functions = {
            r.outputs["name"]: Path(r.outputs["archivePath"])
            for r in self.deployment.of_type("aws:lambda/function:Function")
        }
        mappings = self.mappings()
        mapping_concurrency: dict[str, list[int | None]] = {}
        for mapping in mappings:
            mapping_concurrency.setdefault(mapping.function_arn, []).append(
                mapping.maximum_concurrency
            )
        self.workers = Workers(
            self.client("lambda"),
            functions,
            state,
            self.emulator.url,
            self.region,
            self.console,
            mapping_concurrency,
        )
        [api] = self.deployment.of_type("aws:apigatewayv2/api:Api")
        self.gateway = Gateway(
            options.host,
            options.api_port,
            Api.from_emulator(self.client("apigatewayv2"), api.id, self.emulator.url),
            self.workers.invoke,
            self.console,
        )
        self.gateway.start()
        sqs = self.client("sqs")
        for mapping in mappings:
            poller = Poller(mapping, sqs, self.workers.invoke, self.console)
            poller.start()
            self.pollers.append(poller)
        topics = [t.outputs["arn"] for t in self.deployment.of_type("aws:sns/topic:Topic")]
        self.outbox = Outbox(sqs, self.client("sns"), topics, state / "outbox.jsonl", self.console)
        self.outbox.start()
        if options.seed:
            self.seed_products()
        self.create_demo_users()
        self.outputs = self.deployment.outputs | {
            "awsEndpointUrl": self.emulator.url,
            "region": self.region,
            "stack": options.stack,
            "demoUsers": DEMO_USERS,
            "demoPassword": DEMO_PASSWORD,
        }
        (state / "outputs.json").write_text(json.dumps(self.outputs, indent=2) + "\n")
        return self.outputs

    def mappings(self) -> list[Mapping]:
        queues = {
            q.outputs["arn"]: q.outputs["url"]
            for q in self.deployment.of_type("aws:sqs/queue:Queue")
        }
        return [
            Mapping(
                queue_arn=m.inputs["eventSourceArn"],
                queue_url=queues[m.inputs["eventSourceArn"]],
                function_arn=m.inputs["functionName"],
                batch_size=int(m.inputs.get("batchSize", 10)),
                batching_window_seconds=int(m.inputs.get("maximumBatchingWindowInSeconds", 0)),
                report_batch_item_failures="ReportBatchItemFailures"
                in m.inputs.get("functionResponseTypes", []),
                maximum_concurrency=_maximum_concurrency(m.inputs),
            )
            for m in self.deployment.of_type("aws:lambda/eventSourceMapping:EventSourceMapping")
        ]

    def seed_products(self) -> None:
        table = self.deployment.outputs["productsTableName"]
        dynamodb = self.client("dynamodb")
        serializer = TypeSerializer()
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        for product in json.loads(SEED_PRODUCTS.read_text(), parse_float=Decimal):
            item = {
                "productId": str(uuid.uuid4()),
                "imageUrl": "",
                "createdAt": now,
                "updatedAt": now,
                **product,
            }
            dynamodb.put_item(
                TableName=table, Item={k: serializer.serialize(v) for k, v in item.items()}
            )

    def create_demo_users(self) -> None:
        cognito = self.client("cognito-idp")
        pool = self.deployment.outputs["userPoolId"]
        for role, email in DEMO_USERS.items():
            cognito.admin_create_user(
                UserPoolId=pool,
                Username=email,
                MessageAction="SUPPRESS",
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                ],
            )
            cognito.admin_set_user_password(
                UserPoolId=pool, Username=email, Password=DEMO_PASSWORD, Permanent=True
            )
            if role == "admin":
                cognito.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName="admin")

    # -- stop ------------------------------------------------------------------------------

    def stop(self) -> None:
        for poller in self.pollers:
            poller.stop()
        if self.outbox:
            self.outbox.stop()
        if self.gateway:
            self.gateway.stop()
        if self.workers:
            self.workers.stop()
        for poller in self.pollers:
            poller.thread.join(timeout=3)
        if self.emulator:
            self.emulator.stop()

    # -- the start-up summary --------------------------------------------------------------

    def _patches_line(self) -> str:
        try:
            patches = self.emulator.patches()
        except OSError as error:
            return f"!!! moto patches: unknown ({error})"
        if patches["refused"]:
            refused = "; ".join(f"{name}: {why}" for name, why in patches["refused"].items())
            return f"!!! moto patches NOT applied (the emulator is slower): {refused}"
        return f"Emulator speed-ups (patches of moto): {', '.join(patches['applied'])}"

    def summary(self, ready_seconds: float) -> str:
        outputs, options = self.outputs, self.options
        api, emulator = outputs["apiUrl"], outputs["awsEndpointUrl"]
        state = options.state_dir
        with contextlib.suppress(ValueError):
            state = state.relative_to(Path.cwd())
        created = len(self.deployment.resources)
        workers = self.workers.by_name
        prefix = _shared_prefix(list(workers))
        concurrency = ", ".join(
            f"{name.removeprefix(prefix)} {w.concurrency}" for name, w in sorted(workers.items())
        )
        unemulated = ", ".join(f"{t} {n}" for t, n in self.deployment.unemulated) or "none"
        overrides = (
            f"queue visibility timeout {options.queue_visibility_timeout} s "
            "(the program's own setting is unchanged in Pulumi)"
            if options.queue_visibility_timeout is not None
            else "none"
        )
        return f"""
shop is running locally (stack "{options.stack}"), ready in {ready_seconds:.1f} s

  API             {api}   (OpenAPI document: {api}openapi.json)
  AWS emulator    {emulator}   (moto)
  Stack outputs   {state}/outputs.json
  Notifications   {state}/outbox.jsonl
  Function logs   {state}/logs/

  Demo users (password {DEMO_PASSWORD}): {DEMO_USERS["customer"]}, {DEMO_USERS["admin"]} (admin)
  Get a token:    TOKEN=$(.venv/bin/python -m localcloud token customer)
  First requests: curl {api}products
                  curl -H "Authorization: Bearer $TOKEN" {api}basket
  AWS CLI:        AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \\
                  aws --endpoint-url {emulator} --region {self.region} \\
                  dynamodb scan --table-name {outputs["productsTableName"]}

  {created} resources created in the emulator; {len(workers)} functions run in \
local workers; {len(self.pollers)} queues polled.
  Execution environments per function, at most (reserved concurrency, else its queue \
mapping's
  maximum concurrency, else {DEFAULT_CONCURRENCY}): {concurrency}
  {self._patches_line()}
  Not emulated (recorded only): {unemulated}
  Stored but not enforced locally: {"; ".join(NOT_ENFORCED)}
  Local overrides: {overrides}

Ctrl-C stops everything.
"""
