"""The reviews' analysis and thank-you (docs/architecture.md#reviews), as Amazon States
Language, and what the review workflows share. Direct service integrations only: DynamoDB,
Comprehend, Cognito and SES v2 through the AWS SDK integration, EventBridge. No Lambda.

Review analysis (EXPRESS), started by its rule on ReviewSubmitted (input: the event):

    LoadReview → CheckReview → DetectSentiment (Comprehend) → StoreSentiment
      → PublishReviewAnalysed → Analysed

The review is read for its text (events carry ids and the rating). A review analysed
before (a redelivery; EXPRESS runs at least once) is not analysed or published again:
StoreSentiment is conditional on no sentiment yet.

Thank-you (EXPRESS), started by its rule on ReviewAnalysed that is not NEGATIVE
(contracts.DATA_FILTERS):

    ClaimThanks → ReadReviewer (Cognito) → ComposeThanks → SendThanks (SES) → Thanked

The thanks are claimed on the review first (thankedAt, once), and given back if the
e-mail cannot be sent. The reviewer's address is read from the user pool when the e-mail
is sent, never stored on the review or put in an event.
"""

from typing import Any

from shop_common import review_items as items
from shop_common.contracts import DetailType
from workflows.asl import (
    CONDITION_FAILED,
    DYNAMODB_TRANSIENT,
    Message,
    State,
    catch_all,
    machine,
    publish,
    retry,
    send_email,
)

EVENT = "$.detail.data"  # every review workflow is started by an event; its data
REVIEW_ID = f"{EVENT}.reviewId"
COMPREHEND_TRANSIENT = ["Comprehend.TooManyRequestsException", "Comprehend.InternalServerException"]
COGNITO_TRANSIENT = [
    "CognitoIdentityProvider.TooManyRequestsException",
    "CognitoIdentityProvider.InternalErrorException",
]
# Comprehend's score names, and the event's (contracts.py ReviewAnalysed scores).
SCORES = {"positive": "Positive", "negative": "Negative", "neutral": "Neutral", "mixed": "Mixed"}
THANKS = Message(
    "Thank you for your review",
    'Thank you for reviewing your purchase ("{}"). Other customers will read your review on '
    "the product page.",
    ("$.review.title",),
)


def key(partition: str, kind: str) -> dict[str, Any]:
    """An item's key: its partition at a path, and its kind (review_items)."""
    return {items.PARTITION_KEY: {"S.$": partition}, items.SORT_KEY: {"S": kind}}


def fail(error: str, cause: str) -> State:
    return {"Type": "Fail", "Error": error, "Cause": cause}


def get_item(table: str, item_key: dict[str, Any], result: str, on_error: str, then: str) -> State:
    """A consistent read of one item into `result` (DynamoDB JSON under its `Item`)."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::dynamodb:getItem",
        "Parameters": {"TableName": table, "Key": item_key, "ConsistentRead": True},
        "ResultPath": result,
        "Retry": retry(DYNAMODB_TRANSIENT),
        "Catch": [catch_all(on_error)],
        "Next": then,
    }


def read_reviewer(user_pool_id: str, user_id: str, on_error: str, then: str) -> State:
    """The reviewer's e-mail address, from the user pool now: `$.reviewer.to`, a list (as
    SES takes it). The pool's usernames are the users' subs (its usernames are e-mails)."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:cognitoidentityprovider:adminGetUser",
        "Parameters": {"UserPoolId": user_pool_id, "Username.$": user_id},
        "ResultSelector": {"to.$": "$.UserAttributes[?(@.Name=='email')].Value"},
        "ResultPath": "$.reviewer",
        "Retry": retry(COGNITO_TRANSIENT),
        "Catch": [catch_all(on_error)],
        "Next": then,
    }


def compose(message: Message, then: str) -> State:
    return {
        "Type": "Pass",
        "Parameters": {"subject": message.subject, "body.$": message.format()},
        "ResultPath": "$.message",
        "Next": then,
    }


def mail_reviewer(sender: str, configuration_set: str, on_error: str, then: str) -> State:
    """The composed $.message to the address read into $.reviewer."""
    return send_email(
        sender=sender,
        configuration_set=configuration_set,
        to="$.reviewer.to",
        subject="$.message.subject",
        body="$.message.body",
        on_error=on_error,
        next_state=then,
    )


# --- the analysis ---------------------------------------------------------------------------

REVIEW = "$.review.Item"  # the review as GetItem returns it (DynamoDB JSON)


def load_review(reviews_table: str, default: str, *choices: State) -> dict[str, State]:
    """LoadReview (the event's review) and CheckReview: a review that is not there ends in
    ReviewNotFound; then `choices`, else `default`."""
    return {
        "LoadReview": get_item(
            reviews_table, key(REVIEW_ID, items.REVIEW), "$.review", "ReviewNotRead", "CheckReview"
        ),
        "CheckReview": {
            "Type": "Choice",
            "Choices": [
                {"Variable": REVIEW, "IsPresent": False, "Next": "ReviewNotFound"},
                *choices,
            ],
            "Default": default,
        },
    }


def _detect_sentiment(language: str) -> State:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:comprehend:detectSentiment",
        "Parameters": {"Text.$": f"{REVIEW}.text.S", "LanguageCode": language},
        "ResultSelector": {
            "sentiment.$": "$.Sentiment",
            "scores": {
                f"{ours}.$": f"$.SentimentScore.{theirs}" for ours, theirs in SCORES.items()
            },
        },
        "ResultPath": "$.analysis",
        "Retry": retry(COMPREHEND_TRANSIENT),
        "Catch": [catch_all("NotAnalysed")],
        "Next": "StoreSentiment",
    }


