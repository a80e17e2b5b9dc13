"""Outboxes and idempotency records (docs/architecture.md#the-outbox), checked on the
dev stack: each producer with an outbox publishes only through its pipe."""

import json

from shop_common import idempotency, outbox
from shop_common.contracts import REVIEWS_GRAPHQL, produced_by
from shop_common.routes import ROUTES
from tests.infra.helpers import (
    FUNCTION,
    PIPE,
    ROLE,
    ROLE_POLICY,
    TABLE,
    function,
    granted_actions,
    grants,
    queue_by_arn,
    statements,
)
from tests.infra.test_wiring import DATA_SOURCE, outbox_writer, role_statements


def outbox_table(dev, pipe):
    [table] = [t for t in dev.of_type(TABLE) if t.outputs.get("streamArn") == pipe.inputs["source"]]
    return table


def pipe_statements(dev, pipe) -> list[dict]:
    role = dev.with_output("arn", pipe.inputs["roleArn"], ROLE)
    [policy] = [p for p in dev.of_type(ROLE_POLICY) if p.inputs["role"] == role.outputs["name"]]
    return json.loads(policy.inputs["policy"])["Statement"]


def test_the_products_basket_and_orders_apis_and_the_reviews_have_an_outbox_each(dev):
    writers = [outbox_writer(dev, pipe) for pipe in dev.of_type(PIPE)]
    assert sorted(writers) == ["basket.api", "ordering.api", "products.api", REVIEWS_GRAPHQL]


def test_an_outbox_table_streams_new_images_and_expires_its_items(dev):
    for pipe in dev.of_type(PIPE):
        table = outbox_table(dev, pipe)
        assert table.inputs["hashKey"] == outbox.KEY == "eventId"
        assert table.inputs["streamEnabled"] is True
        assert table.inputs["streamViewType"] == "NEW_IMAGE"
        assert table.inputs["ttl"] == {"attributeName": outbox.EXPIRES_AT, "enabled": True}


def test_a_pipe_passes_on_inserts_only_as_events_of_its_producers_source(dev):
    bus_arn = dev.named("events-bus").outputs["arn"]
    for pipe in dev.of_type(PIPE):
        [source] = produced_by(outbox_writer(dev, pipe))
        parameters = pipe.inputs["sourceParameters"]
        [pattern] = [json.loads(f["pattern"]) for f in parameters["filterCriteria"]["filters"]]
        assert pattern == {"eventName": ["INSERT"]}
        assert pipe.inputs["target"] == bus_arn
        target = pipe.inputs["targetParameters"]
        # The detail: the item's JSON text, unquoted, so that it arrives as a JSON object.
        assert target["inputTemplate"] == "<$.dynamodb.NewImage.detail.S>"
        assert target["eventbridgeEventBusParameters"] == {
            "source": source.value,
            "detailType": "$.dynamodb.NewImage.detailType.S",
        }


def test_a_pipes_role_reads_only_its_stream_sends_only_to_its_dlq_and_publishes_its_source(dev):
    bus_arn = dev.named("events-bus").outputs["arn"]
    for pipe in dev.of_type(PIPE):
        role = dev.with_output("arn", pipe.inputs["roleArn"], ROLE)
        trust = json.loads(role.inputs["assumeRolePolicy"])
        assert trust["Statement"][0]["Principal"] == {"Service": "pipes.amazonaws.com"}
        own = pipe_statements(dev, pipe)
        stream = pipe.inputs["source"]
        dlq = pipe.inputs["sourceParameters"]["dynamodbStreamParameters"]["deadLetterConfig"]
        for read in ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"):
            assert [s["Resource"] for s in own if read in s["Action"]] == [stream], read
        assert [s["Resource"] for s in own if "sqs:SendMessage" in s["Action"]] == [dlq["arn"]]
        queue_by_arn(dev, dlq["arn"])  # a queue of the program
        [publish] = [s for s in own if "events:PutEvents" in s["Action"]]
        assert publish["Resource"] == bus_arn
        [source] = produced_by(outbox_writer(dev, pipe))
        assert publish["Condition"] == {"StringEquals": {"events:source": [source.value]}}
        assert granted_actions(own) == {
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:ListStreams",
            "sqs:SendMessage",
            "events:PutEvents",
        }


def test_a_producer_with_an_outbox_may_only_add_to_it_and_never_puts_events(dev):
    for pipe in dev.of_type(PIPE):
        producer = outbox_writer(dev, pipe)
        if producer == REVIEWS_GRAPHQL:  # the reviews' resolvers: their data source's role
            [source] = [s for s in dev.of_type(DATA_SOURCE) if s.inputs["name"] == "reviewsTable"]
            own = role_statements(dev, source.inputs["serviceRoleArn"])
        else:
            writer = function(dev, producer)
            own = statements(dev, writer)
            assert "EVENT_BUS_NAME" not in writer.inputs["environment"]["variables"]
        table_arn = outbox_table(dev, pipe).outputs["arn"]
        assert "events:PutEvents" not in granted_actions(own)
        on_outbox = {a for s in own if s["Resource"] == table_arn for a in s["Action"]}
        assert on_outbox == {"dynamodb:PutItem"}


def test_only_the_functions_that_take_an_idempotency_key_have_its_records(dev):
    keyed = {route.service for route in ROUTES if route.idempotency_key}
    assert keyed == {"products.api", "basket.api"}
    tables = [
        t
        for t in dev.of_type(TABLE)
        if t.inputs.get("ttl", {}).get("attributeName") == "expiration"
    ]
    assert len(tables) == len(keyed)
    users = {}
    for table in tables:
        assert table.inputs["hashKey"] == idempotency.KEY
        assert table.inputs["ttl"] == {"attributeName": idempotency.EXPIRES_AT, "enabled": True}
        arn = table.outputs["arn"]
        for fn in dev.of_type(FUNCTION):
            actions = {a for s in statements(dev, fn) if s["Resource"] == arn for a in s["Action"]}
            if actions:
                users[fn.inputs["handler"].removesuffix(".lambda_handler")] = table.outputs["name"]
                assert actions == {
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                }
                variables = fn.inputs["environment"]["variables"]
                assert variables["IDEMPOTENCY_TABLE_NAME"] == table.outputs["name"]
                assert grants(statements(dev, fn), "dynamodb:PutItem", arn)
    assert set(users) == keyed
    assert len(set(users.values())) == len(keyed)  # each service its own
