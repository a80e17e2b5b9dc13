"""Each component on its own, with non-default args: properties asserted through
the resources' Outputs (returned from @pulumi.runtime.test so they are awaited)."""

import json
import re

import pulumi
import pytest

from components.alarms import at_least_one
from components.audit_recorder import AuditRecorder, AuditRecorderArgs
from components.customer_notifier import CustomerNotifier, CustomerNotifierArgs
from components.event_bus import EventBus, EventBusArgs
from components.function import FunctionSettings
from components.http_api import HttpApi, HttpApiArgs
from components.http_service import HttpService, HttpServiceArgs
from components.identity import Identity, IdentityArgs
from components.notifications import Notifications, NotificationsArgs
from components.operations import Operations, OperationsArgs
from components.order_workflow import OrderWorkflow, OrderWorkflowArgs
from components.queue_consumer import QueueConsumer, QueueConsumerArgs
from components.reviews import ReviewPipeline, ReviewPipelineArgs
from components.schedules import SCHEDULE_RETRY_POLICY
from components.sweeper import Sweeper, SweeperArgs
from components.tables import TableArgs, TableIndex
from shop_common.routes import Access, Route, served_by
from tests.infra.mocks import ShopMocks, start

SETTINGS = FunctionSettings(
    name_prefix="t",
    powertools_layer_arn="arn:aws:lambda:layer",
    timeout_seconds=30,
    memory_size=512,
    log_retention_days=3,
)


@pytest.fixture
def mocks():
    mocks = ShopMocks()
    start(mocks, "component-tests", {})
    return mocks


def check(*outputs, assertion):
    """Await outputs and run assertion on their values (inside the Pulumi test)."""
    return pulumi.Output.all(*outputs).apply(lambda values: assertion(*values))


@pulumi.runtime.test
def test_queue_consumer_derives_visibility_and_redrive_from_its_args(mocks):
    bus = EventBus("bus", EventBusArgs(bus_name="b"))
    consumer = QueueConsumer(
        "c",
        QueueConsumerArgs(
            bus=bus,
            event_pattern={"detail-type": ["X"]},
            handler_module="basket.consumer",
            settings=SETTINGS,
            batching_window_seconds=5,
            max_receive_count=7,
            max_concurrency=3,
            batch_size=4,
        ),
    )

    def assertion(
        visibility,
        redrive,
        dlq_arn,
        response_types,
        scaling,
        batch,
        target_dlq,
        target_dlq_arn,
        pattern,
    ):
        assert visibility == 6 * 30 + 5
        assert json.loads(redrive) == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 7}
        assert response_types == ["ReportBatchItemFailures"]
        assert scaling == {"maximum_concurrency": 3}
        assert batch == 4
        assert target_dlq == {"arn": target_dlq_arn}
        assert json.loads(pattern) == {"detail-type": ["X"]}

    return check(
        consumer.queue.visibility_timeout_seconds,
        consumer.queue.redrive_policy,
        consumer.dlq.arn,
        consumer.event_source_mapping.function_response_types,
        consumer.event_source_mapping.scaling_config,
        consumer.event_source_mapping.batch_size,
        consumer.target.dead_letter_config,
        consumer.target_dlq.arn,
        consumer.rule.event_pattern,
        assertion=assertion,
    )


@pytest.mark.parametrize(("field", "value"), [("max_receive_count", 4), ("max_concurrency", 1)])
def test_queue_consumer_refuses_unsafe_settings(field, value):
    with pytest.raises(ValueError, match=field):
        QueueConsumerArgs(
            bus=None,
            event_pattern={},
            handler_module="basket.consumer",
            settings=SETTINGS,
            **{field: value},
        )


