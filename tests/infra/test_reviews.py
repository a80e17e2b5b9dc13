"""The reviews (components/reviews.py and the reviews fields of components/graphql_api.py)
under mocks: no Lambda function anywhere in their pipelines, every rule's target guarded,
every role allowed exactly what its definition calls, the stack's settings where they
belong."""

import json
import re

import pytest

from components.graphql_api import RESOLVER_DIR
from components.queues import EVENT_TARGET_RETRY_POLICY
from shop_common import review_items as items
from shop_common.contracts import (
    CASE_RESUMER,
    CUSTOMER_SERVICE,
    REVIEW_ANALYSIS,
    REVIEW_THANKS,
    produced_by,
    rule_pattern,
)
from shop_common.graphql_fields import FIELDS, DataSource
from tests.infra.helpers import FUNCTION, ROLE, RULE, TABLE, TARGET, granted_actions, grants
from tests.infra.test_wiring import DATA_SOURCE, role_statements

PIPELINE_TAG = "shop:pipeline"
MACHINE = "aws:sfn/stateMachine:StateMachine"
RESOLVER = "aws:appsync/resolver:Resolver"
APPSYNC_FUNCTION = "aws:appsync/function:Function"
# Each machine, by its resource name: its consumer name in the events table and its type.
MACHINES = {
    "reviews-analysis-state-machine": (REVIEW_ANALYSIS, "EXPRESS"),
    "reviews-thanks-state-machine": (REVIEW_THANKS, "EXPRESS"),
    "reviews-customer-service-state-machine": (CUSTOMER_SERVICE, "STANDARD"),
    "reviews-resumer-state-machine": (CASE_RESUMER, "EXPRESS"),
}
# What each task resource of a definition needs from IAM.
TASK_ACTIONS = {
    "arn:aws:states:::dynamodb:getItem": "dynamodb:GetItem",
    "arn:aws:states:::dynamodb:putItem": "dynamodb:PutItem",
    "arn:aws:states:::dynamodb:updateItem": "dynamodb:UpdateItem",
    "arn:aws:states:::aws-sdk:dynamodb:updateItem.waitForTaskToken": "dynamodb:UpdateItem",
    "arn:aws:states:::aws-sdk:comprehend:detectSentiment": "comprehend:DetectSentiment",
    "arn:aws:states:::events:putEvents": "events:PutEvents",
    "arn:aws:states:::sns:publish": "sns:Publish",
    "arn:aws:states:::aws-sdk:cognitoidentityprovider:adminGetUser": "cognito-idp:AdminGetUser",
    "arn:aws:states:::aws-sdk:sesv2:sendEmail": "ses:SendEmail",
    "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess": "states:SendTaskSuccess",
}
DELIVERY = {"DeliverExecutionLogs", "Tracing"}  # every machine's role: iam.state_machine_delivery
REVIEW_FIELDS = [
    f
    for f in FIELDS
    if f.pipeline and DataSource.REVIEWS_TABLE in {s.data_source for s in f.pipeline}
]


def in_reviews(deployment, typ: str | None = None) -> list:
    """The ReviewPipeline's resources (of a type)."""
    return [
        r
        for r in deployment.resources
        if "shop:index:ReviewPipeline" in r.parent_types and (typ is None or r.typ == typ)
    ]


def tasks(machine) -> list[dict]:
    return [
        s
        for s in json.loads(machine.inputs["definition"])["States"].values()
        if s["Type"] == "Task"
    ]


# --- no Lambda ------------------------------------------------------------------------------


def test_no_lambda_function_is_a_target_task_or_data_source_of_the_reviews(deployment):
    functions = {f.outputs["arn"] for f in deployment.of_type(FUNCTION)}
    assert functions  # the shop has functions: they are just not here
    for resource in [*in_reviews(deployment), deployment.named("reviews-outbox-pipe")]:
        text = json.dumps(resource.inputs)
        assert not [arn for arn in functions if arn in text], resource.name
        assert ":lambda:" not in text, resource.name
    for machine in in_reviews(deployment, MACHINE):
        assert all(":lambda:" not in t["Resource"] for t in tasks(machine)), machine.name
    # The GraphQL reviews fields: pipelines whose every function runs on a table.
    sources = {s.inputs["name"]: s for s in deployment.of_type(DATA_SOURCE)}
    for field in REVIEW_FIELDS:
        for step in field.pipeline:
            [function] = [
                f for f in deployment.of_type(APPSYNC_FUNCTION) if f.inputs["name"] == step.name
            ]
            assert sources[function.inputs["dataSource"]].inputs["type"] == "AMAZON_DYNAMODB"
        [resolver] = [r for r in deployment.of_type(RESOLVER) if r.inputs["field"] == field.name]
        assert resolver.inputs["kind"] == "PIPELINE"


