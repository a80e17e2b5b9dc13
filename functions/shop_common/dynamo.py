"""DynamoDB helpers over the low-level client (lighter than boto3.resource)."""

import base64
import binascii
import json
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any, cast

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from shop_common import clients
from shop_common.errors import BadRequest, bad_field
from shop_common.limits import MAX_SORT_KEY_BYTES
from shop_common.serialization import loads
from shop_common.validation import is_unicode

if TYPE_CHECKING:
    from botocore.exceptions import ClientError
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

Item = dict[str, "AttributeValueTypeDef"]  # an item or key in DynamoDB's JSON

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def conditional_check_failed() -> type["ClientError"]:
    """The exception a failed ConditionExpression raises (for `except`)."""
    return clients.dynamodb().exceptions.ConditionalCheckFailedException


def cancellation_codes(error: "ClientError") -> list[str]:
    """The codes of a cancelled transaction's items, in order ('None' where none failed)."""
    reasons = cast(list[dict[str, Any]], error.response.get("CancellationReasons", []))
    return [str(reason.get("Code", "None")) for reason in reasons]


def _not_issued() -> BadRequest:
    return bad_field("nextToken", "is not a token this API issued")


def to_item(value: Mapping[str, Any]) -> Item:
    return {key: to_attribute(v) for key, v in value.items() if v is not None}


def to_attribute(value: Any) -> "AttributeValueTypeDef":
    return _serializer.serialize(value)


def from_item(item: Mapping[str, "AttributeValueTypeDef"]) -> dict[str, Any]:
    return {key: _deserializer.deserialize(v) for key, v in item.items()}


def encode_page_token(last_evaluated_key: Mapping[str, Any] | None) -> str | None:
    """Turn DynamoDB's LastEvaluatedKey into an opaque nextToken."""
    if not last_evaluated_key:
        return None
    raw = json.dumps(last_evaluated_key, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decoded(token: str) -> Any:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        return loads(raw)
    except (binascii.Error, ValueError) as error:
        raise _not_issued() from error


def decode_page_token(
    token: str | None, key_names: set[str], fixed: dict[str, str] | None = None
) -> Item | None:
    """Inverse of encode_page_token. Only a key this query could have returned is
    accepted: this table's key names, string values DynamoDB accepts as keys, and
    the values in `fixed` (the partition being queried: DynamoDB rejects a start
    key outside the query's partition)."""
    if not token:
        return None
    return _start_key(_decoded(token), key_names, fixed or {})


def _start_key(key: Any, key_names: set[str], fixed: Mapping[str, str]) -> Item:
    if not isinstance(key, dict) or set(key) != key_names:
        raise _not_issued()
    values = {name: _key_string(attribute) for name, attribute in key.items()}
    if None in values.values() or any(values[k] != v for k, v in fixed.items()):
        raise _not_issued()
    return {name: {"S": value} for name, value in values.items() if value is not None}


# A page read from several partitions of one query (e.g. the shards of an index), sorted
# together: for each partition by name, where its next page starts. A key (all of
# key_names): after that item. A bound (the sort key only): at that sort key or below, so
# that a partition nothing was taken from shows nothing newer than the page did. None:
# exhausted. A partition not named starts from its beginning (as all do on a first page).
Positions = Mapping[str, Item | None]


def _exhausted(positions: Positions, partitions: Collection[str]) -> bool:
    return all(name in positions and positions[name] is None for name in partitions)


def encode_page_positions(positions: Positions, partitions: Collection[str]) -> str | None:
    """The nextToken of a page across these partitions; None once every one is exhausted."""
    return None if _exhausted(positions, partitions) else encode_page_token(positions)


def decode_page_positions(
    token: str | None, key_names: set[str], sort_key: str, fixed: Mapping[str, Mapping[str, str]]
) -> dict[str, Item | None]:
    """Inverse of encode_page_positions ({} for the first page). `fixed` names every
    partition and its key values: each key passes decode_page_token's checks against its
    own partition, and each bound the same checks of its one value."""
    if not token:
        return {}
    positions = _decoded(token)
    if not isinstance(positions, dict) or not positions or not set(positions) <= set(fixed):
        raise _not_issued()
    if _exhausted(positions, fixed):  # encode_page_positions gave None for these
        raise _not_issued()
    return {
        name: _position(position, key_names, sort_key, fixed[name])
        for name, position in positions.items()
    }


def _position(
    position: Any, key_names: set[str], sort_key: str, fixed: Mapping[str, str]
) -> Item | None:
    if position is None:
        return None
    if isinstance(position, dict) and set(position) == {sort_key}:
        return _start_key(position, {sort_key}, {})  # a bound
    return _start_key(position, key_names, fixed)


def _key_string(attribute: Any) -> str | None:
    """The value of a {"S": ...} key attribute DynamoDB would accept, else None."""
    if not isinstance(attribute, dict) or set(attribute) != {"S"}:
        return None
    value = attribute["S"]
    if not isinstance(value, str) or not value or not is_unicode(value):
        return None
    # Every key value this shop issues fits the smaller of the two key limits.
    return value if len(value.encode()) <= MAX_SORT_KEY_BYTES else None
