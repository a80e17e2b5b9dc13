"""The console's HTTP server (the standard library's ThreadingHTTPServer, as the gateway's).

It is an unauthenticated local server whose buttons change state, so every request passes
these checks, else it is answered 403 and nothing runs:
- `Host` is `127.0.0.1:<port>` or `localhost:<port>` (a page that rebinds its own DNS name to
  127.0.0.1 still sends its own name);
- a POST carries `Origin` equal to the console's own origin (`http://` + that Host): no other
  web page can post to it;
- a POST carries `X-Console-Token`, equal (compared in constant time) to the token made at
  each start and embedded in the page it serves (`<meta name="console-token">`): a request
  made without first reading the page (which the browser lets only the console's own origin
  do) cannot know it.
Answers carry a Content-Security-Policy that allows the page's own origin only (no CDN)."""

from __future__ import annotations

import hmac
import json
import mimetypes
import secrets
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from localcloud import ROOT
from localcloud.console.panels import PANELS, Context, Panel, Reply, Request, json_reply
from localcloud.http_servers import LocalServer
from localcloud.workers import Console

WEB_ROOT = ROOT / "web" / "console"
TOKEN_HEADER = "X-Console-Token"  # noqa: S105 - a header name, not a secret
MAX_BODY_BYTES = 1024 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class Forbidden(Exception):
    """A request the console refuses (403)."""


class ConsoleServer(LocalServer):
    def __init__(
        self,
        host: str,
        port: int,
        context: Context,
        panels: list[Panel] | None = None,
        web_root: Path = WEB_ROOT,
        console: Console | None = None,
    ):
        self.context, self.web_root = context, web_root
        self.console = console or Console()
        self.panels = {p.name: p for p in (PANELS if panels is None else panels)}
        self.token = secrets.token_urlsafe(32)  # made at each start
        super().__init__(host, port, self._handler_class(), "console")
        self.url = f"http://127.0.0.1:{self.port}/"
        self.allowed_hosts = {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    # -- the checks --------------------------------------------------------------------------

    def check(self, method: str, headers: dict[str, str]) -> None:
        host = headers.get("host", "")
        if host not in self.allowed_hosts:
            raise Forbidden(f"Host must be one of {sorted(self.allowed_hosts)}")
        if method != "POST":
            return
        if headers.get("origin") != f"http://{host}":
            raise Forbidden("a POST must come from the console's own page (Origin)")
        given = headers.get(TOKEN_HEADER.lower(), "")
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            raise Forbidden(f"a POST must carry the page's {TOKEN_HEADER}")

    # -- answers ---------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        self.check(method, headers)
        url = urlsplit(target)
        path = url.path
        if method == "GET" and path in {"/", "/index.html"}:
            return self.index()
        if method == "GET" and path.startswith("/static/"):
            return self.static(path.removeprefix("/static/"))
        if path == "/api/panels" and method == "GET":
            return json_reply([{"name": p.name, "title": p.title} for p in self.panels.values()])
        parts = path.split("/")
        if len(parts) == 4 and parts[:2] == ["", "api"] and parts[2] in self.panels:
            panel = self.panels[parts[2]]
            routes = panel.get if method == "GET" else panel.post
            handler = routes.get(parts[3])
            if handler is not None:
                try:
                    parsed: Any = json.loads(body) if body else None
                except ValueError:
                    return json_reply({"message": "the body must be JSON"}, 400)
                return handler(self.context, Request(dict(parse_qsl(url.query)), parsed))
        return json_reply({"message": "Not Found"}, 404)

    def index(self) -> Reply:
        page = (self.web_root / "index.html").read_text(encoding="utf-8")
        page = page.replace("{{TOKEN}}", self.token)
        return Reply(200, page.encode(), "text/html; charset=utf-8")

    def static(self, name: str) -> Reply:
        root = self.web_root.resolve()
        path = (root / name).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return json_reply({"message": "Not Found"}, 404)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in {"application/javascript"}:
            kind += "; charset=utf-8"
        return Reply(200, path.read_bytes(), kind)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        console = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True
            server_version = "localcloud-console"

            def _serve(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    length = int(headers.get("content-length") or 0)
                except ValueError:
                    length = -1
                if not 0 <= length <= MAX_BODY_BYTES:
                    self.close_connection = True
                    self._send(json_reply({"message": "Content-Length: at most 1 MB"}, 400))
                    return
                body = self.rfile.read(length) if length else b""
                try:
                    reply = console.handle(self.command, self.path, headers, body)
                except Forbidden as refused:
                    reply = json_reply({"message": f"Forbidden: {refused}"}, 403)
                except Exception as error:  # say what failed, keep serving
                    console.context_error(error)
                    reply = json_reply({"message": f"{type(error).__name__}: {error}"}, 500)
                self._send(reply)

            do_GET = do_POST = _serve

            def __getattr__(self, name: str) -> Any:
                if name.startswith("do_"):  # any other method
                    return self._refuse
                raise AttributeError(name)

            def _refuse(self) -> None:
                self.close_connection = True
                self._send(json_reply({"message": "Forbidden: GET and POST only"}, 403))

            def _send(self, reply: Reply) -> None:
                self.send_response(reply.status)
                headers = SECURITY_HEADERS | {
                    "Content-Type": reply.content_type,
                    "Content-Length": str(len(reply.body)),
                }
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def context_error(self, error: Exception) -> None:
        self.console.line("console", f"{type(error).__name__}: {error}")
