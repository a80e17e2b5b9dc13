"""Lambda workers with small archives of their own: cold and warm starts,
timeouts, import errors, handler errors, what the code can see, and the pool of
execution environments (concurrency, its limit, reuse, a timeout's casualty)."""

import io
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from localcloud.workers import Console, FunctionWorker, Workers, concurrency_limit

HANDLERS = {
    "app/__init__.py": "",
    "app/ok.py": (
        "import os, sys\n"
        "def handler(event, context):\n"
        "    try:\n"
        "        import localcloud  # noqa\n"
        "        repository_visible = True\n"
        "    except ImportError:\n"
        "        repository_visible = False\n"
        "    return {'pid': os.getpid(), 'echo': event, 'function': context.function_name,\n"
        "            'endpoint': os.environ['AWS_ENDPOINT_URL'],\n"
        "            'table': os.environ['TABLE_NAME'],\n"
        "            'handler': os.environ['_HANDLER'], 'repository': repository_visible,\n"
        "            'remaining': context.get_remaining_time_in_millis()}\n"
    ),
    "app/slow.py": "import time\ndef handler(event, context):\n    time.sleep(event['sleep'])\n"
    "    return 'done'\n",
    "app/fails.py": "def handler(event, context):\n    raise ValueError('bad record')\n",
    "app/broken.py": "import not_in_the_archive\ndef handler(event, context):\n    pass\n",
    # Arrives in a shared directory, then waits (up to 20 s) until `together` have
    # arrived: all of them were inside the handler at once, or it says it was alone.
    "app/meet.py": (
        "import os, time, uuid\n"
        "def handler(event, context):\n"
        "    started = time.time()\n"
        "    open(os.path.join(event['dir'], uuid.uuid4().hex), 'w').close()\n"
        "    while len(os.listdir(event['dir'])) < event['together']:\n"
        "        if time.time() - started > 20:\n"
        "            return {'pid': os.getpid(), 'alone': True}\n"
        "        time.sleep(0.01)\n"
        "    time.sleep(event.get('stay', 0))\n"
        "    return {'pid': os.getpid(), 'alone': False, 'start': started, 'end': time.time()}\n"
    ),
}


