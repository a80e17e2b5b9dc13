"""The program as the cost model sees it: __main__.py evaluated for a stack under the infra
tests' Pulumi mocks (tests/infra/mocks.py `run_program`, reused, not copied), reduced to
what costs money or meets a quota: functions, queues and their mappings, rules and their
targets (an AppSync target with the mutation it calls), state machines, pipes, tables and
their indexes, the API stage, the GraphQL API, alarms, keys."""

import functools
import importlib
import json
import re
from dataclasses import dataclass
from typing import Any

from localcloud import stack_config

_PHYSICAL_SUFFIX = re.compile(r"-[0-9a-f]{7}$")  # an auto-name: <logical name>-<7 hex>


def logical(physical: str) -> str:
    """A resource's name in the program, from an auto-name the mocks or the emulator gave."""
    return _PHYSICAL_SUFFIX.sub("", physical)


def _arn_name(arn: str) -> str:
    return re.split(r"[:/]", arn)[-1]


@dataclass(frozen=True)
class Function:
    name: str
    handler: str  # the handler module, e.g. basket.api
    arn: str
    memory_mb: int
    architecture: str
    timeout_s: int
    tracing: bool
    log_level: str  # application log level
    reserved_concurrency: int | None


@dataclass(frozen=True)
class Mapping:
    """An SQS event source mapping."""

    queue: str  # the queue's name in the program
    function_arn: str
    batch_size: int
    batching_window_s: int
    max_concurrency: int | None


@dataclass(frozen=True)
class Target:
    kind: str  # sqs, states, logs, appsync, ...
    name: str  # the queue's or log group's name in the program, the state machine's
    operation: str | None = None  # appsync: the GraphQL field the target calls


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: dict[str, Any]
    targets: tuple[Target, ...]

    def matches(self, source: str, detail_type: str) -> bool:
        """EventBridge matching of the patterns the shop writes: values or prefixes."""
        return _matches(self.pattern.get("source"), source) and _matches(
            self.pattern.get("detail-type"), detail_type
        )


def _matches(allowed: list[Any] | None, value: str) -> bool:
    if allowed is None:
        return True
    for option in allowed:
        if isinstance(option, dict):
            if "prefix" in option and value.startswith(option["prefix"]):
                return True
            if set(option) - {"prefix"}:
                raise ValueError(f"a pattern this model does not evaluate: {option}")
        elif option == value:
            return True
    return False


@dataclass(frozen=True)
class StateMachine:
    name: str  # without the stack prefix: order-workflow, customer-notifier, ...
    arn: str
    type: str  # STANDARD or EXPRESS
    definition: dict[str, Any]
    log_level: str  # ALL, ERROR, FATAL or OFF
    include_execution_data: bool
    tracing: bool


@dataclass(frozen=True)
class Index:
    name: str
    keys: tuple[str, ...]  # hash key, range key
    projection: str  # ALL, KEYS_ONLY, INCLUDE


@dataclass(frozen=True)
class Table:
    name: str
    keys: tuple[str, ...]
    indexes: tuple[Index, ...]
    billing: str


@dataclass(frozen=True)
class Pipe:
    name: str
    source_table: str  # the table whose stream it reads
    batch_size: int
    parallelization: int
    event_names: tuple[str, ...] | None  # the filter's eventName values; None passes all


@dataclass(frozen=True)
class Api:
    protocol: str  # HTTP or REST
    rate_limit: float
    burst_limit: float
    access_log_format: str | None
    detailed_metrics: bool
    routes: int


@dataclass(frozen=True)
class GraphqlApi:
    """An AppSync GraphQL API: what it bills beside its requests and connection-minutes."""

    name: str
    caches: int  # API caches (billed by the hour)
    field_log_level: str  # NONE unless field logs are on (CloudWatch Logs per request)
    xray: bool


