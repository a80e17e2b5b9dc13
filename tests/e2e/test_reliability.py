"""Duplicates, poison messages and partial batch failures, end to end: events
and messages are injected at the bus or the queue, outcomes observed through
the HTTP API, the DLQs and the state machine."""

import json
import uuid

import jwt
import pytest

from tests.local_shop import VISIBILITY_TIMEOUT
from tests.samples import ADDRESS

pytestmark = pytest.mark.e2e
REDRIVE_WAIT = VISIBILITY_TIMEOUT * 5 * 3 + 10  # maxReceiveCount 5, generous for slow CI


def checkout_data(shop, customer: str) -> dict:
    """A CheckoutBasket event's data for this customer, priced from a real product; the
    customer's basket is left as checkout leaves it (checked out as the order, holding
    the payment token the ordering service reads when payment starts)."""
    product_id = shop.create_product("Teapot", 30)
    user_id = jwt.decode(shop.token(customer), options={"verify_signature": False})["sub"]
    order_id = str(uuid.uuid4())
    shop.aws("dynamodb").put_item(
        TableName=shop.outputs["basketsTableName"],
        Item={
            "userId": {"S": user_id},
            "status": {"S": "CHECKED_OUT"},
            "items": {"M": {}},
            "version": {"N": "1"},
            "orderId": {"S": order_id},
            "paymentToken": {"S": "tok_visa"},
        },
    )
    return {
        "orderId": order_id,
        "userId": user_id,
        "email": customer,
        "items": [
            {
                "productId": product_id,
                "name": "Teapot",
                "unitPrice": 30,
                "quantity": 1,
                "lineTotal": 30,
            }
        ],
        "totalPrice": 30,
        "currency": "USD",
        "shippingAddress": ADDRESS,
    }


def detail(data: dict) -> str:
    return json.dumps(
        {
            "metadata": {
                "eventId": str(uuid.uuid4()),
                "correlationId": data.get("orderId", "poison"),
                "version": "1",
            },
            "data": data,
        }
    )


def put_checkout_event(shop, data: dict) -> None:
    result = shop.aws("events").put_events(
        Entries=[
            {
                "EventBusName": shop.outputs["eventBusName"],
                "Source": "shop.basket",
                "DetailType": "CheckoutBasket",
                "Detail": detail(data),
            }
        ]
    )
    assert result["FailedEntryCount"] == 0


def as_delivered(shop, data: dict) -> str:
    """A message body as EventBridge delivers it to the ordering queue."""
    return json.dumps(
        {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "CheckoutBasket",
            "source": "shop.basket",
            "account": "123456789012",
            "time": "2026-11-23T00:00:00Z",
            "region": shop.outputs["region"],
            "resources": [],
            "detail": json.loads(detail(data)),
        }
    )


def executions_named(shop, name: str) -> list[dict]:
    executions = shop.aws("stepfunctions").list_executions(
        stateMachineArn=shop.outputs["stateMachineArn"]
    )["executions"]
    return [e for e in executions if e["name"] == name]


def test_a_duplicated_checkout_event_makes_one_order_and_one_execution(shop, customer):
    data = checkout_data(shop, customer)

    put_checkout_event(shop, data)
    put_checkout_event(shop, data)

    order = shop.order_status(customer, data["orderId"], until={"PAID"})
    assert order["totalPrice"] == 30
    shop.wait_for(lambda: shop.queue_messages("orderingQueueUrl") == 0)
    assert len(shop.call("GET", "/orders", customer).json()["items"]) == 1
    assert len(executions_named(shop, data["orderId"])) == 1


def test_a_poison_event_ends_in_the_dlq_while_later_orders_succeed(shop, customer):
    dlq_before = shop.queue_messages("orderingDlqUrl")

    put_checkout_event(shop, {"orderId": "poison", "note": "breaks the contract"})
    shop.call("PUT", f"/basket/items/{shop.create_product()}", customer, json={"quantity": 1})
    order_id = shop.checkout(customer).json()["orderId"]

    shop.order_status(customer, order_id, until={"PAID"})
    shop.wait_for(
        lambda: shop.queue_messages("orderingDlqUrl") == dlq_before + 1, timeout=REDRIVE_WAIT
    )
    [message] = [
        m
        for m in shop.aws("sqs").receive_message(
            QueueUrl=shop.outputs["orderingDlqUrl"], MaxNumberOfMessages=10, VisibilityTimeout=0
        )["Messages"]
        if '"poison"' in m["Body"]
    ]
    assert json.loads(message["Body"])["detail"]["data"]["note"] == "breaks the contract"


def test_one_bad_record_in_a_batch_loses_none_of_the_others(shop, customer):
    other = shop.sign_up()
    good = [checkout_data(shop, customer), checkout_data(shop, other)]
    dlq_before = shop.queue_messages("orderingDlqUrl")
    bodies = [as_delivered(shop, good[0]), "this is not an event", as_delivered(shop, good[1])]

    shop.aws("sqs").send_message_batch(
        QueueUrl=shop.outputs["orderingQueueUrl"],
        Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies)],
    )

    for who, data in zip((customer, other), good, strict=True):
        shop.order_status(who, data["orderId"], until={"PAID"})
    shop.wait_for(
        lambda: shop.queue_messages("orderingDlqUrl") == dlq_before + 1, timeout=REDRIVE_WAIT
    )
    for who, data in zip((customer, other), good, strict=True):
        orders = shop.call("GET", "/orders", who).json()["items"]
        assert [o["orderId"] for o in orders] == [data["orderId"]]
