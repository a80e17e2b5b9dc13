"""Each component on its own, with non-default args: properties asserted through
the resources' Outputs (returned from @pulumi.runtime.test so they are awaited)."""

import json

import pulumi
import pytest

from components.crud_service import CrudService, CrudServiceArgs, Route, TableArgs, TableIndex
from components.event_bus import EventBus, EventBusArgs
from components.function import FunctionSettings
from components.http_api import HttpApi, HttpApiArgs
from components.identity import Identity, IdentityArgs
from components.notifications import Notifications, NotificationsArgs
from components.order_workflow import OrderWorkflow, OrderWorkflowArgs
from components.queue_consumer import QueueConsumer, QueueConsumerArgs
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


@pulumi.runtime.test
def test_crud_service_grants_its_table_and_indexes_and_protects_on_request(mocks):
    identity = Identity("id", IdentityArgs(pool_name="p"))
    api = HttpApi(
        "api",
        HttpApiArgs(api_name="a", jwt_issuer=identity.issuer, jwt_audience=identity.client_id),
    )
    service = CrudService(
        "svc",
        CrudServiceArgs(
            api=api,
            handler_module="products.api",
            settings=SETTINGS,
            deletion_protection=True,
            routes=[Route("GET /things", public=True), Route("POST /things")],
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
def test_crud_service_without_a_table_gets_no_table_access(mocks):
    identity = Identity("id2", IdentityArgs(pool_name="p2"))
    api = HttpApi(
        "api2",
        HttpApiArgs(api_name="a2", jwt_issuer=identity.issuer, jwt_audience=identity.client_id),
    )
    service = CrudService(
        "doc",
        CrudServiceArgs(
            api=api,
            handler_module="openapi.api",
            settings=SETTINGS,
            routes=[Route("GET /openapi.json", public=True)],
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
    identity = Identity("idp", IdentityArgs(pool_name="pool", deletion_protection=True))

    def assertion(issuer, flows, protection, group):
        assert issuer.startswith("https://cognito-idp.")
        assert set(flows) == {
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        }
        assert protection == "ACTIVE"
        assert group == "admin"

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
            event_bus_name="bus",
            event_bus_arn="arn:aws:events:b",
            topic_arn="arn:aws:sns:t",
            payment_limit=250,
            workflow_type="EXPRESS",
        ),
    )

    def assertion(kind, logging, definition):
        assert kind == "EXPRESS"
        assert logging["level"] == "ALL"
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
        "event_bus_name": "b",
        "event_bus_arn": "a",
        "topic_arn": "t",
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
def test_event_bus_archives_and_audits_shop_events(mocks):
    bus = EventBus(
        "eb",
        EventBusArgs(bus_name="shop-x", archive_retention_days=30, audit_log_retention_days=60),
    )

    def assertion(archive_pattern, retention, audit_arn, target_arn, dlq, dlq_arn, log_retention):
        assert json.loads(archive_pattern) == {"source": [{"prefix": "shop."}]}
        assert retention == 30
        assert target_arn == audit_arn
        assert dlq == {"arn": dlq_arn}
        assert log_retention == 60

    return check(
        bus.archive.event_pattern,
        bus.archive.retention_days,
        bus.audit_log_group.arn,
        bus.audit_target.arn,
        bus.audit_target.dead_letter_config,
        bus.audit_dlq.arn,
        bus.audit_log_group.retention_in_days,
        assertion=assertion,
    )
