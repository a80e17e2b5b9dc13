"""Admins' view of every customer's orders: listed by status from the sharded byStatus
index (ordering.status_index), newest first across shards, and read one by one."""

import base64
import json
import time
import uuid
from decimal import Decimal

import pytest

from ordering import repository
from ordering.status_index import SHARDS, shard_of
from shop_common.contracts import ORDER_STATUSES
from tests.functions.conftest import ADMIN, environment
from tests.functions.test_ordering import check_out_as, checkout_event, place, settle


def token(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def listing(shop, status: str | None, *, groups=ADMIN, **query: str):
    query = query | ({"status": status} if status is not None else {})
    return shop.request("orders", "GET", "/admin/orders", user="root", groups=groups, query=query)


def every_page(shop, status: str, limit: int) -> list[list[dict]]:
    pages, next_token = [], None
    while True:
        query = {"limit": str(limit)} | ({"nextToken": next_token} if next_token else {})
        response = listing(shop, status, **query)
        assert response.status == 200, response.text
        pages.append(response.json["items"])
        next_token = response.json["nextToken"]
        if next_token is None:
            return pages
        assert len(pages) <= 100, "the pages never end"


def newest_first(shop, order_ids) -> list[str]:
    created = {order_id: shop.order(order_id)["createdAt"] for order_id in order_ids}
    assert len(set(created.values())) == len(created), "orders made in the same millisecond"
    return sorted(order_ids, key=created.__getitem__, reverse=True)


def order_in_shard(shard: int) -> str:
    """A new order id whose byStatus shard is `shard`."""
    while shard_of(order_id := str(uuid.uuid4())) != shard:
        pass
    return order_id


def new_ids(count: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(count)]


def place_orders(shop, template: dict, order_ids: list[str], users=("ada", "bob", "cy")):
    """Orders placed by the real consumer from copies of a real CheckoutBasket event (these
    order ids, several customers, each basket checked out as the template's), one
    millisecond or more apart."""
    like = template["detail"]["data"]["userId"]
    for n, order_id in enumerate(order_ids):
        check_out_as(shop, users[n % len(users)], order_id, like=like)
        event = json.loads(json.dumps(template))
        event["detail"]["metadata"]["eventId"] = str(uuid.uuid4())
        event["detail"]["data"] |= {"orderId": order_id, "userId": users[n % len(users)]}
        place(shop, event)
        time.sleep(0.002)  # createdAt has milliseconds: keep "newest first" well defined
    return order_ids


# The shards of 25 orders, in the order they are placed: every shard, one of them busy.
SPREAD = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 5, 5, 0, 5, 1, 5, 5, 9, 2, 5, 5, 3, 8, 5, 7)


@pytest.fixture
def pending(held):
    """25 PENDING orders of three customers, in every shard, most in shard 5."""
    ids = [order_in_shard(shard) for shard in SPREAD]
    return place_orders(held, checkout_event(held, user="ada"), ids)


