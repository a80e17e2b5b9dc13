"""Outbox: a producer's outbox table and the pipe that puts its events on the bus
(docs/architecture.md#the-outbox).

The producer writes each change and an outbox item in one DynamoDB transaction
(functions/shop_common/outbox.py). The table's stream (new images) feeds an
EventBridge pipe, with no Lambda function: it passes on INSERTs only, and its
target puts each on the shop bus with the producer's one source, the item's
detail-type, and the item's detail as the event's detail. The pipe's role may read
only its stream, publish only that source, and send only to its own DLQ, which
holds the batches it could not deliver after its retries. Items expire (TTL) a week
after they were written.
"""

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.event_bus import EventBus
from components.iam import allow, assume_role_policy, policy_document
from components.pipeline import pipeline_options
from components.queues import dead_letter_queue
from components.tables import TableArgs, own_table
from shop_common import outbox
from shop_common.contracts import produced_by
from shop_common.settings import Env

# Only new outbox items become events: a rewrite of an item (the same event id again)
# is a MODIFY, and its expiry a REMOVE; neither is passed on.
INSERTS_ONLY = {"eventName": ["INSERT"]}
# The pipe's target input: the item's detail (JSON text) placed as it is, unquoted, so the
# event's detail is that JSON object, not a string holding it.
DETAIL_TEMPLATE = f"<$.dynamodb.NewImage.{outbox.DETAIL}.S>"
DETAIL_TYPE_PATH = f"$.dynamodb.NewImage.{outbox.DETAIL_TYPE}.S"
# Explicit retry settings: a batch whose delivery fails is retried (halved on each
# failure, to find the record at fault) 10 times, for at most an hour; then the pipe
# sends a description of it to its DLQ, and the stream moves on.
PIPE_MAXIMUM_RETRY_ATTEMPTS = 10
PIPE_MAXIMUM_RECORD_AGE_SECONDS = 60 * 60
PIPE_BATCH_SIZE = 10


@dataclass
class OutboxArgs:
    bus: EventBus
    producer: str  # the handler module that writes it: its events' one source
    deletion_protection: bool = False

    @property
    def source(self) -> str:
        sources = produced_by(self.producer)
        if len(sources) != 1:
            raise ValueError(f"an outbox carries one source; {self.producer} has {sources}")
        return next(iter(sources)).value


class Outbox(pulumi.ComponentResource):
    table_name: pulumi.Output[str]
    table_arn: pulumi.Output[str]
    stream_arn: pulumi.Output[str]
    pipe_arn: pulumi.Output[str]
    dlq_url: pulumi.Output[str]

    def __init__(self, name: str, args: OutboxArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("shop:index:Outbox", name, None, pipeline_options(opts, name))
        child = pulumi.ResourceOptions(parent=self)
        self.source = args.source

        self.table = own_table(
            f"{name}-table",
            TableArgs(
                hash_key=outbox.KEY, stream_view_type="NEW_IMAGE", ttl_attribute=outbox.EXPIRES_AT
            ),
            args.deletion_protection,
            self,
        )
        self.dlq = dead_letter_queue(f"{name}-dlq", self)
        self.role = aws.iam.Role(
            f"{name}-pipe-role",
            assume_role_policy=assume_role_policy("pipes.amazonaws.com"),
            description=pulumi.Output.concat("Puts the events of ", self.source, " on the bus"),
            opts=child,
        )
        self.policy = aws.iam.RolePolicy(
            f"{name}-pipe-policy",
            role=self.role.id,
            policy=policy_document(
                [
                    allow(
                        "ReadOwnStream",
                        [
                            "dynamodb:DescribeStream",
                            "dynamodb:GetRecords",
                            "dynamodb:GetShardIterator",
                        ],
                        self.table.stream_arn,
                    ),
                    # Pipes lists streams too; ListStreams has no resource-level permission
                    # and reads no records.
                    allow("ListStreams", ["dynamodb:ListStreams"], "*"),
                    allow("SendToOwnDlq", ["sqs:SendMessage"], self.dlq.arn),
                    args.bus.grant_publish([self.source]),
                ]
            ),
            opts=child,
        )
        self.pipe = aws.pipes.Pipe(
            f"{name}-pipe",
            description=f"{args.producer}'s outbox → the shop bus, as {self.source}",
            role_arn=self.role.arn,
            source=self.table.stream_arn,
            source_parameters={
                "filter_criteria": {"filters": [{"pattern": json.dumps(INSERTS_ONLY)}]},
                "dynamodb_stream_parameters": {
                    # From the oldest record: items written before the pipe ran are not lost.
                    "starting_position": "TRIM_HORIZON",
                    "batch_size": PIPE_BATCH_SIZE,
                    "maximum_batching_window_in_seconds": 0,
                    "maximum_retry_attempts": PIPE_MAXIMUM_RETRY_ATTEMPTS,
                    "maximum_record_age_in_seconds": PIPE_MAXIMUM_RECORD_AGE_SECONDS,
                    "on_partial_batch_item_failure": "AUTOMATIC_BISECT",
                    "parallelization_factor": 1,  # in order, per item key
                    "dead_letter_config": {"arn": self.dlq.arn},
                },
            },
            target=args.bus.bus_arn,
            target_parameters={
                "input_template": DETAIL_TEMPLATE,
                "eventbridge_event_bus_parameters": {
                    "source": self.source,
                    "detail_type": DETAIL_TYPE_PATH,
                },
            },
            # The role must be able to read the stream before the pipe starts.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.policy]),
        )

        self.table_name = self.table.name
        self.table_arn = self.table.arn
        self.stream_arn = self.table.stream_arn
        self.pipe_arn = self.pipe.arn
        self.dlq_url = self.dlq.url
        self.register_outputs(
            {
                "table_name": self.table_name,
                "stream_arn": self.stream_arn,
                "pipe_arn": self.pipe_arn,
                "dlq_url": self.dlq_url,
            }
        )

    def writer(self) -> tuple[dict[str, pulumi.Input[str]], dict[str, Any]]:
        """The producer's environment and grant: it may only add items to this outbox
        (the transaction's Put), never read or publish."""
        return {Env.OUTBOX_TABLE_NAME: self.table_name}, allow(
            "WriteOwnOutbox", ["dynamodb:PutItem"], self.table_arn
        )
