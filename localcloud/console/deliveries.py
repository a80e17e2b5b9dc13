"""What the local cloud saw delivered, by event id: the pollers tell it of each message they
receive from a queue, the relay of each message it delivered (`observe(target ARN, body)`).
The console's event stream reads it to say "observed". Light to import: the local cloud
makes one before its pollers start."""

import json
import threading
import time
from collections import OrderedDict

KEEP_DELIVERIES = 20000  # event ids whose deliveries are remembered


def event_id(body: str) -> str | None:
    """The id of the EventBridge event a message carries whole, else None."""
    try:
        event = json.loads(body)
    except ValueError:
        return None
    identifier = event.get("id") if isinstance(event, dict) and "detail-type" in event else None
    return identifier if isinstance(identifier, str) else None


class Deliveries:
    """What the local cloud saw delivered, by event id: target ARN → when."""

    def __init__(self, keep: int = KEEP_DELIVERIES):
        self._seen: OrderedDict[str, dict[str, float]] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()

    def record(self, target_arn: str, body: str) -> None:
        identifier = event_id(body)
        if identifier is None:
            return
        with self._lock:
            self._seen.setdefault(identifier, {}).setdefault(target_arn, time.time())
            self._seen.move_to_end(identifier)
            while len(self._seen) > self._keep:
                self._seen.popitem(last=False)

    def of(self, identifier: str) -> dict[str, float]:
        with self._lock:
            return dict(self._seen.get(identifier, {}))
