"""Idempotency-Key: a create retried with the same key answers its first result.

Powertools' idempotency utility does the work, with its DynamoDB persistence layer
on the service's idempotency table (IDEMPOTENCY_TABLE_NAME; components/http_service.py
builds it, with TTL on EXPIRES_AT, for a service whose routes take the key). A record
is per caller and key; it keeps the first result for KEEP_SECONDS and the hash of the
request body it answered:
- the same caller, key and body again: the stored result, and nothing runs again;
- the same caller and key with another body: Invalid (422) naming the header;
- while the first request with that key runs: KeyInUse (409).
Without the header, the request runs as it always did.

Powertools is imported on first use, so a cold start that serves no keyed request
does not pay for it.
"""

from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from shop_common import clients
from shop_common.errors import Conflict, Invalid
from shop_common.routes import IDEMPOTENCY_KEY_HEADER
from shop_common.serialization import dumps, loads
from shop_common.settings import Env, once, variable

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
    )
    from aws_lambda_powertools.utilities.typing import LambdaContext

T = TypeVar("T")

# The idempotency table's key and TTL attributes (Powertools' defaults, named here
# because the program builds the table from them).
KEY = "id"
EXPIRES_AT = "expiration"
KEEP_SECONDS = 24 * 60 * 60

table_name = once(lambda: variable(Env.IDEMPOTENCY_TABLE_NAME))


class KeyInUse(Conflict):
    def __init__(self) -> None:
        super().__init__(
            f"A request with this {IDEMPOTENCY_KEY_HEADER} is still in progress; retry shortly"
        )


@cache
def _config() -> "IdempotencyConfig":
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig  # noqa: PLC0415

    return IdempotencyConfig(
        event_key_jmespath="[caller, key]",  # one record per caller and key
        payload_validation_jmespath="body",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=KEEP_SECONDS,
    )


@once
def _store() -> "DynamoDBPersistenceLayer":
    from aws_lambda_powertools.utilities.idempotency import (  # noqa: PLC0415
        DynamoDBPersistenceLayer,
    )

    # The shared client: created once, and what the function tests check against the role.
    return DynamoDBPersistenceLayer(
        table_name=table_name(),
        key_attr=KEY,
        expiry_attr=EXPIRES_AT,
        boto3_client=clients.dynamodb(),
    )


def _stored(result: Any) -> dict[str, Any]:
    return {"json": dumps(result)}  # the shop's JSON: Decimals stay exact


def _restored(record: dict[str, Any]) -> Any:
    return loads(record["json"])


def once_per_key(
    operation: str,
    key: str | None,
    caller: str,
    body: Mapping[str, Any],
    run: Callable[[], T],
    context: "LambdaContext | None" = None,
) -> T:
    """run() once per (operation, caller, key) and body; a repeat returns its first result.
    Without a key, just run(). `context` bounds how long a request counts as in
    progress (the function's remaining time), as Powertools does for Lambda."""
    if key is None:
        return run()
    from aws_lambda_powertools.utilities.idempotency import idempotent_function  # noqa: PLC0415
    from aws_lambda_powertools.utilities.idempotency.exceptions import (  # noqa: PLC0415
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )
    from aws_lambda_powertools.utilities.idempotency.serialization.custom_dict import (  # noqa: PLC0415
        CustomDictSerializer,
    )

    config = _config()
    if context is not None:
        config.register_lambda_context(context)

    def unkeyed(request: dict[str, Any]) -> T:
        return run()

    keyed: Callable[..., T] = idempotent_function(
        unkeyed,
        data_keyword_argument="request",
        persistence_store=_store(),
        config=config,
        output_serializer=CustomDictSerializer(to_dict=_stored, from_dict=_restored),
        key_prefix=operation,
    )
    try:
        return keyed(request={"caller": caller, "key": key, "body": body})
    except IdempotencyValidationError:
        raise Invalid(IDEMPOTENCY_KEY_HEADER, "was used with another request body") from None
    except IdempotencyAlreadyInProgressError:
        raise KeyInUse() from None
