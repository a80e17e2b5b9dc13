"""The ordering consumer, the basket consumer, and the orders API, fed the real
events that the producers put on the bus."""

import json
from decimal import Decimal

import boto3
import pytest

from localcloud.lambda_events import sqs_event, sqs_record
from ordering.status_index import shard_of, status_shard
from shop_common.contracts import DetailType
from tests.functions.conftest import ADMIN, TABLES, assert_valid_event
from tests.functions.test_basket import CHECKOUT, add_product, basket, put_item
from tests.functions.test_stock import event as stock_event
from tests.samples import ADDRESS


@pytest.fixture
def workflow(shop):
    shop.create_workflow(payment_limit=1000)
    return shop


def checkout_event(shop, user="ada", token="tok_visa", price=10.5) -> dict:
    """Put an item in user's basket, check out, and return the CheckoutBasket event."""
    put_item(shop, add_product(shop, price=price), 2, user=user)
    order_id = shop.request(
        "basket", "POST", "/basket/checkout", user=user, body={**CHECKOUT, "paymentToken": token}
    ).json["orderId"]
    [event] = [
        e for e in shop.published_of("CheckoutBasket") if e["detail"]["data"]["orderId"] == order_id
    ]
    return event


def held_token(shop, user: str) -> dict:
    """The user's basket as stored: its orderId and paymentToken while checked out."""
    item = shop.dynamodb.get_item(TableName=TABLES["baskets"], Key={"userId": {"S": user}})
    return {k: v["S"] for k, v in item.get("Item", {}).items() if k in ("orderId", "paymentToken")}


def check_out_as(shop, user: str, order_id: str, like: str) -> None:
    """User's basket, a copy of user `like`'s checked-out basket, but as order_id."""
    item = shop.dynamodb.get_item(TableName=TABLES["baskets"], Key={"userId": {"S": like}})
    copy = item["Item"] | {"userId": {"S": user}, "orderId": {"S": order_id}}
    shop.dynamodb.put_item(TableName=TABLES["baskets"], Item=copy)


def place(shop, event: dict, reserved: bool = True) -> str:
    """The ordering consumer takes a checkout; then, unless told otherwise, the stock
    keeper's StockReserved for it, which starts the payment."""
    data = event["detail"]["data"]
    result = shop.deliver("ordering", [json.dumps(event)])
    assert result == {"batchItemFailures": []}
    if reserved:
        answer = stock_event(
            DetailType.STOCK_RESERVED, {"orderId": data["orderId"], "userId": data["userId"]}
        )
        assert shop.deliver("ordering", [answer]) == {"batchItemFailures": []}
    return data["orderId"]


def settle(shop, order_id: str) -> dict:
    for execution in shop.all_finished():
        assert execution["status"] == "SUCCEEDED", execution
    return shop.order(order_id)


def forward(shop, detail_type: str) -> dict:
    """Deliver the bus's detail_type events to the basket consumer, as its queue would."""
    bodies = [json.dumps(e) for e in shop.published_of(detail_type)]
    assert bodies, f"no {detail_type} event was published"
    return shop.deliver("basket-events", bodies)


# --- ordering consumer -------------------------------------------------------------------


def test_a_checkout_becomes_a_pending_order_an_event_and_one_execution(workflow):
    event = checkout_event(workflow)

    order_id = place(workflow, event)

    [created] = workflow.published_of("OrderCreated")
    assert_valid_event(created)
    order = created["detail"]["data"]
    assert (order["orderId"], order["userId"], order["status"]) == (order_id, "ada", "PENDING")
    assert order["totalPrice"] == 21
    assert order["shippingAddress"] == ADDRESS
    assert "paymentToken" not in order
    [execution] = workflow.executions()
    assert execution["name"] == order_id
    assert settle(workflow, order_id)["status"] == "PAID"


