"""What every HTTP function shares: the resolver, route registration from the
route table, identity, input, and the one error body."""

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types

from shop_common.contracts import UUID_PATTERN, Schema
from shop_common.errors import BadRequest, Forbidden, Invalid, NotFound, ShopError, Unauthorized
from shop_common.observability import logger
from shop_common.routes import (
    ADMIN_GROUP,
    DEFAULT_PAGE_SIZE,
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_KEY_HEADER,
    MAX_PAGE_SIZE,
    Access,
    Route,
    served_by,
)
from shop_common.serialization import InvalidJson, dumps, loads
from shop_common.validation import validate

if TYPE_CHECKING:  # not imported at run time: each import is paid on a cold start
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

_PAGE_SIZE = re.compile(r"[0-9]{1,3}")  # ASCII digits only: str.isdigit() accepts "²"
_ISSUED_ID = re.compile(UUID_PATTERN)
ORDER_ID = "orderId"  # the path parameter and GraphQL argument that names an order
Handler = TypeVar("Handler", bound=Callable[..., Any])
_IDEMPOTENCY_KEY_SCHEMA = {
    "type": "object",
    "properties": {IDEMPOTENCY_KEY_HEADER: dict(IDEMPOTENCY_KEY)},
}


@dataclass(frozen=True)
class Caller:
    user_id: str
    groups: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=dumps(body),
        headers=headers,
    )


def _on_shop_error(error: ShopError) -> Response[str]:
    if error.status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        logger.exception("the request could not be completed")
    return json_response(error.status, error.body())


def _on_no_route(_: Exception) -> Response[str]:
    return json_response(HTTPStatus.NOT_FOUND, {"message": "Not Found"})


def _only_issued_ids(
    app: APIGatewayHttpResolver, next_middleware: "NextMiddleware"
) -> Response[Any]:
    """Every path parameter of this API is an id the shop issued: anything else names
    nothing (and an overlong one would break DynamoDB's key size limit on AWS)."""
    for name, value in app.context.get("_route_args", {}).items():
        issued_id(name, value)
    return next_middleware(app)


def issued_id(name: str, value: str) -> str:
    """A value that names something the shop issued (a path's or a GraphQL argument's
    id): any other form names nothing. A request about an order is then logged under
    the order's id, as everything on the order's path is (docs/architecture.md#observability)."""
    if not _ISSUED_ID.fullmatch(value):
        raise NotFound(f"No {name} {value[:64]!r} exists")
    if name == ORDER_ID:
        logger.set_correlation_id(value)
    return value


def new_resolver() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(serializer=dumps, json_body_deserializer=loads)
    app.use([_only_issued_ids])
    app.exception_handler(ShopError)(_on_shop_error)
    app.not_found(_on_no_route)
    return app


class Router:
    """Registers a handler module's functions for its routes in shop_common.routes: a
    function serves the route whose `operation` is its name. The route decides the
    success status (a returned dict is its JSON body; None is no body) and whether
    only admins may call it."""

    def __init__(self, app: APIGatewayHttpResolver, service: str) -> None:
        self.app = app
        self.routes = {route.operation: route for route in served_by(service)}
        self.registered: set[str] = set()

    def __call__(self, function: Handler) -> Handler:
        route = self.routes[function.__name__]

        @functools.wraps(function)
        def serve(*args: Any, **kwargs: Any) -> Response[Any]:
            if route.access is Access.ADMIN:
                admin(self.app)
            return _response(route, function(*args, **kwargs))

        self.app.route(route.path_with(r"<\1>"), method=route.method)(serve)
        self.registered.add(function.__name__)
        return function


@dataclass(frozen=True)
class Reply:
    """A JSON body with response headers (the status is the route's)."""

    body: Any
    headers: dict[str, str]


def _response(route: Route, result: Any) -> Response[Any]:
    if isinstance(result, Response):
        return result
    if isinstance(result, Reply):
        return json_response(route.status, result.body, result.headers)
    if result is None:
        return Response(status_code=route.status, body="")
    return json_response(route.status, result)


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
        raise Unauthorized("Unauthorized")
    return Caller(user_id=user_id, groups=_groups(claims.get("cognito:groups")))


def admin(app: APIGatewayHttpResolver) -> Caller:
    who = caller(app)
    if not who.is_admin:
        raise Forbidden(f"Only members of the {ADMIN_GROUP} group may do this")
    return who


def body(app: APIGatewayHttpResolver, schema: Schema) -> Any:
    """The request's JSON body, validated against schema: the caller takes it as the
    schema's type in shop_common.models (e.g. PRODUCT_INPUT's ProductInput)."""
    try:
        raw = app.current_event.decoded_body  # base64-decoded when API Gateway encoded it
    except ValueError:
        raise BadRequest("Request body is not valid JSON: it is not UTF-8 text") from None
    if not raw:
        raise Invalid("body", "is required")
    try:
        data = loads(raw)
    except InvalidJson as error:
        raise BadRequest(f"Request body is not valid JSON: {error}") from None
    return validate(data, schema)


_query_schemas: dict[tuple[str, int], Schema] = {}  # kept alive: validators are cached by id


def query_value(app: APIGatewayHttpResolver, name: str, schema: Mapping[str, Any]) -> str | None:
    """A query string parameter, validated against the schema of its values."""
    raw = app.current_event.get_query_string_value(name)
    if raw is None:
        return None
    wrapper = _query_schemas.get((name, id(schema)))
    if wrapper is None:
        wrapper = {"type": "object", "properties": {name: schema}}
        _query_schemas[(name, id(schema))] = wrapper
    validate({name: raw}, wrapper)
    return raw


def required_query_value(app: APIGatewayHttpResolver, name: str, schema: Mapping[str, Any]) -> str:
    """A query string parameter the route requires (Route.required_query)."""
    value = query_value(app, name, schema)
    if value is None:
        raise Invalid(name, "is required")
    return value


def idempotency_key(app: APIGatewayHttpResolver) -> str | None:
    """The request's IDEMPOTENCY_KEY_HEADER (Route.idempotency_key), if it has one."""
    raw = app.current_event.headers.get(IDEMPOTENCY_KEY_HEADER)  # case-insensitive
    if raw is None:
        return None
    validate({IDEMPOTENCY_KEY_HEADER: raw}, _IDEMPOTENCY_KEY_SCHEMA)
    return raw


def page_size(app: APIGatewayHttpResolver) -> int:
    raw = app.current_event.get_query_string_value("limit")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not _PAGE_SIZE.fullmatch(raw) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise Invalid("limit", f"must be an integer from 1 to {MAX_PAGE_SIZE}")
    return int(raw)
