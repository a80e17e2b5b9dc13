"""The audit as the program deploys it: a rule on every shop event, an EXPRESS state
machine that makes one conditional PutItem, the audit service's table with its TTL, no
Lambda anywhere in the pipeline, and roles that grant exactly what the definition calls."""

import json
from dataclasses import replace

import pytest

from audit.repository import EXPIRES_AT, KEY
from shop_common.contracts import EVENTS, PERSONAL_DATA, DetailType
from tests.infra.helpers import ESM, FUNCTION, PIPE, ROLE, ROLE_POLICY, RULE, TABLE, TARGET
from workflows import audit

STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
# What each optimised integration a definition may call is, as an IAM action.
TASK_ACTIONS = {
    "arn:aws:states:::dynamodb:putItem": "dynamodb:PutItem",
    "arn:aws:states:::dynamodb:getItem": "dynamodb:GetItem",
    "arn:aws:states:::dynamodb:updateItem": "dynamodb:UpdateItem",
}


def policy_of(deployment, role_arn: str) -> list[dict]:
    role = deployment.with_output("arn", role_arn, ROLE)
    [policy] = [
        p for p in deployment.of_type(ROLE_POLICY) if p.inputs["role"] == role.outputs["name"]
    ]
    return json.loads(policy.inputs["policy"])["Statement"]


def recorder(deployment):
    return deployment.named("audit-recorder-state-machine")


def audit_table(deployment):
    return deployment.with_output("name", deployment.outputs["auditTableName"], TABLE)


def pipeline(deployment) -> list:
    """Every resource of the audit pipeline: the recorder's (its rule, target, roles,
    machine, DLQ, alarms, log group) and the table it writes."""
    owned = [r for r in deployment.resources if "shop:index:AuditRecorder" in r.parent_types]
    return [*owned, audit_table(deployment)]


def test_no_lambda_function_is_a_target_integration_or_data_source_of_the_pipeline(deployment):
    functions = deployment.of_type(FUNCTION)
    names = {f.outputs["name"] for f in functions} | {f.outputs["arn"] for f in functions}
    resources = pipeline(deployment)

    assert {r.typ for r in resources} >= {RULE, TARGET, STATE_MACHINE, TABLE}
    for resource in resources:
        text = json.dumps([resource.inputs, resource.outputs])
        assert "lambda" not in text.lower(), resource.name
        assert not any(name in text for name in names), resource.name
    table = audit_table(deployment)
    # nothing reads the table's changes: it has no stream for a mapping or a pipe to read
    assert not table.inputs.get("streamEnabled")
    sources = [m.inputs["eventSourceArn"] for m in deployment.of_type(ESM)]
    sources += [p.inputs["source"] for p in deployment.of_type(PIPE)]
    assert not [source for source in sources if source.startswith(table.outputs["arn"])]


def test_every_shop_event_starts_the_recorder_with_retries_and_a_dlq(deployment):
    rule = deployment.named("audit-recorder-rule")
    [archive] = deployment.of_type("aws:cloudwatch/eventArchive:EventArchive")
    [target] = [t for t in deployment.of_type(TARGET) if t.inputs["rule"] == rule.outputs["name"]]

    assert rule.inputs["eventBusName"] == deployment.outputs["eventBusName"]
    assert json.loads(rule.inputs["eventPattern"]) == json.loads(archive.inputs["eventPattern"])
    assert json.loads(rule.inputs["eventPattern"]) == {"source": [{"prefix": "shop."}]}
    assert target.inputs["arn"] == recorder(deployment).outputs["arn"]
    assert "inputTransformer" not in target.inputs  # the machine keeps only what it may
    dlq = deployment.with_output(
        "arn", target.inputs["deadLetterConfig"]["arn"], "aws:sqs/queue:Queue"
    )
    assert deployment.outputs["auditDlqUrl"] == dlq.outputs["url"]
    assert target.inputs["retryPolicy"]["maximumRetryAttempts"] > 0
    [statement] = policy_of(deployment, target.inputs["roleArn"])
    assert statement["Action"] == ["states:StartExecution"]
    assert statement["Resource"] == recorder(deployment).outputs["arn"]