@pulumi.runtime.test
def test_function_applies_settings_and_packages_the_handler(mocks):
    bus = EventBus("bus2", EventBusArgs(bus_name="b2"))
    consumer = QueueConsumer(
        "c2",
        QueueConsumerArgs(
            bus=bus, event_pattern={}, handler_module="ordering.consumer", settings=SETTINGS
        ),
    )
    fn = consumer.consumer.function

    def assertion(name, memory, timeout, handler, layers, log_group, retention, code):
        assert name == "t-c2-consumer"
        assert (memory, timeout) == (512, 30)
        assert handler == "ordering.consumer.lambda_handler"
        assert layers == ["arn:aws:lambda:layer"]
        assert log_group == "/aws/lambda/t-c2-consumer"
        assert retention == 3
        assert code.path.endswith("ordering.consumer.zip")

    return check(
        fn.name,
        fn.memory_size,
        fn.timeout,
        fn.handler,
        fn.layers,
        consumer.consumer.log_group.name,
        consumer.consumer.log_group.retention_in_days,
        fn.code,
        assertion=assertion,
    )


THINGS = (
    Route("GET", "/things/{thingId}", "products.api", "get_thing", Access.PUBLIC, "Get"),
    Route("POST", "/things", "products.api", "add_thing", Access.ADMIN, "Add"),
)


def api_of(name: str) -> HttpApi:
    identity = Identity(f"{name}-id", IdentityArgs(pool_name=name, admin_group="staff"))
    return HttpApi(
        name,
        HttpApiArgs(api_name=name, jwt_issuer=identity.issuer, jwt_audience=identity.client_id),
    )


@pulumi.runtime.test
def test_http_service_grants_its_table_and_indexes_and_protects_on_request(mocks):
    service = HttpService(
        "svc",
        HttpServiceArgs(
            api=api_of("a"),
            handler_module="products.api",
            settings=SETTINGS,
            deletion_protection=True,
            routes=THINGS,
            table=TableArgs(
                "id", indexes=[TableIndex("byX", "x", "y")], actions=["dynamodb:GetItem"]
            ),
        ),
    )
    fn = service.function

    def assertion(table_arn, protected, indexes, env, policy, route_auth):
        [statement] = [s for s in json.loads(policy)["Statement"] if s["Sid"] == "OwnTable"]
        assert statement["Action"] == ["dynamodb:GetItem"]
        assert statement["Resource"] == [table_arn, f"{table_arn}/index/*"]
        assert protected is True
        assert indexes[0]["key_schemas"] == [
            {"attribute_name": "x", "key_type": "HASH"},
            {"attribute_name": "y", "key_type": "RANGE"},
        ]
        assert env["variables"]["TABLE_NAME"]
        assert route_auth == ["NONE", "JWT"]

    return check(
        service.table.arn,
        service.table.deletion_protection_enabled,
        service.table.global_secondary_indexes,
        fn.function.environment,
        fn.policy.policy,
        pulumi.Output.all(*(r.authorization_type for r in service.routes)),
        assertion=assertion,
    )


@pulumi.runtime.test
def test_api_gateway_may_invoke_a_service_for_its_own_routes_only(mocks):
    api = api_of("perm")
    service = HttpService(
        "perm-svc",
        HttpServiceArgs(api=api, handler_module="products.api", settings=SETTINGS, routes=THINGS),
    )

    def assertion(execution_arn, sources, principals):
        assert sources == [f"{execution_arn}/*/GET/things/*", f"{execution_arn}/*/POST/things"]
        assert set(principals) == {"apigateway.amazonaws.com"}

    return check(
        api.execution_arn,
        pulumi.Output.all(*(p.source_arn for p in service.permissions)),
        pulumi.Output.all(*(p.principal for p in service.permissions)),
        assertion=assertion,
    )


def test_a_service_refuses_routes_another_handler_serves():
    with pytest.raises(ValueError, match="does not serve"):
        HttpServiceArgs(
            api=None,
            handler_module="basket.api",
            settings=SETTINGS,
            routes=served_by("products.api"),
        )


