"""The audit: the recorder's definition, as the program deploys it, executed by moto's
Step Functions interpreter against the program's audit table, fed the events the
producers really put on the bus (an order's whole path, a product's); and the admins'
route that reads it (GET /admin/audit)."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shop_common.contracts import EVENTS, PERSONAL_DATA, SCHEMA_VERSION, DetailType
from tests.functions.conftest import ADMIN, PROGRAM, TABLES
from tests.functions.test_refunds_and_shipping import ship, states_walked
from tests.samples import ADDRESS

DEFINITION = PROGRAM.named("audit-recorder-state-machine").inputs["definition"]
RETENTION_DAYS = 1  # the local stack's auditRetentionDays, which the function tests run
EMAIL = "ada.lovelace@example.com"
TOKEN = "tok_visa_4242"


class Recorder:
    def __init__(self, shop):
        self.shop = shop
        self.arn = shop.sfn.create_state_machine(
            name="audit-recorder",
            type="EXPRESS",
            roleArn="arn:aws:iam::123456789012:role/audit-recorder",
            definition=DEFINITION,
        )["stateMachineArn"]

    def run(self, event: dict) -> dict:
        """One execution with the event as EventBridge's target delivers it."""
        arn = self.shop.sfn.start_execution(
            stateMachineArn=self.arn, name=str(uuid.uuid4()), input=json.dumps(event)
        )["executionArn"]
        finished = self.shop.finished(arn)
        assert finished["status"] == "SUCCEEDED", finished
        return finished

    def items(self) -> list[dict]:
        scanned = self.shop.dynamodb.scan(TableName=TABLES["audit"])["Items"]
        return [{k: next(iter(v.values())) for k, v in item.items()} for item in scanned]

    def raw(self) -> str:
        return json.dumps(self.shop.dynamodb.scan(TableName=TABLES["audit"])["Items"])


@pytest.fixture
def recorder(shop) -> Recorder:
    shop.create_workflow(payment_limit=1000)
    return Recorder(shop)


def admin_reads(shop, correlation_id: str, user="root", groups=ADMIN, **narrowing):
    query = {"correlationId": correlation_id, **narrowing}
    return shop.request("audit", "GET", "/admin/audit", user=user, groups=groups, query=query)


def deliver(shop, function: str, detail_type: DetailType, order_id: str) -> None:
    bodies = [
        json.dumps(e)
        for e in shop.published_of(detail_type)
        if e["detail"]["metadata"]["correlationId"] == order_id
    ]
    assert bodies, f"no {detail_type} for {order_id}"
    assert shop.deliver(function, bodies) == {"batchItemFailures": []}


def paid_and_shipped_order(shop) -> tuple[str, str]:
    """A product (with stock), a checkout by a customer with an e-mail, an address and a
    payment token, and the order's real path: placed, reserved, paid, shipped."""
    created = shop.request(
        "products",
        "POST",
        "/products",
        user="root",
        groups=ADMIN,
        body={"name": "Lamp", "price": 12.5, "category": "home", "stock": 5},
    )
    product_id = created.json["productId"]
    shop.request("basket", "PUT", f"/basket/items/{product_id}", user="ada", body={"quantity": 2})
    body = {"shippingAddress": ADDRESS, "email": EMAIL, "paymentToken": TOKEN}
    order_id = shop.request("basket", "POST", "/basket/checkout", user="ada", body=body).json[
        "orderId"
    ]
    deliver(shop, "ordering", DetailType.CHECKOUT_BASKET, order_id)
    deliver(shop, "stock", DetailType.ORDER_CREATED, order_id)
    deliver(shop, "ordering", DetailType.STOCK_RESERVED, order_id)
    assert [e["status"] for e in shop.all_finished()] == ["SUCCEEDED"]
    assert ship(shop, order_id).status == 200
    return order_id, product_id


def record_everything(shop, recorder) -> list[dict]:
    published = shop.published()
    for event in published:
        recorder.run(event)
    return published


