"""Products API: public reads, admin writes, validation, pagination, events."""

import pytest

from tests.functions.conftest import ADMIN, assert_valid_event

LAMP = {
    "name": "Desk lamp",
    "description": "Warm light",
    "price": 39.9,
    "category": "home",
    "imageUrl": "https://img.example/lamp.png",
    "stock": 12,
}


def create(shop, product=LAMP):
    response = shop.request("products", "POST", "/products", user="ada", groups=ADMIN, body=product)
    assert response.status == 201, response.text
    return response.json


def test_admin_creates_a_product_with_a_server_made_id_and_location(shop):
    response = shop.request("products", "POST", "/products", user="ada", groups=ADMIN, body=LAMP)

    assert response.status == 201
    product = response.json
    assert product["price"] == 39.9
    assert product["name"] == "Desk lamp"
    assert product["stock"] == 12
    assert product["createdAt"] == product["updatedAt"]
    assert response.headers["Location"] == f"/products/{product['productId']}"
    fetched = shop.request("products", "GET", f"/products/{product['productId']}")
    assert fetched.status == 200
    assert fetched.json == product


def test_create_publishes_a_valid_product_created_event(shop):
    product = create(shop)

    [event] = shop.published_of("ProductCreated")
    assert event["source"] == "shop.products"
    assert event["detail"]["data"] == product
    assert event["detail"]["metadata"]["correlationId"] == product["productId"]
    assert_valid_event(event)


def test_optional_fields_get_defaults(shop):
    product = create(shop, {"name": "Mug", "price": 5, "category": "kitchen"})
    assert (product["description"], product["imageUrl"], product["stock"]) == ("", "", 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"price": 5, "category": "home"}, "name"),
        ({**LAMP, "price": 19.999}, "price"),
        ({**LAMP, "price": 0}, "price"),
        ({**LAMP, "price": "5"}, "price"),
        ({**LAMP, "category": "Not A Slug"}, "category"),
        ({**LAMP, "stock": -1}, "stock"),
        ({**LAMP, "imageUrl": "ftp://x"}, "imageUrl"),
        ({**LAMP, "color": "red"}, "color"),
    ],
)
def test_invalid_products_are_rejected_with_the_field_named(shop, body, field):
    response = shop.request("products", "POST", "/products", user="ada", groups=ADMIN, body=body)

    assert response.status == 422
    assert response.json["errors"][0]["field"] == field
    assert field in response.json["message"]
    assert shop.published() == []


def test_a_body_that_is_not_json_is_a_400(shop):
    response = shop.request(
        "products", "POST", "/products", user="ada", groups=ADMIN, body="{not json"
    )
    assert response.status == 400
    assert "JSON" in response.json["message"]


def test_customers_may_not_write_products(shop):
    product = create(shop)
    path = f"/products/{product['productId']}"
    for method, body in (("POST", LAMP), ("PUT", {**DETAILS, "version": 1}), ("DELETE", None)):
        target = "/products" if method == "POST" else path
        response = shop.request("products", method, target, user="bob", body=body)
        assert response.status == 403, method
        assert response.json["message"]


def test_writes_without_an_identity_are_401(shop):
    response = shop.request("products", "POST", "/products", body=LAMP)
    assert response.status == 401


def test_unknown_product_is_404(shop):
    response = shop.request("products", "GET", "/products/nope")
    assert response.status == 404
    assert "nope" in response.json["message"]


DETAILS = {k: v for k, v in LAMP.items() if k != "stock"}


def change(shop, product_id, version, **details):
    body = {**DETAILS, **details, "version": version}
    return shop.request(
        "products", "PUT", f"/products/{product_id}", user="ada", groups=ADMIN, body=body
    )


def restock(shop, product_id, delta):
    return shop.request(
        "products",
        "POST",
        f"/products/{product_id}/stock",
        user="ada",
        groups=ADMIN,
        body={"delta": delta},
    )


def test_admin_changes_a_product_and_an_event_is_published(shop):
    product = create(shop)

    response = change(shop, product["productId"], product["version"], price=29.5)

    assert response.status == 200
    assert response.json["price"] == 29.5
    assert response.json["stock"] == product["stock"]
    assert response.json["version"] == product["version"] + 1
    assert response.json["createdAt"] == product["createdAt"]
    [event] = shop.published_of("ProductUpdated")
    assert event["detail"]["data"]["price"] == 29.5
    assert_valid_event(event)


