"""DynamoDB's accounting, as its developer guide states it: the size of an item in
DynamoDB JSON, and the capacity units a read or a write of it consumes on demand.

Sizes: attribute names and strings in UTF-8 bytes; a number about one byte per two
significant digits plus one; binary its bytes; a boolean or null one byte; a list or
map 3 bytes plus one byte per element, plus its elements (a map's with their names).
Units: a write 1 per started KB (1024 bytes), a transactional write twice that; a
strongly consistent read 1 per started 4 KB, an eventually consistent one half of it,
a transactional one twice."""

import base64
import math
import re
from typing import Any

WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096
_UPDATE_CLAUSE = re.compile(r"\b(SET|REMOVE|ADD|DELETE)\b", re.IGNORECASE)


def _number_size(text: str) -> int:
    digits = text.lstrip("+-").replace(".", "").split("e")[0].split("E")[0]
    significant = digits.strip("0") or "0"
    return math.ceil(len(significant) / 2) + 1


def value_size(value: dict[str, Any]) -> int:  # noqa: PLR0911 - a case per type
    """Bytes of one attribute value in DynamoDB JSON ({"S": "..."}, {"M": {...}}, ...)."""
    [(kind, content)] = value.items()
    match kind:
        case "S":
            return len(content.encode())
        case "N":
            return _number_size(content)
        case "B":
            return len(base64.b64decode(content)) if isinstance(content, str) else len(content)
        case "BOOL" | "NULL":
            return 1
        case "SS":
            return sum(len(s.encode()) for s in content)
        case "NS":
            return sum(_number_size(n) for n in content)
        case "BS":
            return sum(value_size({"B": b}) for b in content)
        case "L":
            return 3 + sum(value_size(v) + 1 for v in content)
        case "M":
            return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in content.items())
    raise ValueError(f"not a DynamoDB value type: {kind}")


def item_size(item: dict[str, Any]) -> int:
    """Bytes of an item: each top-level attribute's name and value."""
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def write_units(size: int, transactional: bool = False) -> float:
    units = max(1, math.ceil(size / WRITE_UNIT_BYTES))
    return units * (2 if transactional else 1)


def read_units(size: int, consistent: bool, transactional: bool = False) -> float:
    units = max(1, math.ceil(size / READ_UNIT_BYTES))
    if transactional:
        return units * 2.0
    return units * (1.0 if consistent else 0.5)


def updated_attributes(expression: str, names: dict[str, str] | None = None) -> list[str]:
    """The top-level attributes an UpdateExpression sets or removes ("SET #a = :a, b.c =
    :c REMOVE d" → ["a", "b", "d"]), its #placeholders resolved with `names`."""
    names = names or {}
    parts = _UPDATE_CLAUSE.split(expression)
    found: list[str] = []
    for keyword, clause in zip(parts[1::2], parts[2::2], strict=True):
        for action in _top_level_commas(clause):
            target = action.split("=", 1)[0] if keyword.upper() == "SET" else action.split()[0]
            root = re.split(r"[.\[]", target.strip(), maxsplit=1)[0]
            resolved = names.get(root, root)
            if resolved and resolved not in found:
                found.append(resolved)
    return found


def _top_level_commas(clause: str) -> list[str]:
    pieces, depth, current = [], 0, ""
    for char in clause:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            pieces.append(current)
            current = ""
        else:
            current += char
    pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]
