"""QueueConsumer: events matching a pattern → rule → queue → Lambda consumer.

Nothing is lost on the way: the rule's target has its own DLQ and an explicit
retry policy; the queue redrives to a DLQ after max_receive_count receives; the
event source mapping reports partial batch failures (only failed records are
retried) and caps the consumer's concurrency. The visibility timeout is six
times the function timeout plus the batching window, as AWS recommends.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alarms import above
from components.event_bus import EventBus
from components.function import FunctionSettings, service_function
from components.iam import allow
from components.queues import allow_rule_to_send, dead_letter_queue, guarded_target
from components.tables import TableArgs

MAPPING_CONCURRENCY = (2, 1000)  # what an SQS event source mapping's maximum accepts


@dataclass
class QueueConsumerArgs:
    bus: EventBus
    event_pattern: Mapping[str, Any]
    handler_module: str
    settings: FunctionSettings
    description: str = ""
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    policy_statements: Sequence[Mapping[str, Any]] = ()
    batch_size: int = 10
    batching_window_seconds: int = 0  # AWS default: invoke as soon as messages arrive
    max_concurrency: int = 5
    max_receive_count: int = 5
    table: TableArgs | None = None  # a table of the consumer's own (its TABLE_NAME)
    deletion_protection: bool = False

    def __post_init__(self) -> None:
        if self.max_receive_count < 5:
            raise ValueError("max_receive_count must be at least 5 (see docs/architecture.md)")
        low, high = MAPPING_CONCURRENCY
        if not low <= self.max_concurrency <= high:
            raise ValueError(f"max_concurrency must be between {low} and {high} (an SQS ESM's)")


class QueueConsumer(pulumi.ComponentResource):
    queue_url: pulumi.Output[str]
    dlq_url: pulumi.Output[str]
    target_dlq_url: pulumi.Output[str]
    function_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: QueueConsumerArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("shop:index:QueueConsumer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.dlq = dead_letter_queue(f"{name}-dlq", self)
        function_timeout = args.settings.timeout_seconds
        visibility_timeout = 6 * function_timeout + args.batching_window_seconds
        self.queue = aws.sqs.Queue(
            f"{name}-queue",
            visibility_timeout_seconds=visibility_timeout,
            redrive_policy=pulumi.Output.json_dumps(
                {"deadLetterTargetArn": self.dlq.arn, "maxReceiveCount": args.max_receive_count}
            ),
            sqs_managed_sse_enabled=True,
            opts=child,
        )
        # A message retried until its last receive is at most this old when it leaves
        # for the DLQ: an older one is not being received at all (the consumer is
        # throttled, failing before it reports, or its mapping is off).
        self.age_threshold_seconds = args.max_receive_count * visibility_timeout
        self.age_alarm = above(
            f"{name}-age-alarm",
            self,
            description=pulumi.Output.concat(
                "Messages wait unconsumed in ",
                self.queue.name,
                f" (oldest above {self.age_threshold_seconds} s)",
            ),
            namespace="AWS/SQS",
            metric_name="ApproximateAgeOfOldestMessage",
            dimensions={"QueueName": self.queue.name},
            threshold=self.age_threshold_seconds,
        )
        self.rule = aws.cloudwatch.EventRule(
            f"{name}-rule",
            description=args.description,
            event_bus_name=args.bus.bus_name,
            event_pattern=json.dumps(args.event_pattern),
            opts=child,
        )
        self.queue_policy = allow_rule_to_send(
            f"{name}-queue-policy", self.queue, self.rule.arn, self
        )
        self.target, self.target_dlq = guarded_target(
            f"{name}-target",
            f"{name}-target-dlq",
            self,
            rule=self.rule,
            event_bus_name=args.bus.bus_name,
            arn=self.queue.arn,
            ready=self.queue_policy,
        )
        consume = allow(
            "ConsumeOwnQueue",
            ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            self.queue.arn,
        )
        self.consumer, self.table = service_function(name, "consumer", self, args, [consume])
        self.event_source_mapping = aws.lambda_.EventSourceMapping(
            f"{name}-esm",
            event_source_arn=self.queue.arn,
            function_name=self.consumer.arn,
            batch_size=args.batch_size,
            maximum_batching_window_in_seconds=args.batching_window_seconds,
            function_response_types=["ReportBatchItemFailures"],
            scaling_config={"maximum_concurrency": args.max_concurrency},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.consumer]),
        )

        self.table_name = self.table.name if self.table else None
        self.queue_url = self.queue.url
        self.dlq_url = self.dlq.url
        self.target_dlq_url = self.target_dlq.url
        self.function_name = self.consumer.function_name
        self.register_outputs(
            {
                "queue_url": self.queue_url,
                "dlq_url": self.dlq_url,
                "target_dlq_url": self.target_dlq_url,
                "function_name": self.function_name,
            }
        )
