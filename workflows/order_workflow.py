"""The order workflow (docs/architecture.md#the-order-workflow), as Amazon States Language.

Direct service integrations only (DynamoDB, EventBridge, SNS): no Lambda.
Input: {orderId, userId, email, totalPrice, currency, paymentToken, shard}
(shop_common.models.OrderWorkflowInput; `shard` is the order's byStatus shard).

    LoadOrder → CheckOrderStatus → AuthorizePayment → (Approve | Decline…)
      → MarkOrderPaid → PublishOrderPaid → NotifyOrderPaid → Paid
      → MarkPaymentFailed → PublishOrderPaymentFailed → NotifyPaymentFailed → PaymentFailed

Status updates are conditional on PENDING, so a replayed execution or a
cancelled order never flips back; each sets the order's byStatus partition
(statusShard) with its status. Every task retries transient errors and
catches the rest into a named end state; the order is then PENDING (still
cancellable), PAID or PAYMENT_FAILED, never anything else.
"""

from typing import Any

from ordering.status_index import PARTITION_KEY, SEPARATOR
from shop_common.contracts import EVENTS, SCHEMA_VERSION, DetailType

State = dict[str, Any]  # a state, or a part of one, in Amazon States Language

DECLINED_TOKEN = "tok_declined"  # noqa: S105 - a test card token, not a secret
_RANDOM_SCALE = 10000

_BACKOFF = {"IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2.0, "JitterStrategy": "FULL"}
DYNAMODB_TRANSIENT = [
    "DynamoDB.ProvisionedThroughputExceededException",
    "DynamoDB.ThrottlingException",
    "DynamoDB.RequestLimitExceeded",
    "DynamoDB.InternalServerErrorException",
    "DynamoDB.InternalServerError",
]
EVENTS_TRANSIENT = [
    "EventBridge.FailedEntry",
    "EventBridge.ThrottlingException",
    "EventBridge.InternalException",
]
SNS_TRANSIENT = [
    "SNS.ThrottledException",
    "SNS.InternalErrorException",
    "SNS.KMSThrottlingException",
]


def _retry(errors: list[str]) -> list[State]:
    return [{"ErrorEquals": [*errors, "States.Timeout"], **_BACKOFF}]


def _catch_all(next_state: str) -> State:
    return {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": next_state}


def _status_shard(status: str) -> str:
    """ordering.status_index.status_shard(status, $.shard), as an intrinsic function."""
    return f"States.Format('{status}{SEPARATOR}{{}}', $.shard)"


def _set_status(table: str, status: str, next_state: str, extra: dict[str, str]) -> State:
    """UpdateItem status and its byStatus partition (+ extra attributes from paths) only
    while the order is PENDING."""
    assignments = ", ".join(
        ["#status = :status", f"{PARTITION_KEY} = :statusShard", "updatedAt = :now"]
        + [f"{name} = :{name}" for name in extra]
    )
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::dynamodb:updateItem",
        "Parameters": {
            "TableName": table,
            "Key": {"orderId": {"S.$": "$.orderId"}},
            "UpdateExpression": f"SET {assignments}",
            "ConditionExpression": "#status = :pending",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":status": {"S": status},
                ":statusShard": {"S.$": _status_shard(status)},
                ":pending": {"S": "PENDING"},
                ":now": {"S.$": "$$.State.EnteredTime"},
                **{f":{name}": {"S.$": path} for name, path in extra.items()},
            },
        },
        "ResultPath": None,
        "Retry": _retry(DYNAMODB_TRANSIENT),
        "Next": next_state,
    }


