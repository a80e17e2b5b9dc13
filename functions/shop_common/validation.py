"""Request validation against JSON Schema, reporting the offending field.

fastjsonschema is what Powertools' validation utility uses; validators are
compiled once per schema and kept for the life of the execution environment.
Before the schema, every document is checked for what no schema can express
and DynamoDB cannot store: strings that are not valid Unicode (lone UTF-16
surrogates, which JSON's \\u escapes allow) and nesting deeper than an item may.
"""

from decimal import Decimal
from typing import Any

from shop_common.limits import MAX_NESTING_DEPTH

_compiled: dict[int, Any] = {}


class RequestValidationError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field} {message}")
        self.field = field
        self.message = message


def is_unicode(text: str) -> bool:
    """False for strings holding lone surrogates: they cannot be encoded, so not stored."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _field_name(path: tuple) -> str:
    return ".".join(str(part) for part in path) or "body"


def check_storable(data: Any) -> None:
    """RequestValidationError naming the first field DynamoDB could not store."""
    pending: list[tuple[Any, tuple]] = [(data, ())]
    while pending:  # iterative: a deep document must not exhaust the stack
        value, path = pending.pop()
        if len(path) > MAX_NESTING_DEPTH:
            raise RequestValidationError(_field_name(path), "is nested too deeply")
        if isinstance(value, str):
            if not is_unicode(value):
                raise RequestValidationError(_field_name(path), "is not valid Unicode text")
        elif isinstance(value, dict):
            for key, item in value.items():
                if not is_unicode(key):
                    raise RequestValidationError(_field_name(path), "has a key that is not text")
                pending.append((item, (*path, key)))
        elif isinstance(value, list):
            pending.extend((item, (*path, index)) for index, item in enumerate(value))


def _field_error(error: Any) -> RequestValidationError:
    """The offending field of a fastjsonschema.JsonSchemaValueException."""
    path = ".".join(str(part) for part in error.path[1:])
    if error.rule == "required":
        present = set(error.value) if isinstance(error.value, dict) else set()
        missing = [name for name in error.definition["required"] if name not in present]
        name = missing[0] if missing else "?"
        return RequestValidationError(f"{path}.{name}" if path else name, "is required")
    if error.rule == "additionalProperties":
        allowed = set(error.definition.get("properties", {}))
        extra = sorted(set(error.value) - allowed)
        name = extra[0] if extra else "?"
        return RequestValidationError(f"{path}.{name}" if path else name, "is not allowed")
    message = error.message.removeprefix(error.name).strip()
    return RequestValidationError(path or "body", message)


def validate(data: Any, schema: dict) -> Any:
    # Loaded on first use: requests without a body (most reads) never need it.
    import fastjsonschema  # noqa: PLC0415

    check_storable(data)
    validator = _compiled.get(id(schema))
    if validator is None:
        validator = _compiled[id(schema)] = fastjsonschema.compile(schema)
    try:
        return validator(data)
    except fastjsonschema.JsonSchemaValueException as error:
        raise _field_error(error) from None


def require_cents(value: Decimal | int, field: str) -> Decimal:
    """Money has at most two decimal places (JSON Schema's multipleOf is float-inexact)."""
    amount = Decimal(value)
    if amount.as_tuple().exponent < -2:
        raise RequestValidationError(field, "must have at most 2 decimal places")
    return amount
