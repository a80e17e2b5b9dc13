"""What one order costs in AWS calls, bytes and milliseconds, measured through the local
cloud: `make bench` (scripts/bench.py, section `cost`) places the orders and this module
turns what the emulator and the local cloud saw into docs/measurements.json, which
`make cost` reads without starting anything.

Where each number comes from:
- every AWS call, with its parameters: moto's request recorder in the emulator
  (MOTO_RECORDER_FILEPATH, /moto-api/recorder/...); the caller is the `app/<function>`
  the local cloud puts in each function's User-Agent, and calls without one are the
  state machines' (attributed to a machine through its execution history)
- DynamoDB item sizes: the items as the recorded calls wrote them, replayed in order
  (puts, and updates that set plain values); what cannot be replayed is read back
  after the orders (an upper bound: items only grow on the order path)
- Lambda durations: the local cloud's REPORT lines; log bytes: each function's log file
- events: the audit recorder's executions (each started with a shop.* event, as
  EventBridge delivered it)
- state machines: their execution histories (states walked, events, duration)
- AppSync: the local AppSync's line per request in the local cloud's output (the relay
  calls the status rule's mutation there; no client subscribes during the measurement)
"""

import base64
import json
import re
import statistics
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlparse

from cost import MEASUREMENTS
from cost.dynamo import item_size, updated_attributes
from cost.program import logical

