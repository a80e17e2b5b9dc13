"""The reliability defaults (docs/architecture.md#reliability) are the policy pack's
rules (policy/shop_policies.py), which tests/infra/test_policy_pack.py evaluates on every
stack. What stays here is what the pack cannot know: how many of each the program makes."""

from tests.infra.helpers import ESM, PIPE, QUEUE, RULE, SCHEDULE, TARGET, redrive


def dead_letter_arns(deployment) -> set[str]:
    from_queues = {
        redrive(q)["deadLetterTargetArn"] for q in deployment.of_type(QUEUE) if redrive(q)
    }
    from_targets = {t.inputs["deadLetterConfig"]["arn"] for t in deployment.of_type(TARGET)}
    from_pipes = {
        p.inputs["sourceParameters"]["dynamodbStreamParameters"]["deadLetterConfig"]["arn"]
        for p in deployment.of_type(PIPE)
    }
    from_schedules = {
        s.inputs["target"]["deadLetterConfig"]["arn"] for s in deployment.of_type(SCHEDULE)
    }
    return from_queues | from_targets | from_pipes | from_schedules


def consumers(deployment) -> int:
    return len(deployment.of_type("shop:index:QueueConsumer"))


def outboxes(deployment) -> int:
    return len(deployment.of_type("shop:index:Outbox"))


def test_each_consumer_outbox_and_rule_has_its_queues_dlqs_and_targets(deployment):
    """How many the components make, so that none goes missing unnoticed; the policy
    pack holds each to the defaults (DLQs, redrive, retention, alarms, retries)."""
    dlqs = dead_letter_arns(deployment)
    work_queues = [q for q in deployment.of_type(QUEUE) if q.outputs["arn"] not in dlqs]

    assert len(work_queues) == consumers(deployment)  # a queue per consumer, no other
    # per consumer its queue's DLQ and its rule target's DLQ, per outbox its pipe's, per
    # schedule its own, the audit recorder's target's, the customer notifier's target's, the
    # order-status push's and the reviews' four machines' targets'
    schedules = len(deployment.of_type(SCHEDULE))
    assert schedules >= 1
    assert len(dlqs) == 2 * consumers(deployment) + outboxes(deployment) + schedules + 3 + 4
    assert len(deployment.of_type(ESM)) == consumers(deployment)
    # a rule per consumer, the audit recorder's, the customer notifier's, the order-status
    # push's and one per review state machine
    assert (
        len(deployment.of_type(TARGET))
        == len(deployment.of_type(RULE))
        == consumers(deployment) + 3 + 4
    )
    assert len(deployment.of_type(PIPE)) == outboxes(deployment) >= 1
