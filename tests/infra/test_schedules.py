"""Scheduled work (docs/architecture.md#scheduled-work): each schedule starts its state
machine, as configured, with a role that may do only that, a retry policy and a DLQ; the
sweeper and the sales report may do exactly what their definitions call; the ordering
consumer alone counts sales. The policy pack holds the schedules' DLQs and retries to the
defaults (tests/infra/test_policy_pack.py)."""

import json

import pytest

from components.schedules import SCHEDULE_RETRY_POLICY
from shop_common.contracts import SWEEPER, produced_by
from tests.infra.helpers import FUNCTION, MACHINE, QUEUE, ROLE, ROLE_POLICY, SCHEDULE, function
from tests.infra.helpers import statements as function_statements
from tests.infra.mocks import run_program

# machine output → (schedule's config key, its default, its time zone's config key)
SCHEDULED = {
    "sweeperArn": ("sweeperSchedule", "rate(15 minutes)", None),
    "salesReportArn": ("salesReportSchedule", "cron(5 0 * * ? *)", "salesReportTimezone"),
}


def role_statements(deployment, role_arn: str) -> list[dict]:
    role = deployment.with_output("arn", role_arn, ROLE)
    [policy] = [
        p for p in deployment.of_type(ROLE_POLICY) if p.inputs["role"] == role.outputs["name"]
    ]
    return json.loads(policy.inputs["policy"])["Statement"]


def schedule_of(deployment, machine_arn: str):
    [schedule] = [
        s for s in deployment.of_type(SCHEDULE) if s.inputs["target"]["arn"] == machine_arn
    ]
    return schedule


def test_each_schedule_starts_its_state_machine_only(deployment):
    assert len(deployment.of_type(SCHEDULE)) == len(SCHEDULED)
    for output, (key, default, timezone_key) in SCHEDULED.items():
        machine = deployment.with_output("arn", deployment.outputs[output], MACHINE)
        schedule = schedule_of(deployment, machine.outputs["arn"])
        assert schedule.inputs["name"] == machine.inputs["name"]
        assert schedule.inputs["scheduleExpression"] == default, key
        expected_zone = "Europe/London" if timezone_key else "UTC"
        assert schedule.inputs["scheduleExpressionTimezone"] == expected_zone
        assert schedule.inputs["flexibleTimeWindow"] == {"mode": "OFF"}
        target = schedule.inputs["target"]
        assert target["retryPolicy"] == {
            "maximumEventAgeInSeconds": SCHEDULE_RETRY_POLICY["maximum_event_age_in_seconds"],
            "maximumRetryAttempts": SCHEDULE_RETRY_POLICY["maximum_retry_attempts"],
        }
        assert json.loads(target["input"]) == {"scheduledTime": "<aws.scheduler.scheduled-time>"}
        dlq = deployment.with_output("arn", target["deadLetterConfig"]["arn"], QUEUE)
        role = deployment.with_output("arn", target["roleArn"], ROLE)
        trusted = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert [s["Principal"] for s in trusted] == [{"Service": "scheduler.amazonaws.com"}]
        allowed = {
            (action, s["Resource"])
            for s in role_statements(deployment, role.outputs["arn"])
            for action in s["Action"]
        }
        assert allowed == {
            ("states:StartExecution", machine.outputs["arn"]),
            ("sqs:SendMessage", dlq.outputs["arn"]),
        }


def test_the_schedules_follow_the_stack_settings():
    changed = run_program(
        "dev",
        overrides={
            "shop:sweeperSchedule": "cron(0/10 * * * ? *)",
            "shop:salesReportSchedule": "cron(30 6 ? * MON-FRI *)",
            "shop:salesReportTimezone": "America/New_York",
        },
    )
    sweep = schedule_of(changed, changed.outputs["sweeperArn"])
    report = schedule_of(changed, changed.outputs["salesReportArn"])
    assert sweep.inputs["scheduleExpression"] == "cron(0/10 * * * ? *)"
    assert (
        report.inputs["scheduleExpression"],
        report.inputs["scheduleExpressionTimezone"],
    ) == ("cron(30 6 ? * MON-FRI *)", "America/New_York")


def tasks(definition: dict) -> list[dict]:
    found = []
    for state in definition["States"].values():
        if state["Type"] == "Task":
            found.append(state)
        if "ItemProcessor" in state:
            found += tasks(state["ItemProcessor"])
    return found


