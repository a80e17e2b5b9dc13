"""APPSYNC_JS locally: resolver and function code run in QuickJS, with shim.js standing in
for '@aws-appsync/utils'.

AppSync takes an ES module (`import { util } from '@aws-appsync/utils'`, `export function
request(ctx)`). The binding runs scripts, so each module is rewritten into a function scope:
its imports become reads of the shim's exports and `export` is dropped; nothing else in the
code changes. Code AppSync would refuse (try, while, classes, ...: `check`) is refused too,
when the program creates the resolver, as AppSync refuses it at CreateResolver.

One QuickJS context serves every resolver, on one thread: a QuickJS runtime must stay on
the thread that made it (the binding's own Function wrapper does the same). A call costs
tens of microseconds, so the one thread is not what limits the local AppSync.
"""

from __future__ import annotations

import hashlib
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import quickjs

SHIM = Path(__file__).with_name("shim.js")
UTILS_MODULE = "@aws-appsync/utils"
EXPORTS = ("util", "runtime", "extensions")
# A handler that runs longer than this is stopped (an endless for-of over a generator...).
TIME_LIMIT_SECONDS = 5.0


class CodeError(ValueError):
    """Resolver code the APPSYNC_JS runtime (or the local shim) cannot take."""


# -- what AppSync refuses -------------------------------------------------------------------

# Statements and operators the APPSYNC_JS runtime does not support (AppSync's "Supported
# runtime features"), plus class and async, which it has no support for either.
_REFUSED_WORDS = (
    "try",
    "catch",
    "finally",
    "throw",
    "while",
    "do",
    "continue",
    "class",
    "async",
    "await",
)
_REFUSED = re.compile(
    r"\b(?P<word>"
    + "|".join(_REFUSED_WORDS)
    + r")\b(?!\s*:)|(?P<op>\+\+|--)|\bfor\s*\((?P<classic>[^()]*;)"
)
_LITERALS = re.compile(
    r"""//[^\n]*|/\*.*?\*/|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`""", re.S
)


def _blank(match: re.Match[str]) -> str:
    """Comments and literals emptied, keeping line breaks (for line numbers)."""
    text = match.group(0)
    return re.sub(r"[^\n]", " ", text)


def check(code: str) -> None:
    """Raise CodeError naming the first construct APPSYNC_JS does not support."""
    bare = _LITERALS.sub(_blank, code)
    # a property named like a keyword (`x.do`, `{ catch: 1 }`) is not the statement
    for found in _REFUSED.finditer(bare):
        if found.group("word") and bare[: found.start()].rstrip().endswith("."):
            continue
        construct = found.group("word") or found.group("op") or "for(;;)"
        line = bare.count("\n", 0, found.start()) + 1
        raise CodeError(
            f"line {line}: the APPSYNC_JS runtime does not support {construct!r}"
            " (AppSync would refuse this code)"
        )


# -- ES module → a function scope -----------------------------------------------------------

_IMPORT = re.compile(
    r"""^[ \t]*import\s+(?P<what>[^'";]*?)\s*from\s*(?P<q>['"])(?P<module>[^'"]+)(?P=q)\s*;?""",
    re.M,
)
_EXPORT = re.compile(r"^([ \t]*)export\s+(?=(?:function|const|let|var)\b)", re.M)
_EXPORT_LIST = re.compile(r"^[ \t]*export\s*\{[^}]*\}\s*;?", re.M)


def _bindings(what: str) -> str:
    """`{ util, runtime as rt }` or `* as utils` → a const declaration from the shim."""
    what = what.strip()
    if what.startswith("*"):
        name = what.split("as", 1)[1].strip()
        return f"const {name} = __appsync.exports;"
    if not (what.startswith("{") and what.endswith("}")):
        raise CodeError(f"import {what} from '{UTILS_MODULE}': the module has no default export")
    parts = []
    for item in filter(None, (p.strip() for p in what[1:-1].split(","))):
        name, _, alias = (s.strip() for s in item.partition(" as "))
        if name not in EXPORTS:
            raise CodeError(
                f"'{UTILS_MODULE}' exports no {name!r} in the local shim"
                f" (it has {', '.join(EXPORTS)})"
            )
        parts.append(f"{name}: {alias}" if alias else name)
    return f"const {{ {', '.join(parts)} }} = __appsync.exports;"


