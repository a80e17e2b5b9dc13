"""The provisioner's core: Pulumi mocks whose new_resource creates each resource in
the emulator through boto3 (by the handler registered for its type, one module
per service in this package) and returns its real identifiers (ARNs, URLs,
names), so downstream resources receive real values.

A type without a handler is recorded (and listed in the start-up summary), never
silently dropped; so is every setting the emulator accepts but does not enforce.
"""

import secrets
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import boto3
import pulumi
from botocore.config import Config

from localcloud.lambda_events import ACCOUNT_ID
from localcloud.services import BOTO3_TO_MOTO, Service

# Resource registrations run at once (Pulumi's own dependency tracking orders them).
REGISTRATION_THREADS = 16
LOCAL_USER_AGENT_APP_ID = "localcloud"
# What the emulator stores but does not act on: said out loud at start-up.
NOT_ENFORCED = (
    "IAM policies (moto does not evaluate them)",
    "API throttling and access logs",
    "CloudWatch alarms (stored, never evaluated)",
    "AWS Budgets (stored, never evaluated: the emulator has no bill)",
    "encryption at rest (KMS/SSE settings are stored only)",
    "X-Ray tracing",
    "log retention",
)


@dataclass
class Provisioned:
    typ: str
    name: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]


@dataclass(frozen=True)
class Relay:
    """An EventBridge target the emulator cannot deliver to: the rule delivers to a
    hidden queue instead (moto applies the target's input settings on the way),
    and the local cloud's relay takes it from there to the real target."""

    target_arn: str  # the SNS topic, state machine, ... the program named
    queue_url: str
    rule: str
    # An AppSync target: the operation run with the message as its variables, as the
    # rule's role, at the local AppSync's URL.
    graphql_operation: str | None = None
    role_arn: str | None = None
    graphql_url: str | None = None

    @property
    def service(self) -> str:
        return self.target_arn.split(":")[2]


@dataclass
class Deployment:
    """What the program created in the emulator, and its stack outputs."""

    resources: list[Provisioned] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    unemulated: list[tuple[str, str]] = field(default_factory=list)
    relays: list[Relay] = field(default_factory=list)

    def of_type(self, typ: str) -> list[Provisioned]:
        return [r for r in self.resources if r.typ == typ]


# A resource's inputs or outputs, as Pulumi's mocks hand them over: untyped.
Properties = dict[str, Any]
Handler = Callable[["EmulatorMocks", str, Properties], tuple[str, Properties]]
HANDLERS: dict[str, Handler] = {}