RECORDER_FILE = "MOTO_RECORDER_FILEPATH"  # moto reads it when its server starts
PLUMBING = "local cloud"  # the pollers, pipe players and relay: on AWS, the services' own
STATE_MACHINES = "state machines"  # calls without an app id: moto's interpreter
_APP_ID = re.compile(r"\bapp/([\w.-]+)")
_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")
_REPORT = re.compile(
    r"\[(?P<function>[^\]]+)\] REPORT RequestId: \S+\tDuration: (?P<ms>[\d.]+) ms"
    r"\tBilled Duration: (?P<billed>\d+) ms.*?(?:Init Duration: (?P<init>[\d.]+) ms)?$"
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# REST services: the operation from the path (SES v2 signs as "ses").
_REST_OPERATIONS = {("sesv2", "/v2/email/outbound-emails"): "SendEmail"}
_SIGNING_SERVICES = {"ses": "sesv2"}

if TYPE_CHECKING:
    from localcloud.services import Service

# A boto3 client of the emulator for a service (bench's _aws). Any: each service's client
# has its own type.
Aws = Callable[["Service"], Any]


def _emulator(endpoint: str, path: str) -> None:
    request = urllib.request.Request(endpoint + path, method="POST")  # noqa: S310 - our emulator
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310
        pass


def start_recording(endpoint: str) -> None:
    _emulator(endpoint, "/moto-api/recorder/reset-recording")
    _emulator(endpoint, "/moto-api/recorder/start-recording")


def stop_recording(endpoint: str) -> None:
    _emulator(endpoint, "/moto-api/recorder/stop-recording")


@dataclass
class Window:
    """Where the measured orders begin in what the local cloud writes."""

    console: Path  # the local cloud's output (REPORT lines)
    logs: Path  # its directory of function logs
    console_offset: int = 0
    log_offsets: dict[str, int] = field(default_factory=dict)
    started: float = 0.0  # epoch seconds

    def open(self, now: float) -> None:
        self.console_offset = self.console.stat().st_size
        self.log_offsets = {p.name: p.stat().st_size for p in self.logs.glob("*.log")}
        self.started = now

    def new_console(self) -> list[str]:
        with self.console.open("rb") as out:
            out.seek(self.console_offset)
            return out.read().decode(errors="replace").splitlines()

    def new_log_lines(self) -> dict[str, list[str]]:
        lines = {}
        for log in sorted(self.logs.glob("*.log")):
            with log.open("rb") as read:
                read.seek(self.log_offsets.get(log.name, 0))
                lines[log.stem] = read.read().decode(errors="replace").splitlines()
        return lines


@dataclass
class Call:
    """One recorded AWS request."""

    caller: str
    service: str
    operation: str
    body: dict[str, Any]

    @property
    def action(self) -> str:
        return f"{self.service}:{self.operation}"


def _decode_body(entry: dict[str, Any]) -> str:
    raw = entry.get("body") or ""
    return base64.b64decode(raw).decode(errors="replace") if entry.get("body_encoded") else raw


def read_recording(path: Path, handlers: dict[str, str]) -> list[Call]:
    """The recorded requests in order, each named by its caller: a handler module (from
    `handlers`, function name → module), PLUMBING, STATE_MACHINES, or left out (the
    bench's own reads)."""
    calls = []
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        headers = {k.lower(): v for k, v in entry["headers"].items()}
        app = _APP_ID.search(headers.get("user-agent", ""))
        caller = app.group(1) if app else STATE_MACHINES
        if caller == "bench":
            continue
        caller = PLUMBING if caller == "localcloud" else handlers.get(caller, caller)
        scope = _SCOPE.search(headers.get("authorization", ""))
        if scope is None:
            continue  # not an AWS API request (the recorder's own, health checks)
        service = _SIGNING_SERVICES.get(scope.group(1), scope.group(1))
        text = _decode_body(entry)
        target = headers.get("x-amz-target", "")
        if target:
            operation, body = target.rsplit(".", 1)[1], json.loads(text or "{}")
        elif (service, urlparse(entry["url"]).path) in _REST_OPERATIONS:
            operation = _REST_OPERATIONS[(service, urlparse(entry["url"]).path)]
            body = json.loads(text or "{}")
        else:  # query protocol (SNS): Action=Publish&...
            form = {k: v[0] for k, v in parse_qs(text).items()}
            operation, body = form.pop("Action", "?"), dict(form)
        calls.append(Call(caller, service, operation, body))
    return calls


# --- DynamoDB: every item a call reads or writes, with its size --------------------------

Where = tuple[str, str]  # (the table's name in the emulator, its key as sorted JSON)


class Items:
    """The items of the recorded calls, replayed in order: what each held when a call
    touched it, where the recording says (a put, an update setting plain values);
    otherwise unknown (None) until read back after the orders."""

    def __init__(self, key_names: Callable[[str], list[str]]):
        self.key_names = key_names  # a table's key attributes, by its name in the emulator
        self.known: dict[Where, dict[str, Any] | None] = {}
        self.absent: set[Where] = set()  # deleted by a recorded call, not written since

    def where(self, table: str, item_or_key: dict[str, Any]) -> Where:
        key = {name: item_or_key[name] for name in self.key_names(table)}
        return table, json.dumps(key, sort_keys=True)

    def get(self, where: Where) -> dict[str, Any] | None:
        return self.known.get(where)

    def put(self, where: Where, item: dict[str, Any]) -> None:
        self.known[where] = dict(item)
        self.absent.discard(where)

    def update(self, where: Where, request: dict[str, Any]) -> None:
        item, self.known[where] = self.known.get(where), None
        expression = request["UpdateExpression"]
        if item is None or re.search(r"\b(ADD|DELETE)\b", expression):
            return
        names = request.get("ExpressionAttributeNames", {})
        values = request.get("ExpressionAttributeValues", {})
        clauses = re.split(r"\b(SET|REMOVE)\b", expression)
        for keyword, clause in zip(clauses[1::2], clauses[2::2], strict=True):
            for action in (a.strip() for a in clause.split(",")):
                if keyword == "REMOVE":
                    item.pop(names.get(action, action), None)
                    continue
                target, _, source = (part.strip() for part in action.partition("="))
                if not re.fullmatch(r"[#\w]+", target) or source not in values:
                    return  # an expression this replay does not evaluate: read it back
                item[names.get(target, target)] = values[source]
        self.known[where] = item

    def delete(self, where: Where) -> None:
        self.known[where] = None
        self.absent.add(where)


@dataclass
class Access:
    """One item read or written by a DynamoDB call."""

    where: Where
    kind: str  # read, put, update, delete, condition
    consistent: bool = False
    transactional: bool = False
    item: dict[str, Any] | None = None  # the item as the call left it (a read: found it)
    changed: list[str] = field(default_factory=list)  # what an update set or removed
    absent: bool = False  # the item did not exist (a read of nothing, a put of a new item)


def _requests(call: Call) -> list[tuple[str, dict[str, Any], bool]]:
    """(Put|Update|Delete|Get|ConditionCheck, its request, transactional) of a call."""
    body = call.body
    match call.operation:
        case "TransactWriteItems":
            return [(kind, r, True) for entry in body["TransactItems"] for kind, r in entry.items()]
        case "PutItem" | "UpdateItem" | "DeleteItem" | "GetItem":
            return [(call.operation.removesuffix("Item"), body, False)]
        case "BatchGetItem":
            return [
                (
                    "Get",
                    {"TableName": t, "Key": k, "ConsistentRead": a.get("ConsistentRead")},
                    False,
                )
                for t, a in body["RequestItems"].items()
                for k in a["Keys"]
            ]
        case "BatchWriteItem":
            return [
                (kind.removesuffix("Request"), {"TableName": t, **request}, False)
                for t, writes in body["RequestItems"].items()
                for write in writes
                for kind, request in write.items()
            ]
    raise ValueError(f"no accounting for dynamodb:{call.operation} (a Query or a Scan?)")


def accesses(call: Call, items: Items) -> list[Access]:
    """The items a DynamoDB call touches, replaying it on `items`."""
    found = []
    for kind, request, transactional in _requests(call):
        table = request["TableName"]
        if kind == "Put":
            where = items.where(table, request["Item"])
            new = where in items.absent
            items.put(where, request["Item"])
            found.append(Access(where, "put", False, transactional, request["Item"], absent=new))
            continue
        where = items.where(table, request["Key"])
        if kind == "Get":
            consistent = bool(request.get("ConsistentRead"))
            read = Access(where, "read", consistent, transactional, items.get(where))
            read.absent = where in items.absent
            found.append(read)
        elif kind == "Update":
            items.update(where, request)
            names = request.get("ExpressionAttributeNames")
            changed = updated_attributes(request["UpdateExpression"], names)
            found.append(Access(where, "update", False, transactional, items.get(where), changed))
        elif kind == "Delete":
            found.append(Access(where, "delete", False, transactional, items.get(where)))
            items.delete(where)
        else:
            found.append(Access(where, "condition", False, transactional, items.get(where)))
    return found


# --- the measurement ------------------------------------------------------------------


def _per_order(count: float, orders: int) -> float:
    return round(count / orders, 3)


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "mean": round(statistics.fmean(ordered), 2),
        "p50": round(statistics.median(ordered), 2),
        "max": round(ordered[-1], 2),
    }