def test_the_recorders_role_grants_exactly_what_its_definition_calls(deployment):
    machine = recorder(deployment)
    states = json.loads(machine.inputs["definition"])["States"]
    tasks = [s for s in states.values() if s["Type"] == "Task"]
    called = {
        (TASK_ACTIONS[t["Resource"]], audit_table(deployment).outputs["arn"])
        for t in tasks
        if t["Parameters"]["TableName"] == deployment.outputs["auditTableName"]
    }
    own = policy_of(deployment, machine.inputs["roleArn"])
    granted = {
        (action, statement["Resource"])
        for statement in own
        for action in statement["Action"]
        if not action.startswith(("logs:", "xray:"))
    }

    assert len(called) == len(tasks) == 1
    assert granted == called == {("dynamodb:PutItem", audit_table(deployment).outputs["arn"])}
    for statement in own:
        if statement["Resource"] == "*":
            assert all(a.startswith(("logs:", "xray:")) for a in statement["Action"])


def test_the_recorder_is_express_puts_once_per_event_id_and_logs_without_data(deployment):
    machine = recorder(deployment)
    states = json.loads(machine.inputs["definition"])["States"]
    record = states["Record"]["Parameters"]
    logging = machine.inputs["loggingConfiguration"]

    assert machine.inputs["type"] == "EXPRESS"
    assert record["ConditionExpression"] == "attribute_not_exists(eventId)"
    assert record["Item"]["eventId"] == {"S.$": "$.detail.metadata.eventId"}
    assert record["Item"]["correlationId"] == {"S.$": "$.detail.metadata.correlationId"}
    assert (logging["level"], logging["includeExecutionData"]) == ("ALL", False)
    assert machine.inputs["tracingConfiguration"] == {"enabled": True}
    alarms = deployment.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert any(
        a.inputs.get("metricName") == "ExecutionsFailed"
        and a.inputs["dimensions"] == {"StateMachineArn": machine.outputs["arn"]}
        for a in alarms
    )


def test_express_machines_never_wait_for_a_callback_or_a_job(deployment):
    for machine in deployment.of_type(STATE_MACHINE):
        if machine.inputs["type"] != "EXPRESS":
            continue
        for state in json.loads(machine.inputs["definition"])["States"].values():
            resource = state.get("Resource", "")
            assert not resource.endswith((".waitForTaskToken", ".sync", ".sync:2")), machine.name


def test_each_declared_event_keeps_only_its_audit_fields(deployment):
    states = json.loads(recorder(deployment).inputs["definition"])["States"]
    for event in EVENTS.values():
        kept = states[f"Keep{event.detail_type}"]["Parameters"]
        assert kept == {f"{f}.$": f"$.detail.data.{f}" for f in event.audit}
        assert not PERSONAL_DATA & set(event.audit)
    [rule] = [
        c for c in states["ChooseData"]["Choices"] if c["Next"] == f"Keep{next(iter(EVENTS))}"
    ]
    assert {v["Variable"] for v in rule["And"]} == {"$.detail-type", "$.source"}
    assert states["ChooseData"]["Default"] == "KeepNoData"
    assert states["KeepNoData"]["Result"] == {}


def test_the_audit_table_is_keyed_for_a_correlations_events_and_expires_items(deployment):
    table = audit_table(deployment)

    assert (table.inputs["hashKey"], table.inputs["rangeKey"]) == KEY
    assert table.inputs["ttl"] == {"attributeName": EXPIRES_AT, "enabled": True}
    assert not table.inputs.get("globalSecondaryIndexes")  # one write unit per event


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"audit": ("orderId", "email")}, "email"),
        ({"audit": ("orderId", "paidAt")}, "paidAt"),
        ({"audit": ()}, "nothing"),
    ],
)
def test_a_kept_field_that_is_personal_optional_or_missing_stops_the_definition(
    monkeypatch, change, message
):
    order_created = EVENTS[DetailType.ORDER_CREATED]
    monkeypatch.setitem(EVENTS, DetailType.ORDER_CREATED, replace(order_created, **change))
    with pytest.raises(ValueError, match=message):
        audit.definition(audit_table="t", retention_days=1)