def handles(typ: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[typ] = handler
        return handler

    return register


def as_int(value: Any) -> int:
    """Pulumi's mocks hand numbers over as floats."""
    return int(float(value))


class EmulatorMocks(pulumi.runtime.Mocks):
    def __init__(
        self,
        endpoint_url: str,
        region: str,
        gateway_url: str,
        queue_visibility_timeout: int | None = None,
        graphql_url: str | None = None,
    ):
        """gateway_url, graphql_url: where the local gateway and the local AppSync listen
        (http://host:port/); the API Gateway and AppSync APIs report them as their URLs."""
        self.endpoint_url = endpoint_url
        self.region = region
        self.gateway_url = gateway_url
        self.graphql_url = graphql_url
        self.graphql_apis: dict[str, str] = {}  # AppSync API id → its GraphQL URL
        self.queue_visibility_timeout = queue_visibility_timeout
        self.deployment = Deployment()
        self._lock = threading.Lock()
        self._session = boto3.session.Session(
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - the emulator accepts any
            region_name=region,
        )
        self._config = Config(
            # botocore has had user_agent_appid since 1.31; botocore-stubs' Config lacks it.
            user_agent_appid=LOCAL_USER_AGENT_APP_ID,  # type: ignore[call-arg]
            retries={"max_attempts": 2},
            max_pool_connections=REGISTRATION_THREADS,
        )
        # Any: each service's client has its own type. The handlers call them with Pulumi's
        # untyped inputs, and pass optional arguments as unpacked dicts, which the stubs'
        # signatures reject; the parts of the local cloud that keep a client annotate it.
        self._clients: dict[Service, Any] = {}
        self._clients_lock = threading.Lock()  # a boto3 session is not thread-safe
        self._emulator: Future[None] | None = None

    def client(self, service: Service) -> Any:
        """One client per service for the life of the mocks."""
        client = self._clients.get(service)
        if client is None:
            with self._clients_lock:
                client = self._clients.get(service)
                if client is None:
                    client = self._clients[service] = self._session.client(
                        service, endpoint_url=self.endpoint_url, config=self._config
                    )
        return client

    def new_client(self, service: Service, **config: Any) -> Any:
        """Another client of the same session (so its service model is not read again),
        with the local cloud's User-Agent and botocore's default retries."""
        with self._clients_lock:
            return self._session.client(
                service,
                endpoint_url=self.endpoint_url,
                # As above: botocore-stubs' Config lacks user_agent_appid.
                config=Config(user_agent_appid=LOCAL_USER_AGENT_APP_ID, **config),  # type: ignore[call-arg]
            )

    def prepare_clients(self) -> threading.Thread:
        """Create the clients (~0.1 s each) in the background while other work goes on."""
        thread = threading.Thread(
            target=lambda: [self.client(s) for s in BOTO3_TO_MOTO], daemon=True
        )
        thread.start()
        return thread

    def await_emulator(self, wait_ready: Callable[[], None]) -> None:
        """Let the program be evaluated while the emulator boots: wait_ready() runs in
        the background, and whatever needs the emulator waits for it (or its error)."""
        emulator = self._emulator = Future()

        def wait() -> None:
            try:
                wait_ready()
                emulator.set_result(None)
            except Exception as error:  # raised where the emulator is needed
                emulator.set_exception(error)

        threading.Thread(target=wait, name="emulator-ready", daemon=True).start()

    def _emulator_ready(self) -> None:
        if self._emulator is not None:
            self._emulator.result()

    def record_relay(self, relay: Relay) -> None:
        with self._lock:
            self.deployment.relays.append(relay)

    def graphql_api(self, api_id: str) -> str:
        """The local AppSync's GraphQL URL, for the one GraphQL API it serves."""
        if self.graphql_url is None:
            raise RuntimeError("these mocks were given no graphql_url: no local AppSync")
        with self._lock:
            if self.graphql_apis and api_id not in self.graphql_apis:
                raise RuntimeError("the local AppSync serves one GraphQL API; the program made two")
            url = self.graphql_apis[api_id] = f"{self.graphql_url.rstrip('/')}/graphql"
        return url

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{ACCOUNT_ID}:{resource}"

    @staticmethod
    def physical_name(name: str, inputs: dict[str, Any], max_length: int = 64) -> str:
        """The resource's name, or an auto-name as the Pulumi provider makes one."""
        if inputs.get("name"):
            return str(inputs["name"])
        return f"{name[: max_length - 8]}-{secrets.token_hex(4)[:7]}"

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, Properties]:
        if args.typ.startswith("shop:"):  # a component: nothing to create
            return f"{args.name}-component", {}
        handler = HANDLERS.get(args.typ)
        if handler is None:
            with self._lock:
                self.deployment.unemulated.append((args.typ, args.name))
            return f"{args.name}-unemulated", dict(args.inputs)
        self._emulator_ready()
        resource_id, computed = handler(self, args.name, dict(args.inputs))
        outputs = {**args.inputs, **computed}
        with self._lock:
            self.deployment.resources.append(
                Provisioned(args.typ, args.name, resource_id, dict(args.inputs), outputs)
            )
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[Properties, list[tuple[str, str]]]:
        """The invoke's result and its check failures (none)."""
        if args.token == "aws:index/getRegion:getRegion":  # noqa: S105 - an invoke token
            return {
                "name": self.region,
                "region": self.region,
                "id": self.region,
                "endpoint": self.endpoint_url,
                "description": "local cloud",
            }, []
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":  # noqa: S105
            self._emulator_ready()
            identity = self.client("sts").get_caller_identity()
            return {
                "accountId": identity["Account"],
                "arn": identity["Arn"],
                "userId": identity["UserId"],
                "id": identity["Account"],
            }, []
        raise NotImplementedError(f"the local cloud does not answer {args.token}")
