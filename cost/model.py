"""What 1 000 000 orders cost on a stack: the program's own settings (cost/program.py, the
stack evaluated under mocks), one measured order (docs/measurements.json) and the list
prices (cost/aws.toml). Nothing here is a hand-kept number: each line says what it is
derived from.

The order path is what one order sets in motion: the API requests a client makes to
order (measured: add to basket, check out), every event it publishes (measured, from the
audit recorder's executions), each rule that matches an event (the program's patterns) and
what it feeds: a queue and its consumer (batched as the mapping says), a state machine (the
audit recorder's rule feeds every event to its own); the state machines a consumer starts
(measured), walked on their definitions (cost/asl.py); every DynamoDB item read or
written (measured, with its size; the table's indexes from the program); logs (measured
per invocation and execution, filtered by the stack's log levels) and traces (the
program's tracing settings).

Outside the goal, on lines of their own: the customer e-mail (measured), the order-status
pushes (each measured event the status rule matches: a call of its AppSync target's
mutation, an update per subscriber, the subscriber's connection-minutes), and the fixed
monthly costs."""

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from cost.asl import happy_path
from cost.data import Catalogue
from cost.dynamo import read_units, write_units
from cost.program import Program, StateMachine
from shop_common.contracts import EVENTS, DetailType
from shop_common.routes import ROUTES

MILLION = 1_000_000
GB = 1024**3
CHUNK = 64 * 1024  # EventBridge, SQS, SNS and Pipes bill each 64 KB of a payload as one
LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
_LEVEL_ALIASES = {"WARNING": "WARN", "CRITICAL": "FATAL"}
# What API Gateway writes for one request in each access-log variable: representative
# values (the local gateway writes no access log), with the measured route and path.
_ACCESS_LOG_VALUES = {
    "$context.requestId": "JkxSFgNlIAMEbQw=",
    "$context.identity.sourceIp": "203.0.113.10",
    "$context.requestTime": "01/Dec/2026:10:00:00 +0000",
    "$context.status": "202",
    "$context.responseLength": "412",
    "$context.responseLatency": "48",
    "$context.integrationLatency": "45",
    "$context.integrationErrorMessage": "-",
    "$context.authorizer.error": "-",
    "$context.authorizer.claims.sub": "0e2e1f4c-5b1a-4f43-9d0e-7f1c2a3b4c5d",
}


@dataclass(frozen=True)
class Variant:
    """The program as built, or changed where the program has no setting for it (the
    usual architecture, what-ifs): each field left None keeps the program's."""

    name: str = "as configured"
    api_protocol: str | None = None  # HTTP or REST
    architecture: str | None = None  # arm64 or x86_64
    machine_log_level: str | None = None  # every state machine on the path
    messages_per_batch: float | None = None  # None: the assumption
    duration_factor: float = 1.0  # Lambda and EXPRESS durations
    index_projection: str | None = None  # every index of a table written on the path
    plain_tables: tuple[str, ...] = ()  # their transactional writes billed as single writes
    without_tables: tuple[str, ...] = ()  # tables whose items the path no longer touches
    without_audit: bool = False


AS_BUILT = Variant()
# The same architecture as usually built: REST API and x86_64 here, with the program's
# workflows evaluated as STANDARD (cost.report: workflowType, the program's own setting).
USUAL = Variant("as usually built: REST API, x86_64", api_protocol="REST", architecture="x86_64")
USUAL_WORKFLOW_TYPE = "STANDARD"


@dataclass
class Line:
    component: str
    quantity: float  # per order (fixed lines: per month)
    unit: str
    usd: float  # per 1 000 000 orders (fixed lines: per month)
    source: str  # what it is derived from


@dataclass
class Estimate:
    program: Program
    variant: Variant
    lines: list[Line] = field(default_factory=list)  # the order path: the goal's total
    excluded: list[Line] = field(default_factory=list)  # per order, outside the goal
    fixed: list[Line] = field(default_factory=list)  # per month, whatever the orders
    checks: list[str] = field(default_factory=list)  # where derivation and measurement differ
    not_built: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(line.usd for line in self.lines)

    def line(self, component: str) -> Line:
        [match] = [line for line in self.lines if line.component.startswith(component)]
        return match


def _chunks(size: float) -> int:
    return max(1, math.ceil(size / CHUNK))


def _level(name: str) -> int:
    name = _LEVEL_ALIASES.get(name.upper(), name.upper())
    return LEVELS.index(name) if name in LEVELS else len(LEVELS)  # metric, other: kept


