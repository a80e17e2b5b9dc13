"""The local cloud's patches of moto. Most are caches of work that moto redoes on
every call although the result depends only on the call's input and is never
changed afterwards; some make moto answer as AWS does ("fidelity" patches); one
answers where moto has no real answer (a "stand-in").
Applied by the emulator process (emulator_server.serve); the function tests,
which run moto in-process, apply the fidelity patches and the stand-ins only.

- DynamoDB transactions, isolated (fidelity). moto's TransactWriteItems copies
  every table it touches, applies its items, and on a failed condition puts the
  copies back; meanwhile other requests (moto's server is threaded) write the same
  tables. A write made during another's transaction is lost when it rolls back, and
  copying a table while it is written fails ("dictionary changed size"). On AWS a
  transaction is isolated from other writes. Every call that reads or writes a
  table's items now holds one lock.
- EventBridge replays, of a window to the rules asked for (fidelity). moto's
  StartReplay sends every event the archive holds to every rule of the bus,
  whatever EventStartTime, EventEndTime and Destination.FilterArns say; AWS
  replays the events of the window, to those rules only (all rules when there are
  none). The replay runbook (docs/runbooks.md) relies on both.
- Step Functions' AWS SDK integrations, named as AWS reads them (fidelity).
  Step Functions calls the Cognito user pools API `cognitoidentityprovider`
  (boto3: cognito-idp), and takes every SDK API's parameters in PascalCase, even
  an API whose own members are camelCase (Step Functions': TaskToken for
  taskToken); moto passed both to boto3 as written, which knows neither.
- A task's missed heartbeat (fidelity). moto reports it as States.Timeout; AWS as
  States.HeartbeatTimeout, which a catcher or retrier of States.Timeout matches
  too. The customer-service workflow escalates a case on it.
- Comprehend's DetectSentiment, a stand-in (not fidelity: NOT Amazon Comprehend).
  moto answers every text NEUTRAL; after moto's own checks of the language code
  and the size, the answer comes from word lists (localcloud/sentiment.py), so
  each branch of the reviews can be reached locally. The start-up summary says so.
- $$.State.EnteredTime (fidelity). moto gives Python's isoformat
  (2026-11-30T10:00:00.123456+00:00); AWS gives milliseconds and a Z
  (2026-11-30T10:00:00.123Z), the shop's one timestamp format, which the order
  workflow writes as the order's updatedAt. The value moto puts in the context
  object is reformatted as AWS's.

- ASL programs. Step Functions parses the state machine definition (ANTLR, then
  the preprocessor that builds the program's components) at every StartExecution:
  ~40 ms for the order workflow, a fifth of the emulator's CPU per order. Each
  distinct definition is now parsed once and kept pickled, never as live
  objects; every execution unpickles an object graph of its own, equal to what
  a fresh parse would give (~0.5 ms). (A program that cannot be pickled is kept
  as objects and deep-copied for each execution instead, ~3 ms.)
- JSONPath expressions. jsonpath_ng's parse() builds a new PLY parser for each
  call; EventBridge's input transformer calls it for ~10 paths per target of
  every rule an event matches, Step Functions for every path it evaluates.
  Parsed expressions are immutable (jsonpath_ng assigns their attributes only
  in __init__), so one expression per path string is shared.
- Step Functions service clients. Each task of a state machine creates a boto3
  client (~10 ms) to call back into the emulator, with arguments that are the
  same for every task of a (region, service) in server mode. botocore clients
  are thread-safe; one per (region, service, endpoint) is reused.
- The backend for a request's host. moto's server resolves it for every request,
  under its dispatcher's lock, by listing moto's package directory (a stat per
  service, ~180) and then matching the services' URL patterns in turn. Both are
  fixed for the life of the process: each host's backend is remembered (hosts
  that match nothing are resolved every time, as before).
- moto.batch, imported when used. The ASL parser imports moto.batch.utils for
  one enum, and moto/batch/__init__.py imports moto.batch.models, which imports
  EC2 (0.7 s of CPU at start-up, for services the shop does not use). The
  package is registered without running its __init__; its one name,
  batch_backends, is imported from moto.batch.models on first access, which is
  everything that __init__ would have done. Applied before serving ("early").

Every patch names the moto versions it was written against (TESTED_MOTO) and
checks, before patching, that its target still has the shape it expects. If
moto is outside that range, or a target moved or changed, the patch is not
applied and the emulator says so loudly on its output; moto then works as
shipped, only slower. tests/localcloud/test_emulator_patches.py fails when a
target no longer matches.
"""

