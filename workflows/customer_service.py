"""A negative review's customer-service case (docs/architecture.md#customer-service), as
Amazon States Language: a STANDARD workflow that waits for an admin, and the EXPRESS
machine that releases it. No Lambda.

Customer service (STANDARD: it waits days, once per negative review), started by its rule
on ReviewAnalysed with sentiment NEGATIVE (contracts.DATA_FILTERS):

    LoadReview → OpenCase (OPEN) → PublishCaseOpened → NotifySupport
      → WaitForAgent: the case item takes the task token, then the execution waits
          ├─ resumed (an admin resolved it) ───────────▶ LoadCase
          ├─ no heartbeat for HeartbeatSeconds ────────▶ Escalate (ESCALATED) → TellOps
          │     → WaitAfterEscalation (a new token) ─┬─ resumed ─▶ LoadCase
          │                                          └─ timed out ▶ CloseCase
          └─ the case left OPEN before it waited ────────▶ LoadCase
    LoadCase (RESOLVED) → ReadReviewer (Cognito) → ComposeApology → SendApology → Apologised
    CloseCase (CLOSED, unresolved) → TellOpsClosed → Closed

A case is its review's (caseId = reviewId), opened once: a second execution for the same
review (EventBridge delivers at least once) finds it and ends. resolveCase (the GraphQL
API) sets the case RESOLVED and publishes CaseResolved; the case resumer reads the stored
token and sends it back (SendTaskSuccess). Every change of the case is conditional on the
status the workflow expects, so a case resolved while the workflow was between waits is
found RESOLVED by the next step, which goes on to the apology: one apology per case.

Case resumer (EXPRESS), started by its rule on CaseResolved:

    LoadCase → CheckWaiting → Resume (SendTaskSuccess with the stored token) → Resumed

A token no execution waits on any more (timed out, used) ends it quietly: the workflow
finds the case resolved by itself.
"""

from typing import Any

from shop_common import review_items as items
from shop_common.contracts import DetailType
from workflows.asl import (
    CONDITION_FAILED,
    DYNAMODB_TRANSIENT,
    SNS_TRANSIENT,
    Message,
    State,
    catch_all,
    machine,
    publish,
    retry,
)
from workflows.reviews import (
    EVENT,
    REVIEW,
    REVIEW_ID,
    compose,
    fail,
    get_item,
    key,
    load_review,
    mail_reviewer,
    read_reviewer,
)

_CASE = "$.case.Item"
# The waits' errors, as the AWS SDK integration names DynamoDB's (not the optimised one's).
_SDK_CONDITION_FAILED = "DynamoDb.ConditionalCheckFailedException"
SFN_TRANSIENT = ["Sfn.ThrottlingException", "Sfn.KmsThrottlingException"]
# SendTaskSuccess's answers for a token no execution waits on any more.
NOT_WAITING = [
    "Sfn.TaskTimedOutException",
    "Sfn.TaskDoesNotExistException",
    "Sfn.InvalidTokenException",
]
APOLOGY = Message(
    "About your review",
    'We are sorry that your purchase disappointed you ("{}"). Our customer service looked '
    "into it: {}",
    (f"{REVIEW}.title.S", f"{_CASE}.resolution.S"),
)


def _field(name: str, kind: str = "S") -> dict[str, str]:
    return {f"{kind}.$": f"{REVIEW}.{name}.{kind}"}


def _open_case(table: str) -> State:
    return {
        "Type": "Task",
        "Comment": "One case per review: a second execution finds it and ends.",
        "Resource": "arn:aws:states:::dynamodb:putItem",
        "Parameters": {
            "TableName": table,
            "Item": {
                **key(REVIEW_ID, items.CASE),
                "caseId": {"S.$": REVIEW_ID},
                "reviewId": {"S.$": REVIEW_ID},
                "productId": _field("productId"),
                "userId": _field("userId"),
                "rating": _field("rating", "N"),
                "title": _field("title"),
                "text": _field("text"),
                "status": {"S": "OPEN"},
                "openedAt": {"S.$": "$$.State.EnteredTime"},
            },
            "ConditionExpression": "attribute_not_exists(pk)",
        },
        "ResultPath": None,
        "Retry": retry(DYNAMODB_TRANSIENT),
        "Catch": [
            {"ErrorEquals": [CONDITION_FAILED], "ResultPath": "$.error", "Next": "CaseAlreadyOpen"},
            catch_all("CaseNotOpened"),
        ],
        "Next": "PublishCaseOpened",
    }