@pulumi.runtime.test
def test_a_read_grant_names_the_table_and_reads_only(mocks):
    service = HttpService(
        "cat",
        HttpServiceArgs(
            api=api_of("cat-api"),
            handler_module="products.api",
            settings=SETTINGS,
            routes=THINGS,
            table=TableArgs("id"),
        ),
    )
    with pytest.raises(ValueError, match="PutItem"):
        service.grant_read("Write", ["dynamodb:GetItem", "dynamodb:PutItem"])
    statement = service.grant_read("Read", ["dynamodb:GetItem", "dynamodb:BatchGetItem"])

    def assertion(table_arn, resource):
        assert resource == table_arn
        assert statement["Action"] == ["dynamodb:GetItem", "dynamodb:BatchGetItem"]

    return check(service.table.arn, statement["Resource"], assertion=assertion)


@pulumi.runtime.test
def test_a_publish_grant_is_bound_to_its_sources(mocks):
    bus = EventBus("pub", EventBusArgs(bus_name="pub"))
    with pytest.raises(ValueError, match="at least one source"):
        bus.grant_publish([])
    statement = bus.grant_publish(["shop.b", "shop.a"])

    def assertion(bus_arn, resource):
        assert resource == bus_arn
        assert statement["Action"] == ["events:PutEvents"]
        assert statement["Condition"] == {"StringEquals": {"events:source": ["shop.a", "shop.b"]}}

    return check(bus.bus_arn, statement["Resource"], assertion=assertion)


@pulumi.runtime.test
def test_http_service_without_a_table_gets_no_table_access(mocks):
    service = HttpService(
        "doc",
        HttpServiceArgs(
            api=api_of("a2"),
            handler_module="openapi.api",
            settings=SETTINGS,
            routes=served_by("openapi.api"),
        ),
    )
    assert service.table is None

    def assertion(env, policy):
        assert "TABLE_NAME" not in env["variables"]
        assert not any(
            a.startswith("dynamodb:") for s in json.loads(policy)["Statement"] for a in s["Action"]
        )

    return check(
        service.function.function.environment, service.function.policy.policy, assertion=assertion
    )


@pulumi.runtime.test
def test_identity_issuer_and_client_flows(mocks):
    identity = Identity(
        "idp", IdentityArgs(pool_name="pool", admin_group="staff", deletion_protection=True)
    )

    def assertion(issuer, flows, protection, group):
        assert issuer.startswith("https://cognito-idp.")
        assert set(flows) == {
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        }
        assert protection == "ACTIVE"
        assert group == "staff"

    return check(
        identity.issuer,
        identity.client.explicit_auth_flows,
        identity.user_pool.deletion_protection,
        identity.admin_group.name,
        assertion=assertion,
    )


@pulumi.runtime.test
def test_express_workflows_log_everything(mocks):
    workflow = OrderWorkflow(
        "wf",
        OrderWorkflowArgs(
            state_machine_name="m",
            orders_table_name="orders",
            orders_table_arn="arn:aws:dynamodb:t",
            event_bus=EventBus("wf-bus", EventBusArgs(bus_name="bus")),
            payment_limit=250,
            workflow_type="EXPRESS",
        ),
    )

    def assertion(kind, logging, definition):
        assert kind == "EXPRESS"
        assert logging["level"] == "ALL"
        assert logging["include_execution_data"] is False  # e-mail and payment token
        limit = json.loads(definition)["States"]["AuthorizePayment"]["Choices"][1]
        assert limit["NumericGreaterThan"] == 250

    return check(
        workflow.state_machine.type,
        workflow.state_machine.logging_configuration,
        workflow.state_machine.definition,
        assertion=assertion,
    )