@dataclass(frozen=True)
class Program:
    """One stack's resources, as the program declares them."""

    stack: str
    region: str  # the stack's aws:region
    settings: dict[str, str]  # the resolved config, shop:… keys without the namespace
    functions: dict[str, Function]  # by handler module
    mappings: tuple[Mapping, ...]
    rules: tuple[Rule, ...]
    machines: dict[str, StateMachine]
    tables: dict[str, Table]
    pipes: tuple[Pipe, ...]
    api: Api
    alarms: int
    dashboards: int
    kms_keys: int
    queues_with_mappings: int
    archives: tuple[dict[str, Any], ...]  # each archive's event pattern
    topic_subscriptions: tuple[str, ...]  # protocols
    graphql_apis: tuple[GraphqlApi, ...]

    def function_of_arn(self, arn: str) -> Function:
        [match] = [f for f in self.functions.values() if f.arn == arn]
        return match

    def mapping_of_queue(self, queue: str) -> Mapping:
        [match] = [m for m in self.mappings if m.queue == queue]
        return match

    def rules_matching(self, source: str, detail_type: str) -> list[Rule]:
        return [rule for rule in self.rules if rule.matches(source, detail_type)]


def _deployment(stack: str, overrides: dict[str, Any] | None) -> Any:
    """The infra tests' run_program: imported by name, because tests/ is not under
    mypy --strict (its result is read into the typed records below at once)."""
    mocks = importlib.import_module("tests.infra.mocks")
    return mocks.run_program(stack, overrides)


def _of(deployment: Any, typ: str) -> list[Any]:
    return [r for r in deployment.resources if r.typ == typ]


_GRAPHQL_FIELD = re.compile(r"^\s*mutation\b[^{]*\{\s*(\w+)")  # the operation's first field


def _target(inputs: dict[str, Any]) -> Target:
    arn = inputs["arn"]
    service = arn.split(":")[2]
    if service == "logs":
        return Target("logs", arn.split("log-group:", 1)[1].removesuffix(":*"))
    if service == "appsync":
        operation = (inputs.get("appsyncTarget") or {}).get("graphqlOperation", "")
        called = _GRAPHQL_FIELD.match(operation)
        if called is None:
            raise ValueError(f"an AppSync target whose operation this model does not read: {arn}")
        return Target(service, _arn_name(arn), called.group(1))
    return Target(service, logical(_arn_name(arn)) if service == "sqs" else _arn_name(arn))


def evaluate(stack: str, overrides: dict[str, str] | None = None) -> Program:
    """The stack's program under mocks (`overrides`: config values, "shop:key" → value),
    evaluated once per stack and overrides."""
    return _evaluate(stack, tuple(sorted((overrides or {}).items())))


