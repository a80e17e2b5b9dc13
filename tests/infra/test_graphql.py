"""The GraphQL front door (components/graphql_api.py) under mocks: the API and its auth
modes, a resolver per field of the fields table with its code, least-privilege data
sources, and the rule that pushes order events to subscribers through AppSync."""

import json
import re

import pytest
from graphql import parse
from graphql.language import (
    EnumTypeDefinitionNode,
    InputObjectTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    print_ast,
)

from components.graphql_api import (
    QUERY_DEPTH_LIMIT,
    RESOLVER_COUNT_LIMIT,
    RESOLVER_DIR,
    SCHEMA_FILE,
    STATUS_VARIABLES,
)
from ordering.repository import USER_INDEX
from products.repository import CATEGORY_INDEX
from shop_common import contracts
from shop_common.contracts import ORDER_STATUS_PUSH, rule_pattern
from shop_common.graphql_fields import FIELDS, LAMBDA_SERVICES, PUBLISH_ORDER_STATUS, DataSource
from shop_common.routes import ADMIN_GROUP
from tests.infra.helpers import ROLE, ROLE_POLICY, RULE, TARGET, function
from tests.infra.mocks import ACCOUNT, REGION

API = "aws:appsync/graphQLApi:GraphQLApi"
DATA_SOURCE = "aws:appsync/dataSource:DataSource"
RESOLVER = "aws:appsync/resolver:Resolver"
FUNCTION = "aws:appsync/function:Function"
DOCUMENT = parse(SCHEMA_FILE.read_text(encoding="utf-8"))
DEFINITIONS = {d.name.value: d for d in DOCUMENT.definitions if hasattr(d, "name")}
ROOT_TYPES = ("Query", "Mutation", "Subscription")


def directives(node) -> dict[str, dict]:
    return {
        d.name.value: {a.name.value: print_ast(a.value) for a in d.arguments or ()}
        for d in node.directives or ()
    }


def schema_field(type_name: str, name: str):
    [match] = [f for f in DEFINITIONS[type_name].fields if f.name.value == name]
    return match


def policy_of(deployment, role_arn: str) -> list[dict]:
    role = deployment.with_output("arn", role_arn, ROLE)
    [policy] = [
        p for p in deployment.of_type(ROLE_POLICY) if p.inputs["role"] == role.outputs["name"]
    ]
    return json.loads(policy.inputs["policy"])["Statement"]


def test_the_api_serves_the_committed_schema_with_the_shops_user_pool(deployment):
    [api] = deployment.of_type(API)
    [pool] = deployment.of_type("aws:cognito/userPool:UserPool")

    assert api.inputs["schema"] == SCHEMA_FILE.read_text(encoding="utf-8")
    assert api.inputs["authenticationType"] == "AMAZON_COGNITO_USER_POOLS"
    assert api.inputs["userPoolConfig"] == {
        "userPoolId": pool.id,
        "awsRegion": REGION,
        "defaultAction": "ALLOW",
    }
    assert api.inputs["additionalAuthenticationProviders"] == [{"authenticationType": "AWS_IAM"}]
    assert api.inputs["queryDepthLimit"] == QUERY_DEPTH_LIMIT
    assert api.inputs["resolverCountLimit"] == RESOLVER_COUNT_LIMIT


def test_logging_tracing_and_caching_are_off_by_default(deployment):
    [api] = deployment.of_type(API)

    assert api.inputs["xrayEnabled"] is False
    assert "logConfig" not in api.inputs
    assert not deployment.of_type("aws:appsync/apiCache:ApiCache")


def test_its_endpoints_are_stack_outputs(dev):
    [api] = dev.of_type(API)

    assert dev.outputs["graphqlUrl"] == api.outputs["uris"]["GRAPHQL"]
    assert dev.outputs["graphqlRealtimeUrl"] == api.outputs["uris"]["REALTIME"]


