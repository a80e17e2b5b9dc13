"""The transactional outbox: a state change and its event, written in ONE DynamoDB
transaction (docs/architecture.md#the-outbox).

A producer never calls PutEvents. It writes its change together with an item in its
service's outbox table (OUTBOX_TABLE_NAME); the table's stream carries each new item,
and the service's pipe (components/outbox.py) puts it on the shop bus, with the source
the events table declares. Either both the change and the event exist, or neither.

An outbox item holds the event as it will arrive: the detail-type, and the whole
detail (the envelope of shop_common/events.py, its eventId included) as JSON text,
which the pipe's input template makes the event's detail. A stream record delivered
twice therefore carries the same metadata.eventId: consumers dedupe on it.

Converting a producer is one call:

    outbox.write(changes, DetailType.THING_SHIPPED, data, correlation_id=thing_id)

where `changes` are the TransactWriteItems entries of the state change (each with
its condition). A refused condition raises Cancelled with each entry's code.
"""

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from shop_common import clients
from shop_common.contracts import DetailType
from shop_common.dynamo import cancellation_codes
from shop_common.events import envelope
from shop_common.limits import TRANSACT_WRITE_MAX_ITEMS
from shop_common.models import EventDetail
from shop_common.serialization import dumps
from shop_common.settings import Env, once, variable
from shop_common.times import now

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

# The outbox item's attributes (components/outbox.py builds the table, its TTL and the
# pipe's input template from these: declared once, here).
KEY = "eventId"
DETAIL_TYPE = "detailType"
DETAIL = "detail"
EXPIRES_AT = "expiresAt"  # the table's TTL attribute (epoch seconds)
# Kept a week after it was written: longer than the stream's 24 hours, so an event the
# pipe could not deliver can still be read back from the table and put again.
RETENTION_SECONDS = 7 * 24 * 60 * 60

table_name = once(lambda: variable(Env.OUTBOX_TABLE_NAME))


class Cancelled(Exception):
    """The transaction was cancelled: `codes` has one code per change, in order
    ('ConditionalCheckFailed', 'TransactionConflict', … or 'None'), the outbox
    item's last."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__(", ".join(codes) or "cancelled")
        self.codes = codes

    @property
    def refused(self) -> bool:
        """A condition of the change refused it (rather than a conflict or throttling)."""
        return "ConditionalCheckFailed" in self.codes


def item(detail_type: DetailType, detail: EventDetail) -> "TransactWriteItemTypeDef":
    """The outbox entry of one event. Keyed by its event id: the same event written
    again (a stable event id) overwrites it, which the pipe does not pass on."""
    return {
        "Put": {
            "TableName": table_name(),
            "Item": {
                KEY: {"S": detail["metadata"]["eventId"]},
                DETAIL_TYPE: {"S": detail_type.value},
                DETAIL: {"S": dumps(detail)},
                "createdAt": {"S": now()},
                EXPIRES_AT: {"N": str(int(time.time()) + RETENTION_SECONDS)},
            },
        }
    }


def write(
    changes: Sequence["TransactWriteItemTypeDef"],
    detail_type: DetailType,
    data: Mapping[str, object],
    correlation_id: str,
    event_id: str | None = None,
) -> EventDetail:
    """Write the changes and their event in one transaction; return the event's detail.
    Raises Cancelled if any change's condition (or a conflict) cancelled it: then
    nothing was written, the event included."""
    if len(changes) + 1 > TRANSACT_WRITE_MAX_ITEMS:
        raise ValueError(f"{len(changes)} changes and an event do not fit one transaction")
    detail = envelope(data, correlation_id, event_id)
    dynamodb = clients.dynamodb()
    try:
        dynamodb.transact_write_items(TransactItems=[*changes, item(detail_type, detail)])
    except dynamodb.exceptions.TransactionCanceledException as error:
        raise Cancelled(cancellation_codes(error)) from None
    return detail