def _route_service(route_key: str) -> str:
    [route] = [r for r in ROUTES if f"{r.method} {r.path}" == route_key]
    return route.service


@dataclass
class Flows:
    """What one order sets in motion, derived from the program and the measured events."""

    api_requests: dict[str, float] = field(default_factory=dict)  # route key → per order
    messages: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # queue
    message_bytes: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    invocations: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # handler
    executions: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # machine
    archived_bytes: float = 0.0
    rule_matches: dict[str, list[str]] = field(default_factory=dict)  # detail-type → rules
    # AppSync targets: the mutation each calls → calls per order; and the events behind them
    mutations: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    pushed: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # detail-type


def flows(program: Program, measured: dict[str, Any], catalogue: Catalogue, v: Variant) -> Flows:
    found = Flows(api_requests=dict(measured["api_requests_per_order"]))
    for route_key, requests in found.api_requests.items():
        found.invocations[_route_service(route_key)] += requests
    for detail_type, event in measured["events"].items():
        source = EVENTS[DetailType(detail_type)].source.value
        rules = program.rules_matching(source, detail_type)
        found.rule_matches[detail_type] = [r.name for r in rules]
        kept = [r for r in rules if not (v.without_audit and _audits(program, r))]
        for target in (t for rule in kept for t in rule.targets):
            if target.kind == "sqs":
                found.messages[target.name] += event["per_order"]
                found.message_bytes[target.name] += event["per_order"] * event["bytes"]
            elif target.kind == "states":
                found.executions[target.name] += event["per_order"]
            elif target.kind == "appsync":  # one GraphQL request per event delivered
                found.mutations[str(target.operation)] += event["per_order"]
                found.pushed[detail_type] += event["per_order"]
        if not v.without_audit and any(
            _pattern_matches(pattern, source, detail_type) for pattern in program.archives
        ):
            found.archived_bytes += event["per_order"] * event["bytes"]
    for queue, messages in found.messages.items():
        mapping = program.mapping_of_queue(queue)
        handler = program.function_of_arn(mapping.function_arn).handler
        found.invocations[handler] += messages / _fill(mapping.batch_size, catalogue, v)
    started_by_rules = set(found.executions) | {
        t.name for rule in program.rules if _audits(program, rule) for t in rule.targets
    }
    for name, machine in measured["state_machines"].items():
        if name not in started_by_rules and machine["executions_per_order"]:
            found.executions[name] += machine["executions_per_order"]  # started by a consumer
    return found


def _audits(program: Program, rule: Any) -> bool:
    """The audit's rule: the one on every event, the archive's pattern (the bus's)."""
    return rule.pattern in program.archives


def _pattern_matches(pattern: dict[str, Any], source: str, detail_type: str) -> bool:
    from cost.program import Rule  # noqa: PLC0415

    return Rule("archive", pattern, ()).matches(source, detail_type)


def _fill(batch_size: int, catalogue: Catalogue, v: Variant) -> float:
    wanted = catalogue.assume("sqs_messages_per_batch")
    return min(float(batch_size), v.messages_per_batch or wanted)


def machine_calls(measured: dict[str, Any], name: str) -> set[str]:
    """The calls the measured execution of a machine made, named as cost.asl names a
    task's action (PutEvents with the detail-types it published)."""
    calls = {
        c["action"].lower()
        for c in measured["calls"]
        if c["caller"] == name and c["action"] != "events:PutEvents"
    }
    published = [t for t, e in measured["events"].items() if e["published_by"] == name]
    if published:
        calls.add(f"events:putevents:{','.join(sorted(published))}")
    return calls


def _machine(program: Program, name: str, v: Variant) -> StateMachine:
    machine = program.machines[name]
    return replace(machine, log_level=v.machine_log_level or machine.log_level)


