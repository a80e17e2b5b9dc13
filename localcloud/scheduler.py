"""The local scheduler: fires the EventBridge Scheduler schedules the emulator stores
(moto keeps them and fires none).

Each schedule is read back from the emulator (GetSchedule, `Schedule.from_description`)
and its expression parsed by components/schedule_expressions.py, the module the policy
pack and the program check expressions with: rate(), cron() (AWS's six fields) and at(),
on the wall clock of the schedule's time zone. At its time the scheduler does what
EventBridge Scheduler does for a templated state machine target: StartExecution with the
target's input (the context attributes `<aws.scheduler.…>` filled in) and a name of its
own; a failed start is retried with backoff within the target's retry policy, then
described in the schedule's DLQ. A flexible time window fires at its start. A target that
is not a state machine is listed as unsupported and never fired.

`fire` is also what `python -m localcloud schedule fire <name>` runs (it reads the
schedule from the running emulator): a start now, as if the schedule were due.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from components import schedule_expressions

if TYPE_CHECKING:
    from mypy_boto3_scheduler.type_defs import GetScheduleOutputTypeDef
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_stepfunctions import SFNClient

    from localcloud.workers import Console

EXECUTION_NAME_MAX = 80  # Step Functions' limit
# A rate schedule fires at once (AWS invokes at once without a start date): its first time
# is searched from just before the scheduler started.
_JUST_BEFORE = timedelta(microseconds=1)
_BACKOFF_SECONDS = (1, 2, 4, 8, 16, 30)  # then 30 s between attempts, within the event age
_STOP_CHECK_SECONDS = 1.0


class Unsupported(ValueError):
    """The schedule's target is not one the local scheduler can invoke."""


@dataclass(frozen=True)
class Schedule:
    """A schedule as the emulator stores it (GetSchedule), ready to fire."""

    name: str
    arn: str
    expression: str
    timezone: str
    enabled: bool
    target_arn: str
    target_input: str
    retry_attempts: int
    retry_age_seconds: int
    dlq_arn: str | None
    when: schedule_expressions.When

    @classmethod
    def from_description(cls, described: GetScheduleOutputTypeDef) -> Schedule:
        """ValueError names the schedule and its problem (an invalid expression)."""
        target = described["Target"]
        retry = target.get("RetryPolicy") or {}
        timezone = described.get("ScheduleExpressionTimezone") or "UTC"
        try:
            when = schedule_expressions.parse(described["ScheduleExpression"], timezone)
        except ValueError as error:
            raise ValueError(f"schedule {described['Name']}: {error}") from None
        return cls(
            name=described["Name"],
            arn=described["Arn"],
            expression=described["ScheduleExpression"],
            timezone=timezone,
            enabled=described.get("State", "ENABLED") == "ENABLED",
            target_arn=target["Arn"],
            target_input=target.get("Input", "{}"),
            retry_attempts=int(retry.get("MaximumRetryAttempts", 185)),
            retry_age_seconds=int(retry.get("MaximumEventAgeInSeconds", 86400)),
            dlq_arn=(target.get("DeadLetterConfig") or {}).get("Arn"),
            when=when,
        )

    @property
    def target_service(self) -> str:
        return self.target_arn.split(":")[2]

    @property
    def supported(self) -> bool:
        return self.target_service == "states" and ":stateMachine:" in self.target_arn


def _context(
    schedule: Schedule, scheduled: datetime, attempt: int, invocation: str
) -> dict[str, str]:
    """EventBridge Scheduler's context attributes, for a templated target's input."""
    return {
        "<aws.scheduler.schedule-arn>": schedule.arn,
        "<aws.scheduler.scheduled-time>": scheduled.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "<aws.scheduler.execution-id>": invocation,
        "<aws.scheduler.attempt-number>": str(attempt),
    }


def target_input(schedule: Schedule, scheduled: datetime, attempt: int, invocation: str) -> str:
    rendered = schedule.target_input
    for placeholder, value in _context(schedule, scheduled, attempt, invocation).items():
        rendered = rendered.replace(placeholder, value)
    return rendered


def execution_name(schedule: Schedule, scheduled: datetime, invocation: str) -> str:
    """A name of its own for each invocation (a STANDARD machine refuses a name twice)."""
    stamp = scheduled.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = f"-{stamp}-{invocation[:8]}"
    return schedule.name[: EXECUTION_NAME_MAX - len(suffix)] + suffix


def fire(
    schedule: Schedule,
    stepfunctions: SFNClient,
    scheduled: datetime,
    attempt: int = 1,
    invocation: str | None = None,
) -> str:
    """Start the schedule's state machine once, as Scheduler would at `scheduled`; the
    execution's ARN. Unsupported for any other target."""
    if not schedule.supported:
        raise Unsupported(
            f"schedule {schedule.name}: the local scheduler starts state machines only, "
            f"not {schedule.target_arn}"
        )
    invocation = invocation or str(uuid.uuid4())
    return stepfunctions.start_execution(
        stateMachineArn=schedule.target_arn,
        name=execution_name(schedule, scheduled, invocation),
        input=target_input(schedule, scheduled, attempt, invocation),
    )["executionArn"]


