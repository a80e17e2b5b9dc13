"""The outbox (docs/architecture.md#the-outbox) and Idempotency-Key, by injecting
failures: a change and its event are written together or not at all, the pipe
(played as the local cloud plays it) puts each event once, a duplicate stream
record carries the same event id, and a target that keeps failing ends in the
pipe's DLQ."""

import json

import pytest
from botocore.exceptions import ClientError

from localcloud.pipes import PipePlayer
from shop_common import clients
from shop_common.routes import IDEMPOTENCY_KEY_HEADER
from tests.functions.conftest import ADMIN, PROGRAM, Failing, assert_valid_event
from tests.functions.test_products import LAMP, create

OUTBOX = PROGRAM.outputs["productsOutboxTableName"]
DETAILS = {k: v for k, v in LAMP.items() if k != "stock"}  # what a PUT may change


def post(shop, body=LAMP, key=None, user="ada"):
    headers = {IDEMPOTENCY_KEY_HEADER: key} if key else {}
    return shop.request(
        "products", "POST", "/products", user=user, groups=ADMIN, body=body, headers=headers
    )


def products_pipe(shop) -> PipePlayer:
    [pipe] = [p for p in shop.pipes if p.definition.source == "shop.products"]
    return pipe


def products(shop) -> list[dict]:
    return shop.request("products", "GET", "/products").json["items"]


def outbox_items(shop) -> list[dict]:
    return shop.dynamodb.scan(TableName=OUTBOX)["Items"]


# -- one transaction: the change and its event, or neither --------------------------------


def test_every_product_change_publishes_exactly_once_with_the_outbox_items_event_id(shop):
    product = create(shop)
    path = f"/products/{product['productId']}"
    changed = shop.request(
        "products",
        "PUT",
        path,
        user="ada",
        groups=ADMIN,
        body={**DETAILS, "price": 41, "version": 1},
    )
    stocked = shop.request(
        "products", "POST", path + "/stock", user="ada", groups=ADMIN, body={"delta": -2}
    )
    deleted = shop.request("products", "DELETE", path, user="ada", groups=ADMIN)
    assert (changed.status, stocked.status, deleted.status) == (200, 200, 204)

    events = shop.published()
    assert [e["detail-type"] for e in events] == [
        "ProductCreated",
        "ProductUpdated",
        "ProductUpdated",
        "ProductDeleted",
    ]
    assert [e["detail"]["data"] for e in events] == [
        product,
        changed.json,
        stocked.json,
        stocked.json,
    ]
    assert stocked.json["stock"] == LAMP["stock"] - 2
    for event in events:
        assert_valid_event(event)
        assert event["source"] == "shop.products"
        assert isinstance(event["detail"], dict)  # an object, not a string holding one
    stored = {item["eventId"]["S"] for item in outbox_items(shop)}
    assert {e["detail"]["metadata"]["eventId"] for e in events} == stored
    assert len(stored) == 4


def test_a_refused_change_writes_no_event(shop):
    product = create(shop)
    path = f"/products/{product['productId']}"
    stale = shop.request(
        "products", "PUT", path, user="ada", groups=ADMIN, body={**DETAILS, "version": 7}
    )
    too_many = shop.request(
        "products", "POST", path + "/stock", user="ada", groups=ADMIN, body={"delta": -13}
    )
    assert (stale.status, too_many.status) == (409, 409)
    assert [e["detail-type"] for e in shop.published()] == ["ProductCreated"]
    assert len(outbox_items(shop)) == 1


def test_a_failed_transaction_stores_neither_the_product_nor_its_event(shop):
    with Failing(clients.dynamodb(), "TransactWriteItems", times=1), pytest.raises(ClientError):
        post(shop)
    assert products(shop) == []
    assert outbox_items(shop) == []
    assert shop.published() == []


def test_a_delete_retried_after_a_lost_answer_published_its_event_once(shop):
    product = create(shop)
    path = f"/products/{product['productId']}"
    first = shop.request("products", "DELETE", path, user="ada", groups=ADMIN)
    retry = shop.request("products", "DELETE", path, user="ada", groups=ADMIN)

    assert (first.status, retry.status) == (204, 404)
    [deleted] = shop.published_of("ProductDeleted")
    assert deleted["detail"]["data"] == product


