"""Lambda workers: one process per function, started on first invocation
(its init time is reported) and reused after.

The function's configuration is read back from the emulator, as the Lambda
service would read its own: handler, timeout, memory, environment. The code is
the archive the program deployed, unpacked into a task root. The environment
adds what Lambda adds (AWS_LAMBDA_*, _HANDLER, region) plus the emulator's
endpoint (AWS_ENDPOINT_URL) and dummy credentials. A timed-out invocation kills
the worker; the next invocation starts a fresh one.
"""

import itertools
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TextIO

HERE = Path(__file__).resolve().parent
RUNTIME = HERE / "lambda_runtime.py"
EVENTS_MODULE = HERE / "lambda_events.py"
_COLORS = itertools.cycle(["\033[36m", "\033[35m", "\033[33m", "\033[32m", "\033[34m", "\033[91m"])
_RESET = "\033[0m"


@dataclass
class Invocation:
    request_id: str
    payload: Any = None  # the handler's (JSON-decoded) result
    error: dict | None = None  # {"errorType", "errorMessage", ...}: the function failed
    timed_out: bool = False
    duration_ms: float = 0.0
    init_duration_ms: float | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Console:
    """Serialised, optionally coloured output shared by every part of the local cloud."""

    def __init__(self, stream: TextIO = sys.stdout, color: bool | None = None):
        self.stream = stream
        self.color = stream.isatty() if color is None else color
        self.lock = threading.Lock()

    def line(self, prefix: str, text: str, color: str = "") -> None:
        label = f"{color}[{prefix}]{_RESET}" if self.color and color else f"[{prefix}]"
        with self.lock:
            self.stream.write(f"{label} {text}\n")
            self.stream.flush()


