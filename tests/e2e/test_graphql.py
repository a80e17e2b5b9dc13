"""The GraphQL front door end to end, in the local cloud: queries and mutations over HTTP
as AppSync answers them, and live order status over AppSync's real-time protocol with a
real AppSync client (gql's AppSyncWebsocketsTransport, Cognito JWT auth)."""

import asyncio
import contextlib
import threading
from urllib.parse import urlsplit

import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.appsync_auth import AppSyncJWTAuthentication
from gql.transport.appsync_websockets import AppSyncWebsocketsTransport

from tests.samples import ADDRESS

ORDER_FIELDS = """orderId userId status items { productId name unitPrice quantity lineTotal }
  totalPrice currency shippingAddress { name line1 line2 city region postalCode country }
  email createdAt updatedAt paymentFailureReason rejectionReason rejectedProductIds paidAt
  fulfilmentRequestedAt carrier trackingNumber shippedAt refundedAmount refundedAt
  stockReservedAt rejectedAt paymentFailedAt cancelledAt"""
PRODUCT_FIELDS = (
    "productId name description price category imageUrl stock version createdAt updatedAt"
)
BASKET_FIELDS = """items { productId name unitPrice quantity lineTotal available priceChanged
  addedUnitPrice } totalPrice currency status orderId"""
CHANGE_FIELDS = "orderId userId status event at eventId"
MY_ORDERS = gql(f"subscription {{ onMyOrderStatusChanged {{ {CHANGE_FIELDS} }} }}")
ONE_ORDER = gql(
    f"subscription Order($orderId: ID!) {{ onOrderStatusChanged(orderId: $orderId) "
    f"{{ {CHANGE_FIELDS} }} }}"
)


