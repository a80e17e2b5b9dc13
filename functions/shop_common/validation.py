"""Request validation against JSON Schema, reporting the offending field.

fastjsonschema is what Powertools' validation utility uses; validators are
compiled once per schema and kept for the life of the execution environment.
Before the schema, every document is checked for what no schema can express
and DynamoDB cannot store: strings that are not valid Unicode (lone UTF-16
surrogates, which JSON's \\u escapes allow) and nesting deeper than an item may.

`multipleOf` (money's cents) is checked here, exactly, on the Decimals the parser
makes: fastjsonschema's own check cannot take a Decimal.
"""

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from shop_common.errors import Invalid
from shop_common.limits import MAX_NESTING_DEPTH

if TYPE_CHECKING:  # fastjsonschema is imported on first use (see validate)
    from fastjsonschema import JsonSchemaValueException

Path = tuple[str | int, ...]  # keys and list indexes from the document's root
Multiples = list[tuple[tuple[str, ...], Decimal]]  # where a multipleOf applies, and its value
_compiled: dict[int, tuple[Callable[[Any], Any], Multiples]] = {}


def is_unicode(text: str) -> bool:
    """False for strings holding lone surrogates: they cannot be encoded, so not stored."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _field_name(path: Path) -> str:
    return ".".join(str(part) for part in path) or "body"


def check_storable(data: Any) -> None:
    """Invalid naming the first field DynamoDB could not store."""
    pending: list[tuple[Any, Path]] = [(data, ())]
    while pending:  # iterative: a deep document must not exhaust the stack
        value, path = pending.pop()
        if len(path) > MAX_NESTING_DEPTH:
            raise Invalid(_field_name(path), "is nested too deeply")
        if isinstance(value, str):
            if not is_unicode(value):
                raise Invalid(_field_name(path), "is not valid Unicode text")
        elif isinstance(value, dict):
            for key, item in value.items():
                if not is_unicode(key):
                    raise Invalid(_field_name(path), "has a key that is not text")
                pending.append((item, (*path, key)))
        elif isinstance(value, list):
            pending.extend((item, (*path, index)) for index, item in enumerate(value))


def _field_error(error: "JsonSchemaValueException") -> Invalid:
    """The offending field of a fastjsonschema.JsonSchemaValueException."""
    path = ".".join(str(part) for part in error.path[1:])
    if error.rule == "required":
        present = set(error.value) if isinstance(error.value, dict) else set()
        missing = [name for name in error.definition["required"] if name not in present]
        name = missing[0] if missing else "?"
        return Invalid(f"{path}.{name}" if path else name, "is required")
    if error.rule == "additionalProperties":
        allowed = set(error.definition.get("properties", {}))
        extra = sorted(set(error.value) - allowed)
        name = extra[0] if extra else "?"
        return Invalid(f"{path}.{name}" if path else name, "is not allowed")
    message = error.message.removeprefix(error.name or "").strip()
    return Invalid(path or "body", message)


def _without_multiples(
    schema: Mapping[str, Any], path: tuple[str, ...] = ()
) -> tuple[dict[str, Any], Multiples]:
    """The schema minus its multipleOf keywords (under `properties`), and where they were."""
    multiples: Multiples = []
    stripped = {key: value for key, value in schema.items() if key != "multipleOf"}
    if "multipleOf" in schema:
        multiples.append((path, Decimal(str(schema["multipleOf"]))))
    if isinstance(schema.get("properties"), dict):
        stripped["properties"] = {}
        for name, subschema in schema["properties"].items():
            stripped["properties"][name], found = _without_multiples(subschema, (*path, name))
            multiples += found
    return stripped, multiples


def _check_multiples(data: Any, multiples: Multiples) -> None:
    for path, multiple in multiples:
        value = data
        for name in path:
            value = value.get(name) if isinstance(value, dict) else None
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            try:
                exact = not value % multiple
            except InvalidOperation:  # a quotient beyond Decimal's precision
                exact = False
            if not exact:
                raise Invalid(_field_name(path), f"must be a multiple of {multiple}")


def validate(data: Any, schema: Mapping[str, Any]) -> Any:
    # Loaded on first use: requests without a body (most reads) never need it.
    import fastjsonschema  # noqa: PLC0415

    check_storable(data)
    compiled = _compiled.get(id(schema))
    if compiled is None:
        stripped, multiples = _without_multiples(schema)
        compiled = _compiled[id(schema)] = (fastjsonschema.compile(stripped), multiples)
    validator, multiples = compiled
    try:
        validated = validator(data)
    except fastjsonschema.JsonSchemaValueException as error:
        raise _field_error(error) from None
    _check_multiples(validated, multiples)
    return validated