def test_payment_waits_for_the_stock_and_a_rejected_order_is_never_paid(workflow):
    event = checkout_event(workflow)
    order_id = place(workflow, event, reserved=False)
    assert workflow.executions() == []
    user = event["detail"]["data"]["userId"]
    rejection = {"orderId": order_id, "userId": user, "reason": "out_of_stock", "productIds": ["p"]}
    rejected = stock_event(DetailType.ORDER_REJECTED, rejection)

    workflow.deliver("ordering", [rejected, rejected])
    late = stock_event(DetailType.STOCK_RESERVED, {"orderId": order_id, "userId": user})
    workflow.deliver("ordering", [late])

    order = workflow.order(order_id)
    assert order["status"] == "REJECTED"
    assert order["rejectionReason"] == "out_of_stock"
    assert "paymentToken" not in order
    assert workflow.executions() == []


def test_the_payment_token_travels_in_no_event_and_is_kept_only_until_payment_settles(workflow):
    event = checkout_event(workflow)
    order_id = place(workflow, event, reserved=False)
    assert "paymentToken" not in json.dumps(workflow.published())
    assert "paymentToken" not in workflow.order(order_id)
    assert held_token(workflow, "ada") == {"orderId": order_id, "paymentToken": "tok_visa"}

    place(workflow, event)
    assert settle(workflow, order_id)["status"] == "PAID"
    [execution] = workflow.executions()
    started = boto3.client("stepfunctions").describe_execution(
        executionArn=execution["executionArn"]
    )
    assert json.loads(started["input"])["paymentToken"] == "tok_visa"
    forward(workflow, "OrderPaid")

    assert held_token(workflow, "ada") == {}
    assert "tok_visa" not in json.dumps(workflow.published())
    api_view = workflow.request("orders", "GET", f"/orders/{order_id}", user="ada").json
    assert "paymentToken" not in api_view


def test_a_failed_payment_reopens_the_basket_without_the_token(workflow):
    order_id = place(workflow, checkout_event(workflow, token="tok_declined"))
    assert settle(workflow, order_id)["status"] == "PAYMENT_FAILED"

    forward(workflow, "OrderPaymentFailed")

    assert held_token(workflow, "ada") == {}


def test_no_payment_starts_once_the_basket_no_longer_holds_the_order(workflow):
    event = checkout_event(workflow)
    order_id = place(workflow, event, reserved=False)
    check_out_as(workflow, "ada", "another-order", like="ada")

    place(workflow, event)

    assert workflow.executions() == []
    assert workflow.order(order_id)["status"] == "PENDING"


def test_the_same_checkout_delivered_twice_makes_one_order_and_one_execution(workflow):
    event = checkout_event(workflow)

    place(workflow, event)
    settle(workflow, event["detail"]["data"]["orderId"])
    place(workflow, event)
    workflow.deliver("ordering", [json.dumps(event), json.dumps(event)])

    assert len(workflow.executions()) == 1
    assert len(workflow.published_of("OrderCreated")) == 1
    orders = workflow.dynamodb.scan(TableName=TABLES["orders"])["Items"]
    assert len(orders) == 1


def test_a_redelivery_while_pending_redrives_the_same_execution(workflow):
    event = checkout_event(workflow)
    body = json.dumps(event)

    result = workflow.deliver("ordering", [body, body])
    order_id = event["detail"]["data"]["orderId"]
    reserved = stock_event(DetailType.STOCK_RESERVED, {"orderId": order_id, "userId": "ada"})
    workflow.deliver("ordering", [reserved, reserved])

    assert result == {"batchItemFailures": []}
    assert len(workflow.executions()) == 1
    created = workflow.published_of("OrderCreated")
    assert len({e["detail"]["metadata"]["eventId"] for e in created}) == 1


