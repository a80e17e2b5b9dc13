"""The pipe player's reading of a pipe definition: filters, templates, entries."""

import json

import pytest

from localcloud.pipes import PipeDefinition, Unsupported, event_entry, matches, passes, render

STREAM = "arn:aws:dynamodb:us-east-1:123456789012:table/outbox/stream/2026-01-01T00:00:00.000"
BUS = "arn:aws:events:us-east-1:123456789012:event-bus/shop-local"


def described(**changes) -> dict:
    pipe = {
        "Name": "outbox-pipe",
        "Arn": "arn:aws:pipes:us-east-1:123456789012:pipe/outbox-pipe",
        "Source": STREAM,
        "Target": BUS,
        "SourceParameters": {
            "FilterCriteria": {"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}]},
            "DynamoDBStreamParameters": {"StartingPosition": "TRIM_HORIZON", "BatchSize": 10},
        },
        "TargetParameters": {
            "InputTemplate": "<$.dynamodb.NewImage.detail.S>",
            "EventBridgeEventBusParameters": {
                "Source": "shop.products",
                "DetailType": "$.dynamodb.NewImage.detailType.S",
            },
        },
    }
    return pipe | changes


def record(event_name="INSERT", detail='{"data": {"a": 1}}') -> dict:
    image = {"detail": {"S": detail}, "detailType": {"S": "ProductCreated"}}
    return {"eventName": event_name, "dynamodb": {"NewImage": image, "SequenceNumber": "1"}}


def test_the_filter_passes_inserts_only():
    pipe = PipeDefinition.from_description(described())
    assert passes(pipe, record("INSERT"))
    assert not passes(pipe, record("MODIFY"))
    assert not passes(pipe, record("REMOVE"))


def test_patterns_match_values_prefixes_and_anything_but_nested():
    pattern = {"dynamodb": {"NewImage": {"detailType": {"S": [{"prefix": "Product"}]}}}}
    assert matches(pattern, record())
    assert not matches({"eventName": [{"anything-but": ["INSERT"]}]}, record())
    assert matches({"eventName": [{"anything-but": "MODIFY"}]}, record())


def test_the_detail_is_the_items_json_text_placed_as_an_object():
    pipe = PipeDefinition.from_description(described())
    entry = event_entry(pipe, record())
    assert entry == {
        "EventBusName": BUS,
        "Source": "shop.products",
        "DetailType": "ProductCreated",
        "Detail": '{"data": {"a": 1}}',
    }


def test_a_quoted_placeholder_makes_a_string_and_objects_go_in_as_json():
    pipe = PipeDefinition.from_description(described())
    text = render(pipe, '{"type": "<$.eventName>", "image": <$.dynamodb.NewImage>}', record())
    assert json.loads(text)["type"] == "INSERT"
    assert json.loads(text)["image"]["detailType"] == {"S": "ProductCreated"}
    assert render(pipe, "<aws.pipes.pipe-name>", record()) == "outbox-pipe"


def test_a_detail_that_is_not_a_json_object_fails_the_record():
    pipe = PipeDefinition.from_description(described())
    with pytest.raises(ValueError, match="not a JSON object"):
        event_entry(pipe, record(detail='"just text"'))


def test_pipes_the_local_cloud_cannot_play_are_refused_at_start_up():
    with pytest.raises(Unsupported, match="event bus targets"):
        PipeDefinition.from_description(described(Target="arn:aws:sqs:us-east-1:1:q"))
    unsupported = {"Filters": [{"Pattern": json.dumps({"eventName": [{"numeric": [">", 1]}]})}]}
    with pytest.raises(Unsupported, match="filter"):
        PipeDefinition.from_description(described(SourceParameters={"FilterCriteria": unsupported}))