def _tell(topic_arn: str, subject: str, message: str, then: str) -> State:
    """A message to a topic. It is told, not asked: a failed publish does not stop the case
    (the case is listed by status for whoever looks)."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::sns:publish",
        "Parameters": {"TopicArn": topic_arn, "Subject.$": subject, "Message.$": message},
        "ResultPath": None,
        "Retry": retry(SNS_TRANSIENT),
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": then}],
        "Next": then,
    }


def _wait(table: str, status: str, timeout: int, heartbeat: int | None = None) -> State:
    """Store this wait's task token on the case (only while it is `status`), then wait for
    it to be sent back. Not retried: a retry of a wait would wait again."""
    state: State = {
        "Type": "Task",
        "Comment": "Waits for an admin: resolveCase → CaseResolved → the case resumer.",
        "Resource": "arn:aws:states:::aws-sdk:dynamodb:updateItem.waitForTaskToken",
        "Parameters": {
            "TableName": table,
            "Key": key(REVIEW_ID, items.CASE),
            "UpdateExpression": "SET taskToken = :token",
            "ConditionExpression": "#status = :waiting",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":token": {"S.$": "$$.Task.Token"},
                ":waiting": {"S": status},
            },
        },
        "TimeoutSeconds": timeout,
        "ResultPath": None,
        "Catch": [
            # a missed heartbeat is also a States.Timeout: it comes first
            *(
                [
                    {
                        "ErrorEquals": ["States.HeartbeatTimeout"],
                        "ResultPath": None,
                        "Next": "Escalate",
                    }
                ]
                if heartbeat is not None
                else []
            ),
            {"ErrorEquals": ["States.Timeout"], "ResultPath": None, "Next": "CloseCase"},
            # the case left `status` (resolved) before this wait stored its token
            {"ErrorEquals": [_SDK_CONDITION_FAILED], "ResultPath": None, "Next": "LoadCase"},
            catch_all("CaseNotWaiting"),
        ],
        "Next": "LoadCase",
    }
    if heartbeat is not None:
        state["HeartbeatSeconds"] = heartbeat
    return state


def _move(table: str, to: str, when: str, then: str, on_error: str) -> State:
    """Set the case's status to `to` (and its `<to>At` time), forgetting the token, if it
    is still one of `when` (a space-separated list); otherwise it was resolved meanwhile."""
    waiting = when.split()
    stamp = f"{to.lower()}At"
    placeholders = ", ".join(f":w{i}" for i in range(len(waiting)))
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::dynamodb:updateItem",
        "Parameters": {
            "TableName": table,
            "Key": key(REVIEW_ID, items.CASE),
            "UpdateExpression": f"SET #status = :to, {stamp} = :at REMOVE taskToken",
            "ConditionExpression": f"#status IN ({placeholders})",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":to": {"S": to},
                ":at": {"S.$": "$$.State.EnteredTime"},
                **{f":w{i}": {"S": status} for i, status in enumerate(waiting)},
            },
        },
        "ResultPath": None,
        "Retry": retry(DYNAMODB_TRANSIENT),
        "Catch": [
            {"ErrorEquals": [CONDITION_FAILED], "ResultPath": None, "Next": "LoadCase"},
            catch_all(on_error),
        ],
        "Next": then,
    }


def _case_line(what: str) -> str:
    return f"States.Format('Case {{}} {what}', {REVIEW_ID})"


def definition(
    *,
    reviews_table: str,
    event_bus: str,
    support_topic_arn: str,
    ops_topic_arn: str,
    user_pool_id: str,
    sender: str,
    configuration_set: str,
    escalation_seconds: int,
    timeout_seconds: int,
) -> dict[str, Any]:
    """`escalation_seconds`: the first wait's HeartbeatSeconds (no admin acted: escalate);
    `timeout_seconds`: from opening to closing an unresolved case."""
    if not 0 < escalation_seconds < timeout_seconds:
        raise ValueError("a case escalates (escalation_seconds) before it closes (timeout_seconds)")
    states: dict[str, State] = {
        **load_review(reviews_table, "OpenCase"),
        "OpenCase": _open_case(reviews_table),
        # CaseOpened is for the record (no service consumes it): without it the case goes on.
        "PublishCaseOpened": publish(
            event_bus,
            DetailType.CASE_OPENED,
            {"caseId": REVIEW_ID, "reviewId": REVIEW_ID, "productId": f"{EVENT}.productId"},
            "NotifySupport",
            correlation_id=REVIEW_ID,
        )
        | {"Catch": [catch_all("NotifySupport")]},
        "NotifySupport": _tell(
            support_topic_arn,
            _case_line("is open"),
            f'States.Format(\'A customer rated a product {{}}/5: "{{}}". Case {{}} is open: '
            f"resolve it with the GraphQL mutation resolveCase.', {REVIEW}.rating.N, "
            f"{REVIEW}.title.S, {REVIEW_ID})",
            "WaitForAgent",
        ),
        "WaitForAgent": _wait(reviews_table, "OPEN", timeout_seconds, escalation_seconds),
        "Escalate": _move(reviews_table, "ESCALATED", "OPEN", "TellOps", "CaseNotEscalated"),
        "TellOps": _tell(
            ops_topic_arn,
            _case_line("is escalated"),
            _case_line("(a negative review) was not handled in time: it is escalated."),
            "WaitAfterEscalation",
        ),
        "WaitAfterEscalation": _wait(
            reviews_table, "ESCALATED", timeout_seconds - escalation_seconds
        ),
        "CloseCase": _move(
            reviews_table, "CLOSED", "OPEN ESCALATED", "TellOpsClosed", "CaseNotClosed"
        ),
        "TellOpsClosed": _tell(
            ops_topic_arn,
            _case_line("is closed unresolved"),
            _case_line("was closed without a resolution: the reviewer heard nothing."),
            "Closed",
        ),
        "LoadCase": get_item(
            reviews_table, key(REVIEW_ID, items.CASE), "$.case", "CaseNotRead", "CheckResolved"
        ),
        "CheckResolved": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": f"{_CASE}.status.S",
                    "StringEquals": "RESOLVED",
                    "Next": "ReadReviewer",
                }
            ],
            "Default": "CaseNotResolved",
        },
        "ReadReviewer": read_reviewer(
            user_pool_id, f"{REVIEW}.userId.S", "ApologyNotSent", "ComposeApology"
        ),
        "ComposeApology": compose(APOLOGY, "SendApology"),
        "SendApology": mail_reviewer(sender, configuration_set, "ApologyNotSent", "Apologised"),
        "Apologised": {"Type": "Succeed"},
        "Closed": {"Type": "Succeed", "Comment": "Closed unresolved; ops were told."},
        "CaseAlreadyOpen": {
            "Type": "Succeed",
            "Comment": "Another execution opened this review's case: it handles it.",
        },
        "ReviewNotFound": fail("ReviewNotFound", "No review with this id exists."),
        "ReviewNotRead": fail("ReviewNotRead", "The review could not be read."),
        "CaseNotOpened": fail("CaseNotOpened", "The case could not be opened."),
        "CaseNotWaiting": fail("CaseNotWaiting", "The case's task token could not be stored."),
        "CaseNotEscalated": fail("CaseNotEscalated", "The case could not be escalated."),
        "CaseNotClosed": fail("CaseNotClosed", "The case could not be closed."),
        "CaseNotRead": fail("CaseNotRead", "The case could not be read."),
        "CaseNotResolved": fail("CaseNotResolved", "Resumed, but the case is not resolved."),
        "ApologyNotSent": fail(
            "ApologyNotSent", "The case is resolved but the apology was not sent."
        ),
    }
    return machine(
        "Customer service: a negative review's case, escalated and closed if no admin resolves it.",
        "LoadReview",
        states,
    )


def resumer(*, reviews_table: str) -> dict[str, Any]:
    case_id = f"{EVENT}.caseId"
    states: dict[str, State] = {
        "LoadCase": get_item(
            reviews_table, key(case_id, items.CASE), "$.case", "CaseNotRead", "CheckWaiting"
        ),
        "CheckWaiting": {
            "Type": "Choice",
            "Choices": [{"Variable": f"{_CASE}.taskToken", "IsPresent": True, "Next": "Resume"}],
            "Default": "NotWaiting",
        },
        "Resume": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
            "Parameters": {
                "TaskToken.$": f"{_CASE}.taskToken.S",
                "Output.$": f"States.JsonToString({EVENT})",
            },
            "ResultPath": None,
            "Retry": retry(SFN_TRANSIENT),
            "Catch": [
                {"ErrorEquals": NOT_WAITING, "ResultPath": "$.error", "Next": "NotWaiting"},
                catch_all("NotResumed"),
            ],
            "Next": "Resumed",
        },
        "Resumed": {"Type": "Succeed"},
        "NotWaiting": {
            "Type": "Succeed",
            "Comment": "No execution waits on this case now: the workflow finds it resolved.",
        },
        "CaseNotRead": fail("CaseNotRead", "The case could not be read."),
        "NotResumed": fail("NotResumed", "The waiting execution could not be resumed."),
    }
    return machine("Case resumer: a resolved case's waiting execution goes on.", "LoadCase", states)
