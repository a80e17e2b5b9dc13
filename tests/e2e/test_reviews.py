"""Reviews end to end in the local cloud, through the GraphQL API only: a review is
analysed (the local sentiment stand-in, not Amazon Comprehend: localcloud/sentiment.py),
listed, and its reviewer thanked by e-mail; a negative one opens a case that escalates,
that an admin resolves, and the reviewer gets an apology. Bad input and non-admins are
refused with GraphQL errors. E-mails and SNS messages are read from the local outbox."""

import json
import time

import jsonschema
import pytest

from localcloud import stack_config
from shop_common.contracts import EVENTS, DetailType
from tests import ROOT
from tests.e2e.test_graphql import data, graphql
from tests.e2e.test_outbox import bus_events, tap_on

pytestmark = pytest.mark.e2e

LOCAL = stack_config.load("local")
PER_DAY = int(LOCAL["shop:reviewsPerDay"])
ESCALATION_SECONDS = int(LOCAL["shop:caseEscalationSeconds"])
REVIEW = "reviewId productId rating title text createdAt sentiment hidden"
CASE = (
    "caseId reviewId productId status rating title text openedAt escalatedAt resolvedAt resolution"
)
SUBMIT = f"""mutation Submit($productId: ID!, $rating: Int!, $title: String!, $text: String!) {{
  submitReview(productId: $productId, rating: $rating, title: $title, text: $text) {{ {REVIEW} }}
}}"""
LIST = f"""query Reviews($productId: ID!, $limit: Int, $nextToken: String) {{
  reviews(productId: $productId, limit: $limit, nextToken: $nextToken) {{
    items {{ {REVIEW} }} nextToken reviewCount averageRating
  }}
}}"""
CASES = f"query Cases($status: CaseStatus!) {{ cases(status: $status) {{ items {{ {CASE} }} }} }}"
RESOLVE = f"""mutation Resolve($caseId: ID!, $resolution: String!) {{
  resolveCase(caseId: $caseId, resolution: $resolution) {{ {CASE} }}
}}"""
HIDE = f"mutation Hide($reviewId: ID!) {{ hideReview(reviewId: $reviewId) {{ {REVIEW} }} }}"
POSITIVE = "A great lamp: I love the warm light."
NEGATIVE = "It arrived broken and the switch is faulty. Terrible."


def submit(shop, user: str, product_id: str, text: str, rating: int = 4, title: str = "Lamp"):
    """The answer to submitReview: {data} or {errors}."""
    variables = {"productId": product_id, "rating": rating, "title": title, "text": text}
    return graphql(shop, SUBMIT, variables, user)


def submitted(shop, user: str, product_id: str, text: str, rating: int = 4) -> dict:
    return data(submit(shop, user, product_id, text, rating))["submitReview"]


def listed(shop, user: str, product_id: str) -> dict:
    return data(graphql(shop, LIST, {"productId": product_id}, user))["reviews"]


def shown(shop, user: str, product_id: str, review_id: str) -> dict:
    """The listing, once it shows the review (after its analysis)."""

    def probe():
        page = listed(shop, user, product_id)
        return page if review_id in [r["reviewId"] for r in page["items"]] else None

    return shop.wait_for(probe)


def error(answer: dict) -> dict:
    [only] = answer["errors"]
    assert answer["data"] is None
    return only


def case_in(shop, case_id: str, *statuses: str) -> dict:
    def probe():
        for status in statuses:
            page = data(graphql(shop, CASES, {"status": status}, "admin"))["cases"]
            found = [c for c in page["items"] if c["caseId"] == case_id]
            if found:
                return found[0]
        return None

    return shop.wait_for(probe)


def emails_to(shop, address: str, subject: str) -> list[dict]:
    return [e for e in shop.emails() if e["to"] == [address] and e["subject"] == subject]


def told(shop, topic_output: str, case_id: str) -> list[dict]:
    return [
        n
        for n in shop.notifications()
        if n["topicArn"] == shop.outputs[topic_output] and case_id in n["subject"]
    ]


