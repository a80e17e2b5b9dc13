"""The storefront in a browser, against the local cloud: sign in, fill a basket, check
out, and see the order's outcome pushed through the GraphQL subscription."""

import json
import uuid

import pytest
from playwright.sync_api import Page, WebSocket, expect

from tests.local_shop import PASSWORD, Shop

PUSH_TIMEOUT_MS = 30_000  # checkout → stock → workflow → push, on a slow CI machine


class Pushes:
    """The GraphQL subscription's `data` frames the page received on its WebSockets."""

    def __init__(self, page: Page):
        self.changes: list[dict] = []
        page.on("websocket", self._watch)

    def _watch(self, socket: WebSocket) -> None:
        socket.on("framereceived", self._frame)

    def _frame(self, payload: str | bytes) -> None:
        message = json.loads(payload)
        if message.get("type") == "data":
            self.changes.append(message["payload"]["data"]["onMyOrderStatusChanged"])

    def statuses(self, order_id: str) -> list[str]:
        return [c["status"] for c in self.changes if c["orderId"] == order_id]


def sign_in(page: Page, shop: Shop, email: str) -> Pushes:
    pushes = Pushes(page)
    page.goto(shop.outputs["storefrontUrl"])
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#who")).to_have_text(email)
    expect(page.locator("#live")).to_have_text("live")  # subscribed (start_ack)
    return pushes


def add(page: Page, name: str) -> None:
    product = page.locator("li.product").filter(has_text=name)
    product.get_by_role("button", name="Add to basket").click()
    expect(page.locator("li.line").filter(has_text=name)).to_have_count(1)


def place_order(page: Page, payment_token: str) -> str:
    page.get_by_label("Payment token").fill(payment_token)
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Place order").click()
    expect(page.locator("#message")).to_contain_text("Order placed")
    order = page.locator("li.order").first
    return order.get_attribute("data-order-id")


@pytest.fixture
def product_names(shop: Shop) -> tuple[str, str]:
    """Two products of the catalogue, made for this test (stock of their own)."""
    suffix = uuid.uuid4().hex[:6]
    first, second = f"Mug {suffix}", f"Vase {suffix}"
    shop.create_product(first, price=12.5, category="kitchen", stock=50)
    shop.create_product(second, price=30, category="home", stock=50)
    return first, second


def test_a_customer_checks_out_two_products_and_sees_paid_without_reloading(
    page, shop, customer, product_names, screenshot
):
    pushes = sign_in(page, shop, customer)
    expect(page.locator("li.product").filter(has_text=product_names[0])).to_have_count(1)
    page.get_by_label("Category").select_option("kitchen")  # the filter asks the API
    expect(page.locator("li.product").filter(has_text=product_names[1])).to_have_count(0)
    page.get_by_label("Category").select_option("")
    for name in product_names:
        add(page, name)
    expect(page.locator("#basket-total")).to_have_text("Total $42.50")
    screenshot("storefront-basket")

    order_id = place_order(page, "tok_visa")

    order = page.locator(f'li.order[data-order-id="{order_id}"]')
    expect(order.locator(".status")).to_have_text("PAID", timeout=PUSH_TIMEOUT_MS)
    assert "PAID" in pushes.statuses(order_id)  # it came by the subscription
    assert page.evaluate("window.notReloaded") is True  # and the page was never reloaded
    paid = shop.call("GET", f"/orders/{order_id}", customer).json()
    assert paid["status"] == "PAID"
    assert sorted(line["name"] for line in paid["items"]) == sorted(product_names)
    # The basket the payment emptied shows empty, and shopping on starts from nothing.
    expect(page.locator("#basket-empty")).to_have_text("Your basket is empty.")
    screenshot("storefront-paid")
    add(page, product_names[0])
    line = page.locator("li.line").filter(has_text=product_names[0])
    expect(line).to_contain_text("1 \u00d7")  # one of it, not the paid order's quantity + 1


def test_a_declined_card_shows_payment_failed_and_gives_the_basket_back(
    page, shop, customer, product_names, screenshot
):
    pushes = sign_in(page, shop, customer)
    add(page, product_names[0])

    order_id = place_order(page, "tok_declined")

    order = page.locator(f'li.order[data-order-id="{order_id}"]')
    expect(order.locator(".status")).to_have_text("PAYMENT_FAILED", timeout=PUSH_TIMEOUT_MS)
    assert "PAYMENT_FAILED" in pushes.statuses(order_id)
    expect(page.locator("#message")).to_contain_text("Your basket is back")
    # The basket reopened with its line, ready to check out again.
    expect(page.locator("li.line").filter(has_text=product_names[0])).to_have_count(1)
    expect(page.get_by_role("button", name="Place order")).to_be_visible()
    expect(order.get_by_role("button", name=f"Cancel order {order_id}")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True
    screenshot("storefront-payment-failed")


def test_a_customer_cancels_a_paid_order(page, shop, customer, product_names):
    sign_in(page, shop, customer)
    add(page, product_names[1])
    order_id = place_order(page, "tok_visa")
    order = page.locator(f'li.order[data-order-id="{order_id}"]')
    expect(order.locator(".status")).to_have_text("PAID", timeout=PUSH_TIMEOUT_MS)

    order.get_by_role("button", name=f"Cancel order {order_id}").click()

    expect(order.locator(".status")).to_have_text("CANCELLED")
    assert shop.call("GET", f"/orders/{order_id}", customer).json()["status"] == "CANCELLED"
    # A paid order's cancellation is a refund, pushed when it is made; no basket comes back.
    expect(page.locator("#message")).to_contain_text("refunded", timeout=PUSH_TIMEOUT_MS)
    expect(page.locator("#message")).not_to_contain_text("basket is back")


def test_a_customer_reviews_a_product_and_sees_it_listed_once_analysed(
    page, shop, customer, product_names, screenshot
):
    sign_in(page, shop, customer)
    name = product_names[0]
    page.get_by_role("button", name=f"Reviews of {name}").click()
    expect(page.locator("#reviews-summary")).to_have_text("No reviews yet.")

    # Past the form's own limit, the API's refusal names the field.
    page.evaluate("document.querySelector('[aria-label=\"Review title\"]').maxLength = 500")
    page.get_by_label("Review title").fill("x" * 121)
    page.get_by_label("Review text").fill("Nice")
    page.get_by_role("button", name="Submit review").click()
    expect(page.locator("#message")).to_contain_text("(title)")  # the field, by its name
    expect(page.locator("#message")).to_have_class("error")

    page.get_by_label("Rating").select_option("5")
    page.get_by_label("Review title").fill("Lovely")
    page.get_by_label("Review text").fill("A great mug, I love it")
    page.get_by_role("button", name="Submit review").click()

    # Listed once the analysis (the local sentiment stand-in: "great", "love") has run.
    review = page.locator("li.review").filter(has_text="Lovely")
    expect(review).to_have_attribute("data-sentiment", "POSITIVE", timeout=PUSH_TIMEOUT_MS)
    expect(page.locator("#reviews-summary")).to_have_text("1 review(s), 5 of 5 on average")
    screenshot("storefront-review")
