"""The outbox end to end: a product created through the API reaches the bus through
the products outbox's pipe, which the local cloud plays from the table's stream."""

import json
import time
import uuid

import pytest

from shop_common.routes import IDEMPOTENCY_KEY_HEADER

pytestmark = pytest.mark.e2e


def tap_on(shop, source: str) -> str:
    """A queue that a rule of the test's own fills with every event of `source`: what the
    bus carried, each delivery as it came (the audit would merge duplicates)."""
    sqs, events = shop.aws("sqs"), shop.aws("events")
    url = sqs.create_queue(QueueName=f"tap-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    bus, rule = shop.outputs["eventBusName"], f"tap-{source}"
    events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps({"source": [source]}))
    events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])
    return url


@pytest.fixture(scope="module")
def tap(shop) -> str:
    return tap_on(shop, "shop.products")


def bus_events(shop, tap: str, correlation_id: str, seen: list[dict]) -> list[dict]:
    """The events of this correlation (a product's, a review's) the bus has carried so far."""
    sqs = shop.aws("sqs")
    while messages := sqs.receive_message(QueueUrl=tap, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            seen.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=tap, ReceiptHandle=message["ReceiptHandle"])
    return [e for e in seen if e["detail"]["metadata"]["correlationId"] == correlation_id]


def test_a_product_create_arrives_on_the_bus_once_through_the_played_pipe(shop, tap):
    key = {IDEMPOTENCY_KEY_HEADER: str(uuid.uuid4())}
    body = {"name": "Outbox lamp", "price": 25, "category": "home", "stock": 3}
    first = shop.call("POST", "/products", "admin", json=body, headers=dict(key))
    retry = shop.call("POST", "/products", "admin", json=body, headers=dict(key))
    assert (first.status_code, retry.status_code) == (201, 201)
    product = first.json()
    assert retry.json() == product

    seen: list[dict] = []
    [event] = shop.wait_for(lambda: bus_events(shop, tap, product["productId"], seen))
    assert event["source"] == "shop.products"
    assert event["detail-type"] == "ProductCreated"
    assert event["detail"]["data"] == product  # an object: the pipe's template placed it
    time.sleep(1)  # a retried create published nothing more
    assert len(bus_events(shop, tap, product["productId"], seen)) == 1
