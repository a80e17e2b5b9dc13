"""What every function behind the GraphQL API shares: the AppSync resolver, field
registration from the fields table (shop_common.graphql_fields), identity, and the
one error envelope.

A service's function serves both front doors: its handler hands an AppSync event
(appsync/resolvers/lambda.js sends `info.fieldName`) to the service's GraphQL
module and anything else to its HTTP routes. The function answers
{"data": result} or {"error": {"type", "message", "fields"?}}; lambda.js turns an
error into AppSync's own error shape (errorType, message, errorInfo), so a refused
request is not a failed invocation (and never wakes a Lambda errors alarm).
"""

import functools
import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import AppSyncResolver

from shop_common.contracts import Schema
from shop_common.errors import Forbidden, ShopError, Unauthorized
from shop_common.graphql_fields import served_by
from shop_common.http import Caller
from shop_common.observability import logger
from shop_common.routes import ADMIN_GROUP
from shop_common.serialization import dumps, loads
from shop_common.validation import validate

Handler = TypeVar("Handler", bound=Callable[..., Any])


def is_graphql(event: Any) -> bool:
    """An AppSync resolver's event, rather than API Gateway's."""
    return isinstance(event, dict) and "fieldName" in (event.get("info") or {})


def error_envelope(error: ShopError) -> dict[str, Any]:
    if error.status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        logger.exception("the request could not be completed")
    body = error.body()
    refusal: dict[str, Any] = {"type": error.kind, "message": body["message"]}
    if "errors" in body:
        refusal["fields"] = body["errors"]
    return {"error": refusal}


def new_resolver() -> AppSyncResolver:
    app = AppSyncResolver()  # type: ignore[no-untyped-call]
    app.exception_handler(ShopError)(error_envelope)
    return app


def caller(app: AppSyncResolver) -> Caller:
    """The verified identity: AppSync checked the user pool's token."""
    event = app.current_event
    identity = (event.get("identity") if event else None) or {}
    user_id = identity.get("sub")
    if not user_id:
        raise Unauthorized("Unauthorized")
    return Caller(user_id=user_id, groups=frozenset(identity.get("groups") or ()))


def arguments(value: dict[str, Any], schema: Schema) -> Any:
    """GraphQL arguments, validated against the contract's request schema (the HTTP
    route's body): GraphQL checks the types, the contract checks the rules."""
    return validate(loads(dumps(_without_nulls(value))), schema)  # numbers as over HTTP


def _without_nulls(value: Any) -> Any:
    """GraphQL clients send null for an optional field they leave out; the contracts (JSON
    bodies) call that absent."""
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


class Fields:
    """Registers a handler module's functions for its fields in the fields table: a
    function serves the field whose `operation` is its name; it returns the field's
    value, and an admin-only field checks the caller's group first."""

    def __init__(self, app: AppSyncResolver, service: str) -> None:
        self.app = app
        self.fields = {field.operation: field for field in served_by(service)}
        self.registered: set[str] = set()

    def __call__(self, function: Handler) -> Handler:
        field = self.fields[function.__name__]

        @functools.wraps(function)
        def serve(**kwargs: Any) -> dict[str, Any]:
            if field.admin and not caller(self.app).is_admin:
                raise Forbidden(f"Only members of the {ADMIN_GROUP} group may do this")
            return {"data": json.loads(dumps(function(**kwargs)))}  # Decimals as JSON numbers

        self.app.resolver(type_name=field.type, field_name=field.name)(serve)
        self.registered.add(function.__name__)
        return function
