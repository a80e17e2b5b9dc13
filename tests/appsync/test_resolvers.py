"""The shop's APPSYNC_JS resolvers (appsync/resolvers/), each handler run with real
inputs in the local AppSync's JS runtime (QuickJS and the @aws-appsync/utils shim): the
request objects they make and the answers and errors they give."""

from collections.abc import Iterator

import pytest

from components.graphql_api import RESOLVER_DIR
from localcloud.appsync.js import JsRuntime, Outcome
from shop_common import contracts
from shop_common.routes import ADMIN_GROUP, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

ADA = {"sub": "0d9f6b4e-5c1a-4f7e-9a51-2b8c3d4e5f60", "groups": None}
GRACE = {"sub": "5b1e0a39-8d2c-4c1b-9f0e-7a6d5c4b3a21", "groups": None}
ADMIN = {"sub": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "groups": [ADMIN_GROUP]}
ORDER_ID = "3f2c1b0a-9e8d-4c7b-a6f5-e4d3c2b1a098"
PRODUCT_ID = "7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918"


@pytest.fixture(scope="module")
def js() -> Iterator[JsRuntime]:
    runtime = JsRuntime()
    yield runtime
    runtime.close()


def run(js: JsRuntime, resolver: str, handler: str, **ctx) -> Outcome:
    code = (RESOLVER_DIR / resolver).read_text(encoding="utf-8")
    context = {"args": {}, "identity": ADA, "result": None, "error": None, "stash": {}} | ctx
    context["arguments"] = context["args"]
    return js.call(code, handler, context)


def test_product_reads_one_item_projected_to_the_contract(js):
    request = run(js, "product.js", "request", args={"productId": PRODUCT_ID})

    assert request.kind == "value"
    assert request.value["operation"] == "GetItem"
    assert request.value["key"] == {"productId": {"S": PRODUCT_ID}}
    projected = request.value["projection"]["expressionNames"].values()
    assert list(projected) == list(contracts.MODELS["Product"]["properties"])


def test_a_product_id_the_shop_never_issued_is_not_found_before_any_read(js):
    outcome = run(js, "product.js", "request", args={"productId": "../../etc"})

    assert outcome.kind == "error"
    assert outcome.error["errorType"] == "NotFound"


def test_a_missing_product_is_not_found(js):
    outcome = run(js, "product.js", "response", args={"productId": PRODUCT_ID}, result=None)

    assert (outcome.kind, outcome.error["errorType"]) == ("error", "NotFound")


def test_the_answer_holds_only_the_contracts_fields(js):
    stored = {"productId": PRODUCT_ID, "name": "Lamp", "price": 20, "internal": "x"}

    outcome = run(js, "product.js", "response", args={"productId": PRODUCT_ID}, result=stored)

    assert outcome.value == {"productId": PRODUCT_ID, "name": "Lamp", "price": 20}


def test_products_scan_without_a_category_and_query_the_index_with_one(js):
    scan = run(js, "products.js", "request", args={})
    query = run(js, "products.js", "request", args={"category": "home", "limit": 5})

    assert (scan.value["operation"], scan.value["limit"]) == ("Scan", DEFAULT_PAGE_SIZE)
    assert query.value["operation"] == "Query"
    assert query.value["index"] == "byCategory"
    assert query.value["limit"] == 5
    assert query.value["query"]["expressionValues"] == {":category": {"S": "home"}}


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": MAX_PAGE_SIZE + 1}, "limit"),
        ({"category": "Not A Category"}, "category"),
    ],
)
def test_bad_page_arguments_are_invalid_naming_the_field(js, args, field):
    outcome = run(js, "products.js", "request", args=args)

    assert outcome.error["errorType"] == "Invalid"
    assert [f["field"] for f in outcome.error["errorInfo"]["fields"]] == [field]


def test_a_page_token_dynamodb_refuses_is_a_bad_request_naming_it(js):
    error = {"message": "Invalid pagination token", "type": "DynamoDB:UserIllegalArgumentException"}

    outcome = run(js, "products.js", "response", args={"nextToken": "forged"}, error=error)

    assert outcome.error["errorType"] == "BadRequest"
    assert [f["field"] for f in outcome.error["errorInfo"]["fields"]] == ["nextToken"]


def test_any_other_read_failure_is_unavailable(js):
    error = {"message": "Throughput exceeded", "type": "DynamoDB:ProvisionedThroughputExceeded"}

    outcome = run(js, "products.js", "response", args={}, error=error)

    assert outcome.error["errorType"] == "Unavailable"


def test_orders_are_the_callers_own_newest_first(js):
    outcome = run(js, "orders.js", "request", args={"limit": 3}, identity=GRACE)

    assert outcome.value["operation"] == "Query"
    assert outcome.value["index"] == "byUser"
    assert outcome.value["scanIndexForward"] is False
    assert outcome.value["query"]["expressionValues"] == {":userId": {"S": GRACE["sub"]}}


def test_an_order_is_read_consistently(js):
    outcome = run(js, "order.js", "request", args={"orderId": ORDER_ID})

    assert outcome.value["consistentRead"] is True
    assert outcome.value["key"] == {"orderId": {"S": ORDER_ID}}


