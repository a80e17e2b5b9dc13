"""DynamoDB helpers over the low-level client (lighter than boto3.resource)."""

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

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


def now() -> str:
    """The timestamp format of every createdAt/updatedAt: UTC, milliseconds, Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def conditional_check_failed() -> type["ClientError"]:
    """The exception a failed ConditionExpression raises (for `except`)."""
    return clients.dynamodb().exceptions.ConditionalCheckFailedException


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


def decode_page_token(
    token: str | None, key_names: set[str], fixed: dict[str, str] | None = None
) -> Item | None:
    """Inverse of encode_page_token. Only a key this query could have returned is
    accepted: this table's key names, string values DynamoDB accepts as keys, and
    the values in `fixed` (the partition being queried: DynamoDB rejects a start
    key outside the query's partition)."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        key = loads(raw)
    except (binascii.Error, ValueError) as error:
        raise _not_issued() from error
    if not isinstance(key, dict) or set(key) != key_names:
        raise _not_issued()
    values = {name: _key_string(attribute) for name, attribute in key.items()}
    if None in values.values() or any(values[k] != v for k, v in (fixed or {}).items()):
        raise _not_issued()
    return {name: {"S": value} for name, value in values.items() if value is not None}


def _key_string(attribute: Any) -> str | None:
    """The value of a {"S": ...} key attribute DynamoDB would accept, else None."""
    if not isinstance(attribute, dict) or set(attribute) != {"S"}:
        return None
    value = attribute["S"]
    if not isinstance(value, str) or not value or not is_unicode(value):
        return None
    # Every key value this shop issues fits the smaller of the two key limits.
    return value if len(value.encode()) <= MAX_SORT_KEY_BYTES else None
