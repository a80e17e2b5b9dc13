"""Who is subscribed to what, and which published values each receives: argument filtering
(each argument given must equal the same-named field of the value) ANDed with the enhanced
filter the subscription's resolver set (extensions.setSubscriptionFilter, in AppSync's
grammar: filter groups ORed, the filters of a group ANDed)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graphql import DocumentNode

    from localcloud.appsync.auth import Identity


@dataclass(eq=False)
class Subscriber:
    field: str  # the subscription field
    document: DocumentNode
    operation_name: str | None
    variables: dict[str, Any]
    arguments: dict[str, Any]
    identity: Identity
    headers: dict[str, str]
    filter: dict[str, Any] | None
    push: Callable[[dict[str, Any]], None]


def _value_at(value: Any, path: str) -> tuple[bool, Any]:
    """(present, value) of a dotted field name in a published value."""
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


def _ordered(check: Callable[[Any, Any], bool]) -> Callable[[bool, Any, Any], bool]:
    def test(present: bool, found: Any, wanted: Any) -> bool:
        try:
            return present and found is not None and check(found, wanted)
        except TypeError:  # a value of another type than the filter's never matches
            return False

    return test


def _contains(found: Any, wanted: Any) -> bool:
    return isinstance(found, str | list) and wanted in found


# AppSync's enhanced filter operators: (present, found, wanted) → kept.
OPERATORS: dict[str, Callable[[bool, Any, Any], bool]] = {
    "eq": lambda present, found, wanted: present and found == wanted,
    "ne": lambda present, found, wanted: found != wanted,
    "le": _ordered(lambda found, wanted: found <= wanted),
    "lt": _ordered(lambda found, wanted: found < wanted),
    "ge": _ordered(lambda found, wanted: found >= wanted),
    "gt": _ordered(lambda found, wanted: found > wanted),
    "between": _ordered(lambda found, wanted: wanted[0] <= found <= wanted[1]),
    "contains": lambda present, found, wanted: _contains(found, wanted),
    "notContains": lambda present, found, wanted: not _contains(found, wanted),
    "beginsWith": lambda present, found, wanted: (
        isinstance(found, str) and found.startswith(str(wanted))
    ),
    "in": lambda present, found, wanted: present and found in wanted,
    "notIn": lambda present, found, wanted: found not in wanted,
    "attributeExists": lambda present, found, wanted: present is bool(wanted),
}


def passes(filter_: dict[str, Any], value: Any) -> bool:
    present, found = _value_at(value, filter_["fieldName"])
    return OPERATORS[filter_["operator"]](present, found, filter_.get("value"))


def matches_filter(filter_: dict[str, Any] | None, value: Any) -> bool:
    if not filter_:
        return True
    return any(
        all(passes(f, value) for f in group.get("filters", []))
        for group in filter_.get("filterGroup", [])
    )


def matches_arguments(arguments: dict[str, Any], value: Any) -> bool:
    return all(
        isinstance(value, dict) and value.get(name) == wanted
        for name, wanted in arguments.items()
        if wanted is not None
    )


class Subscriptions:
    def __init__(self) -> None:
        self._by_field: dict[str, list[Subscriber]] = {}
        self._lock = threading.Lock()

    def add(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._by_field.setdefault(subscriber.field, []).append(subscriber)

    def remove(self, subscriber: Subscriber) -> None:
        with self._lock:
            subscribers = self._by_field.get(subscriber.field, [])
            if subscriber in subscribers:
                subscribers.remove(subscriber)

    def count(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._by_field.values())

    def matching(self, field: str, value: Any) -> list[Subscriber]:
        with self._lock:
            subscribers = list(self._by_field.get(field, []))
        return [
            s
            for s in subscribers
            if matches_arguments(s.arguments, value) and matches_filter(s.filter, value)
        ]
