"""Publishing shop events: the envelope (docs/architecture.md#envelope) and a loud PutEvents."""

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from shop_common import clients
from shop_common.contracts import EVENTS, SCHEMA_VERSION, DetailType
from shop_common.errors import Unavailable
from shop_common.models import EventDetail
from shop_common.serialization import dumps
from shop_common.settings import Env, once, variable

if TYPE_CHECKING:
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

# Event ids derived from (correlation id, detail type) make a re-published
# event recognisable as the same event by every consumer.
_EVENT_ID_NAMESPACE = uuid.UUID("6f1c1f5e-3c1a-4f55-9d0b-5b8c7a3e2d10")


bus_name = once(lambda: variable(Env.EVENT_BUS_NAME))


class EventPublishError(Unavailable):
    """EventBridge rejected an entry: the event was not published (a 503: retry)."""

    def __init__(self, detail: str) -> None:
        super().__init__("The request could not be completed; retry it later")
        self.args = (detail,)  # what went wrong, for the logs; the client sees the message


def stable_event_id(correlation_id: str, detail_type: DetailType) -> str:
    return str(uuid.uuid5(_EVENT_ID_NAMESPACE, f"{correlation_id}:{detail_type}"))


def envelope(
    data: Mapping[str, object], correlation_id: str, event_id: str | None = None
) -> EventDetail:
    return {
        "metadata": {
            "eventId": event_id or str(uuid.uuid4()),
            "correlationId": correlation_id,
            "version": SCHEMA_VERSION,
        },
        "data": data,
    }


def publish(
    detail_type: DetailType,
    data: Mapping[str, object],
    correlation_id: str,
    event_id: str | None = None,
) -> EventDetail:
    """Put one event on the shop bus, from its declared source; raise
    EventPublishError unless it was accepted."""
    detail = envelope(data, correlation_id, event_id)
    entry: PutEventsRequestEntryTypeDef = {
        "EventBusName": bus_name(),
        "Source": EVENTS[detail_type].source.value,
        "DetailType": detail_type.value,
        "Detail": dumps(detail),
    }
    try:
        response = clients.events().put_events(Entries=[entry])
    except (BotoCoreError, ClientError) as error:
        raise EventPublishError(f"{detail_type} was not published: {error}") from error
    if response.get("FailedEntryCount", 0):
        failed = [e for e in response["Entries"] if e.get("ErrorCode")]
        raise EventPublishError(f"{detail_type} was not published: {failed}")
    return detail
