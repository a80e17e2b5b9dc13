"""Reading events delivered through SQS: the EventBridge event in the message body,
checked against the events table (a type this consumer takes, from its declared
source) and its detail against the published contract. Anything else is poison
and fails its record, so it is retried and finally lands in the queue's DLQ."""

from typing import Any

from shop_common.contracts import EVENTS, DetailType, Schema, consumed_by, event_detail_schema
from shop_common.errors import Invalid
from shop_common.observability import logger
from shop_common.serialization import InvalidJson, loads
from shop_common.validation import validate

_schemas: dict[str, Schema] = {}


class InvalidEvent(ValueError):
    pass


def read_event(body: str, consumer: str) -> tuple[DetailType, dict[str, Any]]:
    """(detail-type, data) of an event `consumer` takes, contract-valid; else InvalidEvent.
    The data is valid against its type's schema, so it is that type's record in
    shop_common.models.

    Every log line from here to the next record's read_event carries the event's
    correlation id (an order's events carry the order id); a record that fails before
    its id is read carries none, never the previous record's."""
    logger.set_correlation_id(None)
    try:
        event = loads(body)
    except InvalidJson as error:
        raise InvalidEvent(f"message body is not JSON: {error}") from None
    accepted = consumed_by(consumer)
    detail_type = event.get("detail-type") if isinstance(event, dict) else None
    if detail_type not in accepted:
        raise InvalidEvent(f"unexpected detail-type {detail_type!r}; expected one of {accepted}")
    declared = EVENTS[DetailType(detail_type)]
    if event.get("source") != declared.source:
        raise InvalidEvent(f"{detail_type} from {event.get('source')!r}, not {declared.source}")
    schema = _schemas.get(detail_type) or _schemas.setdefault(
        detail_type, event_detail_schema(detail_type)
    )
    try:
        detail = validate(event.get("detail"), schema)
    except Invalid as error:
        raise InvalidEvent(f"{detail_type} breaks its contract: {error}") from None
    logger.set_correlation_id(detail["metadata"]["correlationId"])
    return declared.detail_type, detail["data"]
