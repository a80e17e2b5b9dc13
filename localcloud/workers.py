"""Lambda workers: each function has a pool of execution environments, one
worker process each, started on demand (its init time is reported) and reused.

An invocation takes an idle warm environment (the most recently used), else
starts a new one if the function is under its concurrency limit, else waits for
one to be free: as Lambda runs concurrent invocations in separate execution
environments, up to the function's concurrency. The limit is, as on AWS:
- the function's reserved concurrency, read from the emulator
  (GetFunctionConcurrency); 0 throttles every invocation;
- else, for a function fed by SQS event source mappings, the sum of their
  ScalingConfig.MaximumConcurrency (a mapping without one counts as the default);
- else DEFAULT_CONCURRENCY, the local stand-in for the account's limit.

The function's configuration is read back from the emulator, as the Lambda
service would read its own: handler, timeout, memory, environment. The code is
the archive the program deployed, unpacked once into a task root that every
environment of the function shares (read-only, as on Lambda). The environment
adds what Lambda adds (AWS_LAMBDA_*, _HANDLER, region) plus the emulator's
endpoint (AWS_ENDPOINT_URL) and dummy credentials. A timed-out invocation kills
its own environment only; the next invocation that needs one starts a fresh one.
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
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_lambda.type_defs import FunctionConfigurationResponseTypeDef

HERE = Path(__file__).resolve().parent
RUNTIME = HERE / "lambda_runtime.py"
EVENTS_MODULE = HERE / "lambda_events.py"
_COLORS = itertools.cycle(["\033[36m", "\033[35m", "\033[33m", "\033[32m", "\033[34m", "\033[91m"])
_RESET = "\033[0m"

# Execution environments per function when neither a reserved concurrency nor a
# mapping's maximum concurrency says otherwise (Lambda's own cap is the account's
# 1000). Here each is a process (~60 MB, a ~0.2-0.3 s cold start), and what they
# mostly do is wait for the emulator: one process, so about one core however many
# the machine has. Four keep it busy under load; on this 2-core machine 2, 4 and 8
# gave the same orders/s with 20 customers, and 8 a longer checkout-to-PAID p95
# (docs/local-cloud.md, "Numbers"). A constant, so every machine behaves alike.
DEFAULT_CONCURRENCY = 4


@dataclass
class Invocation:
    request_id: str
    payload: Any = None  # the handler's (JSON-decoded) result
    error: dict[str, Any] | None = None  # {"errorType", "errorMessage", ...}: the function failed
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


class ExecutionEnvironment:
    """One worker process of a function: one invocation at a time."""

    def __init__(self, function: "FunctionWorker", number: int):
        self.function, self.number = function, number
        self.process: subprocess.Popen[str] | None = None
        # Requests out, and the runtime's answers back (see lambda_runtime.py).
        self.connection: Connection[dict[str, Any], dict[str, Any]] | None = None
        self.max_memory_mb = 0  # as last reported by the worker
        self._stopping = threading.Lock()  # stop() may come from the pool and the invocation

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> tuple[float, dict[str, Any] | None]:
        """Start the worker and import the handler: (init duration ms, init error)."""
        function = self.function
        self.stop()  # what is left of a worker that died while idle
        function.unpack()
        with self._stopping:  # the pool's stop() either comes first or kills what starts
            if function.stopped:
                return 0.0, {
                    "errorType": "Runtime.ExitError",
                    "errorMessage": "the local cloud is stopping",
                }
            parent_end, child_end = socket.socketpair()
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-I",
                    str(RUNTIME),
                    str(child_end.fileno()),
                    str(function.task_root),
                    function.configuration["Handler"],
                    str(EVENTS_MODULE),
                ],
                env=function.environment(),
                cwd=function.task_root,
                pass_fds=[child_end.fileno()],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
            )
            child_end.close()
            self.connection = Connection(parent_end.detach())
        threading.Thread(
            target=function.relay_output,
            args=(self.process,),
            daemon=True,
            name=f"logs-{function.name}-{self.number}",
        ).start()
        try:
            if not self.connection.poll(max(function.timeout, 30)):
                self.stop()
                return 0.0, {"errorType": "Runtime.InitTimeout", "errorMessage": "init timed out"}
            ready = self.connection.recv()
        except (AttributeError, EOFError, OSError):  # died, or stopped by the pool
            code = self.process.wait()
            self.stop()
            return 0.0, {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"the runtime exited with status {code} before init",
            }
        if ready["error"]:
            self.stop()
        return ready["initDurationMs"], ready["error"]

    def stop(self) -> None:
        with self._stopping:
            # Kill first: an invocation waiting on the connection then sees it end.
            if self.process and self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            if self.connection:
                self.connection.close()
                self.connection = None

    def invoke(self, event: dict[str, Any], invocation: Invocation) -> None:
        """Run one invocation here (starting the worker first if needed), filling in
        `invocation`; a timeout or a crash leaves this environment stopped."""
        function = self.function
        if not self.alive:
            invocation.init_duration_ms, init_error = self.start()
            if init_error:
                invocation.error = init_error
                return
        started = time.perf_counter()
        try:
            connection = self.connection
            if connection is None:  # the pool stopped it
                raise EOFError
            connection.send(
                {
                    "requestId": invocation.request_id,
                    "event": event,
                    "timeoutSeconds": function.timeout,
                }
            )
            answered = connection.poll(function.timeout)
            response = connection.recv() if answered else None
        except (AttributeError, EOFError, OSError):  # the worker died, or the pool stopped it
            self.stop()
            invocation.error = {
                "errorType": "Runtime.ExitError",
                "errorMessage": "the runtime exited during the invocation",
            }
            return
        if response is not None:
            invocation.duration_ms = response["durationMs"]
            self.max_memory_mb = response["maxMemoryMb"]
            if "error" in response:
                invocation.error = response["error"]
            else:
                invocation.payload = json.loads(response["payload"])
            return
        invocation.duration_ms = (time.perf_counter() - started) * 1000
        invocation.timed_out = True
        invocation.error = {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"Task timed out after {function.timeout:.2f} seconds",
        }
        function.console.line(
            function.name,
            f"{invocation.request_id} {invocation.error['errorMessage']}",
            function.color,
        )
        self.stop()  # this execution environment is replaced; the others carry on


class FunctionWorker:
    """A function's execution environments: a pool of up to `concurrency` workers."""

    def __init__(
        self,
        configuration: "FunctionConfigurationResponseTypeDef",
        archive: Path,
        task_root: Path,
        base_env: dict[str, str],
        console: Console,
        log_file: Path,
        concurrency: int = DEFAULT_CONCURRENCY,
    ):
        self.configuration = configuration
        self.name = configuration["FunctionName"]
        self.archive, self.task_root = archive, task_root
        self.base_env, self.console, self.log_file = base_env, console, log_file
        self.color = next(_COLORS)
        self.timeout = float(configuration["Timeout"])
        self.concurrency = concurrency
        self.unpacked = False
        self._unpack_lock = threading.Lock()
        self._log_lock = threading.Lock()
        self._pool = threading.Condition()
        self._idle: list[ExecutionEnvironment] = []  # most recently used last
        self._environments: set[ExecutionEnvironment] = set()  # idle, busy or starting
        self._started = itertools.count(1)
        self.stopped = False
        self.invocations = 0  # completed or refused (throttled), for the console
        self._counting = threading.Lock()

    # -- the pool --------------------------------------------------------------------------

    @property
    def environments(self) -> int:
        """Execution environments alive, idle or busy."""
        with self._pool:
            return len(self._environments)

    def _acquire(self) -> ExecutionEnvironment | None:
        with self._pool:
            while True:
                if self.stopped:
                    return None
                if self._idle:
                    return self._idle.pop()
                if len(self._environments) < self.concurrency:
                    environment = ExecutionEnvironment(self, next(self._started))
                    self._environments.add(environment)
                    return environment
                self._pool.wait()

    def _release(self, environment: ExecutionEnvironment) -> None:
        with self._pool:
            if environment.alive and not self.stopped:
                self._idle.append(environment)
            else:
                environment.stop()
                self._environments.discard(environment)
            self._pool.notify()

    def invoke(self, event: dict[str, Any]) -> Invocation:
        invocation = Invocation(request_id=str(uuid.uuid4()))
        if self.concurrency <= 0:  # reserved concurrency 0: the function is throttled
            invocation.error = {
                "errorType": "TooManyRequestsException",
                "errorMessage": "Rate Exceeded.",
            }
            self._report(invocation, None)
            return invocation
        environment = self._acquire()
        if environment is None:
            invocation.error = {
                "errorType": "Runtime.ExitError",
                "errorMessage": "the local cloud is stopping",
            }
            return invocation
        try:
            environment.invoke(event, invocation)
        finally:
            self._release(environment)
        self._report(invocation, environment)
        return invocation

    def stop(self) -> None:
        with self._pool:
            self.stopped = True
            environments = list(self._environments)
            self._idle.clear()
            self._environments.clear()
            self._pool.notify_all()
        for environment in environments:
            environment.stop()

    # -- what every environment of the function shares ---------------------------------------

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

    def unpack(self) -> None:
        with self._unpack_lock:
            if self.unpacked:
                return
            shutil.rmtree(self.task_root, ignore_errors=True)
            self.task_root.mkdir(parents=True)
            with zipfile.ZipFile(self.archive) as archive:
                archive.extractall(self.task_root)
            self.unpacked = True

    def relay_output(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None  # stdout=PIPE
        with self.log_file.open("a", encoding="utf-8") as log:
            for line in process.stdout:
                with self._log_lock:  # one function, one log file, whole lines
                    log.write(line)
                    log.flush()
                self.console.line(self.name, line.rstrip("\n"), self.color)

    def _report(self, invocation: Invocation, environment: ExecutionEnvironment | None) -> None:
        with self._counting:
            self.invocations += 1
        init = (
            f"\tInit Duration: {invocation.init_duration_ms:.2f} ms"
            if invocation.init_duration_ms is not None
            else ""
        )
        status = f"\tStatus: {invocation.error['errorType']}" if invocation.error else ""
        memory = environment.max_memory_mb if environment else 0
        self.console.line(
            self.name,
            f"REPORT RequestId: {invocation.request_id}\tDuration: {invocation.duration_ms:.2f} ms"
            f"\tBilled Duration: {max(1, round(invocation.duration_ms))} ms"
            f"\tMemory Size: {self.configuration['MemorySize']} MB"
            f"\tMax Memory Used: {memory} MB{init}{status}",
            self.color,
        )


def concurrency_limit(
    reserved: int | None, mapping_maxima: list[int | None], default: int = DEFAULT_CONCURRENCY
) -> int:
    """How many execution environments a function may have at once (see the module doc)."""
    if reserved is not None:
        return reserved
    if mapping_maxima:
        return sum(default if maximum is None else maximum for maximum in mapping_maxima)
    return default


def function_name(name_or_arn: str) -> str:
    return name_or_arn.rsplit(":function:", 1)[-1].split(":", 1)[0]


class Workers:
    """The workers of every function in the deployment, by name and by ARN."""

    def __init__(
        self,
        lambda_client: "LambdaClient",
        functions: dict[str, Path],
        state_dir: Path,
        endpoint_url: str,
        region: str,
        console: Console,
        mapping_concurrency: Mapping[str, list[int | None]] | None = None,
        default_concurrency: int = DEFAULT_CONCURRENCY,
    ):
        """mapping_concurrency: function name or ARN → the MaximumConcurrency of each
        SQS event source mapping that feeds it (None where a mapping sets none)."""
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
        maxima: dict[str, list[int | None]] = {}
        for target, values in (mapping_concurrency or {}).items():
            maxima.setdefault(function_name(target), []).extend(values)
        (state_dir / "logs").mkdir(parents=True, exist_ok=True)

        def read_back(name: str) -> "tuple[FunctionConfigurationResponseTypeDef, int | None]":
            # As the Lambda service would: the function's own configuration and concurrency.
            configuration = lambda_client.get_function_configuration(FunctionName=name)
            reserved = lambda_client.get_function_concurrency(FunctionName=name).get(
                "ReservedConcurrentExecutions"
            )
            return configuration, reserved

        with ThreadPoolExecutor(max(1, len(functions))) as pool:
            read = dict(zip(functions, pool.map(read_back, functions), strict=True))
        self.by_name: dict[str, FunctionWorker] = {}
        for name, archive in functions.items():
            configuration, reserved = read[name]
            self.by_name[name] = FunctionWorker(
                configuration,
                archive,
                state_dir / "tasks" / name,
                base_env,
                console,
                state_dir / "logs" / f"{name}.log",
                concurrency_limit(reserved, maxima.get(name, []), default_concurrency),
            )

    def get(self, name_or_arn: str) -> FunctionWorker:
        return self.by_name[function_name(name_or_arn)]

    def invoke(self, name_or_arn: str, event: dict[str, Any]) -> Invocation:
        return self.get(name_or_arn).invoke(event)

    def stop(self) -> None:
        for worker in self.by_name.values():
            worker.stop()
