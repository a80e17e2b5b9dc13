"""The local console in a real browser (Chromium driven by Playwright): the order's events
appear on the page in the order they happened; a message held in a DLQ shows, the redrive
button is pressed, and the DLQ empties."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_reliability import as_delivered, checkout_data
from tests.local_shop import Shop

ORDER_EVENTS = ["CheckoutBasket", "OrderCreated", "StockReserved", "OrderPaid"]


@pytest.fixture
def console_page(page: Page, shop: Shop) -> Page:
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(shop.console + "/")
    return page


def test_the_console_shows_an_orders_events_in_order(
    console_page, shop, screenshot, screenshots_dir
):
    page = console_page
    # The architecture, drawn from the deployment: a box per function, queue, machine, rule.
    boxes = page.locator("#architecture-picture g.box")
    expect(boxes.first).to_be_visible()
    assert boxes.count() > 20
    # The picture itself, for the README (docs/img/architecture.svg under make screenshots)
    picture = page.locator("#architecture-picture").inner_html()
    assert picture.startswith("<svg")
    (screenshots_dir / "architecture.svg").write_text(picture + "\n", encoding="utf-8")
    customer = shop.sign_up()
    shop.call("PUT", f"/basket/items/{shop.create_product()}", customer, json={"quantity": 1})
    order_id = shop.checkout(customer).json()["orderId"]

    page.get_by_role("button", name="Event stream").click()
    page.fill("#events-filter", order_id)
    rows = page.locator(f'#events-rows tr[data-correlation-id="{order_id}"]')
    expect(rows.filter(has_text="OrderPaid")).to_have_count(1, timeout=30_000)
    types = rows.locator("td.detail-type").all_inner_texts()
    assert types[: len(ORDER_EVENTS)] == ORDER_EVENTS
    checkout = rows.filter(has_text="CheckoutBasket")
    expect(checkout.locator("td.matched-rules")).to_contain_text("ordering-rule")
    expect(checkout.locator('[data-observed="yes"]').first).to_be_visible(timeout=15_000)
    screenshot("console-events")

    page.get_by_role("button", name="An order's story").click()
    page.fill("#order-id", order_id)
    page.click("#order-show")
    expect(page.locator("#order-status")).to_contain_text(re.compile("status (PAID|SHIPPED)"))
    audit = page.locator("#order-audit tbody td:nth-child(2)")
    expect(audit.first).to_have_text("CheckoutBasket")
    screenshot("console-order")


def test_a_message_in_a_dlq_shows_and_pressing_redrive_empties_it(console_page, shop, screenshot):
    page = console_page
    customer = shop.sign_up()
    data = checkout_data(shop, customer)
    shop.aws("sqs").send_message(
        QueueUrl=shop.outputs["orderingDlqUrl"], MessageBody=as_delivered(shop, data)
    )
    dlq = shop.outputs["orderingDlqUrl"].rsplit("/", 1)[-1]
    label = re.sub(r"-[0-9a-f]{7}$", "", dlq)

    page.get_by_role("button", name="Queues and DLQs").click()
    row = page.locator(f'#queues-rows tr[data-queue="{label}"]')
    expect(row.locator("td.visible")).to_have_text("1", timeout=15_000)
    screenshot("console-dlq")
    row.get_by_role("button", name="redrive").click()

    expect(page.locator("#queues-said")).to_contain_text("1 moved")
    expect(row.locator("td.visible")).to_have_text("0", timeout=15_000)
    expect(row.get_by_role("button", name="redrive")).to_have_count(0)
    shop.order_status(customer, data["orderId"], until={"PAID"})
