"""The runtime inside a Lambda worker process (run as a script with `python -I`).

Like Lambda's Python runtime it puts the unpacked archive (the task root) first
on sys.path and imports the handler module: a module missing from the archive
fails here exactly as it would on AWS (Runtime.ImportModuleError). Third-party
code comes from site-packages, standing in for the runtime's boto3 and the
Powertools layer. Nothing of the repository is importable.

Invocations arrive on a socket (multiprocessing Connection); results go back
the same way; the function's own output (its logs) goes to stdout/stderr.

argv: <socket fd> <task root> <handler> <path of lambda_events.py>
"""

import importlib
import importlib.util
import json
import os
import resource
import sys
import time
import traceback
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # loaded from its path at run time: nothing of the repository is importable
    from localcloud.lambda_events import LambdaContext


def _load_context_class(path: str) -> "type[LambdaContext]":
    spec = importlib.util.spec_from_file_location("_localcloud_lambda_events", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    context_class: type[LambdaContext] = module.LambdaContext
    return context_class


def _error(error: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorType": error_type or type(error).__name__,
        "errorMessage": str(error),
        "stackTrace": traceback.format_exception(error)[-6:],
    }


def _max_memory_mb() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> None:
    fd, task_root, handler_spec, events_path = sys.argv[1:5]
    connection = Connection(int(fd))
    context_class = _load_context_class(events_path)
    sys.path.insert(0, task_root)
    os.chdir(task_root)

    started = time.perf_counter()
    handler: Any = None  # whatever the module defines under that name
    init_error: dict[str, Any] | None = None
    module_name, _, attribute = handler_spec.rpartition(".")
    try:
        handler = getattr(importlib.import_module(module_name), attribute)
    except ImportError as error:
        init_error = _error(error, "Runtime.ImportModuleError")
        init_error["errorMessage"] = f"Unable to import module '{module_name}': {error}"
    except AttributeError as error:
        init_error = _error(error, "Runtime.HandlerNotFound")
    except Exception as error:  # any init failure is reported like Lambda's
        init_error = _error(
            error, "Runtime.UserCodeSyntaxError" if isinstance(error, SyntaxError) else None
        )
    connection.send({"initDurationMs": (time.perf_counter() - started) * 1000, "error": init_error})
    if init_error:
        return

    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        context = context_class(
            function_name=os.environ["AWS_LAMBDA_FUNCTION_NAME"],
            memory_limit_in_mb=int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]),
            timeout_seconds=request["timeoutSeconds"],
            region=os.environ["AWS_REGION"],
            aws_request_id=request["requestId"],
            log_group_name=os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", ""),
        )
        started = time.perf_counter()
        response: dict[str, Any] = {}
        try:
            result = handler(request["event"], context)
            response["payload"] = json.dumps(result)  # Lambda returns JSON, or fails
        except Exception as error:  # the function's error is the result
            response["error"] = _error(error)
            traceback.print_exc()
        sys.stdout.flush()
        sys.stderr.flush()
        response["durationMs"] = (time.perf_counter() - started) * 1000
        response["maxMemoryMb"] = _max_memory_mb()
        connection.send(response)


if __name__ == "__main__":
    main()
