"""A schedule that starts a state machine (a helper, not a component): an EventBridge
Scheduler schedule whose role may start only that machine and fill only its DLQ, with an
explicit retry policy and a DLQ with its alarm, as every EventBridge target of the shop
has (components/queues.py `guarded_target`).

The expression and time zone are checked when the program runs
(components/schedule_expressions.py), as AWS checks them when the schedule is created.
"""

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components import schedule_expressions
from components.iam import allow, service_role
from components.queues import dead_letter_queue

# The input of a schedule's execution: Scheduler fills in the time the run was due for, so
# each execution says which run it is (the local scheduler fills it in too).
SCHEDULED_TIME_INPUT = {"scheduledTime": "<aws.scheduler.scheduled-time>"}
# Scheduler retries a failed StartExecution with backoff, then hands the invocation to the
# DLQ. An hour: the next run of a frequent schedule does the same work anyway, and a
# nightly one is still on time.
SCHEDULE_RETRY_POLICY: aws.scheduler.ScheduleTargetRetryPolicyArgsDict = {
    "maximum_event_age_in_seconds": 60 * 60,
    "maximum_retry_attempts": 10,
}


@dataclass
class ScheduledStart:
    schedule: aws.scheduler.Schedule
    role: aws.iam.Role
    dlq: aws.sqs.Queue


def scheduled_start(
    name: str,
    owner: pulumi.Resource,
    *,
    schedule_name: str,
    expression: str,
    timezone: str,
    state_machine_arn: pulumi.Input[str],
    execution_input: dict[str, Any],
    description: str,
) -> ScheduledStart:
    """A schedule `<name>` (AWS name `schedule_name`) that starts the state machine with
    `execution_input` (Scheduler's context attributes, such as
    `<aws.scheduler.scheduled-time>`, are filled in per invocation)."""
    wrong = schedule_expressions.problem(expression) or schedule_expressions.timezone_problem(
        timezone
    )
    if wrong:
        raise ValueError(f"schedule {schedule_name}: {expression!r} in {timezone}: {wrong}")
    dlq = dead_letter_queue(f"{name}-dlq", owner)
    runs = service_role(
        name,
        owner,
        service="scheduler.amazonaws.com",
        description=f"The schedule {schedule_name}: starts its state machine, nothing else",
        statements=[
            allow("StartItsStateMachine", ["states:StartExecution"], state_machine_arn),
            allow("FillItsDeadLetterQueue", ["sqs:SendMessage"], dlq.arn),
        ],
    )
    schedule = aws.scheduler.Schedule(
        name,
        name=schedule_name,
        description=description,
        schedule_expression=expression,
        schedule_expression_timezone=timezone,
        flexible_time_window={"mode": "OFF"},
        target={
            "arn": state_machine_arn,
            "role_arn": runs.role.arn,
            "input": json.dumps(execution_input),
            "retry_policy": SCHEDULE_RETRY_POLICY,
            "dead_letter_config": {"arn": dlq.arn},
        },
        # The role must be allowed to start the machine before the first invocation.
        opts=pulumi.ResourceOptions(parent=owner, depends_on=[runs.policy]),
    )
    return ScheduledStart(schedule, runs.role, dlq)
