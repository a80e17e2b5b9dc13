"""What every HTTP function shares: resolver set-up, identity, input, errors."""

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import (
    BadRequestError,
    ForbiddenError,
    UnauthorizedError,
)

from shop_common.dynamo import InvalidPageToken
from shop_common.events import EventPublishError
from shop_common.observability import logger
from shop_common.serialization import dumps, loads
from shop_common.validation import RequestValidationError, validate

ADMIN_GROUP = "admin"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


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


def new_resolver() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(serializer=dumps, json_body_deserializer=loads)
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
    raw = app.current_event.decoded_body
    if not raw:
        raise RequestValidationError("body", "is required")
    try:
        data = loads(raw)
    except ValueError:
        raise BadRequestError("Request body is not valid JSON") from None
    return validate(data, schema)


def page_size(app: APIGatewayHttpResolver) -> int:
    raw = app.current_event.get_query_string_value("limit")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise RequestValidationError("limit", f"must be an integer from 1 to {MAX_PAGE_SIZE}")
    return int(raw)