def test_a_review_is_analysed_listed_and_its_reviewer_thanked(shop, customer):
    product_id = shop.create_product("Reading lamp")
    started = time.monotonic()

    review = submitted(shop, customer, product_id, POSITIVE, rating=5)

    assert review["sentiment"] is None  # listed once analysed
    assert review["hidden"] is False
    page = shown(shop, customer, product_id, review["reviewId"])
    [listed_review] = page["items"]
    assert listed_review == {**review, "sentiment": "POSITIVE"}
    assert (page["reviewCount"], page["averageRating"]) == (1, 5.0)
    [thanks] = shop.wait_for(lambda: emails_to(shop, customer, "Thank you for your review"))
    assert "Reading lamp" not in thanks["body"]  # the review's title, not the product's
    assert '"Lamp"' in thanks["body"]
    assert time.monotonic() - started < 15


def test_a_negative_review_opens_a_case_an_admin_resolves_and_the_reviewer_is_apologised_to(
    shop, customer
):
    tap, seen = tap_on(shop, "shop.reviews"), []
    product_id = shop.create_product("Desk lamp")
    review = submitted(shop, customer, product_id, NEGATIVE, rating=1)
    case_id = review["reviewId"]

    case = case_in(shop, case_id, "OPEN", "ESCALATED")
    assert (case["rating"], case["text"], case["productId"]) == (1, NEGATIVE, product_id)
    shop.wait_for(lambda: told(shop, "customerServiceTopicArn", case_id))
    assert emails_to(shop, customer, "Thank you for your review") == []
    started = time.monotonic()
    resolved = data(
        graphql(
            shop, RESOLVE, {"caseId": case_id, "resolution": "A new lamp is on its way."}, "admin"
        )
    )["resolveCase"]

    assert resolved["status"] == "RESOLVED"
    assert resolved["resolution"] == "A new lamp is on its way."
    [apology] = shop.wait_for(lambda: emails_to(shop, customer, "About your review"))
    assert "A new lamp is on its way." in apology["body"]
    assert time.monotonic() - started < 10
    again = graphql(shop, RESOLVE, {"caseId": case_id, "resolution": "Twice"}, "admin")
    assert error(again)["errorType"] == "Conflict"
    assert case_in(shop, case_id, "RESOLVED")["resolvedAt"]

    # The path's events, as the bus carried them (a tap): the resolvers' through the
    # reviews outbox, the workflows' directly; each once, each its committed contract.
    kinds = (
        DetailType.REVIEW_SUBMITTED,
        DetailType.REVIEW_ANALYSED,
        DetailType.CASE_OPENED,
        DetailType.CASE_RESOLVED,
    )
    events = shop.wait_for(
        lambda: (found := bus_events(shop, tap, case_id, seen)) and len(found) >= 4 and found
    )
    assert sorted(e["detail-type"] for e in events) == sorted(map(str, kinds))
    for event in events:
        assert event["source"] == EVENTS[DetailType(event["detail-type"])].source.value
        schema = json.loads(
            (ROOT / "schemas" / "events" / f"{event['detail-type']}.json").read_text()
        )
        jsonschema.validate(event["detail"], schema, format_checker=jsonschema.FormatChecker())
    assert customer not in json.dumps(events)  # the reviewer's e-mail is in no event


def test_a_case_no_admin_resolves_in_time_is_escalated_and_ops_are_told(shop, customer):
    product_id = shop.create_product("Floor lamp")
    case_id = submitted(shop, customer, product_id, NEGATIVE, rating=2)["reviewId"]

    escalated = case_in(shop, case_id, "ESCALATED")

    assert escalated["escalatedAt"]
    [message] = shop.wait_for(lambda: told(shop, "opsTopicArn", case_id))
    assert "escalated" in message["subject"]
    data(graphql(shop, RESOLVE, {"caseId": case_id, "resolution": "Refunded."}, "admin"))
    [apology] = shop.wait_for(lambda: emails_to(shop, customer, "About your review"))
    assert "Refunded." in apology["body"]