def estimate(  # noqa: PLR0915 - one line per component, in the order the report prints them
    program: Program, measured: dict[str, Any], catalogue: Catalogue, v: Variant = AS_BUILT
) -> Estimate:
    """The cost of 1 000 000 orders on `program`, component by component."""
    result = Estimate(program, v)
    flow = flows(program, measured, catalogue, v)
    unmeasured = [
        h for h in flow.invocations if "billed_ms_mean" not in measured["functions"].get(h, {})
    ]
    unmeasured += [
        m for m in flow.executions if "duration_ms" not in measured["state_machines"].get(m, {})
    ]
    if unmeasured:
        raise ValueError(
            f"{', '.join(unmeasured)}: on the order path, not in the measurement "
            "(run `make measure`)"
        )
    cost, assume = catalogue.cost, catalogue.assume
    per_million = MILLION

    def add(component: str, quantity: float, unit: str, price: str, source: str) -> None:
        result.lines.append(
            Line(component, quantity, unit, cost(price, quantity) * per_million, source)
        )

    def logs(component: str, size: float, source: str) -> None:
        """A CloudWatch Logs line: `size` bytes ingested per order, shown in KB."""
        usd = cost("logs_ingested_gb", size / GB) * per_million
        result.lines.append(Line(component, size / 1024, "KB", usd, source))

    # API
    protocol = v.api_protocol or program.api.protocol
    requests = sum(flow.api_requests.values())
    add(
        f"API requests ({protocol})",
        requests,
        "requests",
        "api_http_request" if protocol == "HTTP" else "api_rest_request",
        f"measured: {', '.join(flow.api_requests)}; the stage's API is {program.api.protocol}",
    )

    # Lambda
    functions = {h: program.functions[h] for h in flow.invocations}
    invocations = sum(flow.invocations.values())
    add(
        "Lambda requests",
        invocations,
        "invocations",
        "lambda_request",
        "API requests by route; SQS messages by rule, / messages per batch "
        f"({_fill(10, catalogue, v):g})",
    )
    gb_seconds: defaultdict[str, float] = defaultdict(float)
    for handler, count in flow.invocations.items():
        function = functions[handler]
        billed = measured["functions"][handler]["billed_ms_mean"] * v.duration_factor / 1000
        architecture = v.architecture or function.architecture
        gb_seconds[architecture] += count * billed * function.memory_mb / 1024
        _check_invocations(result, handler, count, measured, v)
    for architecture, amount in sorted(gb_seconds.items()):
        memory = sorted({f"{f.memory_mb} MB" for f in functions.values()})
        add(
            f"Lambda GB-s ({architecture}, {', '.join(memory)})",
            amount,
            "GB-s",
            f"lambda_gb_second_{architecture}",
            "measured warm billed duration x invocations x memory",
        )

    # DynamoDB
    writes, reads, by_table = _dynamodb_units(program, measured, v)
    add(
        "DynamoDB writes",
        writes,
        "write units",
        "dynamodb_write_unit",
        "measured items and sizes; indexes from the program: "
        + ", ".join(f"{t} {u:g}" for t, u in sorted(by_table.items()) if u),
    )
    add("DynamoDB reads", reads, "read units", "dynamodb_read_unit", "measured items and sizes")

    # EventBridge
    events = sum(e["per_order"] * _chunks(e["bytes"]) for e in measured["events"].values())
    add(
        "EventBridge events",
        events,
        "events",
        "eventbridge_event",
        "measured, by publisher: "
        + ", ".join(f"{t} ({e['published_by']})" for t, e in measured["events"].items()),
    )

    # SQS
    sqs = 0.0
    for queue, messages in flow.messages.items():
        fill = _fill(program.mapping_of_queue(queue).batch_size, catalogue, v)
        sends = messages * _chunks(flow.message_bytes[queue] / messages)
        sqs += sends + 2 * messages / fill  # EventBridge's send; the mapping's receive, delete
    add(
        "SQS requests",
        sqs,
        "requests",
        "sqs_request",
        "messages by rule ("
        + ", ".join(f"{q} {m:g}" for q, m in sorted(flow.messages.items()))
        + f"): a send each, a receive and a delete per batch of {_fill(10, catalogue, v):g}",
    )

    # Pipes
    records = _pipe_requests(program, measured, v)
    add(
        "EventBridge Pipes",
        records,
        "requests",
        "pipes_request",
        "outbox inserts the pipes' filters pass (modify, remove: free); stream reads free",
    )

    # Step Functions
    for name, executions in sorted(flow.executions.items()):
        machine = _machine(program, name, v)
        if machine.type == "STANDARD":
            path = happy_path(machine.definition, machine_calls(measured, name))
            _check_walk(result, name, path, measured)
            add(
                f"Step Functions {name} (STANDARD)",
                executions * len(path),
                "transitions",
                "sfn_standard_transition",
                f"{len(path)} states walked on the definition: {' → '.join(path)}",
            )
            continue
        run = measured["state_machines"][name]["duration_ms"]["mean"] * v.duration_factor
        increment = assume("express_increment_ms")
        billed_s = math.ceil(run / increment) * increment / 1000
        gb_s = executions * billed_s * assume("express_memory_mb") / 1024
        usd = cost("sfn_express_request", executions) + cost("sfn_express_gb_second", gb_s)
        result.lines.append(
            Line(
                f"Step Functions {name} (EXPRESS)",
                executions,
                "executions",
                usd * per_million,
                f"a request + {billed_s:g} s x {assume('express_memory_mb'):g} MB "
                f"(measured {run:.0f} ms)",
            )
        )

    # SNS: the customer notifier's ops feed
    publishes = sum(c["per_order"] for c in measured["calls"] if c["action"] == "sns:Publish")
    add("SNS publishes (ops feed)", publishes, "publishes", "sns_publish", "measured")

    # CloudWatch Logs
    log_bytes, log_events = _function_logs(program, measured, flow)
    logs(
        "CloudWatch Logs: functions",
        log_bytes + log_events * assume("log_event_overhead_bytes"),
        f"measured: {log_bytes:.0f} B in {log_events:g} events, at each function's log level "
        "(+ 26 B an event)",
    )
    machine_bytes, levels = 0.0, []
    for name, executions in flow.executions.items():
        machine = _machine(program, name, v)
        levels.append(f"{name} {machine.log_level}")
        if machine.log_level != "ALL":
            continue  # ERROR, FATAL, OFF: nothing on the happy path
        measured_machine = measured["state_machines"][name]
        data = "with_data" if machine.include_execution_data else "without_data"
        machine_bytes += executions * (
            measured_machine["log_bytes_per_execution"][data]
            + measured_machine["log_events_per_execution"] * assume("log_event_overhead_bytes")
        )
    logs(
        "CloudWatch Logs: state machines",
        machine_bytes,
        "the measured executions' history events as log records (estimated shape); levels: "
        + ", ".join(sorted(levels)),
    )
    access = _access_log_bytes(program, flow) if program.api.access_log_format else 0.0
    logs(
        "CloudWatch Logs: API access logs",
        access,
        "the stage's access log format, rendered with typical values (estimated)",
    )

    # X-Ray
    traced = sum(n for h, n in flow.invocations.items() if program.functions[h].tracing)
    traced += sum(n for m, n in flow.executions.items() if program.machines[m].tracing)
    share = assume("xray_sampled_share")
    add(
        "X-Ray traces",
        traced * share,
        "traces",
        "xray_trace_recorded",
        f"{traced:g} traced invocations and executions, each its own trace (at most), "
        f"x {share:.0%} sampled",
    )

    # The archive (the audit recorder is in the lines above: a state machine, its items,
    # its logs and traces)
    result.lines.append(
        Line(
            "The archive",
            flow.archived_bytes / 1024,
            "KB",
            cost("eventbridge_archive_gb", flow.archived_bytes / GB) * per_million,
            f"measured events: {flow.archived_bytes:.0f} B archived "
            "(the archive's price: to confirm)",
        )
    )

    _excluded(result, measured, catalogue)
    _appsync(result, measured, catalogue, flow, v)
    _fixed(result, measured, catalogue, program)
    return result