def queue_url(arn: str) -> str:
    """An SQS queue's URL from its ARN, at the emulator (its QueueUrl accepts this form)."""
    _, _, _, region, account, name = arn.split(":")
    return f"https://sqs.{region}.amazonaws.com/{account}/{name}"


class Scheduler:
    """Fires every supported schedule on time, each invocation in a thread of its own."""

    def __init__(
        self,
        schedules: list[Schedule],
        stepfunctions: SFNClient,
        sqs: SQSClient,
        console: Console,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], object] | None = None,
    ):
        self.schedules, self.stepfunctions, self.sqs, self.console = (
            schedules,
            stepfunctions,
            sqs,
            console,
        )
        self.clock = clock
        self.stopping = threading.Event()
        self._sleep = sleep or self.stopping.wait
        self.started = clock()
        self.fired: list[tuple[str, str]] = []  # (schedule, execution ARN), for the tests
        self._next: dict[str, datetime | None] = {
            s.name: s.when.next_after(self.started - _JUST_BEFORE, self.started)
            for s in self.active
        }
        self.thread = threading.Thread(target=self._run, name="scheduler", daemon=True)

    @property
    def active(self) -> list[Schedule]:
        return [s for s in self.schedules if s.enabled and s.supported]

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()

    def next_fire(self, schedule: Schedule) -> datetime | None:
        return self._next.get(schedule.name)

    def _run(self) -> None:
        while not self.stopping.is_set():
            now = self.clock()
            for schedule in self.active:
                due = self._next[schedule.name]
                if due is not None and due <= now:
                    self._next[schedule.name] = schedule.when.next_after(due, self.started)
                    threading.Thread(target=self.invoke, args=(schedule, due), daemon=True).start()
            upcoming = [due for due in self._next.values() if due is not None]
            wait = min([(min(upcoming) - self.clock()).total_seconds()] if upcoming else [60])
            self.stopping.wait(max(0.0, min(wait, _STOP_CHECK_SECONDS)))

    def invoke(self, schedule: Schedule, scheduled: datetime) -> str | None:
        """One invocation: retried within the target's retry policy, then dead-lettered."""
        invocation, started, attempt = str(uuid.uuid4()), time.monotonic(), 0
        while True:
            attempt += 1
            try:
                execution = fire(schedule, self.stepfunctions, scheduled, attempt, invocation)
            except Exception as error:
                retries_left = attempt <= schedule.retry_attempts
                backoff = _BACKOFF_SECONDS[min(attempt - 1, len(_BACKOFF_SECONDS) - 1)]
                in_time = time.monotonic() - started + backoff < schedule.retry_age_seconds
                if retries_left and in_time and not self.stopping.is_set():
                    self.console.line("scheduler", f"{schedule.name}: {error}; retrying")
                    self._sleep(backoff)
                    continue
                self._dead_letter(schedule, scheduled, attempt, invocation, error)
                return None
            self.fired.append((schedule.name, execution))
            self.console.line("scheduler", f"{schedule.name} fired: {execution}")
            return execution

    def _dead_letter(
        self,
        schedule: Schedule,
        scheduled: datetime,
        attempt: int,
        invocation: str,
        error: Exception,
    ) -> None:
        self.console.line("scheduler", f"{schedule.name} gave up after {attempt} attempts: {error}")
        if schedule.dlq_arn is None:
            return
        code = getattr(error, "response", {}).get("Error", {}).get("Code", type(error).__name__)
        attributes = {
            "ERROR_CODE": code,
            "ERROR_MESSAGE": str(error),
            "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts"
            if attempt > schedule.retry_attempts
            else "MaximumEventAgeInSeconds",
            "INVOCATION_ID": invocation,
            "RETRY_ATTEMPTS": str(attempt - 1),
            "SCHEDULE_ARN": schedule.arn,
            "TARGET_ARN": schedule.target_arn,
        }
        self.sqs.send_message(
            QueueUrl=queue_url(schedule.dlq_arn),
            MessageBody=target_input(schedule, scheduled, attempt, invocation),
            MessageAttributes={
                k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()
            },
        )


def description(scheduler: Scheduler) -> str:
    """For the start-up summary: each schedule, its expression and time zone, and when it
    next fires (in its zone, and UTC); the unsupported ones said so."""
    if not scheduler.schedules:
        return "none"
    lines = []
    for schedule in scheduler.schedules:
        head = f"{schedule.name} {schedule.expression} {schedule.timezone}"
        if not schedule.supported:
            lines.append(f"{head}: UNSUPPORTED target {schedule.target_arn} (never fired)")
            continue
        if not schedule.enabled:
            lines.append(f"{head}: disabled")
            continue
        due = scheduler.next_fire(schedule)
        if due is None:
            lines.append(f"{head}: fires no more")
            continue
        local = due.astimezone(ZoneInfo(schedule.timezone)).strftime("%Y-%m-%d %H:%M:%S %Z")
        utc = f" ({due.astimezone(UTC):%H:%M:%S} UTC)" if schedule.timezone != "UTC" else ""
        lines.append(f"{head}: next {local}{utc}")
    return "\n    ".join(lines)
