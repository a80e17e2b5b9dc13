"""The runbooks' commands (docs/runbooks.md), for a deployed stack or the local cloud.

    python -m scripts.ops [--outputs FILE] replay --from T --to T [--consumer KEY]
    python -m scripts.ops [--outputs FILE] redrive KEY
    python -m scripts.ops [--outputs FILE] reput DLQ_OUTPUT
    python -m scripts.ops [--outputs FILE] story ORDER_ID

Every resource is found from the stack's outputs: `pulumi stack output --json > FILE` for
a deployed stack (AWS credentials from the usual places, the region from the outputs'
ARNs), or the local cloud's own `.localcloud/outputs.json` (the default), which names
its emulator. KEY is a consumer's key in the outputs (`ordering`, `basketEvents`,
`stock`: `<key>QueueUrl`, `<key>DlqUrl`).
"""

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

import components  # noqa: F401 - first: it makes the functions' declarations importable
from ordering.workflow import REFUND_SUFFIX, execution_name

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef, ReplayDestinationTypeDef
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef, SendMessageBatchRequestEntryTypeDef
    from mypy_boto3_stepfunctions import SFNClient
    from mypy_boto3_stepfunctions.type_defs import DescribeExecutionOutputTypeDef

LOCAL_OUTPUTS = Path(".localcloud/outputs.json")
BATCH = 10  # what SQS receives and sends, and PutEvents takes, at most at once
REPLAY_STATES_DONE = {"COMPLETED", "CANCELLED", "FAILED"}
# The DLQs of EventBridge targets (events, not queue messages): the `reput` runbook's.
TARGET_DLQ_OUTPUTS = (
    "orderingTargetDlqUrl",
    "basketEventsTargetDlqUrl",
    "stockTargetDlqUrl",
    "auditDlqUrl",
    "customerNotifierTargetDlqUrl",
    "orderStatusDlqUrl",
    "reviewAnalysisTargetDlqUrl",
    "reviewThanksTargetDlqUrl",
    "customerServiceTargetDlqUrl",
    "caseResumerTargetDlqUrl",
)

Say = Callable[[str], None]


class Stack:
    """The stack's outputs and clients for its account and region."""

    def __init__(self, outputs: Mapping[str, Any]):
        self.outputs = outputs
        local = "awsEndpointUrl" in outputs  # the local cloud names its emulator
        region = outputs["region"] if local else outputs["stateMachineArn"].split(":")[3]
        self.session = (
            boto3.session.Session(
                region_name=region,
                aws_access_key_id="local",
                aws_secret_access_key="local",  # noqa: S106 - the emulator accepts any
            )
            if local
            else boto3.session.Session(region_name=region)
        )
        self.endpoint_url: str | None = outputs["awsEndpointUrl"] if local else None

    @classmethod
    def from_file(cls, path: Path) -> "Stack":
        return cls(json.loads(path.read_text()))

    def events(self) -> "EventBridgeClient":
        return self.session.client("events", endpoint_url=self.endpoint_url)

    def sqs(self) -> "SQSClient":
        return self.session.client("sqs", endpoint_url=self.endpoint_url)

    def stepfunctions(self) -> "SFNClient":
        return self.session.client("stepfunctions", endpoint_url=self.endpoint_url)

    def dynamodb(self) -> "DynamoDBClient":
        return self.session.client("dynamodb", endpoint_url=self.endpoint_url)

    def output(self, key: str) -> str:
        if key not in self.outputs:
            raise SystemExit(f"the stack has no output {key!r}")
        return str(self.outputs[key])


# --- replay ------------------------------------------------------------------------------


def replay(
    stack: Stack, start: datetime, end: datetime, consumer: str | None, say: Say = print
) -> dict[str, Any]:
    """Replay the archive's events of [start, end] to the bus: to every rule, or to the
    rule of one consumer only. Waits until the replay is done; returns its description."""
    events = stack.events()
    bus = stack.output("eventBusName")
    bus_arn = events.describe_event_bus(Name=bus)["Arn"]
    [archive] = events.list_archives(EventSourceArn=bus_arn)["Archives"]
    archive_arn = events.describe_archive(ArchiveName=archive["ArchiveName"])["ArchiveArn"]
    destination: ReplayDestinationTypeDef = {"Arn": bus_arn}
    if consumer:
        destination["FilterArns"] = [_consumer_rule(stack, consumer)]
    name = f"{bus}-{datetime.now(UTC):%Y%m%dT%H%M%S}"[-64:]
    events.start_replay(
        ReplayName=name,
        EventSourceArn=archive_arn,
        EventStartTime=start,
        EventEndTime=end,
        Destination=destination,
    )
    say(f"replay {name}: {archive['ArchiveName']} {start:%Y-%m-%dT%H:%M:%SZ} → {end:%H:%M:%SZ}")
    while True:
        described = events.describe_replay(ReplayName=name)
        if described["State"] in REPLAY_STATES_DONE:
            say(f"replay {name}: {described['State']} {described.get('StateReason', '')}")
            return dict(described)
        time.sleep(5)


