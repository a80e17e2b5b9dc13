"""State machines (helpers, not components): every state machine of the shop is built by
logged_state_machine, under its owner (its log group, tracing, alarms on failed and on
timed-out executions); machine_role gives one its role, express_machine is both for an
EXPRESS machine, and started_by_rule has a rule start it."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alarms import at_least_one
from components.iam import ServiceRole, allow, service_role, state_machine_delivery
from components.queues import guarded_target


def machine_role(
    name: str, owner: pulumi.Resource, machine_name: str, statements: Sequence[dict[str, Any]]
) -> ServiceRole:
    """The role `<name>-role` a state machine runs with: its tasks' statements, and log
    delivery and tracing (iam.py state_machine_delivery)."""
    return service_role(
        name,
        owner,
        service="states.amazonaws.com",
        description=f"Runs {machine_name}",
        statements=[*statements, *state_machine_delivery()],
    )


@dataclass
class RuleStart:
    rule: aws.cloudwatch.EventRule
    target_role: aws.iam.Role
    target_policy: aws.iam.RolePolicy
    target: aws.cloudwatch.EventTarget
    target_dlq: aws.sqs.Queue


def started_by_rule(
    name: str,
    owner: pulumi.Resource,
    *,
    bus_name: pulumi.Input[str],
    event_pattern: Mapping[str, Any],
    description: str,
    machine_name: str,
    machine_arn: pulumi.Input[str],
) -> RuleStart:
    """A rule `<name>-rule` on the bus whose target starts the state machine with the
    event as input: its role may only start that machine, and the target retries and has
    its own DLQ (queues.py guarded_target)."""
    child = pulumi.ResourceOptions(parent=owner)
    rule = aws.cloudwatch.EventRule(
        f"{name}-rule",
        event_bus_name=bus_name,
        event_pattern=json.dumps(event_pattern),
        description=description,
        opts=child,
    )
    starts = service_role(
        f"{name}-target",
        owner,
        service="events.amazonaws.com",
        description=f"EventBridge starts {machine_name}",
        statements=[allow("StartMachine", ["states:StartExecution"], machine_arn)],
    )
    target, target_dlq = guarded_target(
        f"{name}-target",
        f"{name}-target-dlq",
        owner,
        rule,
        bus_name,
        machine_arn,
        ready=starts.policy,
        role_arn=starts.role.arn,
    )
    return RuleStart(rule, starts.role, starts.policy, target, target_dlq)


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
class ExpressMachine:
    """An EXPRESS state machine and the role it runs with."""

    role: ServiceRole
    built: LoggedStateMachine


def express_machine(
    name: str,
    owner: pulumi.Resource,
    *,
    state_machine_name: str,
    statements: Sequence[dict[str, Any]],
    definition: pulumi.Input[str],
    log_retention_days: int,
    alarm_description: str,
    depends_on: Sequence[pulumi.Resource] = (),
) -> ExpressMachine:
    """machine_role, then logged_state_machine (EXPRESS): the shape of every EXPRESS machine
    of the shop, whether a rule or a schedule starts it."""
    runs = machine_role(name, owner, state_machine_name, statements)
    built = logged_state_machine(
        name,
        owner,
        state_machine_name=state_machine_name,
        workflow_type="EXPRESS",
        role_arn=runs.role.arn,
        definition=definition,
        log_retention_days=log_retention_days,
        alarm_description=alarm_description,
        depends_on=[runs.policy, *depends_on],
    )
    return ExpressMachine(runs, built)


@dataclass
class StartedMachine:
    """An EXPRESS state machine that a rule starts, and everything it is built with."""

    role: ServiceRole
    machine: LoggedStateMachine
    start: RuleStart


def express_machine_started_by_rule(
    name: str,
    owner: pulumi.Resource,
    *,
    machine_name: str,
    statements: Sequence[dict[str, Any]],
    definition: pulumi.Input[str],
    log_retention_days: int,
    alarm_description: str,
    bus_name: pulumi.Input[str],
    event_pattern: Mapping[str, Any],
    rule_description: str,
    depends_on: Sequence[pulumi.Resource] = (),
) -> StartedMachine:
    """express_machine, then started_by_rule: the shape of the customer notifier and the
    audit recorder."""
    express = express_machine(
        name,
        owner,
        state_machine_name=machine_name,
        statements=statements,
        definition=definition,
        log_retention_days=log_retention_days,
        alarm_description=alarm_description,
        depends_on=depends_on,
    )
    runs, machine = express.role, express.built
    start = started_by_rule(
        name,
        owner,
        bus_name=bus_name,
        event_pattern=event_pattern,
        description=rule_description,
        machine_name=machine_name,
        machine_arn=machine.state_machine.arn,
    )
    return StartedMachine(runs, machine, start)