def test_every_event_of_an_orders_path_is_kept_once_with_only_its_audit_fields(shop, recorder):
    order_id, product_id = paid_and_shipped_order(shop)

    published = record_everything(shop, recorder)

    assert [
        e["detail-type"] for e in published if e["detail"]["metadata"]["correlationId"] == order_id
    ] == [
        "CheckoutBasket",
        "OrderCreated",
        "StockReserved",
        "OrderPaid",
        "OrderShipped",
    ]
    items = {item["eventId"]: item for item in recorder.items()}
    assert len(items) == len(published)
    for event in published:
        item = items[event["detail"]["metadata"]["eventId"]]
        declared = EVENTS[DetailType(event["detail-type"])]
        assert item["correlationId"] == event["detail"]["metadata"]["correlationId"]
        assert (item["source"], item["detailType"]) == (event["source"], event["detail-type"])
        assert json.loads(item["data"]) == {f: event["detail"]["data"][f] for f in declared.audit}
        assert item["time"] == event["time"].replace("Z", ".000Z")
    assert {items[k]["correlationId"] for k in items} == {order_id, product_id}


def test_no_personal_data_reaches_the_audit_table(shop, recorder):
    paid_and_shipped_order(shop)
    published = record_everything(shop, recorder)
    checkout = next(e for e in published if e["detail-type"] == "CheckoutBasket")
    assert checkout["detail"]["data"]["email"] == EMAIL  # the event holds it; the audit not

    stored = recorder.raw()

    for value in (EMAIL, TOKEN, *ADDRESS.values(), "JD0146-0001"):  # and the tracking number
        assert value not in stored
    for item in recorder.items():
        assert not PERSONAL_DATA & set(json.loads(item["data"]))


def test_a_duplicate_delivery_is_one_record(shop, recorder):
    order_id, _ = paid_and_shipped_order(shop)
    [paid] = shop.published_of("OrderPaid")
    first = recorder.run(paid)
    before = recorder.items()

    again = recorder.run(paid)

    assert "Recorded" in states_walked(shop, first["executionArn"])
    assert "AlreadyRecorded" in states_walked(shop, again["executionArn"])
    assert recorder.items() == before
    assert [i["detailType"] for i in before if i["correlationId"] == order_id] == ["OrderPaid"]


def test_an_event_published_again_with_a_new_eventbridge_id_and_time_is_one_record(shop, recorder):
    """A re-publication (a consumer's redelivery, an outbox pipe's retry, a replay) keeps
    the envelope's eventId, not EventBridge's id or time: the first record stands."""
    paid_and_shipped_order(shop)
    [created] = shop.published_of("OrderCreated")
    recorder.run(created)
    republished = created | {"id": str(uuid.uuid4()), "time": "2030-01-02T03:04:05Z"}

    recorder.run(republished)

    [item] = [i for i in recorder.items() if i["detailType"] == "OrderCreated"]
    assert item["time"] == created["time"].replace("Z", ".000Z")


def bus_event(detail_type: str, source: str, data: dict, time: str = "2026-12-01T09:30:00Z"):
    """An event as EventBridge delivers it to the rule's target."""
    correlation_id = data.get("orderId") or data.get("productId") or str(uuid.uuid4())
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": "123456789012",
        "time": time,
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "metadata": {
                "eventId": str(uuid.uuid4()),
                "correlationId": correlation_id,
                "version": SCHEMA_VERSION,
            },
            "data": data,
        },
    }


@pytest.mark.parametrize(
    "day",
    [
        "2026-12-01T09:30:00Z",
        "2028-02-29T23:59:59Z",  # a leap day
        "2026-12-31T00:00:00Z",  # the year's last day
        "2020-01-01T00:00:01Z",  # the calendar's first
        "2119-12-31T23:59:59Z",  # and its last
    ],
)
def test_a_record_expires_the_retention_after_the_day_its_event_reached_the_bus(
    shop, recorder, day
):
    order_id = str(uuid.uuid4())
    recorder.run(
        bus_event("OrderCancelled", "shop.ordering", {"orderId": order_id, "userId": "ada"}, day)
    )

    [item] = recorder.items()

    reached = datetime.fromisoformat(day)
    expires = datetime.fromtimestamp(int(item["expiresAt"]), UTC)
    assert expires == datetime.combine(reached.date(), datetime.min.time(), UTC) + timedelta(
        days=RETENTION_DAYS + 1
    )
    assert (
        reached + timedelta(days=RETENTION_DAYS)
        < expires
        <= reached + timedelta(days=RETENTION_DAYS + 1)
    )