def _consumer_rule(stack: Stack, consumer: str) -> str:
    """The ARN of the rule that feeds the consumer's queue."""
    sqs, events = stack.sqs(), stack.events()
    queue_arn = sqs.get_queue_attributes(
        QueueUrl=stack.output(f"{consumer}QueueUrl"), AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    bus = stack.output("eventBusName")
    [rule] = events.list_rule_names_by_target(TargetArn=queue_arn, EventBusName=bus)["RuleNames"]
    return events.describe_rule(Name=rule, EventBusName=bus)["Arn"]


# --- redrive a work queue's DLQ: receive and resend ---------------------------------------


def _messages(
    sqs: "SQSClient", queue_url: str, limit: int | None
) -> Iterator[list["MessageTypeDef"]]:
    """Batches of the queue's messages, each hidden for a minute while it is handled,
    until the queue answers none (or `limit` were taken)."""
    taken = 0
    while limit is None or taken < limit:
        batch = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=BATCH if limit is None else min(BATCH, limit - taken),
            WaitTimeSeconds=1,
            VisibilityTimeout=60,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            return
        taken += len(batch)
        yield batch


def _again(index: int, message: "MessageTypeDef") -> "SendMessageBatchRequestEntryTypeDef":
    """The message as it is sent again: its body and attributes (a new message: SQS counts
    its receives afresh)."""
    entry: SendMessageBatchRequestEntryTypeDef = {"Id": str(index), "MessageBody": message["Body"]}
    if message.get("MessageAttributes"):
        entry["MessageAttributes"] = message["MessageAttributes"]
    return entry


def redrive(stack: Stack, consumer: str, limit: int | None = None, say: Say = print) -> int:
    """Move the consumer's DLQ messages back to its queue: each is sent again (body and
    attributes) and deleted from the DLQ only once the send succeeded. Returns how many."""
    sqs = stack.sqs()
    dlq, queue = stack.output(f"{consumer}DlqUrl"), stack.output(f"{consumer}QueueUrl")
    moved = 0
    for batch in _messages(sqs, dlq, limit):
        sent = sqs.send_message_batch(
            QueueUrl=queue,
            Entries=[_again(index, message) for index, message in enumerate(batch)],
        )
        for failure in sent.get("Failed", []):
            say(f"not moved (it stays in the DLQ): {failure}")
        done = [batch[int(entry["Id"])] for entry in sent.get("Successful", [])]
        if done:
            sqs.delete_message_batch(
                QueueUrl=dlq,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
        moved += len(done)
    say(f"{consumer}: {moved} message(s) moved from its DLQ back to its queue")
    return moved


# --- re-put the events an EventBridge target's DLQ holds ---------------------------------


def reput(stack: Stack, dlq_output: str, limit: int | None = None, say: Say = print) -> int:
    """Put each event held in a target's DLQ on the bus again (its source, detail-type and
    detail; every rule that matches gets it again), and delete it from the DLQ once
    EventBridge accepted it. Returns how many."""
    if dlq_output not in TARGET_DLQ_OUTPUTS:
        raise SystemExit(f"{dlq_output} is not a target DLQ: one of {TARGET_DLQ_OUTPUTS}")
    sqs, events = stack.sqs(), stack.events()
    dlq, bus = stack.output(dlq_output), stack.output("eventBusName")
    reput_count = 0
    for batch in _messages(sqs, dlq, limit):
        held = [json.loads(message["Body"]) for message in batch]
        entries: list[PutEventsRequestEntryTypeDef] = [
            {
                "EventBusName": bus,
                "Source": event["source"],
                "DetailType": event["detail-type"],
                "Detail": json.dumps(event["detail"]),
                "Resources": event.get("resources", []),
            }
            for event in held
        ]
        results = events.put_events(Entries=entries)["Entries"]
        accepted = []
        for message, result in zip(batch, results, strict=True):
            if result.get("ErrorCode"):
                say(f"not re-put (it stays in the DLQ): {result}")
            else:
                accepted.append(message)
        if accepted:
            sqs.delete_message_batch(
                QueueUrl=dlq,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(accepted)
                ],
            )
        reput_count += len(accepted)
    say(f"{dlq_output}: {reput_count} event(s) put on {bus} again")
    return reput_count


# --- an order's story ---------------------------------------------------------------------


def audit_events(stack: Stack, order_id: str) -> list[dict[str, Any]]:
    """The order's events as the audit kept them (once per event id), in the order they
    reached the bus."""
    query: dict[str, Any] = {
        "TableName": stack.output("auditTableName"),
        "KeyConditionExpression": "correlationId = :order",
        "ExpressionAttributeValues": {":order": {"S": order_id}},
    }
    found: list[dict[str, Any]] = []
    while True:
        page = stack.dynamodb().query(**query)
        found += [{k: next(iter(v.values())) for k, v in item.items()} for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    # EventBridge's time has whole seconds; the recorder's orders the events of one second.
    found.sort(key=lambda event: (event["time"], event["recordedAt"]))
    return found


def order_executions(stack: Stack, order_id: str) -> list["DescribeExecutionOutputTypeDef"]:
    """The order's workflow executions that exist: the order workflow's (named after the
    order), its re-drives' ({orderId}-r1, -r2, …: the sweeper's) until one is missing, and
    the refund workflow's ({orderId}-refund)."""
    sfn = stack.stepfunctions()
    found: list[DescribeExecutionOutputTypeDef] = []

    def add(output: str, name: str) -> bool:
        execution = f"{stack.output(output).replace(':stateMachine:', ':execution:')}:{name}"
        try:
            found.append(sfn.describe_execution(executionArn=execution))
        except sfn.exceptions.ExecutionDoesNotExist:
            return False
        return True

    add("stateMachineArn", order_id)
    redrive = 1
    while add("stateMachineArn", execution_name(order_id, redrive)):
        redrive += 1
    add("refundStateMachineArn", f"{order_id}{REFUND_SUFFIX}")
    return found


def story(stack: Stack, order_id: str, say: Say = print) -> list[dict[str, Any]]:
    """The order's events as the audit kept them (once per event id), in the order they
    reached the bus, and its workflow executions; then where the functions' lines about it
    are. Returns the events."""
    found = audit_events(stack, order_id)
    say(f"events of order {order_id} ({stack.output('auditTableName')}):")
    for event in found:
        say(f"  {event['time']}  {event['detailType']}  ({event['eventId']})")
    for described in order_executions(stack, order_id):
        say(f"execution {described['name']}: {described['status']} ({described['executionArn']})")
    say(
        "function log lines: CloudWatch Logs Insights over /aws/lambda/<prefix>-*, "
        f"filter correlation_id = '{order_id}' (docs/runbooks.md)"
    )
    return found


# --- the command line -----------------------------------------------------------------------


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.ops", description=__doc__)
    parser.add_argument(
        "--outputs",
        type=Path,
        default=LOCAL_OUTPUTS,
        help="the stack's outputs as JSON (pulumi stack output --json); default: the local cloud's",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    replaying = commands.add_parser("replay", help="replay the archive's events of a window")
    replaying.add_argument("--from", dest="start", type=_moment, required=True)
    replaying.add_argument("--to", dest="end", type=_moment, required=True)
    replaying.add_argument("--consumer", help="only to this consumer's rule (e.g. ordering)")
    redriving = commands.add_parser("redrive", help="a work queue's DLQ back to the queue")
    redriving.add_argument("consumer", help="ordering, basketEvents or stock")
    redriving.add_argument("--max", type=int, help="at most this many messages")
    reputting = commands.add_parser("reput", help="a target DLQ's events back onto the bus")
    reputting.add_argument("dlq", choices=TARGET_DLQ_OUTPUTS)
    reputting.add_argument("--max", type=int, help="at most this many events")
    telling = commands.add_parser("story", help="an order's events and executions")
    telling.add_argument("order_id")
    args = parser.parse_args(argv)

    stack = Stack.from_file(args.outputs)
    if args.command == "replay":
        done = replay(stack, args.start, args.end, args.consumer)
        return 0 if done["State"] == "COMPLETED" else 1
    if args.command == "redrive":
        redrive(stack, args.consumer, args.max)
    elif args.command == "reput":
        reput(stack, args.dlq, args.max)
    else:
        story(stack, args.order_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