def test_a_change_made_from_a_stale_version_is_a_409_and_writes_nothing(shop):
    product = create(shop)
    assert change(shop, product["productId"], 1, price=20).status == 200

    stale = change(shop, product["productId"], 1, price=1)

    assert stale.status == 409
    assert "version 1" in stale.json["message"]
    current = shop.request("products", "GET", f"/products/{product['productId']}").json
    assert (current["price"], current["version"]) == (20, 2)


def test_a_change_cannot_set_the_stock(shop):
    product = create(shop)
    response = change(shop, product["productId"], 1, stock=999)
    assert response.status == 422
    assert response.json["errors"][0]["field"] == "stock"


def test_stock_moves_by_a_delta_and_never_below_zero(shop):
    product = create(shop)  # 12 in stock
    added = restock(shop, product["productId"], 8)
    taken = restock(shop, product["productId"], -20)
    refused = restock(shop, product["productId"], -1)

    assert (added.status, added.json["stock"]) == (200, 20)
    assert (taken.status, taken.json["stock"]) == (200, 0)
    assert refused.status == 409
    assert "0 available" in refused.json["message"]
    assert len(shop.published_of("ProductUpdated")) == 2


@pytest.mark.parametrize("delta", [0, 1.5, "3", 10**7])
def test_a_stock_delta_is_a_nonzero_integer_in_range(shop, delta):
    response = restock(shop, create(shop)["productId"], delta)
    assert response.status == 422
    assert response.json["errors"][0]["field"] == "delta"


def test_restocking_a_missing_product_is_404(shop):
    assert restock(shop, "0b0e4c6a-2f0e-4b7e-9d5c-3f1a2b3c4d5e", 1).status == 404


def test_replacing_or_deleting_a_missing_product_is_404(shop):
    missing = "0b0e4c6a-2f0e-4b7e-9d5c-3f1a2b3c4d5e"
    put = change(shop, missing, 1)
    delete = shop.request("products", "DELETE", f"/products/{missing}", user="ada", groups=ADMIN)
    assert (put.status, delete.status) == (404, 404)
    assert shop.published() == []


def test_admin_deletes_a_product(shop):
    product = create(shop)
    path = f"/products/{product['productId']}"

    response = shop.request("products", "DELETE", path, user="ada", groups=ADMIN)

    assert response.status == 204
    assert response.text == ""
    assert shop.request("products", "GET", path).status == 404
    [event] = shop.published_of("ProductDeleted")
    assert event["detail"]["data"]["productId"] == product["productId"]
    assert_valid_event(event)


def test_listing_pages_through_every_product(shop):
    created = {create(shop, {**LAMP, "name": f"Lamp {i}"})["productId"] for i in range(5)}

    seen, token, pages = set(), None, 0
    while True:
        query = {"limit": "2"} | ({"nextToken": token} if token else {})
        response = shop.request("products", "GET", "/products", query=query)
        assert response.status == 200
        assert len(response.json["items"]) <= 2
        seen |= {item["productId"] for item in response.json["items"]}
        token, pages = response.json["nextToken"], pages + 1
        if token is None:
            break
    assert seen == created
    assert pages >= 3


def test_listing_filters_by_category(shop):
    create(shop, {**LAMP, "category": "home"})
    mug = create(shop, {"name": "Mug", "price": 5, "category": "kitchen"})

    response = shop.request("products", "GET", "/products", query={"category": "kitchen"})

    assert [item["productId"] for item in response.json["items"]] == [mug["productId"]]


@pytest.mark.parametrize("limit", ["0", "101", "ten", "-1"])
def test_limit_outside_1_to_100_is_rejected(shop, limit):
    response = shop.request("products", "GET", "/products", query={"limit": limit})
    assert response.status == 422
    assert response.json["errors"][0]["field"] == "limit"


def test_a_forged_next_token_is_a_400(shop):
    response = shop.request("products", "GET", "/products", query={"nextToken": "garbage!!"})
    assert response.status == 400
    assert response.json["errors"][0]["field"] == "nextToken"