def call_counts(calls: list[Call], orders: int) -> list[dict[str, Any]]:
    counted = Counter((c.caller, c.action) for c in calls)
    return [
        {"caller": caller, "action": action, "per_order": _per_order(n, orders)}
        for (caller, action), n in sorted(counted.items())
    ]


def dynamodb_calls(
    calls: list[Call],
    items: Items,
    read_back: Callable[[Where], dict[str, Any] | None],
    orders: int,
    per: str = "per_order",
) -> list[dict[str, Any]]:
    """Each shape of DynamoDB call on the order path (caller, operation, the items it
    touches), per order, with each item's size: as the replay knew it when the call
    touched it, else as read back after the orders (`read_back`)."""
    shapes: dict[str, list[list[Access]]] = defaultdict(list)
    for call in calls:
        if call.service == "dynamodb" and call.caller != PLUMBING:
            touched = accesses(call, items)
            what = [(a.where[0], a.kind, a.consistent, a.transactional, a.changed) for a in touched]
            shapes[json.dumps([call.caller, call.operation, *what])].append(touched)
    found = []
    for shape, runs in shapes.items():
        caller, operation = json.loads(shape)[:2]
        rows = []
        for position, access in enumerate(runs[0]):
            sizes, bases, names = [], set(), set()
            for run in runs:
                item = run[position].item
                if item is None and not run[position].absent:
                    item = read_back(run[position].where)
                    bases.add("read back afterwards" if item else "no such item")
                else:
                    bases.add("no such item" if item is None else "as written")
                sizes.append(item_size(item) if item else 0)
                names |= set(item or {})
            rows.append(
                {
                    "table": logical(access.where[0]),
                    "kind": access.kind,
                    "consistent": access.consistent,
                    "transactional": access.transactional,
                    "bytes": round(statistics.fmean(sizes)),
                    "size": ", ".join(sorted(bases)),
                    "attributes": sorted(names),
                    "changed": access.changed,
                }
            )
        found.append(
            {
                "caller": caller,
                "operation": operation,
                per: _per_order(len(runs), orders),
                "items": rows,
            }
        )
    return sorted(found, key=lambda c: json.dumps([c["caller"], c["operation"], c["items"]]))


