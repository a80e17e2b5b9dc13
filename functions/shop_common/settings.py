"""Settings come from the function's environment (components/function.py sets it),
read once per execution environment: on first use, during the cold start."""

import functools
import os
from collections.abc import Callable
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


def variable(name: str) -> str:
    """A variable the function's configuration must set: a KeyError names a missing one."""
    return os.environ[name]