import copy
import functools
import inspect
import pickle
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from localcloud.sentiment import PATCH as SENTIMENT_STAND_IN

TESTED_MOTO = ((5, 2, 5), (5, 3))  # [lowest tested, first untested)


def _version_tuple(text: str) -> tuple[int, ...]:
    """(5, 3, 0) for "5.3.0", "5.3.0rc1" or "5.3.0.dev2": the release, not the suffix."""
    parts = []
    for part in text.split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        parts.append(int(digits.group()))
        if digits.end() < len(part):
            break
    return tuple(parts)


def moto_is_tested(installed: str | None = None) -> bool:
    lowest, untested = TESTED_MOTO
    return lowest <= _version_tuple(installed or version("moto")) < untested


def _set(owner: object, name: str, value: object) -> None:
    """owner.name = value: how the patches replace a method of a class of moto's or a name
    in a module. Through setattr, because mypy rejects both assignments (to a method; to a
    name that a module does not declare): the _check_* functions check the targets instead."""
    setattr(owner, name, value)


# --- ASL programs ----------------------------------------------------------------------


class ProgramCache:
    """Parsed state machine programs by definition; each caller gets its own copy,
    made from a pickle of the parse (or a deep copy of it, if it cannot be pickled)."""

    def __init__(self, parse: Callable[[str], Any], max_definitions: int = 64):
        self._parse = parse
        self._max = max_definitions
        self._pristine: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.parses = 0
        self.copies = 0

    def program(self, definition: str) -> Any:
        pristine = self._pristine.get(definition)
        if pristine is None:
            with self._lock:  # concurrent first executions wait for one parse, not parse too
                pristine = self._pristine.get(definition)
                if pristine is None:
                    program = self._parse(definition)  # a parse error propagates as before
                    self.parses += 1
                    try:
                        pristine = pickle.dumps(program, protocol=pickle.HIGHEST_PROTOCOL)
                    except (pickle.PicklingError, TypeError, AttributeError):
                        pristine = _Unpicklable(program)
                    if len(self._pristine) >= self._max:
                        self._pristine.clear()
                    self._pristine[definition] = pristine
        self.copies += 1  # a statistic: an increment lost to a race does not matter
        if isinstance(pristine, _Unpicklable):
            return copy.deepcopy(pristine.program)
        return pickle.loads(pristine)  # noqa: S301 - our own pickle, made just above


@dataclass(frozen=True)
class _Unpicklable:
    program: Any


def _check_asl() -> str | None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import (  # noqa: PLC0415
        AmazonStateLanguageParser,
    )
    from moto.stepfunctions.parser.backend.execution_worker import (  # noqa: PLC0415
        ExecutionWorker,
    )

    target = ExecutionWorker.__dict__.get("_get_evaluation_entrypoint")
    if target is None or list(inspect.signature(target).parameters) != ["self"]:
        return "ExecutionWorker._get_evaluation_entrypoint(self) is gone or changed"
    names = set(target.__code__.co_names)
    expected = {"AmazonStateLanguageParser", "parse", "state_machine_details", "definition"}
    if not expected <= names:
        return f"ExecutionWorker._get_evaluation_entrypoint no longer uses {expected - names}"
    if list(inspect.signature(AmazonStateLanguageParser.parse).parameters) != ["definition"]:
        return "AmazonStateLanguageParser.parse(definition) changed"
    return None


def _apply_asl() -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import (  # noqa: PLC0415
        AmazonStateLanguageParser,
    )
    from moto.stepfunctions.parser.backend.execution_worker import (  # noqa: PLC0415
        ExecutionWorker,
    )

    cache = ProgramCache(lambda definition: AmazonStateLanguageParser.parse(definition)[0])

    def _get_evaluation_entrypoint(self: ExecutionWorker) -> Any:
        return cache.program(self._evaluation_details.state_machine_details.definition)

    _set(ExecutionWorker, "_get_evaluation_entrypoint", _get_evaluation_entrypoint)
    _STATS["asl-program-cache"] = lambda: {"parses": cache.parses, "executions": cache.copies}


# --- JSONPath expressions --------------------------------------------------------------

# Modules whose `parse` is jsonpath_ng's, imported by name (so patched where it is used).
_JSONPATH_USERS = {
    "moto.stepfunctions.parser.asl.utils.json_path": "jsonpath_ng.ext",
    "moto.stepfunctions.parser.asl.component.common.path.result_path": "jsonpath_ng",
}


