"""Lambda workers with small archives of their own: cold and warm starts,
timeouts, import errors, handler errors, and what the code can see."""

import io
import zipfile

import pytest

from localcloud.workers import Console, FunctionWorker

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

    def make(handler: str, timeout: float = 3) -> FunctionWorker:
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
