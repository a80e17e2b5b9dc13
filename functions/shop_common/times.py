"""Timestamps: the shop's one format, and when a pending order or a checked-out basket
becomes stale.

Every createdAt/updatedAt is UTC with milliseconds and a Z (`now`), the format Step
Functions writes `$$.State.EnteredTime` in, so the two compare as text.

`staleAfter` is stamped on an order when it is placed and on a basket when it is checked
out: `staleOrderMinutes` later. The sweeper (workflows/sweeper.py) finds those still
PENDING or CHECKED_OUT after it. The writer stamps the deadline because the sweeper
cannot compute one: Amazon States Language has no date arithmetic (JSONata's $toMillis
has, and the local cloud's emulator does not run JSONata), so the sweeper compares the
stamp with the time it runs.

No boto3 here: the sweeper's definition imports it.
"""

from datetime import UTC, datetime, timedelta
from typing import Final

from shop_common.settings import Env, once, variable

STALE_AFTER: Final = "staleAfter"

_stale_order_minutes = once(lambda: int(variable(Env.STALE_ORDER_MINUTES)))


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now() -> str:
    """The timestamp format of every createdAt/updatedAt: UTC, milliseconds, Z."""
    return timestamp(datetime.now(UTC))


def stale_after() -> str:
    """When something written now is stale if it is still waiting (staleOrderMinutes on)."""
    return timestamp(datetime.now(UTC) + timedelta(minutes=_stale_order_minutes()))
