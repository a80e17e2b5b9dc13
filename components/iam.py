"""IAM policy documents, and a service's role with its one inline policy (helpers, not
components). Statements may hold Outputs."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws


def assume_role_policy(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def assume_role_policy_for(
    service: str, source_account: pulumi.Input[str], source_arn: pulumi.Input[str] | None = None
) -> pulumi.Output[str]:
    """A service may assume the role only on behalf of this account (and of one of its
    resources): the confused-deputy guard."""
    condition: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": source_account}}
    if source_arn is not None:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                    "Condition": condition,
                }
            ],
        }
    )


def policy_document(statements: Sequence[Mapping[str, Any]]) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(sid: str, actions: Sequence[str], resources: Sequence[Any] | Any) -> dict[str, Any]:
    """An Allow statement for named actions on named resources."""
    return {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": resources}


# Log delivery and tracing: their APIs support no resource-level permissions ("*" only).
LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)
TRACING_ACTIONS = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
)


@dataclass
class ServiceRole:
    role: aws.iam.Role
    policy: aws.iam.RolePolicy


def service_role(
    prefix: str,
    owner: pulumi.Resource,
    *,
    service: str,
    description: pulumi.Input[str],
    statements: Sequence[Mapping[str, Any]],
) -> ServiceRole:
    """The role `<prefix>-role` that only `service` may assume, and its inline policy
    `<prefix>-policy` allowing exactly `statements`, both children of `owner`."""
    child = pulumi.ResourceOptions(parent=owner)
    role = aws.iam.Role(
        f"{prefix}-role",
        assume_role_policy=assume_role_policy(service),
        description=description,
        opts=child,
    )
    policy = aws.iam.RolePolicy(
        f"{prefix}-policy", role=role.id, policy=policy_document(statements), opts=child
    )
    return ServiceRole(role, policy)


def state_machine_delivery() -> list[dict[str, Any]]:
    """What every state machine's role needs besides its tasks: log delivery and
    tracing (their APIs support no resource-level permissions)."""
    return [
        allow("DeliverExecutionLogs", LOG_DELIVERY_ACTIONS, "*"),
        allow("Tracing", TRACING_ACTIONS, "*"),
    ]
