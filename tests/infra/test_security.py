"""The security and observability defaults (docs/architecture.md#security), on
every resource, in every stack."""

import json

import pytest

from shop_common.routes import ROUTES
from tests.infra.helpers import FUNCTION, LOG_GROUP, ROLE, ROUTE, TABLE, statements
from tests.infra.mocks import ACCOUNT

# Actions AWS offers no resource-level permissions for: the only ones allowed on "*".
RESOURCELESS_ACTIONS = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    "dynamodb:ListStreams",  # a pipe's: lists stream ARNs, reads no records
}
PUBLIC_ROUTES = {"GET /products", "GET /products/{productId}", "GET /openapi.json"}
EXPECTED = {
    "dev": {"retention": 7, "protect": False, "workflow": "EXPRESS"},
    "prod": {"retention": 90, "protect": True, "workflow": "STANDARD"},
}


def all_policy_statements(deployment):
    for policy in deployment.of_type("aws:iam/rolePolicy:RolePolicy"):
        for statement in json.loads(policy.inputs["policy"])["Statement"]:
            yield policy.name, statement


def test_no_statement_uses_wildcard_actions(deployment):
    for name, statement in all_policy_statements(deployment):
        assert statement["Effect"] == "Allow"
        for action in statement["Action"]:
            assert "*" not in action, (name, action)


def test_star_resources_only_where_aws_allows_nothing_narrower(deployment):
    for name, statement in all_policy_statements(deployment):
        resources = statement["Resource"]
        resources = resources if isinstance(resources, list) else [resources]
        if "*" in resources:
            assert resources == ["*"], (name, statement)
            assert set(statement["Action"]) <= RESOURCELESS_ACTIONS, (name, statement)
        else:
            for resource in resources:
                assert resource.startswith("arn:aws:"), (name, resource)


def test_every_function_has_its_own_role(deployment):
    functions = deployment.of_type(FUNCTION)
    roles = [f.inputs["role"] for f in functions]
    # one per HTTP service and per queue consumer
    components = ("shop:index:HttpService", "shop:index:QueueConsumer")
    assert len(functions) == sum(len(deployment.of_type(c)) for c in components)
    assert len(set(roles)) == len(roles)
    for role_arn in roles:
        role = deployment.with_output("arn", role_arn, ROLE)
        trust = json.loads(role.inputs["assumeRolePolicy"])
        assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_every_function_has_the_runtime_defaults(deployment):
    for fn in deployment.of_type(FUNCTION):
        inputs = fn.inputs
        assert inputs["architectures"] == ["arm64"], fn.name
        assert inputs["runtime"] == "python3.13", fn.name
        assert inputs["tracingConfig"] == {"mode": "Active"}, fn.name
        assert inputs["loggingConfig"]["logFormat"] == "JSON", fn.name
        assert inputs["memorySize"] >= 128, fn.name
        assert 1 <= inputs["timeout"] <= 30, fn.name
        [layer] = inputs["layers"]
        assert layer.startswith(
            "arn:aws:lambda:us-east-1:017000801446:layer:"
            "AWSLambdaPowertoolsPythonV3-python313-arm64:"
        ), fn.name
        variables = inputs["environment"]["variables"]
        assert variables["POWERTOOLS_SERVICE_NAME"]
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "shop"


def test_every_function_logs_to_its_own_group_with_retention(deployment, request):
    stack = request.node.callspec.params["deployment"]
    groups = {g.inputs["name"]: g for g in deployment.of_type(LOG_GROUP)}
    for fn in deployment.of_type(FUNCTION):
        group = groups[fn.inputs["loggingConfig"]["logGroup"]]
        assert group.inputs["retentionInDays"] == EXPECTED[stack]["retention"]
        own = statements(deployment, fn)
        assert any(s["Resource"] == f"{group.outputs['arn']}:*" for s in own)


def test_every_log_group_has_retention(deployment, request):
    stack = request.node.callspec.params["deployment"]
    groups = deployment.of_type(LOG_GROUP)
    # the functions', the API's access log, the three state machines' and the audit trail's
    assert len(groups) == len(deployment.of_type(FUNCTION)) + 5
    for group in groups:
        assert group.inputs["retentionInDays"] == EXPECTED[stack]["retention"], group.name


def test_tables_are_on_demand_recoverable_encrypted_and_protected_in_prod(deployment, request):
    stack = request.node.callspec.params["deployment"]
    tables = deployment.of_type(TABLE)
    # products, baskets, orders, stock reservations; the products, basket and orders
    # outboxes; the products and basket services' idempotency records
    assert len(tables) == 9
    for table in tables:
        assert table.inputs["billingMode"] == "PAY_PER_REQUEST"
        assert table.inputs["pointInTimeRecovery"] == {"enabled": True}
        assert table.inputs["serverSideEncryption"] == {"enabled": True}
        assert table.inputs["deletionProtectionEnabled"] is EXPECTED[stack]["protect"]


def test_topics_are_encrypted(deployment):
    notifications = deployment.named("notifications-topic")
    feedback = deployment.named("customer-notifier-feedback")
    ops = deployment.named("operations-topic")  # its key: tests/infra/test_operations.py
    assert {t.name for t in deployment.of_type("aws:sns/topic:Topic")} == {
        notifications.name,
        feedback.name,
        ops.name,
    }
    assert notifications.inputs["kmsMasterKeyId"] == "alias/aws/sns"
    # SES publishes bounces and complaints with its service principal, which cannot use
    # the AWS-managed key: the feedback topic has a key of its own that SES may use.
    key = deployment.with_output("arn", feedback.inputs["kmsMasterKeyId"], "aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    [ses] = [
        s
        for s in json.loads(key.inputs["policy"])["Statement"]
        if s["Principal"] == {"Service": "ses.amazonaws.com"}
    ]
    assert set(ses["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    assert ses["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_the_stage_writes_json_access_logs_and_throttles(deployment):
    [stage] = deployment.of_type("aws:apigatewayv2/stage:Stage")
    log_format = json.loads(stage.inputs["accessLogSettings"]["format"])
    assert {"requestId", "status", "routeKey", "ip"} <= set(log_format)
    group = deployment.with_output(
        "arn", stage.inputs["accessLogSettings"]["destinationArn"], LOG_GROUP
    )
    assert group.inputs["retentionInDays"] > 0
    throttling = stage.inputs["defaultRouteSettings"]
    assert throttling["throttlingRateLimit"] > 0
    assert throttling["throttlingBurstLimit"] > 0


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
