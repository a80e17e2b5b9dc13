"""What the functions tell operators: their EMF metrics (the dashboard's orders graph) and
their log lines, as Powertools writes them to stdout."""

import io
import json
from collections.abc import Callable, Iterator

import pytest

from shop_common.contracts import DetailType
from shop_common.errors import Unavailable
from shop_common.observability import logger
from tests.functions.test_basket import CHECKOUT, add_product, put_item
from tests.functions.test_ordering import checkout_event, forward, place, settle
from tests.functions.test_refunds_and_shipping import to_ordering


@pytest.fixture
def workflow(shop):
    shop.create_workflow(payment_limit=1000)
    return shop


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict]]]:
    """The JSON log lines Powertools' Logger writes (its handler's stream, read), at the
    level the functions log at (the tests' default is WARNING)."""
    buffer = io.StringIO()
    previous, level = logger.registered_handler.setStream(buffer), logger.log_level
    logger.setLevel("INFO")
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        logger.setLevel(level)
        logger.registered_handler.setStream(previous)


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


def test_every_line_a_consumer_logs_for_a_record_carries_its_orders_correlation_id(
    workflow, log_lines
):
    first, second = checkout_event(workflow), checkout_event(workflow, user="grace")
    orders = [e["detail"]["data"]["orderId"] for e in (first, second)]
    # One batch: an order, a record that is no event at all, another order.
    bodies = [json.dumps(first), "not an event", json.dumps(second)]

    result = workflow.deliver("ordering", bodies)

    assert len(result["batchItemFailures"]) == 1
    lines = [line for line in log_lines() if line["function_name"] == "ordering"]
    placed = [line for line in lines if line["message"] == "order placed"]
    assert [line["correlation_id"] for line in placed] == orders
    for line in lines:  # every line, not only those that name the order
        assert line.get("correlation_id") in orders, line
        assert line["correlation_id"] == line.get("orderId", line["correlation_id"]), line


def test_the_stock_keeper_and_the_basket_consumer_log_under_the_order_too(workflow, log_lines):
    event = checkout_event(workflow, token="tok_declined")
    order_id = place(workflow, event)  # the ordering consumer, then its StockReserved
    assert settle(workflow, order_id)["status"] == "PAYMENT_FAILED"
    workflow.deliver("stock", [json.dumps(e) for e in workflow.published_of("OrderCreated")])
    forward(workflow, "OrderPaymentFailed")

    by_function: dict[str, list[dict]] = {}
    for line in log_lines():
        by_function.setdefault(line["function_name"], []).append(line)
    for function in ("ordering", "stock", "basket-events"):
        assert by_function[function], function
        assert {line.get("correlation_id") for line in by_function[function]} == {order_id}


@pytest.mark.parametrize("door", ["http", "graphql"])
def test_checkout_logs_under_the_order_once_its_id_is_known(shop, log_lines, door):
    put_item(shop, add_product(shop), 1)

    if door == "http":
        accepted = shop.request("basket", "POST", "/basket/checkout", user="ada", body=CHECKOUT)
        order_id = accepted.json["orderId"]
    else:
        order_id = shop.graphql("basket", "placeOrder", {"input": CHECKOUT})["data"]["orderId"]

    [line] = [line for line in log_lines() if line["message"] == "checkout accepted"]
    assert line["correlation_id"] == order_id


def test_a_request_about_an_order_logs_under_the_order(workflow, log_lines, monkeypatch):
    order_id = place(workflow, checkout_event(workflow))
    settle(workflow, order_id)

    def unavailable(*_: object) -> None:
        raise Unavailable("The request could not be completed; retry it later")

    monkeypatch.setattr("ordering.service.cancel", unavailable)
    cancelled = workflow.request("orders", "DELETE", f"/orders/{order_id}", user="ada")

    assert cancelled.status == 503  # and logged, with the exception
    [line] = [line for line in log_lines() if line["function_name"] == "orders"]
    assert line["correlation_id"] == order_id
    assert line["level"] == "ERROR"