@pytest.mark.parametrize(
    ("rating", "title", "text", "fields"),
    [
        (6, "Lamp", "Nice", ["rating"]),
        (0, " ", "Nice", ["rating", "title"]),
        (3, "x" * 121, "Nice", ["title"]),
        (3, "Lamp", "   ", ["text"]),
        # 2 501 characters of two bytes each: within 5 000 characters, over 5 000 bytes
        (3, "Lamp", "é" * 2501, ["text"]),
    ],
)
def test_bad_input_is_refused_naming_each_field(shop, customer, rating, title, text, fields):
    product_id = shop.create_product()

    refused = error(submit(shop, customer, product_id, text, rating, title))

    assert refused["errorType"] == "Invalid"
    assert [f["field"] for f in refused["errorInfo"]["fields"]] == fields
    assert listed(shop, customer, product_id)["reviewCount"] == 0


def test_the_longest_title_and_text_are_accepted(shop, customer):
    product_id = shop.create_product()

    review = submitted(shop, customer, product_id, "é" * 2500)  # exactly 5 000 bytes

    assert review["text"] == "é" * 2500


def test_an_unknown_product_is_not_found(shop, customer):
    unknown = "00000000-0000-4000-8000-000000000000"

    assert error(submit(shop, customer, unknown, POSITIVE))["errorType"] == "NotFound"
    assert error(submit(shop, customer, "not-an-id", POSITIVE))["errorType"] == "NotFound"


def test_one_review_per_customer_and_product(shop, customer):
    product_id = shop.create_product()
    submitted(shop, customer, product_id, POSITIVE, rating=5)

    second = error(submit(shop, customer, product_id, "Still great", rating=1))

    assert second["errorType"] == "Conflict"
    page = listed(shop, customer, product_id)
    assert (page["reviewCount"], page["averageRating"]) == (1, 5.0)  # counted once


def test_a_customer_reviews_at_most_the_days_limit(shop, customer):
    products = [shop.create_product(f"Lamp {n}") for n in range(PER_DAY + 1)]
    for product_id in products[:PER_DAY]:
        submitted(shop, customer, product_id, "A lamp")

    over = error(submit(shop, customer, products[PER_DAY], "A lamp"))

    assert over["errorType"] == "TooManyRequests"
    assert listed(shop, customer, products[PER_DAY])["reviewCount"] == 0


def test_non_admins_may_not_list_or_resolve_cases_or_hide_reviews(shop, customer):
    product_id = shop.create_product()
    review_id = submitted(shop, customer, product_id, POSITIVE)["reviewId"]

    for query, variables in (
        (CASES, {"status": "OPEN"}),
        (RESOLVE, {"caseId": review_id, "resolution": "No"}),
        (HIDE, {"reviewId": review_id}),
    ):
        assert error(graphql(shop, query, variables, customer))["errorType"] == "Unauthorized"


def test_an_admin_hides_a_review_from_the_listing_and_the_summary(shop, customer):
    product_id = shop.create_product()
    other = shop.sign_up()
    kept = submitted(shop, other, product_id, POSITIVE, rating=5)
    hidden = submitted(shop, customer, product_id, "A nice lamp, terrible shade", rating=1)
    shown(shop, customer, product_id, kept["reviewId"])
    page = shown(shop, customer, product_id, hidden["reviewId"])
    assert [r["reviewId"] for r in page["items"]] == [hidden["reviewId"], kept["reviewId"]]
    assert (page["reviewCount"], page["averageRating"]) == (2, 3.0)

    answer = data(graphql(shop, HIDE, {"reviewId": hidden["reviewId"]}, "admin"))["hideReview"]
    again = data(graphql(shop, HIDE, {"reviewId": hidden["reviewId"]}, "admin"))["hideReview"]

    assert answer["hidden"] is again["hidden"] is True
    page = listed(shop, customer, product_id)
    assert [r["reviewId"] for r in page["items"]] == [kept["reviewId"]]
    assert (page["reviewCount"], page["averageRating"]) == (1, 5.0)  # taken out once
