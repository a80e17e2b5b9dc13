"""Request validation against JSON Schema, reporting the offending field.

fastjsonschema is what Powertools' validation utility uses; validators are
compiled once per schema and kept for the life of the execution environment.
After the schema (which bounds a document's size and shape cheaply), every
document is checked for what no schema can express and DynamoDB cannot store:
strings that are not valid Unicode (lone UTF-16 surrogates, which JSON's \\u
escapes allow), numbers beyond DynamoDB's, and nesting deeper than an item may.

`multipleOf` (money's cents) is checked here, exactly, on the Decimals the parser
makes: fastjsonschema's own check cannot take a Decimal.
"""

from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from shop_common.errors import Invalid
from shop_common.limits import MAX_NESTING_DEPTH, MAX_NUMBER_DIGITS

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


_SMALL_INT = 10**MAX_NUMBER_DIGITS


def _storable_number(value: Decimal | int) -> bool:
    """Within what a DynamoDB number holds: 38 significant digits, 1E-130 to 9.99E+125."""
    if isinstance(value, int) and -_SMALL_INT < value < _SMALL_INT:
        return True  # the common case, checked cheaply
    _sign, digits, exponent = Decimal(value).as_tuple()  # exact: no context rounds it
    significant = "".join(map(str, digits)).strip("0")
    if not significant:
        return True  # zero
    magnitude = len("".join(map(str, digits)).lstrip("0")) + int(exponent) - 1
    return len(significant) <= MAX_NUMBER_DIGITS and -130 <= magnitude <= 125


def _unstorable(value: Any) -> str | None:
    """Why DynamoDB could not store this scalar (or this mapping's keys), if it could not."""
    if isinstance(value, str) and not is_unicode(value):
        return "is not valid Unicode text"
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return None if _storable_number(value) else "is a number DynamoDB cannot store"
    if isinstance(value, dict) and not all(is_unicode(name) for name in value):
        return "has a key that is not text"
    return None


def check_storable(data: Any) -> None:
    """Invalid naming the first field DynamoDB could not store. Iterative, keeping one
    iterator per level open (memory follows the depth, not the size: a 10 MB array
    must not cost a function its memory), so a deep document cannot exhaust the stack."""
    path: list[str | int] = []
    levels: list[Iterator[tuple[str | int, Any]]] = [iter([("", data)])]
    while levels:
        step = next(levels[-1], None)
        if step is None:
            levels.pop()
            if path:
                path.pop()
            continue
        key, value = step
        if len(levels) > 1:
            path[-1:] = [key]  # the key of this level (replaces its sibling's)
        if len(path) > MAX_NESTING_DEPTH:
            raise Invalid(_field_name(tuple(path)), "is nested too deeply")
        if problem := _unstorable(value):
            raise Invalid(_field_name(tuple(path)), problem)
        if isinstance(value, dict | list):
            children = value.items() if isinstance(value, dict) else enumerate(value)
            path.append("")  # the children's level: filled in as they are visited
            levels.append(iter(children))


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
    # After the schema, which bounds the document's size and shape cheaply (a 10 MB
    # array is refused at its first character's type, not walked element by element).
    check_storable(validated)
    return validated