@pytest.mark.parametrize("limit", [1, 7, 25, 100])
def test_an_admin_pages_through_a_status_across_shards_newest_first(held, pending, limit):
    pages = every_page(held, "PENDING", limit)

    listed = [order["orderId"] for page in pages for order in page]
    assert listed == newest_first(held, pending)
    assert all(len(page) <= limit for page in pages)
    assert [len(page) for page in pages[:-1]] == [limit] * (len(pages) - 1)
    assert {order["status"] for page in pages for order in page} == {"PENDING"}
    assert {order["userId"] for page in pages for order in page} == {"ada", "bob", "cy"}
    assert all("statusShard" not in order for page in pages for order in page)


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_orders_alone_in_their_shards_are_all_listed(held, limit):
    """A page may exhaust every shard it takes from while others are still unread."""
    ids = place_orders(held, checkout_event(held), [order_in_shard(shard) for shard in range(6)])

    pages = every_page(held, "PENDING", limit)

    assert [o["orderId"] for page in pages for o in page] == newest_first(held, ids)
    assert len(pages) == -(-6 // limit)


def test_a_page_token_resumes_where_the_page_ended(held, pending):
    first = listing(held, "PENDING", limit="10")
    later = place_orders(held, checkout_event(held, user="dee"), new_ids(2))

    second = listing(held, "PENDING", limit="10", nextToken=first.json["nextToken"])

    expected = newest_first(held, pending)
    assert [o["orderId"] for o in first.json["items"]] == expected[:10]
    # Orders placed meanwhile are newer than the first page: a new listing shows them.
    assert [o["orderId"] for o in second.json["items"]] == expected[10:20]
    assert [o["orderId"] for o in listing(held, "PENDING", limit="2").json["items"]] == list(
        reversed(later)
    )


def test_a_cancelled_order_moves_from_its_status_to_cancelled(held, pending):
    cancelled = pending[:3]
    for order_id in cancelled:
        user = held.order(order_id)["userId"]
        assert held.request("orders", "DELETE", f"/orders/{order_id}", user=user).status == 200

    still_pending = [o["orderId"] for page in every_page(held, "PENDING", 10) for o in page]
    listed_cancelled = [o["orderId"] for page in every_page(held, "CANCELLED", 10) for o in page]

    assert still_pending == newest_first(held, pending[3:])
    assert listed_cancelled == newest_first(held, cancelled)


def test_settled_orders_are_listed_under_paid_and_payment_failed(shop):
    shop.create_workflow(payment_limit=1000)
    declined = checkout_event(shop, user="bob", token="tok_declined")
    paid = place_orders(shop, checkout_event(shop, user="ada"), new_ids(4), users=("ada", "cy"))
    failed = place_orders(shop, declined, new_ids(3), users=("bob", "dee"))
    for order_id in paid + failed:
        settle(shop, order_id)

    listed = {
        status: [o["orderId"] for page in every_page(shop, status, 2) for o in page]
        for status in ORDER_STATUSES
    }

    assert listed == {
        "PENDING": [],
        "PAID": newest_first(shop, paid),
        "PAYMENT_FAILED": newest_first(shop, failed),
        "REJECTED": [],
        "CANCELLED": [],
    }


def test_an_empty_status_is_one_empty_page(held):
    response = listing(held, "PAID")
    assert response.status == 200
    assert response.json == {"items": [], "nextToken": None}


@pytest.mark.parametrize("status", [None, "", "paid", "SHIPPED", "PAID,PENDING", "x" * 3000])
def test_the_status_is_required_and_must_be_an_order_status(shop, status):
    response = listing(shop, status)
    assert response.status == 422, response.text
    assert response.json["errors"][0]["field"] == "status"
    assert "status" in response.json["message"]


@pytest.mark.parametrize("limit", ["0", "101", "x"])
def test_the_limit_is_checked_as_on_every_listing(shop, limit):
    response = listing(shop, "PAID", limit=limit)
    assert response.status == 422
    assert response.json["errors"][0]["field"] == "limit"


@pytest.mark.parametrize("status", ["PAID", None])
def test_customers_may_not_list_every_order(shop, status):
    response = listing(shop, status, groups=())
    assert response.status == 403
    assert response.json["message"] == "Only members of the admin group may do this"


def test_listing_needs_an_identity(shop):
    response = shop.request("orders", "GET", "/admin/orders", query={"status": "PAID"})
    assert response.status == 401


def key(order_id: str, status_shard: str, created_at="2026-11-23T10:00:00.000Z") -> dict:
    return {
        "orderId": {"S": order_id},
        "statusShard": {"S": status_shard},
        "createdAt": {"S": created_at},
    }


def forged_tokens(issued: str) -> dict[str, str]:
    positions = json.loads(base64.urlsafe_b64decode(issued + "=" * (-len(issued) % 4)))
    shard, position = next((s, p) for s, p in positions.items() if p and "orderId" in p)
    order_id = position["orderId"]["S"]
    bounded = next(s for s, p in positions.items() if p and set(p) == {"createdAt"})
    return {
        "not base64 JSON": "%%%",
        "not JSON": token("x")[:-2],
        "a list": token([position]),
        "no positions": token({}),
        "every shard exhausted": token(dict.fromkeys(map(str, range(SHARDS)))),
        "a shard that does not exist": token({str(SHARDS): position}),
        "another shard's key": token({str((int(shard) + 1) % SHARDS): position}),
        "another status's key": token({shard: key(order_id, f"PAID#{shard}")}),
        "a key missing a name": token({shard: {"orderId": {"S": order_id}}}),
        "a key with another name": token({shard: position | {"userId": {"S": "ada"}}}),
        "a number for a string": token({shard: position | {"createdAt": {"N": "1"}}}),
        "an empty string": token({shard: position | {"createdAt": {"S": ""}}}),
        "a key too long": token({shard: position | {"createdAt": {"S": "x" * 3000}}}),
        "a lone surrogate": token({shard: position | {"createdAt": {"S": "\ud800"}}}),
        "a customer's listing token": token(
            {"orderId": {"S": order_id}, "userId": {"S": "ada"}, "createdAt": {"S": "2026"}}
        ),
        "a position that is not a key": token({shard: order_id}),
        "a bound of a number": token({bounded: {"createdAt": {"N": "1"}}}),
        "a bound of nothing": token({bounded: {"createdAt": {"S": ""}}}),
        "a bound on another attribute": token({bounded: {"orderId": {"S": order_id}}}),
        "a bound too long": token({bounded: {"createdAt": {"S": "2" * 3000}}}),
    }


def test_a_forged_or_foreign_page_token_is_a_400_naming_next_token(held):
    # Two rounds over shards 1-4: the newest three orders leave a key in shards 4, 3, 2
    # (each holds an older order still) and a bound in shard 1.
    rounds = [order_in_shard(shard) for shard in (1, 2, 3, 4, 1, 2, 3, 4)]
    place_orders(held, checkout_event(held), rounds)
    issued = listing(held, "PENDING", limit="3").json["nextToken"]
    assert listing(held, "PENDING", limit="3", nextToken=issued).status == 200

    for case, forged in forged_tokens(issued).items():
        response = listing(held, "PENDING", limit="3", nextToken=forged)
        assert response.status == 400, case
        assert response.json["errors"][0]["field"] == "nextToken", case
        assert "nextToken" in response.json["message"], case


def test_a_page_token_continues_only_its_own_status(held, pending):
    issued = listing(held, "PENDING", limit="3").json["nextToken"]
    for status in set(ORDER_STATUSES) - {"PENDING"}:
        response = listing(held, status, nextToken=issued)
        assert response.status == 400, status
        assert response.json["errors"][0]["field"] == "nextToken"


def test_a_customer_listing_token_is_refused_by_the_admin_listing_and_back(held, pending):
    user = held.order(pending[0])["userId"]
    mine = held.request("orders", "GET", "/orders", user=user, query={"limit": "1"})
    admin = listing(held, "PENDING", limit="1")

    foreign = listing(held, "PENDING", nextToken=mine.json["nextToken"])
    back = held.request(
        "orders", "GET", "/orders", user=user, query={"nextToken": admin.json["nextToken"]}
    )

    assert (foreign.status, back.status) == (400, 400)


def test_orders_made_in_the_same_millisecond_are_each_listed_once(held):
    """Ties on createdAt, across shards and within one: every limit lists every order
    once, in the same order. Stored by the consumer's own put (repository.create)."""
    data = checkout_event(held)["detail"]["data"]
    template = json.loads(json.dumps(data), parse_float=Decimal)
    instants = ["2026-11-23T10:00:02.000Z", "2026-11-23T10:00:01.000Z", "2026-11-23T10:00:00.000Z"]
    placed = [(3, 0), (3, 0), (5, 0), (8, 0), (5, 1), (8, 1), (3, 2), (5, 2), (0, 2)]
    ids = [order_in_shard(shard) for shard, _ in placed]
    with environment(held.environment_of("ordering")):
        for order_id, (_, instant) in zip(ids, placed, strict=True):
            at = instants[instant]
            fields = {"orderId": order_id, "status": "PENDING", "createdAt": at, "updatedAt": at}
            assert repository.create(template | fields) is None

    listings = {
        limit: [o["orderId"] for page in every_page(held, "PENDING", limit) for o in page]
        for limit in (1, 2, 3, 4, 100)
    }

    assert sorted(listings[100]) == sorted(ids)
    assert all(listed == listings[100] for listed in listings.values()), listings
    created = [held.order(order_id)["createdAt"] for order_id in listings[100]]
    assert created == sorted(created, reverse=True)


# --- one order -----------------------------------------------------------------------


def test_an_admin_reads_any_customers_order_and_customers_still_only_their_own(held):
    [order_id] = place_orders(held, checkout_event(held, user="ada"), new_ids(1), users=("ada",))

    read = held.request("orders", "GET", f"/admin/orders/{order_id}", user="root", groups=ADMIN)
    own = held.request("orders", "GET", f"/orders/{order_id}", user="ada")
    foreign = held.request("orders", "GET", f"/orders/{order_id}", user="bob")
    admins_own_route = held.request(
        "orders", "GET", f"/orders/{order_id}", user="root", groups=ADMIN
    )

    assert read.status == 200, read.text
    assert read.json == own.json
    assert (read.json["orderId"], read.json["userId"]) == (order_id, "ada")
    assert "statusShard" not in read.json
    assert foreign.status == admins_own_route.status == 404


@pytest.mark.parametrize("order_id", [str(uuid.uuid4()), "not-an-order-id"])
def test_an_order_that_does_not_exist_is_a_404_for_admins_too(shop, order_id):
    response = shop.request("orders", "GET", f"/admin/orders/{order_id}", user="root", groups=ADMIN)
    assert response.status == 404
    assert order_id in response.json["message"]


def test_customers_may_not_read_other_orders_through_the_admin_route(held):
    [order_id] = place_orders(held, checkout_event(held, user="ada"), new_ids(1), users=("ada",))
    for user in ("ada", "bob"):
        response = held.request("orders", "GET", f"/admin/orders/{order_id}", user=user)
        assert response.status == 403, user
    assert held.request("orders", "GET", f"/admin/orders/{order_id}").status == 401