def test_the_reviews_resources_carry_the_pipeline_tag_the_policy_pack_checks(deployment):
    taggable = [r for r in in_reviews(deployment) if "tags" in r.inputs]
    assert {r.typ for r in taggable} >= {MACHINE, RULE, TABLE, ROLE}
    assert {r.inputs["tags"][PIPELINE_TAG] for r in taggable} == {"reviews"}
    pipe = deployment.named("reviews-outbox-pipe")
    assert pipe.inputs["tags"][PIPELINE_TAG] == "reviews-outbox"


# --- rules and targets ---------------------------------------------------------------------


def test_each_machine_is_started_by_its_rule_through_a_guarded_target(deployment):
    rules = in_reviews(deployment, RULE)
    assert len(rules) == len(MACHINES)
    for name, (consumer, _) in MACHINES.items():
        machine = deployment.named(name)
        [target] = [
            t for t in deployment.of_type(TARGET) if t.inputs["arn"] == machine.outputs["arn"]
        ]
        rule = deployment.with_output("name", target.inputs["rule"], RULE)
        assert rule in rules
        assert json.loads(rule.inputs["eventPattern"]) == rule_pattern(consumer)
        assert target.inputs["deadLetterConfig"]["arn"]
        assert target.inputs["retryPolicy"] == {
            "maximumEventAgeInSeconds": EVENT_TARGET_RETRY_POLICY["maximum_event_age_in_seconds"],
            "maximumRetryAttempts": EVENT_TARGET_RETRY_POLICY["maximum_retry_attempts"],
        }
        [start] = role_statements(deployment, target.inputs["roleArn"])
        assert (start["Action"], start["Resource"]) == (
            ["states:StartExecution"],
            machine.outputs["arn"],
        )


def test_review_analysed_goes_to_the_thanks_or_to_customer_service_by_its_sentiment():
    thanks = rule_pattern(REVIEW_THANKS)["detail"]["data"]["sentiment"]
    service = rule_pattern(CUSTOMER_SERVICE)["detail"]["data"]["sentiment"]
    assert service == ["NEGATIVE"]
    assert sorted(thanks + service) == sorted(["POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED"])


# --- least privilege -----------------------------------------------------------------------


def _needed(deployment, machine) -> set[tuple[str, str]]:
    """(action, resource) of every task of the definition, resources named as IAM names them."""
    tables = {t.outputs["name"]: t.outputs["arn"] for t in deployment.of_type(TABLE)}
    bus_arn = deployment.named("events-bus").outputs["arn"]
    [pool] = deployment.of_type("aws:cognito/userPool:UserPool")
    [identity] = deployment.of_type("aws:sesv2/emailIdentity:EmailIdentity")
    [configuration_set] = deployment.of_type("aws:sesv2/configurationSet:ConfigurationSet")
    needed = set()
    for task in tasks(machine):
        action, parameters = TASK_ACTIONS[task["Resource"]], task["Parameters"]
        if action.startswith("dynamodb:"):
            needed.add((action, tables[parameters["TableName"]]))
        elif action == "events:PutEvents":
            needed.add((action, bus_arn))
        elif action == "sns:Publish":
            needed.add((action, parameters["TopicArn"]))
        elif action == "cognito-idp:AdminGetUser":
            needed.add((action, pool.outputs["arn"]))
        elif action == "ses:SendEmail":
            needed |= {
                (action, identity.outputs["arn"]),
                (action, configuration_set.outputs["arn"]),
            }
        else:  # no resource-level permissions (policy/shop_policies.py RESOURCELESS_ACTIONS)
            needed.add((action, "*"))
    return needed


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_each_role_grants_exactly_what_its_definition_calls(deployment, name):
    machine = deployment.named(name)
    granted = [
        s
        for s in role_statements(deployment, machine.inputs["roleArn"])
        if s["Sid"] not in DELIVERY
    ]
    needed = _needed(deployment, machine)
    ops_topic = deployment.named("operations-topic")
    if (("sns:Publish", ops_topic.outputs["arn"])) in needed:
        # the ops topic's own key: publishing to it encrypts with it
        key = ops_topic.inputs["kmsMasterKeyId"]
        needed |= {("kms:GenerateDataKey", key), ("kms:Decrypt", key)}

    for action, resource in needed:
        assert grants(granted, action, resource), (action, resource)
    assert granted_actions(granted) == {action for action, _ in needed}
    granted_pairs = {
        (action, resource)
        for s in granted
        for action in s["Action"]
        for resource in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    }
    assert granted_pairs == needed
    consumer, _ = MACHINES[name]
    for statement in granted:
        if statement["Action"] == ["events:PutEvents"]:
            assert statement["Condition"]["StringEquals"]["events:source"] == sorted(
                produced_by(consumer)
            )


