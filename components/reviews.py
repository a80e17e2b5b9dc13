"""ReviewPipeline: product reviews, their sentiment and a customer-service case for each
negative one, with no Lambda (docs/architecture.md#reviews).

- The reviews table (shop_common/review_items.py): reviews, per-product summaries, the
  one-review-per-customer markers, per-customer daily counters (TTL) and cases. The
  GraphQL API's reviews resolvers read and write it (components/graphql_api.py, given
  `table_source`); they publish through the reviews outbox, built beside it.
- Four state machines, each started by its rule on the events the events table gives it
  (rule_pattern, with DATA_FILTERS routing ReviewAnalysed by sentiment), each target with
  its DLQ and retries, each role allowed exactly what its definition calls:
  the analysis (EXPRESS: Comprehend's DetectSentiment through the AWS SDK integration,
  in the stack's language), the thank-you (EXPRESS: SES), the customer-service workflow
  (STANDARD: it waits days for an admin on a task token, escalating after
  HeartbeatSeconds, closing after TimeoutSeconds), and the case resumer (EXPRESS: hands a
  resolved case's token back, SendTaskSuccess).
- E-mail goes through the customer notifier's SES identity and configuration set (their
  ARNs are given); the reviewer's address is read from the user pool when it is sent.

Every resource that takes tags carries shop:pipeline=<name> (components/pipeline.py), so
the policy pack's no-lambda-in-pipelines checks the rules, targets and state machines.
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.event_bus import EventBus
from components.graphql_api import OwnTableSource
from components.iam import allow
from components.pipeline import pipeline_options
from components.state_machines import logged_state_machine, machine_role, started_by_rule
from components.tables import TableArgs, TableIndex, own_table
from shop_common import review_items as items
from shop_common.contracts import (
    CASE_RESUMER,
    CUSTOMER_SERVICE,
    REVIEW_ANALYSIS,
    REVIEW_THANKS,
    produced_by,
    rule_pattern,
)
from workflows import customer_service, reviews

# The languages Comprehend's DetectSentiment reads (its LanguageCode).
COMPREHEND_LANGUAGES = ("ar", "hi", "ko", "zh-TW", "ja", "zh", "de", "pt", "en", "it", "fr", "es")
# A STANDARD execution lives at most a year: a case must close before.
MAX_CASE_SECONDS = 365 * 24 * 60 * 60


@dataclass
class ReviewPipelineArgs:
    name_prefix: str  # shop-<stack>: the state machines' names
    bus: EventBus
    outbox_table_arn: pulumi.Input[str]  # the reviews outbox: the resolvers' events
    user_pool_id: pulumi.Input[str]
    user_pool_arn: pulumi.Input[str]
    sender: str  # the customer notifier's From address
    configuration_set_name: pulumi.Input[str]  # the customer notifier's
    configuration_set_arn: pulumi.Input[str]
    identity_arn: pulumi.Input[str]  # the customer notifier's SES identity
    support_topic_arn: pulumi.Input[str]  # told of every case opened
    ops_topic_arn: pulumi.Input[str]  # told of escalated and closed cases
    ops_key_arn: pulumi.Input[str]  # the ops topic's key: publishing needs it
    language: str = "en"  # Comprehend's LanguageCode
    escalation_seconds: int = 24 * 60 * 60  # no admin acted: the case escalates
    timeout_seconds: int = 7 * 24 * 60 * 60  # unresolved: the case closes
    log_retention_days: int = 14
    deletion_protection: bool = False

    def __post_init__(self) -> None:
        if self.language not in COMPREHEND_LANGUAGES:
            raise ValueError(f"language must be one of {COMPREHEND_LANGUAGES}")
        if not 0 < self.escalation_seconds < self.timeout_seconds <= MAX_CASE_SECONDS:
            raise ValueError(
                f"0 < escalation_seconds < timeout_seconds <= {MAX_CASE_SECONDS} (a case "
                "escalates before it closes, within a STANDARD execution's year)"
            )


Definition = Callable[[list[Any]], dict[str, Any]]


class ReviewPipeline(pulumi.ComponentResource):
    table_name: pulumi.Output[str]
    table_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: ReviewPipelineArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("shop:index:ReviewPipeline", name, None, pipeline_options(opts, name))
        self.args = args
        self.table = own_table(
            f"{name}-table",
            TableArgs(
                hash_key=items.PARTITION_KEY,
                range_key=items.SORT_KEY,
                indexes=[
                    TableIndex(items.PRODUCT_INDEX, *items.PRODUCT_INDEX_KEY),
                    TableIndex(items.CASE_STATUS_INDEX, *items.CASE_STATUS_INDEX_KEY),
                ],
                ttl_attribute=items.EXPIRES_AT,
            ),
            args.deletion_protection,
            self,
        )
        table_arn = self.table.arn
        bus_name = args.bus.bus_name
        prefix = args.name_prefix

        read_reviewer = allow("ReadReviewers", ["cognito-idp:AdminGetUser"], args.user_pool_arn)
        # SendEmail is authorised on the identity and the configuration set.
        email = allow(
            "EmailReviewers",
            ["ses:SendEmail"],
            [args.identity_arn, args.configuration_set_arn],
        )
        self.analysis = self._machine(
            f"{name}-analysis",
            f"{prefix}-review-analysis",
            "EXPRESS",
            REVIEW_ANALYSIS,
            [self.table.name, bus_name],
            lambda v: reviews.analysis(reviews_table=v[0], event_bus=v[1], language=args.language),
            [
                allow(
                    "ReadAndAnalyseReviews", ["dynamodb:GetItem", "dynamodb:UpdateItem"], table_arn
                ),
                # DetectSentiment has no resource-level permissions.
                allow("DetectSentiment", ["comprehend:DetectSentiment"], "*"),
                args.bus.grant_publish(produced_by(REVIEW_ANALYSIS)),
            ],
            "Review analysis failed: a review is not shown until it is analysed",
        )
        self.thanks = self._machine(
            f"{name}-thanks",
            f"{prefix}-review-thanks",
            "EXPRESS",
            REVIEW_THANKS,
            [self.table.name, args.user_pool_id, args.configuration_set_name],
            lambda v: reviews.thanks(
                reviews_table=v[0],
                user_pool_id=v[1],
                sender=args.sender,
                configuration_set=v[2],
            ),
            [
                allow("ClaimThanks", ["dynamodb:UpdateItem"], table_arn),
                read_reviewer,
                email,
            ],
            "Review thanks failed: a reviewer was not thanked",
        )
        self.customer_service = self._machine(
            f"{name}-customer-service",
            f"{prefix}-customer-service",
            "STANDARD",  # it waits days, and runs once per negative review, not per order
            CUSTOMER_SERVICE,
            [
                self.table.name,
                bus_name,
                args.support_topic_arn,
                args.ops_topic_arn,
                args.user_pool_id,
                args.configuration_set_name,
            ],
            lambda v: customer_service.definition(
                reviews_table=v[0],
                event_bus=v[1],
                support_topic_arn=v[2],
                ops_topic_arn=v[3],
                user_pool_id=v[4],
                sender=args.sender,
                configuration_set=v[5],
                escalation_seconds=args.escalation_seconds,
                timeout_seconds=args.timeout_seconds,
            ),
            [
                allow(
                    "KeepCases",
                    ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
                    table_arn,
                ),
                args.bus.grant_publish(produced_by(CUSTOMER_SERVICE)),
                allow(
                    "TellSupportAndOps",
                    ["sns:Publish"],
                    [args.support_topic_arn, args.ops_topic_arn],
                ),
                # The ops topic is encrypted with a key of its own (Operations).
                allow("EncryptForOps", ["kms:GenerateDataKey", "kms:Decrypt"], args.ops_key_arn),
                read_reviewer,
                email,
            ],
            "Customer-service executions failed: a negative review's case needs attention",
        )
        self.resumer = self._machine(
            f"{name}-resumer",
            f"{prefix}-case-resumer",
            "EXPRESS",
            CASE_RESUMER,
            [self.table.name],
            lambda v: customer_service.resumer(reviews_table=v[0]),
            [
                allow("ReadCases", ["dynamodb:GetItem"], table_arn),
                # A service integration's task token names no resource IAM can scope.
                allow("ResumeCases", ["states:SendTaskSuccess"], "*"),
            ],
            "Case resumer failed: a resolved case's workflow waits on",
        )

        self.machines = (self.analysis, self.thanks, self.customer_service, self.resumer)
        # Each machine by the stack outputs' name for it (…Arn, …TargetDlqUrl).
        self.by_output = {
            "reviewAnalysis": self.analysis,
            "reviewThanks": self.thanks,
            "customerService": self.customer_service,
            "caseResumer": self.resumer,
        }
        self.table_name = self.table.name
        self.table_arn = self.table.arn
        self.register_outputs(
            {"table_name": self.table_name, "customer_service_arn": self.customer_service.arn}
        )

    def table_source(self) -> OwnTableSource:
        """The GraphQL API's data source over this table: the resolvers' reads, their
        transactions' writes, and the events they put in the reviews outbox."""
        return OwnTableSource(
            self.table.name,
            self.table.arn,
            item_reads=["dynamodb:GetItem"],
            queried_indexes=[items.PRODUCT_INDEX, items.CASE_STATUS_INDEX],
            item_writes=["dynamodb:PutItem", "dynamodb:UpdateItem"],
            outbox_writes=[
                allow("WriteReviewsOutbox", ["dynamodb:PutItem"], self.args.outbox_table_arn)
            ],
        )

    def _machine(
        self,
        name: str,
        machine_name: str,
        workflow_type: str,
        consumer: str,
        inputs: Sequence[pulumi.Input[str]],
        definition: Definition,
        statements: list[dict[str, Any]],
        alarm_description: str,
    ) -> "Machine":
        """A state machine with its role (exactly `statements`, plus log delivery and
        tracing), its log group and alarms, and the rule that starts it with the
        consumer's events."""
        runs = machine_role(name, self, machine_name, statements)
        built = logged_state_machine(
            name,
            self,
            state_machine_name=machine_name,
            workflow_type=workflow_type,
            role_arn=runs.role.arn,
            definition=pulumi.Output.all(*inputs).apply(
                lambda values: json.dumps(definition(values), indent=2)
            ),
            log_retention_days=self.args.log_retention_days,
            alarm_description=alarm_description,
            depends_on=[runs.policy],
        )
        pattern = rule_pattern(consumer)
        started = started_by_rule(
            name,
            self,
            bus_name=self.args.bus.bus_name,
            event_pattern=pattern,
            description=f"{', '.join(pattern['detail-type'])} → {machine_name}",
            machine_name=machine_name,
            machine_arn=built.state_machine.arn,
        )
        return Machine(built.state_machine, runs.role, started.rule, started.target_dlq)


@dataclass
class Machine:
    state_machine: aws.sfn.StateMachine
    role: aws.iam.Role
    rule: aws.cloudwatch.EventRule
    target_dlq: aws.sqs.Queue

    @property
    def arn(self) -> pulumi.Output[str]:
        return self.state_machine.arn