@pytest.mark.parametrize(
    "poison",
    [
        "not json",
        json.dumps({"detail-type": "Surprise", "detail": {}}),
        json.dumps({"detail-type": "CheckoutBasket", "detail": {"metadata": {}, "data": {}}}),
    ],
)
def test_only_the_bad_record_of_a_batch_is_reported(workflow, poison):
    good, other = checkout_event(workflow, user="ada"), checkout_event(workflow, user="bob")
    records = [json.dumps(good), poison, json.dumps(other)]
    batch = sqs_event(
        [
            sqs_record(body, queue_arn="arn:aws:sqs:us-east-1:123456789012:q", message_id=f"m{i}")
            for i, body in enumerate(records)
        ]
    )
    result = workflow.invoke("ordering", batch)

    assert result == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    for event in (good, other):
        assert workflow.order(event["detail"]["data"]["orderId"]) is not None


def test_an_order_is_stored_in_its_status_shard_and_cancelling_moves_it(held):
    order_id = place(held, checkout_event(held))
    pending = held.order(order_id)

    cancelled = held.request("orders", "DELETE", f"/orders/{order_id}", user="ada")

    assert pending["statusShard"] == status_shard("PENDING", shard_of(order_id))
    assert held.order(order_id)["statusShard"] == status_shard("CANCELLED", shard_of(order_id))
    assert cancelled.json["status"] == "CANCELLED"
    assert "statusShard" not in cancelled.json  # storage, not part of the Order


# --- basket consumer ---------------------------------------------------------------------


def test_order_paid_empties_the_basket(workflow):
    settle(workflow, place(workflow, checkout_event(workflow)))

    assert forward(workflow, "OrderPaid") == {"batchItemFailures": []}

    assert basket(workflow) == {"items": [], "totalPrice": 0, "currency": "USD", "status": "ACTIVE"}


def test_payment_failure_reopens_the_basket_with_its_items(workflow):
    order_id = place(workflow, checkout_event(workflow, token="tok_declined"))
    assert settle(workflow, order_id)["status"] == "PAYMENT_FAILED"

    forward(workflow, "OrderPaymentFailed")

    reopened = basket(workflow)
    assert reopened["status"] == "ACTIVE"
    assert "orderId" not in reopened
    assert reopened["items"][0]["quantity"] == 2
    retry = workflow.request("basket", "POST", "/basket/checkout", user="ada", body=CHECKOUT)
    assert retry.status == 202
    assert retry.json["orderId"] != order_id


def test_order_events_apply_once_and_stale_ones_are_ignored(workflow):
    settle(workflow, place(workflow, checkout_event(workflow, token="tok_declined")))
    forward(workflow, "OrderPaymentFailed")
    put_item(workflow, add_product(workflow, "Mug", 3), 1)

    result = forward(workflow, "OrderPaymentFailed")  # the same event again

    assert result == {"batchItemFailures": []}
    assert len(basket(workflow)["items"]) == 2


def test_a_cancelled_pending_order_reopens_the_basket(shop):
    event = checkout_event(shop)
    data = event["detail"]["data"]
    # The order as the consumer stores it, before any workflow settles it.
    pending = {k: v for k, v in data.items() if k != "paymentToken"} | {
        "status": "PENDING",
        "createdAt": "2026-11-23T10:00:00.000Z",
        "updatedAt": "2026-11-23T10:00:00.000Z",
    }
    boto3.resource("dynamodb").Table(TABLES["orders"]).put_item(
        Item=json.loads(json.dumps(pending), parse_float=Decimal)
    )

    cancelled = shop.request("orders", "DELETE", f"/orders/{data['orderId']}", user="ada")
    assert cancelled.json["status"] == "CANCELLED"
    forward(shop, "OrderCancelled")

    assert basket(shop)["status"] == "ACTIVE"
    assert basket(shop)["items"][0]["quantity"] == 2


def test_the_basket_consumer_reports_only_its_bad_record(workflow):
    settle(workflow, place(workflow, checkout_event(workflow)))
    [paid] = workflow.published_of("OrderPaid")

    result = workflow.deliver("basket-events", [json.dumps(paid), "{}"])

    assert len(result["batchItemFailures"]) == 1
    assert basket(workflow)["items"] == []


# --- orders API ----------------------------------------------------------------------