def _store_sentiment(table: str) -> State:
    return {
        "Type": "Task",
        "Comment": "Once: a review analysed before keeps its sentiment and is not published again.",
        "Resource": "arn:aws:states:::dynamodb:updateItem",
        "Parameters": {
            "TableName": table,
            "Key": key(REVIEW_ID, items.REVIEW),
            "UpdateExpression": "SET sentiment = :sentiment, scores = :scores, analysedAt = :at",
            "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(sentiment)",
            "ExpressionAttributeValues": {
                ":sentiment": {"S.$": "$.analysis.sentiment"},
                ":scores": {
                    "M": {
                        name: {"N.$": f"States.Format('{{}}', $.analysis.scores.{name})"}
                        for name in SCORES
                    }
                },
                ":at": {"S.$": "$$.State.EnteredTime"},
            },
        },
        "ResultPath": None,
        "Retry": retry(DYNAMODB_TRANSIENT),
        "Catch": [
            {"ErrorEquals": [CONDITION_FAILED], "ResultPath": "$.error", "Next": "AlreadyAnalysed"},
            catch_all("SentimentNotStored"),
        ],
        "Next": "PublishReviewAnalysed",
    }


def analysis(*, reviews_table: str, event_bus: str, language: str) -> dict[str, Any]:
    states: dict[str, State] = {
        **load_review(
            reviews_table,
            "DetectSentiment",
            {"Variable": f"{REVIEW}.sentiment", "IsPresent": True, "Next": "AlreadyAnalysed"},
        ),
        "DetectSentiment": _detect_sentiment(language),
        "StoreSentiment": _store_sentiment(reviews_table),
        "PublishReviewAnalysed": publish(
            event_bus,
            DetailType.REVIEW_ANALYSED,
            {
                "reviewId": REVIEW_ID,
                "productId": f"{REVIEW}.productId.S",
                "sentiment": "$.analysis.sentiment",
                "scores": "$.analysis.scores",
            },
            "Analysed",
            correlation_id=REVIEW_ID,
        ),
        "Analysed": {"Type": "Succeed"},
        "AlreadyAnalysed": {"Type": "Succeed", "Comment": "Analysed before: nothing to do."},
        "ReviewNotFound": fail("ReviewNotFound", "No review with this id exists."),
        "ReviewNotRead": fail("ReviewNotRead", "The review could not be read."),
        "NotAnalysed": fail("NotAnalysed", "Comprehend did not analyse the review."),
        "SentimentNotStored": fail("SentimentNotStored", "The sentiment was not stored."),
        "EventNotPublished": fail(
            "EventNotPublished", "The sentiment is stored but ReviewAnalysed was not published."
        ),
    }
    return machine(
        "Review analysis: Comprehend's sentiment, stored and published.", "LoadReview", states
    )


# --- the thank-you --------------------------------------------------------------------------


def _claim_thanks(table: str) -> State:
    return {
        "Type": "Task",
        "Comment": "Claim the thanks: only the first execution sends them.",
        "Resource": "arn:aws:states:::dynamodb:updateItem",
        "Parameters": {
            "TableName": table,
            "Key": key(REVIEW_ID, items.REVIEW),
            "UpdateExpression": "SET thankedAt = :at",
            "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(thankedAt)",
            "ExpressionAttributeValues": {":at": {"S.$": "$$.State.EnteredTime"}},
            "ReturnValues": "ALL_NEW",
        },
        "ResultSelector": {"userId.$": "$.Attributes.userId.S", "title.$": "$.Attributes.title.S"},
        "ResultPath": "$.review",
        "Retry": retry(DYNAMODB_TRANSIENT),
        "Catch": [
            {"ErrorEquals": [CONDITION_FAILED], "ResultPath": "$.error", "Next": "AlreadyThanked"},
            catch_all("ThanksNotClaimed"),
        ],
        "Next": "ReadReviewer",
    }


def _release_thanks(table: str) -> State:
    return {
        "Type": "Task",
        "Comment": "Not sent: give the claim back so a redelivery may send the thanks.",
        "Resource": "arn:aws:states:::dynamodb:updateItem",
        "Parameters": {
            "TableName": table,
            "Key": key(REVIEW_ID, items.REVIEW),
            "UpdateExpression": "REMOVE thankedAt",
        },
        "ResultPath": None,
        "Retry": retry(DYNAMODB_TRANSIENT),
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "ThanksNotSent"}],
        "Next": "ThanksNotSent",
    }


def thanks(
    *, reviews_table: str, user_pool_id: str, sender: str, configuration_set: str
) -> dict[str, Any]:
    states: dict[str, State] = {
        "ClaimThanks": _claim_thanks(reviews_table),
        "ReadReviewer": read_reviewer(
            user_pool_id, "$.review.userId", "ReleaseThanks", "ComposeThanks"
        ),
        "ComposeThanks": compose(THANKS, "SendThanks"),
        "SendThanks": mail_reviewer(sender, configuration_set, "ReleaseThanks", "Thanked"),
        "ReleaseThanks": _release_thanks(reviews_table),
        "Thanked": {"Type": "Succeed"},
        "AlreadyThanked": {"Type": "Succeed", "Comment": "Thanked before: send nothing."},
        "ThanksNotClaimed": fail("ThanksNotClaimed", "The thanks could not be claimed."),
        "ThanksNotSent": fail("ThanksNotSent", "The thank-you e-mail was not sent."),
    }
    return machine(
        "Review thanks: one e-mail per review that is not negative.", "ClaimThanks", states
    )
