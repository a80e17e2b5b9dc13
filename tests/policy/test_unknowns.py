"""Unknown values, as a real preview sends them: a policy that cannot read what it
judges decides nothing (the engine's advisory "can't run policy during preview"); it
neither passes nor fails, and still judges what it can read."""

import dataclasses
from typing import Any

from pulumi_policy.proxy import (
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
)

from policy.evaluate import evaluate
from policy.shop_policies import POLICIES
from tests.infra.mocks import Deployment, Registered
from tests.policy.planting import in_json, planted, run, with_resources
from tests.policy.test_policies import setting


def test_an_unknown_input_is_undecided_not_passed_or_failed(dev):
    queue = planted(
        dev.named("ordering-queue"),
        lambda props: props.update(sqsManagedSseEnabled=False, kmsMasterKeyId=UNKNOWN_STRING_VALUE),
    )

    report = run("sqs-queue-encrypted", [queue])

    assert report.violations == []
    [(policy, why)] = report.undecided
    assert policy == "sqs-queue-encrypted"
    assert "kmsMasterKeyId" in why


def test_an_unknown_that_does_not_matter_is_not_read(dev):
    """SQS-managed encryption is on: the unknown key would change nothing."""
    queue = planted(dev.named("ordering-queue"), setting("kmsMasterKeyId", UNKNOWN_STRING_VALUE))

    report = run("sqs-queue-encrypted", [queue])

    assert (report.violations, report.undecided) == ([], [])


def test_what_is_known_beside_an_unknown_is_still_judged(dev):
    function = planted(
        dev.named("basket-api-function"),
        lambda props: props.update(timeout=60, runtime=UNKNOWN_STRING_VALUE),
    )

    report = run("lambda-function-defaults", [function])

    assert report.of("lambda-function-defaults") == [
        "Function 'basket-api-function': timeout is 60: set it explicitly, 1 to 30 s"
    ]
    [(_, why)] = report.undecided
    assert ".runtime" in why


def test_a_stack_policy_judges_each_resource_on_its_own(dev):
    """A DLQ's own ARN is unknown: whether something uses it as a DLQ cannot be told;
    another queue's violation is still reported."""
    unknown_arn = planted(dev.named("stock-target-dlq"), setting("arn", UNKNOWN_STRING_VALUE))
    too_few_receives = planted(
        dev.named("ordering-queue"), in_json("redrivePolicy", lambda d: d.update(maxReceiveCount=2))
    )

    report = run("sqs-work-queue-redrive", with_resources(dev, unknown_arn, too_few_receives))

    assert report.of("sqs-work-queue-redrive") == [
        "Queue 'ordering-queue': redrivePolicy.maxReceiveCount is 2: at least 5, so a passing "
        "fault does not send a message to the DLQ"
    ]
    [(_, why)] = report.undecided
    assert ".arn" in why


def test_an_unknown_reference_leaves_the_queues_it_might_name_undecided(dev):
    """A target's DLQ ARN is unknown: a queue no known reference names might be its DLQ."""
    target = planted(dev.named("stock-target"), setting("deadLetterConfig", UNKNOWN_OBJECT_VALUE))

    report = run("sqs-work-queue-redrive", with_resources(dev, target))

    assert report.violations == []
    assert [policy for policy, _ in report.undecided] == ["sqs-work-queue-redrive"]


def unknown(value: Any) -> str:
    """The sentinel the engine sends for a value of this kind that is not known yet."""
    if isinstance(value, bool):
        return UNKNOWN_BOOLEAN_VALUE
    if isinstance(value, int | float):
        return UNKNOWN_NUMBER_VALUE
    if isinstance(value, list):
        return UNKNOWN_ARRAY_VALUE
    if isinstance(value, dict):
        return UNKNOWN_OBJECT_VALUE
    return UNKNOWN_STRING_VALUE


def as_first_preview(deployment: Deployment) -> list[Registered]:
    """The stack as a first `pulumi preview` shows it: what providers compute (ARNs,
    URLs, ids, auto-names) is unknown, and so is every input built from it (a policy
    document naming an ARN, a definition naming a table)."""

    def strings(value: Any) -> set[str]:
        if isinstance(value, str):
            return {value}
        items = value.values() if isinstance(value, dict) else value
        return set().union(*map(strings, items)) if isinstance(value, dict | list) else set()

    computed: set[str] = set()
    for r in deployment.resources:
        given = strings(r.inputs)
        # an id is the provider's, unless it is a name the program gave
        computed |= {r.id} - given
        computed |= strings({k: v for k, v in r.outputs.items() if k not in r.inputs}) - given

    def hide(value: Any) -> Any:
        if isinstance(value, str):
            return UNKNOWN_STRING_VALUE if any(c and c in value for c in computed) else value
        if isinstance(value, dict):
            return {k: hide(v) for k, v in value.items()}
        if isinstance(value, list):
            return [hide(v) for v in value]
        return value

    preview = []
    for r in deployment.resources:
        inputs = hide(r.inputs)
        outputs = {k: inputs[k] if k in r.inputs else unknown(v) for k, v in r.outputs.items()}
        preview.append(dataclasses.replace(r, inputs=inputs, outputs=outputs))
    return preview


def test_a_first_preview_fails_nothing_it_cannot_know(dev):
    report = evaluate(POLICIES, as_first_preview(dev))

    assert report.violations == []
    undecided = {policy for policy, _ in report.undecided}
    # the cross-resource rules wait for the ARNs; rules on literal settings are judged
    assert {"sqs-work-queue-redrive", "lambda-own-role-and-log-group"} <= undecided
    assert "dynamodb-table-defaults" not in undecided


def test_a_first_preview_still_fails_a_violation_in_what_it_knows(dev):
    preview = as_first_preview(dev)
    [table] = [r for r in preview if r.name == "orders-table"]
    unprotected = planted(table, setting("pointInTimeRecovery.enabled", False))

    report = evaluate(POLICIES, [unprotected if r is table else r for r in preview])

    assert [v.message for v in report.mandatory] == [
        "Table 'orders-table': pointInTimeRecovery is not enabled: the table could not be restored"
    ]
