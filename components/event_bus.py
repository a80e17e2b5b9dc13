"""EventBus: the shop's custom bus and an archive of every shop.* event, for replay.
The audit of every event is the audit recorder's (components/audit_recorder.py)."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.iam import allow


@dataclass
class EventBusArgs:
    bus_name: str
    archive_retention_days: int = 7
    source_prefix: str = "shop."


class EventBus(pulumi.ComponentResource):
    bus_name: pulumi.Output[str]
    bus_arn: pulumi.Output[str]

    def __init__(self, name: str, args: EventBusArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("shop:index:EventBus", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # Every event the shop's publishers may put (grant_publish allows shop.* sources).
        self.shop_events: dict[str, Any] = {"source": [{"prefix": args.source_prefix}]}

        self.bus = aws.cloudwatch.EventBus(f"{name}-bus", name=args.bus_name, opts=child)
        self.archive = aws.cloudwatch.EventArchive(
            f"{name}-archive",
            name=f"{args.bus_name}-archive",
            description="Every shop event, for replay",
            event_source_arn=self.bus.arn,
            event_pattern=json.dumps(self.shop_events),
            retention_days=args.archive_retention_days,
            opts=child,
        )

        self.bus_name = self.bus.name
        self.bus_arn = self.bus.arn
        self.register_outputs({"bus_name": self.bus_name, "bus_arn": self.bus_arn})

    def grant_publish(self, sources: Iterable[str]) -> dict[str, Any]:
        """A statement to put events on this bus, of these sources only: the one place
        the events:source condition lives, so no role can speak for another service."""
        allowed = sorted(sources)
        if not allowed:
            raise ValueError("a publisher publishes at least one source")
        statement = allow("PublishOwnEvents", ["events:PutEvents"], self.bus_arn)
        return statement | {"Condition": {"StringEquals": {"events:source": allowed}}}
