"""The audit table: one item per event on the bus, written once per metadata.eventId by
the audit recorder (workflows/audit.py, a state machine) and read here. Key:
correlationId + eventId, so a duplicate is the same item and a correlation's events are
one partition; items expire (TTL) after the stack's auditRetentionDays."""

from collections.abc import Mapping
from typing import TYPE_CHECKING

from shop_common import clients
from shop_common.dynamo import decode_page_token, encode_page_token, from_item
from shop_common.models import AuditEvent
from shop_common.serialization import loads
from shop_common.settings import Env, once, variable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import QueryInputTypeDef

# The table's key (the program builds it from these), the attribute the recorder writes
# the kept data to, as JSON text, and its TTL attribute.
KEY = ("correlationId", "eventId")
DATA = "data"
EXPIRES_AT = "expiresAt"
# How each narrowing of a correlation's events compares an attribute of the item.
NARROWING = {
    "source": ("source", "="),
    "detailType": ("detailType", "="),
    "from": ("time", ">="),
    "to": ("time", "<="),
}

_table = once(lambda: variable(Env.TABLE_NAME))


def _event(item: Mapping[str, object]) -> AuditEvent:
    return {
        "eventId": str(item["eventId"]),
        "correlationId": str(item["correlationId"]),
        "source": str(item["source"]),
        "detailType": str(item["detailType"]),
        "time": str(item["time"]),
        "recordedAt": str(item["recordedAt"]),
        "data": loads(str(item[DATA])),
    }


def correlated(
    correlation_id: str, narrowing: Mapping[str, str], token: str | None
) -> tuple[list[AuditEvent], str | None]:
    """One read of a correlation's events (up to DynamoDB's 1 MB), narrowed, in the order
    they reached the bus; a token when the partition holds more."""
    conditions = [f"#{name} {operator} :{name}" for name, (_, operator) in _given(narrowing)]
    query: QueryInputTypeDef = {
        "TableName": _table(),
        "KeyConditionExpression": "correlationId = :correlationId",
        "ExpressionAttributeValues": {":correlationId": {"S": correlation_id}}
        | {f":{name}": {"S": narrowing[name]} for name, _ in _given(narrowing)},
    }
    if conditions:
        query["FilterExpression"] = " AND ".join(conditions)
        query["ExpressionAttributeNames"] = {
            f"#{name}": attribute for name, (attribute, _) in _given(narrowing)
        }
    if start := decode_page_token(token, set(KEY), {"correlationId": correlation_id}):
        query["ExclusiveStartKey"] = start
    response = clients.dynamodb().query(**query)
    events = [_event(from_item(item)) for item in response.get("Items", [])]
    # The key orders them by event id; EventBridge's time has whole seconds, so the
    # recorder's time orders the events of one second.
    events.sort(key=lambda event: (event["time"], event["recordedAt"], event["eventId"]))
    return events, encode_page_token(response.get("LastEvaluatedKey"))


def _given(narrowing: Mapping[str, str]) -> list[tuple[str, tuple[str, str]]]:
    return [(name, NARROWING[name]) for name in NARROWING if name in narrowing]