def _publish(bus: str, detail_type: DetailType, data: dict[str, str], next_state: str) -> State:
    """PutEvents of a declared event: its source and the envelope from the events table."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::events:putEvents",
        "Parameters": {
            "Entries": [
                {
                    "EventBusName": bus,
                    "Source": EVENTS[detail_type].source.value,
                    "DetailType": detail_type.value,
                    "Detail": {
                        "metadata": {
                            "eventId.$": "States.UUID()",
                            "correlationId.$": "$.orderId",
                            "version": SCHEMA_VERSION,
                        },
                        "data": {f"{key}.$": path for key, path in data.items()},
                    },
                }
            ]
        },
        "ResultPath": None,
        "Retry": _retry(EVENTS_TRANSIENT),
        "Catch": [_catch_all("EventNotPublished")],
        "Next": next_state,
    }


def _notify(
    topic_arn: str, event_type: DetailType, subject: str, message: str, next_state: str
) -> State:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::sns:publish",
        "Parameters": {
            "TopicArn": topic_arn,
            "Subject": subject,
            "Message.$": message,
            "MessageAttributes": {
                "eventType": {"DataType": "String", "StringValue": event_type.value},
                "email": {"DataType": "String", "StringValue.$": "$.email"},
            },
        },
        "ResultPath": None,
        "Retry": _retry(SNS_TRANSIENT),
        "Catch": [_catch_all("NotificationFailed")],
        "Next": next_state,
    }


def _decline(reason: str) -> State:
    return {
        "Type": "Pass",
        "Result": {"approved": False, "reason": reason},
        "ResultPath": "$.payment",
        "Next": "MarkPaymentFailed",
    }


def check_payment_settings(payment_limit: float, payment_failure_rate: float) -> None:
    """The simulated payment's settings; ValueError naming the one that is wrong."""
    if payment_limit <= 0:
        raise ValueError("payment_limit must be positive")
    if not 0 <= payment_failure_rate <= 1:
        raise ValueError("payment_failure_rate must be between 0 and 1")


def _validation(orders_table: str) -> dict[str, Any]:
    """The order exists and is still PENDING (not cancelled, not settled)."""
    return {
        "LoadOrder": {
            "Type": "Task",
            "Comment": "Validate: the order exists and is still PENDING (not cancelled).",
            "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {
                "TableName": orders_table,
                "Key": {"orderId": {"S.$": "$.orderId"}},
                "ConsistentRead": True,
                "ProjectionExpression": "#status",
                "ExpressionAttributeNames": {"#status": "status"},
            },
            "ResultPath": "$.stored",
            "Retry": _retry(DYNAMODB_TRANSIENT),
            "Catch": [_catch_all("ProcessingError")],
            "Next": "CheckOrderStatus",
        },
        "CheckOrderStatus": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.stored.Item", "IsPresent": False, "Next": "OrderNotFound"},
                {
                    "Variable": "$.stored.Item.status.S",
                    "StringEquals": "PENDING",
                    "Next": "AuthorizePayment",
                },
            ],
            "Default": "OrderNoLongerPending",
        },
    }


def _payment(payment_limit: float, payment_failure_rate: float) -> dict[str, Any]:
    """The simulated payment provider: deterministic declines, then optional random ones."""
    states: dict[str, Any] = {
        "AuthorizePayment": {
            "Type": "Choice",
            "Comment": "Simulated payment provider: deterministic declines first.",
            "Choices": [
                {
                    "Variable": "$.paymentToken",
                    "StringEquals": DECLINED_TOKEN,
                    "Next": "DeclineCard",
                },
                {
                    "Variable": "$.totalPrice",
                    "NumericGreaterThan": payment_limit,
                    "Next": "DeclineOverLimit",
                },
            ],
            "Default": "RollForIssuerDecline" if payment_failure_rate > 0 else "ApprovePayment",
        },
        "DeclineCard": _decline("card_declined"),
        "DeclineOverLimit": _decline("amount_limit_exceeded"),
        "ApprovePayment": {
            "Type": "Pass",
            "Result": {"approved": True},
            "ResultPath": "$.payment",
            "Next": "MarkOrderPaid",
        },
    }
    if payment_failure_rate > 0:
        states["RollForIssuerDecline"] = {
            "Type": "Pass",
            "Comment": "paymentFailureRate: random declines for demos.",
            "Parameters": {"value.$": f"States.MathRandom(0, {_RANDOM_SCALE})"},
            "ResultPath": "$.roll",
            "Next": "IssuerDecision",
        }
        states["IssuerDecision"] = {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.roll.value",
                    "NumericLessThan": round(payment_failure_rate * _RANDOM_SCALE),
                    "Next": "DeclineByIssuer",
                }
            ],
            "Default": "ApprovePayment",
        }
        states["DeclineByIssuer"] = _decline("issuer_declined")
    return states