def _check_invocations(
    result: Estimate, handler: str, derived: float, measured: dict[str, Any], v: Variant
) -> None:
    seen = measured["functions"].get(handler, {}).get("invocations_per_order")
    if v == AS_BUILT and seen is not None and abs(seen - derived) > 0.01:
        result.checks.append(
            f"{handler}: {derived:g} invocations per order derived from the program, "
            f"{seen:g} measured"
        )


def _check_walk(result: Estimate, name: str, path: list[str], measured: dict[str, Any]) -> None:
    seen = measured["state_machines"].get(name, {}).get("states")
    if seen and seen != path:
        result.checks.append(
            f"{name}: the walk on {result.program.stack}'s definition ({len(path)} states) "
            f"differs from the measured execution ({len(seen)})"
        )


def gsi_writes(table_indexes: Any, item: dict[str, Any], projection: str | None) -> float:
    """Writes an index takes for one item write (each at the item's size)."""
    writes = 0.0
    attributes = set(item["attributes"])
    for index in table_indexes:
        if not set(index.keys) <= attributes:
            continue  # the item is not in this index
        kind = projection or index.projection
        if item["kind"] in ("put", "delete"):
            writes += 1
        elif item["kind"] == "update":
            changed = set(item["changed"])
            if changed & set(index.keys):
                writes += 2  # out of its old place, into its new one
            elif kind == "ALL" and changed:
                writes += 1  # a projected attribute changed
    return writes


