"""The refund workflow (docs/architecture.md#refunds), as Amazon States Language.

Started by the ordering consumer when a paid order is cancelled (OrderCancelled), with
the execution name `{orderId}-refund` (ordering/workflow.py). Direct service
integrations only; the refund goes through the payment seam (workflows/payment.py).
Input: {orderId} (shop_common.models.RefundWorkflowInput).

    LoadOrder → CheckRefundDue → PrepareRefund → Refund (provider) → MarkRefunded
      → PublishOrderRefunded → Refunded

One effective refund however often it runs: a refund is due only for a CANCELLED order
that was paid and has no refundedAt; the provider's refund is keyed `{orderId}-refund`,
so a repeat gives nothing back twice; MarkRefunded is conditional on refundedAt being
absent, and only the execution that sets it publishes OrderRefunded (on which the
customer notifier tells the customer).
"""

from typing import Any

from shop_common.contracts import DetailType
from workflows.asl import (
    AFTER_THE_FACT,
    CONDITION_FAILED,
    DYNAMODB_TRANSIENT,
    catch_all,
    machine,
    publish,
    retry,
)
from workflows.payment import PaymentProvider, SimulatedProvider

_ORDER = "$.stored.Item"


def _load(orders_table: str) -> dict[str, Any]:
    return {
        "LoadOrder": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {
                "TableName": orders_table,
                "Key": {"orderId": {"S.$": "$.orderId"}},
                "ConsistentRead": True,
                "ProjectionExpression": (
                    "#status, userId, email, totalPrice, currency, paidAt, refundedAt"
                ),
                "ExpressionAttributeNames": {"#status": "status"},
            },
            "ResultPath": "$.stored",
            "Retry": retry(DYNAMODB_TRANSIENT),
            "Catch": [catch_all("RefundNotStarted")],
            "Next": "CheckRefundDue",
        },
        "CheckRefundDue": {
            "Type": "Choice",
            "Comment": "Due only for a cancelled order that was paid and is not refunded.",
            "Choices": [
                {"Variable": _ORDER, "IsPresent": False, "Next": "OrderNotFound"},
                {
                    "Not": {"Variable": f"{_ORDER}.status.S", "StringEquals": "CANCELLED"},
                    "Next": "NoRefundDue",
                },
                {"Variable": f"{_ORDER}.paidAt", "IsPresent": False, "Next": "NoRefundDue"},
                {"Variable": f"{_ORDER}.refundedAt", "IsPresent": True, "Next": "AlreadyRefunded"},
            ],
            "Default": "PrepareRefund",
        },
        "PrepareRefund": {
            "Type": "Pass",
            "Comment": "The whole charge, and who to tell, from the stored order.",
            "Parameters": {
                "orderId.$": "$.orderId",
                "userId.$": f"{_ORDER}.userId.S",
                "email.$": f"{_ORDER}.email.S",
                "currency.$": f"{_ORDER}.currency.S",
                "refund": {
                    "amount.$": f"States.StringToJson({_ORDER}.totalPrice.N)",
                    "storedAmount.$": f"{_ORDER}.totalPrice.N",
                },
            },
            "Next": "Refund",
        },
    }


def _mark_refunded(orders_table: str) -> dict[str, Any]:
    return {
        "MarkRefunded": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:updateItem",
            "Parameters": {
                "TableName": orders_table,
                "Key": {"orderId": {"S.$": "$.orderId"}},
                "UpdateExpression": (
                    "SET refundedAmount = :amount, refundedAt = :now, updatedAt = :now"
                ),
                "ConditionExpression": (
                    "#status = :cancelled AND attribute_exists(paidAt) "
                    "AND attribute_not_exists(refundedAt)"
                ),
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {
                    ":amount": {"N.$": "$.refund.storedAmount"},
                    ":cancelled": {"S": "CANCELLED"},
                    ":now": {"S.$": "$$.State.EnteredTime"},
                },
            },
            "ResultPath": None,
            "Retry": retry(DYNAMODB_TRANSIENT),
            "Catch": [
                {
                    "ErrorEquals": [CONDITION_FAILED],
                    "ResultPath": "$.error",
                    "Next": "AlreadyRefunded",
                },
                catch_all("RefundNotRecorded"),
            ],
            "Next": "PublishOrderRefunded",
        },
    }


def _ends() -> dict[str, Any]:
    return {
        "Refunded": {"Type": "Succeed"},
        "NoRefundDue": {
            "Type": "Succeed",
            "Comment": "Not cancelled, or cancelled before it was paid: nothing was taken.",
        },
        "AlreadyRefunded": {
            "Type": "Succeed",
            "Comment": "An earlier execution refunded it: change nothing.",
        },
        "OrderNotFound": {
            "Type": "Fail",
            "Error": "OrderNotFound",
            "Cause": "No order with this id exists.",
        },
        "RefundNotStarted": {
            "Type": "Fail",
            "Error": "RefundNotStarted",
            "Cause": "The order could not be read; nothing was refunded (run it again).",
        },
        "RefundFailed": {
            "Type": "Fail",
            "Error": "RefundFailed",
            "Cause": "The provider did not refund; nothing is recorded (run it again).",
        },
        "RefundNotRecorded": {
            "Type": "Fail",
            "Error": "RefundNotRecorded",
            "Cause": "The provider refunded but the order does not say so (run it again: "
            "the refund is keyed, so the money is not given back twice).",
        },
    } | AFTER_THE_FACT


def definition(
    *,
    orders_table: str,
    event_bus: str,
    payment_limit: float,
    payment_failure_rate: float = 0.0,
    provider: PaymentProvider | None = None,
) -> dict[str, Any]:
    provider = provider or SimulatedProvider(payment_limit, payment_failure_rate)
    return machine(
        "Refund workflow: a cancelled paid order's money back, once.",
        "LoadOrder",
        _load(orders_table)
        | provider.refund("Refund", "MarkRefunded", "RefundFailed")
        | _mark_refunded(orders_table)
        | {
            "PublishOrderRefunded": publish(
                event_bus,
                DetailType.ORDER_REFUNDED,
                {
                    "orderId": "$.orderId",
                    "userId": "$.userId",
                    "refundedAmount": "$.refund.amount",
                    "currency": "$.currency",
                },
                "Refunded",
            ),
        }
        | _ends(),
    )
