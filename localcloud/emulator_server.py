"""The emulator process: moto's server with Step Functions executions enabled,
MOTO_PORT set to its own port (moto's state machine interpreter calls back into
this server), and a middleware that counts the requests reaching it.

GET /_localcloud/requests returns the counts by caller and action, DELETE
resets them. The caller is the `app/<name>` that a function's SDK puts in its
User-Agent (the local cloud sets AWS_SDK_UA_APP_ID per function); requests
without one come from moto's own state machine interpreter.

GET /_localcloud/patches says which of the local cloud's patches of moto
(emulator_patches.py, applied by the warm-up) are in effect.

Run as `python -m localcloud.emulator_server --port 4566`.
"""

import argparse
import io
import json
import os
import re
import threading
from collections import Counter
from urllib.parse import parse_qs

from moto.core.config import default_user_config
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from localcloud import emulator_patches
from localcloud.emulator import PATCHES_PATH, REQUESTS_PATH
from localcloud.processes import exit_with_parent
from localcloud.services import BOTO3_TO_MOTO

INTERNAL_CALLER = "stepfunctions"
_APP_ID = re.compile(r"\bapp/([\w.-]+)")
_SERVICE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")


def _caller(environ: dict) -> str:
    match = _APP_ID.search(environ.get("HTTP_USER_AGENT", ""))
    return match.group(1) if match else INTERNAL_CALLER


def _action(environ: dict) -> str:
    match = _SERVICE.search(environ.get("HTTP_AUTHORIZATION", ""))
    service = match.group(1) if match else "?"
    target = environ.get("HTTP_X_AMZ_TARGET")
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if target:
        action = target.rsplit(".", 1)[-1]
    elif "Action" in query:
        action = query["Action"][0]
    elif environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        # Query-protocol services (SNS) put the action in the body: read it, put it back.
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        action = parse_qs(body.decode(errors="replace")).get("Action", ["?"])[0]
    else:
        action = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}"
    return f"{service}:{action}"


class Patches:
    """What the warm-up patched, for GET /_localcloud/patches."""

    def __init__(self):
        self.done = threading.Event()
        self.applied: list[str] = []
        self.refused: dict[str, str] = {}

    def apply(self) -> None:
        try:
            self.refused = emulator_patches.problems()
            self.applied = emulator_patches.apply(lambda line: print(line, flush=True))
        finally:
            self.done.set()

    def report(self, environ, start_response):
        self.done.wait(30)
        body = {"applied": self.applied, "refused": self.refused, "done": self.done.is_set()}
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]


class CountingMiddleware:
    def __init__(self, app, patches: Patches | None = None):
        self.app = app
        self.patches = patches or Patches()
        self.counts: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == REQUESTS_PATH:
            return self._report(environ, start_response)
        if environ.get("PATH_INFO") == PATCHES_PATH:
            return self.patches.report(environ, start_response)
        with self.lock:
            self.counts[(_caller(environ), _action(environ))] += 1
        return self.app(environ, start_response)

    def _report(self, environ, start_response):
        with self.lock:
            if environ["REQUEST_METHOD"] == "DELETE":
                self.counts.clear()
            rows = [
                {"caller": caller, "action": action, "count": count}
                for (caller, action), count in sorted(self.counts.items())
            ]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(rows).encode()]


_WARM_DEFINITION = '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}'


def warm_up(dispatcher: DomainDispatcherApplication, patches: Patches) -> None:
    """Do moto's first-request work (service apps, ASL parser) before it is asked
    for, and apply the local cloud's patches of moto."""
    for service in BOTO3_TO_MOTO.values():
        try:
            app = create_backend_app(service)
        except Exception as error:  # a cold service still works, just slower
            print(f"warm-up skipped {service}: {error}", flush=True)
            continue
        with dispatcher.lock:
            dispatcher.app_instances.setdefault(service, app)
    patches.apply()  # imports the ASL parser (heavy: ANTLR), off the path to the first answer
    from moto.stepfunctions.parser.asl.parse.asl_parser import (  # noqa: PLC0415
        AmazonStateLanguageParser,
    )

    AmazonStateLanguageParser.parse(_WARM_DEFINITION)


def serve(host: str, port: int) -> None:
    os.environ["MOTO_PORT"] = str(port)
    default_user_config["stepfunctions"]["execute_state_machine"] = True
    dispatcher = DomainDispatcherApplication(create_backend_app)
    app = CountingMiddleware(dispatcher)
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(
        target=warm_up, args=(dispatcher, app.patches), name="warm-up", daemon=True
    ).start()
    print(f"emulator listening on http://{host}:{port}", flush=True)
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description="moto server for the local cloud")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    args = parser.parse_args()
    exit_with_parent()
    serve(args.host, args.port)


if __name__ == "__main__":
    main()