def test_the_resolvers_data_source_may_do_what_their_code_does_to_the_table_and_outbox(dev):
    """Derived from the code of every resolver and function on the reviews table: its
    operations (a transaction's items each need their own action)."""
    files = {
        s.code for f in FIELDS for s in f.pipeline if s.data_source is DataSource.REVIEWS_TABLE
    }
    code = "".join((RESOLVER_DIR / file).read_text(encoding="utf-8") for file in files)
    operations = set(re.findall(r"operation: '(\w+)'", code)) - {"TransactWriteItems"}
    queried = set(re.findall(r"operation: 'Query',\s*index: (\w+)", code))
    [source] = [s for s in dev.of_type(DATA_SOURCE) if s.inputs["name"] == DataSource.REVIEWS_TABLE]
    table = dev.with_output("name", dev.outputs["reviewsTableName"], TABLE).outputs["arn"]
    outbox = dev.with_output("name", dev.outputs["reviewsOutboxTableName"], TABLE).outputs["arn"]
    granted = {
        (action, resource)
        for s in role_statements(dev, source.inputs["serviceRoleArn"])
        for action in s["Action"]
        for resource in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    }

    # Every Query is of an index (the generated constants name them), none of the table.
    assert queried == {"PRODUCT_INDEX", "CASE_STATUS_INDEX"}
    of_an_index = re.findall(r"operation: 'Query',\s*index:", code)
    assert code.count("operation: 'Query'") == len(of_an_index)
    indexes = {f"{table}/index/{index}" for index in (items.PRODUCT_INDEX, items.CASE_STATUS_INDEX)}
    # Exactly: the item operations on the table, Query on those indexes, the outbox's put —
    # never another service's table.
    assert granted == {
        *((f"dynamodb:{op}", table) for op in operations - {"Query"}),
        *(("dynamodb:Query", index) for index in indexes),
        ("dynamodb:PutItem", outbox),
    }
    assert "outboxItem" in code  # the reviews' events: written into the outbox


def test_only_the_products_table_is_read_for_the_reviews_and_read_only(dev):
    sources = {s.data_source for f in REVIEW_FIELDS for s in f.pipeline}
    assert sources == {DataSource.PRODUCTS_TABLE, DataSource.REVIEWS_TABLE}


# --- the stack's settings ------------------------------------------------------------------


# The case waits per stack (Pulumi.<stack>.yaml): escalation (HeartbeatSeconds), timeout.
CASE_WAITS = {"dev": (600, 3600), "prod": (86400, 604800)}


def test_only_the_standard_case_workflow_waits_and_with_the_stacks_times(deployment, request):
    escalation, timeout = CASE_WAITS[request.node.callspec.params["deployment"]]
    for name, (_, kind) in MACHINES.items():
        machine = deployment.named(name)
        assert machine.inputs["type"] == kind
        waits = [t for t in tasks(machine) if t["Resource"].endswith(".waitForTaskToken")]
        assert bool(waits) is (name == "reviews-customer-service-state-machine")
    states = json.loads(
        deployment.named("reviews-customer-service-state-machine").inputs["definition"]
    )["States"]
    first, second = states["WaitForAgent"], states["WaitAfterEscalation"]
    assert (first["HeartbeatSeconds"], first["TimeoutSeconds"]) == (escalation, timeout)
    assert "HeartbeatSeconds" not in second
    assert second["TimeoutSeconds"] == timeout - escalation


def test_comprehend_reads_the_stacks_language(dev):
    [detect] = [
        t
        for t in tasks(dev.named("reviews-analysis-state-machine"))
        if t["Resource"].endswith("detectSentiment")
    ]
    assert detect["Parameters"]["LanguageCode"] == "en"  # Pulumi.yaml's default


def test_the_reviews_table_is_keyed_and_indexed_as_its_items_are_declared(dev):
    table = dev.with_output("name", dev.outputs["reviewsTableName"], TABLE)
    assert (table.inputs["hashKey"], table.inputs["rangeKey"]) == (
        items.PARTITION_KEY,
        items.SORT_KEY,
    )
    indexes = {
        i["name"]: tuple(k["attributeName"] for k in i["keySchemas"])
        for i in table.inputs["globalSecondaryIndexes"]
    }
    assert indexes == {
        items.PRODUCT_INDEX: items.PRODUCT_INDEX_KEY,
        items.CASE_STATUS_INDEX: items.CASE_STATUS_INDEX_KEY,
    }
    assert table.inputs["ttl"] == {"attributeName": items.EXPIRES_AT, "enabled": True}
