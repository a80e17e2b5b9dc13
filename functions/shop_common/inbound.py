"""Reading events delivered through SQS: the EventBridge event in the message body,
its detail checked against the published contract. Anything else is poison and
fails its record, so it is retried and finally lands in the queue's DLQ."""

from shop_common.contracts import event_detail_schema
from shop_common.serialization import loads
from shop_common.validation import RequestValidationError, validate

_schemas: dict[str, dict] = {}


class InvalidEvent(ValueError):
    pass


def read_event(body: str, accepted: tuple[str, ...]) -> tuple[str, dict]:
    """(detail-type, data) of an accepted, contract-valid event; InvalidEvent otherwise."""
    try:
        event = loads(body)
    except ValueError as error:
        raise InvalidEvent(f"message body is not JSON: {error}") from None
    detail_type = event.get("detail-type") if isinstance(event, dict) else None
    if detail_type not in accepted:
        raise InvalidEvent(f"unexpected detail-type {detail_type!r}; expected one of {accepted}")
    schema = _schemas.get(detail_type) or _schemas.setdefault(
        detail_type, event_detail_schema(detail_type)
    )
    try:
        detail = validate(event.get("detail"), schema)
    except RequestValidationError as error:
        raise InvalidEvent(f"{detail_type} breaks its contract: {error}") from None
    return detail_type, detail["data"]
