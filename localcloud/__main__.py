"""`python -m localcloud` (what `make local` runs), `python -m localcloud token` and
`python -m localcloud schedule fire|list`."""

import time

STARTED = time.perf_counter()  # before the heavy imports: ready time counts them

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from localcloud.cloud import LocalCloud


def _up(args: argparse.Namespace) -> int:
    from localcloud.cloud import LocalCloud, Options  # noqa: PLC0415 - `token` needs none of it

    cloud = LocalCloud(
        Options(
            stack=args.stack,
            host=args.host,
            api_port=args.api_port,
            aws_port=args.aws_port,
            graphql_port=args.graphql_port,
            web_port=args.web_port,
            console_port=args.console_port,
            state_dir=args.state_dir,
            queue_visibility_timeout=args.queue_visibility_timeout,
            seed=not args.no_seed,
        )
    )
    return serve(cloud)


def serve(cloud: "LocalCloud") -> int:
    """Start the cloud, keep it up until SIGINT or SIGTERM, then stop it."""
    wait_for_stop_signal = _catch_stop_signals()
    try:
        cloud.start()
        ready = time.perf_counter() - STARTED
        print(cloud.summary(ready), flush=True)
        print(f"READY {json.dumps({'readySeconds': round(ready, 3)})}", flush=True)
        wait_for_stop_signal()
    finally:
        print("stopping the local cloud…", flush=True)
        cloud.stop()
    return 0


def _catch_stop_signals() -> Callable[[], object]:
    """From now on SIGINT and SIGTERM only wake the returned wait function.

    A Python handler runs between two bytecodes of the main thread, even inside another
    handler, so ours do nothing at all (setting a threading.Event deadlocked when a second
    signal came while the first held its lock). Python's C-level handler writes each signal
    to a pipe (set_wakeup_fd), whichever thread receives it; waiting is reading that pipe.
    """
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: None)
    return lambda: os.read(read_end, 1)


def _token(args: argparse.Namespace) -> int:
    from localcloud.tokens import access_token  # noqa: PLC0415 - boto3 only when asked

    outputs = json.loads((args.state_dir / "outputs.json").read_text())
    print(access_token(outputs, args.user, args.password))
    return 0


def _schedule(args: argparse.Namespace) -> int:
    """The running local cloud's schedules, read from its emulator: list them, or fire one
    now (the start the local scheduler makes at its time), optionally waiting for the end."""
    from localcloud.scheduler import Schedule, fire  # noqa: PLC0415
    from localcloud.tokens import emulator_client  # noqa: PLC0415

    outputs = json.loads((args.state_dir / "outputs.json").read_text())
    scheduler = emulator_client(outputs, "scheduler")
    names = [s["Name"] for s in scheduler.list_schedules()["Schedules"]]
    if args.action == "list":
        for name in names:
            described = scheduler.get_schedule(Name=name)
            print(name, described["ScheduleExpression"], described["ScheduleExpressionTimezone"])
        return 0
    # A name, or the end of one that only one schedule has ("sweeper").
    matches = [n for n in names if n == args.name] or [
        n for n in names if n.endswith(f"-{args.name}")
    ]
    if len(matches) != 1:
        print(f"no one schedule is called {args.name!r}; the schedules: {', '.join(names)}")
        return 2
    schedule = Schedule.from_description(scheduler.get_schedule(Name=matches[0]))
    stepfunctions = emulator_client(outputs, "stepfunctions")
    execution = fire(schedule, stepfunctions, datetime.now(UTC))
    print(execution, flush=True)
    if not args.wait:
        return 0
    while (
        status := stepfunctions.describe_execution(executionArn=execution)["status"]
    ) == "RUNNING":
        time.sleep(0.2)
    print(status)
    return 0 if status == "SUCCEEDED" else 1


def main() -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--state-dir",
        type=Path,
        default=Path(os.environ.get("LOCALCLOUD_STATE_DIR", ".localcloud")),
    )
    parser = argparse.ArgumentParser(prog="python -m localcloud", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser(
        "up", parents=[common], help="run the whole system locally (the default command)"
    )
    up.add_argument("--stack", default=os.environ.get("LOCALCLOUD_STACK", "local"))
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument(
        "--api-port", type=int, default=int(os.environ.get("LOCALCLOUD_API_PORT", "3000"))
    )
    up.add_argument(
        "--aws-port", type=int, default=int(os.environ.get("LOCALCLOUD_AWS_PORT", "4566"))
    )
    up.add_argument(
        "--graphql-port",
        type=int,
        default=int(os.environ.get("LOCALCLOUD_GRAPHQL_PORT", "3001")),
        help="the local AppSync (GraphQL and real-time), if the program has a GraphQL API",
    )
    up.add_argument(
        "--web-port",
        type=int,
        default=int(os.environ.get("LOCALCLOUD_WEB_PORT", "3002")),
        help="the storefront (web/storefront), if the program has one",
    )
    up.add_argument(
        "--console-port",
        type=int,
        default=int(os.environ.get("LOCALCLOUD_CONSOLE_PORT", "3003")),
        help="the local console (architecture, events, orders, queues, schedules, explorers)",
    )
    up.add_argument(
        "--queue-visibility-timeout",
        type=int,
        metavar="SECONDS",
        help="shorten SQS redelivery in the emulator (tests); the program is unchanged",
    )
    up.add_argument("--no-seed", action="store_true", help="start without sample products")
    token = commands.add_parser(
        "token", parents=[common], help="print an access token of a demo user"
    )
    token.add_argument("user", help="customer, admin, or an e-mail address")
    token.add_argument("--password")
    schedule = commands.add_parser(
        "schedule", help="the running local cloud's schedules: list, fire now"
    )
    actions = schedule.add_subparsers(dest="action", required=True)
    actions.add_parser("list", parents=[common], help="every schedule, its expression and zone")
    fire_now = actions.add_parser(
        "fire", parents=[common], help="start a schedule's target now, as at its time"
    )
    fire_now.add_argument("name", help="the schedule's name, or its end (sweeper)")
    fire_now.add_argument("--wait", action="store_true", help="until the execution ends")
    argv = sys.argv[1:]
    if not argv or argv[0] not in {"up", "token", "schedule", "-h", "--help"}:
        argv = ["up", *argv]
    args = parser.parse_args(argv)
    if args.command == "up":
        return _up(args)
    from botocore.exceptions import ClientError, EndpointConnectionError  # noqa: PLC0415

    command = {"token": _token, "schedule": _schedule}[args.command]
    try:
        return command(args)
    except FileNotFoundError:
        print(f"no local cloud's outputs in {args.state_dir}: start one with `make local`")
    except EndpointConnectionError as error:
        print(f"the local cloud of {args.state_dir} does not answer ({error}): is it running?")
    except ClientError as error:  # e.g. a user the user pool does not have
        print(f"{error.response['Error'].get('Code')}: {error.response['Error'].get('Message')}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
