"""The stock keeper (products.consumer): an order's lines are reserved all or none,
given back once, and never sold past zero — by the condition on the write, not by
the order the requests happen to arrive in."""

import json
import uuid

import pytest

from shop_common import clients
from shop_common.contracts import EVENTS, SCHEMA_VERSION, DetailType
from tests.functions.conftest import TABLES, assert_valid_event, environment
from tests.functions.test_basket import add_product
from tests.samples import ADDRESS


def stock_of(shop, product_id: str) -> int:
    item = shop.dynamodb.get_item(
        TableName=TABLES["products"], Key={"productId": {"S": product_id}}
    )
    return int(item["Item"]["stock"]["N"])


def restock(shop, product_id: str, units: int) -> None:
    shop.dynamodb.update_item(
        TableName=TABLES["products"],
        Key={"productId": {"S": product_id}},
        UpdateExpression="SET stock = :units",
        ExpressionAttributeValues={":units": {"N": str(units)}},
    )


def product(shop, units: int) -> str:
    product_id = add_product(shop)
    restock(shop, product_id, units)
    return product_id


def event(detail_type: DetailType, data: dict) -> str:
    """An EventBridge event as the stock keeper's queue delivers it."""
    return json.dumps(
        {
            "version": "0",
            "id": str(uuid.uuid4()),
            "source": EVENTS[detail_type].source.value,
            "detail-type": detail_type.value,
            "detail": {
                "metadata": {
                    "eventId": str(uuid.uuid4()),
                    "correlationId": data["orderId"],
                    "version": SCHEMA_VERSION,
                },
                "data": data,
            },
        }
    )


def order(lines: dict[str, int], order_id: str | None = None) -> dict:
    items = [
        {"productId": pid, "name": "Lamp", "unitPrice": 10, "quantity": q, "lineTotal": 10 * q}
        for pid, q in lines.items()
    ]
    return {
        "orderId": order_id or str(uuid.uuid4()),
        "userId": "ada",
        "status": "PENDING",
        "items": items,
        "totalPrice": sum(i["lineTotal"] for i in items),
        "currency": "USD",
        "shippingAddress": ADDRESS,
        "email": "ada@example.com",
        "createdAt": "2026-11-30T10:00:00.000Z",
        "updatedAt": "2026-11-30T10:00:00.000Z",
    }


def deliver(shop, *bodies: str) -> None:
    assert shop.deliver("stock", list(bodies)) == {"batchItemFailures": []}


def answers(shop, order_id: str) -> list[dict]:
    return [
        e
        for e in shop.published()
        if e["detail-type"] in {"StockReserved", "OrderRejected"}
        and e["detail"]["data"]["orderId"] == order_id
    ]


def test_every_line_is_reserved_and_stock_reserved_is_published(shop):
    lamp, mug = product(shop, 5), product(shop, 2)
    placed = order({lamp: 3, mug: 2})

    deliver(shop, event(DetailType.ORDER_CREATED, placed))

    assert (stock_of(shop, lamp), stock_of(shop, mug)) == (2, 0)
    [answer] = answers(shop, placed["orderId"])
    assert answer["detail-type"] == "StockReserved"
    assert answer["source"] == "shop.products"
    assert_valid_event(answer)


def test_one_line_short_of_stock_rejects_the_order_and_takes_nothing(shop):
    lamp, mug = product(shop, 5), product(shop, 1)
    placed = order({lamp: 3, mug: 2})

    deliver(shop, event(DetailType.ORDER_CREATED, placed))

    assert (stock_of(shop, lamp), stock_of(shop, mug)) == (5, 1)
    [answer] = answers(shop, placed["orderId"])
    assert answer["detail-type"] == "OrderRejected"
    assert answer["detail"]["data"]["productIds"] == [mug]
    assert answer["detail"]["data"]["reason"] == "out_of_stock"
    assert_valid_event(answer)


