"""The local cloud's HTTP servers (the gateway, the local AppSync, the storefront, the
console): the standard library's ThreadingHTTPServer, each on a thread of its own."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops connections from a burst of clients; API Gateway
    # takes Lambda-scale bursts.
    request_queue_size = socket.SOMAXCONN


class LocalServer:
    """Serves `handler` on host:port (port 0: any free one, then `port` says which) from
    start() until stop()."""

    def __init__(self, host: str, port: int, handler: type[BaseHTTPRequestHandler], name: str):
        self.server = _Server((host, port), handler)
        self.port: int = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name=name, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
