"""The order workflow (docs/architecture.md#the-order-workflow), as Amazon States Language.

Direct service integrations only (DynamoDB, EventBridge): no Lambda. The payment
provider is reached through the seam in workflows/payment.py.
Input: {orderId, userId, email, totalPrice, currency, paymentToken, shard, stockReservedAt}
(shop_common.models.OrderWorkflowInput; `shard` is the order's byStatus shard,
`stockReservedAt` when the ordering consumer started payment), or, to end a stale order
the sweeper re-drove in vain, {orderId, userId, shard, expire: true} (OrderExpiryInput):
LoadOrder → OrderExpired → MarkExpired (PAYMENT_FAILED, `expired`; no stockReservedAt:
whether its stock was reserved is not known).

    LoadOrder → CheckOrderStatus → AuthorizePayment (provider) → approved | declined
      approved → MarkOrderPaid → CapturePayment → PublishOrderPaid → Paid
               (cancelled meanwhile → VoidPayment → OrderNoLongerPending)
      declined → MarkPaymentFailed → PublishOrderPaymentFailed → PaymentFailed

The customer is told by the customer notifier (workflows/customer_notifier.py), on
the events this workflow publishes.

Status updates are conditional on PENDING, so a replayed execution or a
cancelled order never flips back; each sets the order's byStatus partition
(statusShard) with its status. Every task retries transient errors and
catches the rest into a named end state; the order is then PENDING (still
cancellable), PAID or PAYMENT_FAILED, never anything else.
"""

from typing import Any

from ordering.status_index import PARTITION_KEY, SEPARATOR
from shop_common.contracts import DetailType
from workflows.asl import (
    AFTER_THE_FACT,
    CONDITION_FAILED,
    DYNAMODB_TRANSIENT,
    State,
    catch_all,
    machine,
    publish,
    retry,
)
from workflows.payment import PaymentProvider, SimulatedProvider

# The order's timeline (contracts.ORDER_TIMELINE): the workflow runs only once the stock is
# reserved, so the update that settles the order also stamps when payment started.
_STOCK_RESERVED = {"stockReservedAt": "$.stockReservedAt"}


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
        "Retry": retry(DYNAMODB_TRANSIENT),
        "Next": next_state,
    }


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
            "Retry": retry(DYNAMODB_TRANSIENT),
            "Catch": [catch_all("ProcessingError")],
            "Next": "CheckOrderStatus",
        },
        "CheckOrderStatus": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.stored.Item", "IsPresent": False, "Next": "OrderNotFound"},
                {
                    "And": [
                        {"Variable": "$.stored.Item.status.S", "StringEquals": "PENDING"},
                        {"Variable": "$.expire", "IsPresent": True},
                    ],
                    "Next": "OrderExpired",
                },
                {
                    "Variable": "$.stored.Item.status.S",
                    "StringEquals": "PENDING",
                    "Next": "AuthorizePayment",
                },
            ],
            "Default": "OrderNoLongerPending",
        },
        "OrderExpired": {
            "Type": "Pass",
            "Comment": "A stale order the sweeper re-drove in vain (ordering/service.py "
            "redrive): end it as a failed payment, so its stock and basket are given back.",
            "Result": {"approved": False, "reason": "expired"},
            "ResultPath": "$.payment",
            "Next": "MarkExpired",
        },
    }


def _settled_once(
    on_other_failure: str, on_no_longer_pending: str = "OrderNoLongerPending"
) -> list[State]:
    """A status update that finds the order no longer PENDING changes nothing."""
    return [
        {
            "ErrorEquals": [CONDITION_FAILED],
            "ResultPath": "$.error",
            "Next": on_no_longer_pending,
        },
        catch_all(on_other_failure),
    ]


def _paid(orders_table: str, event_bus: str, provider: PaymentProvider) -> dict[str, Any]:
    """The authorization is captured only once the order is PAID: an order cancelled
    while its payment was being authorized has its authorization voided instead."""
    return {
        "MarkOrderPaid": _set_status(
            orders_table,
            "PAID",
            "CapturePayment",
            {"paidAt": "$$.State.EnteredTime", **_STOCK_RESERVED},
        )
        | {"Catch": _settled_once("VoidAfterError", on_no_longer_pending="VoidPayment")},
        **provider.capture("CapturePayment", "PublishOrderPaid"),
        **provider.void("VoidPayment", "OrderNoLongerPending"),
        **provider.void("VoidAfterError", "ProcessingError"),
        "PublishOrderPaid": publish(
            event_bus,
            DetailType.ORDER_PAID,
            {"orderId": "$.orderId", "userId": "$.userId", "totalPrice": "$.totalPrice"},
            "Paid",
        ),
        "Paid": {"Type": "Succeed"},
    }


def _payment_failed(orders_table: str, event_bus: str) -> dict[str, Any]:
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
            {
                "paymentFailureReason": "$.payment.reason",
                "paymentFailedAt": "$$.State.EnteredTime",
                **_STOCK_RESERVED,
            },
        )
        | {"Catch": _settled_once("OrderLeftPending")},
        # An expired order's input has no stockReservedAt: its timeline shows no reservation.
        "MarkExpired": _set_status(
            orders_table,
            "PAYMENT_FAILED",
            "PublishOrderPaymentFailed",
            {"paymentFailureReason": "$.payment.reason", "paymentFailedAt": "$$.State.EnteredTime"},
        )
        | {"Catch": _settled_once("OrderLeftPending")},
        "PublishOrderPaymentFailed": publish(
            event_bus,
            DetailType.ORDER_PAYMENT_FAILED,
            {"orderId": "$.orderId", "userId": "$.userId", "reason": "$.payment.reason"},
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
} | AFTER_THE_FACT


def definition(
    *,
    orders_table: str,
    event_bus: str,
    payment_limit: float,
    payment_failure_rate: float = 0.0,
    provider: PaymentProvider | None = None,
) -> dict[str, Any]:
    """The definition; payment through `provider`, by default the simulated one with
    payment_limit and payment_failure_rate."""
    provider = provider or SimulatedProvider(payment_limit, payment_failure_rate)
    return machine(
        "Order workflow: payment, status, OrderPaid/OrderPaymentFailed.",
        "LoadOrder",
        _validation(orders_table)
        | provider.authorize("AuthorizePayment", "MarkOrderPaid", "MarkPaymentFailed")
        | _paid(orders_table, event_bus, provider)
        | _payment_failed(orders_table, event_bus)
        | _ENDS,
    )
