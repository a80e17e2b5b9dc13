"""Pipes: the local cloud plays each EventBridge pipe from a DynamoDB stream to an
event bus, as EventBridge Pipes does (moto stores pipes and moves nothing).

Everything comes from the pipe's definition as the emulator stores it
(DescribePipe): its source stream and starting position, its filter, its batch size,
its target bus, input template, source and detail-type, its retry settings and its
dead-letter queue. A player reads each shard of the stream (GetShardIterator,
GetRecords; moto implements both), keeps the records the filter matches, renders
each into an event and puts a batch on the bus:
- a PutEvents that fails, or an entry it refuses, or a detail that is not a JSON
  object, fails the record: it is retried (the whole call, or the refused entries)
  up to MaximumRetryAttempts times, with a short backoff;
- then, or once a record is older than MaximumRecordAgeInSeconds, the pipe sends a
  description of the failed records to its DLQ (in the shape Lambda gives a stream's
  on-failure destination: the shard and the sequence numbers, not the records) and
  the stream moves on.
A record is delivered at least once: a record played again (a restart of the player
from TRIM_HORIZON, or a test replaying it) is put again, with the same detail, hence
the same metadata.eventId.

Supported subsets, refused at start-up when a pipe needs more: DynamoDB stream
sources; event bus targets; filter patterns of exact values, `prefix` and
`anything-but` (of exact values); JSON paths in dot notation.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from localcloud.workers import Console

_IDLE_POLL_SECONDS = 0.25  # between empty reads of a shard: prompt, and no busy loop
_BACKOFF_SECONDS = (0.05, 0.1, 0.2, 0.4, 0.8)  # then 0.8 s between attempts
_PLACEHOLDER = re.compile(r"<([^<>\s]+)>")
_PUT_EVENTS_MAX = 10  # entries per PutEvents


class Unsupported(ValueError):
    """A pipe setting the local cloud does not play (said at start-up)."""


@dataclass(frozen=True)
class PipeDefinition:
    """What the player needs of a pipe, as DescribePipe answers it."""

    name: str
    arn: str
    stream_arn: str
    target_arn: str
    starting_position: str
    batch_size: int
    filters: tuple[dict[str, Any], ...]
    input_template: str | None
    source: str
    detail_type: str
    maximum_retry_attempts: int  # -1: until the record expires
    maximum_record_age_seconds: int  # -1: until the record expires (24 h)
    dlq_arn: str | None

    @classmethod
    def from_description(cls, pipe: dict[str, Any]) -> PipeDefinition:
        name, source_arn = pipe["Name"], pipe["Source"]
        if ":dynamodb:" not in source_arn or "/stream/" not in source_arn:
            raise Unsupported(f"pipe {name}: only DynamoDB stream sources are played")
        if ":events:" not in pipe["Target"]:
            raise Unsupported(f"pipe {name}: only event bus targets are played")
        source = pipe.get("SourceParameters") or {}
        stream = source.get("DynamoDBStreamParameters") or {}
        target = pipe.get("TargetParameters") or {}
        bus = target.get("EventBridgeEventBusParameters") or {}
        filters = tuple(
            json.loads(f["Pattern"])
            for f in (source.get("FilterCriteria") or {}).get("Filters", [])
        )
        for pattern in filters:
            _check_pattern(name, pattern)
        return cls(
            name=name,
            arn=pipe["Arn"],
            stream_arn=source_arn,
            target_arn=pipe["Target"],
            starting_position=stream.get("StartingPosition", "LATEST"),
            batch_size=int(stream.get("BatchSize", 100)),
            filters=filters,
            input_template=target.get("InputTemplate"),
            source=bus.get("Source", "Pipe " + name),
            detail_type=bus.get("DetailType", "Event from aws:dynamodb.stream"),
            maximum_retry_attempts=int(stream.get("MaximumRetryAttempts", -1)),
            maximum_record_age_seconds=int(stream.get("MaximumRecordAgeInSeconds", -1)),
            dlq_arn=(stream.get("DeadLetterConfig") or {}).get("Arn"),
        )


# -- what a pipe does with one record ------------------------------------------------------


def _check_pattern(pipe: str, pattern: dict[str, Any]) -> None:
    for value in pattern.values():
        if isinstance(value, dict):
            _check_pattern(pipe, value)
            continue
        for accepted in value:
            if isinstance(accepted, dict) and not set(accepted) <= {"prefix", "anything-but"}:
                raise Unsupported(f"pipe {pipe}: filter {accepted} is not played locally")


def _matches_value(accepted: list[Any], value: Any) -> bool:
    for option in accepted:
        if isinstance(option, dict):
            if "prefix" in option and isinstance(value, str) and value.startswith(option["prefix"]):
                return True
            if "anything-but" in option:
                excluded = option["anything-but"]
                excluded = excluded if isinstance(excluded, list) else [excluded]
                if value is not None and value not in excluded:
                    return True
        elif value == option:
            return True
    return False


def matches(pattern: dict[str, Any], record: Any) -> bool:
    """Whether the record matches an EventBridge pattern (the subset pipes use here)."""
    if not isinstance(record, dict):
        return False
    for key, accepted in pattern.items():
        value = record.get(key)
        if isinstance(accepted, dict):
            if not matches(accepted, value):
                return False
        elif not _matches_value(accepted, value):
            return False
    return True


def passes(definition: PipeDefinition, record: dict[str, Any]) -> bool:
    """A record passes a pipe's filter when any of its patterns matches (or it has none)."""
    return not definition.filters or any(matches(p, record) for p in definition.filters)


