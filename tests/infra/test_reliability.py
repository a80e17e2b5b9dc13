"""The reliability defaults (docs/architecture.md#reliability), on every resource
they apply to, in every stack."""

import json

from tests.infra.helpers import (
    ESM,
    FUNCTION,
    PIPE,
    QUEUE,
    RULE,
    TARGET,
    queue_by_arn,
    redrive,
)

FOURTEEN_DAYS = 14 * 24 * 3600


def dead_letter_arns(deployment) -> set[str]:
    from_queues = {
        redrive(q)["deadLetterTargetArn"] for q in deployment.of_type(QUEUE) if redrive(q)
    }
    from_targets = {t.inputs["deadLetterConfig"]["arn"] for t in deployment.of_type(TARGET)}
    from_pipes = {
        p.inputs["sourceParameters"]["dynamodbStreamParameters"]["deadLetterConfig"]["arn"]
        for p in deployment.of_type(PIPE)
    }
    return from_queues | from_targets | from_pipes


def consumers(deployment) -> int:
    return len(deployment.of_type("shop:index:QueueConsumer"))


def outboxes(deployment) -> int:
    return len(deployment.of_type("shop:index:Outbox"))


def test_every_queue_that_is_not_a_dlq_redrives_to_one_after_at_least_5_receives(deployment):
    dlqs = dead_letter_arns(deployment)
    work_queues = [q for q in deployment.of_type(QUEUE) if q.outputs["arn"] not in dlqs]

    assert len(work_queues) == consumers(deployment)  # a queue per consumer, no other
    for queue in work_queues:
        policy = redrive(queue)
        assert policy is not None, queue.name
        assert policy["maxReceiveCount"] >= 5, queue.name
        assert policy["deadLetterTargetArn"] in dlqs, queue.name


def test_every_dlq_keeps_messages_14_days_and_has_an_alarm(deployment):
    dlqs = dead_letter_arns(deployment)
    alarms = deployment.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    # per consumer its queue's DLQ and its rule target's DLQ, per outbox its pipe's, the
    # audit target's, the customer notifier's target's and the order-status push's
    assert len(dlqs) == 2 * consumers(deployment) + outboxes(deployment) + 3
    for arn in dlqs:
        dlq = queue_by_arn(deployment, arn)
        assert dlq.inputs["messageRetentionSeconds"] == FOURTEEN_DAYS, dlq.name
        assert any(
            a.inputs.get("dimensions") == {"QueueName": dlq.outputs["name"]}
            and a.inputs.get("metricName") == "ApproximateNumberOfMessagesVisible"
            for a in alarms
        ), dlq.name


def test_every_queue_is_encrypted(deployment):
    for queue in deployment.of_type(QUEUE):
        assert queue.inputs.get("sqsManagedSseEnabled") or queue.inputs.get("kmsMasterKeyId"), (
            queue.name
        )


def test_visibility_timeout_is_at_least_six_times_the_consumer_timeout(deployment):
    mappings = deployment.of_type(ESM)
    assert len(mappings) == consumers(deployment)
    for mapping in mappings:
        queue = queue_by_arn(deployment, mapping.inputs["eventSourceArn"])
        function = deployment.with_output("arn", mapping.inputs["functionName"], FUNCTION)
        assert queue.inputs["visibilityTimeoutSeconds"] >= 6 * function.inputs["timeout"]


def test_event_source_mappings_report_batch_item_failures_and_cap_concurrency(deployment):
    for mapping in deployment.of_type(ESM):
        assert mapping.inputs["functionResponseTypes"] == ["ReportBatchItemFailures"]
        assert 2 <= mapping.inputs["scalingConfig"]["maximumConcurrency"] <= 1000
        assert 1 <= mapping.inputs["batchSize"] <= 10


def test_every_eventbridge_target_has_a_dlq_and_an_explicit_retry_policy(deployment):
    targets = deployment.of_type(TARGET)
    # a rule per consumer, the audit rule, the customer notifier's and the order-status push's
    assert len(targets) == len(deployment.of_type(RULE)) == consumers(deployment) + 3
    for target in targets:
        queue_by_arn(deployment, target.inputs["deadLetterConfig"]["arn"])  # exists, is a queue
        retry = target.inputs["retryPolicy"]
        assert retry["maximumRetryAttempts"] > 0
        assert retry["maximumEventAgeInSeconds"] >= 60


def test_queues_and_dlqs_accept_messages_only_from_their_own_rule(deployment):
    policies = deployment.of_type("aws:sqs/queuePolicy:QueuePolicy")
    for target in deployment.of_type(TARGET):
        rule = deployment.with_output("name", target.inputs["rule"], RULE)
        for queue_arn in (target.inputs["arn"], target.inputs["deadLetterConfig"]["arn"]):
            if not queue_arn.startswith("arn:aws:sqs"):
                continue  # the audit target is a log group
            queue = queue_by_arn(deployment, queue_arn)
            [policy] = [p for p in policies if p.inputs["queueUrl"] == queue.outputs["url"]]
            [statement] = json.loads(policy.inputs["policy"])["Statement"]
            assert statement["Principal"] == {"Service": "events.amazonaws.com"}
            assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == rule.outputs["arn"]


def test_every_pipe_retries_explicitly_then_sends_to_its_own_dlq(deployment):
    pipes = deployment.of_type(PIPE)
    assert len(pipes) == outboxes(deployment) >= 1
    dlqs = [
        p.inputs["sourceParameters"]["dynamodbStreamParameters"]["deadLetterConfig"]["arn"]
        for p in pipes
    ]
    assert len(set(dlqs)) == len(pipes)  # each its own
    for pipe in pipes:
        stream = pipe.inputs["sourceParameters"]["dynamodbStreamParameters"]
        assert 1 <= stream["maximumRetryAttempts"] <= 10_000, pipe.name
        assert stream["maximumRecordAgeInSeconds"] >= 60, pipe.name
        assert stream["onPartialBatchItemFailure"] == "AUTOMATIC_BISECT", pipe.name
        assert stream["startingPosition"] == "TRIM_HORIZON", pipe.name
        dlq = queue_by_arn(deployment, stream["deadLetterConfig"]["arn"])
        assert dlq.inputs["messageRetentionSeconds"] == FOURTEEN_DAYS
        assert dlq.inputs["sqsManagedSseEnabled"] is True
