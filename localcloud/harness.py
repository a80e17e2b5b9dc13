"""Run the local cloud as a child process, the way `make local` does, and wait
until it is ready: used by the end-to-end tests and the benchmarks."""

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from localcloud import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LocalCloudProcess:
    def __init__(
        self,
        state_dir: Path,
        *extra_args: str,
        start_timeout: float = 60,
        own_process_group: bool = False,
    ):
        self.state_dir = state_dir
        self.log = state_dir / "localcloud.out"
        self.start_timeout = start_timeout
        state_dir.mkdir(parents=True, exist_ok=True)
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "localcloud",
                "up",
                "--api-port",
                str(free_port()),
                "--aws-port",
                str(free_port()),
                "--graphql-port",
                str(free_port()),
                "--web-port",
                str(free_port()),
                "--console-port",
                str(free_port()),
                "--state-dir",
                str(state_dir),
                *extra_args,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            # As a service manager runs it: signals can then go to the whole group.
            process_group=0 if own_process_group else None,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.ready_report: dict[str, float] = {}
        threading.Thread(target=self._copy_output, daemon=True).start()

    def _copy_output(self) -> None:
        assert self.process.stdout is not None  # stdout=PIPE
        with self.log.open("w") as log:
            for line in self.process.stdout:
                log.write(line)
                log.flush()
                self.lines.put(line)

    def wait_ready(self) -> dict[str, Any]:
        """The stack outputs, once the local cloud says READY."""
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            if line.startswith("READY "):
                self.ready_report = json.loads(line.removeprefix("READY "))
                self.ready_report["wallSeconds"] = time.perf_counter() - self.started
                outputs: dict[str, Any] = json.loads((self.state_dir / "outputs.json").read_text())
                return outputs
        self.stop()
        raise RuntimeError(f"the local cloud did not start:\n{self.log.read_text()[-4000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