def test_every_root_field_of_the_schema_has_exactly_one_resolver(dev):
    in_schema = {
        (type_name, f.name.value) for type_name in ROOT_TYPES for f in DEFINITIONS[type_name].fields
    }
    declared = [(f.type, f.name) for f in FIELDS]
    resolved = [(r.inputs["type"], r.inputs["field"]) for r in dev.of_type(RESOLVER)]

    assert sorted(declared) == sorted(set(declared)) == sorted(in_schema)
    assert sorted(resolved) == sorted(in_schema)


def without_settings(code: str) -> str:
    """Resolver code as committed: the stack settings block without what was filled in."""
    return re.sub(r"(// settings: [^\n]*\n).*?(// END stack settings)", r"\1\2", code, flags=re.S)


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f"{f.type}.{f.name}")
def test_each_resolver_runs_its_file_on_its_data_source(dev, field):
    [resolver] = [
        r
        for r in dev.of_type(RESOLVER)
        if (r.inputs["type"], r.inputs["field"]) == (field.type, field.name)
    ]
    committed = (RESOLVER_DIR / field.code).read_text(encoding="utf-8")

    assert resolver.inputs["runtime"] == {"name": "APPSYNC_JS", "runtimeVersion": "1.0.0"}
    assert without_settings(resolver.inputs["code"]) == committed
    if not field.pipeline:
        assert resolver.inputs["kind"] == "UNIT"
        assert resolver.inputs["dataSource"] == field.data_source.value
        return
    # A pipeline: its functions in order, each its file on its data source.
    assert resolver.inputs["kind"] == "PIPELINE"
    assert "dataSource" not in resolver.inputs
    functions = [
        dev.with_output("functionId", function_id, FUNCTION)
        for function_id in resolver.inputs["pipelineConfig"]["functions"]
    ]
    assert [f.inputs["name"] for f in functions] == [step.name for step in field.pipeline]
    for made, step in zip(functions, field.pipeline, strict=True):
        assert made.inputs["dataSource"] == step.data_source.value
        assert made.inputs["runtime"] == {"name": "APPSYNC_JS", "runtimeVersion": "1.0.0"}
        assert without_settings(made.inputs["code"]) == (RESOLVER_DIR / step.code).read_text(
            encoding="utf-8"
        )


def test_the_stack_settings_blocks_get_the_stacks_values(deployment, request):
    """Each resolver's stack settings block declares what it names, with this stack's
    value: the reviews' table names and their daily limit."""
    stack = request.node.callspec.params["deployment"]
    limits = {"dev": 5, "prod": 5}  # Pulumi.yaml's default; neither stack changes it
    expected = {
        "REVIEWS_TABLE": deployment.outputs["reviewsTableName"],
        "REVIEWS_OUTBOX_TABLE": deployment.outputs["reviewsOutboxTableName"],
        "REVIEWS_PER_DAY": limits[stack],
    }
    codes = [r.inputs["code"] for r in deployment.of_type(RESOLVER)] + [
        f.inputs["code"] for f in deployment.of_type(FUNCTION)
    ]
    declared = {}
    for code in codes:
        for name, value in re.findall(r"^const ([A-Z_]+) = (.*);$", code, flags=re.M):
            if name in expected:
                declared.setdefault(name, set()).add(json.loads(value))
    assert declared == {name: {value} for name, value in expected.items()}


# What the JS resolvers read: appsync/resolvers/product(s).js, order(s).js and
# orderTimeline.js (items and an index), auditEvents.js (a Query of the table itself).
TABLE_READS = {
    DataSource.PRODUCTS_TABLE: ("products", ["dynamodb:GetItem", "dynamodb:Scan"], CATEGORY_INDEX),
    DataSource.ORDERS_TABLE: ("orders", ["dynamodb:GetItem"], USER_INDEX),
    DataSource.AUDIT_TABLE: ("audit", ["dynamodb:Query"], None),
}


@pytest.mark.parametrize("source", TABLE_READS)
def test_table_data_sources_may_only_make_their_resolvers_reads(dev, source):
    key, item_reads, index = TABLE_READS[source]
    [data_source] = [d for d in dev.of_type(DATA_SOURCE) if d.inputs["name"] == source]
    table_name = dev.outputs[f"{key}TableName"]
    table_arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table_name}"

    assert data_source.inputs["type"] == "AMAZON_DYNAMODB"
    assert data_source.inputs["dynamodbConfig"]["tableName"] == table_name
    items, *queries = policy_of(dev, data_source.inputs["serviceRoleArn"])
    assert (items["Action"], items["Resource"]) == (item_reads, table_arn)
    if index is None:
        assert queries == []  # no index read
    else:
        [query] = queries
        assert (query["Action"], query["Resource"]) == (
            ["dynamodb:Query"],
            [f"{table_arn}/index/{index}"],
        )


