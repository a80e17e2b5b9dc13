"""EventBus: the shop's custom bus, an archive for replay, and an audit trail of
every shop.* event in a log group (a rule whose target has its own DLQ)."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.iam import allow, policy_document
from components.queues import guarded_target


@dataclass
class EventBusArgs:
    bus_name: str
    archive_retention_days: int = 7
    audit_log_retention_days: int = 14
    source_prefix: str = "shop."


class EventBus(pulumi.ComponentResource):
    bus_name: pulumi.Output[str]
    bus_arn: pulumi.Output[str]
    audit_log_group_name: pulumi.Output[str]
    audit_dlq_url: pulumi.Output[str]

    def __init__(self, name: str, args: EventBusArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("shop:index:EventBus", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        shop_events = json.dumps({"source": [{"prefix": args.source_prefix}]})

        self.bus = aws.cloudwatch.EventBus(f"{name}-bus", name=args.bus_name, opts=child)
        self.archive = aws.cloudwatch.EventArchive(
            f"{name}-archive",
            name=f"{args.bus_name}-archive",
            description="Every shop event, for replay",
            event_source_arn=self.bus.arn,
            event_pattern=shop_events,
            retention_days=args.archive_retention_days,
            opts=child,
        )

        # EventBridge writes to log groups named /aws/events/… under a resource policy.
        self.audit_log_group = aws.cloudwatch.LogGroup(
            f"{name}-audit-logs",
            name=f"/aws/events/{args.bus_name}/audit",
            retention_in_days=args.audit_log_retention_days,
            opts=child,
        )
        self.audit_log_policy = aws.cloudwatch.LogResourcePolicy(
            f"{name}-audit-logs-policy",
            policy_name=f"{args.bus_name}-audit",
            policy_document=policy_document(
                [
                    {
                        "Sid": "EventBridgeWritesAudit",
                        "Effect": "Allow",
                        "Principal": {
                            "Service": ["events.amazonaws.com", "delivery.logs.amazonaws.com"]
                        },
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": pulumi.Output.concat(self.audit_log_group.arn, ":*"),
                    }
                ]
            ),
            opts=child,
        )
        self.audit_rule = aws.cloudwatch.EventRule(
            f"{name}-audit-rule",
            description="Audit trail: every shop event",
            event_bus_name=self.bus.name,
            event_pattern=shop_events,
            opts=child,
        )
        self.audit_target, self.audit_dlq = guarded_target(
            f"{name}-audit-target",
            f"{name}-audit-dlq",
            self,
            rule=self.audit_rule,
            event_bus_name=self.bus.name,
            arn=self.audit_log_group.arn,
            ready=self.audit_log_policy,
        )

        self.bus_name = self.bus.name
        self.bus_arn = self.bus.arn
        self.audit_log_group_name = self.audit_log_group.name
        self.audit_dlq_url = self.audit_dlq.url
        self.register_outputs(
            {
                "bus_name": self.bus_name,
                "bus_arn": self.bus_arn,
                "audit_log_group_name": self.audit_log_group_name,
                "audit_dlq_url": self.audit_dlq_url,
            }
        )

    def grant_publish(self, sources: Iterable[str]) -> dict[str, Any]:
        """A statement to put events on this bus, of these sources only: the one place
        the events:source condition lives, so no role can speak for another service."""
        allowed = sorted(sources)
        if not allowed:
            raise ValueError("a publisher publishes at least one source")
        statement = allow("PublishOwnEvents", ["events:PutEvents"], self.bus_arn)
        return statement | {"Condition": {"StringEquals": {"events:source": allowed}}}
