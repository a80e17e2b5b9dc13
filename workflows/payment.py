"""The payment seam: authorize, capture, void and refund, as states of the workflows.

The workflows call a payment provider only through this interface, so another provider
is another implementation of it, not a change to the workflows. A provider's states
receive the workflow's data ($.orderId, $.totalPrice, $.currency, and for authorize
$.paymentToken, an opaque reference the provider issued to the customer's browser) and
must be safe to repeat: EXPRESS executions run at least once, so every call carries an
idempotency key derived from the order (`{orderId}-capture`, `{orderId}-refund`), with
which a real provider answers a repeat with the first result.

A real provider would implement these as `arn:aws:states:::http:invoke` tasks through
an EventBridge connection whose API key lives in Secrets Manager (the connection keeps
it there; the workflow's role may use only that connection). The shop ships the
simulated provider, which decides in the workflow itself, deterministically.
"""

from typing import Protocol

from workflows.asl import State

DECLINED_TOKEN = "tok_declined"  # noqa: S105 - a test card token, not a secret
_RANDOM_SCALE = 10000


class PaymentProvider(Protocol):
    def authorize(self, start: str, approved: str, declined: str) -> dict[str, State]:
        """States from `start` that hold the order's total on the customer's token and
        continue to `approved`, or set $.payment {approved: false, reason} and continue
        to `declined`."""
        ...

    def capture(self, start: str, done: str) -> dict[str, State]:
        """Take the authorized amount (key `{orderId}-capture`); continue to `done`."""
        ...

    def void(self, start: str, done: str) -> dict[str, State]:
        """Release an authorization that will not be captured; continue to `done`."""
        ...

    def refund(self, start: str, done: str, failed: str) -> dict[str, State]:
        """Give back $.refund.amount of a captured payment (key `{orderId}-refund`);
        continue to `done`, or to `failed` when the provider refuses."""
        ...


def check_payment_settings(payment_limit: float, payment_failure_rate: float) -> None:
    """The simulated payment's settings; ValueError naming the one that is wrong."""
    if payment_limit <= 0:
        raise ValueError("payment_limit must be positive")
    if not 0 <= payment_failure_rate <= 1:
        raise ValueError("payment_failure_rate must be between 0 and 1")


def _decline(reason: str, declined: str) -> State:
    return {
        "Type": "Pass",
        "Result": {"approved": False, "reason": reason},
        "ResultPath": "$.payment",
        "Next": declined,
    }


def _provider_call(comment: str, operation: str, result_path: str, done: str) -> State:
    """What the simulated provider answers: the call succeeds, under its idempotency key."""
    return {
        "Type": "Pass",
        "Comment": comment,
        "Parameters": {
            "operation": operation,
            "idempotencyKey.$": f"States.Format('{{}}-{operation}', $.orderId)",
            "succeeded": True,
        },
        "ResultPath": result_path,
        "Next": done,
    }


class SimulatedProvider:
    """Declines `tok_declined` (card_declined), totals above payment_limit
    (amount_limit_exceeded) and, with payment_failure_rate > 0, that share of the rest
    at random (issuer_declined); approves everything else. Capture, void and refund
    always succeed."""

    def __init__(self, payment_limit: float, payment_failure_rate: float = 0.0) -> None:
        check_payment_settings(payment_limit, payment_failure_rate)
        self.payment_limit, self.failure_rate = payment_limit, payment_failure_rate

    def authorize(self, start: str, approved: str, declined: str) -> dict[str, State]:
        states: dict[str, State] = {
            start: {
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
                        "NumericGreaterThan": self.payment_limit,
                        "Next": "DeclineOverLimit",
                    },
                ],
                "Default": "RollForIssuerDecline" if self.failure_rate > 0 else "ApprovePayment",
            },
            "DeclineCard": _decline("card_declined", declined),
            "DeclineOverLimit": _decline("amount_limit_exceeded", declined),
            "ApprovePayment": {
                "Type": "Pass",
                "Result": {"approved": True},
                "ResultPath": "$.payment",
                "Next": approved,
            },
        }
        if self.failure_rate > 0:
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
                        "NumericLessThan": round(self.failure_rate * _RANDOM_SCALE),
                        "Next": "DeclineByIssuer",
                    }
                ],
                "Default": "ApprovePayment",
            }
            states["DeclineByIssuer"] = _decline("issuer_declined", declined)
        return states

    def capture(self, start: str, done: str) -> dict[str, State]:
        return {start: _provider_call("Simulated capture.", "capture", "$.capture", done)}

    def void(self, start: str, done: str) -> dict[str, State]:
        return {start: _provider_call("Simulated void.", "void", "$.void", done)}

    def refund(self, start: str, done: str, failed: str) -> dict[str, State]:
        del failed  # the simulated provider always refunds
        return {start: _provider_call("Simulated refund.", "refund", "$.refundCall", done)}
