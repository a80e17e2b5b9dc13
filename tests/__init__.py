"""The shop's tests: infra/ (Pulumi mocks), functions/ (moto), e2e/ (the local
cloud through HTTP), localcloud/ (its own parts)."""

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent  # the repository


def wait_for(probe: Callable[[], Any], timeout: float = 15, interval: float = 0.1) -> Any:
    """probe() until it returns something truthy; that value, or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := probe():
            return value
        time.sleep(interval)
    raise AssertionError(f"gave up after {timeout}s waiting for {probe}")
