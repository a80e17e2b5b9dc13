"""The emulator process: moto's server with Step Functions executions enabled,
MOTO_PORT set to its own port (moto's state machine interpreter calls back into
this server), and a middleware that counts the requests reaching it.

GET /_localcloud/requests returns the counts by caller and action, DELETE
resets them. The caller is the `app/<name>` that a function's SDK puts in its
User-Agent (the local cloud sets AWS_SDK_UA_APP_ID per function); requests
without one come from moto's own state machine interpreter.

GET /_localcloud/emails?since=N lists the e-mails moto's SES accepted in the
served region (moto sends nothing; it keeps them, as its documentation says, in
its backend's sent_messages), from the N-th on: the outbox records them.

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
import time
from collections import Counter
from collections.abc import Iterable
from urllib.parse import parse_qs
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from moto.core.config import default_user_config
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.datastructures import Headers
from werkzeug.serving import make_server
from werkzeug.test import EnvironBuilder, run_wsgi_app

from localcloud import emulator_patches
from localcloud.emulator import (
    EMAILS_PATH,
    PATCHES_PATH,
    REQUESTS_PATH,
    PatchesReport,
    RequestCount,
    SentEmail,
)
from localcloud.lambda_events import ACCOUNT_ID
from localcloud.processes import exit_with_parent
from localcloud.services import SIGNING_NAMES, WARM_UP_REQUESTS

INTERNAL_CALLER = "stepfunctions"
_APP_ID = re.compile(r"\bapp/([\w.-]+)")
_SERVICE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")


def _caller(environ: WSGIEnvironment) -> str:
    match = _APP_ID.search(environ.get("HTTP_USER_AGENT", ""))
    return match.group(1) if match else INTERNAL_CALLER


def _action(environ: WSGIEnvironment) -> str:
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

    def __init__(self) -> None:
        self.done = threading.Event()
        self.applied: list[str] = []
        self.refused: dict[str, str] = {}

    def apply_early(self) -> None:
        """The patches that must precede imports (cheap): before serving."""
        self._apply(early=True)

    def apply(self) -> None:
        """The others (they import what they patch): from the warm-up."""
        try:
            self._apply(early=False)
        finally:
            self.done.set()

    def _apply(self, early: bool) -> None:
        refused = emulator_patches.problems(early=early)
        self.refused |= refused
        self.applied += emulator_patches.apply(lambda line: print(line, flush=True), early=early)

    def report(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        self.done.wait(30)
        body: PatchesReport = {
            "applied": self.applied,
            "refused": self.refused,
            "done": self.done.is_set(),
            "stats": emulator_patches.stats(),
        }
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]


def sent_emails(region: str, since: int) -> list[SentEmail]:
    """What moto's SES (v1 and v2 share it) accepted in `region`, from the since-th on."""
    from moto.ses.models import Message, ses_backends  # noqa: PLC0415 - moto's own, lazily

    rows: list[SentEmail] = []
    for message in ses_backends[ACCOUNT_ID][region].sent_messages[since:]:
        simple = isinstance(message, Message)  # else raw (MIME) content, kept whole
        destinations = message.destinations
        rows.append(
            {
                "messageId": message.id,
                "sender": message.source,
                "to": [a for group in destinations.values() for a in group]
                if simple
                else list(destinations),
                "subject": message.subject if simple else "",
                "body": message.body if simple else message.raw_data,
            }
        )
    return rows


class CountingMiddleware:
    def __init__(
        self, app: WSGIApplication, patches: Patches | None = None, region: str = "us-east-1"
    ):
        self.app = app
        self.region = region
        self.patches = patches or Patches()
        self.counts: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == REQUESTS_PATH:
            return self._report(environ, start_response)
        if environ.get("PATH_INFO") == PATCHES_PATH:
            return self.patches.report(environ, start_response)
        if environ.get("PATH_INFO") == EMAILS_PATH:
            since = int(parse_qs(environ.get("QUERY_STRING", "")).get("since", ["0"])[0])
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(sent_emails(self.region, since)).encode()]
        with self.lock:
            self.counts[(_caller(environ), _action(environ))] += 1
        return self.app(environ, start_response)

    def _report(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        with self.lock:
            if environ["REQUEST_METHOD"] == "DELETE":
                self.counts.clear()
            rows: list[RequestCount] = [
                {"caller": caller, "action": action, "count": count}
                for (caller, action), count in sorted(self.counts.items())
            ]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(rows).encode()]


