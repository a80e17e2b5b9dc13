"""The outbox end to end: a product created through the API reaches the bus through
the products outbox's pipe, which the local cloud plays from the table's stream."""

import json
import time
import uuid

import pytest

from shop_common.routes import IDEMPOTENCY_KEY_HEADER

pytestmark = pytest.mark.e2e


def bus_events(shop, product_id: str) -> list[dict]:
    """The events about this product in the audit log group (every shop.* event)."""
    logs = shop.aws("logs")
    found = []
    for page in logs.get_paginator("filter_log_events").paginate(
        logGroupName=shop.outputs["auditLogGroupName"]
    ):
        for line in page["events"]:
            event = json.loads(line["message"])
            if event["detail"]["metadata"]["correlationId"] == product_id:
                found.append(event)
    return found


def test_a_product_create_arrives_on_the_bus_once_through_the_played_pipe(shop):
    key = {IDEMPOTENCY_KEY_HEADER: str(uuid.uuid4())}
    body = {"name": "Outbox lamp", "price": 25, "category": "home", "stock": 3}
    first = shop.call("POST", "/products", "admin", json=body, headers=dict(key))
    retry = shop.call("POST", "/products", "admin", json=body, headers=dict(key))
    assert (first.status_code, retry.status_code) == (201, 201)
    product = first.json()
    assert retry.json() == product

    [event] = shop.wait_for(lambda: bus_events(shop, product["productId"]))
    assert event["source"] == "shop.products"
    assert event["detail-type"] == "ProductCreated"
    assert event["detail"]["data"] == product  # an object: the pipe's template placed it
    time.sleep(1)  # a retried create published nothing more
    assert len(bus_events(shop, product["productId"])) == 1