def test_a_stock_change_racing_a_reservation_is_written_as_of_the_stock_it_read(shop):
    """A reservation (the stock keeper's own update) lands between the read and the
    transaction: the change is retried on the new stock, and its event shows it."""
    product = create(shop)
    table = PROGRAM.outputs["productsTableName"]
    raced = []

    def reserve(**_):
        if not raced:
            raced.append(True)
            shop.dynamodb.update_item(
                TableName=table,
                Key={"productId": {"S": product["productId"]}},
                UpdateExpression="SET stock = stock - :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )

    events = clients.dynamodb().meta.events
    events.register("before-call.dynamodb.TransactWriteItems", reserve)
    try:
        stocked = shop.request(
            "products",
            "POST",
            f"/products/{product['productId']}/stock",
            user="ada",
            groups=ADMIN,
            body={"delta": 5},
        )
    finally:
        events.unregister("before-call.dynamodb.TransactWriteItems", reserve)

    assert stocked.status == 200
    assert stocked.json["stock"] == LAMP["stock"] - 1 + 5
    [updated] = shop.published_of("ProductUpdated")
    assert updated["detail"]["data"] == stocked.json


# -- the pipe: at least once, with the same event id; retries; its DLQ --------------------


def test_a_stream_record_played_twice_carries_the_same_event_id(shop):
    product = create(shop)
    [first] = shop.published_of("ProductCreated")
    # A second player of the same pipe reads the stream from its start again, as the pipe
    # does after a failure it does not know the outcome of.
    pipe = products_pipe(shop)
    again = PipePlayer(pipe.definition, pipe.streams, pipe.events, pipe.sqs, sleep=pipe.sleep)
    again.step()

    first_again, second = shop.published_of("ProductCreated")
    assert first_again == first
    assert second["detail"] == first["detail"]
    assert second["detail"]["metadata"]["eventId"] == first["detail"]["metadata"]["eventId"]
    assert second["detail"]["data"]["productId"] == product["productId"]


def test_a_target_failing_for_a_while_is_retried_and_delivers_once(shop):
    create(shop)
    pipe = products_pipe(shop)
    with Failing(pipe.events, "PutEvents", times=3) as failing:
        events = shop.published_of("ProductCreated")
    assert failing.failed == 3
    assert len(events) == 1
    assert pipe.dead_lettered == 0


def test_a_target_that_keeps_failing_sends_the_batch_to_the_pipes_dlq(shop):
    product = create(shop)
    pipe = products_pipe(shop)
    retries = pipe.definition.maximum_retry_attempts
    with Failing(pipe.events, "PutEvents", times=retries + 1) as failing:
        assert shop.published() == []
    assert failing.failed == retries + 1  # the first attempt and every retry
    assert pipe.dead_lettered == 1

    dlq = shop.sqs.get_queue_url(QueueName=pipe.definition.dlq_arn.rsplit(":", 1)[-1])
    [message] = shop.sqs.receive_message(QueueUrl=dlq["QueueUrl"])["Messages"]
    batch = json.loads(message["Body"])["DDBStreamBatchInfo"]
    assert batch["streamArn"] == pipe.definition.stream_arn
    assert batch["batchSize"] == 1
    # The stream moved on; the item stays in the outbox (for a week) to be put again.
    create(shop, {**LAMP, "name": "Floor lamp"})
    [later] = shop.published_of("ProductCreated")
    assert later["detail"]["data"]["name"] == "Floor lamp"
    lost = [i for i in outbox_items(shop) if product["productId"] in i["detail"]["S"]]
    assert len(lost) == 1


# -- Idempotency-Key ------------------------------------------------------------------------


def test_a_create_retried_with_the_same_key_makes_one_product_and_one_event(shop):
    first = post(shop, key="create-lamp-1")
    retry = post(shop, key="create-lamp-1")

    assert (first.status, retry.status) == (201, 201)
    assert retry.json == first.json
    assert retry.headers["Location"] == first.headers["Location"]
    assert [p["productId"] for p in products(shop)] == [first.json["productId"]]
    assert len(shop.published_of("ProductCreated")) == 1


def test_a_create_retried_after_a_failure_with_the_same_key_makes_one_product(shop):
    with Failing(clients.dynamodb(), "TransactWriteItems", times=1), pytest.raises(ClientError):
        post(shop, key="create-lamp-2")
    retry = post(shop, key="create-lamp-2")
    again = post(shop, key="create-lamp-2")

    assert (retry.status, again.status) == (201, 201)
    assert again.json == retry.json
    assert len(products(shop)) == 1
    assert len(shop.published_of("ProductCreated")) == 1


def test_the_same_key_with_another_body_is_refused_naming_the_header(shop):
    post(shop, key="create-lamp-3")
    other = post(shop, body={**LAMP, "price": 12}, key="create-lamp-3")

    assert other.status == 422
    assert other.json["errors"] == [
        {"field": IDEMPOTENCY_KEY_HEADER, "message": "was used with another request body"}
    ]
    assert len(products(shop)) == 1


def test_keys_are_per_caller_and_requests_without_one_are_not_deduplicated(shop):
    mine = post(shop, key="same", user="ada")
    theirs = post(shop, key="same", user="grace")
    plain = [post(shop), post(shop)]

    assert mine.json["productId"] != theirs.json["productId"]
    assert len({p.json["productId"] for p in plain}) == 2
    assert len(products(shop)) == 4


def test_a_request_with_a_key_still_in_progress_is_a_conflict(shop):
    seen = []

    def retry_meanwhile(**_):
        if not seen:  # while the first request's transaction is about to run
            seen.append(post(shop, key="create-lamp-4"))

    events = clients.dynamodb().meta.events
    events.register("before-call.dynamodb.TransactWriteItems", retry_meanwhile)
    try:
        first = post(shop, key="create-lamp-4")
    finally:
        events.unregister("before-call.dynamodb.TransactWriteItems", retry_meanwhile)

    [meanwhile] = seen
    assert meanwhile.status == 409
    assert IDEMPOTENCY_KEY_HEADER in meanwhile.json["message"]
    assert first.status == 201
    assert len(products(shop)) == 1


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "naïve"])
def test_a_malformed_key_is_refused_naming_the_header(shop, key):
    response = shop.request(
        "products",
        "POST",
        "/products",
        user="ada",
        groups=ADMIN,
        body=LAMP,
        headers={IDEMPOTENCY_KEY_HEADER: key},
    )
    assert response.status == 422
    assert response.json["errors"][0]["field"] == IDEMPOTENCY_KEY_HEADER
