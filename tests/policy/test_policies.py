"""Each policy of the pack fires on a violation planted in a resource the dev stack
records under mocks, naming the resource and the setting; the resource as the program
builds it passes (tests/infra/test_policy_pack.py runs the whole pack on every stack)."""

import json
from typing import Any

import pytest

from policy.shop_policies import POLICIES
from tests.infra.mocks import ACCOUNT, REGION, Registered
from tests.policy.planting import (
    Change,
    in_json,
    planted,
    violations,
    with_resources,
    without,
)

REMOVED = object()
STREAM = "sourceParameters.dynamodbStreamParameters"
VARIABLES = "environment.variables"
LOGGING = "loggingConfiguration"
LOG_GROUP = "loggingConfig.logGroup"
START_AND_WAIT = "arn:aws:states:::states:startExecution.sync:2"
SNS_PUBLISH = "arn:aws:states:::sns:publish"
ECS = {"Service": "ecs-tasks.amazonaws.com"}
BASKET_API_ROLE = f"arn:aws:iam::{ACCOUNT}:role/basket-api-role-0a1b2c3"
FROM_ANOTHER_RULE = {"ArnEquals": {"aws:SourceArn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/x"}}
ELSEWHERE_QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:elsewhere"


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:shop-dev-{name}"


def group_arn(name: str) -> str:
    return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"


ELSEWHERE_GROUP = group_arn("elsewhere")
ORDER_WORKFLOW_LOGS = f"{group_arn('/aws/vendedlogs/states/shop-dev-order-workflow')}:*"


def setting(path: str, value: Any) -> Change:
    """Set (or, with REMOVED, remove) a nested property, e.g. "retryPolicy.maximumRetryAttempts"."""

    def change(props: dict[str, Any]) -> None:
        *parents, key = path.split(".")
        for parent in parents:
            props = props.setdefault(parent, {})
        if value is REMOVED:
            props.pop(key, None)
        else:
            props[key] = value

    return change


def both(*changes: Change) -> Change:
    def change(props: dict[str, Any]) -> None:
        for each in changes:
            each(props)

    return change


def first_statement(**fields: Any) -> Change:
    return statement(0, **fields)


def statement(index: int, **fields: Any) -> Change:
    def edit(document: dict[str, Any]) -> None:
        document["Statement"][index].update(fields)

    return in_json("policy", edit)


def redrive(**fields: Any) -> Change:
    return in_json("redrivePolicy", lambda document: document.update(fields))


def task_resource(state: str, resource: str) -> Change:
    return in_json("definition", lambda d: d["States"][state].update(Resource=resource))


def label(resource: Registered) -> str:
    return f"{resource.typ.rsplit(':', 1)[-1]} {resource.name!r}: "


def assert_fires(messages: list[str], subject: Registered, names: str) -> None:
    assert messages, f"no violation on {subject.name}"
    assert any(m.startswith(label(subject)) and names in m for m in messages), messages


