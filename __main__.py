"""The shop: reads the stack's configuration, composes the components, exports
the outputs. Nothing else happens here (docs/architecture.md#the-system).

What the API serves and which events flow are not declared here: the routes come
from shop_common.routes and the rule patterns and publish grants from the events
table in shop_common.contracts."""

from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws

import components  # first: it makes the functions' shared declarations importable
from audit import repository as audit_repository
from basket import repository as baskets_repository
from components.audit_recorder import AuditRecorder, AuditRecorderArgs
from components.customer_notifier import CustomerNotifier, CustomerNotifierArgs
from components.dashboard import Dashboard, DashboardArgs, ServiceMetric
from components.event_bus import EventBus, EventBusArgs
from components.function import FunctionSettings, powertools_layer_arn
from components.graphql_api import GraphqlApi, GraphqlApiArgs, TableSource, read_sources
from components.http_api import HttpApi, HttpApiArgs
from components.http_service import HttpService, HttpServiceArgs
from components.iam import allow
from components.identity import Identity, IdentityArgs
from components.notifications import Notifications, NotificationsArgs
from components.operations import Operations, OperationsArgs
from components.order_workflow import OrderWorkflow, OrderWorkflowArgs
from components.outbox import Outbox, OutboxArgs
from components.queue_consumer import QueueConsumer, QueueConsumerArgs
from components.reviews import ReviewPipeline, ReviewPipelineArgs
from components.sales_report import SalesReport, SalesReportArgs
from components.stack_settings import StackSettings
from components.storefront import Storefront, StorefrontArgs
from components.sweeper import Sweeper, SweeperArgs
from components.tables import TableArgs, TableIndex
from ordering import repository as orders_repository
from ordering import status_index
from ordering.repository import USER_INDEX
from products import repository as products_repository
from products import reservations
from products.repository import CATEGORY_INDEX
from shop_common.contracts import (
    CUSTOMER_NOTIFIER,
    ORDER_STATUS_PUSH,
    REVIEWS_GRAPHQL,
    STOCK_KEEPER,
    produced_by,
    rule_pattern,
)
from shop_common.graphql_fields import FIELDS, LAMBDA_SERVICES, DataSource
from shop_common.metric_names import Metric
from shop_common.routes import ADMIN_GROUP, ROUTES, served_by, services
from shop_common.settings import Env

config = pulumi.Config()
stack = StackSettings.parse({key: config.require(key) for key in StackSettings.names()})
prefix = f"shop-{pulumi.get_stack()}"
deletion_protection = stack.deletionProtection
log_retention_days = stack.logRetentionDays
layer_version = stack.powertoolsLayerVersion
currency = stack.currency

region = aws.get_region_output().region
settings = FunctionSettings(
    name_prefix=prefix,
    powertools_layer_arn=region.apply(lambda region: powertools_layer_arn(region, layer_version)),
    log_retention_days=log_retention_days,
    memory_size=stack.lambdaMemorySize,
    timeout_seconds=stack.lambdaTimeoutSeconds,
)

# --- operations: first, so that every alarm made after it notifies the ops topic ---------
operations = Operations(
    "operations",
    OperationsArgs(
        name_prefix=prefix,
        monthly_budget_usd=stack.monthlyBudgetUsd,
        trace_sample_rate=float(stack.traceSampleRate),
        email=stack.opsEmail or None,
    ),
)
pulumi.runtime.register_stack_transformation(operations.notify_on_every_alarm())

# --- shared infrastructure -------------------------------------------------------------
bus = EventBus(
    "events",
    EventBusArgs(bus_name=prefix, archive_retention_days=stack.archiveRetentionDays),
)
identity = Identity(
    "identity",
    IdentityArgs(
        pool_name=prefix, admin_group=ADMIN_GROUP, deletion_protection=deletion_protection
    ),
)
# The storefront (below) calls the API from its distribution's origin, and its config.json
# names the API: the origin is known once the storefront exists, and resolved there.
storefront_origin: pulumi.Output[str]
resolve_storefront_origin: Callable[[pulumi.Output[str]], None]
storefront_origin, resolve_storefront_origin = pulumi.deferred_output()
cors_allow_origins: list[pulumi.Input[str]] = list(stack.corsAllowOrigins)
if "*" not in cors_allow_origins:  # "*" allows it already
    cors_allow_origins.append(storefront_origin)