@pytest.fixture
def archive(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, source in HANDLERS.items():
            zipped.writestr(name, source)
    path = tmp_path / "code.zip"
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def output():
    return io.StringIO()


@pytest.fixture
def worker(archive, tmp_path, output):
    workers = []

    def make(handler: str, timeout: float = 3, concurrency: int = 4) -> FunctionWorker:
        configuration = {
            "FunctionName": f"fn-{handler.replace('.', '-')}",
            "Handler": handler,
            "Timeout": timeout,
            "MemorySize": 128,
            "Runtime": "python3.13",
            "Environment": {"Variables": {"TABLE_NAME": "things"}},
            "LoggingConfig": {"LogFormat": "JSON", "ApplicationLogLevel": "INFO"},
        }
        base_env = {
            "PATH": "/usr/bin:/bin",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
            "AWS_REGION": "us-east-1",
        }
        made = FunctionWorker(
            configuration,
            archive,
            tmp_path / "tasks" / handler,
            base_env,
            Console(output, color=False),
            tmp_path / f"{handler}.log",
            concurrency,
        )
        workers.append(made)
        return made

    yield make
    for made in workers:
        made.stop()


def test_the_first_invocation_is_a_cold_start_and_the_next_reuses_the_worker(worker, output):
    function = worker("app.ok.handler")

    cold = function.invoke({"n": 1})
    warm = function.invoke({"n": 2})

    assert cold.ok
    assert warm.ok
    assert cold.init_duration_ms is not None
    assert warm.init_duration_ms is None
    assert cold.payload["pid"] == warm.payload["pid"]
    assert warm.payload["echo"] == {"n": 2}
    report = [line for line in output.getvalue().splitlines() if "REPORT RequestId" in line]
    assert len(report) == 2
    assert "Init Duration" in report[0]
    assert "Init Duration" not in report[1]


def test_the_code_sees_its_configuration_and_not_the_repository(worker):
    payload = worker("app.ok.handler").invoke({}).payload

    assert payload["function"] == "fn-app-ok-handler"
    assert (payload["table"], payload["handler"]) == ("things", "app.ok.handler")
    assert payload["endpoint"] == "http://127.0.0.1:1"
    assert payload["repository"] is False
    assert 0 < payload["remaining"] <= 3000


def test_a_timeout_replaces_the_worker(worker):
    function = worker("app.slow.handler", timeout=1)

    timed_out = function.invoke({"sleep": 5})
    after = function.invoke({"sleep": 0})

    assert timed_out.timed_out
    assert timed_out.error["errorMessage"] == "Task timed out after 1.00 seconds"
    assert after.ok
    assert after.payload == "done"
    assert after.init_duration_ms is not None  # a new execution environment


def test_a_module_missing_from_the_archive_fails_like_lambda(worker):
    invocation = worker("app.broken.handler").invoke({})

    assert invocation.error["errorType"] == "Runtime.ImportModuleError"
    assert "Unable to import module 'app.broken'" in invocation.error["errorMessage"]
    assert "not_in_the_archive" in invocation.error["errorMessage"]


def test_a_handler_error_is_the_invocations_result_and_the_worker_stays(worker):
    function = worker("app.fails.handler")

    first, second = function.invoke({}), function.invoke({})

    assert first.error["errorType"] == "ValueError"
    assert first.error["errorMessage"] == "bad record"
    assert second.init_duration_ms is None


# --- the pool of execution environments -------------------------------------------------


def _at_once(function: FunctionWorker, events: list[dict]):
    with ThreadPoolExecutor(len(events)) as pool:
        return list(pool.map(function.invoke, events))


def _meeting(tmp_path, together: int, **extra) -> dict:
    room = tmp_path / f"room-{together}-{len(list(tmp_path.iterdir()))}"
    room.mkdir()
    return {"dir": str(room), "together": together, **extra}


def test_concurrent_invocations_run_at_once_in_environments_of_their_own(worker, tmp_path):
    function = worker("app.meet.handler", timeout=30, concurrency=3)
    meeting = _meeting(tmp_path, 3)

    results = _at_once(function, [meeting] * 3)

    assert all(r.ok for r in results), [r.error for r in results]
    payloads = [r.payload for r in results]
    assert not any(p["alone"] for p in payloads)
    assert max(p["start"] for p in payloads) < min(p["end"] for p in payloads)  # overlap
    assert len({p["pid"] for p in payloads}) == 3
    assert all(r.init_duration_ms is not None for r in results)  # three cold starts
    assert function.environments == 3


def test_never_more_environments_than_the_limit(worker, tmp_path):
    function = worker("app.meet.handler", timeout=30, concurrency=2)

    # Five at once, each waiting for one other: the pool runs them two by two.
    results = _at_once(function, [_meeting(tmp_path, 1, stay=0.2)] * 5)

    assert all(r.ok for r in results)
    intervals = sorted((r.payload["start"], r.payload["end"]) for r in results)
    most_at_once = max(
        sum(1 for start, end in intervals if start <= moment < end) for moment, _ in intervals
    )
    assert most_at_once <= 2
    assert len({r.payload["pid"] for r in results}) <= 2
    assert function.environments <= 2


def test_an_idle_warm_environment_is_reused_before_a_new_one_starts(worker, tmp_path):
    function = worker("app.meet.handler", timeout=30, concurrency=4)
    pair = _at_once(function, [_meeting(tmp_path, 2)] * 2)
    pids = {r.payload["pid"] for r in pair}

    later = [function.invoke(_meeting(tmp_path, 1)) for _ in range(3)]

    assert len(pids) == 2
    assert {r.payload["pid"] for r in later} <= pids
    assert all(r.init_duration_ms is None for r in later)  # warm
    assert function.environments == 2


def test_a_timeout_replaces_only_the_environment_it_happened_in(worker, tmp_path):
    function = worker("app.meet.handler", timeout=2, concurrency=2)
    warm = {r.payload["pid"] for r in _at_once(function, [_meeting(tmp_path, 2)] * 2)}

    stuck, quick = _at_once(function, [_meeting(tmp_path, 99), _meeting(tmp_path, 1)])

    assert stuck.timed_out
    assert quick.ok
    assert quick.payload["pid"] in warm
    assert function.environments == 1  # the stuck one's environment is gone
    survivor = function.invoke(_meeting(tmp_path, 1))
    assert survivor.payload["pid"] == quick.payload["pid"]
    assert survivor.init_duration_ms is None
    again = _at_once(function, [_meeting(tmp_path, 2)] * 2)
    assert sorted(r.init_duration_ms is None for r in again) == [False, True]  # one new


def test_a_reserved_concurrency_of_zero_throttles_every_invocation(worker):
    invocation = worker("app.ok.handler", concurrency=0).invoke({})

    assert invocation.error["errorType"] == "TooManyRequestsException"


@pytest.mark.parametrize(
    ("reserved", "mappings", "limit"),
    [
        (7, [5], 7),  # the reserved concurrency, whatever feeds the function
        (0, [], 0),
        (None, [5], 5),  # the mapping's maximum concurrency
        (None, [5, 3], 8),  # each mapping may have its own batches in flight
        (None, [None], 4),  # a mapping without one: the default
        (None, [], 4),  # only invoked directly: the default
    ],
)
def test_the_concurrency_limit_is_the_reserved_else_the_mappings_else_the_default(
    reserved, mappings, limit
):
    assert concurrency_limit(reserved, mappings, default=4) == limit


class FakeLambda:
    def __init__(self, reserved: dict[str, int]):
        self.reserved = reserved

    def get_function_configuration(self, FunctionName):
        return {"FunctionName": FunctionName, "Handler": "app.ok.handler", "Timeout": 3}

    def get_function_concurrency(self, FunctionName):
        if FunctionName in self.reserved:
            return {"ReservedConcurrentExecutions": self.reserved[FunctionName]}
        return {}


def test_limits_are_read_from_the_emulator_and_the_mappings(tmp_path, archive):
    arn = "arn:aws:lambda:us-east-1:123456789012:function:consumer"
    workers = Workers(
        FakeLambda({"reserved": 3}),
        {"reserved": archive, "consumer": archive, "api": archive},
        tmp_path,
        "http://127.0.0.1:1",
        "us-east-1",
        Console(io.StringIO()),
        mapping_concurrency={arn: [5]},
        default_concurrency=4,
    )

    assert workers.get("reserved").concurrency == 3
    assert workers.get(arn).concurrency == 5
    assert workers.get("api").concurrency == 4
    workers.stop()


def test_stopping_the_pool_ends_a_waiting_invocation(worker, tmp_path):
    function = worker("app.meet.handler", timeout=30, concurrency=1)
    busy = threading.Thread(target=function.invoke, args=(_meeting(tmp_path, 99),))
    busy.start()
    while function.environments < 1:
        threading.Event().wait(0.01)
    waiting = ThreadPoolExecutor(1).submit(function.invoke, _meeting(tmp_path, 1))

    function.stop()

    assert waiting.result(timeout=10).error["errorType"] == "Runtime.ExitError"
    busy.join(timeout=10)
    assert not busy.is_alive()