def json_path(document: Any, path: str) -> Any:
    """The value at a dot-notation path ($.a.b.0); KeyError when there is none."""
    value = document
    for step in path.removeprefix("$").strip(".").split(".") if path != "$" else []:
        if isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        elif isinstance(value, dict) and step in value:
            value = value[step]
        else:
            raise KeyError(path)
    return value


def render(definition: PipeDefinition, template: str | None, record: dict[str, Any]) -> str:
    """The target's input: the record as JSON without a template; otherwise the template
    with each <$.path> or reserved variable replaced by its value. A string value goes
    in as its text (quote it in the template where a JSON string is meant); anything
    else as JSON."""
    if template is None:
        return json.dumps(record)
    reserved = {
        "aws.pipes.pipe-arn": definition.arn,
        "aws.pipes.pipe-name": definition.name,
        "aws.pipes.source-arn": definition.stream_arn,
        "aws.pipes.target-arn": definition.target_arn,
        "aws.pipes.event.ingestion-time": datetime.now(UTC).isoformat(timespec="milliseconds"),
    }

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        found = reserved[name] if name in reserved else json_path(record, name)
        return found if isinstance(found, str) else json.dumps(found)

    return _PLACEHOLDER.sub(value, template)


def event_entry(definition: PipeDefinition, record: dict[str, Any]) -> dict[str, Any]:
    """The PutEvents entry of one record; ValueError if its detail is not a JSON object
    (EventBridge refuses such an entry)."""
    detail = render(definition, definition.input_template, record)
    try:
        parsed = json.loads(detail)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise ValueError(f"the detail is not a JSON object: {detail[:200]}")
    detail_type = definition.detail_type
    if detail_type.startswith("$."):  # a dynamic path parameter
        detail_type = str(json_path(record, detail_type))
    return {
        "EventBusName": definition.target_arn,
        "Source": definition.source,
        "DetailType": detail_type,
        "Detail": detail,
    }


def dlq_message(
    definition: PipeDefinition, shard_id: str, records: list[dict[str, Any]], attempts: int
) -> str:
    """A description of failed records for the pipe's DLQ (the shard and sequence
    numbers; the records stay readable in the stream, and the items in their table)."""
    first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
    return json.dumps(
        {
            "requestContext": {
                "pipeArn": definition.arn,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": attempts,
            },
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": str(first.get("ApproximateCreationDateTime")),
                "approximateArrivalOfLastRecord": str(last.get("ApproximateCreationDateTime")),
                "batchSize": len(records),
                "streamArn": definition.stream_arn,
            },
        }
    )


# -- playing a pipe --------------------------------------------------------------------------


@dataclass
class _Shard:
    shard_id: str
    iterator: str | None


