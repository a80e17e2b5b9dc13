"""The AWS emulator as seen from the local cloud: start it in a child process
(see emulator_server.py), wait until it answers, read its request counts, stop it."""

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, TypedDict

from localcloud import ROOT

REQUESTS_PATH = "/_localcloud/requests"
PATCHES_PATH = "/_localcloud/patches"
EMAILS_PATH = "/_localcloud/emails"


class SentEmail(TypedDict):
    """A row of GET /_localcloud/emails?since=N: an e-mail SES was asked to send."""

    messageId: str
    sender: str
    to: list[str]
    subject: str
    body: str


class RequestCount(TypedDict):
    """A row of GET /_localcloud/requests."""

    caller: str
    action: str
    count: int


class PatchesReport(TypedDict):
    """GET /_localcloud/patches."""

    applied: list[str]
    refused: dict[str, str]
    done: bool
    stats: dict[str, dict[str, Any]]


class Emulator:
    def __init__(self, host: str, port: int, log_file: Path, region: str = "us-east-1"):
        self.url = f"http://{host}:{port}"
        self.host, self.port, self.log_file, self.region = host, port, log_file, region
        self.process: subprocess.Popen[bytes] | None = None

    def spawn(self) -> None:
        """Start the emulator's process; it answers a little later (wait_ready)."""
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "localcloud.emulator_server",
                    "--host",
                    self.host,
                    "--port",
                    str(self.port),
                    "--region",
                    self.region,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )

    def wait_ready(self, timeout: float = 30) -> None:
        assert self.process is not None, "spawn() first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the emulator exited; see {self.log_file}")
            try:
                self.requests()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"the emulator did not answer within {timeout}s; see {self.log_file}")

    def start(self, timeout: float = 30) -> None:
        self.spawn()
        self.wait_ready(timeout)

    def _call(self, method: str, path: str = REQUESTS_PATH, timeout: float = 5) -> Any:
        # Our own http:// URL, not user input.
        request = urllib.request.Request(self.url + path, method=method)  # noqa: S310
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read())

    def requests(self) -> list[RequestCount]:
        """[{caller, action, count}] for every request since the last reset."""
        counts: list[RequestCount] = self._call("GET")
        return counts

    def reset_requests(self) -> None:
        self._call("DELETE")

    def patches(self) -> PatchesReport:
        """{applied: [names], refused: {name: reason}} of the moto patches (emulator_patches),
        once the emulator's warm-up has applied them."""
        report: PatchesReport = self._call("GET", PATCHES_PATH, timeout=35)
        return report

    def emails(self, since: int = 0) -> list[SentEmail]:
        """The e-mails moto's SES accepted (and did not send), from the `since`-th on."""
        sent: list[SentEmail] = self._call("GET", f"{EMAILS_PATH}?since={since}")
        return sent

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
