"""The event stream: every event on the bus, as the console's tap receives it, with the
rules it matched and, per target, whether its delivery was observed.

- "matched" is computed by the emulator's own pattern matcher (moto's
  `moto.events.models.EventPattern.matches_event`, the code the emulator runs for each rule),
  over each rule's pattern as the emulator stores it (DescribeRule);
- "observed" means the local cloud saw the event arrive where the target leads: a poller
  received it from the target queue, or the relay delivered it to the topic, state machine or
  GraphQL API (`Deliveries`). A target that is given a transformed input (Input, InputPath,
  InputTransformer) or that nothing of the local cloud reads is "not observable" (None): its
  messages cannot be told apart by event id.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from moto.events.models import EventPattern

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_sqs import SQSClient

    from localcloud.console.deliveries import Deliveries
    from localcloud.console.model import Rule
    from localcloud.workers import Console

KEEP_EVENTS = 2000  # the stream's memory: the newest events
_LONG_POLL_SECONDS = 1


@dataclass
class WatchedRule:
    """A rule of the program, its pattern as the emulator stores it, loaded by moto's parser."""

    rule: Rule
    pattern: EventPattern
    matched_at: deque[float] = field(default_factory=lambda: deque(maxlen=10000))


@dataclass
class SeenEvent:
    seq: int
    received_at: float
    bus: str
    event: dict[str, Any]
    matched: list[WatchedRule]


class EventStream:
    def __init__(
        self,
        taps: dict[str, str],
        rules: list[Rule],
        events: EventBridgeClient,
        sqs: SQSClient,
        deliveries: Deliveries,
        watched_targets: set[str],
        console: Console,
    ):
        """taps: bus name → its tap queue's URL. watched_targets: the ARNs whose deliveries
        the local cloud observes (polled queues, relayed targets)."""
        self.taps, self.sqs, self.deliveries, self.console = taps, sqs, deliveries, console
        self.watched_targets = watched_targets
        self.rules = [
            WatchedRule(
                rule,
                EventPattern.load(
                    events.describe_rule(Name=rule.name, EventBusName=rule.bus)["EventPattern"]
                ),
            )
            for rule in rules
        ]
        self._events: deque[SeenEvent] = deque(maxlen=KEEP_EVENTS)
        self._lock = threading.Lock()
        self._seq = 0
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self._run, args=(bus, url), name=f"tap-{bus}", daemon=True)
            for bus, url in taps.items()
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()

    def _run(self, bus: str, url: str) -> None:
        while not self.stopping.is_set():
            try:
                messages = self.sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=_LONG_POLL_SECONDS
                ).get("Messages", [])
                for message in messages:
                    self.add(bus, json.loads(message["Body"]))
                if messages:
                    self.sqs.delete_message_batch(
                        QueueUrl=url,
                        Entries=[
                            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                            for i, m in enumerate(messages)
                        ],
                    )
            except Exception as error:  # keep reading; say what happened
                if self.stopping.is_set():
                    return
                self.console.line("console", f"tap {bus}: {error}")
                self.stopping.wait(1)

    def add(self, bus: str, event: dict[str, Any]) -> SeenEvent:
        """An event the tap received: matched against each rule of its bus by moto's matcher."""
        now = time.time()
        matched = [
            watched
            for watched in self.rules
            # moto's type for an event is a TypedDict of the same keys: the tap's JSON.
            if watched.rule.bus == bus and watched.pattern.matches_event(event)  # type: ignore[arg-type]
        ]
        with self._lock:
            self._seq += 1
            seen = SeenEvent(self._seq, now, bus, event, matched)
            self._events.append(seen)
            for watched in matched:
                watched.matched_at.append(now)
        return seen

    def per_minute(self) -> dict[str, int]:
        """Rule name → events it matched in the last 60 seconds."""
        since = time.time() - 60
        with self._lock:
            return {w.rule.name: sum(1 for t in w.matched_at if t >= since) for w in self.rules}

    def since(self, seq: int, correlation_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            events = [e for e in self._events if e.seq > seq]
        described = [self.describe(e) for e in events]
        if correlation_id:
            described = [e for e in described if e["correlationId"] == correlation_id]
        return described

    def describe(self, seen: SeenEvent) -> dict[str, Any]:
        event = seen.event
        detail = _object(event.get("detail"))
        metadata = _object(detail.get("metadata"))
        delivered = self.deliveries.of(str(event.get("id")))
        return {
            "seq": seen.seq,
            "id": event.get("id"),
            "time": event.get("time"),
            "bus": seen.bus,
            "source": event.get("source"),
            "detailType": event.get("detail-type"),
            "correlationId": metadata.get("correlationId"),
            "detail": detail,
            "matched": [
                {
                    "rule": w.rule.name,
                    "targets": [
                        {
                            "arn": t.arn,
                            "observed": (
                                None
                                if t.transformed or t.arn not in self.watched_targets
                                else t.arn in delivered
                            ),
                        }
                        for t in w.rule.targets
                    ],
                }
                for w in seen.matched
            ],
        }


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
