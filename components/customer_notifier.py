"""CustomerNotifier: e-mails customers each order outcome, with no Lambda.

An EXPRESS state machine (definition in workflows/customer_notifier.py) started by an
EventBridge rule on the events the events table gives CUSTOMER_NOTIFIER; the rule's
target retries and has its own DLQ, and its role may only start this machine. The
machine reads the order, claims the notification, sends the e-mail through SES v2
and publishes the outcome to the notifications topic.

SES: the sender's domain as an identity with Easy DKIM (2048-bit keys), a
configuration set that suppresses addresses that bounced or complained, and an
event destination that sends bounces and complaints to an encrypted topic. SES
publishes with its service principal, which cannot use the AWS-managed SNS key,
so that topic has a key of its own that SES may use.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.event_bus import EventBus
from components.iam import allow, assume_role_policy, policy_document
from components.pipeline import pipeline_options
from components.queues import guarded_target
from components.state_machines import express_machine
from workflows.customer_notifier import definition

SUPPRESSED_REASONS = ["BOUNCE", "COMPLAINT"]  # the configuration set's suppression list
FEEDBACK_EVENTS = ["BOUNCE", "COMPLAINT"]  # what the event destination sends to the topic
DKIM_KEY_LENGTH = "RSA_2048_BIT"


@dataclass
class CustomerNotifierArgs:
    name_prefix: str  # shop-<stack>: the machine, the configuration set and the topic
    bus: EventBus
    event_pattern: Mapping[str, Sequence[str]]  # rule_pattern(CUSTOMER_NOTIFIER)
    orders_table_name: pulumi.Input[str]
    orders_table_arn: pulumi.Input[str]
    topic_arn: pulumi.Input[str]  # the notifications topic: each outcome, for ops
    sender: str  # the From address; its domain is the SES identity
    log_retention_days: int = 14

    def __post_init__(self) -> None:
        local, _, domain = self.sender.partition("@")
        if not local or "." not in domain:
            raise ValueError("sender must be an e-mail address at a domain")

    @property
    def sender_domain(self) -> str:
        return self.sender.partition("@")[2]


class CustomerNotifier(pulumi.ComponentResource):
    arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: CustomerNotifierArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("shop:index:CustomerNotifier", name, None, pipeline_options(opts, name))
        child = pulumi.ResourceOptions(parent=self)
        machine_name = f"{args.name_prefix}-customer-notifier"
        account = aws.get_caller_identity_output().account_id

        # --- SES: configuration set, bounce and complaint feedback, the identity ----------
        self.configuration_set = aws.sesv2.ConfigurationSet(
            f"{name}-configuration-set",
            configuration_set_name=f"{args.name_prefix}-customer-email",
            suppression_options={"suppressed_reasons": SUPPRESSED_REASONS},
            delivery_options={"tls_policy": "REQUIRE"},
            reputation_options={"reputation_metrics_enabled": True},
            sending_options={"sending_enabled": True},
            opts=child,
        )
        self.feedback_key = aws.kms.Key(
            f"{name}-feedback-key",
            description=f"Encrypts {args.name_prefix}-email-feedback; SES may use it",
            enable_key_rotation=True,
            policy=policy_document(
                [
                    {
                        "Sid": "AccountAdministers",
                        "Effect": "Allow",
                        "Principal": {
                            "AWS": pulumi.Output.concat("arn:aws:iam::", account, ":root")
                        },
                        "Action": "kms:*",
                        "Resource": "*",
                    },
                    {
                        "Sid": "SesPublishesFeedback",
                        "Effect": "Allow",
                        "Principal": {"Service": "ses.amazonaws.com"},
                        "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
                        "Resource": "*",
                        "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                    },
                ]
            ),
            opts=child,
        )
        self.feedback_topic = aws.sns.Topic(
            f"{name}-feedback",
            name=f"{args.name_prefix}-email-feedback",
            kms_master_key_id=self.feedback_key.arn,
            opts=child,
        )
        self.feedback_topic_policy = aws.sns.TopicPolicy(
            f"{name}-feedback-policy",
            arn=self.feedback_topic.arn,
            policy=policy_document(
                [
                    {
                        "Sid": "ConfigurationSetPublishes",
                        "Effect": "Allow",
                        "Principal": {"Service": "ses.amazonaws.com"},
                        "Action": "sns:Publish",
                        "Resource": self.feedback_topic.arn,
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": account},
                            "ArnEquals": {"aws:SourceArn": self.configuration_set.arn},
                        },
                    }
                ]
            ),
            opts=child,
        )
        self.feedback_destination = aws.sesv2.ConfigurationSetEventDestination(
            f"{name}-feedback-destination",
            configuration_set_name=self.configuration_set.configuration_set_name,
            event_destination_name="bounces-and-complaints",
            event_destination={
                "enabled": True,
                "matching_event_types": FEEDBACK_EVENTS,
                "sns_destination": {"topic_arn": self.feedback_topic.arn},
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.feedback_topic_policy]),
        )
        self.identity = aws.sesv2.EmailIdentity(
            f"{name}-identity",
            email_identity=args.sender_domain,
            configuration_set_name=self.configuration_set.configuration_set_name,
            dkim_signing_attributes={"next_signing_key_length": DKIM_KEY_LENGTH},
            opts=child,
        )

        # --- the state machine --------------------------------------------------------------
        machine = express_machine(
            name,
            self,
            state_machine_name=machine_name,
            statements=[
                allow(
                    "ReadOrdersAndClaimNotifications",
                    ["dynamodb:GetItem", "dynamodb:UpdateItem"],
                    args.orders_table_arn,
                ),
                # SendEmail is authorised on the identity and the configuration set.
                allow(
                    "EmailCustomers",
                    ["ses:SendEmail"],
                    [self.identity.arn, self.configuration_set.arn],
                ),
                allow("PublishOutcomes", ["sns:Publish"], args.topic_arn),
            ],
            definition=pulumi.Output.all(
                args.orders_table_name,
                args.topic_arn,
                self.configuration_set.configuration_set_name,
            ).apply(
                lambda values: json.dumps(
                    definition(
                        orders_table=values[0],
                        topic_arn=values[1],
                        sender=args.sender,
                        configuration_set=values[2],
                    ),
                    indent=2,
                )
            ),
            log_retention_days=args.log_retention_days,
            alarm_description=(
                "Customer notifier executions failed: a customer may not have been told"
            ),
            depends_on=[self.identity],
        )
        self.role, self.policy, built = machine.role, machine.policy, machine.built
        self.log_group = built.log_group
        self.state_machine = built.state_machine
        self.failures_alarm = built.failures_alarm

        # --- the rule that starts it ------------------------------------------------------
        self.rule = aws.cloudwatch.EventRule(
            f"{name}-rule",
            event_bus_name=args.bus.bus_name,
            event_pattern=json.dumps(args.event_pattern),
            description="Order outcomes → the customer notifier",
            opts=child,
        )
        self.target_role = aws.iam.Role(
            f"{name}-target-role",
            assume_role_policy=assume_role_policy("events.amazonaws.com"),
            description=f"EventBridge starts {machine_name}",
            opts=child,
        )
        self.target_policy = aws.iam.RolePolicy(
            f"{name}-target-policy",
            role=self.target_role.id,
            policy=policy_document(
                [allow("StartNotifier", ["states:StartExecution"], self.state_machine.arn)]
            ),
            opts=child,
        )
        self.target, self.target_dlq = guarded_target(
            f"{name}-target",
            f"{name}-target-dlq",
            self,
            self.rule,
            args.bus.bus_name,
            self.state_machine.arn,
            ready=self.target_policy,
            role_arn=self.target_role.arn,
        )

        self.arn = self.state_machine.arn
        self.target_dlq_url = self.target_dlq.url
        self.feedback_topic_arn = self.feedback_topic.arn
        # Each token is a CNAME to publish: <token>._domainkey.<domain> → <token>.dkim.amazonses.com
        self.dkim_tokens = self.identity.dkim_signing_attributes.apply(
            lambda attributes: list(attributes.tokens or []) if attributes else []
        )
        self.register_outputs(
            {
                "arn": self.arn,
                "target_dlq_url": self.target_dlq_url,
                "feedback_topic_arn": self.feedback_topic_arn,
                "dkim_tokens": self.dkim_tokens,
            }
        )
