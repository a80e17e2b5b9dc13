"""JSON with exact decimals: prices are Decimal in code and numbers on the wire."""

import json
from decimal import Decimal
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    return json.dumps(value, default=_default, separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)
