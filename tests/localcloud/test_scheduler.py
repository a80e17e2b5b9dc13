"""The local scheduler (localcloud/scheduler.py) and the schedules' provisioning
(localcloud/provisioning/scheduler.py), against moto in this process: a schedule AWS would
refuse is refused naming it; a stored schedule fires its state machine with a name of its
own and its input's context attributes filled in; due schedules fire on time, a failed
start is retried and then dead-lettered; a target other than a state machine is said to be
unsupported."""

import json
import threading
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from localcloud.provisioning import EmulatorMocks
from localcloud.provisioning.scheduler import ScheduleRefused, _schedule
from localcloud.scheduler import Schedule, Scheduler, Unsupported, description, fire
from localcloud.workers import Console

ACCOUNT = "123456789012"
PASS = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})
NOON = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


class InProcess:
    """What the provisioning handlers need of their mocks, with moto in this process."""

    physical_name = staticmethod(EmulatorMocks.physical_name)

    @staticmethod
    def client(service: str):
        return boto3.client(service, region_name="us-east-1")

    @staticmethod
    def arn(service: str, resource: str) -> str:
        return f"arn:aws:{service}:us-east-1:{ACCOUNT}:{resource}"


class Lines(Console):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def line(self, source: str, text: str) -> None:
        self.lines.append(f"{source}: {text}")


@pytest.fixture
def aws():
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield InProcess()


@pytest.fixture
def machine(aws):
    return aws.client("stepfunctions").create_state_machine(
        name="nightly", definition=PASS, roleArn=f"arn:aws:iam::{ACCOUNT}:role/r"
    )["stateMachineArn"]


def provision(aws, machine_arn: str, expression: str, timezone: str = "UTC", **target) -> Schedule:
    """A schedule as the program declares one, created by the local cloud's handler and
    read back from the emulator."""
    inputs = {
        "name": "shop-t-nightly",
        "scheduleExpression": expression,
        "scheduleExpressionTimezone": timezone,
        "flexibleTimeWindow": {"mode": "OFF"},
        "target": {
            "arn": machine_arn,
            "roleArn": f"arn:aws:iam::{ACCOUNT}:role/scheduler",
            "input": json.dumps({"at": "<aws.scheduler.scheduled-time>", "n": 1}),
            "retryPolicy": {"maximumEventAgeInSeconds": 3600.0, "maximumRetryAttempts": 2.0},
        }
        | target,
    }
    name, _ = _schedule(aws, "nightly", inputs)
    return Schedule.from_description(aws.client("scheduler").get_schedule(Name=name))


@pytest.mark.parametrize(
    ("expression", "timezone", "says"),
    [
        ("cron(0 12 * * *)", "UTC", "6 required"),
        ("rate(1 hours)", "UTC", "singular"),
        ("cron(5 0 * * ? *)", "Europe/Londres", "IANA"),
    ],
)
def test_a_schedule_aws_would_refuse_is_refused_naming_it(aws, machine, expression, timezone, says):
    with pytest.raises(ScheduleRefused, match=f"schedule shop-t-nightly: .*{says}"):
        provision(aws, machine, expression, timezone)
    assert aws.client("scheduler").list_schedules()["Schedules"] == []  # not created


def test_a_schedule_fires_its_state_machine_with_a_name_and_its_context(aws, machine):
    schedule = provision(aws, machine, "cron(5 0 * * ? *)", "Europe/London")
    sfn = aws.client("stepfunctions")

    first = fire(schedule, sfn, NOON)
    second = fire(schedule, sfn, NOON)

    assert first != second  # each invocation its own execution
    described = sfn.describe_execution(executionArn=first)
    assert described["name"].startswith("shop-t-nightly-20260701T120000Z-")
    assert json.loads(described["input"]) == {"at": "2026-07-01T12:00:00Z", "n": 1}
    assert len(sfn.list_executions(stateMachineArn=machine)["executions"]) == 2