api = HttpApi(
    "http",
    HttpApiArgs(
        api_name=prefix,
        jwt_issuer=identity.issuer,
        jwt_audience=identity.client_id,
        cors_allow_origins=cors_allow_origins,
        throttling_rate_limit=stack.apiThrottlingRateLimit,
        throttling_burst_limit=stack.apiThrottlingBurstLimit,
        log_retention_days=log_retention_days,
    ),
)
notifications = Notifications(
    "notifications",
    NotificationsArgs(
        topic_name=f"{prefix}-order-notifications", email=stack.notificationEmail or None
    ),
)


def publisher(
    handler_module: str,
) -> tuple[dict[str, pulumi.Input[str]], list[dict[str, Any]]]:
    """Environment and permission of a function that publishes events: on the shop
    bus, of the sources the events table gives it, and no other."""
    return {Env.EVENT_BUS_NAME: bus.bus_name}, [bus.grant_publish(produced_by(handler_module))]


# --- services behind the HTTP API ------------------------------------------------------
def outbox(name: str, handler_module: str) -> Outbox:
    """The producer's outbox: its events reach the bus through the outbox's pipe."""
    return Outbox(
        name,
        OutboxArgs(bus=bus, producer=handler_module, deletion_protection=deletion_protection),
    )


products_outbox = outbox("products-outbox", "products.api")
products_env, products_write_outbox = products_outbox.writer()
products = HttpService(
    "products",
    HttpServiceArgs(
        api=api,
        handler_module="products.api",
        routes=served_by("products.api"),
        description="Product catalogue",
        settings=settings,
        deletion_protection=deletion_protection,
        table=TableArgs(
            hash_key=products_repository.KEY,
            indexes=[TableIndex(CATEGORY_INDEX, *products_repository.CATEGORY_INDEX_KEY)],
            actions=[
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:Query",
                "dynamodb:Scan",
            ],
        ),
        environment=products_env,
        policy_statements=[products_write_outbox],
    ),
)

basket_outbox = outbox("basket-outbox", "basket.api")
basket_env, basket_write_outbox = basket_outbox.writer()
baskets = HttpService(
    "basket",
    HttpServiceArgs(
        api=api,
        handler_module="basket.api",
        routes=served_by("basket.api"),
        description="Baskets and checkout",
        settings=settings,
        deletion_protection=deletion_protection,
        table=TableArgs(
            hash_key=baskets_repository.KEY,
            # sparse: only checked-out baskets are in it, for the sweeper
            indexes=[
                TableIndex(
                    baskets_repository.CHECKOUT_INDEX, *baskets_repository.CHECKOUT_INDEX_KEY
                )
            ],
            actions=[
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
            ],
        ),
        environment={
            **basket_env,
            Env.PRODUCTS_TABLE_NAME: products.table_name,
            Env.CURRENCY: currency,
            Env.STALE_ORDER_MINUTES: str(stack.staleOrderMinutes),
        },
        policy_statements=[
            basket_write_outbox,
            products.grant_read("ReadCatalogue", ["dynamodb:GetItem", "dynamodb:BatchGetItem"]),
        ],
    ),
)

orders_outbox = outbox("orders-outbox", "ordering.api")
orders_env, orders_write_outbox = orders_outbox.writer()
orders = HttpService(
    "orders",
    HttpServiceArgs(
        api=api,
        handler_module="ordering.api",
        routes=served_by("ordering.api"),
        description="Orders: the caller's own (query, change address, cancel); admins read all",
        settings=settings,
        deletion_protection=deletion_protection,
        table=TableArgs(
            hash_key=orders_repository.KEY,
            indexes=[
                TableIndex(USER_INDEX, *orders_repository.USER_INDEX_KEY),
                TableIndex(status_index.INDEX, status_index.PARTITION_KEY, status_index.SORT_KEY),
            ],
            actions=["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"],
        ),
        environment=orders_env,
        policy_statements=[orders_write_outbox],
    ),
)

