"""How the program wires components together (docs/architecture.md#the-system),
checked on the dev stack."""

import json
import re

import pytest

from shop_common.contracts import (
    CUSTOMER_SERVICE,
    EVENTS,
    ORDER_WORKFLOW,
    REFUND_WORKFLOW,
    REVIEW_ANALYSIS,
    REVIEWS_GRAPHQL,
    STOCK_KEEPER,
    SWEEPER,
    produced_by,
)
from shop_common.graphql_fields import DataSource
from shop_common.routes import ROUTES
from tests.infra.helpers import (
    ESM,
    FUNCTION,
    INTEGRATION,
    PIPE,
    QUEUE,
    ROLE,
    ROLE_POLICY,
    ROUTE,
    TABLE,
    TARGET,
    function,
    granted_actions,
    grants,
    queue_by_arn,
    statements,
)

REQUIRED_OUTPUTS = {
    "apiUrl",
    "userPoolId",
    "userPoolClientId",
    "eventBusName",
    "productsTableName",
    "basketsTableName",
    "ordersTableName",
    "orderingQueueUrl",
    "orderingDlqUrl",
    "basketEventsQueueUrl",
    "basketEventsDlqUrl",
    "stateMachineArn",
    "notificationTopicArn",
}


def table(dev, output_key):
    return dev.with_output("name", dev.outputs[output_key], TABLE)


@pytest.mark.parametrize(
    ("rule_prefix", "sources", "detail_types", "handler", "queue_output"),
    [
        (
            "ordering",
            ["shop.basket", "shop.ordering", "shop.products"],
            [
                "CheckoutBasket",
                "OrderPaid",
                "OrderPaymentFailed",
                "OrderCancelled",
                "OrderRefunded",
                "StockReserved",
                "OrderRejected",
                "OrderStalled",
            ],
            "ordering.consumer",
            "orderingQueueUrl",
        ),
        (
            "basket-events",
            ["shop.ordering", "shop.products"],
            [
                "OrderPaid",
                "OrderPaymentFailed",
                "OrderCancelled",
                "OrderRejected",
                "CheckoutStalled",
            ],
            "basket.consumer",
            "basketEventsQueueUrl",
        ),
        (
            "stock",
            ["shop.ordering"],
            ["OrderCreated", "OrderPaymentFailed", "OrderCancelled", "OrderRefunded"],
            "products.consumer",
            "stockQueueUrl",
        ),
    ],
)
def test_each_rule_feeds_its_queue_and_the_queue_its_consumer(
    dev, rule_prefix, sources, detail_types, handler, queue_output
):
    rule = dev.named(f"{rule_prefix}-rule")
    assert rule.inputs["eventBusName"] == dev.outputs["eventBusName"]
    assert json.loads(rule.inputs["eventPattern"]) == {
        "source": sources,
        "detail-type": detail_types,
    }
    [target] = [t for t in dev.of_type(TARGET) if t.inputs["rule"] == rule.outputs["name"]]
    queue = queue_by_arn(dev, target.inputs["arn"])
    assert queue.outputs["url"] == dev.outputs[queue_output]
    [mapping] = [m for m in dev.of_type(ESM) if m.inputs["eventSourceArn"] == queue.outputs["arn"]]
    consumer = dev.with_output("arn", mapping.inputs["functionName"], FUNCTION)
    assert consumer.inputs["handler"] == f"{handler}.lambda_handler"
    assert grants(statements(dev, consumer), "sqs:DeleteMessage", queue.outputs["arn"])


def test_the_archive_keeps_every_shop_event_of_the_bus(dev):
    [archive] = dev.of_type("aws:cloudwatch/eventArchive:EventArchive")
    assert archive.inputs["eventSourceArn"] == dev.named("events-bus").outputs["arn"]
    assert json.loads(archive.inputs["eventPattern"]) == {"source": [{"prefix": "shop."}]}


