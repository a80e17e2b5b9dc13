"""The HTTP gateway: serves the API as API Gateway (HTTP API) would.

Routes, integrations, the JWT authorizer and CORS are read back from the
emulator, where the program created them. A request matching a route becomes a
payload format 2.0 event for the route's function; JWT routes need a bearer
token signed by the user pool's keys (fetched from the emulator's JWKS), with
the configured issuer and audience (`aud` or `client_id`), else 401.
"""

import base64
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import jwt

from localcloud.http_servers import LocalServer
from localcloud.lambda_events import http_api_event
from localcloud.workers import Console, Invocation

if TYPE_CHECKING:
    from mypy_boto3_apigatewayv2 import ApiGatewayV2Client
    from mypy_boto3_apigatewayv2.type_defs import CorsOutputTypeDef

_PARAM = re.compile(r"^\{([^}+]+)(\+?)\}$")
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's payload quota


@dataclass
class Authorizer:
    issuer: str
    audiences: list[str]
    jwks: jwt.PyJWKClient

    def claims(self, authorization: str | None) -> dict[str, Any] | None:
        """The token's claims if it is valid for this authorizer, else None."""
        claims = verified_claims(self.jwks, self.issuer, authorization)
        if claims is None:
            return None
        return claims if audience(claims) in self.audiences else None


def verified_claims(
    jwks: jwt.PyJWKClient, issuer: str, authorization: str | None
) -> dict[str, Any] | None:
    """The claims of a token (bare or after "Bearer ") signed by one of the pool's keys,
    from `issuer`, with an expiry that has not passed; else None. The audience is the
    caller's to check (API Gateway and AppSync check it differently)."""
    if not authorization:
        return None
    token = authorization.removeprefix("Bearer ").strip()
    try:
        key = jwks.get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            issuer=issuer,
            options={"verify_aud": False, "require": ["exp", "iss"]},
        )
    except (jwt.PyJWTError, jwt.PyJWKClientError):
        return None
    return claims


def audience(claims: dict[str, Any]) -> Any:
    """The app client a Cognito token was issued to: an ID token's aud, an access token's
    client_id."""
    return claims.get("aud") or claims.get("client_id")


def user_pool_jwks(endpoint_url: str, pool_id: str) -> jwt.PyJWKClient:
    """The user pool's signing keys, as the emulator serves them."""
    return jwt.PyJWKClient(f"{endpoint_url}/{pool_id}/.well-known/jwks.json", cache_keys=True)


@dataclass
class Route:
    key: str
    method: str  # "ANY" or an HTTP method
    segments: list[str]
    function_arn: str
    authorizer: Authorizer | None = None
    names: list[str | None] = field(default_factory=list)

    def match(  # noqa: PLR0911
        self, method: str, path: str
    ) -> tuple[tuple[int, ...], dict[str, str]] | None:
        """(specificity, path parameters) if this route serves the request."""
        if self.method not in {"ANY", method}:
            return None
        if self.key == "$default":
            return (0, 0, 0), {}
        parts = [p for p in path.split("/") if p]
        parameters: dict[str, str] = {}
        literal = 0
        for index, segment in enumerate(self.segments):
            param = _PARAM.match(segment)
            if param and param.group(2):  # {name+}: the rest of the path
                if index >= len(parts):
                    return None
                parameters[param.group(1)] = "/".join(parts[index:])
                return (1, literal, 0, self.method != "ANY"), parameters
            if index >= len(parts):
                return None
            if param:
                parameters[param.group(1)] = parts[index]
            elif segment != parts[index]:
                return None
            else:
                literal += 1
        if len(parts) != len(self.segments):
            return None
        return (2, literal, len(self.segments), self.method != "ANY"), parameters


def _route(key: str, function_arn: str, authorizer: Authorizer | None) -> Route:
    if key == "$default":
        return Route(key, "ANY", [], function_arn, authorizer)
    method, path = key.split(" ", 1)
    return Route(key, method, [p for p in path.split("/") if p], function_arn, authorizer)