# The audit: the recorder (below) keeps every event in this service's table; admins read it.
audit = HttpService(
    "audit",
    HttpServiceArgs(
        api=api,
        handler_module="audit.api",
        routes=served_by("audit.api"),
        description="The audit: every event on the bus, once per event id, for admins",
        settings=settings,
        deletion_protection=deletion_protection,
        table=TableArgs(
            hash_key=audit_repository.KEY[0],
            range_key=audit_repository.KEY[1],
            actions=["dynamodb:Query"],
            ttl_attribute=audit_repository.EXPIRES_AT,
        ),
    ),
)

openapi = HttpService(
    "openapi",
    HttpServiceArgs(
        api=api,
        handler_module="openapi.api",
        routes=served_by("openapi.api"),
        description="The API's OpenAPI document",
        settings=settings,
    ),
)
http_services = (products, baskets, orders, audit, openapi)
served = sorted(service.handler_module for service in http_services)
if served != sorted(services()):
    raise ValueError(f"the route table's services {services()} and the HttpServices differ")

# --- customer e-mail: the order outcomes' notifier owns the SES identity ----------------
customer_notifier = CustomerNotifier(
    "customer-notifier",
    CustomerNotifierArgs(
        name_prefix=prefix,
        bus=bus,
        event_pattern=rule_pattern(CUSTOMER_NOTIFIER),
        orders_table_name=orders.table_name,
        orders_table_arn=orders.table_arn,
        topic_arn=notifications.topic_arn,
        sender=stack.emailSender,
        log_retention_days=log_retention_days,
    ),
)

# --- reviews: the GraphQL API's reviews fields, sentiment and customer service, no Lambda
reviews_outbox = outbox("reviews-outbox", REVIEWS_GRAPHQL)
customer_service_topic = Notifications(
    "customer-service",
    NotificationsArgs(topic_name=f"{prefix}-customer-service", email=stack.supportEmail or None),
)
reviews = ReviewPipeline(
    "reviews",
    ReviewPipelineArgs(
        name_prefix=prefix,
        bus=bus,
        outbox_table_arn=reviews_outbox.table_arn,
        user_pool_id=identity.user_pool_id,
        user_pool_arn=identity.user_pool.arn,
        sender=stack.emailSender,
        configuration_set_name=customer_notifier.configuration_set.configuration_set_name,
        configuration_set_arn=customer_notifier.configuration_set.arn,
        identity_arn=customer_notifier.identity.arn,
        support_topic_arn=customer_service_topic.topic_arn,
        ops_topic_arn=operations.topic_arn,
        ops_key_arn=operations.key_arn,
        language=stack.comprehendLanguage,
        escalation_seconds=stack.caseEscalationSeconds,
        timeout_seconds=stack.caseTimeoutSeconds,
        log_retention_days=log_retention_days,
        deletion_protection=deletion_protection,
    ),
)

# --- the GraphQL API: the same services behind a second front door ----------------------
schema, resolver_code = read_sources()
service_by_module = {service.handler_module: service for service in http_services}
graphql = GraphqlApi(
    "graphql",
    GraphqlApiArgs(
        api_name=prefix,
        user_pool_id=identity.user_pool_id,
        schema=schema,
        resolver_code=resolver_code,
        fields=FIELDS,
        tables={
            # what appsync/resolvers/product(s).js, order(s).js, orderTimeline.js and
            # auditEvents.js read, and nothing else
            DataSource.PRODUCTS_TABLE: TableSource(
                products.table_name,
                products.table_arn,
                item_reads=["dynamodb:GetItem", "dynamodb:Scan"],
                queried_indexes=[CATEGORY_INDEX],
            ),
            DataSource.ORDERS_TABLE: TableSource(
                orders.table_name,
                orders.table_arn,
                item_reads=["dynamodb:GetItem"],
                queried_indexes=[USER_INDEX],
            ),
            DataSource.AUDIT_TABLE: TableSource(
                audit.table_name, audit.table_arn, item_reads=["dynamodb:Query"]
            ),
            DataSource.REVIEWS_TABLE: reviews.table_source(),
        },
        functions={
            source: service_by_module[module].function_arn
            for source, module in LAMBDA_SERVICES.items()
        },
        bus=bus,
        status_event_pattern=rule_pattern(ORDER_STATUS_PUSH),
        settings={
            "REVIEWS_TABLE": reviews.table_name,
            "REVIEWS_OUTBOX_TABLE": reviews_outbox.table_name,
            "REVIEWS_PER_DAY": stack.reviewsPerDay,
        },
    ),
)