def test_only_appsync_for_this_api_and_account_may_assume_the_data_source_roles(dev):
    [api] = dev.of_type(API)
    for data_source in dev.of_type(DATA_SOURCE):
        if "serviceRoleArn" not in data_source.inputs:
            continue
        role = dev.with_output("arn", data_source.inputs["serviceRoleArn"], ROLE)
        [trust] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert trust["Principal"] == {"Service": "appsync.amazonaws.com"}
        assert trust["Condition"] == {
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
            "ArnLike": {"aws:SourceArn": api.outputs["arn"]},
        }


def test_lambda_data_sources_invoke_only_their_services_function(dev):
    for source, module in LAMBDA_SERVICES.items():
        [data_source] = [d for d in dev.of_type(DATA_SOURCE) if d.inputs["name"] == source]
        service_function = function(dev, module)

        assert data_source.inputs["type"] == "AWS_LAMBDA"
        assert data_source.inputs["lambdaConfig"]["functionArn"] == service_function.outputs["arn"]
        [statement] = policy_of(dev, data_source.inputs["serviceRoleArn"])
        assert statement["Action"] == ["lambda:InvokeFunction"]
        assert statement["Resource"] == service_function.outputs["arn"]


def test_the_none_data_source_has_no_role(dev):
    [none] = [d for d in dev.of_type(DATA_SOURCE) if d.inputs["name"] == DataSource.NONE]

    assert none.inputs["type"] == "NONE"
    assert "serviceRoleArn" not in none.inputs


@pytest.mark.parametrize(
    "field", [f for f in FIELDS if f.type != "Subscription"], ids=lambda f: f.name
)
def test_admin_fields_in_the_table_and_the_schema_agree(field):
    said = directives(schema_field(field.type, field.name))
    groups = said.get("aws_cognito_user_pools", {}).get("cognito_groups")

    assert (groups == f'["{ADMIN_GROUP}"]') is field.admin


def test_only_the_systems_mutation_is_iam_and_it_is_iam_only():
    for type_name in ROOT_TYPES:
        for node in DEFINITIONS[type_name].fields:
            said = directives(node)
            if (type_name, node.name.value) == (
                PUBLISH_ORDER_STATUS.type,
                PUBLISH_ORDER_STATUS.name,
            ):
                assert set(said) == {"aws_iam"}
            else:
                assert "aws_iam" not in said, node.name.value


@pytest.mark.parametrize(
    ("type_name", "model"),
    [
        ("Product", "Product"),
        ("Order", "Order"),
        ("Basket", "Basket"),
        ("BasketLine", "BasketLine"),
        ("LineItem", "LineItem"),
        ("Address", "Address"),
        ("CheckoutAccepted", "CheckoutAccepted"),
        ("ProductPage", "ProductPage"),
        ("OrderPage", "OrderPage"),
        ("TimelineEvent", "TimelineEvent"),
        ("OrderTimeline", "OrderTimeline"),
        ("AuditEvent", "AuditEvent"),
        ("AuditEventPage", "AuditEventPage"),
        ("Review", "Review"),
        ("ReviewPage", "ReviewPage"),
        ("Case", "Case"),
        ("CasePage", "CasePage"),
    ],
)
def test_each_type_has_exactly_its_contract_models_fields(type_name, model):
    node = DEFINITIONS[type_name]
    schema = (contracts.MODELS | contracts.GRAPHQL_MODELS)[model]
    required = {f.name.value for f in node.fields if f.type.kind == "non_null_type"}

    assert isinstance(node, ObjectTypeDefinitionNode)
    assert [f.name.value for f in node.fields] == list(schema["properties"])
    assert required == set(schema["required"]) - {"nextToken"}  # null on the last page