# (policy, the resource): [(a violation planted in it, what the message names), ...]
RESOURCE_CASES = {
    ("sqs-queue-encrypted", "ordering-queue"): [
        (setting("sqsManagedSseEnabled", False), "sqsManagedSseEnabled"),
    ],
    ("sqs-event-source-mapping", "stock-esm"): [
        (setting("functionResponseTypes", []), "ReportBatchItemFailures"),
        (setting("scalingConfig.maximumConcurrency", 1), "maximumConcurrency is 1"),
        (setting("scalingConfig", REMOVED), "maximumConcurrency is None"),
        (setting("batchSize", 11), "batchSize is 11"),
    ],
    ("eventbridge-target-dlq-and-retry", "stock-target"): [
        (setting("deadLetterConfig", REMOVED), "deadLetterConfig.arn"),
        (setting("retryPolicy", REMOVED), "retryPolicy is not set"),
        (setting("retryPolicy.maximumRetryAttempts", 0), "maximumRetryAttempts"),
        (setting("retryPolicy.maximumEventAgeInSeconds", 59), "maximumEventAgeInSeconds"),
    ],
    ("scheduler-schedule-dlq-and-retry", "sweeper-schedule"): [
        (setting("target.deadLetterConfig", REMOVED), "target.deadLetterConfig.arn"),
        (setting("target.retryPolicy", REMOVED), "target.retryPolicy is not set"),
        (setting("target.retryPolicy.maximumRetryAttempts", 0), "target.retryPolicy.maximum"),
        (setting("target.retryPolicy.maximumEventAgeInSeconds", 59), "maximumEventAgeInSeconds"),
    ],
    ("pipe-stream-retries-and-dlq", "products-outbox-pipe"): [
        (setting(f"{STREAM}.maximumRetryAttempts", -1), "maximumRetryAttempts is -1"),
        (setting(f"{STREAM}.maximumRecordAgeInSeconds", -1), "maximumRecordAgeInSeconds is -1"),
        (setting(f"{STREAM}.onPartialBatchItemFailure", REMOVED), "AUTOMATIC_BISECT"),
        (setting(f"{STREAM}.startingPosition", "LATEST"), "TRIM_HORIZON"),
        (setting(f"{STREAM}.deadLetterConfig", REMOVED), "deadLetterConfig.arn"),
    ],
    ("iam-named-actions", "basket-api-policy"): [
        (first_statement(Action=["dynamodb:*"]), "statement OwnLogStreams allows 'dynamodb:*'"),
        (first_statement(Action="*"), "allows '*'"),
        (first_statement(Effect="Deny"), "Effect 'Deny'"),
        (first_statement(NotAction=["s3:GetObject"]), "NotAction"),
    ],
    ("iam-named-resources", "basket-api-policy"): [
        (first_statement(Resource="*"), "['logs:CreateLogStream', 'logs:PutLogEvents'] on '*'"),
        (first_statement(Resource="table/baskets"), "'table/baskets', which is not an ARN"),
        (first_statement(NotResource="*"), "NotResource"),
        (statement(1, Resource=["*", ELSEWHERE_QUEUE]), "statement Tracing lists '*' beside"),
    ],
    ("iam-named-resources", "order-workflow-policy"): [
        (first_statement(Resource=["*"]), "['dynamodb:GetItem', 'dynamodb:UpdateItem'] on '*'"),
    ],
    ("lambda-function-defaults", "basket-api-function"): [
        (setting("runtime", "python3.12"), "runtime is 'python3.12'"),
        (setting("architectures", ["x86_64"]), "architectures is ['x86_64']"),
        (setting("memorySize", REMOVED), "memorySize is None"),
        (setting("timeout", 60), "timeout is 60"),
        (setting("tracingConfig.mode", "PassThrough"), "tracingConfig.mode"),
        (setting("loggingConfig.logFormat", "Text"), "logFormat is not JSON"),
        (setting("loggingConfig.logGroup", REMOVED), "loggingConfig.logGroup"),
        (setting("layers", [f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:x:1"]), "Powertools"),
        (setting(f"{VARIABLES}.POWERTOOLS_SERVICE_NAME", REMOVED), "POWERTOOLS_SERVICE_NAME"),
        (setting(f"{VARIABLES}.POWERTOOLS_METRICS_NAMESPACE", "x"), "POWERTOOLS_METRICS_NAMESPACE"),
    ],
    ("log-group-retention", "http-access-logs"): [
        (setting("retentionInDays", REMOVED), "retentionInDays is not set"),
        (setting("retentionInDays", 8), "retentionInDays is 8"),
    ],
    ("dynamodb-table-defaults", "orders-table"): [
        (setting("billingMode", "PROVISIONED"), "billingMode is 'PROVISIONED'"),
        (setting("pointInTimeRecovery.enabled", False), "pointInTimeRecovery"),
        (setting("serverSideEncryption", REMOVED), "serverSideEncryption"),
    ],
    ("sns-topic-encrypted", "notifications-topic"): [
        (setting("kmsMasterKeyId", REMOVED), "kmsMasterKeyId"),
    ],
    ("cloudfront-https-and-origin-access", "storefront-distribution"): [
        (setting("defaultCacheBehavior.viewerProtocolPolicy", "allow-all"), "viewers must use"),
        (
            lambda props: props["origins"][0].pop("originAccessControlId"),
            "without an originAccessControlId",
        ),
    ],
    ("kms-key-rotation", "customer-notifier-feedback-key"): [
        (setting("enableKeyRotation", False), "enableKeyRotation"),
    ],
    ("apigateway-stage-logs-and-throttling", "http-stage"): [
        (setting("accessLogSettings.destinationArn", REMOVED), "destinationArn"),
        (setting("accessLogSettings.format", "$context.requestId"), "accessLogSettings.format"),
        (setting("defaultRouteSettings.throttlingBurstLimit", 0), "throttlingBurstLimit"),
    ],
    ("sfn-logging-and-tracing", "customer-notifier-state-machine"): [
        (setting(f"{LOGGING}.includeExecutionData", True), "includeExecutionData"),
        (setting(f"{LOGGING}.level", "ERROR"), "an EXPRESS machine logs ALL"),
        (setting(f"{LOGGING}.logDestination", REMOVED), "logDestination"),
        (setting("tracingConfiguration.enabled", False), "tracingConfiguration"),
        (both(setting("type", "STANDARD"), setting(f"{LOGGING}.level", "OFF")), "level is OFF"),
    ],
    ("sfn-express-no-wait-or-sync", "customer-notifier-state-machine"): [
        (task_resource("SendEmail", START_AND_WAIT), f"state SendEmail uses {START_AND_WAIT}"),
        (task_resource("PublishOutcome", f"{SNS_PUBLISH}.waitForTaskToken"), "PublishOutcome"),
    ],
    ("eventbridge-rule-schedule-expression", "stock-rule"): [
        (setting("scheduleExpression", "rate(1 minutes)"), "'rate(1 minutes)': the unit is"),
    ],
    ("ses-configuration-set-defaults", "customer-notifier-configuration-set"): [
        (setting("suppressionOptions.suppressedReasons", ["BOUNCE"]), "COMPLAINT"),
        (setting("deliveryOptions.tlsPolicy", "OPTIONAL"), "tlsPolicy"),
    ],
    ("ses-identity-dkim-and-configuration-set", "customer-notifier-identity"): [
        (setting("dkimSigningAttributes.nextSigningKeyLength", "RSA_1024_BIT"), "RSA_2048_BIT"),
        (setting("configurationSetName", REMOVED), "configurationSetName"),
    ],
}


def cases(table: dict) -> list:
    return [
        pytest.param(*key, *case, id=f"{key[0]}:{case[-1][:40]}")
        for key, planted_cases in table.items()
        for case in planted_cases
    ]


@pytest.mark.parametrize(("policy", "name", "change", "names"), cases(RESOURCE_CASES))
def test_a_resource_policy_fires_on_a_planted_violation(dev, policy, name, change, names):
    resource = dev.named(name)

    assert violations(policy, [resource]) == []
    assert_fires(violations(policy, [planted(resource, change)]), resource, names)


# (policy, where the violation is planted): [(the change, the resource named, what it says)]
STACK_CASES = {
    ("s3-bucket-private", "storefront-public-access-block"): [
        (
            setting("restrictPublicBuckets", False),
            "storefront-bucket",
            "does not set restrictPublicBuckets",
        ),
        (setting("bucket", "another-bucket"), "storefront-bucket", "has no public access block"),
    ],
    ("sqs-work-queue-redrive", "ordering-queue"): [
        (setting("redrivePolicy", REMOVED), "ordering-queue", "redrivePolicy is not set"),
        (redrive(maxReceiveCount=4), "ordering-queue", "maxReceiveCount is 4"),
    ],
    ("sqs-dead-letter-queues", "ordering-dlq"): [
        (setting("messageRetentionSeconds", 345600), "ordering-dlq", "is 345600"),
    ],
    ("sqs-dead-letter-queues", "ordering-queue"): [
        (redrive(deadLetterTargetArn=ELSEWHERE_QUEUE), "ordering-queue", "not a queue of"),
    ],
    ("sqs-dead-letter-queues", "stock-target"): [
        (setting("deadLetterConfig.arn", ELSEWHERE_QUEUE), "stock-target", "not a queue of"),
    ],
    ("sqs-dead-letter-queues", "products-outbox-pipe"): [
        (
            setting(f"{STREAM}.deadLetterConfig.arn", ELSEWHERE_QUEUE),
            "products-outbox-pipe",
            "not a queue of this stack",
        ),
    ],
    ("sqs-dead-letter-queues", "sweeper-schedule"): [
        (
            setting("target.deadLetterConfig.arn", ELSEWHERE_QUEUE),
            "sweeper-schedule",
            "not a queue of this stack",
        ),
    ],
    ("sqs-dead-letter-queues", "sweeper-schedule-dlq"): [
        (setting("messageRetentionSeconds", 345600), "sweeper-schedule-dlq", "is 345600"),
    ],
    ("sqs-visibility-covers-consumer", "stock-queue"): [
        (setting("visibilityTimeoutSeconds", 30), "stock-esm", "visibilityTimeoutSeconds (30)"),
    ],
    ("sqs-queue-policy-only-its-rule", "stock-queue-policy"): [
        (statement(0, Condition=FROM_ANOTHER_RULE), "stock-target", "its target stock-queue"),
        (
            in_json("policy", lambda d: d["Statement"].append(d["Statement"][0] | {"Sid": "X"})),
            "stock-target",
            "its target stock-queue",
        ),
    ],
    ("sqs-queue-policy-only-its-rule", "stock-target-dlq-policy"): [
        (statement(0, Principal="*"), "stock-target", "its DLQ stock-target-dlq"),
    ],
    ("lambda-own-role-and-log-group", "openapi-api-function"): [
        (setting("role", BASKET_API_ROLE), "openapi-api-function", "shares its role with"),
        (setting(LOG_GROUP, "/aws/lambda/elsewhere"), "openapi-api-function", "not a log group"),
        (
            setting(LOG_GROUP, "/aws/lambda/shop-dev-basket-api"),
            "openapi-api-function",
            "shares its log group with ['basket-api-function']",
        ),
    ],
    ("lambda-own-role-and-log-group", "openapi-api-role"): [
        (
            in_json("assumeRolePolicy", lambda d: d["Statement"][0].update(Principal=ECS)),
            "openapi-api-function",
            "may be assumed by [{'Service': 'ecs-tasks.amazonaws.com'}]",
        ),
    ],
    ("lambda-own-role-and-log-group", "openapi-api-policy"): [
        (
            in_json("policy", lambda d: d.update(Statement=d["Statement"][1:])),
            "openapi-api-function",
            "may not write its own log streams",
        ),
    ],
    ("log-destinations-in-stack", "order-workflow-refund-state-machine"): [
        (
            setting(f"{LOGGING}.logDestination", ORDER_WORKFLOW_LOGS),
            "order-workflow-refund-state-machine",
            "shares its log group with ['order-workflow-state-machine']",
        ),
    ],
    ("log-destinations-in-stack", "http-stage"): [
        (setting("accessLogSettings.destinationArn", ELSEWHERE_GROUP), "http-stage", "not a log"),
    ],
    ("no-lambda-in-pipelines", "openapi-api-function"): [
        (setting("tags", {"shop:pipeline": "reviews"}), "openapi-api-function", "shop:pipeline"),
    ],
    ("no-lambda-in-pipelines", "customer-notifier-target"): [
        (
            setting("arn", function_arn("ordering-consumer")),
            "customer-notifier-target",
            "rule customer-notifier-rule of pipeline customer-notifier targets the Lambda",
        ),
    ],
    ("no-lambda-in-pipelines", "products-outbox-pipe"): [
        (setting("target", function_arn("openapi-api")), "products-outbox-pipe", "its target"),
        (setting("enrichment", function_arn("openapi-api")), "products-outbox-pipe", "enrichment"),
    ],
    ("no-lambda-in-pipelines", "customer-notifier-state-machine"): [
        (
            task_resource("SendEmail", "arn:aws:states:::lambda:invoke"),
            "customer-notifier-state-machine",
            "state SendEmail invokes Lambda",
        ),
    ],
    ("no-lambda-in-pipelines", "order-workflow-state-machine"): [
        (
            task_resource("LoadOrder", function_arn("orders-api")),
            "order-workflow-state-machine",
            "state LoadOrder invokes Lambda",
        ),
    ],
    ("no-lambda-in-pipelines", "graphql-api"): [
        (
            setting("tags", {"shop:pipeline": "graphql"}),
            "graphql-basketService",
            "a Lambda data source of GraphQL API graphql-api",
        ),
    ],
    ("no-lambda-in-pipelines", "http-api"): [
        (
            setting("tags", {"shop:pipeline": "http"}),
            "orders-integration",
            "a Lambda integration of API http-api",
        ),
    ],
}


@pytest.mark.parametrize(("policy", "name", "change", "subject", "names"), cases(STACK_CASES))
def test_a_stack_policy_fires_on_a_planted_violation(dev, policy, name, change, subject, names):
    resources = with_resources(dev, planted(dev.named(name), change))

    assert_fires(violations(policy, resources), dev.named(subject), names)


def test_a_dlq_two_targets_share_names_both(dev):
    dlq = dev.named("ordering-target-dlq").outputs["arn"]
    resources = with_resources(
        dev, planted(dev.named("stock-target"), setting("deadLetterConfig.arn", dlq))
    )

    assert_fires(
        violations("sqs-dead-letter-queues", resources),
        dev.named("ordering-target-dlq"),
        "is the DLQ of ['ordering-target', 'stock-target']",
    )


def test_a_dlq_without_its_alarm(dev):
    messages = violations("sqs-dead-letter-queues", without(dev, "stock-dlq-alarm"))

    assert_fires(messages, dev.named("stock-dlq"), "no ApproximateNumberOfMessagesVisible alarm")


def test_a_state_machine_without_its_failure_alarm(dev):
    messages = violations("sfn-failure-alarm", without(dev, "customer-notifier-failures-alarm"))

    assert_fires(
        messages, dev.named("customer-notifier-state-machine"), "no ExecutionsFailed alarm"
    )


def test_a_dlq_is_not_a_work_queue_and_a_queue_nothing_uses_must_redrive(dev):
    # the stock target's DLQ, once the target names another, is a queue without redrive
    elsewhere = setting("deadLetterConfig.arn", dev.named("ordering-target-dlq").outputs["arn"])
    resources = with_resources(dev, planted(dev.named("stock-target"), elsewhere))

    assert_fires(
        violations("sqs-work-queue-redrive", resources),
        dev.named("stock-target-dlq"),
        "redrivePolicy is not set",
    )


def test_untagged_resources_may_use_lambda(dev):
    """Only pipelines are held to no Lambda: a consumer's rule may target a function."""
    function = function_arn("stock-consumer")
    resources = with_resources(dev, planted(dev.named("stock-target"), setting("arn", function)))

    assert violations("no-lambda-in-pipelines", resources) == []


@pytest.mark.parametrize(
    ("policy", "name", "change"),
    [
        # rotation is for symmetric keys only
        (
            "kms-key-rotation",
            "customer-notifier-feedback-key",
            both(setting("enableKeyRotation", False), setting("customerMasterKeySpec", "RSA_2048")),
        ),
        # a STANDARD machine may wait for a job or a token
        (
            "sfn-express-no-wait-or-sync",
            "order-workflow-state-machine",
            both(
                setting("type", "STANDARD"),
                task_resource("LoadOrder", START_AND_WAIT),
            ),
        ),
        # an address identity signs with its domain's keys
        (
            "ses-identity-dkim-and-configuration-set",
            "customer-notifier-identity",
            both(
                setting("emailIdentity", "orders@dev.shop.example"),
                setting("dkimSigningAttributes", REMOVED),
            ),
        ),
        # a stream's mapping takes bigger batches, with no concurrency cap
        (
            "sqs-event-source-mapping",
            "stock-esm",
            both(
                setting("eventSourceArn", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/t/stream/x"),
                setting("batchSize", 100),
                setting("scalingConfig", REMOVED),
            ),
        ),
        # a rule without a schedule
        (
            "eventbridge-rule-schedule-expression",
            "stock-rule",
            setting("scheduleExpression", REMOVED),
        ),
    ],
    ids=["asymmetric-key", "standard-machine", "address-identity", "stream-mapping", "no-schedule"],
)
def test_a_policy_does_not_fire_where_its_rule_does_not_apply(dev, policy, name, change):
    assert violations(policy, [planted(dev.named(name), change)]) == []


VALID_SCHEDULES = [
    "rate(1 minute)",
    "rate(5 minutes)",
    "rate(1 hour)",
    "rate(12 hours)",
    "rate(1 day)",
    "rate(7 days)",
    "cron(0 12 * * ? *)",
    "cron(0/15 * ? * MON-FRI *)",
    "cron(0 8 L * ? *)",  # the month's last day
    "cron(0 8 15W * ? *)",  # the weekday nearest the 15th
    "cron(0 8 ? * 2#1 *)",  # the month's first Monday
    "cron(0 8 ? * 6L *)",  # the month's last Friday
    "cron(30 23 ? * SUN 2026-2030)",
]
INVALID_SCHEDULES = [
    ("rate(0 minutes)", "from 1"),
    ("rate(05 minutes)", "from 1"),
    ("rate(1 minutes)", "singular"),
    ("rate(5 minute)", "singular"),
    ("rate(2 weeks)", "rate(<value>"),
    ("rate(1.5 hours)", "rate(<value>"),
    ("rate(-1 days)", "rate(<value>"),
    ("cron(0 12 * * *)", "6 required"),  # Unix's five fields, which croniter accepts
    ("cron(0 12 * * * *)", "question mark"),  # both days given
    ("cron(60 12 * * ? *)", "minute"),
    ("cron(0 12 ? * 8 *)", "day-of-week"),
    ("cron(0 12 ? * 2#6 *)", "day-of-week"),
    ("cron(0 12 32 * ? *)", "day-of-month"),
    ("cron(0 12 * * ? 1969)", "year"),
    ("every 5 minutes", "not rate(...)"),
    ("cron(0 12 * * ? *", "not rate(...)"),
]


def schedule(expression: str) -> Registered:
    inputs = {
        "name": "nightly",
        "scheduleExpression": expression,
        "flexibleTimeWindow": {"mode": "OFF"},
    }
    return Registered(
        "aws:scheduler/schedule:Schedule", "nightly", inputs, inputs, "nightly", "urn:nightly"
    )


def rule(dev, expression: str) -> Registered:
    return planted(dev.named("audit-recorder-rule"), setting("scheduleExpression", expression))


@pytest.mark.parametrize("expression", [*VALID_SCHEDULES, "at(2026-12-31T23:59:00)"])
def test_a_valid_expression_passes_on_a_schedule(expression):
    assert violations("scheduler-schedule-expression", [schedule(expression)]) == []


@pytest.mark.parametrize("expression", VALID_SCHEDULES)
def test_a_valid_expression_passes_on_a_rule(dev, expression):
    assert violations("eventbridge-rule-schedule-expression", [rule(dev, expression)]) == []


@pytest.mark.parametrize(
    ("expression", "says"),
    [
        *INVALID_SCHEDULES,
        ("at(2026-13-01T00:00:00)", "yyyy-mm-ddThh:mm:ss"),
        ("at(2026-12-31 23:59:00)", "yyyy-mm-ddThh:mm:ss"),
        ("at(2026-12-31T23:59)", "yyyy-mm-ddThh:mm:ss"),
        ("at(2026-1-5T1:2:3)", "yyyy-mm-ddThh:mm:ss"),
    ],
)
def test_an_invalid_expression_fails_on_a_schedule(expression, says):
    resource = schedule(expression)

    assert_fires(violations("scheduler-schedule-expression", [resource]), resource, says)


@pytest.mark.parametrize(
    ("expression", "says"), [*INVALID_SCHEDULES, ("at(2026-12-31T23:59:00)", "not rules")]
)
def test_an_invalid_expression_fails_on_a_rule(dev, expression, says):
    resource = rule(dev, expression)

    assert_fires(violations("eventbridge-rule-schedule-expression", [resource]), resource, says)


def test_every_policy_is_mandatory_and_named_once():
    names = [p.name for p in POLICIES]

    assert len(names) == len(set(names))
    assert {p.enforcement_level.value for p in POLICIES} == {"mandatory"}


def test_the_tagged_pipelines_are_tagged_where_the_policy_looks(dev):
    """Without the tag the no-Lambda rule would pass vacuously: each pipeline's pipes,
    state machines and rules carry it."""
    tagged = {
        r.name: r.inputs["tags"]["shop:pipeline"]
        for r in dev.resources
        if r.typ.split(":")[-1] in {"Pipe", "StateMachine", "EventRule"} and "tags" in r.inputs
    }

    assert tagged == {
        "products-outbox-pipe": "products-outbox",
        "basket-outbox-pipe": "basket-outbox",
        "orders-outbox-pipe": "orders-outbox",
        "order-workflow-state-machine": "order-workflow",
        "order-workflow-refund-state-machine": "order-workflow",
        "customer-notifier-state-machine": "customer-notifier",
        "customer-notifier-rule": "customer-notifier",
        "graphql-order-status-rule": "graphql-order-status",
        "audit-recorder-state-machine": "audit-recorder",
        "audit-recorder-rule": "audit-recorder",
        "reviews-outbox-pipe": "reviews-outbox",
        **{
            f"reviews-{machine}-{kind}": "reviews"
            for machine in ("analysis", "thanks", "customer-service", "resumer")
            for kind in ("state-machine", "rule")
        },
        "sweeper-state-machine": "sweeper",
        "sales-report-state-machine": "sales-report",
    }
    assert not [f.name for f in dev.of_type("aws:lambda/function:Function") if "tags" in f.inputs]
    assert "tags" not in dev.named("graphql-api").inputs  # its Lambda fields are no pipeline


def test_a_policy_document_given_as_an_object_is_read_too(dev):
    """The engine passes JSON properties as text; an object (a policy built as a dict)
    is judged the same."""
    resource = dev.named("basket-api-policy")
    document = json.loads(resource.inputs["policy"])
    document["Statement"][0]["Action"] = ["dynamodb:*"]
    as_object = planted(resource, setting("policy", document))

    assert_fires(violations("iam-named-actions", [as_object]), resource, "'dynamodb:*'")


# The policies whose planted violations are the tests above, not the case tables.
PLANTED_APART = {
    "sfn-failure-alarm",
    "scheduler-schedule-expression",
    "eventbridge-rule-schedule-expression",
}


def test_every_policy_has_a_planted_violation():
    planted_for = {policy for policy, _ in RESOURCE_CASES | STACK_CASES} | PLANTED_APART

    assert planted_for == {p.name for p in POLICIES}
