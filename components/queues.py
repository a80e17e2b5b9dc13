"""SQS building blocks shared by components (helpers, not components): dead-letter
queues that keep messages 14 days and raise an alarm, the queue policy that
lets one EventBridge rule deliver to a queue, and EventBridge targets that
cannot be created without their DLQ and retry policy (docs/architecture.md#reliability)."""

import pulumi
import pulumi_aws as aws

from components.alarms import at_least_one
from components.iam import policy_document

DLQ_RETENTION_SECONDS = 14 * 24 * 60 * 60
# EventBridge retries a failing delivery with backoff for up to a day, then
# hands the event to the target's DLQ: explicit rather than the implicit default.
EVENT_TARGET_RETRY_POLICY: aws.cloudwatch.EventTargetRetryPolicyArgsDict = {
    "maximum_event_age_in_seconds": 24 * 60 * 60,
    "maximum_retry_attempts": 185,
}


def dead_letter_queue(name: str, parent: pulumi.Resource) -> aws.sqs.Queue:
    """An encrypted queue that keeps failed messages 14 days, with an alarm when used."""
    queue = aws.sqs.Queue(
        name,
        message_retention_seconds=DLQ_RETENTION_SECONDS,
        sqs_managed_sse_enabled=True,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    at_least_one(
        f"{name}-alarm",
        parent,
        description=pulumi.Output.concat("Messages are waiting in ", queue.name),
        namespace="AWS/SQS",
        metric_name="ApproximateNumberOfMessagesVisible",
        dimensions={"QueueName": queue.name},
        statistic="Maximum",
    )
    return queue


def allow_rule_to_send(
    name: str, queue: aws.sqs.Queue, rule_arn: pulumi.Input[str], parent: pulumi.Resource
) -> aws.sqs.QueuePolicy:
    """Only this EventBridge rule may send to the queue."""
    return aws.sqs.QueuePolicy(
        name,
        queue_url=queue.url,
        policy=policy_document(
            [
                {
                    "Sid": "EventBridgeRuleDelivers",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue.arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
                }
            ]
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def guarded_target(
    name: str,
    dlq_name: str,
    parent: pulumi.Resource,
    rule: aws.cloudwatch.EventRule,
    event_bus_name: pulumi.Input[str],
    arn: pulumi.Input[str],
    ready: pulumi.Resource,
    role_arn: pulumi.Input[str] | None = None,
    appsync_target: aws.cloudwatch.EventTargetAppsyncTargetArgsDict | None = None,
    input_transformer: aws.cloudwatch.EventTargetInputTransformerArgsDict | None = None,
) -> tuple[aws.cloudwatch.EventTarget, aws.sqs.Queue]:
    """The rule's target `arn`, with its own DLQ (that only this rule may fill) and
    the explicit retry policy; `ready` is what must exist before delivery can work
    (the target's own resource policy, or the policy of `role_arn`, the role
    EventBridge assumes for targets such as state machines)."""
    dlq = dead_letter_queue(dlq_name, parent)
    dlq_policy = allow_rule_to_send(f"{dlq_name}-policy", dlq, rule.arn, parent)
    target = aws.cloudwatch.EventTarget(
        name,
        rule=rule.name,
        event_bus_name=event_bus_name,
        arn=arn,
        dead_letter_config={"arn": dlq.arn},
        retry_policy=EVENT_TARGET_RETRY_POLICY,
        role_arn=role_arn,
        appsync_target=appsync_target,
        input_transformer=input_transformer,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[ready, dlq_policy]),
    )
    return target, dlq
