"""Customers get their e-mail: through the local cloud, an order's outcome reaches the
customer notifier (started by the relay, as EventBridge starts it on AWS), which sends
one e-mail through the emulator's SES; the outbox records it as it would be sent."""

import time

import pytest

from localcloud import stack_config
from shop_common.contracts import DetailType
from workflows.customer_notifier import MESSAGES

pytestmark = pytest.mark.e2e


def emails_about(shop, order_id: str) -> list[dict]:
    return [e for e in shop.emails() if order_id in e["body"]]


def test_a_paid_order_sends_one_email_to_the_customers_address(shop, customer):
    lamp = shop.create_product("Reading lamp", 31)
    shop.call("PUT", f"/basket/items/{lamp}", customer, json={"quantity": 1})
    order_id = shop.checkout(customer).json()["orderId"]
    shop.order_status(customer, order_id, until={"PAID"})

    [email] = shop.wait_for(lambda: emails_about(shop, order_id))

    assert email["to"] == [customer]
    assert email["from"] == stack_config.load("local")["shop:emailSender"]
    assert email["subject"] == MESSAGES[DetailType.ORDER_PAID].subject
    assert "31 USD" in email["body"]
    # The ops feed keeps its filtered copy of the same outcome.
    shop.wait_for(
        lambda: [
            n
            for n in shop.notifications()
            if n["message"] == email["body"] and n["attributes"]["eventType"] == "OrderPaid"
        ]
    )
    time.sleep(2)  # the relay and the executions have settled: still exactly one
    assert len(emails_about(shop, order_id)) == 1


def test_a_rejected_order_tells_the_customer(shop, customer):
    lamp = shop.create_product("Floor lamp", 80, stock=0)  # rejected: nothing in stock
    shop.call("PUT", f"/basket/items/{lamp}", customer, json={"quantity": 1})
    order_id = shop.checkout(customer).json()["orderId"]
    shop.order_status(customer, order_id, until={"REJECTED"})

    [email] = shop.wait_for(lambda: emails_about(shop, order_id))

    assert email["to"] == [customer]
    assert email["subject"] == MESSAGES[DetailType.ORDER_REJECTED].subject