# --- the storefront: the static web shop, on the HTTP API, Cognito and the GraphQL API ----
storefront = Storefront(
    "storefront",
    StorefrontArgs(
        site_dir=components.ROOT / "web" / "storefront",
        config={
            "apiUrl": api.url,
            "graphqlUrl": graphql.url,
            "graphqlRealtimeUrl": graphql.realtime_url,
            "userPoolId": identity.user_pool_id,
            "userPoolClientId": identity.client_id,
            "region": region,
            "cognitoEndpoint": pulumi.Output.concat(
                "https://cognito-idp.", region, ".amazonaws.com/"
            ),
        },
    ),
)
resolve_storefront_origin(storefront.origin)

# --- the audit: every event on the bus, once per event id, without personal data ---------
audit_recorder = AuditRecorder(
    "audit-recorder",
    AuditRecorderArgs(
        name_prefix=prefix,
        bus=bus,
        table_name=audit.table_name,
        table_arn=audit.table_arn,
        retention_days=stack.auditRetentionDays,
        log_retention_days=log_retention_days,
    ),
)

# --- the order workflow and the event-driven consumers -----------------------------------
workflow = OrderWorkflow(
    "order-workflow",
    OrderWorkflowArgs(
        state_machine_name=f"{prefix}-order-workflow",
        orders_table_name=orders.table_name,
        orders_table_arn=orders.table_arn,
        event_bus=bus,
        payment_limit=float(stack.paymentLimit),
        payment_failure_rate=float(stack.paymentFailureRate),
        workflow_type=stack.workflowType,
        log_retention_days=log_retention_days,
    ),
)

# The day's sales: counted by the status changes (the ordering consumer), reported nightly.
sales_report = SalesReport(
    "sales-report",
    SalesReportArgs(
        name_prefix=prefix,
        schedule_expression=stack.salesReportSchedule,
        timezone=stack.salesReportTimezone,
        topic_arn=operations.topic_arn,
        topic_key_arn=operations.key_arn,
        currency=currency,
        deletion_protection=deletion_protection,
        log_retention_days=log_retention_days,
    ),
)

