"""The security and observability defaults (docs/architecture.md#security) are the
policy pack's rules (policy/shop_policies.py), which tests/infra/test_policy_pack.py
evaluates on every stack. What stays here is what the pack cannot know: how many of
each the program makes, which routes are public, what the stack settings give, and
which key each topic uses."""

import json

import pytest

from shop_common.routes import ROUTES
from tests.infra.helpers import FUNCTION, LOG_GROUP, MACHINE, ROUTE, TABLE
from tests.infra.mocks import ACCOUNT

PUBLIC_ROUTES = {"GET /products", "GET /products/{productId}", "GET /openapi.json"}
EXPECTED = {
    "dev": {"retention": 7, "protect": False, "workflow": "EXPRESS", "audit_days": 7},
    "prod": {"retention": 90, "protect": True, "workflow": "STANDARD", "audit_days": 90},
}


def test_one_function_per_http_service_and_consumer(deployment):
    functions = deployment.of_type(FUNCTION)
    components = ("shop:index:HttpService", "shop:index:QueueConsumer")

    assert len(functions) == sum(len(deployment.of_type(c)) for c in components)


def test_every_log_group_keeps_the_stacks_retention(deployment, request):
    stack = request.node.callspec.params["deployment"]
    groups = deployment.of_type(LOG_GROUP)
    # the functions', the API's access log, and the state machines' (the order and refund
    # workflows, the customer notifier, the audit recorder, the reviews' four, the sweeper,
    # the sales report)
    machines = deployment.of_type(MACHINE)
    assert len(machines) == 10
    assert len(groups) == len(deployment.of_type(FUNCTION)) + 1 + len(machines)
    for group in groups:
        assert group.inputs["retentionInDays"] == EXPECTED[stack]["retention"], group.name


def test_the_tables_are_counted_and_protected_in_prod_only(deployment, request):
    stack = request.node.callspec.params["deployment"]
    tables = deployment.of_type(TABLE)
    # products, baskets, orders, stock reservations, the audit, reviews; the products, basket,
    # orders and reviews outboxes; the products and basket services' idempotency records; the
    # sales counters
    assert len(tables) == 13
    for table in tables:
        assert table.inputs["deletionProtectionEnabled"] is EXPECTED[stack]["protect"]


def test_notifications_use_the_aws_managed_key_and_feedback_a_key_ses_may_use(deployment):
    notifications = deployment.named("notifications-topic")
    customer_service = deployment.named("customer-service-topic")
    feedback = deployment.named("customer-notifier-feedback")
    ops = deployment.named("operations-topic")  # its key: tests/infra/test_operations.py
    assert {t.name for t in deployment.of_type("aws:sns/topic:Topic")} == {
        notifications.name,
        customer_service.name,
        feedback.name,
        ops.name,
    }
    assert notifications.inputs["kmsMasterKeyId"] == "alias/aws/sns"
    assert customer_service.inputs["kmsMasterKeyId"] == "alias/aws/sns"
    # SES publishes bounces and complaints with its service principal, which cannot use
    # the AWS-managed key: the feedback topic has a key of its own that SES may use.
    key = deployment.with_output("arn", feedback.inputs["kmsMasterKeyId"], "aws:kms/key:Key")
    [ses] = [
        s
        for s in json.loads(key.inputs["policy"])["Statement"]
        if s["Principal"] == {"Service": "ses.amazonaws.com"}
    ]
    assert set(ses["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    assert ses["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_only_product_reads_and_the_openapi_document_are_public(deployment):
    [authorizer] = deployment.of_type("aws:apigatewayv2/authorizer:Authorizer")
    routes = {r.inputs["routeKey"]: r for r in deployment.of_type(ROUTE)}
    assert len(routes) == len(ROUTES)
    for key, route in routes.items():
        if key in PUBLIC_ROUTES:
            assert route.inputs["authorizationType"] == "NONE", key
            assert "authorizerId" not in route.inputs, key
        else:
            assert route.inputs["authorizationType"] == "JWT", key
            assert route.inputs["authorizerId"] == authorizer.id, key


def test_the_jwt_authorizer_trusts_the_user_pool_and_its_client(deployment):
    [authorizer] = deployment.of_type("aws:apigatewayv2/authorizer:Authorizer")
    [pool] = deployment.of_type("aws:cognito/userPool:UserPool")
    [client] = deployment.of_type("aws:cognito/userPoolClient:UserPoolClient")
    jwt = authorizer.inputs["jwtConfiguration"]
    assert jwt["issuer"] == f"https://{pool.outputs['endpoint']}"
    assert jwt["audiences"] == [deployment.outputs["userPoolClientId"]]
    assert authorizer.inputs["identitySources"] == ["$request.header.Authorization"]
    assert "ALLOW_USER_PASSWORD_AUTH" in client.inputs["explicitAuthFlows"]
    assert client.inputs["generateSecret"] is False


def test_the_admin_group_exists_in_the_pool(deployment):
    [group] = deployment.of_type("aws:cognito/userGroup:UserGroup")
    assert group.inputs["name"] == "admin"
    assert group.inputs["userPoolId"] == deployment.outputs["userPoolId"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_settings_reach_the_resources(stack, dev, prod):
    deployment = {"dev": dev, "prod": prod}[stack]
    machines = [
        deployment.named(name)
        for name in ("order-workflow-state-machine", "order-workflow-refund-state-machine")
    ]
    [pool] = deployment.of_type("aws:cognito/userPool:UserPool")
    assert {m.inputs["type"] for m in machines} == {EXPECTED[stack]["workflow"]}
    assert pool.inputs["deletionProtection"] == (
        "ACTIVE" if EXPECTED[stack]["protect"] else "INACTIVE"
    )
    recorder = json.loads(deployment.named("audit-recorder-state-machine").inputs["definition"])
    kept = (EXPECTED[stack]["audit_days"] + 1) * 864  # in hundreds of seconds, with the day
    assert recorder["States"]["Record"]["Parameters"]["Item"]["expiresAt"]["N.$"].endswith(
        f", {kept})))"
    )