@pytest.mark.parametrize(("field", "value"), [("workflow_type", "FAST"), ("payment_limit", 0)])
def test_order_workflow_refuses_bad_settings(field, value):
    args = {
        "state_machine_name": "m",
        "orders_table_name": "o",
        "orders_table_arn": "a",
        "event_bus": None,
        "payment_limit": 1,
    }
    with pytest.raises(ValueError, match=field):
        OrderWorkflowArgs(**(args | {field: value}))


@pulumi.runtime.test
def test_notifications_subscribe_an_email_with_its_filter(mocks):
    notifications = Notifications(
        "n",
        NotificationsArgs(
            topic_name="t",
            email="ops@example.com",
            email_filter={"eventType": ["OrderPaymentFailed"]},
        ),
    )
    assert Notifications("quiet", NotificationsArgs(topic_name="q")).email_subscription is None

    def assertion(protocol, endpoint, filter_policy, topic, topic_arn):
        assert (protocol, endpoint) == ("email", "ops@example.com")
        assert json.loads(filter_policy) == {"eventType": ["OrderPaymentFailed"]}
        assert topic == topic_arn

    subscription = notifications.email_subscription
    return check(
        subscription.protocol,
        subscription.endpoint,
        subscription.filter_policy,
        subscription.topic,
        notifications.topic.arn,
        assertion=assertion,
    )


@pulumi.runtime.test
def test_event_bus_archives_its_sources_events(mocks):
    bus = EventBus(
        "eb", EventBusArgs(bus_name="shop-x", archive_retention_days=30, source_prefix="acme.")
    )

    def assertion(archive_pattern, retention):
        assert json.loads(archive_pattern) == {"source": [{"prefix": "acme."}]}
        assert retention == 30

    return check(bus.archive.event_pattern, bus.archive.retention_days, assertion=assertion)


@pulumi.runtime.test
def test_the_audit_recorder_records_its_bus_events_for_the_retention_given(mocks):
    recorder = AuditRecorder(
        "ar",
        AuditRecorderArgs(
            name_prefix="p",
            bus=EventBus("ar-bus", EventBusArgs(bus_name="b", source_prefix="acme.")),
            table_name="audit",
            table_arn="arn:aws:dynamodb:us-east-1:123456789012:table/audit",
            retention_days=45,
            log_retention_days=30,
        ),
    )

    def assertion(pattern, definition, kind, logging, tracing, retention, dlq, dlq_arn):
        assert json.loads(pattern) == {"source": [{"prefix": "acme."}]}
        record = json.loads(definition)["States"]["Record"]["Parameters"]
        assert record["TableName"] == "audit"
        assert f"{46 * 864})" in record["Item"]["expiresAt"]["N.$"]  # 45 days, and the day
        assert kind == "EXPRESS"
        assert (logging["level"], logging["include_execution_data"]) == ("ALL", False)
        assert tracing == {"enabled": True}
        assert retention == 30
        assert dlq == {"arn": dlq_arn}

    return check(
        recorder.rule.event_pattern,
        recorder.state_machine.definition,
        recorder.state_machine.type,
        recorder.state_machine.logging_configuration,
        recorder.state_machine.tracing_configuration,
        recorder.log_group.retention_in_days,
        recorder.target.dead_letter_config,
        recorder.target_dlq.arn,
        assertion=assertion,
    )


@pytest.mark.parametrize("days", [0, -1])
def test_the_audit_recorder_refuses_a_retention_under_a_day(days):
    with pytest.raises(ValueError, match="retention_days"):
        AuditRecorderArgs(
            name_prefix="p", bus=None, table_name="t", table_arn="a", retention_days=days
        )