@dataclass
class PipePlayer:
    """Plays one pipe. step() reads what each shard has now and delivers it (the tests
    call it directly); start() runs step() on a thread until stop()."""

    definition: PipeDefinition
    streams: Any  # a dynamodbstreams client
    events: Any  # an events client
    sqs: Any  # an sqs client, for the DLQ
    console: Console | None = None
    sleep: Callable[[float], None] = time.sleep
    delivered: int = 0  # events put on the bus so far
    dead_lettered: int = 0  # records sent (described) to the DLQ so far
    _shards: dict[str, _Shard] = field(default_factory=dict)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self.definition.name

    # -- the stream --------------------------------------------------------------------

    def _discover(self) -> None:
        description = self.streams.describe_stream(StreamArn=self.definition.stream_arn)
        for shard in description["StreamDescription"].get("Shards", []):
            if shard["ShardId"] in self._shards:
                continue
            position = self.definition.starting_position
            iterator = self.streams.get_shard_iterator(
                StreamArn=self.definition.stream_arn,
                ShardId=shard["ShardId"],
                ShardIteratorType="TRIM_HORIZON" if position == "TRIM_HORIZON" else "LATEST",
            )["ShardIterator"]
            self._shards[shard["ShardId"]] = _Shard(shard["ShardId"], iterator)

    def step(self) -> int:
        """Read each shard once, deliver what passes the filter; the records read."""
        self._discover()
        read = 0
        for shard in self._shards.values():
            if shard.iterator is None:
                continue  # closed
            response = self.streams.get_records(ShardIterator=shard.iterator, Limit=1000)
            shard.iterator = response.get("NextShardIterator")
            records = response.get("Records", [])
            read += len(records)
            kept = [r for r in records if passes(self.definition, r)]
            size = max(1, min(self.definition.batch_size, _PUT_EVENTS_MAX))
            for start in range(0, len(kept), size):
                self.deliver(shard.shard_id, kept[start : start + size])
        return read

    # -- the target --------------------------------------------------------------------

    def _put(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Put the records' events; the records that failed."""
        entries, failed = [], []
        for record in records:
            try:
                entries.append((record, event_entry(self.definition, record)))
            except (ValueError, KeyError) as error:
                self._say(f"record {record['dynamodb']['SequenceNumber']}: {error}")
                failed.append(record)
        if entries:
            try:
                response = self.events.put_events(Entries=[entry for _, entry in entries])
            except Exception as error:  # the target failed: every entry is retried
                self._say(f"PutEvents failed: {error}")
                return failed + [record for record, _ in entries]
            results = response.get("Entries", [])
            for (record, _), result in zip(entries, results, strict=False):
                if result.get("ErrorCode"):
                    failed.append(record)
                else:
                    self.delivered += 1
        return failed

    def _too_old(self, record: dict[str, Any]) -> bool:
        maximum = self.definition.maximum_record_age_seconds
        created = record["dynamodb"].get("ApproximateCreationDateTime")
        if maximum < 0 or created is None:
            return False
        if isinstance(created, (int, float)):
            created = datetime.fromtimestamp(created, UTC)
        age: float = (datetime.now(UTC) - created).total_seconds()
        return age > maximum

    def deliver(self, shard_id: str, records: list[dict[str, Any]]) -> None:
        """Deliver a batch, retrying what fails; then send what still fails to the DLQ."""
        pending, attempts = records, 0
        while pending:
            pending = self._put(pending)
            attempts += 1
            if not pending:
                return
            retries = self.definition.maximum_retry_attempts
            exhausted = retries >= 0 and attempts > retries
            if exhausted or all(self._too_old(r) for r in pending) or self._stopping.is_set():
                break
            self.sleep(_BACKOFF_SECONDS[min(attempts - 1, len(_BACKOFF_SECONDS) - 1)])
        if pending and not self._stopping.is_set():
            self._dead_letter(shard_id, pending, attempts)

    def _dead_letter(self, shard_id: str, records: list[dict[str, Any]], attempts: int) -> None:
        self.dead_lettered += len(records)
        if self.definition.dlq_arn is None:
            self._say(f"{len(records)} record(s) dropped after {attempts} attempt(s) (no DLQ)")
            return
        queue = self.definition.dlq_arn.rsplit(":", 1)[-1]
        url = self.sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        self.sqs.send_message(
            QueueUrl=url, MessageBody=dlq_message(self.definition, shard_id, records, attempts)
        )
        self._say(f"{len(records)} record(s) sent to the DLQ after {attempts} attempt(s)")

    def _say(self, text: str) -> None:
        if self.console is not None:
            self.console.line(f"pipe {self.name}", text)

    # -- the thread --------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"pipe-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                read = self.step()
            except Exception as error:  # keep playing; say what happened
                if self._stopping.is_set():
                    return
                self._say(f"error: {error}")
                self._stopping.wait(1)
                continue
            if not read:
                self._stopping.wait(_IDLE_POLL_SECONDS)


def description(players: list[PipePlayer]) -> str:
    """For the start-up summary: which pipes the local cloud plays."""
    if not players:
        return "none"
    return ", ".join(
        f"{p.name} ({p.definition.stream_arn.split('/')[1]} stream → "
        f"{p.definition.target_arn.rsplit('/', 1)[-1]} as {p.definition.source})"
        for p in players
    )
