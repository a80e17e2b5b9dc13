"""What every HTTP function shares: resolver set-up, identity, input, errors."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import (
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
)

from shop_common.contracts import UUID_PATTERN
from shop_common.dynamo import InvalidPageToken
from shop_common.events import EventPublishError
from shop_common.observability import logger
from shop_common.serialization import InvalidJson, dumps, loads
from shop_common.validation import RequestValidationError, validate

ADMIN_GROUP = "admin"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# The query parameters of every paginated route, as documented.
PAGE_QUERY = {
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
    "nextToken": {"type": "string", "description": "The previous page's nextToken"},
}
_PAGE_SIZE = re.compile(r"[0-9]{1,3}")  # ASCII digits only: str.isdigit() accepts "²"
_ISSUED_ID = re.compile(UUID_PATTERN)


@dataclass(frozen=True)
class Caller:
    user_id: str
    groups: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=dumps(body),
        headers=headers,
    )


def no_content() -> Response:
    return Response(status_code=HTTPStatus.NO_CONTENT, body="")


def error_response(status: int, message: str, **extra: Any) -> Response:
    return json_response(status, {"message": message, **extra})


def _on_validation_error(error: RequestValidationError) -> Response:
    return error_response(
        HTTPStatus.UNPROCESSABLE_ENTITY,
        f"Invalid request: {error.field} {error.message}",
        errors=[{"field": error.field, "message": error.message}],
    )


def _on_bad_page_token(error: InvalidPageToken) -> Response:
    return error_response(
        HTTPStatus.BAD_REQUEST, str(error), errors=[{"field": "nextToken", "message": str(error)}]
    )


def _on_publish_error(error: EventPublishError) -> Response:
    logger.exception("event publishing failed")
    return error_response(
        HTTPStatus.SERVICE_UNAVAILABLE, "The request could not be completed; retry it later"
    )


def _only_issued_ids(app: APIGatewayHttpResolver, next_middleware: Callable) -> Response:
    """Every path parameter of this API is an id the shop issued: anything else names
    nothing (and an overlong one would break DynamoDB's key size limit on AWS)."""
    for name, value in app.context.get("_route_args", {}).items():
        if not _ISSUED_ID.fullmatch(value):
            raise NotFoundError(f"No {name} {value[:64]!r} exists")
    return next_middleware(app)


def new_resolver() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(serializer=dumps, json_body_deserializer=loads)
    app.use([_only_issued_ids])
    app.exception_handler(RequestValidationError)(_on_validation_error)
    app.exception_handler(InvalidPageToken)(_on_bad_page_token)
    app.exception_handler(EventPublishError)(_on_publish_error)
    return app


def _groups(claim: Any) -> frozenset[str]:
    # API Gateway hands list claims to Lambda as "[a b]"; tests and tools send lists.
    if isinstance(claim, list):
        return frozenset(str(g) for g in claim)
    if isinstance(claim, str):
        return frozenset(claim.strip("[]").replace(",", " ").split())
    return frozenset()


def caller(app: APIGatewayHttpResolver) -> Caller:
    """The verified identity: the JWT claims that the gateway's authorizer checked."""
    authorizer = app.current_event.request_context.authorizer
    claims = (authorizer.jwt_claim if authorizer else None) or {}
    user_id = claims.get("sub")
    if not user_id:
        raise UnauthorizedError("Unauthorized")
    return Caller(user_id=user_id, groups=_groups(claims.get("cognito:groups")))


def admin(app: APIGatewayHttpResolver) -> Caller:
    who = caller(app)
    if not who.is_admin:
        raise ForbiddenError("Only members of the admin group may do this")
    return who


def body(app: APIGatewayHttpResolver, schema: dict) -> dict:
    """The request's JSON body, validated against schema."""
    try:
        raw = app.current_event.decoded_body  # base64-decoded when API Gateway encoded it
    except ValueError:
        raise BadRequestError("Request body is not valid JSON: it is not UTF-8 text") from None
    if not raw:
        raise RequestValidationError("body", "is required")
    try:
        data = loads(raw)
    except InvalidJson as error:
        raise BadRequestError(f"Request body is not valid JSON: {error}") from None
    return validate(data, schema)


_query_schemas: dict[tuple[str, int], dict] = {}  # kept alive: validators are cached by id


def query_value(app: APIGatewayHttpResolver, name: str, schema: dict) -> str | None:
    """A query string parameter, validated against the schema of its values."""
    raw = app.current_event.get_query_string_value(name)
    if raw is None:
        return None
    wrapper = _query_schemas.get((name, id(schema)))
    if wrapper is None:
        wrapper = {"type": "object", "properties": {name: schema}}
        _query_schemas[(name, id(schema))] = wrapper
    return validate({name: raw}, wrapper)[name]


def page_size(app: APIGatewayHttpResolver) -> int:
    raw = app.current_event.get_query_string_value("limit")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not _PAGE_SIZE.fullmatch(raw) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise RequestValidationError("limit", f"must be an integer from 1 to {MAX_PAGE_SIZE}")
    return int(raw)