def test_the_sweeper_reads_the_indexes_publishes_its_findings_and_counts_them(dev):
    machine = dev.with_output("arn", dev.outputs["sweeperArn"], MACHINE)
    assert machine.inputs["type"] == "EXPRESS"
    definition = json.loads(machine.inputs["definition"])
    orders, baskets = dev.outputs["ordersTableName"], dev.outputs["basketsTableName"]
    assert {
        (t["Resource"].rsplit(":::", 1)[1], t["Parameters"].get("TableName"))
        for t in tasks(definition)
    } == {
        ("aws-sdk:dynamodb:query", orders),
        ("aws-sdk:dynamodb:query", baskets),
        ("dynamodb:getItem", orders),
        ("events:putEvents", None),
        ("aws-sdk:cloudwatch:putMetricData", None),
    }
    statements = role_statements(dev, machine.inputs["roleArn"])
    allowed = {(a, json.dumps(s["Resource"])) for s in statements for a in s["Action"]}
    orders_arn = dev.with_output("name", orders, "aws:dynamodb/table:Table").outputs["arn"]
    baskets_arn = dev.with_output("name", baskets, "aws:dynamodb/table:Table").outputs["arn"]
    assert {a for a in allowed if a[0].split(":")[0] in {"dynamodb", "events", "cloudwatch"}} == {
        ("dynamodb:Query", json.dumps(f"{orders_arn}/index/byStatus")),
        ("dynamodb:Query", json.dumps(f"{baskets_arn}/index/byCheckout")),
        ("dynamodb:GetItem", json.dumps(orders_arn)),
        ("events:PutEvents", json.dumps(dev.named("events-bus").outputs["arn"])),
        ("cloudwatch:PutMetricData", json.dumps("*")),
    }
    [metrics] = [s for s in statements if "cloudwatch:PutMetricData" in s["Action"]]
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "shop"}}
    [publish] = [s for s in statements if "events:PutEvents" in s["Action"]]
    assert publish["Condition"]["StringEquals"]["events:source"] == sorted(
        s.value for s in produced_by(SWEEPER)
    )


def test_the_baskets_have_a_sparse_checkout_index(dev):
    baskets = dev.with_output("name", dev.outputs["basketsTableName"], "aws:dynamodb/table:Table")
    indexes = {index["name"]: index for index in baskets.inputs["globalSecondaryIndexes"]}
    assert indexes["byCheckout"]["keySchemas"] == [
        {"attributeName": "checkoutShard", "keyType": "HASH"},
        {"attributeName": "staleAfter", "keyType": "RANGE"},
    ]
    for handler in ("basket.api", "ordering.consumer"):  # who stamps staleAfter
        variables = function(dev, handler).inputs["environment"]["variables"]
        assert variables["STALE_ORDER_MINUTES"] == "30"


def test_the_sales_report_keeps_its_table_and_publishes_to_the_ops_topic(dev):
    machine = dev.with_output("arn", dev.outputs["salesReportArn"], MACHINE)
    assert machine.inputs["type"] == "EXPRESS"
    table = dev.with_output("name", dev.outputs["salesTableName"], "aws:dynamodb/table:Table")
    topic = dev.outputs["opsTopicArn"]
    ops_key = dev.with_output("arn", topic, "aws:sns/topic:Topic").inputs["kmsMasterKeyId"]
    definition = json.loads(machine.inputs["definition"])
    for task in tasks(definition):
        parameters = task["Parameters"]
        if "TransactItems" in parameters:
            assert {i["Update"]["TableName"] for i in parameters["TransactItems"]} == {
                table.outputs["name"]
            }
        elif "TopicArn" in parameters:
            assert parameters["TopicArn"] == topic
        else:
            assert parameters["TableName"] == table.outputs["name"]
    allowed = {
        (a, json.dumps(s["Resource"]))
        for s in role_statements(dev, machine.inputs["roleArn"])
        for a in s["Action"]
        if a.split(":")[0] in {"dynamodb", "sns", "kms"}
    }
    assert allowed == {
        ("dynamodb:GetItem", json.dumps(table.outputs["arn"])),
        ("dynamodb:PutItem", json.dumps(table.outputs["arn"])),
        ("dynamodb:UpdateItem", json.dumps(table.outputs["arn"])),
        ("sns:Publish", json.dumps(topic)),
        ("kms:GenerateDataKey", json.dumps(ops_key)),
        ("kms:Decrypt", json.dumps(ops_key)),
    }


@pytest.mark.parametrize("action", ["dynamodb:UpdateItem", "dynamodb:PutItem"])
def test_only_the_ordering_consumer_counts_sales(dev, action):
    table = dev.with_output("name", dev.outputs["salesTableName"], "aws:dynamodb/table:Table")
    writers = {
        f.inputs["handler"]
        for f in dev.of_type(FUNCTION)
        for s in function_statements(dev, f)
        if action in s["Action"] and table.outputs["arn"] in json.dumps(s["Resource"])
    }
    expected = {"ordering.consumer.lambda_handler"} if action == "dynamodb:UpdateItem" else set()
    assert writers == expected
    variables = function(dev, "ordering.consumer").inputs["environment"]["variables"]
    assert variables["SALES_TABLE_NAME"] == table.outputs["name"]