@dataclass
class Api:
    routes: list[Route]
    cors: "CorsOutputTypeDef"

    @classmethod
    def from_emulator(cls, client: "ApiGatewayV2Client", api_id: str, endpoint_url: str) -> "Api":
        integrations = {
            i["IntegrationId"]: i["IntegrationUri"]
            for i in client.get_integrations(ApiId=api_id)["Items"]
        }
        route_items = client.get_routes(ApiId=api_id)["Items"]
        authorizers: dict[str, Authorizer] = {}
        for authorizer_id in {r["AuthorizerId"] for r in route_items if r.get("AuthorizerId")}:
            # GetAuthorizer, one by one: moto does not implement GetAuthorizers.
            config = client.get_authorizer(ApiId=api_id, AuthorizerId=authorizer_id)[
                "JwtConfiguration"
            ]
            pool_id = config["Issuer"].rstrip("/").rsplit("/", 1)[-1]
            authorizers[authorizer_id] = Authorizer(
                issuer=config["Issuer"],
                audiences=list(config.get("Audience", [])),
                jwks=user_pool_jwks(endpoint_url, pool_id),
            )
        routes = []
        for item in route_items:
            uri = integrations[item["Target"].removeprefix("integrations/")]
            function_arn = uri.split("/functions/")[1].removesuffix("/invocations")
            authorizer = (
                authorizers[item["AuthorizerId"]]
                if item.get("AuthorizationType") == "JWT"
                else None
            )
            routes.append(_route(item["RouteKey"], function_arn, authorizer))
        api = client.get_api(ApiId=api_id)
        return cls(routes, api.get("CorsConfiguration") or {})

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        matches = [(m[0], route, m[1]) for route in self.routes if (m := route.match(method, path))]
        if not matches:
            return None
        _, route, parameters = max(matches, key=lambda match: match[0])
        return route, parameters


class _Rejected(Exception):
    """A request that API Gateway answers by itself, before any route."""

    def __init__(self, status: int, body: bytes):
        super().__init__(status)
        self.status, self.body = status, body


def _body_length(content_lengths: list[str]) -> int:
    """The body's length: one decimal Content-Length (or none), at most the quota."""
    values = {value.strip() for value in content_lengths} or {"0"}
    if len(values) > 1 or not re.fullmatch(r"[0-9]+", length := values.pop()):
        raise _Rejected(400, b'{"message":"Bad Request"}')
    if int(length) > MAX_PAYLOAD_BYTES:
        # Rejected on the header: the body is never read into memory.
        raise _Rejected(413, b'{"message":"Request Entity Too Large"}')
    return int(length)


def _read_chunked(stream: Any) -> bytes:
    """A Transfer-Encoding: chunked body (API Gateway accepts it), at most the quota."""
    body = bytearray()
    while True:
        size_line = stream.readline(1024).split(b";", 1)[0].strip()
        if not re.fullmatch(rb"[0-9A-Fa-f]{1,8}", size_line):
            raise _Rejected(400, b'{"message":"Bad Request"}')
        size = int(size_line, 16)
        if len(body) + size > MAX_PAYLOAD_BYTES:
            raise _Rejected(413, b'{"message":"Request Entity Too Large"}')
        if size == 0:
            while stream.readline(1024).strip():  # trailers, up to the blank line
                pass
            return bytes(body)
        chunk = stream.read(size)
        if len(chunk) != size or stream.readline(1024).strip():
            raise _Rejected(400, b'{"message":"Bad Request"}')
        body += chunk


def _claims_for_lambda(claims: dict[str, Any]) -> dict[str, str]:
    """API Gateway hands claims to Lambda as strings; lists become "[a b]"."""
    return {
        key: f"[{' '.join(map(str, value))}]" if isinstance(value, list) else str(value)
        for key, value in claims.items()
    }


def cors_headers(cors: "CorsOutputTypeDef", origin: str | None, preflight: bool) -> dict[str, str]:
    """The CORS headers of an answer, as API Gateway adds them from the API's configuration
    (a preflight: preflight=True)."""
    allowed = cors.get("AllowOrigins", [])
    if not cors or not origin or not ("*" in allowed or origin in allowed):
        return {}
    headers = {"Access-Control-Allow-Origin": "*" if "*" in allowed else origin}
    if preflight:
        headers["Access-Control-Allow-Methods"] = ",".join(cors.get("AllowMethods", []))
        headers["Access-Control-Allow-Headers"] = ",".join(cors.get("AllowHeaders", []))
        if cors.get("MaxAge"):
            headers["Access-Control-Max-Age"] = str(cors["MaxAge"])
    elif cors.get("ExposeHeaders"):
        headers["Access-Control-Expose-Headers"] = ",".join(cors["ExposeHeaders"])
    return headers


