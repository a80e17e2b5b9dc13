"""Stock under a rush: 20 customers check out at once for the last 5 units. Exactly 5
orders are paid, the 15 others REJECTED with their baskets open again, and the
stock never goes below zero."""

import threading

import pytest

pytestmark = pytest.mark.e2e
CUSTOMERS = 20
UNITS = 5


def test_twenty_customers_racing_for_the_last_five_units(shop):
    lamp = shop.create_product("Last lamps", 30, stock=UNITS)
    customers = [shop.sign_up() for _ in range(CUSTOMERS)]
    for customer in customers:
        shop.token(customer)
        assert shop.call("PUT", f"/basket/items/{lamp}", customer, json={"quantity": 1}).ok
    orders: dict[str, str] = {}
    start = threading.Barrier(CUSTOMERS)

    def check_out(customer: str) -> None:
        start.wait()
        response = shop.checkout(customer)
        assert response.status_code == 202, response.text
        orders[customer] = response.json()["orderId"]

    threads = [threading.Thread(target=check_out, args=(c,)) for c in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(orders) == CUSTOMERS

    outcomes = {
        customer: shop.order_status(customer, order_id, until={"PAID", "REJECTED"}, timeout=60)
        for customer, order_id in orders.items()
    }

    paid = [c for c, order in outcomes.items() if order["status"] == "PAID"]
    rejected = [c for c, order in outcomes.items() if order["status"] == "REJECTED"]
    assert len(paid) == UNITS
    assert len(rejected) == CUSTOMERS - UNITS
    for customer in rejected:
        assert outcomes[customer]["rejectedProductIds"] == [lamp]
        basket = shop.wait_for(
            lambda c=customer: (
                (b := shop.call("GET", "/basket", c).json())["status"] == "ACTIVE" and b
            )
        )
        assert [line["productId"] for line in basket["items"]] == [lamp]
    assert shop.call("GET", f"/products/{lamp}").json()["stock"] == 0