@functools.cache
def _evaluate(stack: str, overrides: tuple[tuple[str, str], ...]) -> Program:
    deployment = _deployment(stack, dict(overrides))
    prefix = f"{deployment.outputs['eventBusName']}-"
    config = stack_config.load(stack, dict(overrides))
    settings = {key.split(":", 1)[1]: value for key, value in config.items()}
    functions = {}
    for f in _of(deployment, "aws:lambda/function:Function"):
        inputs = f.inputs
        reserved = inputs.get("reservedConcurrentExecutions")
        functions[inputs["handler"].rsplit(".", 1)[0]] = Function(
            name=inputs["name"],
            handler=inputs["handler"].rsplit(".", 1)[0],
            arn=f.outputs["arn"],
            memory_mb=int(inputs["memorySize"]),
            architecture=inputs["architectures"][0],
            timeout_s=int(inputs["timeout"]),
            tracing=inputs.get("tracingConfig", {}).get("mode") == "Active",
            log_level=inputs.get("loggingConfig", {}).get("applicationLogLevel", "INFO"),
            reserved_concurrency=None if reserved in (None, -1) else int(reserved),
        )
    mappings = tuple(
        Mapping(
            queue=logical(_arn_name(m.inputs["eventSourceArn"])),
            function_arn=m.inputs["functionName"],
            batch_size=int(m.inputs.get("batchSize", 10)),
            batching_window_s=int(m.inputs.get("maximumBatchingWindowInSeconds", 0)),
            max_concurrency=(
                int(m.inputs["scalingConfig"]["maximumConcurrency"])
                if m.inputs.get("scalingConfig")
                else None
            ),
        )
        for m in _of(deployment, "aws:lambda/eventSourceMapping:EventSourceMapping")
    )
    targets: dict[str, list[Target]] = {}
    for t in _of(deployment, "aws:cloudwatch/eventTarget:EventTarget"):
        target = _target(t.inputs)
        if target.kind == "states":  # a state machine by its name in the program
            target = Target(target.kind, target.name.removeprefix(prefix))
        targets.setdefault(t.inputs["rule"], []).append(target)
    rules = tuple(
        Rule(
            r.name, json.loads(r.inputs["eventPattern"]), tuple(targets.get(r.outputs["name"], []))
        )
        for r in _of(deployment, "aws:cloudwatch/eventRule:EventRule")
    )
    machines = {}
    for m in _of(deployment, "aws:sfn/stateMachine:StateMachine"):
        logging = m.inputs.get("loggingConfiguration") or {}
        name = m.inputs["name"].removeprefix(prefix)
        machines[name] = StateMachine(
            name=name,
            arn=m.outputs["arn"],
            type=m.inputs.get("type", "STANDARD"),
            definition=json.loads(m.inputs["definition"]),
            log_level=logging.get("level", "OFF"),
            include_execution_data=bool(logging.get("includeExecutionData")),
            tracing=bool((m.inputs.get("tracingConfiguration") or {}).get("enabled")),
        )
    tables = {}
    for t in _of(deployment, "aws:dynamodb/table:Table"):
        indexes = tuple(
            Index(
                i["name"],
                tuple(k["attributeName"] for k in i["keySchemas"]),
                i.get("projectionType", "ALL"),
            )
            for i in t.inputs.get("globalSecondaryIndexes") or []
        )
        keys = (t.inputs["hashKey"], *([t.inputs["rangeKey"]] if t.inputs.get("rangeKey") else []))
        tables[t.name] = Table(t.name, keys, indexes, t.inputs.get("billingMode", "PROVISIONED"))
    pipes = []
    for p in _of(deployment, "aws:pipes/pipe:Pipe"):
        stream = p.inputs["sourceParameters"]["dynamodbStreamParameters"]
        filters = (p.inputs["sourceParameters"].get("filterCriteria") or {}).get("filters") or []
        names = [n for f in filters for n in json.loads(f["pattern"]).get("eventName", [])]
        pipes.append(
            Pipe(
                name=p.name,
                source_table=logical(p.inputs["source"].split("table/", 1)[1].split("/")[0]),
                batch_size=int(stream.get("batchSize", 1)),
                parallelization=int(stream.get("parallelizationFactor", 1)),
                event_names=tuple(names) if filters else None,
            )
        )
    [api] = _of(deployment, "aws:apigatewayv2/api:Api")
    [stage] = _of(deployment, "aws:apigatewayv2/stage:Stage")
    route_settings = stage.inputs.get("defaultRouteSettings") or {}
    return Program(
        stack=stack,
        region=settings.get("region", config.get("aws:region", "us-east-1")),
        settings=settings,
        functions=functions,
        mappings=mappings,
        rules=rules,
        machines=machines,
        tables=tables,
        pipes=tuple(pipes),
        api=Api(
            protocol=api.inputs.get("protocolType", "HTTP"),
            rate_limit=float(route_settings.get("throttlingRateLimit", 10_000)),
            burst_limit=float(route_settings.get("throttlingBurstLimit", 5_000)),
            access_log_format=(stage.inputs.get("accessLogSettings") or {}).get("format"),
            detailed_metrics=bool(route_settings.get("detailedMetricsEnabled")),
            routes=len(_of(deployment, "aws:apigatewayv2/route:Route")),
        ),
        alarms=len(_of(deployment, "aws:cloudwatch/metricAlarm:MetricAlarm")),
        dashboards=len(_of(deployment, "aws:cloudwatch/dashboard:Dashboard")),
        kms_keys=len(_of(deployment, "aws:kms/key:Key")),
        queues_with_mappings=len(mappings),
        archives=tuple(
            json.loads(a.inputs.get("eventPattern") or "{}")
            for a in _of(deployment, "aws:cloudwatch/eventArchive:EventArchive")
        ),
        topic_subscriptions=tuple(
            s.inputs.get("protocol", "?")
            for s in _of(deployment, "aws:sns/topicSubscription:TopicSubscription")
        ),
        graphql_apis=tuple(
            GraphqlApi(
                name=g.name,
                caches=len(_of(deployment, "aws:appsync/apiCache:ApiCache")),
                field_log_level=(g.inputs.get("logConfig") or {}).get("fieldLogLevel", "NONE"),
                xray=bool(g.inputs.get("xrayEnabled")),
            )
            for g in _of(deployment, "aws:appsync/graphQLApi:GraphQLApi")
        ),
    )