def test_the_summary_says_when_each_fires_in_its_time_zone(aws, machine):
    schedule = provision(aws, machine, "cron(5 0 * * ? *)", "Europe/London")
    scheduler = Scheduler([schedule], None, None, Lines(), clock=lambda: NOON)

    # 00:05 in London in July: BST, 23:05 UTC the day before
    assert description(scheduler) == (
        "shop-t-nightly cron(5 0 * * ? *) Europe/London: next 2026-07-02 00:05:00 BST "
        "(23:05:00 UTC)"
    )


def test_a_target_other_than_a_state_machine_is_unsupported(aws):
    queue = aws.client("sqs").create_queue(QueueName="q")["QueueUrl"]
    queue_arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"
    schedule = provision(aws, queue_arn, "rate(5 minutes)")

    with pytest.raises(Unsupported, match="starts state machines only"):
        fire(schedule, aws.client("stepfunctions"), NOON)
    scheduler = Scheduler([schedule], None, None, Lines(), clock=lambda: NOON)
    assert "UNSUPPORTED target" in description(scheduler)
    assert scheduler.active == []
    assert queue


class Clock:
    def __init__(self, now: datetime):
        self.now, self.lock = now, threading.Lock()

    def __call__(self) -> datetime:
        with self.lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.now += timedelta(seconds=seconds)


def wait_until(condition, timeout: float = 10) -> None:
    deadline = datetime.now(UTC) + timedelta(seconds=timeout)
    while not condition():
        assert datetime.now(UTC) < deadline, "gave up waiting"
        threading.Event().wait(0.05)


def test_due_schedules_fire_on_time_and_a_rate_at_once(aws, machine):
    every_minute = provision(aws, machine, "rate(1 minute)")
    clock = Clock(NOON)
    scheduler = Scheduler([every_minute], aws.client("stepfunctions"), None, Lines(), clock=clock)
    scheduler.start()
    try:
        wait_until(lambda: len(scheduler.fired) == 1)  # a rate fires at once
        threading.Event().wait(1.2)
        assert len(scheduler.fired) == 1  # and not again until its minute has passed
        clock.advance(60)
        wait_until(lambda: len(scheduler.fired) == 2)
    finally:
        scheduler.stop()
    names = [
        e["name"]
        for e in aws.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]
    ]
    assert sorted(n.split("-")[3] for n in names) == ["20260701T120000Z", "20260701T120100Z"]


class FailingStarts:
    """A Step Functions client whose StartExecution fails `times` times."""

    def __init__(self, real, times: int):
        self.real, self.left, self.calls = real, times, 0

    def start_execution(self, **kwargs):
        self.calls += 1
        if self.left:
            self.left -= 1
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "x"}}, "Start")
        return self.real.start_execution(**kwargs)


def test_a_failed_start_is_retried_then_dead_lettered(aws, machine):
    sqs = aws.client("sqs")
    dlq = sqs.create_queue(QueueName="nightly-dlq")["QueueUrl"]
    schedule = provision(
        aws,
        machine,
        "rate(1 day)",
        deadLetterConfig={"arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:nightly-dlq"},
    )
    lines = Lines()

    recovering = FailingStarts(aws.client("stepfunctions"), times=2)
    scheduler = Scheduler([schedule], recovering, sqs, lines, sleep=lambda _: None)
    assert scheduler.invoke(schedule, NOON) is not None  # third attempt: within 2 retries
    assert recovering.calls == 3

    failing = FailingStarts(aws.client("stepfunctions"), times=5)
    scheduler = Scheduler([schedule], failing, sqs, lines, sleep=lambda _: None)
    assert scheduler.invoke(schedule, NOON) is None
    assert failing.calls == 3  # the first attempt and its 2 retries
    [dead] = sqs.receive_message(QueueUrl=dlq, MessageAttributeNames=["All"])["Messages"]
    assert json.loads(dead["Body"]) == {"at": "2026-07-01T12:00:00Z", "n": 1}
    attributes = {k: v["StringValue"] for k, v in dead["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "ServiceUnavailable"
    assert attributes["SCHEDULE_ARN"] == schedule.arn
    assert attributes["TARGET_ARN"] == machine
    assert attributes["RETRY_ATTEMPTS"] == "2"
    assert any("gave up after 3 attempts" in line for line in lines.lines)