_WARM_DEFINITION = '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}'


def _warm_up_environ(service: str, region: str) -> WSGIEnvironment:
    """A request for `service` as its SDK would sign it (the signature is not checked)."""
    spec = WARM_UP_REQUESTS[service]
    signing_name = SIGNING_NAMES.get(service, service)
    headers = {
        "Authorization": "AWS4-HMAC-SHA256 "
        f"Credential=warmup/20250101/{region}/{signing_name}/aws4_request, "
        "SignedHeaders=host, Signature=0",
        "User-Agent": "localcloud-warm-up",
    }
    if "target" in spec:
        headers["X-Amz-Target"] = spec["target"]
    return EnvironBuilder(
        method=spec.get("method", "POST"),
        path=spec.get("path", "/"),
        headers=Headers(headers),
        content_type=spec.get("content_type"),
        data=spec.get("body", "{}" if "target" in spec else ""),
    ).get_environ()


def warm_service(dispatcher: DomainDispatcherApplication, service: str, region: str) -> int:
    """Do moto's first-request work for `service` (importing and creating its app,
    loading its service model, building its router, creating the account's backend
    in `region`) with one read-only request made in-process. Returns its status."""
    environ = _warm_up_environ(service, region)
    backend = dispatcher.get_backend_for_host(
        dispatcher.infer_service_region_host(environ, environ["PATH_INFO"])
    )
    if backend not in dispatcher.app_instances:
        app = create_backend_app(backend)  # outside the dispatcher's lock: requests go on
        with dispatcher.lock:
            dispatcher.app_instances.setdefault(backend, app)
    body, status, _ = run_wsgi_app(dispatcher, environ, buffered=True)
    b"".join(body)
    return int(status.split()[0])


def warm_up(dispatcher: DomainDispatcherApplication, patches: Patches, region: str) -> None:
    """Do moto's first-request work for every service the shop uses before it is
    asked for, then apply the local cloud's patches of moto (which import the ASL
    parser, needed by the first CreateStateMachine) and parse a first definition."""
    started = time.perf_counter()
    for service in WARM_UP_REQUESTS:
        try:
            status = warm_service(dispatcher, service, region)
        except Exception as error:  # a cold service still works, just slower
            print(f"warm-up of {service} failed: {error!r}", flush=True)
            continue
        if status >= 400:
            print(f"warm-up of {service}: HTTP {status}", flush=True)
    patches.apply()
    from moto.stepfunctions.parser.asl.parse.asl_parser import (  # noqa: PLC0415
        AmazonStateLanguageParser,
    )

    AmazonStateLanguageParser.parse(_WARM_DEFINITION)
    print(f"warm-up done in {time.perf_counter() - started:.2f} s", flush=True)


def serve(host: str, port: int, region: str = "us-east-1") -> None:
    os.environ["MOTO_PORT"] = str(port)
    default_user_config["stepfunctions"]["execute_state_machine"] = True
    patches = Patches()
    patches.apply_early()  # before anything imports what they change
    dispatcher = DomainDispatcherApplication(create_backend_app)
    app = CountingMiddleware(dispatcher, patches, region)
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(
        target=warm_up, args=(dispatcher, patches, region), name="warm-up", daemon=True
    ).start()
    print(f"emulator listening on http://{host}:{port}", flush=True)
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description="moto server for the local cloud")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--region", default="us-east-1", help="the region to warm up")
    args = parser.parse_args()
    exit_with_parent()
    serve(args.host, args.port, args.region)


if __name__ == "__main__":
    main()