def lambda_reports(lines: Iterable[str], handlers: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Per handler module, from the local cloud's REPORT lines: invocations, warm
    durations and billed durations (ms), and cold starts."""
    found: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for line in lines:
        match = _REPORT.search(_ANSI.sub("", line))
        if not match:
            continue
        runs = found[handlers.get(match["function"], match["function"])]
        runs["all"].append(float(match["ms"]))
        if match["init"]:
            runs["init"].append(float(match["init"]))
        else:
            runs["warm"].append(float(match["ms"]))
            runs["billed"].append(float(match["billed"]))
    return {
        handler: {
            "invocations": len(runs["all"]),
            "duration_ms": _summary(runs["warm"] or runs["all"]),
            "billed_ms_mean": round(statistics.fmean(runs["billed"] or runs["all"]), 2),
            "cold_starts": len(runs["init"]),
        }
        for handler, runs in sorted(found.items())
    }


_APPSYNC_LINE = re.compile(r"^\[appsync\] (?P<request>\{.*\})$")


def appsync_requests(lines: Iterable[str], orders: int) -> dict[str, float]:
    """The requests the local AppSync answered (its console line per POST; on the order
    path, the relay's calls of the status rule's mutation), and those that failed (an
    HTTP error or GraphQL errors), per order."""
    answered = failed = 0
    for line in lines:
        match = _APPSYNC_LINE.match(_ANSI.sub("", line))
        if not match:
            continue
        request = json.loads(match["request"])
        answered += 1
        failed += request.get("status") != 200 or bool(request.get("errors"))
    return {
        "requests_per_order": _per_order(answered, orders),
        "failed_per_order": _per_order(failed, orders),
    }


def log_volume(lines: list[str]) -> tuple[dict[str, dict[str, int]], set[tuple[str, str, str]]]:
    """A function's log lines by level ("metric" for EMF metric lines): events and
    bytes; and the EMF metrics they emit (namespace, name, dimensions)."""
    by_level: dict[str, dict[str, int]] = defaultdict(lambda: {"events": 0, "bytes": 0})
    metrics = set()
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        record = record if isinstance(record, dict) else {}
        emf = record.get("_aws", {}).get("CloudWatchMetrics")
        level = "metric" if emf else str(record.get("level", "other"))
        by_level[level]["events"] += 1
        by_level[level]["bytes"] += len(line.encode())
        for block in emf or []:
            dimensions = ",".join(sorted(d for group in block["Dimensions"] for d in group))
            for metric in block["Metrics"]:
                metrics.add((block["Namespace"], metric["Name"], dimensions))
    return dict(by_level), metrics


_DATA_FIELDS = {"input", "output", "parameters", "inputDetails", "outputDetails", "cause"}


def log_record(event: dict[str, Any], execution_arn: str, with_data: bool) -> str:
    """The CloudWatch Logs record Step Functions writes for a history event, in its
    documented shape; without execution data, inputs, outputs and parameters go."""
    details: dict[str, Any] = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
    if not with_data:
        details = {k: v for k, v in details.items() if k not in _DATA_FIELDS}
    stamp = event["timestamp"]
    millis = int(stamp.timestamp() * 1000) if isinstance(stamp, datetime) else 0
    return json.dumps(
        {
            "id": str(event["id"]),
            "type": event["type"],
            "details": details,
            "previous_event_id": str(event.get("previousEventId", 0)),
            "event_timestamp": str(millis),
            "execution_arn": execution_arn,
            "redrive_count": "0",
        },
        default=str,
    )


def state_machines(aws: Aws, arns: dict[str, str], since: float) -> dict[str, list[dict[str, Any]]]:
    """Per machine (its name in the program), each execution started since `since`: the
    states it walked, its tasks, history events, status, duration and log records."""
    sfn, found = aws("stepfunctions"), {}
    for name, arn in arns.items():
        runs = []
        for execution in sfn.list_executions(stateMachineArn=arn)["executions"]:
            if execution["startDate"].timestamp() < since:
                continue
            arn_of_run = execution["executionArn"]
            events = sfn.get_execution_history(executionArn=arn_of_run)["events"]
            described = sfn.describe_execution(executionArn=arn_of_run)
            entered = [e for e in events if e["type"].endswith("StateEntered")]
            runs.append(
                {
                    "states": [e["stateEnteredEventDetails"]["name"] for e in entered],
                    "tasks": [
                        e["taskScheduledEventDetails"]
                        for e in events
                        if e["type"] == "TaskScheduled"
                    ],
                    "events": len(events),
                    "status": described["status"],
                    "ms": (described["stopDate"] - described["startDate"]).total_seconds() * 1e3,
                    "log_bytes": {
                        kind: sum(
                            len(log_record(e, arn_of_run, kind == "with_data")) for e in events
                        )
                        for kind in ("without_data", "with_data")
                    },
                }
            )
        found[name] = runs
    return found


def _signature(operation: str, parameters: dict[str, Any]) -> str:
    return json.dumps([operation.lower(), parameters.get("TableName"), parameters.get("Key")])


def attribute_machine_calls(calls: list[Call], machines: dict[str, list[dict[str, Any]]]) -> None:
    """Name each call of moto's interpreter after the machine whose history scheduled it."""
    owners: dict[str, list[str]] = defaultdict(list)
    for name, runs in machines.items():
        for run in runs:
            for task in run["tasks"]:
                parameters = json.loads(task.get("parameters") or "{}")
                owners[_signature(task["resource"].split(":")[-1], parameters)].append(name)
    for call in calls:
        if call.caller == STATE_MACHINES and owners.get(_signature(call.operation, call.body)):
            call.caller = owners[_signature(call.operation, call.body)].pop()


def delivered_events(
    aws: Aws, recorder: str, since: float, orders: set[str]
) -> dict[str, list[int]]:
    """The measured orders' events as EventBridge delivered them to the audit recorder
    (its rule takes every shop.* event; each execution's input is one delivery): each
    one's bytes, by detail-type."""
    sfn, seen = aws("stepfunctions"), defaultdict(list)
    for execution in sfn.list_executions(stateMachineArn=recorder)["executions"]:
        if execution["startDate"].timestamp() < since:
            continue
        delivered = sfn.describe_execution(executionArn=execution["executionArn"])["input"]
        event = json.loads(delivered)
        if event["detail"]["metadata"]["correlationId"] in orders:
            seen[event["detail-type"]].append(len(delivered.encode()))
    return dict(seen)


def event_sources(calls: list[Call]) -> dict[str, str]:
    """Who put each detail-type on the bus: a handler, a state machine, or a pipe."""
    found = {}
    for call in calls:
        if call.action == "events:PutEvents":
            for entry in call.body.get("Entries", []):
                found[entry["DetailType"]] = "pipe" if call.caller == PLUMBING else call.caller
    return found


def write(measurement: dict[str, Any], path: Path = MEASUREMENTS) -> None:
    path.write_text(json.dumps(measurement, indent=1) + "\n", encoding="utf-8")


@dataclass
class Run:
    """What the bench did: the measured orders, and where in the local cloud's output
    and the emulator's recording they begin."""

    outputs: dict[str, Any]
    window: Window
    recording: Path
    order_ids: list[str]
    api_requests: Counter[str]  # route key → requests, over all the orders
    emails: int  # e-mails the emulator's SES accepted during the orders


def _machine_summary(runs: list[dict[str, Any]], orders: int) -> dict[str, Any]:
    if not runs:
        return {"executions_per_order": 0.0}
    paths = Counter(json.dumps(r["states"]) for r in runs)
    return {
        "executions_per_order": _per_order(len(runs), orders),
        "statuses": dict(Counter(r["status"] for r in runs)),
        "states": json.loads(paths.most_common(1)[0][0]),
        "paths": len(paths),
        "history_events": round(statistics.fmean(r["events"] for r in runs), 1),
        "duration_ms": _summary([r["ms"] for r in runs]),
        "log_bytes_per_execution": {
            kind: round(statistics.fmean(r["log_bytes"][kind] for r in runs))
            for kind in ("without_data", "with_data")
        },
        "log_events_per_execution": round(statistics.fmean(r["events"] for r in runs), 1),
    }


def collect(aws: Aws, run: Run, stack: str) -> dict[str, Any]:
    """The measurement of `run` (see the module doc), per order."""
    import functools  # noqa: PLC0415

    orders = len(run.order_ids)
    listed = aws("lambda").list_functions()["Functions"]
    handlers = {f["FunctionName"]: f["Handler"].rsplit(".", 1)[0] for f in listed}
    prefix = f"shop-{stack}-"
    arns = {
        run.outputs[key].rsplit(":", 1)[-1].removeprefix(prefix): run.outputs[key]
        for key in (
            "stateMachineArn",
            "refundStateMachineArn",
            "customerNotifierArn",
            "auditRecorderArn",
        )
    }
    machines = state_machines(aws, arns, run.window.started)
    calls = read_recording(run.recording, handlers)
    attribute_machine_calls(calls, machines)
    dynamodb = aws("dynamodb")

    @functools.cache
    def key_names(table: str) -> list[str]:
        schema = dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]
        return [k["AttributeName"] for k in schema]

    def read_back(where: Where) -> dict[str, Any] | None:
        table, key = where
        found: dict[str, Any] | None = dynamodb.get_item(
            TableName=table, Key=json.loads(key), ConsistentRead=True
        ).get("Item")
        return found

    console = run.window.new_console()
    functions: dict[str, dict[str, Any]] = {}
    for handler, report in lambda_reports(console, handlers).items():
        functions[handler] = report | {
            "invocations_per_order": _per_order(report["invocations"], orders)
        }
    metrics: set[tuple[str, str, str]] = set()
    for name, lines in run.window.new_log_lines().items():
        if not lines:
            continue
        by_level, emitted = log_volume(lines)
        metrics |= emitted
        functions.setdefault(handlers.get(name, name), {})["log_per_order"] = {
            level: {k: _per_order(v, orders) for k, v in volume.items()}
            for level, volume in sorted(by_level.items())
        }
    sources = event_sources(calls)
    audited = delivered_events(
        aws, run.outputs["auditRecorderArn"], run.window.started, set(run.order_ids)
    )
    left = sum(1 for c in calls if c.caller == STATE_MACHINES)
    return {
        "api_requests_per_order": {
            k: _per_order(v, orders) for k, v in sorted(run.api_requests.items())
        },
        "functions": functions,
        "dynamodb": dynamodb_calls(calls, Items(key_names), read_back, orders),
        "events": {
            detail_type: {
                "per_order": _per_order(len(sizes), orders),
                "bytes": round(statistics.fmean(sizes)),
                "published_by": sources.get(detail_type, "?"),
            }
            for detail_type, sizes in sorted(audited.items())
        },
        "state_machines": {name: _machine_summary(runs, orders) for name, runs in machines.items()},
        "emails_per_order": _per_order(run.emails, orders),
        "appsync": appsync_requests(console, orders),
        "emf_metrics": [list(m) for m in sorted(metrics)],
        "calls": call_counts(calls, orders),
        "unattributed_state_machine_calls": left,
    }