def _dynamodb_units(
    program: Program, measured: dict[str, Any], v: Variant
) -> tuple[float, float, dict[str, float]]:
    writes = reads = 0.0
    by_table: dict[str, float] = defaultdict(float)
    for call in measured["dynamodb"]:
        for item in call["items"]:
            if item["table"] in v.without_tables:
                continue
            transactional = item["transactional"] and item["table"] not in v.plain_tables
            if item["kind"] == "read":
                reads += call["per_order"] * read_units(
                    item["bytes"], item["consistent"], item["transactional"]
                )
                continue
            table = program.tables[item["table"]]
            units = write_units(item["bytes"], transactional)
            units += gsi_writes(table.indexes, item, v.index_projection) * write_units(
                item["bytes"]
            )
            writes += call["per_order"] * units
            by_table[item["table"]] += call["per_order"] * units
    return writes, reads, by_table


def _pipe_requests(program: Program, measured: dict[str, Any], v: Variant) -> float:
    records = 0.0
    stream_event = {"put": "INSERT", "update": "MODIFY", "delete": "REMOVE"}
    for pipe in program.pipes:
        if pipe.source_table in v.without_tables:
            continue
        for call in measured["dynamodb"]:
            for item in call["items"]:
                event = stream_event.get(item["kind"])
                passes = pipe.event_names is None or event in pipe.event_names
                if item["table"] == pipe.source_table and event and passes:
                    records += call["per_order"] * _chunks(item["bytes"])
    return records


def _function_logs(program: Program, measured: dict[str, Any], flow: Flows) -> tuple[float, float]:
    """Bytes and events the path's functions log per order, at each function's level."""
    total_bytes = total_events = 0.0
    for handler, invocations in flow.invocations.items():
        numbers = measured["functions"][handler]
        seen = numbers.get("invocations_per_order") or 1
        threshold = _level(program.functions[handler].log_level)
        for level, volume in numbers.get("log_per_order", {}).items():
            if _level(level) >= threshold:
                total_bytes += volume["bytes"] / seen * invocations
                total_events += volume["events"] / seen * invocations
    return total_bytes, total_events


def _access_log_bytes(program: Program, flow: Flows) -> float:
    total = 0.0
    for route_key, requests in flow.api_requests.items():
        method, path = route_key.split(" ", 1)
        line = str(program.api.access_log_format)
        values = _ACCESS_LOG_VALUES | {
            "$context.httpMethod": method,
            "$context.routeKey": route_key,
            "$context.path": path.replace("{productId}", "0e2e1f4c-5b1a-4f43-9d0e-7f1c2a3b4c5d"),
        }
        for variable in sorted(values, key=len, reverse=True):
            line = line.replace(variable, values[variable])
        total += requests * (len(line.encode()) + 26)
    return total


def _excluded(result: Estimate, measured: dict[str, Any], catalogue: Catalogue) -> None:
    emails = measured["emails_per_order"]
    result.excluded.append(
        Line(
            "customer e-mail (SES)",
            emails,
            "e-mails",
            catalogue.cost("ses_email", emails) * MILLION,
            "measured: one e-mail per outcome (a paid order: 1; cancelled, refunded, shipped "
            "add one each)",
        )
    )
    actions = {c["action"].split(":")[0] for c in measured["calls"]}
    if "comprehend" not in actions:
        p = catalogue.prices["comprehend_sentiment_unit"]
        result.not_built.append(
            f"Comprehend (review sentiment): none on the order path (a review's: {p.what}: "
            f"${p.usd:g} per {p.per:,.0f}; per 1M reviews: docs/cost-and-capacity.md)"
        )


