"""DynamoDB helpers over the low-level client (lighter than boto3.resource)."""

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from shop_common.clients import client

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def now() -> str:
    """The timestamp format of every createdAt/updatedAt: UTC, milliseconds, Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def conditional_check_failed() -> type[Exception]:
    """The exception a failed ConditionExpression raises (for `except`)."""
    return client("dynamodb").exceptions.ConditionalCheckFailedException


class InvalidPageToken(ValueError):
    """A nextToken that this service did not issue."""


def to_item(value: dict[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(v) for key, v in value.items() if v is not None}


def to_attribute(value: Any) -> dict[str, Any]:
    return _serializer.serialize(value)


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _deserializer.deserialize(v) for key, v in item.items()}


def encode_page_token(last_evaluated_key: dict[str, Any] | None) -> str | None:
    """Turn DynamoDB's LastEvaluatedKey into an opaque nextToken."""
    if not last_evaluated_key:
        return None
    raw = json.dumps(last_evaluated_key, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(token: str | None, key_names: set[str]) -> dict[str, Any] | None:
    """Inverse of encode_page_token; rejects tokens whose keys are not this table's."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise InvalidPageToken("nextToken is not a token this API issued") from error
    if (
        not isinstance(key, dict)
        or set(key) != key_names
        or not all(isinstance(v, dict) and len(v) == 1 for v in key.values())
    ):
        raise InvalidPageToken("nextToken is not a token this API issued")
    return key
