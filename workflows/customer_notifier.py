"""The customer notifier (docs/architecture.md#the-customer-notifier), as Amazon States Language.

An EXPRESS state machine, started by an EventBridge rule on the order outcome events
(the events table's consumer CUSTOMER_NOTIFIER); its input is the EventBridge event.
Direct service integrations only (DynamoDB, SES v2 through the AWS SDK integration,
SNS): no Lambda.

    LoadOrder → CheckOrder → ChooseMessage → Compose<DetailType>
      → ClaimNotification → SendEmail → PublishOutcome → Notified

Events carry ids only: the order (its e-mail, total, currency) is read from the
orders table. EXPRESS runs at least once and does not dedupe execution names, so
the notification is claimed first: a conditional UpdateItem sets the order's
per-type marker (MARKERS) only if it is absent, and a second execution for the
same outcome ends in AlreadyNotified having sent nothing. If the e-mail cannot be
sent, the claim is released, so a redelivery may send it. Every task retries
transient errors and catches the rest into a named end state.
"""

from typing import Any

from shop_common.contracts import CUSTOMER_NOTIFIER, DetailType, consumed_by
from workflows.asl import (
    CONDITION_FAILED,
    DYNAMODB_TRANSIENT,
    SNS_TRANSIENT,
    Message,
    State,
    catch_all,
    retry,
    send_email,
)

_ORDER = "$.order.Item"  # the order as GetItem returns it (DynamoDB JSON)


def order_field(name: str, kind: str = "S") -> str:
    """The path of an order attribute in the stored item (kind: DynamoDB's S or N)."""
    return f"{_ORDER}.{name}.{kind}"


def event_field(name: str) -> str:
    """The path of a field of the event's data."""
    return f"$.detail.data.{name}"


_ORDER_ID = order_field("orderId")
_TOTAL = (order_field("totalPrice", "N"), order_field("currency"))

# One message per event the notifier consumes (contracts.py EVENTS); adding an event is
# one entry here and the consumer in its Event (tests/infra/test_notifier.py holds the two
# to the same set).
MESSAGES: dict[DetailType, Message] = {
    DetailType.ORDER_PAID: Message(
        "Your order is paid",
        "Thank you! Order {} is paid: {} {}. We will let you know when it ships.",
        (_ORDER_ID, *_TOTAL),
    ),
    DetailType.ORDER_PAYMENT_FAILED: Message(
        "Your payment failed",
        "The payment for order {} failed ({}). Nothing was charged and your basket is "
        "kept: try again with another card.",
        (_ORDER_ID, event_field("reason")),
    ),
    DetailType.ORDER_CANCELLED: Message(
        "Your order is cancelled",
        "Order {} ({} {}) is cancelled, as you asked. If it was paid, we will tell you "
        "when the refund is on its way.",
        (_ORDER_ID, *_TOTAL),
    ),
    DetailType.ORDER_REFUNDED: Message(
        "Your order is refunded",
        "Order {} is refunded: {} {} is on its way back to your card.",
        (_ORDER_ID, event_field("refundedAmount"), event_field("currency")),
    ),
    DetailType.ORDER_SHIPPED: Message(
        "Your order has shipped",
        "Order {} has shipped with {}: its tracking number is {}.",
        (_ORDER_ID, event_field("carrier"), event_field("trackingNumber")),
    ),
    DetailType.ORDER_REJECTED: Message(
        "We could not take your order",
        "Order {} could not be placed ({}): some items are no longer in stock. Nothing "
        "was charged and your basket is kept.",
        (_ORDER_ID, event_field("reason")),
    ),
}


def marker(detail_type: DetailType) -> str:
    """The order attribute that says this outcome's notification was claimed."""
    return f"notified{detail_type.value}"


def _compose(detail_type: DetailType, message: Message) -> State:
    return {
        "Type": "Pass",
        "Parameters": {
            "eventType": detail_type.value,
            "marker": marker(detail_type),
            "subject": message.subject,
            "body.$": message.format(),
        },
        "ResultPath": "$.message",
        "Next": "ClaimNotification",
    }


def _claim(orders_table: str) -> State:
    return {
        "Type": "Task",
        "Comment": "Claim this outcome's notification: only the first execution sends.",
        "Resource": "arn:aws:states:::dynamodb:updateItem",
        "Parameters": {
            "TableName": orders_table,
            "Key": {"orderId": {"S.$": _ORDER_ID}},
            "UpdateExpression": "SET #marker = :claimed",
            "ConditionExpression": "attribute_exists(orderId) AND attribute_not_exists(#marker)",
            "ExpressionAttributeNames": {"#marker.$": "$.message.marker"},
            "ExpressionAttributeValues": {":claimed": {"S.$": "$$.State.EnteredTime"}},
        },
        "ResultPath": None,
        "Retry": retry(DYNAMODB_TRANSIENT),
        "Catch": [
            {
                "ErrorEquals": [CONDITION_FAILED],
                "ResultPath": "$.error",
                "Next": "AlreadyNotified",
            },
            catch_all("NotificationNotClaimed"),
        ],
        "Next": "SendEmail",
    }