max_concurrency = stack.consumerMaxConcurrency
stock_env, stock_publish = publisher(STOCK_KEEPER)
stock_keeper = QueueConsumer(
    "stock",
    QueueConsumerArgs(
        bus=bus,
        event_pattern=rule_pattern(STOCK_KEEPER),
        handler_module=STOCK_KEEPER,
        description="Stock: reserve an order's lines (all or none), give them back if it fails",
        settings=settings,
        max_concurrency=max_concurrency,
        # The products service's reservations: a decision per order, a record per line.
        table=TableArgs(
            hash_key=reservations.KEY[0],
            range_key=reservations.KEY[1],
            actions=[
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:Query",
            ],
        ),
        deletion_protection=deletion_protection,
        environment={**stock_env, Env.PRODUCTS_TABLE_NAME: products.table_name},
        policy_statements=[
            *stock_publish,
            allow("TakeAndGiveBackStock", ["dynamodb:UpdateItem"], products.table_arn),
        ],
    ),
)
ordering_consumer_env, ordering_consumer_publish = publisher("ordering.consumer")
ordering = QueueConsumer(
    "ordering",
    QueueConsumerArgs(
        bus=bus,
        event_pattern=rule_pattern("ordering.consumer"),
        handler_module="ordering.consumer",
        description="Orders: placed, paid for, rejected; fulfilment; refunds of cancelled orders",
        settings=settings,
        max_concurrency=max_concurrency,
        environment={
            **ordering_consumer_env,
            Env.TABLE_NAME: orders.table_name,
            Env.BASKETS_TABLE_NAME: baskets.table_name,
            Env.STATE_MACHINE_ARN: workflow.arn,
            Env.REFUND_STATE_MACHINE_ARN: workflow.refund_arn,
            Env.STALE_ORDER_MINUTES: str(stack.staleOrderMinutes),
            Env.SALES_TABLE_NAME: sales_report.table_name,
        },
        policy_statements=[
            *ordering_consumer_publish,
            sales_report.counting(),
            allow(
                "PlaceAndRejectOrders",
                ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem"],
                orders.table_arn,
            ),
            allow(
                "StartOrderWorkflows",
                ["states:StartExecution"],
                [workflow.arn, workflow.refund_arn],
            ),
            baskets.grant_read("ReadPaymentToken", ["dynamodb:GetItem"]),
        ],
    ),
)
basket_events = QueueConsumer(
    "basket-events",
    QueueConsumerArgs(
        bus=bus,
        event_pattern=rule_pattern("basket.consumer"),
        handler_module="basket.consumer",
        description="Order outcomes → empty (paid) or reopen (failed, cancelled) the basket",
        settings=settings,
        max_concurrency=max_concurrency,
        environment={Env.TABLE_NAME: baskets.table_name},
        policy_statements=[
            allow(
                "SettleBaskets", ["dynamodb:DeleteItem", "dynamodb:UpdateItem"], baskets.table_arn
            ),
        ],
    ),
)

# --- scheduled work ----------------------------------------------------------------------
sweeper = Sweeper(
    "sweeper",
    SweeperArgs(
        name_prefix=prefix,
        schedule_expression=stack.sweeperSchedule,
        orders_table_name=orders.table_name,
        orders_table_arn=orders.table_arn,
        baskets_table_name=baskets.table_name,
        baskets_table_arn=baskets.table_arn,
        bus=bus,
        log_retention_days=log_retention_days,
    ),
)

# --- one page that shows the system ----------------------------------------------------
consumers = (ordering, basket_events, stock_keeper)
ordering_service = ordering.consumer.service_name
dashboard = Dashboard(
    "dashboard",
    DashboardArgs(
        dashboard_name=prefix,
        orders=[
            ServiceMetric(Metric.CHECKOUTS_ACCEPTED, baskets.function.service_name),
            ServiceMetric(Metric.ORDERS_PLACED, ordering_service),
            ServiceMetric(Metric.ORDERS_PAID, ordering_service),
            ServiceMetric(Metric.ORDERS_PAYMENT_FAILED, basket_events.consumer.service_name),
            ServiceMetric(Metric.ORDERS_REJECTED, ordering_service),
            ServiceMetric(Metric.STALE_ORDERS_FOUND, sweeper.service_name),
        ],
        api_id=api.api_id,
        stage_name=api.stage_name,
        checkout_route=next(r.key for r in ROUTES if r.operation == "checkout"),
        work_queues=[consumer.queue.name for consumer in consumers],
        dead_letter_queues=[
            *(dlq.name for consumer in consumers for dlq in (consumer.dlq, consumer.target_dlq)),
            *(box.dlq.name for box in (products_outbox, basket_outbox, orders_outbox)),
            audit_recorder.target_dlq.name,
            customer_notifier.target_dlq.name,
            graphql.status_dlq.name,
            reviews_outbox.dlq.name,
            *(machine.target_dlq.name for machine in reviews.machines),
            sweeper.schedule_dlq.name,
            sales_report.schedule_dlq.name,
        ],
        state_machines=[
            workflow.arn,
            workflow.refund_arn,
            customer_notifier.arn,
            audit_recorder.arn,
            *(machine.arn for machine in reviews.machines),
            sweeper.arn,
            sales_report.arn,
        ],
        functions=[
            *(service.function.function_name for service in http_services),
            *(consumer.function_name for consumer in consumers),
        ],
    ),
)