@pulumi.runtime.test
def test_customer_notifier_sends_from_its_senders_domain_with_a_log_retention(mocks):
    notifier = CustomerNotifier(
        "c",
        CustomerNotifierArgs(
            name_prefix="p",
            bus=EventBus("c-bus", EventBusArgs(bus_name="b")),
            event_pattern={"source": ["shop.ordering"], "detail-type": ["OrderPaid"]},
            orders_table_name="orders",
            orders_table_arn="arn:aws:dynamodb:us-east-1:123456789012:table/orders",
            topic_arn="arn:aws:sns:us-east-1:123456789012:t",
            sender="hello@mail.example.org",
            log_retention_days=30,
        ),
    )

    def assertion(identity, retention, definition, pattern):
        assert identity == "mail.example.org"
        assert retention == 30
        assert json.loads(definition)["States"]["SendEmail"]["Parameters"]["FromEmailAddress"] == (
            "hello@mail.example.org"
        )
        assert json.loads(pattern) == {"source": ["shop.ordering"], "detail-type": ["OrderPaid"]}

    return check(
        notifier.identity.email_identity,
        notifier.log_group.retention_in_days,
        notifier.state_machine.definition,
        notifier.rule.event_pattern,
        assertion=assertion,
    )


@pytest.mark.parametrize("sender", ["orders", "orders@localhost", "@shop.example"])
def test_customer_notifier_refuses_a_sender_without_a_domain(sender):
    with pytest.raises(ValueError, match="sender"):
        CustomerNotifierArgs(
            name_prefix="p",
            bus=None,
            event_pattern={},
            orders_table_name="o",
            orders_table_arn="a",
            topic_arn="t",
            sender=sender,
        )


@pulumi.runtime.test
def test_operations_notifies_every_alarm_made_after_its_transformation_is_registered(mocks):
    ops = Operations(
        "ops",
        OperationsArgs(
            name_prefix="shop-x", monthly_budget_usd=7, trace_sample_rate=0.5, email="o@example.com"
        ),
    )
    metric = {"namespace": "AWS/SQS", "metric_name": "M", "dimensions": {"QueueName": "q"}}
    before = at_least_one("before", ops, description="made before", **metric)
    pulumi.runtime.register_stack_transformation(ops.notify_on_every_alarm())
    # A transformation reaches what is created later, under parents created later too
    # (a component copies its parent's transformations when it is made).
    later = pulumi.ComponentResource("test:index:Later", "later")
    after = at_least_one("after", later, description="made after", **metric)

    def assertion(topic_arn, before_actions, after_actions, after_ok, limit, rate, endpoint):
        assert before_actions is None
        assert after_actions == after_ok == [topic_arn]
        assert (limit, rate, endpoint) == ("7", 0.5, "o@example.com")

    return check(
        ops.topic_arn,
        before.alarm_actions,
        after.alarm_actions,
        after.ok_actions,
        ops.budget.limit_amount,
        ops.sampling_rule.fixed_rate,
        ops.email_subscription.endpoint,
        assertion=assertion,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("monthly_budget_usd", 0), ("trace_sample_rate", 1.5), ("name_prefix", "x" * 33)],
)
def test_operations_refuses_bad_settings(field, value):
    args = {"name_prefix": "shop-x", "monthly_budget_usd": 1, "trace_sample_rate": 0.1}
    with pytest.raises(ValueError, match=field):
        OperationsArgs(**(args | {field: value}))


@pulumi.runtime.test
def test_the_sweeper_runs_on_its_schedule_and_alarms_on_what_it_finds(mocks):
    bus = EventBus("bus", EventBusArgs(bus_name="b"))
    sweeper = Sweeper(
        "sweeper",
        SweeperArgs(
            name_prefix="shop-x",
            schedule_expression="cron(0/5 8-18 ? * MON-FRI *)",
            orders_table_name="orders",
            orders_table_arn="arn:aws:dynamodb:us-east-1:123456789012:table/orders",
            baskets_table_name="baskets",
            baskets_table_arn="arn:aws:dynamodb:us-east-1:123456789012:table/baskets",
            bus=bus,
            log_retention_days=3,
        ),
    )

    def assertion(expression, timezone, window, target, machine_arn, dlq_arn, dimensions, days):
        assert (expression, timezone) == ("cron(0/5 8-18 ? * MON-FRI *)", "UTC")
        assert window == {"mode": "OFF"}
        assert target["arn"] == machine_arn
        assert target["dead_letter_config"] == {"arn": dlq_arn}
        assert target["retry_policy"] == SCHEDULE_RETRY_POLICY
        assert json.loads(target["input"]) == {"scheduledTime": "<aws.scheduler.scheduled-time>"}
        assert dimensions == {"service": "shop-x-sweeper"}  # the metric the machine puts
        assert days == 3

    return check(
        sweeper.schedule.schedule_expression,
        sweeper.schedule.schedule_expression_timezone,
        sweeper.schedule.flexible_time_window,
        sweeper.schedule.target,
        sweeper.arn,
        sweeper.schedule_dlq.arn,
        sweeper.stale_alarm.dimensions,
        sweeper.log_group.retention_in_days,
        assertion=assertion,
    )


