"""A logged, traced state machine with alarms on failed and on timed-out executions (a
helper, not a component): every state machine of the shop is built by it, under its owner.
`express_machine` adds the role of its own that the EXPRESS machines have."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alarms import at_least_one
from components.iam import assume_role_policy, policy_document, state_machine_delivery


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
    role: aws.iam.Role
    policy: aws.iam.RolePolicy
    built: LoggedStateMachine


def express_machine(
    name: str,
    owner: pulumi.Resource,
    *,
    state_machine_name: str,
    statements: Sequence[Mapping[str, Any]],
    definition: pulumi.Input[str],
    log_retention_days: int,
    alarm_description: str,
    depends_on: Sequence[pulumi.Resource] = (),
) -> ExpressMachine:
    """An EXPRESS logged state machine `<name>` with a role `<name>-role` of its own that
    may do exactly `statements`, besides log delivery and tracing."""
    role = aws.iam.Role(
        f"{name}-role",
        assume_role_policy=assume_role_policy("states.amazonaws.com"),
        description=f"Runs {state_machine_name}",
        opts=pulumi.ResourceOptions(parent=owner),
    )
    policy = aws.iam.RolePolicy(
        f"{name}-policy",
        role=role.id,
        policy=policy_document([*statements, *state_machine_delivery()]),
        opts=pulumi.ResourceOptions(parent=owner),
    )
    built = logged_state_machine(
        name,
        owner,
        state_machine_name=state_machine_name,
        workflow_type="EXPRESS",
        role_arn=role.arn,
        definition=definition,
        log_retention_days=log_retention_days,
        alarm_description=alarm_description,
        depends_on=[policy, *depends_on],
    )
    return ExpressMachine(role, policy, built)