def _check_jsonpath() -> str | None:
    import importlib  # noqa: PLC0415

    import jsonpath_ng  # noqa: PLC0415
    import jsonpath_ng.ext  # noqa: PLC0415
    from moto.events.utils import EventTemplateParser  # noqa: PLC0415

    for module in (jsonpath_ng, jsonpath_ng.ext):
        parameters = list(inspect.signature(module.parse).parameters)
        if parameters[:1] != ["path"] and parameters[:1] != ["string"]:
            return f"{module.__name__}.parse changed: {parameters}"
    for name, source in _JSONPATH_USERS.items():
        user = importlib.import_module(name)
        if getattr(user, "parse", None) is not importlib.import_module(source).parse:
            return f"{name}.parse is no longer {source}.parse"
    # EventBridge imports jsonpath_ng.ext.parse inside EventTemplateParser.parse, per call.
    if "jsonpath_ng.ext" not in inspect.getsource(EventTemplateParser.parse):
        return "EventTemplateParser.parse no longer imports jsonpath_ng.ext.parse"
    return None


def _cached_parse(parse: Callable[..., Any]) -> Callable[..., Any]:
    cached = functools.lru_cache(maxsize=4096)(parse)

    @functools.wraps(parse)
    def parse_once(path: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or not isinstance(path, str):
            return parse(path, *args, **kwargs)
        return cached(path)

    _set(parse_once, "cache_info", cached.cache_info)
    return parse_once


def _apply_jsonpath() -> None:
    import importlib  # noqa: PLC0415

    import jsonpath_ng  # noqa: PLC0415
    import jsonpath_ng.ext  # noqa: PLC0415

    replacements = {
        module: _cached_parse(module.parse) for module in (jsonpath_ng, jsonpath_ng.ext)
    }
    for name, source in _JSONPATH_USERS.items():
        _set(importlib.import_module(name), "parse", replacements[importlib.import_module(source)])
    for module, replacement in replacements.items():
        _set(module, "parse", replacement)


# --- Step Functions service clients -----------------------------------------------------

_SFN_PARSER = "moto.stepfunctions.parser"


def _check_sfn_clients() -> str | None:
    from moto.stepfunctions.parser.asl.utils import boto_client  # noqa: PLC0415

    parameters = list(inspect.signature(boto_client.boto_client_for).parameters)
    if parameters != ["region", "service", "state_credentials"]:
        return f"boto_client_for changed: {parameters}"
    names = set(boto_client.boto_client_for.__code__.co_names)
    if not {"client", "moto_server_port", "botocore_stubber"} <= names:
        return "boto_client_for no longer builds a client from moto_server_port()"
    return None


def _apply_sfn_clients() -> None:
    # The service integrations import boto_client_for by name: load them all first.
    import moto.stepfunctions.parser.asl.parse.preprocessor  # noqa: F401, PLC0415
    from moto.core.models import botocore_stubber  # noqa: PLC0415
    from moto.settings import moto_server_port  # noqa: PLC0415
    from moto.stepfunctions.parser.asl.utils import boto_client  # noqa: PLC0415

    original = boto_client.boto_client_for
    clients: dict[tuple[str, str, bool, str], Any] = {}
    lock = threading.Lock()

    @functools.wraps(original)
    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        # state_credentials is not used by the original either.
        key = (region, service, botocore_stubber.enabled, moto_server_port())
        client = clients.get(key)
        if client is None:
            with lock:  # concurrent first tasks wait for one client, not create their own
                client = clients.get(key)
                if client is None:
                    client = clients[key] = original(region, service, state_credentials)
        return client

    for name, module in list(sys.modules.items()):
        if name.startswith(_SFN_PARSER) and getattr(module, "boto_client_for", None) is original:
            _set(module, "boto_client_for", boto_client_for)


# --- the backend for a request's host -----------------------------------------------------


def _check_backend_for_host() -> str | None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: PLC0415

    target = DomainDispatcherApplication.__dict__.get("get_backend_for_host")
    if target is None or list(inspect.signature(target).parameters) != ["self", "host"]:
        return "DomainDispatcherApplication.get_backend_for_host(self, host) is gone or changed"
    names = set(target.__code__.co_names)
    if not {"list_of_moto_modules", "backend_url_patterns"} <= names:
        return "get_backend_for_host no longer resolves from the modules and URL patterns"
    return None


def _apply_backend_for_host() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: PLC0415

    original = DomainDispatcherApplication.get_backend_for_host
    known: dict[tuple[int, str | None], Any] = {}

    @functools.wraps(original)
    def get_backend_for_host(self: DomainDispatcherApplication, host: str | None) -> Any:
        key = (id(self.backend_url_patterns), host)
        backend = known.get(key)
        if backend is None:
            backend = original(self, host)
            if backend is not None:
                known[key] = backend
        return backend

    _set(DomainDispatcherApplication, "get_backend_for_host", get_backend_for_host)


# --- moto.batch, imported when used ----------------------------------------------------

_BATCH_INIT = "from .models import batch_backends  # noqa: F401"


def _check_lazy_batch() -> str | None:
    import importlib.util  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    if "moto.batch" in sys.modules:
        return "moto.batch is already imported"
    spec = importlib.util.find_spec("moto.batch")
    if spec is None or spec.origin is None or spec.submodule_search_locations is None:
        return "moto.batch is not a package any more"
    init = Path(spec.origin).read_text(encoding="utf-8").strip()
    if init != _BATCH_INIT:
        return f"moto/batch/__init__.py is no longer just {_BATCH_INIT!r}"
    return None


def _apply_lazy_batch() -> None:
    import importlib.util  # noqa: PLC0415

    import moto  # noqa: PLC0415

    spec = importlib.util.find_spec("moto.batch")
    assert spec is not None, "_check_lazy_batch found it"
    package = importlib.util.module_from_spec(spec)

    def __getattr__(name: str) -> Any:  # what the real __init__ defines, once asked for
        if name == "batch_backends":
            from moto.batch.models import batch_backends  # noqa: PLC0415

            _set(package, "batch_backends", batch_backends)
            return batch_backends
        raise AttributeError(f"module 'moto.batch' has no attribute {name!r}")

    _set(package, "__getattr__", __getattr__)
    sys.modules["moto.batch"] = package
    moto.batch = package


# --- DynamoDB transactions, isolated -----------------------------------------------------

_ITEM_CALLS: tuple[str, ...] = ("get_item", "put_item", "update_item", "delete_item")
_ITEM_CALLS += ("query", "scan", "transact_write_items")


def _check_dynamodb_isolation() -> str | None:
    from moto.dynamodb.models import DynamoDBBackend  # noqa: PLC0415

    missing = [name for name in _ITEM_CALLS if name not in vars(DynamoDBBackend)]
    if missing:
        return f"DynamoDBBackend no longer defines {missing}"
    source = inspect.getsource(DynamoDBBackend.transact_write_items)
    if "original_table_state" not in source:
        return "transact_write_items no longer rolls back by restoring table copies"
    return None


def _apply_dynamodb_isolation() -> None:
    from moto.dynamodb.models import DynamoDBBackend  # noqa: PLC0415

    lock = threading.RLock()

    def isolated(call: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(call)
        def one_at_a_time(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return call(*args, **kwargs)

        return one_at_a_time

    for name in _ITEM_CALLS:
        _set(DynamoDBBackend, name, isolated(vars(DynamoDBBackend)[name]))


# --- DynamoDB streams: a cancelled transaction leaves no record --------------------------
# moto applies a transaction's writes one by one, collecting the refused ones, and on a
# refusal restores a copy of each table taken before. The writes already applied have
# added stream records to the live shard, which the copy replaces: every open shard
# iterator then keeps reading the discarded shard, with records of writes that never
# happened, and never sees a later one. On AWS a cancelled transaction writes nothing,
# to the stream neither. This keeps the live shard (its iterators stay valid), without
# the cancelled transaction's records, in the restored table.


def _check_stream_rollback() -> str | None:
    from moto.dynamodb.models import DynamoDBBackend  # noqa: PLC0415
    from moto.dynamodb.models.table import StreamShard, Table  # noqa: PLC0415

    problem = _check_dynamodb_isolation()
    if problem:
        return problem
    if "self.items" not in inspect.getsource(StreamShard.__init__):
        return "StreamShard no longer keeps its records in items"
    if "stream_shard" not in inspect.getsource(Table.__init__):
        return "Table no longer keeps its stream in stream_shard"
    if "self.tables[table_name] = original_table_state" not in inspect.getsource(
        DynamoDBBackend.transact_write_items
    ):
        return "transact_write_items no longer restores tables into self.tables"
    return None


def _apply_stream_rollback() -> None:
    from moto.dynamodb.models import DynamoDBBackend  # noqa: PLC0415

    transact = vars(DynamoDBBackend)["transact_write_items"]

    @functools.wraps(transact)
    def without_cancelled_records(self: Any, transact_items: Any, *args: Any, **kwargs: Any) -> Any:
        shards = {
            name: (table.stream_shard, len(table.stream_shard.items))
            for name, table in self.tables.items()
            if getattr(table, "stream_shard", None) is not None
        }
        try:
            return transact(self, transact_items, *args, **kwargs)
        except Exception:
            for name, (shard, length) in shards.items():
                table = self.tables.get(name)
                if table is not None and table.stream_shard is not shard:  # restored
                    del shard.items[length:]
                    shard.table = table
                    table.stream_shard = shard
            raise

    _set(DynamoDBBackend, "transact_write_items", without_cancelled_records)


# --- $$.State.EnteredTime as AWS formats it ---------------------------------------------

_STATE_MODULE = "moto.stepfunctions.parser.asl.component.state.state"
_ENTERED_TIME = "EnteredTime=datetime.datetime.now(tz=datetime.timezone.utc).isoformat()"


def aws_timestamp(iso: str) -> str:
    """An ISO 8601 moment as Step Functions writes it: UTC, milliseconds, Z."""
    from datetime import UTC, datetime  # noqa: PLC0415

    moment = datetime.fromisoformat(iso).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _check_entered_time() -> str | None:
    import importlib  # noqa: PLC0415

    module = importlib.import_module(_STATE_MODULE)
    if "StateData" not in vars(module):
        return f"{_STATE_MODULE} no longer builds StateData"
    if _ENTERED_TIME not in inspect.getsource(module):
        return f"{_STATE_MODULE} no longer sets {_ENTERED_TIME}"
    return None


def _apply_entered_time() -> None:
    import importlib  # noqa: PLC0415

    module = importlib.import_module(_STATE_MODULE)
    state_data = module.StateData

    def aws_state_data(**fields: Any) -> Any:
        if "EnteredTime" in fields:
            fields["EnteredTime"] = aws_timestamp(fields["EnteredTime"])
        return state_data(**fields)

    _set(module, "StateData", aws_state_data)


# --- an input transformer's <time> as AWS gives it ------------------------------------------

_EVENTS_UTILS = "moto.events.utils"


def _check_transformer_time() -> str | None:
    import importlib  # noqa: PLC0415

    module = importlib.import_module(_EVENTS_UTILS)
    parser = getattr(module, "EventTemplateParser", None)
    if parser is None or "parse" not in vars(parser):
        return f"{_EVENTS_UTILS} has no EventTemplateParser.parse"
    if '"time": "$.time"' not in inspect.getsource(parser):
        return f"{_EVENTS_UTILS} EventTemplateParser no longer maps $.time"
    return None


def _apply_transformer_time() -> None:
    """moto keeps an event's `time` as epoch seconds until it writes the event out, so an
    input transformer's `$.time` gets a number; AWS gives the ISO 8601 string (2026-12-01
    T10:00:00Z). Only a target's own template is affected: moto's default one formats the
    time itself later."""
    import importlib  # noqa: PLC0415
    from datetime import UTC, datetime  # noqa: PLC0415

    parser = importlib.import_module(_EVENTS_UTILS).EventTemplateParser
    parse = parser.parse

    def aws_time_parse(
        input_template: str | None, input_paths_map: dict[str, Any], event: Any
    ) -> Any:
        moment = event.get("time") if isinstance(event, dict) else None
        if input_template and isinstance(moment, int | float):
            iso = datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            event = {**event, "time": iso}
        return parse(input_template=input_template, input_paths_map=input_paths_map, event=event)

    _set(parser, "parse", staticmethod(aws_time_parse))


# --- EventBridge replays: the window and the rules asked for -----------------------------

_REPLAY_SHAPE = (
    "for event in archive.events",
    "for rule in event_bus.rules.values()",
    '"replay-name": self.name',
    "self.state = ReplayState.COMPLETED",
)


def _epoch(moment: Any) -> float:
    """An EventBridge time as moto holds it: epoch seconds (a number), or ISO 8601 text."""
    from datetime import datetime  # noqa: PLC0415

    if isinstance(moment, int | float):
        return float(moment)
    if isinstance(moment, datetime):
        return moment.timestamp()
    try:
        return float(moment)
    except ValueError:
        return datetime.fromisoformat(str(moment)).timestamp()


def _check_replay_window() -> str | None:
    from moto.events.models import Replay  # noqa: PLC0415

    source = inspect.getsource(Replay.replay_events)
    missing = [shape for shape in _REPLAY_SHAPE if shape not in source]
    if missing:
        return f"Replay.replay_events no longer has {missing}"
    init = inspect.getsource(Replay.__init__)
    if "self.event_start_time" not in init or "self.destination" not in init:
        return "Replay no longer keeps its window and destination"
    return None


def _apply_replay_window() -> None:
    from moto.core.utils import unix_time  # noqa: PLC0415
    from moto.events.models import Replay, ReplayState, events_backends  # noqa: PLC0415
    from moto.moto_api._internal import mock_random as random  # noqa: PLC0415

    def replay_events(self: Any, archive: Any) -> None:
        backend = events_backends[self.account_id][self.region]
        bus = backend.describe_event_bus(self.destination["Arn"].split("/")[-1])
        start, end = _epoch(self.event_start_time), _epoch(self.event_end_time)
        only = set(self.destination.get("FilterArns") or ())
        for event in list(archive.events):
            if not start <= _epoch(event["time"]) <= end:
                continue
            for rule in list(bus.rules.values()):
                if only and rule.arn not in only:
                    continue
                replayed: Any = event | {"id": str(random.uuid4()), "replay-name": self.name}
                rule.send_to_targets(replayed, transform_input=False)  # as moto's own does
        self.state = ReplayState.COMPLETED
        self.end_time = unix_time()

    _set(Replay, "replay_events", replay_events)


# --- Step Functions' AWS SDK integrations: names as Step Functions reads them --------------

_AWS_SDK_MODULE = "moto.stepfunctions.parser.asl.component.state.exec.state_task.service"
# Step Functions' name of an SDK service where boto3's differs (the optimised integrations'
# sfn and states are moto's own overrides already).
SDK_SERVICE_NAMES = {"cognitoidentityprovider": "cognito-idp"}


def _check_sdk_names() -> str | None:
    import importlib  # noqa: PLC0415

    base = importlib.import_module(f"{_AWS_SDK_MODULE}.state_task_service").StateTaskService
    sdk = importlib.import_module(
        f"{_AWS_SDK_MODULE}.state_task_service_aws_sdk"
    ).StateTaskServiceAwsSdk
    overrides = vars(base).get("_SERVICE_NAME_SFN_TO_BOTO_OVERRIDES")
    if not isinstance(overrides, dict):
        return "StateTaskService._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES is gone"
    if "_SERVICE_NAME_SFN_TO_BOTO_OVERRIDES" not in inspect.getsource(base._get_boto_service_name):
        return "_get_boto_service_name no longer reads the overrides"
    task = vars(sdk).get("_eval_service_task")
    expected = ["self", "env", "resource_runtime_part", "normalised_parameters"]
    if task is None or list(inspect.signature(task).parameters)[:4] != expected:
        return "StateTaskServiceAwsSdk._eval_service_task is gone or changed"
    if "(**normalised_parameters)" not in inspect.getsource(task):
        return "_eval_service_task no longer passes the parameters to the client as they are"
    return None


def api_names(value: Any, shape: Any) -> Any:
    """Parameters as a state wrote them (PascalCase, as Step Functions takes every SDK
    API's) renamed to the API's own members (sfn's are camelCase: taskToken), by
    botocore's shape, at every level."""
    if shape is None:
        return value
    if shape.type_name == "structure" and isinstance(value, dict):
        members = shape.members
        folded = {name.lower(): name for name in members}
        renamed = {}
        for key, item in value.items():
            name = key if key in members else folded.get(key.lower(), key)
            renamed[name] = api_names(item, members.get(name))
        return renamed
    if shape.type_name == "list" and isinstance(value, list):
        return [api_names(item, shape.member) for item in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {key: api_names(item, shape.value) for key, item in value.items()}
    return value


def _apply_sdk_names() -> None:
    import importlib  # noqa: PLC0415

    import botocore.session  # noqa: PLC0415

    base = importlib.import_module(f"{_AWS_SDK_MODULE}.state_task_service").StateTaskService
    sdk = importlib.import_module(
        f"{_AWS_SDK_MODULE}.state_task_service_aws_sdk"
    ).StateTaskServiceAwsSdk
    base._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES.update(SDK_SERVICE_NAMES)
    original = vars(sdk)["_eval_service_task"]
    models = functools.lru_cache(maxsize=None)(botocore.session.get_session().get_service_model)

    @functools.wraps(original)
    def _eval_service_task(
        self: Any,
        env: Any,
        resource_runtime_part: Any,
        normalised_parameters: dict[str, Any],
        state_credentials: Any,
    ) -> Any:
        action = self.resource.api_action
        operation = models(self._get_boto_service_name()).operation_model(
            action[:1].upper() + action[1:]
        )
        return original(
            self,
            env=env,
            resource_runtime_part=resource_runtime_part,
            normalised_parameters=api_names(normalised_parameters, operation.input_shape),
            state_credentials=state_credentials,
        )

    _set(sdk, "_eval_service_task", _eval_service_task)


# --- a task's missed heartbeat is States.HeartbeatTimeout ---------------------------------

_CALLBACK_MODULE = f"{_AWS_SDK_MODULE}.state_task_service_callback"
_ERROR_EQUALS_MODULE = "moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl"


def _check_heartbeat() -> str | None:
    import importlib  # noqa: PLC0415

    callback = importlib.import_module(_CALLBACK_MODULE)
    if "raise HeartbeatTimeoutError()" not in inspect.getsource(callback):
        return "a missed heartbeat no longer raises HeartbeatTimeoutError"
    if "_from_error" not in vars(callback.StateTaskServiceCallback):
        return "StateTaskServiceCallback._from_error is gone"
    decl = importlib.import_module(_ERROR_EQUALS_MODULE).ErrorEqualsDecl
    if "error_name: ErrorName = env.stack.pop()" not in inspect.getsource(decl._eval_body):
        return "ErrorEqualsDecl._eval_body no longer pops the error to match"
    return None


def _apply_heartbeat() -> None:
    """moto reports a missed heartbeat as States.Timeout; AWS as States.HeartbeatTimeout,
    which a catcher or retrier of States.Timeout matches too (both kinds of timeout)."""
    import importlib  # noqa: PLC0415

    from moto.stepfunctions.parser.api import (  # noqa: PLC0415
        HistoryEventType,
        TaskTimedOutEventDetails,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (  # noqa: PLC0415
        FailureEvent,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (  # noqa: PLC0415
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (  # noqa: PLC0415
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.callback.callback import (  # noqa: PLC0415
        HeartbeatTimeoutError,
    )

    callback = importlib.import_module(_CALLBACK_MODULE).StateTaskServiceCallback
    from_error = vars(callback)["_from_error"]
    heartbeat = StatesErrorNameType.StatesHeartbeatTimeout
    timeout = StatesErrorNameType.StatesTimeout.to_name()

    @functools.wraps(from_error)
    def _from_error(self: Any, env: Any, ex: Exception) -> Any:
        if isinstance(ex, HeartbeatTimeoutError):
            # moto's EventDetails, with the one key this event has (as moto builds them).
            details: Any = {
                "taskTimedOutEventDetails": TaskTimedOutEventDetails(error=heartbeat.to_name())
            }
            return FailureEvent(
                env=env,
                error_name=StatesErrorName(typ=heartbeat),
                event_type=HistoryEventType.TaskTimedOut,
                event_details=details,
            )
        return from_error(self, env, ex)

    decl = importlib.import_module(_ERROR_EQUALS_MODULE).ErrorEqualsDecl
    eval_body = decl._eval_body

    @functools.wraps(eval_body)
    def _eval_body(self: Any, env: Any) -> None:
        error = env.stack[-1] if env.stack else None
        if getattr(error, "error_name", None) == heartbeat.to_name() and any(
            name.error_name == timeout for name in self.error_names
        ):
            env.stack.pop()
            env.stack.append(True)
            return
        eval_body(self, env)

    _set(callback, "_from_error", _from_error)
    _set(decl, "_eval_body", _eval_body)


# --- Comprehend's DetectSentiment: the local stand-in ------------------------------------


def _check_sentiment() -> str | None:
    from moto.comprehend.models import ComprehendBackend  # noqa: PLC0415

    target = vars(ComprehendBackend).get("detect_sentiment")
    if target is None or list(inspect.signature(target).parameters) != ["self", "text", "language"]:
        return "ComprehendBackend.detect_sentiment(self, text, language) is gone or changed"
    source = inspect.getsource(target)
    if "TextSizeLimitExceededException" not in source or "language" not in source:
        return "detect_sentiment no longer checks the language and the text's size"
    return None


def _apply_sentiment() -> None:
    """moto's checks (language code, size), then the stand-in's answer, not moto's
    NEUTRAL for every text (localcloud/sentiment.py)."""
    from moto.comprehend.models import ComprehendBackend  # noqa: PLC0415

    from localcloud.sentiment import detect_sentiment  # noqa: PLC0415

    checked = vars(ComprehendBackend)["detect_sentiment"]

    @functools.wraps(checked)
    def stand_in(self: Any, text: str, language: str) -> dict[str, Any]:
        checked(self, text, language)  # raises as moto does for a bad language or size
        return detect_sentiment(text)

    _set(ComprehendBackend, "detect_sentiment", stand_in)


# --- applying them ---------------------------------------------------------------------


@dataclass(frozen=True)
class Patch:
    name: str
    check: Callable[[], str | None]  # None, or why the target no longer matches
    apply: Callable[[], None]
    early: bool = False  # applied before serving (it must precede imports)
    fidelity: bool = False  # makes moto answer as AWS does (not a speed-up)
    stand_in: bool = False  # answers where moto has no real answer (said at start-up)


PATCHES = (
    Patch("lazy-moto-batch", _check_lazy_batch, _apply_lazy_batch, early=True),
    Patch("backend-for-host-cache", _check_backend_for_host, _apply_backend_for_host, early=True),
    Patch("asl-program-cache", _check_asl, _apply_asl),
    Patch("jsonpath-cache", _check_jsonpath, _apply_jsonpath),
    Patch("sfn-client-cache", _check_sfn_clients, _apply_sfn_clients),
    Patch("states-entered-time", _check_entered_time, _apply_entered_time, fidelity=True),
    Patch(
        "events-transformer-time",
        _check_transformer_time,
        _apply_transformer_time,
        fidelity=True,
    ),
    Patch("events-replay-window", _check_replay_window, _apply_replay_window, fidelity=True),
    Patch("sfn-aws-sdk-names", _check_sdk_names, _apply_sdk_names, fidelity=True),
    Patch("sfn-heartbeat-timeout", _check_heartbeat, _apply_heartbeat, fidelity=True),
    Patch(SENTIMENT_STAND_IN, _check_sentiment, _apply_sentiment, stand_in=True),
    # Before dynamodb-isolation, which then holds its lock around this one too.
    Patch(
        "dynamodb-stream-rollback", _check_stream_rollback, _apply_stream_rollback, fidelity=True
    ),
    Patch(
        "dynamodb-isolation", _check_dynamodb_isolation, _apply_dynamodb_isolation, fidelity=True
    ),
)
_applied: set[str] = set()  # in this process (the function tests apply some themselves)


def apply_fidelity(say: Callable[[str], None] = print) -> list[str]:
    """Apply the patches that make moto answer as AWS does, and the stand-ins, once per
    process: what the function tests, running moto in-process, need of the emulator."""
    applied = []
    for patch in PATCHES:
        if (patch.fidelity or patch.stand_in) and patch.name not in _applied:
            reason = problems().get(patch.name)
            if reason:
                say(f"!!! localcloud: moto patch {patch.name} NOT applied: {reason}")
                continue
            patch.apply()
            _applied.add(patch.name)
            applied.append(patch.name)
    return applied


def _selected(early: bool | None) -> list[Patch]:
    return [p for p in PATCHES if early is None or p.early == early]


_STATS: dict[str, Callable[[], dict[str, Any]]] = {}


def stats() -> dict[str, dict[str, Any]]:
    """What the applied patches report about themselves (for tests and curious people)."""
    return {name: report() for name, report in _STATS.items()}


def problems(early: bool | None = None) -> dict[str, str]:
    """Patch name → why it cannot be applied, for every patch (of the early or the
    late ones, or all) that cannot."""
    patches = _selected(early)
    if not moto_is_tested():
        lowest, untested = TESTED_MOTO
        outside = (
            f"moto {version('moto')} is outside the tested range "
            f">={'.'.join(map(str, lowest))},<{'.'.join(map(str, untested))}"
        )
        return {patch.name: outside for patch in patches}
    found = {}
    for patch in patches:
        try:
            reason = patch.check()
        except (ImportError, AttributeError, TypeError, ValueError, OSError) as error:
            reason = f"{type(error).__name__}: {error}"
        if reason:
            found[patch.name] = reason
    return found


def apply(say: Callable[[str], None] = print, early: bool | None = None) -> list[str]:
    """Apply every patch (of the early or the late ones, or all) whose target matches;
    say loudly which were not. Returns the names of the patches applied."""
    refused = problems(early)
    applied = []
    for patch in _selected(early):
        if patch.name in refused:
            say(
                f"!!! localcloud: moto patch {patch.name} NOT applied: {refused[patch.name]}. "
                "The emulator works as shipped, only slower; "
                "see localcloud/emulator_patches.py"
            )
            continue
        if patch.name not in _applied:
            patch.apply()
            _applied.add(patch.name)
        applied.append(patch.name)
    return applied