# --- outputs (pulumi stack output --json; the local cloud writes the same) -------------
pulumi.export("apiUrl", api.url)
pulumi.export("openapiUrl", pulumi.Output.concat(api.url, served_by("openapi.api")[0].path[1:]))
pulumi.export("graphqlUrl", graphql.url)
pulumi.export("graphqlRealtimeUrl", graphql.realtime_url)
pulumi.export("orderStatusDlqUrl", graphql.status_dlq.url)
pulumi.export("storefrontUrl", storefront.url)
pulumi.export("storefrontBucketName", storefront.bucket_name)
pulumi.export("userPoolId", identity.user_pool_id)
pulumi.export("userPoolClientId", identity.client_id)
pulumi.export("eventBusName", bus.bus_name)
pulumi.export("auditTableName", audit.table_name)
pulumi.export("auditRecorderArn", audit_recorder.arn)
pulumi.export("auditDlqUrl", audit_recorder.target_dlq_url)
pulumi.export("productsTableName", products.table_name)
pulumi.export("productsOutboxTableName", products_outbox.table_name)
pulumi.export("productsOutboxDlqUrl", products_outbox.dlq_url)
pulumi.export("basketsTableName", baskets.table_name)
pulumi.export("basketOutboxTableName", basket_outbox.table_name)
pulumi.export("basketOutboxDlqUrl", basket_outbox.dlq_url)
pulumi.export("ordersOutboxTableName", orders_outbox.table_name)
pulumi.export("ordersOutboxDlqUrl", orders_outbox.dlq_url)
pulumi.export("ordersTableName", orders.table_name)
pulumi.export("stockTableName", stock_keeper.table_name)
pulumi.export("stateMachineArn", workflow.arn)
pulumi.export("refundStateMachineArn", workflow.refund_arn)
pulumi.export("notificationTopicArn", notifications.topic_arn)
pulumi.export("opsTopicArn", operations.topic_arn)
pulumi.export("dashboardUrl", dashboard.url)
pulumi.export("customerNotifierArn", customer_notifier.arn)
pulumi.export("customerNotifierTargetDlqUrl", customer_notifier.target_dlq_url)
pulumi.export("emailFeedbackTopicArn", customer_notifier.feedback_topic_arn)
pulumi.export("emailDkimTokens", customer_notifier.dkim_tokens)
pulumi.export("reviewsTableName", reviews.table_name)
pulumi.export("reviewsOutboxTableName", reviews_outbox.table_name)
pulumi.export("reviewsOutboxDlqUrl", reviews_outbox.dlq_url)
pulumi.export("customerServiceTopicArn", customer_service_topic.topic_arn)
for key, machine in reviews.by_output.items():
    pulumi.export(f"{key}Arn", machine.arn)
    pulumi.export(f"{key}TargetDlqUrl", machine.target_dlq.url)
pulumi.export("sweeperArn", sweeper.arn)
pulumi.export("sweeperScheduleName", sweeper.schedule_name)
pulumi.export("sweeperScheduleDlqUrl", sweeper.schedule_dlq_url)
pulumi.export("salesTableName", sales_report.table_name)
pulumi.export("salesReportArn", sales_report.arn)
pulumi.export("salesReportScheduleName", sales_report.schedule_name)
pulumi.export("salesReportScheduleDlqUrl", sales_report.schedule_dlq_url)
for key, consumer in (
    ("ordering", ordering),
    ("basketEvents", basket_events),
    ("stock", stock_keeper),
):
    pulumi.export(f"{key}QueueUrl", consumer.queue_url)
    pulumi.export(f"{key}DlqUrl", consumer.dlq_url)
    pulumi.export(f"{key}TargetDlqUrl", consumer.target_dlq_url)