def _send_email(sender: str, configuration_set: str) -> State:
    return send_email(
        sender=sender,
        configuration_set=configuration_set,
        to=f"States.Array({order_field('email')})",
        subject="$.message.subject",
        body="$.message.body",
        on_error="ReleaseClaim",
        next_state="PublishOutcome",
    )


def _release(orders_table: str) -> State:
    return {
        "Type": "Task",
        "Comment": "The e-mail was not sent: give the claim back so a redelivery may send it.",
        "Resource": "arn:aws:states:::dynamodb:updateItem",
        "Parameters": {
            "TableName": orders_table,
            "Key": {"orderId": {"S.$": _ORDER_ID}},
            "UpdateExpression": "REMOVE #marker",
            "ExpressionAttributeNames": {"#marker.$": "$.message.marker"},
        },
        "ResultPath": None,
        "Retry": retry(DYNAMODB_TRANSIENT),
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "EmailNotSent"}],
        "Next": "EmailNotSent",
    }


def _publish_outcome(topic_arn: str) -> State:
    """The same outcome to the notifications topic, for its (ops) subscribers' filters."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::sns:publish",
        "Parameters": {
            "TopicArn": topic_arn,
            "Subject.$": "$.message.subject",
            "Message.$": "$.message.body",
            "MessageAttributes": {
                "eventType": {"DataType": "String", "StringValue.$": "$.message.eventType"},
                "email": {"DataType": "String", "StringValue.$": order_field("email")},
            },
        },
        "ResultPath": None,
        "Retry": retry(SNS_TRANSIENT),
        "Catch": [catch_all("OutcomeNotPublished")],
        "Next": "Notified",
    }


def _fail(error: str, cause: str) -> State:
    return {"Type": "Fail", "Error": error, "Cause": cause}


_ENDS: dict[str, State] = {
    "Notified": {"Type": "Succeed"},
    "AlreadyNotified": {
        "Type": "Succeed",
        "Comment": "An earlier execution claimed this outcome: send nothing.",
    },
    "OrderNotFound": _fail("OrderNotFound", "No order with this id exists."),
    "OrderNotRead": _fail("OrderNotRead", "The order could not be read."),
    "UnknownEvent": _fail("UnknownEvent", "The notifier has no message for this event."),
    "NotificationNotClaimed": _fail(
        "NotificationNotClaimed", "The notification could not be claimed; nothing was sent."
    ),
    "EmailNotSent": _fail("EmailNotSent", "The e-mail was not sent."),
    "OutcomeNotPublished": _fail(
        "OutcomeNotPublished", "The e-mail was sent but the topic did not get the outcome."
    ),
}


def definition(
    *, orders_table: str, topic_arn: str, sender: str, configuration_set: str
) -> dict[str, Any]:
    if set(MESSAGES) != set(consumed_by(CUSTOMER_NOTIFIER)):
        raise ValueError("the notifier needs one message per event it consumes, and no other")
    return {
        "Comment": "Customer notifier: one e-mail per order outcome, and the outcome to SNS.",
        "StartAt": "LoadOrder",
        "States": {
            "LoadOrder": {
                "Type": "Task",
                "Comment": "Events carry ids: read the order's e-mail, total and currency.",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {
                    "TableName": orders_table,
                    "Key": {"orderId": {"S.$": event_field("orderId")}},
                    "ConsistentRead": True,
                },
                "ResultPath": "$.order",
                "Retry": retry(DYNAMODB_TRANSIENT),
                "Catch": [catch_all("OrderNotRead")],
                "Next": "CheckOrder",
            },
            "CheckOrder": {
                "Type": "Choice",
                "Choices": [{"Variable": _ORDER, "IsPresent": False, "Next": "OrderNotFound"}],
                "Default": "ChooseMessage",
            },
            "ChooseMessage": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.detail-type", "StringEquals": dt.value, "Next": f"Compose{dt}"}
                    for dt in MESSAGES
                ],
                "Default": "UnknownEvent",
            },
            **{f"Compose{dt}": _compose(dt, message) for dt, message in MESSAGES.items()},
            "ClaimNotification": _claim(orders_table),
            "SendEmail": _send_email(sender, configuration_set),
            "ReleaseClaim": _release(orders_table),
            "PublishOutcome": _publish_outcome(topic_arn),
            **_ENDS,
        },
    }