@pytest.mark.parametrize(
    ("type_name", "schema"),
    [("CheckoutInput", contracts.CHECKOUT_INPUT), ("AddressInput", contracts.ADDRESS)],
)
def test_each_input_has_exactly_its_request_schemas_fields(type_name, schema):
    node = DEFINITIONS[type_name]
    required = {f.name.value for f in node.fields if f.type.kind == "non_null_type"}

    assert isinstance(node, InputObjectTypeDefinitionNode)
    assert [f.name.value for f in node.fields] == list(schema["properties"])
    assert required == set(schema["required"])


@pytest.mark.parametrize(
    ("enum", "values"),
    [
        ("OrderStatus", contracts.ORDER_STATUSES),
        ("BasketStatus", contracts.BASKET_STATUSES),
        ("PaymentFailureReason", contracts.PAYMENT_FAILURE_REASONS),
        ("RejectionReason", contracts.REJECTION_REASONS),
        ("Sentiment", contracts.SENTIMENTS),
        ("CaseStatus", contracts.CASE_STATUSES),
    ],
)
def test_each_enum_has_the_contracts_values(enum, values):
    node = DEFINITIONS[enum]

    assert isinstance(node, EnumTypeDefinitionNode)
    assert [v.name.value for v in node.values] == values


def test_order_events_reach_publish_order_status_through_an_iam_role(dev):
    [api] = dev.of_type(API)
    [rule] = [r for r in dev.of_type(RULE) if r.name == "graphql-order-status-rule"]
    [target] = [t for t in dev.of_type(TARGET) if t.inputs["rule"] == rule.outputs["name"]]
    host_label = api.outputs["uris"]["GRAPHQL"].split("//")[1].split(".")[0]

    assert json.loads(rule.inputs["eventPattern"]) == rule_pattern(ORDER_STATUS_PUSH)
    assert set(rule_pattern(ORDER_STATUS_PUSH)["detail-type"]) == {
        str(e.detail_type) for e in contracts.EVENTS.values() if e.order_status
    }
    assert target.inputs["arn"] == (
        f"arn:aws:appsync:{REGION}:{ACCOUNT}:endpoints/graphql-api/{host_label}"
    )
    [statement] = policy_of(dev, target.inputs["roleArn"])
    role = dev.with_output("arn", target.inputs["roleArn"], ROLE)
    [trust] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Condition"]["ArnLike"] == {"aws:SourceArn": rule.outputs["arn"]}
    assert statement["Action"] == ["appsync:GraphQL"]
    assert statement["Resource"] == (
        f"{api.outputs['arn']}/types/Mutation/fields/publishOrderStatus"
    )


def test_the_rules_operation_and_variables_fit_the_schema(dev):
    [target] = [t for t in dev.of_type(TARGET) if "appsyncTarget" in t.inputs]
    operation = parse(target.inputs["appsyncTarget"]["graphqlOperation"])
    [definition] = operation.definitions
    declared = {v.variable.name.value: print_ast(v.type) for v in definition.variable_definitions}
    mutation = schema_field(PUBLISH_ORDER_STATUS.type, PUBLISH_ORDER_STATUS.name)
    arguments = {a.name.value: print_ast(a.type) for a in mutation.arguments}
    transformer = target.inputs["inputTransformer"]

    assert declared == arguments == {name: kind for name, (_, kind) in STATUS_VARIABLES.items()}
    assert transformer["inputPaths"] == {name: p for name, (p, _) in STATUS_VARIABLES.items()}
    template = transformer["inputTemplate"]
    for name in STATUS_VARIABLES:
        # every value is a string: quoted in the template (moto inserts values raw)
        template = template.replace(f'"<{name}>"', json.dumps(f"a {name}"))
    assert json.loads(template) == {name: f"a {name}" for name in STATUS_VARIABLES}
    # subscribers filter on userId and orderId: the mutation must select them
    [selection] = definition.selection_set.selections
    selected = {s.name.value for s in selection.selection_set.selections}
    assert selected == {f.name.value for f in DEFINITIONS["OrderStatusChange"].fields}
