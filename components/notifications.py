"""Notifications: the encrypted order-notifications topic, optionally with an
e-mail subscription (ops: every outcome, or those matching a filter policy).
Messages carry `eventType` and `email` attributes for subscribers to filter."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass
class NotificationsArgs:
    topic_name: str
    email: str | None = None
    email_filter: Mapping[str, Sequence[str]] | None = None  # e.g. {"eventType": ["OrderPaid"]}


class Notifications(pulumi.ComponentResource):
    topic_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: NotificationsArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("shop:index:Notifications", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.topic = aws.sns.Topic(
            f"{name}-topic",
            name=args.topic_name,
            kms_master_key_id="alias/aws/sns",
            opts=child,
        )
        self.email_subscription = None
        if args.email:
            self.email_subscription = aws.sns.TopicSubscription(
                f"{name}-email",
                topic=self.topic.arn,
                protocol="email",
                endpoint=args.email,
                filter_policy=json.dumps(args.email_filter) if args.email_filter else None,
                opts=child,
            )

        self.topic_arn = self.topic.arn
        self.register_outputs({"topic_arn": self.topic_arn})