@pytest.fixture
def orders(workflow):
    """Two orders of ada's (the second declined) and one of bob's, all settled."""
    ids = [place(workflow, checkout_event(workflow, user="ada"))]
    settle(workflow, ids[0])
    forward(workflow, "OrderPaid")
    ids.append(place(workflow, checkout_event(workflow, user="ada", token="tok_declined")))
    ids.append(place(workflow, checkout_event(workflow, user="bob")))
    for order_id in ids:
        settle(workflow, order_id)
    return ids


def test_customers_list_their_own_orders_newest_first(workflow, orders):
    response = workflow.request("orders", "GET", "/orders", user="ada")

    assert response.status == 200
    assert [o["orderId"] for o in response.json["items"]] == [orders[1], orders[0]]
    assert [o["status"] for o in response.json["items"]] == ["PAYMENT_FAILED", "PAID"]
    assert response.json["items"][0]["paymentFailureReason"] == "card_declined"
    assert response.json["nextToken"] is None


def test_order_listing_pages(workflow, orders):
    first = workflow.request("orders", "GET", "/orders", user="ada", query={"limit": "1"})
    second = workflow.request(
        "orders",
        "GET",
        "/orders",
        user="ada",
        query={"limit": "1", "nextToken": first.json["nextToken"]},
    )
    assert [o["orderId"] for o in first.json["items"] + second.json["items"]] == [
        orders[1],
        orders[0],
    ]


def test_an_order_is_visible_to_its_customer_only(workflow, orders):
    own = workflow.request("orders", "GET", f"/orders/{orders[0]}", user="ada")
    foreign = workflow.request("orders", "GET", f"/orders/{orders[2]}", user="ada")
    missing = workflow.request("orders", "GET", "/orders/nope", user="ada")

    assert own.status == 200
    assert own.json["userId"] == "ada"
    assert set(own.json) >= {
        "orderId",
        "status",
        "items",
        "totalPrice",
        "currency",
        "shippingAddress",
        "email",
        "createdAt",
        "updatedAt",
    }
    assert foreign.status == missing.status == 404


def test_the_shipping_address_can_change_until_cancelled(workflow, orders):
    moved = {**ADDRESS, "line1": "1 New Road"}
    path = f"/orders/{orders[0]}"

    changed = workflow.request("orders", "PATCH", path, user="ada", body={"shippingAddress": moved})
    foreign = workflow.request(
        "orders", "PATCH", f"/orders/{orders[2]}", user="ada", body={"shippingAddress": moved}
    )
    invalid = workflow.request(
        "orders", "PATCH", path, user="ada", body={"shippingAddress": {**moved, "postalCode": ""}}
    )
    workflow.request("orders", "DELETE", path, user="ada")
    closed = workflow.request("orders", "PATCH", path, user="ada", body={"shippingAddress": moved})

    assert changed.status == 200
    assert changed.json["shippingAddress"]["line1"] == "1 New Road"
    assert foreign.status == 404
    assert invalid.status == 422
    assert invalid.json["errors"][0]["field"] == "shippingAddress.postalCode"
    assert closed.status == 409


def test_cancelling_is_harmless_to_repeat_and_publishes_one_event(workflow, orders):
    path = f"/orders/{orders[0]}"

    first = workflow.request("orders", "DELETE", path, user="ada")
    again = workflow.request("orders", "DELETE", path, user="ada")
    foreign = workflow.request("orders", "DELETE", f"/orders/{orders[2]}", user="ada")

    assert first.status == again.status == 200
    assert first.json["status"] == again.json["status"] == "CANCELLED"
    assert foreign.status == 404
    # The change and its event are one transaction (the orders API's outbox): once.
    [event] = workflow.published_of("OrderCancelled")
    assert event["detail"]["data"] == {"orderId": orders[0], "userId": "ada"}
    assert_valid_event(event)


def test_orders_need_an_identity(workflow):
    assert workflow.request("orders", "GET", "/orders").status == 401


def test_admins_see_only_their_own_orders_too(workflow, orders):
    response = workflow.request("orders", "GET", "/orders", user="root", groups=ADMIN)
    assert response.json["items"] == []