class FunctionWorker:
    def __init__(
        self,
        configuration: dict,
        archive: Path,
        task_root: Path,
        base_env: dict,
        console: Console,
        log_file: Path,
    ):
        self.configuration = configuration
        self.name = configuration["FunctionName"]
        self.archive, self.task_root = archive, task_root
        self.base_env, self.console, self.log_file = base_env, console, log_file
        self.color = next(_COLORS)
        self.timeout = float(configuration["Timeout"])
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.connection: Connection | None = None
        self.unpacked = False
        self.max_memory_mb = 0  # as last reported by the worker

    # -- lifecycle -------------------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        config = self.configuration
        logging = config.get("LoggingConfig", {})
        return {
            **self.base_env,
            **config.get("Environment", {}).get("Variables", {}),
            "AWS_LAMBDA_FUNCTION_NAME": self.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config["MemorySize"]),
            "AWS_LAMBDA_LOG_GROUP_NAME": logging.get("LogGroup", f"/aws/lambda/{self.name}"),
            "AWS_LAMBDA_LOG_STREAM_NAME": "local",
            "AWS_LAMBDA_LOG_FORMAT": logging.get("LogFormat", "Text"),
            "AWS_LAMBDA_LOG_LEVEL": logging.get("ApplicationLogLevel", "INFO"),
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{config['Runtime']}",
            "LAMBDA_TASK_ROOT": str(self.task_root),
            "_HANDLER": config["Handler"],
            # Lets the emulator tell this function's requests apart (see emulator_server).
            "AWS_SDK_UA_APP_ID": self.name,
        }

    def _unpack(self) -> None:
        if self.unpacked:
            return
        shutil.rmtree(self.task_root, ignore_errors=True)
        self.task_root.mkdir(parents=True)
        with zipfile.ZipFile(self.archive) as archive:
            archive.extractall(self.task_root)
        self.unpacked = True

    def _start(self) -> tuple[float, dict | None]:
        self._unpack()
        parent_end, child_end = socket.socketpair()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-I",
                str(RUNTIME),
                str(child_end.fileno()),
                str(self.task_root),
                self.configuration["Handler"],
                str(EVENTS_MODULE),
            ],
            env=self.environment(),
            cwd=self.task_root,
            pass_fds=[child_end.fileno()],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        child_end.close()
        self.connection = Connection(parent_end.detach())
        threading.Thread(
            target=self._relay_output, args=(self.process,), daemon=True, name=f"logs-{self.name}"
        ).start()
        try:
            if not self.connection.poll(max(self.timeout, 30)):
                self.stop()
                return 0.0, {"errorType": "Runtime.InitTimeout", "errorMessage": "init timed out"}
            ready = self.connection.recv()
        except (EOFError, OSError):
            code = self.process.wait()
            self.stop()
            return 0.0, {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"the runtime exited with status {code} before init",
            }
        if ready["error"]:
            self.stop()
        return ready["initDurationMs"], ready["error"]

    def _relay_output(self, process: subprocess.Popen) -> None:
        with self.log_file.open("a", encoding="utf-8") as log:
            for line in process.stdout:
                log.write(line)
                log.flush()
                self.console.line(self.name, line.rstrip("\n"), self.color)

    def stop(self) -> None:
        if self.connection:
            self.connection.close()
            self.connection = None
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    # -- invocation ------------------------------------------------------------------------

    def invoke(self, event: dict) -> Invocation:
        with self.lock:
            invocation = Invocation(request_id=str(uuid.uuid4()))
            if self.process is None or self.process.poll() is not None:
                invocation.init_duration_ms, init_error = self._start()
                if init_error:
                    invocation.error = init_error
                    self._report(invocation)
                    return invocation
            started = time.perf_counter()
            try:
                self.connection.send(
                    {
                        "requestId": invocation.request_id,
                        "event": event,
                        "timeoutSeconds": self.timeout,
                    }
                )
                answered = self.connection.poll(self.timeout)
                response = self.connection.recv() if answered else None
            except (EOFError, OSError):  # the worker died mid-invocation
                self.stop()
                invocation.error = {
                    "errorType": "Runtime.ExitError",
                    "errorMessage": "the runtime exited during the invocation",
                }
                self._report(invocation)
                return invocation
            if response is not None:
                invocation.duration_ms = response["durationMs"]
                self.max_memory_mb = response["maxMemoryMb"]
                if "error" in response:
                    invocation.error = response["error"]
                else:
                    invocation.payload = json.loads(response["payload"])
            else:
                invocation.duration_ms = (time.perf_counter() - started) * 1000
                invocation.timed_out = True
                invocation.error = {
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": f"Task timed out after {self.timeout:.2f} seconds",
                }
                self.console.line(
                    self.name,
                    f"{invocation.request_id} {invocation.error['errorMessage']}",
                    self.color,
                )
                self.stop()  # the execution environment is replaced
            self._report(invocation)
            return invocation

    def _report(self, invocation: Invocation) -> None:
        init = (
            f"\tInit Duration: {invocation.init_duration_ms:.2f} ms"
            if invocation.init_duration_ms is not None
            else ""
        )
        status = f"\tStatus: {invocation.error['errorType']}" if invocation.error else ""
        self.console.line(
            self.name,
            f"REPORT RequestId: {invocation.request_id}\tDuration: {invocation.duration_ms:.2f} ms"
            f"\tBilled Duration: {max(1, round(invocation.duration_ms))} ms"
            f"\tMemory Size: {self.configuration['MemorySize']} MB"
            f"\tMax Memory Used: {self.max_memory_mb} MB{init}{status}",
            self.color,
        )


class Workers:
    """The workers of every function in the deployment, by name and by ARN."""

    def __init__(
        self,
        lambda_client,
        functions: dict[str, Path],
        state_dir: Path,
        endpoint_url: str,
        region: str,
        console: Console,
    ):
        base_env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",  # Lambda's task root is read-only
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_SESSION_TOKEN": "local",
        }
        (state_dir / "logs").mkdir(parents=True, exist_ok=True)
        self.by_name: dict[str, FunctionWorker] = {}
        for name, archive in functions.items():
            configuration = lambda_client.get_function_configuration(FunctionName=name)
            self.by_name[name] = FunctionWorker(
                configuration,
                archive,
                state_dir / "tasks" / name,
                base_env,
                console,
                state_dir / "logs" / f"{name}.log",
            )

    def get(self, name_or_arn: str) -> FunctionWorker:
        name = name_or_arn.rsplit(":function:", 1)[-1].split(":", 1)[0]
        return self.by_name[name]

    def invoke(self, name_or_arn: str, event: dict) -> Invocation:
        return self.get(name_or_arn).invoke(event)

    def stop(self) -> None:
        for worker in self.by_name.values():
            worker.stop()