def collect_browse(
    aws: Aws, window: Window, recording: Path, requests: Counter[str]
) -> dict[str, Any]:
    """Product reads (the browse path, for `make capacity`): per request, the functions'
    durations and the DynamoDB items read."""
    import functools  # noqa: PLC0415

    listed = aws("lambda").list_functions()["Functions"]
    handlers = {f["FunctionName"]: f["Handler"].rsplit(".", 1)[0] for f in listed}
    dynamodb = aws("dynamodb")

    @functools.cache
    def key_names(table: str) -> list[str]:
        schema = dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]
        return [k["AttributeName"] for k in schema]

    def read_back(where: Where) -> dict[str, Any] | None:
        found: dict[str, Any] | None = dynamodb.get_item(
            TableName=where[0], Key=json.loads(where[1]), ConsistentRead=True
        ).get("Item")
        return found

    total = sum(requests.values())
    calls = [c for c in read_recording(recording, handlers) if c.operation != "Query"]
    queries = Counter(
        logical(c.body["TableName"]) + (f"/{c.body['IndexName']}" if "IndexName" in c.body else "")
        for c in read_recording(recording, handlers)
        if c.operation == "Query"
    )
    return {
        "requests": dict(requests),
        "functions": lambda_reports(window.new_console(), handlers),
        "dynamodb": dynamodb_calls(calls, Items(key_names), read_back, total, "per_request"),
        "queries_per_request": {k: _per_order(v, total) for k, v in queries.items()},
    }
