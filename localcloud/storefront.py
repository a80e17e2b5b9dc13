"""The storefront, served locally: the files of web/storefront as they are (what the
program uploads to the storefront's bucket), and a config.json pointing at the local
endpoints (what the program writes from the stack's outputs): the local gateway, the local
AppSync, and the emulator's Cognito, which the browser calls directly (moto's server
answers CORS for any origin).

GET and HEAD only; a path outside the site's folder, or a file that is not there, is 404.
"""

import json
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from components.storefront import (
    CACHE_CONTROL,
    CONFIG_OBJECT,
    INDEX,
    content_type,
    security_headers,
)
from localcloud import ROOT
from localcloud.http_servers import LocalServer

SITE_DIR = ROOT / "web" / "storefront"


def local_config(outputs: Mapping[str, Any], config_keys: tuple[str, ...]) -> dict[str, Any]:
    """config.json for the local cloud: the same keys as the program's, from its outputs;
    Cognito is the emulator's."""
    values = {
        **outputs,
        "region": outputs["region"],
        "cognitoEndpoint": str(outputs["awsEndpointUrl"]).rstrip("/") + "/",
    }
    return {key: values[key] for key in config_keys}


class StorefrontServer(LocalServer):
    def __init__(self, host: str, port: int, config: Mapping[str, Any], site_dir: Path = SITE_DIR):
        self.site_dir = site_dir.resolve()
        self.config = json.dumps(dict(config), indent=2).encode()
        self.headers = security_headers(config)  # as CloudFront's response headers policy
        super().__init__(host, port, self._handler_class(), "storefront")
        self.url = f"http://{host}:{self.port}/"

    def answer(self, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a GET of the path."""
        relative = unquote(urlsplit(path).path).lstrip("/") or INDEX
        if relative == CONFIG_OBJECT:
            return 200, content_type(Path(CONFIG_OBJECT)), self.config
        not_found = 404, "text/plain; charset=utf-8", b"Not Found"
        if "\x00" in relative:  # no file has one; the OS would refuse the name
            return not_found
        file = (self.site_dir / relative).resolve()
        if not file.is_relative_to(self.site_dir) or not file.is_file():
            return not_found
        return 200, content_type(file), file.read_bytes()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "localcloud-storefront"

            def _send(self, with_body: bool) -> None:
                status, kind, body = site.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", CACHE_CONTROL)
                for header, value in site.headers.items():
                    self.send_header(header, value)
                self.end_headers()
                if with_body:
                    self.wfile.write(body)

            def do_GET(self) -> None:
                self._send(with_body=True)

            def do_HEAD(self) -> None:
                self._send(with_body=False)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the browser's requests are not the shop's

        return Handler