def as_script(module_id: str, code: str) -> str:
    """The module as a script that registers its request and response functions."""

    def rewrite_import(match: re.Match[str]) -> str:
        if match.group("module") != UTILS_MODULE:
            raise CodeError(
                f"import from {match.group('module')!r}: the local AppSync shim provides only"
                f" '{UTILS_MODULE}'"
            )
        return _bindings(match.group("what"))

    body = _IMPORT.sub(rewrite_import, code)
    body = _EXPORT_LIST.sub("", body)
    body = _EXPORT.sub(r"\1", body)
    return (
        f"__appsync.modules[{json.dumps(module_id)}] = (function () {{\n{body}\n"
        "return { request: typeof request === 'function' ? request : undefined,"
        " response: typeof response === 'function' ? response : undefined };\n})();"
    )


# -- running handlers -----------------------------------------------------------------------


@dataclass
class Outcome:
    """What one call of request(ctx) or response(ctx) came to."""

    # "value", "earlyReturn", "error", "unauthorized", "notImplemented", "exception", "missing"
    kind: str
    value: Any = None
    stash: dict[str, Any] = field(default_factory=dict)
    appended: list[dict[str, Any]] = field(default_factory=list)  # util.appendError
    subscription_filter: dict[str, Any] | None = None
    error: dict[str, Any] = field(default_factory=dict)  # util.error's fields; a message


class JsRuntime:
    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="appsync-js")
        self._context: quickjs.Context | None = None  # made on that thread
        self._loaded: set[str] = set()

    def _ready(self) -> quickjs.Context:
        if self._context is None:
            context = quickjs.Context()
            context.set_time_limit(TIME_LIMIT_SECONDS)
            context.eval(SHIM.read_text())
            self._context = context
        return self._context

    def _load(self, code: str) -> str:
        module_id = hashlib.sha256(code.encode()).hexdigest()[:16]
        if module_id not in self._loaded:
            script = as_script(module_id, code)
            try:
                self._ready().eval(script)
            except quickjs.JSException as error:
                raise CodeError(str(error).split("\n", 1)[0]) from error
            self._loaded.add(module_id)
        return module_id

    def _call(self, code: str, handler: str, ctx: dict[str, Any]) -> Outcome:
        context = self._ready()
        module_id = self._load(code)
        call = context.eval("__appsync.call")
        try:
            raw = json.loads(call(module_id, handler, json.dumps(ctx, default=_json_default)))
        except quickjs.JSException as error:  # the time limit, or out of memory
            return Outcome("exception", error={"message": str(error).split("\n", 1)[0]})
        kind = raw.pop("kind")
        return Outcome(
            kind,
            value=raw.pop("value", None),
            stash=raw.pop("stash", None) or {},
            appended=raw.pop("errors", None) or [],
            subscription_filter=raw.pop("subscriptionFilter", None),
            error=raw,
        )

    def call(self, code: str, handler: str, ctx: dict[str, Any]) -> Outcome:
        """Run `handler` ("request" or "response") of the module `code` with `ctx`."""
        return self._thread.submit(self._call, code, handler, ctx).result()

    def load(self, code: str) -> None:
        """Compile a module now (CodeError if QuickJS cannot)."""
        self._thread.submit(self._load, code).result()

    def implemented(self) -> list[str]:
        """Every member of util, runtime and extensions that the shim implements."""

        def members() -> list[str]:
            names: list[str] = json.loads(self._ready().eval("__appsync.implemented()"))
            return names

        return self._thread.submit(members).result()

    def close(self) -> None:
        self._thread.shutdown(wait=False)


def _json_default(value: Any) -> Any:
    """Decimals (DynamoDB numbers) as JSON numbers."""
    from decimal import Decimal  # noqa: PLC0415 - only when one turns up

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")
