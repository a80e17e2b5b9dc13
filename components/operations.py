"""Operations: where the stack's alarms and cost alerts reach someone, and what it traces.

- The ops topic `<prefix>-ops`, encrypted with a customer-managed KMS key. CloudWatch
  alarms and AWS Budgets publish with their service principals, which the AWS-managed
  `alias/aws/sns` key cannot admit (its policy is AWS's, not ours): this key's policy lets
  both use it, and the topic's policy lets both publish, from this account only. An e-mail
  subscription when `email` is given (SNS asks the address to confirm first).
- A monthly cost budget whose alerts go to the topic: at 80% of actual and 100% of
  forecast spend. The cost model (docs) is a model; the bill is the fact.
- An X-Ray sampling rule for the stack's traced services (named `<prefix>-…`).

Alarms do not name the topic themselves: `notify_on_every_alarm` is a stack
transformation that __main__.py registers right after this component, so every
CloudWatch alarm the program creates afterwards (in any component, today's and those
added later) gets the topic as its alarm and OK action.
"""

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.iam import policy_document

ALARM_TYPE = "aws:cloudwatch/metricAlarm:MetricAlarm"
# Budget alerts: (notification type, percentage of the monthly limit).
BUDGET_ALERTS = (("ACTUAL", 80), ("FORECASTED", 100))
SAMPLING_RESERVOIR_PER_SECOND = 1  # traced each second whatever the rate: quiet hours show up
SAMPLING_RULE_PRIORITY = 1000  # before X-Ray's default rule (10000)
RULE_NAME_MAX = 32  # X-Ray's limit on a sampling rule's name
# The service principals that publish to the topic (with KMS data keys): the statement's
# Sid, and the ARN pattern of what publishes (an alarm of this region, a budget).
PUBLISHERS = {
    "cloudwatch.amazonaws.com": ("AlarmsPublish", "arn:aws:cloudwatch:{region}:{account}:alarm:*"),
    "budgets.amazonaws.com": ("BudgetsPublish", "arn:aws:budgets::{account}:*"),
}


@dataclass
class OperationsArgs:
    name_prefix: str  # shop-<stack>: the topic, the key's alias, the budget, the sampling rule
    monthly_budget_usd: int
    trace_sample_rate: float  # X-Ray's fixed rate after the reservoir: 0..1
    email: str | None = None

    def __post_init__(self) -> None:
        if self.monthly_budget_usd < 1:
            raise ValueError("monthly_budget_usd must be at least 1")
        if not 0 <= self.trace_sample_rate <= 1:
            raise ValueError("trace_sample_rate must be between 0 and 1")
        if len(self.name_prefix) > RULE_NAME_MAX:
            raise ValueError(f"name_prefix must be at most {RULE_NAME_MAX} characters (X-Ray)")


class Operations(pulumi.ComponentResource):
    topic_arn: pulumi.Output[str]
    key_arn: pulumi.Output[str]  # a publisher of this account needs kms:GenerateDataKey on it

    def __init__(self, name: str, args: OperationsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("shop:index:Operations", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        account = aws.get_caller_identity_output().account_id
        region = aws.get_region_output().region

        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"Encrypts {args.name_prefix}-ops; CloudWatch and Budgets may use it",
            enable_key_rotation=True,
            policy=policy_document(_key_statements(account)),
            opts=child,
        )
        self.topic = aws.sns.Topic(
            f"{name}-topic",
            name=f"{args.name_prefix}-ops",
            kms_master_key_id=self.key.arn,
            opts=child,
        )
        self.topic_policy = aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=self.topic.arn,
            policy=policy_document(_topic_statements(self.topic.arn, account, region)),
            opts=child,
        )
        # SNS asks the address to confirm before it delivers anything.
        self.email_subscription = (
            aws.sns.TopicSubscription(
                f"{name}-email",
                protocol="email",
                endpoint=args.email,
                topic=self.topic.arn,
                opts=child,
            )
            if args.email
            else None
        )
        self.budget = aws.budgets.Budget(
            f"{name}-budget",
            name=f"{args.name_prefix}-monthly",
            budget_type="COST",
            limit_amount=str(args.monthly_budget_usd),
            limit_unit="USD",
            time_unit="MONTHLY",
            notifications=[
                {
                    "notification_type": kind,
                    "comparison_operator": "GREATER_THAN",
                    "threshold": percent,
                    "threshold_type": "PERCENTAGE",
                    "subscriber_sns_topic_arns": [self.topic.arn],
                }
                for kind, percent in BUDGET_ALERTS
            ],
            # Budgets checks that it may publish when the notification is created.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.topic_policy]),
        )
        self.sampling_rule = aws.xray.SamplingRule(
            f"{name}-sampling",
            rule_name=args.name_prefix,
            priority=SAMPLING_RULE_PRIORITY,
            reservoir_size=SAMPLING_RESERVOIR_PER_SECOND,
            fixed_rate=args.trace_sample_rate,
            # The stack's state machines and functions are named <prefix>-…
            service_name=f"{args.name_prefix}-*",
            service_type="*",
            host="*",
            http_method="*",
            url_path="*",
            resource_arn="*",
            version=1,
            opts=child,
        )

        self.topic_arn = self.topic.arn
        self.key_arn = self.key.arn
        self.register_outputs({"topic_arn": self.topic_arn, "key_arn": self.key_arn})

    def notify_on_every_alarm(self) -> pulumi.ResourceTransformation:
        """A stack transformation: every CloudWatch alarm created after it is registered
        (under parents created after it: a component copies its parent's transformations
        when it is made) notifies the ops topic in ALARM and when it is OK again."""
        topic_arn = self.topic_arn

        def notify(
            args: pulumi.ResourceTransformationArgs,
        ) -> pulumi.ResourceTransformationResult | None:
            if args.type_ != ALARM_TYPE:
                return None
            props = {**args.props, "alarm_actions": [topic_arn], "ok_actions": [topic_arn]}
            return pulumi.ResourceTransformationResult(props, args.opts)

        return notify


def _key_statements(account: pulumi.Output[str]) -> list[dict[str, Any]]:
    root = pulumi.Output.concat("arn:aws:iam::", account, ":root")
    administers = {"Sid": "AccountAdministers", "Effect": "Allow", "Action": "kms:*"}
    services_encrypt = {
        "Sid": "AlarmsAndBudgetsEncrypt",
        "Effect": "Allow",
        "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
        "Condition": {"StringEquals": {"aws:SourceAccount": account}},
    }
    return [
        administers | {"Principal": {"AWS": root}, "Resource": "*"},
        services_encrypt | {"Principal": {"Service": sorted(PUBLISHERS)}, "Resource": "*"},
    ]


def _topic_statements(
    topic_arn: pulumi.Output[str], account: pulumi.Output[str], region: pulumi.Output[str]
) -> list[dict[str, Any]]:
    return [
        {
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": _source_arn(pattern, account, region)},
            },
        }
        for service, (sid, pattern) in PUBLISHERS.items()
    ]


def _source_arn(
    pattern: str, account: pulumi.Output[str], region: pulumi.Output[str]
) -> pulumi.Output[str]:
    return pulumi.Output.all(account, region).apply(
        lambda values: pattern.format(account=values[0], region=values[1])
    )
