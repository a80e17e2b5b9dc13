"""A logged, traced state machine with alarms on failed and on timed-out executions (a
helper, not a component): every state machine of the shop is built by it, under its owner.
And the rule that starts one on its events, with a target that has its DLQ and retries."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alarms import at_least_one
from components.event_bus import EventBus
from components.iam import allow, assume_role_policy, policy_document
from components.queues import guarded_target


@dataclass
class LoggedStateMachine:
    log_group: aws.cloudwatch.LogGroup
    state_machine: aws.sfn.StateMachine
    failures_alarm: aws.cloudwatch.MetricAlarm
    timeouts_alarm: aws.cloudwatch.MetricAlarm


def logged_state_machine(
    name: str,
    owner: pulumi.Resource,
    *,
    state_machine_name: str,
    workflow_type: str,
    role_arn: pulumi.Input[str],
    definition: pulumi.Input[str],
    log_retention_days: int,
    alarm_description: str,
    depends_on: Sequence[pulumi.Resource],
) -> LoggedStateMachine:
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        name=f"/aws/vendedlogs/states/{state_machine_name}",
        retention_in_days=log_retention_days,
        opts=pulumi.ResourceOptions(parent=owner),
    )
    state_machine = aws.sfn.StateMachine(
        f"{name}-state-machine",
        name=state_machine_name,
        type=workflow_type,
        role_arn=role_arn,
        definition=definition,
        logging_configuration={
            "log_destination": pulumi.Output.concat(log_group.arn, ":*"),
            # Execution data holds the customer's e-mail (and, paying, the payment
            # token): the log keeps the states walked and their errors, never the data.
            "include_execution_data": False,
            # EXPRESS keeps no execution history: its log is the only record.
            "level": "ALL" if workflow_type == "EXPRESS" else "ERROR",
        },
        tracing_configuration={"enabled": True},
        opts=pulumi.ResourceOptions(parent=owner, depends_on=list(depends_on)),
    )
    failures_alarm = at_least_one(
        f"{name}-failures-alarm",
        owner,
        description=alarm_description,
        namespace="AWS/States",
        metric_name="ExecutionsFailed",
        dimensions={"StateMachineArn": state_machine.arn},
    )
    timeouts_alarm = at_least_one(
        f"{name}-timeouts-alarm",
        owner,
        description=f"{state_machine_name} executions timed out: their orders may need attention",
        namespace="AWS/States",
        metric_name="ExecutionsTimedOut",
        dimensions={"StateMachineArn": state_machine.arn},
    )
    return LoggedStateMachine(log_group, state_machine, failures_alarm, timeouts_alarm)


@dataclass
class StartingRule:
    rule: aws.cloudwatch.EventRule
    target: aws.cloudwatch.EventTarget
    target_dlq: aws.sqs.Queue


def started_by_rule(
    name: str,
    owner: pulumi.Resource,
    *,
    bus: EventBus,
    event_pattern: Mapping[str, Any],
    state_machine: aws.sfn.StateMachine,
    state_machine_name: str,
    description: str,
) -> StartingRule:
    """A rule on the bus whose target starts the state machine with each matching event:
    the target's role may only states:StartExecution that machine, and the target has its
    own DLQ and the retry policy (guarded_target)."""
    child = pulumi.ResourceOptions(parent=owner)
    rule = aws.cloudwatch.EventRule(
        f"{name}-rule",
        event_bus_name=bus.bus_name,
        event_pattern=json.dumps(event_pattern),
        description=description,
        opts=child,
    )
    role = aws.iam.Role(
        f"{name}-target-role",
        assume_role_policy=assume_role_policy("events.amazonaws.com"),
        description=f"EventBridge starts {state_machine_name}",
        opts=child,
    )
    policy = aws.iam.RolePolicy(
        f"{name}-target-policy",
        role=role.id,
        policy=policy_document(
            [allow("StartMachine", ["states:StartExecution"], state_machine.arn)]
        ),
        opts=child,
    )
    target, dlq = guarded_target(
        f"{name}-target",
        f"{name}-target-dlq",
        owner,
        rule,
        bus.bus_name,
        state_machine.arn,
        ready=policy,
        role_arn=role.arn,
    )
    return StartingRule(rule, target, dlq)
