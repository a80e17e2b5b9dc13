"""Settings come from the function's environment (components/function.py sets it),
read once per execution environment: on first use, during the cold start."""

import functools
import os
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

T = TypeVar("T")
_loaded: list[Any] = []


def once(read: Callable[[], T]) -> Callable[[], T]:
    """`read` runs once; its result is kept for the life of the execution environment."""
    cached = functools.cache(read)
    _loaded.append(cached)
    return cached


def forget() -> None:
    """Read every setting again on next use: a new execution environment (tests)."""
    for cached in _loaded:
        cached.cache_clear()


class Env(StrEnum):
    """The environment variables the program gives functions (components, __main__.py)."""

    TABLE_NAME = "TABLE_NAME"  # the service's own table
    PRODUCTS_TABLE_NAME = "PRODUCTS_TABLE_NAME"  # the catalogue, read (or its stock kept)
    BASKETS_TABLE_NAME = "BASKETS_TABLE_NAME"  # read for a checked-out basket's payment token
    EVENT_BUS_NAME = "EVENT_BUS_NAME"
    OUTBOX_TABLE_NAME = "OUTBOX_TABLE_NAME"  # the producer's outbox (shop_common/outbox.py)
    IDEMPOTENCY_TABLE_NAME = "IDEMPOTENCY_TABLE_NAME"  # Idempotency-Key records
    STATE_MACHINE_ARN = "STATE_MACHINE_ARN"
    REFUND_STATE_MACHINE_ARN = "REFUND_STATE_MACHINE_ARN"
    CURRENCY = "CURRENCY"
    # A pending order or a checked-out basket is stale this long after (shop_common/times.py)
    STALE_ORDER_MINUTES = "STALE_ORDER_MINUTES"
    SALES_TABLE_NAME = "SALES_TABLE_NAME"  # the day's sales counters (ordering/sales.py)


def variable(name: Env) -> str:
    """A variable the function's configuration must set: a KeyError names a missing one."""
    return os.environ[name]
