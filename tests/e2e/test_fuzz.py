"""No input makes a 5xx, as a property: schemathesis generates requests for every
operation of the OpenAPI document, valid and invalid, as a customer and as an
admin, and checks each answer against the document (status declared, body
schema, content type, headers). Bounded and seeded: 25 examples per operation,
the same ones on every run.

The document is the committed one (tests/test_generated.py keeps it current),
loaded at collection so that each operation is a test of its own; a test below
checks that the local cloud serves exactly it.

The fuzzing runs against a local cloud of its own, so the products and orders it
makes never meet the other end-to-end tests."""

import itertools
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, seed, settings
from schemathesis.specs.openapi.checks import unsupported_method

from localcloud.harness import LocalCloudProcess
from shop_common.routes import IDEMPOTENCY_KEY_HEADER
from tests import ROOT
from tests.local_shop import Shop

OPENAPI_DOCUMENT = ROOT / "functions" / "openapi" / "openapi.json"

EXAMPLES_PER_OPERATION = 25
SEED = 20261130


@pytest.fixture(scope="module")
def fuzzed_shop(tmp_path_factory) -> Iterator[Shop]:
    cloud = LocalCloudProcess(tmp_path_factory.mktemp("fuzzed-localcloud"))
    try:
        yield Shop(cloud.wait_ready(), cloud.state_dir)
    finally:
        cloud.stop()


@dataclass
class RealIds:
    """Ids that exist, so valid cases reach the handlers' logic instead of a 404:
    products (taken in turn: a valid DELETE removes one) and each user's own order."""

    products: Iterator[str]
    orders: dict[str, str]

    def fill(self, case, user: str) -> None:
        for name in case.path_parameters or {}:
            if name == "productId":
                case.path_parameters[name] = next(self.products)
            elif name == "orderId":
                case.path_parameters[name] = self.orders[user]


@pytest.fixture(scope="module")
def real_ids(fuzzed_shop) -> RealIds:
    products = [fuzzed_shop.create_product(f"Fuzzed {n}", 10, stock=10_000) for n in range(8)]
    orders = {}
    for user in ("customer", "admin"):
        put = fuzzed_shop.call("PUT", f"/basket/items/{products[0]}", user, json={"quantity": 1})
        assert put.ok, put.text
        orders[user] = fuzzed_shop.checkout(user).json()["orderId"]
        fuzzed_shop.order_status(user, orders[user], until={"PAID"})
    return RealIds(itertools.cycle(products), orders)


schema = schemathesis.openapi.from_path(OPENAPI_DOCUMENT)
bounded = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


def call_as(shop: Shop, user: str, case, real_ids: RealIds) -> None:
    if case.meta and case.meta.generation.mode.is_positive:
        real_ids.fill(case, user)
        if case.query:
            # A page token is opaque: one made up is a 400 by contract (the negative
            # cases and the function tests cover it), not valid data.
            case.query.pop("nextToken", None)
        if case.headers and IDEMPOTENCY_KEY_HEADER in case.headers:
            # A key names one request: valid data reuses none (a reused key with another
            # body is a 422 by contract, which the function tests cover).
            case.headers[IDEMPOTENCY_KEY_HEADER] = str(uuid.uuid4())
    case.call_and_validate(
        base_url=shop.api,
        headers={"Authorization": f"Bearer {shop.token(user)}"},
        # An HTTP API answers a method it has no route for with 404 {"message":"Not
        # Found"}, as the local gateway does; schemathesis expects 405.
        excluded_checks=[unsupported_method],
    )


def test_the_local_cloud_serves_the_fuzzed_document(fuzzed_shop):
    served = fuzzed_shop.call("GET", "/openapi.json")
    assert served.json() == json.loads(OPENAPI_DOCUMENT.read_text())


@schema.parametrize()
@bounded
@seed(SEED)
def test_no_request_of_a_customer_makes_a_5xx_or_breaks_the_contract(case, fuzzed_shop, real_ids):
    call_as(fuzzed_shop, "customer", case, real_ids)


@schema.parametrize()
@bounded
@seed(SEED)
def test_no_request_of_an_admin_makes_a_5xx_or_breaks_the_contract(case, fuzzed_shop, real_ids):
    call_as(fuzzed_shop, "admin", case, real_ids)