@pytest.mark.parametrize("units", [5, 1])
def test_a_repeated_order_created_decides_once_and_repeats_the_same_answer(shop, units):
    lamp = product(shop, units)
    placed = order({lamp: 3})
    created = event(DetailType.ORDER_CREATED, placed)

    deliver(shop, created)
    restock(shop, lamp, stock_of(shop, lamp) + 10)  # plenty now: the decision stands
    deliver(shop, created)

    first, again = answers(shop, placed["orderId"])
    assert first["detail-type"] == again["detail-type"]
    assert first["detail"]["metadata"]["eventId"] == again["detail"]["metadata"]["eventId"]
    assert stock_of(shop, lamp) == (units - 3 if units >= 3 else units) + 10


@pytest.mark.parametrize(
    "cause",
    [DetailType.ORDER_PAYMENT_FAILED, DetailType.ORDER_CANCELLED, DetailType.ORDER_REFUNDED],
)
def test_a_failed_cancelled_or_refunded_order_gives_its_stock_back_once(shop, cause):
    lamp, mug = product(shop, 5), product(shop, 5)
    placed = order({lamp: 3, mug: 1})
    deliver(shop, event(DetailType.ORDER_CREATED, placed))
    outcome = {"orderId": placed["orderId"], "userId": "ada"}
    if cause is DetailType.ORDER_PAYMENT_FAILED:
        outcome["reason"] = "card_declined"
    if cause is DetailType.ORDER_REFUNDED:
        outcome |= {"refundedAmount": 31.5, "currency": "USD"}

    deliver(shop, event(cause, outcome), event(cause, outcome))
    if cause is DetailType.ORDER_REFUNDED:  # a paid order's cancellation came first
        deliver(
            shop, event(DetailType.ORDER_CANCELLED, {"orderId": placed["orderId"], "userId": "ada"})
        )

    assert (stock_of(shop, lamp), stock_of(shop, mug)) == (5, 5)


def test_an_order_cancelled_before_its_reservation_is_never_reserved(shop):
    lamp = product(shop, 5)
    placed = order({lamp: 3})

    deliver(
        shop, event(DetailType.ORDER_CANCELLED, {"orderId": placed["orderId"], "userId": "ada"})
    )
    deliver(shop, event(DetailType.ORDER_CREATED, placed))

    assert stock_of(shop, lamp) == 5
    assert answers(shop, placed["orderId"]) == []


def test_stock_of_a_product_deleted_meanwhile_is_not_recreated(shop):
    lamp, mug = product(shop, 5), product(shop, 5)
    placed = order({lamp: 3, mug: 1})
    deliver(shop, event(DetailType.ORDER_CREATED, placed))
    shop.dynamodb.delete_item(TableName=TABLES["products"], Key={"productId": {"S": mug}})

    deliver(
        shop, event(DetailType.ORDER_CANCELLED, {"orderId": placed["orderId"], "userId": "ada"})
    )

    assert stock_of(shop, lamp) == 5
    gone = shop.dynamodb.get_item(TableName=TABLES["products"], Key={"productId": {"S": mug}})
    assert "Item" not in gone


def test_two_reservations_for_the_last_units_interleaved_sell_them_once(shop, monkeypatch):
    """A's transaction is built, then B reserves and commits, then A's is sent: the
    condition on the stock, evaluated at write time, refuses A."""
    from products import stock  # noqa: PLC0415 - needs the function's environment

    lamp = product(shop, 5)
    first, second = order({lamp: 5}), order({lamp: 5})
    dynamodb = clients.dynamodb()
    held: list[dict] = []

    class Holding:
        def __getattr__(self, name):
            return getattr(dynamodb, name)

        def transact_write_items(self, **request):
            held.append(request)  # A's write, held back
            raise RuntimeError("held")

    with environment(shop.environment_of("stock")):
        monkeypatch.setattr(clients, "dynamodb", Holding)
        with pytest.raises(RuntimeError, match="held"):
            stock.reserve(first)
        monkeypatch.setattr(clients, "dynamodb", lambda: dynamodb)
        assert stock.reserve(second) is True
        with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
            dynamodb.transact_write_items(**held[0])

    assert stock_of(shop, lamp) == 0