def graphql(shop, query: str, variables: dict | None = None, user: str | None = None) -> dict:
    """POST /graphql as a client does; the body AppSync answers ({data, errors})."""
    headers = {"Authorization": shop.token(user)} if user else {}
    response = shop.http.post(
        shop.outputs["graphqlUrl"],
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def without_nulls(value):
    """GraphQL answers every selected field (null when absent); the HTTP API omits them."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def data(answer: dict) -> dict:
    assert not answer.get("errors"), answer
    return answer["data"]


class Subscriber:
    """A real AppSync client listening in a thread: what it received, in order."""

    def __init__(self, shop, user: str, document, variables: dict | None = None):
        url = shop.outputs["graphqlRealtimeUrl"]
        auth = AppSyncJWTAuthentication(
            host=urlsplit(shop.outputs["graphqlUrl"]).netloc, jwt=shop.token(user)
        )
        self.transport = AppSyncWebsocketsTransport(url=url, auth=auth)
        self.document, self.variables = document, variables or {}
        self.received: list[dict] = []
        self.ready = threading.Event()
        self.failure: BaseException | None = None
        self.loop = asyncio.new_event_loop()
        self.listening = self.loop.create_task(self._listen())
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            self.loop.run_until_complete(self.listening)
        self.loop.close()

    async def _listen(self) -> None:
        try:
            async with Client(transport=self.transport) as session:
                request = GraphQLRequest(self.document, variable_values=self.variables)
                subscription = session.subscribe(request)
                # start_ack arrives before the first result; gql has no hook for it, so
                # the first __anext__ is started, then a moment later the subscriber is ready.
                next_result = asyncio.ensure_future(subscription.__anext__())
                await asyncio.sleep(0.5)
                self.ready.set()
                while True:
                    result = await next_result
                    self.received.append(next(iter(result.values())))
                    next_result = asyncio.ensure_future(subscription.__anext__())
        except asyncio.CancelledError:
            raise
        except BaseException as error:  # reported by the test
            self.failure = error
            self.ready.set()

    def __enter__(self) -> "Subscriber":
        self.thread.start()
        assert self.ready.wait(15), "the subscription did not start"
        assert self.failure is None, self.failure
        return self

    def __exit__(self, *_) -> None:
        self.loop.call_soon_threadsafe(self.listening.cancel)
        self.thread.join(10)

    def statuses(self, order_id: str) -> list[str]:
        return [change["status"] for change in self.received if change["orderId"] == order_id]


def fill_basket(shop, user: str, *product_ids: str) -> None:
    for product_id in product_ids:
        answer = graphql(
            shop,
            "mutation Add($id: ID!) { addToBasket(productId: $id, quantity: 1) "
            f"{{ {BASKET_FIELDS} }} }}",
            {"id": product_id},
            user,
        )
        data(answer)


def place_order(shop, user: str, payment_token: str = "tok_visa") -> str:
    answer = graphql(
        shop,
        "mutation Place($input: CheckoutInput!) { placeOrder(input: $input) { orderId status } }",
        {
            "input": {
                "shippingAddress": ADDRESS,
                "email": user if "@" in user else f"{user}@example.com",
                "paymentToken": payment_token,
            }
        },
        user,
    )
    placed = data(answer)["placeOrder"]
    assert placed["status"] == "PENDING"
    return placed["orderId"]


def test_an_order_placed_through_graphql_is_pushed_pending_then_paid(shop, customer):
    lamp, mug = shop.create_product("Lamp", 20), shop.create_product("Mug", 5)
    with Subscriber(shop, customer, MY_ORDERS) as mine:
        fill_basket(shop, customer, lamp, mug)
        order_id = place_order(shop, customer)
        shop.wait_for(lambda: "PAID" in mine.statuses(order_id), timeout=15)

    assert mine.statuses(order_id) == ["PENDING", "PAID"]
    [paid] = [c for c in mine.received if c["status"] == "PAID"]
    assert paid["event"] == "OrderPaid"
    order = data(
        graphql(
            shop,
            f"query O($id: ID!) {{ order(orderId: $id) {{ {ORDER_FIELDS} }} }}",
            {"id": order_id},
            customer,
        )
    )["order"]
    assert order["status"] == "PAID"
    assert [line["productId"] for line in order["items"]] == [lamp, mug]


def test_a_declined_card_is_pushed_as_payment_failed_and_the_basket_is_back(shop, customer):
    lamp = shop.create_product("Lamp", 20)
    fill_basket(shop, customer, lamp)
    with Subscriber(shop, customer, MY_ORDERS) as mine:
        order_id = place_order(shop, customer, payment_token="tok_declined")
        shop.wait_for(lambda: "PAYMENT_FAILED" in mine.statuses(order_id), timeout=15)

    assert mine.statuses(order_id) == ["PENDING", "PAYMENT_FAILED"]
    basket = data(graphql(shop, f"{{ basket {{ {BASKET_FIELDS} }} }}", user=customer))["basket"]
    assert basket["status"] == "ACTIVE"
    assert [line["productId"] for line in basket["items"]] == [lamp]


def test_another_customer_subscribing_to_the_order_receives_nothing(shop, customer):
    intruder = shop.sign_up()
    lamp = shop.create_product("Lamp", 20)
    fill_basket(shop, customer, lamp)
    order_id = place_order(shop, customer)
    shop.order_status(customer, order_id, until={"PAID"})
    with (
        Subscriber(shop, customer, ONE_ORDER, {"orderId": order_id}) as owner,
        Subscriber(shop, intruder, ONE_ORDER, {"orderId": order_id}) as other,
    ):
        cancel = f"mutation C($id: ID!) {{ cancelOrder(orderId: $id) {{ {ORDER_FIELDS} }} }}"
        data(graphql(shop, cancel, {"id": order_id}, customer))
        # cancelled, then refunded: both pushed to the owner
        shop.wait_for(lambda: len(owner.statuses(order_id)) == 2, timeout=15)

    assert [c["event"] for c in owner.received] == ["OrderCancelled", "OrderRefunded"]
    assert owner.statuses(order_id) == ["CANCELLED", "CANCELLED"]
    assert other.received == []


def test_a_user_pool_token_cannot_publish_order_status(shop, customer):
    answer = graphql(
        shop,
        f"""mutation {{ publishOrderStatus(orderId: "o", userId: "u", event: "OrderPaid",
            at: "2026-12-01T00:00:00Z", eventId: "e") {{ {CHANGE_FIELDS} }} }}""",
        user=customer,
    )

    assert answer["data"] is None
    assert [e["errorType"] for e in answer["errors"]] == ["Unauthorized"]


def test_bad_input_is_an_error_naming_the_field(shop, customer):
    lamp = shop.create_product("Lamp", 20)

    answer = graphql(
        shop,
        "mutation Add($id: ID!) { addToBasket(productId: $id, quantity: 0) { totalPrice } }",
        {"id": lamp},
        user=customer,
    )

    [error] = answer["errors"]
    assert error["errorType"] == "Invalid"
    assert [f["field"] for f in error["errorInfo"]["fields"]] == ["quantity"]
    assert "quantity" in error["message"]


def test_admin_fields_refuse_customers(shop, customer):
    answer = graphql(shop, "{ ordersByStatus(status: PAID) { nextToken } }", user=customer)

    assert [e["errorType"] for e in answer["errors"]] == ["Unauthorized"]
    listed = graphql(shop, "{ ordersByStatus(status: PAID) { nextToken } }", user="admin")
    assert "ordersByStatus" in data(listed)


def test_no_token_no_answer(shop):
    response = shop.http.post(
        shop.outputs["graphqlUrl"], json={"query": "{ products { nextToken } }"}, timeout=30
    )

    assert response.status_code == 401


@pytest.mark.parametrize("category", [None, "parity"])
def test_queries_answer_what_the_http_api_answers(shop, customer, category):
    for name in ("Alpha", "Beta", "Gamma"):
        shop.create_product(name, 7, category="parity")
    lamp = shop.create_product("Lamp", 20)
    fill_basket(shop, customer, lamp)
    order_id = place_order(shop, customer)
    shop.order_status(customer, order_id, until={"PAID"})

    def http(path, **params):
        response = shop.call("GET", path, customer, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    # products, a page at a time, following the tokens: the same products in the same order
    def graphql_pages():
        token, items = None, []
        while True:
            page = data(
                graphql(
                    shop,
                    "query P($c: String, $t: String) "
                    "{ products(category: $c, limit: 2, nextToken: $t) "
                    f"{{ items {{ {PRODUCT_FIELDS} }} nextToken }} }}",
                    {"c": category, "t": token},
                    customer,
                )
            )["products"]
            items += page["items"]
            token = page["nextToken"]
            if not token:
                return items

    def http_pages():
        token, items = None, []
        while True:
            params = (
                {"limit": 2}
                | ({"category": category} if category else {})
                | ({"nextToken": token} if token else {})
            )
            page = http("/products", **params)
            items += page["items"]
            token = page["nextToken"]
            if not token:
                return items

    assert without_nulls(graphql_pages()) == http_pages()
    assert data(
        graphql(
            shop,
            f"query P($id: ID!) {{ product(productId: $id) {{ {PRODUCT_FIELDS} }} }}",
            {"id": lamp},
            customer,
        )
    )["product"] == http(f"/products/{lamp}")
    http_order = http(f"/orders/{order_id}")
    graphql_order = data(
        graphql(
            shop,
            f"query O($id: ID!) {{ order(orderId: $id) {{ {ORDER_FIELDS} }} }}",
            {"id": order_id},
            customer,
        )
    )["order"]
    assert without_nulls(graphql_order) == http_order
    graphql_orders = data(
        graphql(shop, f"{{ orders {{ items {{ {ORDER_FIELDS} }} nextToken }} }}", user=customer)
    )["orders"]
    http_orders = http("/orders")
    assert without_nulls(graphql_orders["items"]) == http_orders["items"]
    graphql_basket = data(graphql(shop, f"{{ basket {{ {BASKET_FIELDS} }} }}", user=customer))[
        "basket"
    ]
    assert without_nulls(graphql_basket) == http("/basket")


@pytest.mark.parametrize("field", ["products", "orders"])
def test_a_forged_page_token_is_a_bad_request_naming_it(shop, customer, field):
    answer = graphql(
        shop,
        f'{{ {field}(nextToken: "eyJmb28iOiAxfQ==") {{ nextToken }} }}',
        user=customer,
    )

    [error] = answer["errors"]
    assert error["errorType"] == "BadRequest"
    assert [f["field"] for f in error["errorInfo"]["fields"]] == ["nextToken"]


def test_one_request_cannot_run_more_resolvers_than_the_api_allows(shop, customer):
    aliases = " ".join(f"b{n}: basket {{ totalPrice }}" for n in range(11))

    answer = graphql(shop, f"{{ {aliases} }}", user=customer)

    assert [e["errorType"] for e in answer["errors"]] == ["ResolverCountLimitExceeded"]
    assert answer["errors"][0]["path"] == ["b10"]  # the eleventh
    assert answer["data"] is None  # basket is non-null: the error nulls the whole answer
