"""What the functions tell operators: their EMF metrics (the dashboard's orders graph) and
their log lines, as Powertools writes them to stdout."""

import json

import pytest

from shop_common.contracts import DetailType
from tests.functions.test_ordering import checkout_event, forward, place, settle
from tests.functions.test_refunds_and_shipping import to_ordering


@pytest.fixture
def workflow(shop):
    shop.create_workflow(payment_limit=1000)
    return shop


def emitted(captured: str) -> list[str]:
    """The metric names in the EMF documents written since the last read."""
    names = []
    for line in captured.splitlines():
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                names += [metric["Name"]] * len(_values(document[metric["Name"]]))
    return names


def _values(value: object) -> list[object]:
    return value if isinstance(value, list) else [value]


def test_a_paid_order_is_counted_once_however_often_order_paid_arrives(workflow, capsys):
    order_id = place(workflow, checkout_event(workflow))
    assert settle(workflow, order_id)["status"] == "PAID"
    capsys.readouterr()

    to_ordering(workflow, DetailType.ORDER_PAID, copies=2)
    to_ordering(workflow, DetailType.ORDER_PAID)

    assert emitted(capsys.readouterr().out).count("OrdersPaid") == 1


def test_a_failed_payment_is_counted_once_however_often_it_arrives(workflow, capsys):
    order_id = place(workflow, checkout_event(workflow, token="tok_declined"))
    assert settle(workflow, order_id)["status"] == "PAYMENT_FAILED"
    capsys.readouterr()

    forward(workflow, "OrderPaymentFailed")
    forward(workflow, "OrderPaymentFailed")

    assert emitted(capsys.readouterr().out).count("OrdersPaymentFailed") == 1
