"""Operations (docs/architecture.md#operations): the ops topic and its key, every alarm
notifying it, the budget, X-Ray sampling; in every stack."""

import json

from tests.infra.helpers import FUNCTION, MACHINE, QUEUE, redrive
from tests.infra.mocks import ACCOUNT, REGION, run_program
from tests.infra.test_reliability import dead_letter_arns

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


def alarms_on(deployment, namespace: str, metric: str) -> list:
    return [
        a
        for a in deployment.of_type(ALARM)
        if (a.inputs.get("namespace"), a.inputs.get("metricName")) == (namespace, metric)
    ]


def test_every_work_queue_alarms_when_a_message_outlives_its_retries(deployment):
    dlqs = dead_letter_arns(deployment)
    work_queues = [q for q in deployment.of_type(QUEUE) if q.outputs["arn"] not in dlqs]
    by_queue = {
        a.inputs["dimensions"]["QueueName"]: a
        for a in alarms_on(deployment, "AWS/SQS", "ApproximateAgeOfOldestMessage")
    }
    assert set(by_queue) == {q.outputs["name"] for q in work_queues}
    for queue in work_queues:
        alarm = by_queue[queue.outputs["name"]]
        # Retried to its last receive, a message is at most this old when it moves to the
        # DLQ: an older one is not being received.
        retries = redrive(queue)["maxReceiveCount"] * queue.inputs["visibilityTimeoutSeconds"]
        assert alarm.inputs["threshold"] == retries
        assert alarm.inputs["comparisonOperator"] == "GreaterThanThreshold"
        assert alarm.inputs["statistic"] == "Maximum"


def test_every_state_machine_alarms_on_failed_and_timed_out_executions(deployment):
    machines = {m.outputs["arn"] for m in deployment.of_type("aws:sfn/stateMachine:StateMachine")}
    # order, refund, customer notifier, audit recorder, sweeper, sales report; the reviews'
    # analysis, thanks, customer service and case resumer
    assert len(machines) == 10
    for metric in ("ExecutionsFailed", "ExecutionsTimedOut"):
        alarms = alarms_on(deployment, "AWS/States", metric)
        assert sorted(a.inputs["dimensions"]["StateMachineArn"] for a in alarms) == sorted(machines)
        for alarm in alarms:
            assert alarm.inputs["threshold"] == 1
            assert alarm.inputs["comparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_every_function_alarms_on_errors_and_on_throttles(deployment):
    functions = sorted(f.outputs["name"] for f in deployment.of_type(FUNCTION))
    for metric in ("Errors", "Throttles"):
        alarms = alarms_on(deployment, "AWS/Lambda", metric)
        assert sorted(a.inputs["dimensions"]["FunctionName"] for a in alarms) == functions
        for alarm in alarms:
            assert (alarm.inputs["statistic"], alarm.inputs["threshold"]) == ("Sum", 1)


def test_the_api_stage_alarms_on_its_5xx_rate_and_p99_latency(deployment):
    [stage] = deployment.of_type("aws:apigatewayv2/stage:Stage")
    stage_metric = {"ApiId": stage.inputs["apiId"], "Stage": stage.inputs["name"]}
    [latency] = alarms_on(deployment, "AWS/ApiGateway", "Latency")
    assert latency.inputs["dimensions"] == stage_metric
    assert latency.inputs["extendedStatistic"] == "p99"
    assert "statistic" not in latency.inputs
    assert latency.inputs["threshold"] == 2000
    assert latency.inputs["evaluationPeriods"] == latency.inputs["datapointsToAlarm"] == 3

    [rate] = [a for a in deployment.of_type(ALARM) if a.inputs.get("metricQueries")]
    queries = {q["id"]: q for q in rate.inputs["metricQueries"]}
    assert {q["id"] for q in queries.values() if q["returnData"]} == {"rate"}
    assert queries["errors"]["metric"]["metricName"] == "5xx"
    assert queries["requests"]["metric"]["metricName"] == "Count"
    for query in (queries["errors"], queries["requests"]):
        assert query["metric"]["dimensions"] == stage_metric
        assert query["metric"]["stat"] == "Sum"
    assert queries["rate"]["expression"] == "IF(requests > 0, 100 * errors / requests, 0)"
    assert rate.inputs["threshold"] == 5


def test_the_alarms_are_these_and_no_others(deployment):
    """$0.10 per alarm metric and month: each alarm is one of the kinds above (the 5xx rate
    reads two metrics), and the sweeper's finding stale orders."""
    queues = len(deployment.of_type(QUEUE))  # every DLQ: not empty; every work queue: age
    machines = len(deployment.of_type("aws:sfn/stateMachine:StateMachine"))
    functions = len(deployment.of_type(FUNCTION))
    stage = 2  # 5xx rate, p99 latency
    stale = 1  # StaleOrdersFound
    assert len(deployment.of_type(ALARM)) == queues + 2 * machines + 2 * functions + stage + stale


def test_the_sweeper_alarms_when_it_finds_stale_orders(deployment):
    [alarm] = alarms_on(deployment, "shop", "StaleOrdersFound")
    machine = deployment.with_output("arn", deployment.outputs["sweeperArn"], MACHINE)
    assert alarm.inputs["dimensions"] == {"service": machine.inputs["name"]}
    assert (alarm.inputs["statistic"], alarm.inputs["threshold"]) == ("Sum", 1)
    assert alarm.inputs["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