def _appsync(
    result: Estimate, measured: dict[str, Any], catalogue: Catalogue, flow: Flows, v: Variant
) -> None:
    """The order-status pushes, on one line outside the goal: each order event the status
    rule matches (the program's pattern, the measured events) is one call of the mutation
    its AppSync target names (publishOrderStatus, which exists only to push) and one
    real-time update per subscriber; the subscriber's connection-minutes with them."""
    if not flow.mutations:
        p = catalogue.prices["appsync_realtime_update"]
        result.not_built.append(
            f"AppSync real-time pushes: no rule targets a GraphQL API in the program; "
            f"{p.what}: ${p.usd:g} per {p.per:,.0f}"
        )
        return
    cost, assume = catalogue.cost, catalogue.assume
    mutations = sum(flow.mutations.values())
    subscribers = assume("appsync_subscribers_per_order")
    minutes = assume("appsync_connection_minutes_per_order")
    usd = {
        "mutations": cost("appsync_query", mutations) * MILLION,
        "updates": cost("appsync_realtime_update", mutations * subscribers) * MILLION,
        "minutes": cost("appsync_connection_minute", minutes) * MILLION,
        "delivery": cost("eventbridge_appsync_target", mutations) * MILLION,
    }
    events = ", ".join(f"{t} {n:g}" for t, n in sorted(flow.pushed.items()))
    result.excluded.append(
        Line(
            "AppSync real-time pushes (order status)",
            mutations,
            "pushes",
            sum(usd.values()),
            f"the status rule's pattern (the program) x measured events ({events}): "
            f"{mutations:g} {'/'.join(sorted(flow.mutations))} mutations ${usd['mutations']:.2f}"
            f" + {mutations * subscribers:g} real-time updates ({subscribers:g} subscriber an "
            f"order, assumed) ${usd['updates']:.2f} + {minutes:g} connection-minutes (assumed) "
            f"${usd['minutes']:.2f}; EventBridge's delivery to AppSync ${usd['delivery']:.2f} "
            "(a service target: the event is billed when put)",
        )
    )
    if v != AS_BUILT:
        return
    seen = measured.get("appsync", {}).get("requests_per_order")
    if seen is None:
        result.checks.append("AppSync requests: not in the measurement (run `make measure`)")
    elif abs(seen - mutations) > 0.01:
        result.checks.append(
            f"AppSync: {mutations:g} mutations per order derived from the program, "
            f"{seen:g} requests measured at the local AppSync"
        )


def _fixed(
    result: Estimate, measured: dict[str, Any], catalogue: Catalogue, program: Program
) -> None:
    cost, assume = catalogue.cost, catalogue.assume
    metrics = len(measured["emf_metrics"])
    api_metrics = program.api.routes * assume("http_api_metrics_per_route")
    api_metrics *= program.api.detailed_metrics
    reservoir = assume("xray_reservoir_per_second") * assume("seconds_per_month")
    idle = program.queues_with_mappings * assume("idle_polls_per_queue_month")
    for line in (
        Line(
            "CloudWatch alarms",
            program.alarms,
            "alarms",
            cost("alarm_month", program.alarms),
            "the program",
        ),
        Line(
            "CloudWatch dashboards",
            program.dashboards,
            "dashboards",
            cost("dashboard_month", program.dashboards),
            "the program",
        ),
        Line(
            "KMS customer managed keys",
            program.kms_keys,
            "keys",
            cost("kms_key_month", program.kms_keys),
            "the program (SNS, SQS, DynamoDB use AWS managed keys)",
        ),
        Line(
            "custom metrics: EMF",
            metrics,
            "metrics",
            cost("custom_metric_month", metrics),
            "measured in the functions' logs (those the order path emits)",
        ),
        Line(
            "custom metrics: API detailed metrics",
            api_metrics,
            "metrics",
            cost("custom_metric_month", api_metrics),
            f"{program.api.routes} routes x {assume('http_api_metrics_per_route'):g} (to confirm)",
        ),
        Line(
            "X-Ray reservoir",
            reservoir,
            "traces at most",
            cost("xray_trace_recorded", reservoir),
            "the default rule's 1 trace a second, whatever the orders",
        ),
        Line(
            "SQS idle polling",
            idle,
            "requests",
            cost("sqs_request", idle),
            f"{program.queues_with_mappings} event source mappings polling their queues",
        ),
    ):
        result.fixed.append(line)
    for api in program.graphql_apis:
        if api.caches:
            raise ValueError("an AppSync API cache: add its hourly price to cost/aws.toml")
        unpriced = [f"field logs {api.field_log_level}"] * (api.field_log_level != "NONE")
        unpriced += ["X-Ray on"] * api.xray
        result.fixed.append(
            Line(
                "AppSync GraphQL API",
                api.caches,
                "API caches",
                0.0,
                "the program: no API cache (billed by the hour); requests, real-time "
                "updates and connection-minutes are billed per use (outside the goal, above)"
                + (f"; not priced: {', '.join(unpriced)}" if unpriced else ""),
            )
        )
    result.fixed.append(
        Line(
            "Cognito users",
            0,
            "MAU beyond 10 000",
            0.0,
            "first 10 000 monthly active users free, then "
            f"${catalogue.prices['cognito_mau'].usd:g} each (100 000 MAU: "
            f"${cost('cognito_mau', 90_000):,.0f} a month)",
        )
    )