def test_an_undeclared_event_keeps_its_envelope_and_no_data(shop, recorder):
    foreign = bus_event(
        "OrderCreated", "shop.basket", {"orderId": str(uuid.uuid4()), "email": EMAIL}
    )
    unknown = bus_event("GiftWrapped", "shop.ordering", {"orderId": str(uuid.uuid4()), "note": "x"})

    recorder.run(foreign)
    recorder.run(unknown)

    items = {i["detailType"] + i["source"]: i for i in recorder.items()}
    assert json.loads(items["OrderCreatedshop.basket"]["data"]) == {}
    assert json.loads(items["GiftWrappedshop.ordering"]["data"]) == {}
    assert EMAIL not in recorder.raw()


# --- GET /admin/audit ------------------------------------------------------------------


def test_an_admin_reads_a_correlations_events_in_the_order_they_reached_the_bus(shop, recorder):
    order_id = str(uuid.uuid4())
    ids = {"orderId": order_id, "userId": "ada"}
    events = [
        bus_event(
            "OrderCreated",
            "shop.ordering",
            ids | {"status": "PENDING", "totalPrice": 25, "currency": "EUR"},
            "2026-12-01T09:30:00Z",
        ),
        bus_event("StockReserved", "shop.products", ids, "2026-12-01T09:30:01Z"),
        bus_event("OrderPaid", "shop.ordering", ids | {"totalPrice": 25}, "2026-12-01T09:30:02Z"),
        bus_event(
            "OrderShipped",
            "shop.ordering",
            ids | {"carrier": "DHL", "trackingNumber": "T1"},
            "2026-12-02T08:00:00Z",
        ),
    ]
    for event in reversed(events):  # recorded in any order
        recorder.run(event)
    recorder.run(
        bus_event(
            "OrderPaid",
            "shop.ordering",
            {"orderId": str(uuid.uuid4()), "userId": "bob", "totalPrice": 1},
        )
    )

    answer = admin_reads(shop, order_id)

    assert answer.status == 200, answer.text
    page = answer.json
    assert [e["detailType"] for e in page["items"]] == [
        "OrderCreated",
        "StockReserved",
        "OrderPaid",
        "OrderShipped",
    ]
    assert page["nextToken"] is None
    shipped = page["items"][3]
    assert shipped["data"] == {"orderId": order_id, "userId": "ada", "carrier": "DHL"}
    assert shipped["time"] == "2026-12-02T08:00:00.000Z"
    assert shipped["eventId"] == events[3]["detail"]["metadata"]["eventId"]

    def kinds(**narrowing):
        response = admin_reads(shop, order_id, **narrowing)
        assert response.status == 200, response.text
        return [e["detailType"] for e in response.json["items"]]

    assert kinds(source="shop.products") == ["StockReserved"]
    assert kinds(detailType="OrderPaid") == ["OrderPaid"]
    assert kinds(**{"from": "2026-12-01T09:30:01.000Z", "to": "2026-12-01T09:30:02.000Z"}) == [
        "StockReserved",
        "OrderPaid",
    ]
    assert kinds(**{"from": "2026-12-02T00:00:00.000Z"}) == ["OrderShipped"]
    assert kinds(source="shop.basket") == []
    assert admin_reads(shop, str(uuid.uuid4())).json == {"items": [], "nextToken": None}


def test_the_audit_is_for_admins_and_its_query_is_checked(shop, recorder):
    order_id = str(uuid.uuid4())

    assert admin_reads(shop, order_id, user="ada", groups=()).status == 403
    missing = shop.request("audit", "GET", "/admin/audit", user="root", groups=ADMIN)
    assert (missing.status, missing.json["errors"]) == (
        422,
        [{"field": "correlationId", "message": "is required"}],
    )
    for narrowing, field in (
        ({"source": "shop.elsewhere"}, "source"),
        ({"detailType": "OrderLost"}, "detailType"),
        ({"from": "2026-12-01T09:30:00Z"}, "from"),  # the one form: with milliseconds
        ({"to": "yesterday"}, "to"),
    ):
        refused = admin_reads(shop, order_id, **narrowing)
        assert refused.status == 422, narrowing
        assert refused.json["errors"][0]["field"] == field
    assert admin_reads(shop, order_id, nextToken="forged").status == 400
