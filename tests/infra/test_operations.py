"""Operations (docs/architecture.md#operations): the ops topic and its key, every alarm
notifying it, the budget, X-Ray sampling; in every stack."""

import json

from tests.infra.mocks import ACCOUNT, REGION, run_program

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
PUBLISHERS = {"cloudwatch.amazonaws.com", "budgets.amazonaws.com"}


def ops_topic(deployment):
    return deployment.with_output("arn", deployment.outputs["opsTopicArn"], "aws:sns/topic:Topic")


def test_the_ops_topic_has_its_own_key_that_alarms_and_budgets_may_use(deployment):
    topic = ops_topic(deployment)
    assert topic.inputs["name"].endswith("-ops")
    # The AWS-managed alias/aws/sns key admits no service principal: CloudWatch and
    # Budgets could not publish to a topic encrypted with it.
    key = deployment.with_output("arn", topic.inputs["kmsMasterKeyId"], "aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    statements = json.loads(key.inputs["policy"])["Statement"]
    [admin] = [s for s in statements if s["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}]
    assert admin["Action"] == "kms:*"
    [services] = [s for s in statements if "Service" in s["Principal"]]
    assert set(services["Principal"]["Service"]) == PUBLISHERS
    assert set(services["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    assert services["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    assert len(statements) == 2


def test_only_this_accounts_alarms_and_budgets_may_publish_to_the_ops_topic(deployment):
    topic = ops_topic(deployment)
    [policy] = [
        p
        for p in deployment.of_type("aws:sns/topicPolicy:TopicPolicy")
        if p.inputs["arn"] == topic.outputs["arn"]
    ]
    by_service = {
        s["Principal"]["Service"]: s for s in json.loads(policy.inputs["policy"])["Statement"]
    }
    assert set(by_service) == PUBLISHERS
    for statement in by_service.values():
        assert statement["Action"] == "sns:Publish"
        assert statement["Resource"] == topic.outputs["arn"]
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert by_service["cloudwatch.amazonaws.com"]["Condition"]["ArnLike"] == {
        "aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:*"
    }
    assert by_service["budgets.amazonaws.com"]["Condition"]["ArnLike"] == {
        "aws:SourceArn": f"arn:aws:budgets::{ACCOUNT}:*"
    }


def test_every_alarm_notifies_the_ops_topic_when_it_fires_and_when_it_is_ok(deployment):
    alarms = deployment.of_type(ALARM)
    assert alarms
    for alarm in alarms:
        assert alarm.inputs["alarmActions"] == [deployment.outputs["opsTopicArn"]], alarm.name
        assert alarm.inputs["okActions"] == [deployment.outputs["opsTopicArn"]], alarm.name


def test_no_one_is_subscribed_unless_ops_email_is_set(deployment):
    topic_arn = deployment.outputs["opsTopicArn"]
    subscriptions = deployment.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert not [s for s in subscriptions if s.inputs["topic"] == topic_arn]

    subscribed = run_program("dev", overrides={"shop:opsEmail": "ops@example.com"})
    [email] = [
        s
        for s in subscribed.of_type("aws:sns/topicSubscription:TopicSubscription")
        if s.inputs["topic"] == subscribed.outputs["opsTopicArn"]
    ]
    assert (email.inputs["protocol"], email.inputs["endpoint"]) == ("email", "ops@example.com")


def test_the_monthly_budget_alerts_the_ops_topic(dev, prod):
    for deployment, limit in ((dev, "50"), (prod, "500")):  # the default, Pulumi.prod.yaml
        [budget] = deployment.of_type("aws:budgets/budget:Budget")
        assert budget.inputs["budgetType"] == "COST"
        assert budget.inputs["timeUnit"] == "MONTHLY"
        assert (budget.inputs["limitAmount"], budget.inputs["limitUnit"]) == (limit, "USD")
        alerts = {
            (n["notificationType"], n["threshold"], n["thresholdType"], n["comparisonOperator"])
            for n in budget.inputs["notifications"]
        }
        assert alerts == {
            ("ACTUAL", 80, "PERCENTAGE", "GREATER_THAN"),
            ("FORECASTED", 100, "PERCENTAGE", "GREATER_THAN"),
        }
        for notification in budget.inputs["notifications"]:
            assert notification["subscriberSnsTopicArns"] == [deployment.outputs["opsTopicArn"]]
            assert not notification.get("subscriberEmailAddresses")


def test_xray_samples_one_trace_a_second_and_the_configured_share_of_the_rest(deployment):
    [rule] = deployment.of_type("aws:xray/samplingRule:SamplingRule")
    prefix = ops_topic(deployment).inputs["name"].removesuffix("-ops")
    assert rule.inputs["ruleName"] == prefix
    assert rule.inputs["serviceName"] == f"{prefix}-*"  # the stack's machines and functions
    assert rule.inputs["reservoirSize"] == 1
    assert rule.inputs["fixedRate"] == 0.05  # Pulumi.yaml's default traceSampleRate
    assert rule.inputs["priority"] < 10000  # before X-Ray's default rule

    sampled = run_program("dev", overrides={"shop:traceSampleRate": "0.2"})
    [rule] = sampled.of_type("aws:xray/samplingRule:SamplingRule")
    assert rule.inputs["fixedRate"] == 0.2
