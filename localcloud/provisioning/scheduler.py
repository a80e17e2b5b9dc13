"""EventBridge Scheduler schedules. The emulator stores them, accepts expressions AWS
refuses and fires none: the handler refuses what AWS would refuse to create (an invalid
expression or time zone, read by components/schedule_expressions.py), naming the schedule,
so the local cloud does not start with it; the local scheduler (localcloud/scheduler.py)
fires them."""

from typing import Any

from components import schedule_expressions
from localcloud.provisioning.core import EmulatorMocks, Properties, as_int, handles


class ScheduleRefused(ValueError):
    """AWS would refuse to create this schedule (CreateSchedule's ValidationException)."""


def _target(inputs: Properties) -> dict[str, Any]:
    given = inputs["target"]
    target: dict[str, Any] = {"Arn": given["arn"], "RoleArn": given["roleArn"]}
    if given.get("input") is not None:
        target["Input"] = given["input"]
    if given.get("retryPolicy"):
        retry = given["retryPolicy"]
        target["RetryPolicy"] = {
            "MaximumEventAgeInSeconds": as_int(retry["maximumEventAgeInSeconds"]),
            "MaximumRetryAttempts": as_int(retry["maximumRetryAttempts"]),
        }
    if (given.get("deadLetterConfig") or {}).get("arn"):
        target["DeadLetterConfig"] = {"Arn": given["deadLetterConfig"]["arn"]}
    return target


@handles("aws:scheduler/schedule:Schedule")
def _schedule(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    schedule = mocks.physical_name(name, inputs)
    expression = inputs["scheduleExpression"]
    timezone = inputs.get("scheduleExpressionTimezone") or schedule_expressions.DEFAULT_TIMEZONE
    wrong = schedule_expressions.problem(expression) or schedule_expressions.timezone_problem(
        timezone
    )
    if wrong:
        raise ScheduleRefused(
            f"schedule {schedule}: {expression!r} in {timezone}: {wrong} "
            "(AWS would refuse to create it)"
        )
    window = inputs.get("flexibleTimeWindow") or {"mode": "OFF"}
    optional = {
        "Description": inputs.get("description"),
        "State": inputs.get("state"),
        "GroupName": inputs.get("groupName"),
    }
    arn = mocks.client("scheduler").create_schedule(
        Name=schedule,
        ScheduleExpression=expression,
        ScheduleExpressionTimezone=timezone,
        FlexibleTimeWindow={
            "Mode": window["mode"],
            **(
                {"MaximumWindowInMinutes": as_int(window["maximumWindowInMinutes"])}
                if window.get("maximumWindowInMinutes")
                else {}
            ),
        },
        Target=_target(inputs),
        **{k: v for k, v in optional.items() if v is not None},
    )["ScheduleArn"]
    return schedule, {"name": schedule, "arn": arn}