@pytest.mark.parametrize(
    ("handler", "table_output", "actions"),
    [
        (
            "products.api",
            "productsTableName",
            {
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:Query",
                "dynamodb:Scan",
            },
        ),
        (
            "basket.api",
            "basketsTableName",
            {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
        ),
        (
            "ordering.api",
            "ordersTableName",
            {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"},
        ),
        (
            "ordering.consumer",
            "ordersTableName",
            {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem"},
        ),
        ("basket.consumer", "basketsTableName", {"dynamodb:DeleteItem", "dynamodb:UpdateItem"}),
        ("audit.api", "auditTableName", {"dynamodb:Query"}),
    ],
)
def test_each_function_uses_exactly_its_table(dev, handler, table_output, actions):
    fn = function(dev, handler)
    own_table = table(dev, table_output)
    assert fn.inputs["environment"]["variables"]["TABLE_NAME"] == own_table.outputs["name"]
    own = statements(dev, fn)
    for action in actions:
        assert grants(own, action, own_table.outputs["arn"]), action
    dynamodb = {a for a in granted_actions(own) if a.startswith("dynamodb:")}
    expected = actions | ({"dynamodb:BatchGetItem"} if handler == "basket.api" else set())
    if "OUTBOX_TABLE_NAME" in fn.inputs["environment"]["variables"]:
        expected |= {"dynamodb:PutItem"}  # its outbox items (test_outbox.py)
    assert dynamodb == expected


def test_the_orders_table_has_the_sharded_by_status_index_and_the_api_may_query_it(dev):
    orders = table(dev, "ordersTableName")
    indexes = {index["name"]: index for index in orders.inputs["globalSecondaryIndexes"]}
    assert indexes["byStatus"] == {
        "name": "byStatus",
        "keySchemas": [
            {"attributeName": "statusShard", "keyType": "HASH"},
            {"attributeName": "createdAt", "keyType": "RANGE"},
        ],
        "projectionType": "ALL",
    }
    assert {"name": "statusShard", "type": "S"} in orders.inputs["attributes"]
    own = statements(dev, function(dev, "ordering.api"))
    assert grants(own, "dynamodb:Query", f"{orders.outputs['arn']}/index/*")


def test_only_the_basket_function_reads_the_products_table_besides_products(dev):
    products = table(dev, "productsTableName").outputs["arn"]
    readers = {
        f.inputs["handler"]
        for f in dev.of_type(FUNCTION)
        if any(
            grants(statements(dev, f), a, products)
            for a in ("dynamodb:GetItem", "dynamodb:BatchGetItem")
        )
    }
    assert readers == {"products.api.lambda_handler", "basket.api.lambda_handler"}
    basket = function(dev, "basket.api")
    assert (
        basket.inputs["environment"]["variables"]["PRODUCTS_TABLE_NAME"]
        == (dev.outputs["productsTableName"])
    )
    assert not grants(statements(dev, basket), "dynamodb:PutItem", products)


# The events table's names for the state machines that publish.
MACHINE_PRODUCERS = {
    "order-workflow-state-machine": ORDER_WORKFLOW,
    "order-workflow-refund-state-machine": REFUND_WORKFLOW,
    "reviews-analysis-state-machine": REVIEW_ANALYSIS,
    "reviews-customer-service-state-machine": CUSTOMER_SERVICE,
    "sweeper-state-machine": SWEEPER,
}
# ... and for the GraphQL data sources that write an outbox (the reviews' resolvers).
DATA_SOURCE_PRODUCERS = {DataSource.REVIEWS_TABLE: REVIEWS_GRAPHQL}
DATA_SOURCE = "aws:appsync/dataSource:DataSource"


def outbox_writer(dev, pipe) -> str:
    """The producer that writes the outbox table whose stream the pipe reads: a handler
    module, or the GraphQL data source whose role may put items in it."""
    [outbox] = [
        t for t in dev.of_type(TABLE) if t.outputs.get("streamArn") == pipe.inputs["source"]
    ]
    writers = [
        f.inputs["handler"].removesuffix(".lambda_handler")
        for f in dev.of_type(FUNCTION)
        if f.inputs["environment"]["variables"].get("OUTBOX_TABLE_NAME") == outbox.outputs["name"]
    ] + [
        DATA_SOURCE_PRODUCERS[DataSource(source.inputs["name"])]
        for source in dev.of_type(DATA_SOURCE)
        if "serviceRoleArn" in source.inputs
        and grants(
            role_statements(dev, source.inputs["serviceRoleArn"]),
            "dynamodb:PutItem",
            outbox.outputs["arn"],
        )
    ]
    [writer] = writers
    return writer


def role_statements(dev, role_arn: str) -> list[dict]:
    """The statements of the role's one inline policy."""
    role = dev.with_output("arn", role_arn, ROLE)
    [policy] = [p for p in dev.of_type(ROLE_POLICY) if p.inputs["role"] == role.outputs["name"]]
    return json.loads(policy.inputs["policy"])["Statement"]


def producers_of_role(dev, role_name: str) -> set[str]:
    """The events table's names for whatever runs with this role (a function, a
    workflow, or the pipe of a producer's outbox: that producer)."""
    role = dev.with_output("name", role_name, ROLE)
    for fn in dev.of_type(FUNCTION):
        if fn.inputs["role"] == role.outputs["arn"]:
            return {fn.inputs["handler"].removesuffix(".lambda_handler")}
    for pipe in dev.of_type(PIPE):
        if pipe.inputs["roleArn"] == role.outputs["arn"]:
            return {outbox_writer(dev, pipe)}
    machines = [
        m
        for m in dev.of_type("aws:sfn/stateMachine:StateMachine")
        if m.inputs["roleArn"] == role.outputs["arn"]
    ]
    assert machines, role_name
    return {MACHINE_PRODUCERS[m.name] for m in machines}


def test_every_role_that_can_publish_may_publish_only_its_own_sources(dev):
    bus_arn = dev.named("events-bus").outputs["arn"]
    publishers = set()
    for policy in dev.of_type(ROLE_POLICY):
        for statement in json.loads(policy.inputs["policy"])["Statement"]:
            if "events:PutEvents" not in statement["Action"]:
                continue
            producers = producers_of_role(dev, policy.inputs["role"])
            publishers |= producers
            assert statement["Resource"] == bus_arn, producers
            allowed = statement["Condition"]["StringEquals"]["events:source"]
            assert set(allowed) == set().union(*map(produced_by, producers)), producers
    assert publishers == {event.producer for event in EVENTS.values()}


@pytest.mark.parametrize("handler", ["ordering.consumer", STOCK_KEEPER])
def test_publishers_know_the_shop_bus(dev, handler):
    variables = function(dev, handler).inputs["environment"]["variables"]
    assert variables["EVENT_BUS_NAME"] == dev.outputs["eventBusName"]


def test_non_publishers_may_not_put_events(dev):
    for handler in ("basket.consumer", "openapi.api"):
        assert "events:PutEvents" not in granted_actions(statements(dev, function(dev, handler)))


def test_the_ordering_consumer_starts_the_order_workflows(dev):
    consumer = function(dev, "ordering.consumer")
    variables = consumer.inputs["environment"]["variables"]
    for output, variable in (
        ("stateMachineArn", "STATE_MACHINE_ARN"),
        ("refundStateMachineArn", "REFUND_STATE_MACHINE_ARN"),
    ):
        assert variables[variable] == dev.outputs[output]
        assert grants(statements(dev, consumer), "states:StartExecution", dev.outputs[output])
    others = [f for f in dev.of_type(FUNCTION) if f is not consumer]
    assert not any("states:StartExecution" in granted_actions(statements(dev, f)) for f in others)


def test_every_route_of_the_table_reaches_its_services_function_and_only_it(dev):
    integrations = {i.id: i for i in dev.of_type(INTEGRATION)}
    permissions = dev.of_type("aws:lambda/permission:Permission")
    api_execution_arn = dev.named("http-api").outputs["executionArn"]
    deployed = {route.inputs["routeKey"]: route for route in dev.of_type(ROUTE)}
    assert set(deployed) == {route.key for route in ROUTES}
    for declared in ROUTES:
        route = deployed[declared.key]
        integration = integrations[route.inputs["target"].removeprefix("integrations/")]
        assert integration.inputs["integrationType"] == "AWS_PROXY"
        assert integration.inputs["payloadFormatVersion"] == "2.0"
        fn = dev.with_output("invokeArn", integration.inputs["integrationUri"], FUNCTION)
        assert fn.inputs["handler"] == f"{declared.service}.lambda_handler", declared.key
        path = re.sub(r"\{[^}]+\}", "*", declared.path)
        [permission] = [
            p
            for p in permissions
            if p.inputs["sourceArn"] == f"{api_execution_arn}/*/{declared.method}{path}"
        ]
        assert permission.inputs["function"] == fn.outputs["name"], declared.key
        assert permission.inputs["principal"] == "apigateway.amazonaws.com"
    assert len(permissions) == len(ROUTES)


@pytest.mark.parametrize(
    "machine_name", ["order-workflow-state-machine", "order-workflow-refund-state-machine"]
)
def test_the_workflows_settle_orders_and_publish_and_nothing_else(dev, machine_name):
    machine = dev.named(machine_name)
    definition = json.loads(machine.inputs["definition"])
    tasks = [s for s in definition["States"].values() if s["Type"] == "Task"]
    assert {t["Resource"] for t in tasks} == {
        "arn:aws:states:::dynamodb:getItem",
        "arn:aws:states:::dynamodb:updateItem",
        "arn:aws:states:::events:putEvents",
    }
    for task in tasks:
        parameters = task["Parameters"]
        if "TableName" in parameters:
            assert parameters["TableName"] == dev.outputs["ordersTableName"]
        if "Entries" in parameters:
            assert parameters["Entries"][0]["EventBusName"] == dev.outputs["eventBusName"]
    role = dev.with_output("arn", machine.inputs["roleArn"], ROLE)
    [policy] = [p for p in dev.of_type(ROLE_POLICY) if p.inputs["role"] == role.outputs["name"]]
    own = json.loads(policy.inputs["policy"])["Statement"]
    orders_arn = table(dev, "ordersTableName").outputs["arn"]
    assert {
        a for a in granted_actions(own) if a.split(":")[0] in {"dynamodb", "events", "sns"}
    } == {"dynamodb:GetItem", "dynamodb:UpdateItem", "events:PutEvents"}
    assert grants(own, "dynamodb:UpdateItem", orders_arn)


def test_the_outputs_name_the_deployed_resources(dev):
    assert set(dev.outputs) >= REQUIRED_OUTPUTS
    [stage] = dev.of_type("aws:apigatewayv2/stage:Stage")
    assert dev.outputs["apiUrl"] == stage.outputs["invokeUrl"]
    assert dev.outputs["openapiUrl"] == f"{stage.outputs['invokeUrl']}openapi.json"
    for key in (
        "orderingQueueUrl",
        "orderingDlqUrl",
        "basketEventsQueueUrl",
        "basketEventsDlqUrl",
        "orderingTargetDlqUrl",
        "auditDlqUrl",
    ):
        assert dev.with_output("url", dev.outputs[key], QUEUE)
    assert dev.outputs["eventBusName"] == "shop-dev"


def test_every_resource_belongs_to_a_component_and_is_named_after_it(dev):
    components = {r.name: r.typ for r in dev.resources if r.typ.startswith("shop:index:")}
    for resource in dev.resources:
        parent_type = resource.parent_types[-1]
        if resource.typ.startswith("shop:index:") and parent_type == "pulumi:pulumi:Stack":
            continue  # a top-level component, composed in __main__.py
        assert parent_type.startswith("shop:index:"), resource.urn
        assert any(
            resource.name.startswith(f"{name}-") and typ == parent_type
            for name, typ in components.items()
        ), resource.urn


def test_component_type_tokens(dev):
    assert {r.typ for r in dev.resources if r.typ.startswith("shop:")} == {
        "shop:index:EventBus",
        "shop:index:QueueConsumer",
        "shop:index:OrderWorkflow",
        "shop:index:HttpService",
        "shop:index:HttpApi",
        "shop:index:Identity",
        "shop:index:Function",
        "shop:index:Notifications",
        "shop:index:CustomerNotifier",
        "shop:index:Outbox",
        "shop:index:GraphqlApi",
        "shop:index:AuditRecorder",
        "shop:index:Operations",
        "shop:index:Dashboard",
        "shop:index:ReviewPipeline",
        "shop:index:Sweeper",
        "shop:index:SalesReport",
        "shop:index:Storefront",
    }
    consumers = [r for r in dev.resources if r.typ == "shop:index:QueueConsumer"]
    assert len(consumers) == 3
    outboxes = [r for r in dev.resources if r.typ == "shop:index:Outbox"]
    assert len(outboxes) == 4  # the products, basket and orders APIs', the reviews' resolvers'


def test_the_stock_keeper_writes_its_reservations_and_only_the_products_stock(dev):
    keeper = function(dev, "products.consumer")
    own = statements(dev, keeper)
    products = table(dev, "productsTableName").outputs["arn"]
    reservations = dev.with_output(
        "name", keeper.inputs["environment"]["variables"]["TABLE_NAME"], TABLE
    )
    assert reservations.inputs["hashKey"] == "orderId"
    assert reservations.inputs["rangeKey"] == "productId"
    assert grants(own, "dynamodb:PutItem", reservations.outputs["arn"])
    assert grants(own, "dynamodb:UpdateItem", products)
    for write in ("dynamodb:PutItem", "dynamodb:DeleteItem"):
        assert not grants(own, write, products)
    variables = keeper.inputs["environment"]["variables"]
    assert variables["PRODUCTS_TABLE_NAME"] == dev.outputs["productsTableName"]