class Gateway(LocalServer):
    def __init__(
        self,
        host: str,
        port: int,
        api: Api,
        invoke: Callable[[str, dict[str, Any]], Invocation],
        console: Console,
    ):
        self.api, self.invoke, self.console = api, invoke, console
        super().__init__(host, port, self._handler_class(), "gateway")
        self.url = f"http://{host}:{self.port}/"

    # -- CORS ------------------------------------------------------------------------------

    def cors_headers(self, origin: str | None, preflight: bool) -> dict[str, str]:
        return cors_headers(self.api.cors, origin, preflight)

    # -- requests --------------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes, str]:
        """(status, headers, body, route key) for one request."""
        url = urlsplit(target)
        origin = headers.get("origin")
        if method == "OPTIONS" and self.api.cors and "access-control-request-method" in headers:
            return 204, self.cors_headers(origin, preflight=True), b"", "-"
        found = self.api.find(method, url.path)
        cors = self.cors_headers(origin, preflight=False)
        if found is None:
            return 404, cors, b'{"message":"Not Found"}', "-"
        route, parameters = found
        claims = None
        if route.authorizer is not None:
            claims = route.authorizer.claims(headers.get("authorization"))
            if claims is None:
                return (
                    401,
                    cors | {"WWW-Authenticate": "Bearer"},
                    b'{"message":"Unauthorized"}',
                    route.key,
                )
        event = http_api_event(
            method,
            url.path,
            route_key=route.key,
            path_parameters=parameters or None,
            raw_query=url.query,
            headers=headers,
            body=body if body else None,
            claims=_claims_for_lambda(claims) if claims is not None else None,
        )
        invocation = self.invoke(route.function_arn, event)
        status, response_headers, response_body = self._response(invocation)
        return status, cors | response_headers, response_body, route.key

    @staticmethod
    def _response(invocation: Invocation) -> tuple[int, dict[str, str], bytes]:
        if invocation.timed_out:
            return 503, {}, b'{"message":"Service Unavailable"}'
        if not invocation.ok:
            return 500, {}, b'{"message":"Internal Server Error"}'
        result = invocation.payload
        if not isinstance(result, dict) or "statusCode" not in result:
            # Payload 2.0: anything else is a JSON body with status 200.
            return 200, {"Content-Type": "application/json"}, json.dumps(result).encode()
        body = result.get("body") or ""
        raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        headers = {k: str(v) for k, v in (result.get("headers") or {}).items()}
        return int(result["statusCode"]), headers, raw

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body are written separately: with Nagle's algorithm the body
            # would wait for the client's delayed ACK, 40 ms on every keep-alive response.
            disable_nagle_algorithm = True
            server_version = "localcloud-gateway"

            def _body(self) -> bytes:
                encoding = (self.headers.get("Transfer-Encoding") or "").strip().lower()
                if encoding == "chunked":
                    return _read_chunked(self.rfile)
                if encoding:
                    raise _Rejected(400, b'{"message":"Bad Request"}')  # an encoding we don't read
                length = _body_length(self.headers.get_all("Content-Length", []))
                body = self.rfile.read(length) if length else b""
                if len(body) != length:  # the client went away mid-body
                    raise _Rejected(400, b'{"message":"Bad Request"}')
                return body

            def _serve(self) -> None:
                started = time.perf_counter()
                try:
                    body = self._body()
                except _Rejected as rejected:
                    self.close_connection = True  # the body, if any, is left unread
                    self._respond(started, rejected.status, {"Connection": "close"}, rejected.body)
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                self._respond(started, *gateway.handle(self.command, self.path, headers, body))

            def _respond(
                self,
                started: float,
                status: int,
                response_headers: dict[str, str],
                payload: bytes,
                route_key: str = "-",
            ) -> None:
                self.send_response(status)
                response_headers.setdefault("Content-Type", "application/json")
                response_headers["Content-Length"] = str(len(payload))
                response_headers["apigw-requestid"] = str(uuid.uuid4())
                for key, value in response_headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if self.command != "HEAD":  # else it would be read as the next response
                    self.wfile.write(payload)
                gateway.console.line(
                    "gateway",
                    json.dumps(
                        {
                            "method": self.command,
                            "path": self.path,
                            "routeKey": route_key,
                            "status": status,
                            "latencyMs": round((time.perf_counter() - started) * 1000),
                        }
                    ),
                )

            def __getattr__(self, name: str) -> Callable[[], None]:
                # Every method is routed (no 501): without a route it is 404, as on AWS.
                if name.startswith("do_"):
                    return self._serve
                raise AttributeError(name)

            def send_error(
                self, code: int, message: str | None = None, explain: str | None = None
            ) -> None:
                # What the HTTP server itself refuses (a bad request line, a URL or
                # headers too long) gets API Gateway's JSON error shape, not HTML.
                self.close_connection = True
                if code == HTTPStatus.HTTP_VERSION_NOT_SUPPORTED:
                    code, message = HTTPStatus.BAD_REQUEST, None  # bad input is a 4xx
                if not hasattr(self, "command") or self.request_version == "HTTP/0.9":
                    self.request_version = "HTTP/1.1"  # answer with a status line regardless
                reason = (message or HTTPStatus(code).phrase).split("(")[0].strip()
                payload = json.dumps({"message": reason}).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Connection", "close")
                self.end_headers()
                if getattr(self, "command", "") != "HEAD":
                    self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # one JSON access log line per request instead (see _serve)

        return Handler
