"""JSON with exact decimals: prices are Decimal in code and numbers on the wire.

The parser is strict where Python's is lenient: NaN and ±Infinity are not JSON
numbers (RFC 8259) and nothing downstream can store them, and a document nested
deeper than the parser's recursion allows is a malformed input, not a crash.
"""

import json
from decimal import Decimal
from typing import Any

from shop_common.limits import MAX_NUMBER_DIGITS


class InvalidJson(ValueError):
    """Text that is not a JSON document this service accepts."""


def _default(value: Any) -> Any:
    # Exact for up to 15 significant digits: every amount the shop makes.
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _number(text: str) -> Decimal | int:
    """A JSON number with a fraction or exponent: exact, and an int when it is one
    (as JSON Schema counts 104.0 as an integer) unless too large for DynamoDB."""
    value = Decimal(text)
    if value == value.to_integral_value() and value.adjusted() < MAX_NUMBER_DIGITS:
        return int(value)
    return value


def _reject_constant(name: str) -> Any:
    raise InvalidJson(f"{name} is not a JSON number")


def dumps(value: Any) -> str:
    return json.dumps(value, default=_default, separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    """Parse JSON; InvalidJson (a ValueError) for anything that is not strict JSON."""
    try:
        return json.loads(text, parse_float=_number, parse_constant=_reject_constant)
    except InvalidJson:
        raise
    except RecursionError:
        raise InvalidJson("the document is nested too deeply") from None
    except json.JSONDecodeError as error:
        raise InvalidJson(str(error)) from None
    except ValueError:  # UnicodeDecodeError, or an integer beyond Python's digit limit
        raise InvalidJson("it is not UTF-8 text, or holds a number too long to read") from None