def _settled_once(on_other_failure: str) -> list[State]:
    """A status update that finds the order no longer PENDING changes nothing."""
    return [
        {
            "ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
            "ResultPath": "$.error",
            "Next": "OrderNoLongerPending",
        },
        _catch_all(on_other_failure),
    ]


def _paid(orders_table: str, event_bus: str, topic_arn: str) -> dict[str, Any]:
    return {
        "MarkOrderPaid": _set_status(orders_table, "PAID", "PublishOrderPaid", {})
        | {"Catch": _settled_once("ProcessingError")},
        "PublishOrderPaid": _publish(
            event_bus,
            DetailType.ORDER_PAID,
            {"orderId": "$.orderId", "userId": "$.userId", "totalPrice": "$.totalPrice"},
            "NotifyOrderPaid",
        ),
        "NotifyOrderPaid": _notify(
            topic_arn,
            DetailType.ORDER_PAID,
            "Your order is paid",
            "States.Format('Thank you! Order {} is paid: {} {}.', $.orderId, $.totalPrice, "
            "$.currency)",
            "Paid",
        ),
        "Paid": {"Type": "Succeed"},
    }


def _payment_failed(orders_table: str, event_bus: str, topic_arn: str) -> dict[str, Any]:
    return {
        "ProcessingError": {
            "Type": "Pass",
            "Comment": "An unexpected failure before payment completed: fail the payment.",
            "Result": {"approved": False, "reason": "processing_error"},
            "ResultPath": "$.payment",
            "Next": "MarkPaymentFailed",
        },
        "MarkPaymentFailed": _set_status(
            orders_table,
            "PAYMENT_FAILED",
            "PublishOrderPaymentFailed",
            {"paymentFailureReason": "$.payment.reason"},
        )
        | {"Catch": _settled_once("OrderLeftPending")},
        "PublishOrderPaymentFailed": _publish(
            event_bus,
            DetailType.ORDER_PAYMENT_FAILED,
            {"orderId": "$.orderId", "userId": "$.userId", "reason": "$.payment.reason"},
            "NotifyPaymentFailed",
        ),
        "NotifyPaymentFailed": _notify(
            topic_arn,
            DetailType.ORDER_PAYMENT_FAILED,
            "Your payment failed",
            "States.Format('The payment for order {} failed ({}). Your basket is kept: "
            "try again with another card.', $.orderId, $.payment.reason)",
            "PaymentFailed",
        ),
        "PaymentFailed": {
            "Type": "Succeed",
            "Comment": "A declined payment is a business outcome.",
        },
    }


_ENDS: dict[str, Any] = {
    "OrderNoLongerPending": {
        "Type": "Succeed",
        "Comment": "Cancelled, or already settled by an earlier execution: change nothing.",
    },
    "OrderNotFound": {
        "Type": "Fail",
        "Error": "OrderNotFound",
        "Cause": "No order with this id exists.",
    },
    "OrderLeftPending": {
        "Type": "Fail",
        "Error": "OrderLeftPending",
        "Cause": "The order status could not be updated; it stays PENDING.",
    },
    "EventNotPublished": {
        "Type": "Fail",
        "Error": "EventNotPublished",
        "Cause": "The order status is final but its event was not published.",
    },
    "NotificationFailed": {
        "Type": "Fail",
        "Error": "NotificationFailed",
        "Cause": "The order status is final but the customer was not notified.",
    },
}


def definition(
    *,
    orders_table: str,
    event_bus: str,
    topic_arn: str,
    payment_limit: float,
    payment_failure_rate: float = 0.0,
) -> dict[str, Any]:
    check_payment_settings(payment_limit, payment_failure_rate)
    return {
        "Comment": "Order workflow: payment, status, OrderPaid/OrderPaymentFailed, notification.",
        "StartAt": "LoadOrder",
        "States": _validation(orders_table)
        | _payment(payment_limit, payment_failure_rate)
        | _paid(orders_table, event_bus, topic_arn)
        | _payment_failed(orders_table, event_bus, topic_arn)
        | _ENDS,
    }
