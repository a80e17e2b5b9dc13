"""The day's sales, counted by the status changes themselves, for the nightly report
(docs/architecture.md#the-nightly-sales-report). Declared once: the program builds the
table from KEY, the ordering consumer counts (ordering/repository.py), the report's
definition reads and moves the counters (workflows/sales_report.py).

A small table of the ordering service (the SalesReport component's), keyed by `period`:

- `open#<shard>`: the counters since the last report, which each status change ADDs to
  in the same DynamoDB transaction as the change (so a change is counted exactly when it
  happens, once), sharded as the orders' byStatus index (ordering.status_index) so that
  concurrent orders seldom meet on one item;
- `report#<closedAt>`: a report: what the nightly report moved out of the open counters
  (exactly that: it subtracts what it read), with `since`, `closedAt`, `publishedAt`;
- `latest`: the last report's `closedAt`, where the next one starts.

The report reads one item per shard and sums nothing itself: DynamoDB adds (exact
decimal numbers), the workflow only moves them. Money is counted in cents (a whole number:
every price is a multiple of 0.01).

No boto3 here: the report's definition imports it.
"""

from decimal import Decimal
from typing import Final, get_args

from ordering.status_index import SEPARATOR
from shop_common.models import Number, PaymentFailureReason, RejectionReason

KEY: Final = "period"
OPEN: Final = "open"
REPORT: Final = "report"
LATEST: Final = "latest"

PLACED: Final = "placed"
PAID: Final = "paid"
REVENUE_CENTS: Final = "revenueCents"
REFUNDS: Final = "refunds"  # every refund follows a cancellation: the shop refunds no other way
REFUNDED_CENTS: Final = "refundedCents"
FAILED: Final = {reason: f"failed_{reason}" for reason in get_args(PaymentFailureReason)}
REJECTED: Final = {reason: f"rejected_{reason}" for reason in get_args(RejectionReason)}
COUNTERS: Final = (
    PLACED,
    PAID,
    REVENUE_CENTS,
    *FAILED.values(),
    *REJECTED.values(),
    REFUNDS,
    REFUNDED_CENTS,
)
DRAINS: Final = "drains"  # an open item's version: each report's move is conditional on it


def open_period(shard: int) -> str:
    return f"{OPEN}{SEPARATOR}{shard}"


def cents(amount: Number) -> int:
    """An amount in whole cents, exactly (prices are multiples of 0.01)."""
    return int((Decimal(str(amount)) * 100).to_integral_exact())