REVIEW_ARGS = {
    "name_prefix": "p",
    "bus": None,
    "outbox_table_arn": "arn:aws:dynamodb:us-east-1:123456789012:table/outbox",
    "user_pool_id": "us-east-1_pool",
    "user_pool_arn": "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_pool",
    "sender": "hello@mail.example.org",
    "configuration_set_name": "set",
    "configuration_set_arn": "arn:aws:ses:us-east-1:123456789012:configuration-set/set",
    "identity_arn": "arn:aws:ses:us-east-1:123456789012:identity/mail.example.org",
    "support_topic_arn": "arn:aws:sns:us-east-1:123456789012:support",
    "ops_topic_arn": "arn:aws:sns:us-east-1:123456789012:ops",
    "ops_key_arn": "arn:aws:kms:us-east-1:123456789012:key/k",
}


@pulumi.runtime.test
def test_reviews_read_in_their_language_wait_their_times_and_protect_their_table(mocks):
    pipeline = ReviewPipeline(
        "r",
        ReviewPipelineArgs(
            **(REVIEW_ARGS | {"bus": EventBus("r-bus", EventBusArgs(bus_name="b"))}),
            language="de",
            escalation_seconds=60,
            timeout_seconds=90,
            deletion_protection=True,
        ),
    )

    def assertion(analysis, service, protected):
        detect = json.loads(analysis)["States"]["DetectSentiment"]
        assert detect["Parameters"]["LanguageCode"] == "de"
        states = json.loads(service)["States"]
        assert states["WaitForAgent"]["HeartbeatSeconds"] == 60
        assert states["WaitForAgent"]["TimeoutSeconds"] == 90
        assert states["WaitAfterEscalation"]["TimeoutSeconds"] == 30
        assert protected is True

    return check(
        pipeline.analysis.state_machine.definition,
        pipeline.customer_service.state_machine.definition,
        pipeline.table.deletion_protection_enabled,
        assertion=assertion,
    )


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("language", "english", "language"),
        ("escalation_seconds", 0, "escalation_seconds"),
        ("escalation_seconds", 90, "escalates before it closes"),
        ("timeout_seconds", 400 * 24 * 60 * 60, "year"),
    ],
)
def test_reviews_refuse_a_language_comprehend_lacks_and_waits_out_of_order(field, value, says):
    with pytest.raises(ValueError, match=says):
        ReviewPipelineArgs(**(REVIEW_ARGS | {"timeout_seconds": 90, field: value}))


@pytest.mark.parametrize(
    ("expression", "says"),
    [("rate(15 minute)", "singular"), ("cron(*/15 * * * *)", "6 required"), ("15m", "rate")],
)
def test_the_sweeper_refuses_a_schedule_aws_would_refuse(expression, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        SweeperArgs(
            name_prefix="shop-x",
            schedule_expression=expression,
            orders_table_name="o",
            orders_table_arn="arn:o",
            baskets_table_name="b",
            baskets_table_arn="arn:b",
            bus=None,  # refused before it is used
        )