@pytest.mark.parametrize(("identity", "kind"), [(ADA, "value"), (GRACE, "error"), (ADMIN, "value")])
def test_an_order_is_its_customers_or_an_admins(js, identity, kind):
    stored = {"orderId": ORDER_ID, "userId": ADA["sub"], "status": "PAID", "statusShard": "PAID#3"}

    outcome = run(
        js, "order.js", "response", args={"orderId": ORDER_ID}, identity=identity, result=stored
    )

    assert outcome.kind == kind
    if kind == "value":
        assert outcome.value == {"orderId": ORDER_ID, "userId": ADA["sub"], "status": "PAID"}
    else:
        assert outcome.error["errorType"] == "NotFound"  # another's order does not exist for you


@pytest.mark.parametrize(
    ("event", "status"),
    [(str(e.detail_type), e.order_status) for e in contracts.EVENTS.values() if e.order_status],
)
def test_publish_order_status_adds_the_status_after_the_event(js, event, status):
    args = {"orderId": ORDER_ID, "userId": ADA["sub"], "event": event, "at": "t", "eventId": "e"}

    outcome = run(js, "publishOrderStatus.js", "request", args=args)

    assert outcome.value == {"payload": args | {"status": status}}


def test_publish_order_status_refuses_an_event_that_is_not_an_order_event(js):
    args = {"orderId": ORDER_ID, "userId": ADA["sub"], "event": "ProductCreated"}

    outcome = run(js, "publishOrderStatus.js", "request", args=args)

    assert outcome.error["errorType"] == "Invalid"


@pytest.mark.parametrize("order_id", [ORDER_ID, None])
def test_a_subscription_is_filtered_on_the_callers_sub_never_an_argument(js, order_id):
    args = {"orderId": order_id, "userId": GRACE["sub"]} if order_id else {"userId": GRACE["sub"]}

    outcome = run(js, "orderStatusSubscription.js", "response", args=args, identity=ADA)

    [group] = outcome.subscription_filter["filterGroup"]
    filters = {f["fieldName"]: (f["operator"], f["value"]) for f in group["filters"]}
    expected = {"userId": ("eq", ADA["sub"])}
    if order_id:
        expected["orderId"] = ("eq", order_id)
    assert filters == expected


def test_lambda_fields_turn_a_services_refusal_into_an_appsync_error(js):
    refusal = {"type": "Invalid", "message": "quantity too big", "fields": [{"field": "quantity"}]}

    refused = run(js, "lambda.js", "response", result={"error": refusal})
    served = run(js, "lambda.js", "response", result={"data": {"totalPrice": 3}})

    assert refused.error["errorType"] == "Invalid"
    assert refused.error["errorInfo"] == {"fields": [{"field": "quantity"}]}
    assert served.value == {"totalPrice": 3}


def test_lambda_fields_send_the_service_only_what_it_needs(js):
    info = {"fieldName": "addToBasket", "parentTypeName": "Mutation", "variables": {"t": "tok"}}

    outcome = run(js, "lambda.js", "request", args={"quantity": 1}, info=info)

    payload = outcome.value["payload"]
    assert outcome.value["operation"] == "Invoke"
    assert payload["info"] == {"fieldName": "addToBasket", "parentTypeName": "Mutation"}
    assert payload["arguments"] == {"quantity": 1}
    assert payload["identity"] == ADA


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"correlationId": ""}, "correlationId"),
        ({"correlationId": "x" * 129}, "correlationId"),
        ({"correlationId": ORDER_ID, "source": "shop.nowhere"}, "source"),
        ({"correlationId": ORDER_ID, "from": "2026-12-01T09:30:00Z"}, "from"),
    ],
)
def test_audit_events_refuse_what_the_http_api_refuses_naming_the_argument(js, args, field):
    outcome = run(js, "auditEvents.js", "request", args=args, identity=ADMIN)

    assert outcome.kind == "error"
    assert outcome.error["errorType"] == "Invalid"
    assert [f["field"] for f in outcome.error["errorInfo"]["fields"]] == [field]


def test_audit_events_read_the_correlations_partition_narrowed_by_source(js):
    args = {"correlationId": ORDER_ID, "source": "shop.ordering"}
    outcome = run(js, "auditEvents.js", "request", args=args, identity=ADMIN)

    assert outcome.kind == "value"
    query = outcome.value["query"]
    assert query["expressionValues"] == {":correlationId": {"S": ORDER_ID}}
    assert outcome.value["filter"]["expression"] == "#source = :source"
    assert outcome.value["filter"]["expressionValues"] == {":source": {"S": "shop.ordering"}}


LONE_SURROGATE = "\udc00abc"  # JSON's \udc00 escape: a string with no UTF-8 form


@pytest.mark.parametrize(
    ("resolver", "args", "field"),
    [
        (
            "submitReview.js",
            {"productId": PRODUCT_ID, "rating": 3, "title": LONE_SURROGATE, "text": "ok"},
            "title",
        ),
        (
            "submitReview.js",
            {"productId": PRODUCT_ID, "rating": 3, "title": "ok", "text": LONE_SURROGATE},
            "text",
        ),
        ("resolveCase.js", {"caseId": ORDER_ID, "resolution": LONE_SURROGATE}, "resolution"),
    ],
)
def test_text_that_is_not_unicode_is_invalid_naming_the_field(js, resolver, args, field):
    outcome = run(js, resolver, "request", args=args, identity=ADMIN)

    assert (outcome.kind, outcome.error["errorType"]) == ("error", "Invalid")
    fields = outcome.error["errorInfo"]["fields"]
    assert {"field": field, "message": "is not valid Unicode text"} in fields
