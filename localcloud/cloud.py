"""The local cloud: emulator, provisioning, workers, gateway, pollers, relay, scheduler,
pipe players, outbox, seed data, demo users, storefront, console; started in that order and
stopped in reverse.

The emulator's process is spawned first, before this process imports boto3 and
Pulumi: it boots while the program is evaluated, and the first resource waits
for it. (So the heavy imports are inside start(), not at the top.)
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from localcloud import ROOT, stack_config
from localcloud.console.deliveries import Deliveries
from localcloud.emulator import Emulator
from localcloud.pipes import PipeDefinition, PipePlayer
from localcloud.pipes import description as pipes_description
from localcloud.pollers import Mapping, Poller
from localcloud.relay import Relayer
from localcloud.relay import description as relay_description
from localcloud.scheduler import Schedule, Scheduler
from localcloud.scheduler import description as schedules_description
from localcloud.sentiment import PATCH as SENTIMENT_STAND_IN
from localcloud.sentiment import WORDS_FILE
from localcloud.workers import DEFAULT_CONCURRENCY, Console, Invocation, Workers

if TYPE_CHECKING:
    from collections.abc import Mapping as ReadOnlyMapping  # (Mapping is the pollers')
    from collections.abc import Sequence

    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import WriteRequestTypeDef, WriteRequestUnionTypeDef

    from localcloud.appsync.server import AppSyncServer
    from localcloud.console.server import ConsoleServer
    from localcloud.console.stream import EventStream
    from localcloud.gateway import Gateway
    from localcloud.outbox import Outbox
    from localcloud.provisioning import Deployment, EmulatorMocks
    from localcloud.services import Service
    from localcloud.storefront import StorefrontServer

DEMO_PASSWORD = "LocalShop-2026"  # noqa: S105 - a documented demo password for the emulator
DEMO_CUSTOMER = "customer@example.com"
DEMO_ADMIN = "admin@example.com"  # a member of the program's admin group
SEED_PRODUCTS = Path(__file__).with_name("seed_products.json")


@dataclass
class Options:
    stack: str = "local"
    host: str = "127.0.0.1"
    api_port: int = 3000
    aws_port: int = 4566
    graphql_port: int = 3001  # the local AppSync: GraphQL and real-time, if the program has an API
    web_port: int = 3002  # the storefront (web/storefront and its config.json)
    console_port: int = 3003  # the local console
    state_dir: Path = field(default_factory=lambda: ROOT / ".localcloud")
    queue_visibility_timeout: int | None = None
    seed: bool = True

    def __post_init__(self) -> None:
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


def _maximum_concurrency(mapping_inputs: dict[str, Any]) -> int | None:
    maximum = (mapping_inputs.get("scalingConfig") or {}).get("maximumConcurrency")
    return int(maximum) if maximum is not None else None


class Stoppable(Protocol):
    """A part of the local cloud that runs until stopped."""

    def stop(self) -> None: ...


class LocalCloud:
    def __init__(self, options: Options, console: Console | None = None):
        self.options = options
        self.console = console or Console()
        self.region = stack_config.load(options.stack).get("aws:region", "us-east-1")
        self.emulator: Emulator | None = None
        self.gateway: Gateway | None = None
        self.appsync: AppSyncServer | None = None
        self.storefront: StorefrontServer | None = None
        self.workers: Workers | None = None
        self.pollers: list[Poller] = []
        self.pipes: list[PipePlayer] = []
        self.outbox: Outbox | None = None
        self.relayer: Relayer | None = None
        self.scheduler: Scheduler | None = None
        self.deployment: Deployment | None = None
        self.deliveries = Deliveries()  # what the pollers and the relay delivered (the console)
        self.taps: dict[str, str] = {}  # bus → the console's tap queue
        self.stream: EventStream | None = None
        self.console_server: ConsoleServer | None = None
        self._stopping = threading.Lock()
        # The provisioning's mocks: their boto3 session makes the clients.
        self._mocks: EmulatorMocks | None = None
        self.outputs: dict[str, Any] = {}

    def client(self, service: Service) -> Any:
        # From the provisioning session, whose loader has already read the service's model.
        # The pool is shared by every poller's batches in flight and the outbox.
        assert self._mocks is not None, "start() first"
        return self._mocks.new_client(service, max_pool_connections=64)

    # -- start -----------------------------------------------------------------------------

    def start(self) -> dict[str, Any]:
        options = self.options
        state = options.state_dir
        state.mkdir(parents=True, exist_ok=True)
        self.emulator = Emulator(
            options.host, options.aws_port, state / "emulator.log", self.region
        )
        self.emulator.spawn()
        # While it boots: the heavy imports, the clients, the program's evaluation.
        from localcloud.gateway import Api, Gateway  # noqa: PLC0415
        from localcloud.outbox import Outbox  # noqa: PLC0415
        from localcloud.provisioning import EmulatorMocks, provision  # noqa: PLC0415
        from localcloud.provisioning.events import tap  # noqa: PLC0415

        gateway_url = f"http://{options.host}:{options.api_port}/"
        mocks = EmulatorMocks(
            self.emulator.url,
            self.region,
            gateway_url,
            options.queue_visibility_timeout,
            graphql_url=f"http://{options.host}:{options.graphql_port}/",
        )
        mocks.prepare_clients()
        mocks.await_emulator(self.emulator.wait_ready)
        try:
            self.deployment = provision(mocks, options.stack)
        except Exception as error:
            process = self.emulator.process
            if process is not None and process.poll() is not None:  # say why, not what it caused
                raise RuntimeError(f"the emulator exited; see {self.emulator.log_file}") from error
            raise

        self._mocks = mocks
        # Before anything can publish: every event on each bus, for the console.
        self.taps = {bus: tap(mocks, bus) for bus in self.buses()}
        # The rest only reads back what was created, or adds data: at once.
        with ThreadPoolExecutor(4, thread_name_prefix="start") as pool:
            sqs = self.client("sqs")
            topics = [t.outputs["arn"] for t in self.deployment.of_type("aws:sns/topic:Topic")]
            outbox = pool.submit(
                Outbox,
                sqs,
                self.client("sns"),
                topics,
                state / "outbox.jsonl",
                self.console,
                self.emulator.emails,
            )
            data = [pool.submit(self.create_demo_users)]
            if options.seed:
                data.append(pool.submit(self.seed_products))
            [api] = self.deployment.of_type("aws:apigatewayv2/api:Api")
            routes = pool.submit(
                Api.from_emulator, self.client("apigatewayv2"), api.id, self.emulator.url
            )
            pipes = pool.submit(self.pipe_players, sqs)
            appsync = pool.submit(self.local_appsync)
            mappings = self.mappings()
            self.workers = self._workers(mappings)
            self.gateway = Gateway(
                options.host, options.api_port, routes.result(), self.workers.invoke, self.console
            )
            self.gateway.start()
            self.start_pollers(mappings, sqs)
            self.start_appsync(appsync.result())
            self.relayer = Relayer(
                self.deployment.relays,
                sqs,
                self.client("sns"),
                self.client("stepfunctions"),
                self.console,
                sts=self.client("sts")  # to assume the roles of AppSync targets
                if any(r.service == "appsync" for r in self.deployment.relays)
                else None,
                observe=self.deliveries.record,
            )
            self.relayer.start()
            self.start_scheduler(sqs)
            self.pipes = pipes.result()
            for player in self.pipes:
                player.start()
            self.outbox = outbox.result()
            self.outbox.start()
            for done in data:
                done.result()
        self.outputs = self._outputs()
        self.start_browser_parts(mappings)
        (state / "outputs.json").write_text(json.dumps(self.outputs, indent=2) + "\n")
        return self.outputs

    def _outputs(self) -> dict[str, Any]:
        """The stack's outputs, and what the local cloud adds (`.localcloud/outputs.json`)."""
        assert self.deployment is not None, "start() first"
        assert self.emulator is not None, "start() first"
        return (
            self.deployment.outputs
            | {
                "awsEndpointUrl": self.emulator.url,
                "region": self.region,
                "stack": self.options.stack,
                "demoUsers": self.demo_users(),
                "adminGroup": self.admin_group(),
                "demoPassword": DEMO_PASSWORD,
            }
            | self.graphql_outputs()
        )

    def _workers(self, mappings: list[Mapping]) -> Workers:
        assert self.deployment is not None, "start() first"
        assert self.emulator is not None, "start() first"
        functions = {
            r.outputs["name"]: Path(r.outputs["archivePath"])
            for r in self.deployment.of_type("aws:lambda/function:Function")
        }
        mapping_concurrency: dict[str, list[int | None]] = {}
        for mapping in mappings:
            mapping_concurrency.setdefault(mapping.function_arn, []).append(
                mapping.maximum_concurrency
            )
        return Workers(
            self.client("lambda"),
            functions,
            self.options.state_dir,
            self.emulator.url,
            self.region,
            self.console,
            mapping_concurrency,
        )

    def mappings(self) -> list[Mapping]:
        assert self.deployment is not None, "start() first"
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

    def start_pollers(self, mappings: list[Mapping], sqs: Any) -> None:
        """A poller per mapping; each tells the console's deliveries what it received."""
        assert self.workers is not None, "start() first"
        for mapping in mappings:
            poller = Poller(mapping, sqs, self.workers.invoke, self.console, self.deliveries.record)
            poller.start()
            self.pollers.append(poller)

    def buses(self) -> list[str]:
        assert self.deployment is not None, "start() first"
        return [
            b.outputs["name"] for b in self.deployment.of_type("aws:cloudwatch/eventBus:EventBus")
        ]

    def start_console(self, mappings: list[Mapping]) -> None:
        """The event stream from the taps, and the console's server (its URL in the outputs)."""
        from localcloud.console.model import Architecture  # noqa: PLC0415
        from localcloud.console.panels import Context  # noqa: PLC0415
        from localcloud.console.server import ConsoleServer  # noqa: PLC0415
        from localcloud.console.stream import EventStream  # noqa: PLC0415
        from scripts.ops import Stack  # noqa: PLC0415

        assert self.deployment is not None, "start() first"
        workers = self.workers
        assert workers is not None, "start() first"
        architecture = Architecture.from_deployment(self.deployment)
        watched = {m.queue_arn for m in mappings} | {r.target_arn for r in self.deployment.relays}
        self.stream = EventStream(
            self.taps,
            architecture.rules,
            self.client("events"),
            self.client("sqs"),
            self.deliveries,
            watched,
            self.console,
        )
        self.stream.start()
        context = Context(
            outputs=self.outputs,
            architecture=architecture,
            stream=self.stream,
            stack=Stack(self.outputs),
            sqs=self.client("sqs"),
            stepfunctions=self.client("stepfunctions"),
            state_dir=self.options.state_dir,
            invocations=lambda: {n: w.invocations for n, w in workers.by_name.items()},
            scheduler=self.scheduler,
        )
        self.console_server = ConsoleServer(
            self.options.host, self.options.console_port, context, console=self.console
        )
        self.console_server.start()
        self.outputs["consoleUrl"] = self.console_server.url

    def start_browser_parts(self, mappings: list[Mapping]) -> None:
        """What a browser opens, once the outputs are known: the storefront, the console."""
        self.start_storefront()
        self.start_console(mappings)

    def start_appsync(self, server: AppSyncServer | None) -> None:
        self.appsync = server
        if server is not None:
            server.start()

    def start_storefront(self) -> None:
        """Serve web/storefront with a config.json of the local endpoints. storefrontUrl is
        then its address: the program's distribution is stored in the emulator, which
        serves nothing through it."""
        from components.storefront import CONFIG_KEYS  # noqa: PLC0415
        from localcloud.storefront import StorefrontServer, local_config  # noqa: PLC0415

        if "storefrontUrl" not in self.outputs:  # a program without a storefront
            return
        self.storefront = StorefrontServer(
            self.options.host, self.options.web_port, local_config(self.outputs, CONFIG_KEYS)
        )
        self.storefront.start()
        self.outputs["storefrontUrl"] = self.storefront.url

    def graphql_outputs(self) -> dict[str, str]:
        """The local AppSync's URLs, where the program's outputs do not already give them
        (it exports them from the API's `uris`, which are these)."""
        if self.appsync is None:
            return {}
        urls = {"graphqlUrl": self.appsync.url, "graphqlRealtimeUrl": self.appsync.realtime_url}
        return {k: v for k, v in urls.items() if k not in self.outputs}

    def local_appsync(self) -> AppSyncServer | None:
        """The local AppSync for the program's GraphQL API (None without one): its schema
        built and its resolvers' code compiled while the rest starts."""
        from localcloud.appsync import API_TYPE, serve  # noqa: PLC0415

        assert self.deployment is not None, "start() first"
        assert self.emulator is not None, "start() first"
        if not self.deployment.of_type(API_TYPE):
            return None

        def invoke(function_arn: str, event: dict[str, Any]) -> Invocation:
            assert self.workers is not None, "the workers start with the local AppSync"
            return self.workers.invoke(function_arn, event)

        return serve(
            self.deployment,
            self.options.host,
            self.options.graphql_port,
            endpoint_url=self.emulator.url,
            region=self.region,
            dynamodb=self.client("dynamodb"),
            events=self.client("events"),
            invoke=invoke,
            console=self.console,
        )

    def start_scheduler(self, sqs: Any) -> None:
        self.scheduler = Scheduler(
            self.schedules(), self.client("stepfunctions"), sqs, self.console
        )
        self.scheduler.start()

    def schedules(self) -> list[Schedule]:
        """The program's schedules, as the emulator stores them (GetSchedule)."""
        assert self.deployment is not None, "start() first"
        scheduler = self.client("scheduler")
        return [
            Schedule.from_description(scheduler.get_schedule(Name=schedule.outputs["name"]))
            for schedule in self.deployment.of_type("aws:scheduler/schedule:Schedule")
        ]

    def pipe_players(self, sqs: Any) -> list[PipePlayer]:
        """A player per pipe, from the pipe's definition as the emulator stores it."""
        assert self.deployment is not None, "start() first"
        pipes, streams, events = (
            self.client("pipes"),
            self.client("dynamodbstreams"),
            self.client("events"),
        )
        return [
            PipePlayer(
                PipeDefinition.from_description(pipes.describe_pipe(Name=pipe.outputs["name"])),
                streams,
                events,
                sqs,
                self.console,
            )
            for pipe in self.deployment.of_type("aws:pipes/pipe:Pipe")
        ]

    def seed_products(self) -> None:
        from boto3.dynamodb.types import TypeSerializer  # noqa: PLC0415

        assert self.deployment is not None, "start() first"
        table = self.deployment.outputs["productsTableName"]
        serializer = TypeSerializer()
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        items = [
            {
                "productId": str(uuid.uuid4()),
                "imageUrl": "",
                "version": 1,
                "createdAt": now,
                "updatedAt": now,
                **product,
            }
            for product in json.loads(SEED_PRODUCTS.read_text(), parse_float=Decimal)
        ]
        requests: list[WriteRequestTypeDef] = [
            {"PutRequest": {"Item": {k: serializer.serialize(v) for k, v in item.items()}}}
            for item in items
        ]
        dynamodb: DynamoDBClient = self.client("dynamodb")
        for start in range(0, len(requests), 25):  # BatchWriteItem's limit
            unprocessed: ReadOnlyMapping[str, Sequence[WriteRequestUnionTypeDef]] | None = {
                table: requests[start : start + 25]
            }
            while unprocessed:
                unprocessed = dynamodb.batch_write_item(RequestItems=unprocessed).get(
                    "UnprocessedItems"
                )

    def admin_group(self) -> str:
        """The group the program made for admins (its name is the program's to say)."""
        assert self.deployment is not None, "start() first"
        [group] = self.deployment.of_type("aws:cognito/userGroup:UserGroup")
        return str(group.inputs["name"])

    def demo_users(self) -> dict[str, str]:
        """Who `python -m localcloud token <name>` signs in: the customer, and the admin
        under the admin group's name."""
        return {"customer": DEMO_CUSTOMER, self.admin_group(): DEMO_ADMIN}

    def create_demo_users(self) -> None:
        assert self.deployment is not None, "start() first"
        cognito: CognitoIdentityProviderClient = self.client("cognito-idp")
        pool = self.deployment.outputs["userPoolId"]
        for email in (DEMO_CUSTOMER, DEMO_ADMIN):
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
        cognito.admin_add_user_to_group(
            UserPoolId=pool, Username=DEMO_ADMIN, GroupName=self.admin_group()
        )

    # -- stop ------------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop every part, once: a later call, or one while stopping, is a no-op."""
        if not self._stopping.acquire(blocking=False):  # never released: stopped for good
            return
        for poller in self.pollers:
            poller.stop()
        for player in self.pipes:
            player.stop()
        parts: tuple[Stoppable | None, ...] = (
            self.relayer,
            self.scheduler,
            self.stream,
            self.console_server,
            self.outbox,
            self.gateway,
            self.storefront,
            self.appsync,
            self.workers,
        )
        for part in parts:
            if part:
                part.stop()
        for poller in self.pollers:
            poller.thread.join(timeout=3)
        for player in self.pipes:
            player.join(timeout=3)
        if self.emulator:
            self.emulator.stop()

    # -- the start-up summary --------------------------------------------------------------

    def _patches_line(self) -> str:
        assert self.emulator is not None, "start() first"
        try:
            patches = self.emulator.patches()
        except OSError as error:
            return f"!!! moto patches: unknown ({error})"
        lines = []
        if patches["refused"]:
            refused = "; ".join(f"{name}: {why}" for name, why in patches["refused"].items())
            lines.append(f"!!! moto patches NOT applied (slower, or unlike AWS): {refused}")
        else:
            applied = ", ".join(patches["applied"])
            lines.append(f"Patches of moto (localcloud/emulator_patches.py): {applied}")
        if SENTIMENT_STAND_IN in patches["applied"]:
            lines.append(
                "Comprehend's DetectSentiment is a local stand-in, NOT Amazon Comprehend: it "
                f"answers from the word lists in {WORDS_FILE.relative_to(ROOT)}"
            )
        return "\n  ".join(lines)

    def summary(self, ready_seconds: float) -> str:
        from localcloud.provisioning import NOT_ENFORCED  # noqa: PLC0415
        from localcloud.provisioning.events import TAP_PREFIX  # noqa: PLC0415

        assert self.deployment is not None, "start() first"
        assert self.workers is not None, "start() first"
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
        graphql = (
            f"  GraphQL         {self.appsync.url}   (real-time: {self.appsync.realtime_url})\n"
            if self.appsync
            else ""
        )
        storefront = (
            f"  Storefront      {self.storefront.url}   (web/storefront; sign in as a demo user)\n"
            if self.storefront
            else ""
        )
        console = (
            f"  Console         {self.console_server.url}   "
            "(architecture, events, orders, queues, schedules, explorers)\n"
            if self.console_server
            else ""
        )
        storefront_stand_in = (
            "\n  the storefront is served from web/storefront by the local cloud (its bucket and"
            "\n  distribution are stored in the emulator, which serves nothing through them); the"
            "\n  browser signs in against the emulator's Cognito (moto answers CORS);"
            if self.storefront
            else ""
        )
        appsync = (
            "\n  the GraphQL API by the local AppSync (APPSYNC_JS resolvers in QuickJS, pushes at"
            "\n  most once; IAM callers are presented, not verified: the access key is taken at"
            "\n  its word);"
            if self.appsync
            else ""
        )
        return f"""
shop is running locally (stack "{options.stack}"), ready in {ready_seconds:.1f} s

  API             {api}   (OpenAPI document: {api}openapi.json)
{graphql}{storefront}{console}  AWS emulator    {emulator}   (moto)
  Stack outputs   {state}/outputs.json
  Notifications   {state}/outbox.jsonl   (SNS messages, and e-mails as SES would send them)
  Function logs   {state}/logs/

  Demo users (password {DEMO_PASSWORD}): {DEMO_CUSTOMER}, {DEMO_ADMIN} ({self.admin_group()})
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
  Stand-ins (the local cloud does what moto does not): Lambda runs in local workers,
  SQS event source mappings are played by pollers, the HTTP API by the local gateway
  (JWTs checked against the emulator's Cognito keys);{appsync}{storefront_stand_in}
  EventBridge targets moto cannot deliver go through the local relay:
  {relay_description(self.deployment.relays)};
  SES sends nothing (identities need no DNS or DKIM): the outbox records each e-mail;
  the console sees every event through a tap: a hidden rule on each bus matching every
  event ({", ".join(f"{TAP_PREFIX}{bus}" for bus in self.taps)}) → a hidden queue;
  EventBridge pipes (moto moves nothing) are played from their DynamoDB streams:
  {pipes_description(self.pipes)}.
  EventBridge Scheduler schedules (moto stores them, fires none) are fired by the local
  scheduler, on time in their time zones (fire one now: python -m localcloud schedule fire <name>):
    {schedules_description(self.scheduler) if self.scheduler else "none"}
  {self._patches_line()}
  Not emulated (recorded only): {unemulated}
  Stored but not enforced locally: {"; ".join(NOT_ENFORCED)}
  Local overrides: {overrides}

Ctrl-C stops everything.
"""
