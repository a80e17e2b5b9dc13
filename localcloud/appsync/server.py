"""The local AppSync's endpoint: one port for both of AppSync's hosts.

- `POST /graphql` ({query, variables, operationName}) answers as AppSync's GraphQL endpoint:
  200 with {data, errors}; 401 {"errors": [{"errorType": "UnauthorizedException", ...}]}
  without a valid caller; CORS as the HTTP gateway answers it (gateway.cors_headers).
- `GET /graphql` upgraded to a WebSocket is AppSync's real-time endpoint, in its protocol
  (subprotocol graphql-ws; `?header=<base64 JSON>&payload=e30=`; connection_init →
  connection_ack {connectionTimeoutMs} and `ka` every KEEP_ALIVE_SECONDS; start →
  start_ack or error; data; stop → complete), so AppSync clients (gql's
  AppSyncWebsocketsTransport) connect unchanged. The handshake and framing are the
  websockets library's (sans-I/O), on the socket the HTTP server accepted.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request
from websockets.server import ServerProtocol
from websockets.sync.connection import Connection
from websockets.typing import Subprotocol

from localcloud.appsync.engine import Engine
from localcloud.gateway import _body_length, _Rejected, cors_headers
from localcloud.http_servers import LocalServer

if TYPE_CHECKING:
    from mypy_boto3_apigatewayv2.type_defs import CorsOutputTypeDef

    from localcloud.appsync.auth import Authenticator, Identity
    from localcloud.appsync.subscriptions import Subscriber
    from localcloud.workers import Console

PATH = "/graphql"
SUBPROTOCOL = Subprotocol("graphql-ws")
KEEP_ALIVE_SECONDS = 60.0  # AppSync sends `ka` about once a minute
CONNECTION_TIMEOUT_MS = 300_000  # what AppSync's connection_ack announces
# AppSync answers any origin, with the headers its clients sign.
CORS: CorsOutputTypeDef = {
    "AllowOrigins": ["*"],
    "AllowMethods": ["GET", "POST", "OPTIONS"],
    "AllowHeaders": [
        "content-type",
        "authorization",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-user-agent",
        "x-amz-content-sha256",
        "x-api-key",
    ],
    "MaxAge": 86400,
}
_UNAUTHORIZED = {
    "errors": [
        {
            "errorType": "UnauthorizedException",
            "message": "You are not authorized to make this call.",
        }
    ]
}


class _Session:
    """One real-time connection: its subscriptions, its keep-alive."""

    def __init__(
        self,
        endpoint: AppSyncServer,
        connection: Connection,
        header: dict[str, Any],
        source_ip: str,
    ):
        self.endpoint, self.connection, self.source_ip = endpoint, connection, source_ip
        self.header = {str(k).lower(): str(v) for k, v in header.items()}
        self.subscribers: dict[str, Subscriber] = {}
        self.lock = threading.Lock()  # one message at a time on the wire, in order
        self.closed = threading.Event()

    def send(self, message: dict[str, Any]) -> None:
        with self.lock:
            self.connection.send(json.dumps(message))

    def _keep_alive(self) -> None:
        while not self.closed.wait(self.endpoint.keep_alive_seconds):
            try:
                self.send({"type": "ka"})
            except ConnectionClosed:
                return

    def run(self) -> None:
        try:
            for raw in self.connection:
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "connection_init":
                    if not self._init():
                        return
                elif kind == "start":
                    self._start(message)
                elif kind == "stop":
                    self._stop(str(message.get("id")))
        except (ConnectionClosed, ValueError):
            pass
        finally:
            self.closed.set()
            for subscriber in self.subscribers.values():
                self.endpoint.engine.subscriptions.remove(subscriber)
            with contextlib.suppress(Exception):
                self.connection.close()

    def _init(self) -> bool:
        if self.endpoint.authenticator.identity(self.header, self.source_ip) is None:
            self.send({"type": "connection_error", "payload": _UNAUTHORIZED})
            return False
        self.send(
            {"type": "connection_ack", "payload": {"connectionTimeoutMs": CONNECTION_TIMEOUT_MS}}
        )
        self.send({"type": "ka"})
        threading.Thread(target=self._keep_alive, name="appsync-ka", daemon=True).start()
        return True

    def _start(self, message: dict[str, Any]) -> None:
        subscription_id = str(message.get("id"))
        payload = message.get("payload") or {}
        headers = {
            str(k).lower(): str(v)
            for k, v in ((payload.get("extensions") or {}).get("authorization") or {}).items()
        }
        identity: Identity | None = self.endpoint.authenticator.identity(headers, self.source_ip)
        if identity is None:
            self.send({"type": "error", "id": subscription_id, "payload": _UNAUTHORIZED})
            return
        try:
            data = json.loads(payload.get("data") or "{}")
        except ValueError:
            data = {}

        def push(body: dict[str, Any]) -> None:
            if not self.closed.is_set():
                self.send({"id": subscription_id, "type": "data", "payload": body})

        with self.lock:  # a push waits for the start_ack
            outcome = self.endpoint.engine.subscribe(
                str(data.get("query") or ""),
                data.get("variables"),
                data.get("operationName"),
                identity,
                headers,
                push,
            )
            if isinstance(outcome, list):
                answer = {"type": "error", "id": subscription_id, "payload": {"errors": outcome}}
            else:
                self.subscribers[subscription_id] = outcome
                answer = {"type": "start_ack", "id": subscription_id}
            self.connection.send(json.dumps(answer))

    def _stop(self, subscription_id: str) -> None:
        subscriber = self.subscribers.pop(subscription_id, None)
        if subscriber is not None:
            self.endpoint.engine.subscriptions.remove(subscriber)
        self.send({"type": "complete", "id": subscription_id})


class AppSyncServer(LocalServer):
    def __init__(
        self,
        host: str,
        port: int,
        engine: Engine,
        authenticator: Authenticator,
        console: Console,
        keep_alive_seconds: float = KEEP_ALIVE_SECONDS,
    ):
        self.engine, self.authenticator, self.console = engine, authenticator, console
        self.keep_alive_seconds = keep_alive_seconds
        super().__init__(host, port, self._handler_class(), "appsync")
        self.url = f"http://{host}:{self.port}{PATH}"
        self.realtime_url = f"ws://{host}:{self.port}{PATH}"
        self.sessions: set[_Session] = set()
        self._sessions_lock = threading.Lock()

    def stop(self) -> None:
        super().stop()
        with self._sessions_lock:
            sessions = list(self.sessions)
        for session in sessions:
            session.closed.set()
            with contextlib.suppress(Exception):
                session.connection.close()
        self.engine.close()

    def graphql(
        self, headers: dict[str, str], body: bytes, source_ip: str
    ) -> tuple[int, dict[str, Any]]:
        """(status, body) of a POST to the GraphQL endpoint."""
        identity = self.authenticator.identity(headers, source_ip)
        if identity is None:
            return 401, _UNAUTHORIZED
        try:
            request = json.loads(body)
            query = request["query"]
            if not isinstance(query, str):
                raise TypeError(query)
        except (ValueError, KeyError, TypeError):
            return 400, {
                "errors": [
                    {
                        "errorType": "MalformedHttpRequestException",
                        "message": "The request body is not a GraphQL request.",
                    }
                ]
            }
        return 200, self.engine.execute(
            query,
            request.get("variables") or {},
            request.get("operationName"),
            identity,
            headers,
        )

    def _realtime(self, handler: BaseHTTPRequestHandler) -> None:
        protocol = ServerProtocol(subprotocols=[SUBPROTOCOL])
        # The protocol parses the handshake itself before any frame: hand it the request
        # the HTTP server has already read.
        lines = [handler.requestline, *(f"{k}: {v}" for k, v in handler.headers.items())]
        protocol.receive_data(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        [request] = protocol.events_received()
        assert isinstance(request, Request)
        response = protocol.accept(request)
        protocol.send_response(response)
        for data in protocol.data_to_send():
            handler.wfile.write(data)
        handler.wfile.flush()
        if response.status_code != 101:
            return
        query = parse_qs(urlsplit(handler.path).query)
        try:
            header = json.loads(base64.b64decode(query.get("header", ["e30="])[0]))
        except (ValueError, binascii.Error):
            header = {}
        connection = Connection(handler.connection, protocol, close_timeout=1)
        session = _Session(
            self, connection, header if isinstance(header, dict) else {}, handler.client_address[0]
        )
        with self._sessions_lock:
            self.sessions.add(session)
        try:
            session.run()
        finally:
            with self._sessions_lock:
                self.sessions.discard(session)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # as the gateway: no 40 ms delayed-ACK waits
            server_version = "localcloud-appsync"

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                headers.setdefault("Content-Type", "application/json")
                headers["Content-Length"] = str(len(body))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def _cors(self, preflight: bool) -> dict[str, str]:
                return cors_headers(CORS, self.headers.get("Origin"), preflight)

            def do_OPTIONS(self) -> None:
                self._send(200, self._cors(preflight=True), b"")

            def do_GET(self) -> None:
                upgrade = (self.headers.get("Upgrade") or "").lower()
                if urlsplit(self.path).path == PATH and upgrade == "websocket":
                    self.close_connection = True  # the socket is the WebSocket's from now on
                    endpoint._realtime(self)
                    return
                self._send(404, self._cors(preflight=False), b'{"message":"Not Found"}')

            def do_POST(self) -> None:
                started = time.perf_counter()
                if urlsplit(self.path).path != PATH:
                    self._send(404, self._cors(preflight=False), b'{"message":"Not Found"}')
                    return
                try:
                    length = _body_length(self.headers.get_all("Content-Length", []))
                except _Rejected as rejected:
                    self.close_connection = True
                    self._send(rejected.status, {"Connection": "close"}, rejected.body)
                    return
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer = endpoint.graphql(headers, body, self.client_address[0])
                self._send(status, self._cors(preflight=False), json.dumps(answer).encode())
                endpoint.console.line(
                    "appsync",
                    json.dumps(
                        {
                            "status": status,
                            "errors": len(answer.get("errors") or []),
                            "latencyMs": round((time.perf_counter() - started) * 1000),
                        }
                    ),
                )

            def log_message(self, format: str, *args: Any) -> None:
                pass  # one JSON line per request instead (do_POST)

        return Handler
