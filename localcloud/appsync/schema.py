"""The program's SDL as an executable schema: AppSync's scalars and directives declared in a
prelude (the SDL uses them without declaring them, as AppSync allows), the scalars' parsing
and serialising, who may read each field (the auth directives) and which mutations feed
each subscription (@aws_subscribe)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import graphql
from graphql import (
    GraphQLError,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    ValueNode,
)

COGNITO = "AMAZON_COGNITO_USER_POOLS"
IAM = "AWS_IAM"

_DATE = r"-?\d{4,}-\d{2}-\d{2}"
_TIME = r"\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?"
_OFFSET = r"(Z|[+-]\d{2}:\d{2}(:\d{2})?)"
# The formats AppSync's scalars accept (loosely: ISO 8601 with AppSync's offsets).
_SCALARS = {
    "AWSDate": f"{_DATE}{_OFFSET}?",
    "AWSTime": f"{_TIME}{_OFFSET}?",
    "AWSDateTime": f"{_DATE}T{_TIME}{_OFFSET}",
    "AWSEmail": r"[^@\s]+@[^@\s]+",
    "AWSURL": r"[A-Za-z][A-Za-z0-9+.-]*://\S+|mailto:\S+",
    "AWSPhone": r"\+?[0-9][0-9 ().-]{2,}",
    "AWSIPAddress": r"[0-9.]+(/\d{1,2})?|[0-9A-Fa-f:.]+(/\d{1,3})?",
}
# AppSync's own types and directives, which an AppSync SDL uses without declaring them.
PRELUDE_SCALARS = (*_SCALARS, "AWSJSON", "AWSTimestamp")
PRELUDE_DIRECTIVES = {
    "aws_subscribe": "directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION",
    "aws_iam": "directive @aws_iam on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | INPUT_OBJECT",
    "aws_cognito_user_pools": "directive @aws_cognito_user_pools(cognito_groups: [String])"
    " on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | INPUT_OBJECT",
    "aws_api_key": "directive @aws_api_key on FIELD_DEFINITION | OBJECT | INTERFACE | UNION"
    " | INPUT_OBJECT",
    "aws_oidc": "directive @aws_oidc on FIELD_DEFINITION | OBJECT | INTERFACE | UNION"
    " | INPUT_OBJECT",
    "aws_lambda": "directive @aws_lambda on FIELD_DEFINITION | OBJECT | INTERFACE | UNION"
    " | INPUT_OBJECT",
    "aws_auth": "directive @aws_auth(cognito_groups: [String]) on FIELD_DEFINITION | OBJECT",
}
# The directives that say who may read a field; each names an authorization mode.
AUTH_DIRECTIVES = {
    "aws_iam": IAM,
    "aws_cognito_user_pools": COGNITO,
    "aws_auth": COGNITO,
    "aws_api_key": "API_KEY",
    "aws_oidc": "OPENID_CONNECT",
    "aws_lambda": "AWS_LAMBDA",
}


def prelude(declared: set[str]) -> str:
    """AppSync's scalars and directives, less any the SDL declares itself."""
    scalars = [f"scalar {name}" for name in PRELUDE_SCALARS if name not in declared]
    directives = [text for name, text in PRELUDE_DIRECTIVES.items() if name not in declared]
    return "\n".join([*scalars, *directives])


def _declared(sdl: str) -> set[str]:
    document = graphql.parse(sdl)
    # any kind of definition: a type named like one of AppSync's scalars replaces it too
    return {
        name.value
        for definition in document.definitions
        if (name := getattr(definition, "name", None)) is not None
    }


# -- scalars ----------------------------------------------------------------------------------


def _checked(name: str, pattern: str) -> tuple[Any, Any]:
    compiled = re.compile(pattern)

    def parse(value: Any) -> str:
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise GraphQLError(f"Invalid {name} value: {value!r}")
        return value

    def literal(node: ValueNode, _variables: Any = None) -> str:
        return parse(getattr(node, "value", None))

    return parse, literal


def _json_value(value: Any) -> Any:
    # AWSJSON arrives as a JSON string and reaches resolvers parsed, as on AppSync.
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as error:
            raise GraphQLError(f"Invalid AWSJSON value: {error}") from error
    return value


def _json_literal(node: ValueNode, _variables: Any = None) -> Any:
    return _json_value(getattr(node, "value", None))


def _timestamp(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise GraphQLError(f"Invalid AWSTimestamp value: {value!r}")
    return value


def _timestamp_literal(node: ValueNode, _variables: Any = None) -> int:
    raw = getattr(node, "value", None)
    return _timestamp(int(raw)) if isinstance(raw, str) and raw.lstrip("-").isdigit() else -1


_COERCERS = {
    "parse_value": "coerce_input_value",
    "parse_literal": "coerce_input_literal",
    "serialize": "coerce_output_value",
}


def _behave(schema: GraphQLSchema) -> None:
    """Give the prelude's scalars AppSync's parsing and serialising (a scalar built from
    SDL keeps them as instance attributes)."""
    behaviour: dict[str, dict[str, Any]] = {
        name: dict(zip(("parse_value", "parse_literal"), _checked(name, pattern), strict=True))
        for name, pattern in _SCALARS.items()
    }
    behaviour["AWSJSON"] = {
        "parse_value": _json_value,
        "parse_literal": _json_literal,
        "serialize": lambda value: value if isinstance(value, str) else json.dumps(value),
    }
    behaviour["AWSTimestamp"] = {"parse_value": _timestamp, "parse_literal": _timestamp_literal}
    for name, functions in behaviour.items():
        scalar = schema.type_map.get(name)
        if isinstance(scalar, GraphQLScalarType):
            vars(scalar).update(functions)
            # graphql-core 3.3 coerces through these (the names above are its deprecated ones)
            vars(scalar).update({_COERCERS[k]: f for k, f in functions.items()})


def build(sdl: str) -> GraphQLSchema:
    """The executable schema of an AppSync SDL."""
    schema = graphql.build_schema(prelude(_declared(sdl)) + "\n" + sdl)
    _behave(schema)
    return schema


# -- who may read what ------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """The authorization modes that may read a field; groups: the pool groups allowed (None:
    any user of the pool)."""

    modes: frozenset[str]
    groups: tuple[str, ...] | None = None


def _auth_rule(node: Any, schema: GraphQLSchema) -> Rule | None:
    directives = getattr(node, "directives", None) or ()
    modes: set[str] = set()
    groups: list[str] | None = None
    for directive in directives:
        name = directive.name.value
        if name not in AUTH_DIRECTIVES:
            continue
        modes.add(AUTH_DIRECTIVES[name])
        if name in {"aws_cognito_user_pools", "aws_auth"}:
            definition = schema.get_directive(name)
            assert definition is not None  # the prelude declares it
            values = graphql.get_directive_values(definition, node) or {}
            if values.get("cognito_groups") is not None:
                groups = [*(groups or []), *values["cognito_groups"]]
    if not modes:
        return None
    return Rule(frozenset(modes), tuple(groups) if groups is not None else None)


def auth_rules(schema: GraphQLSchema, default_mode: str) -> dict[tuple[str, str], Rule]:
    """(type, field) → who may read it: the field's directives, else its type's, else the
    default mode only (AppSync's rule when there are additional authorization modes)."""
    rules: dict[tuple[str, str], Rule] = {}
    default = Rule(frozenset({default_mode}))
    for type_name, named in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(named, GraphQLObjectType):
            continue
        type_rule = _auth_rule(named.ast_node, schema) or default
        for field_name, field in named.fields.items():
            rules[type_name, field_name] = _auth_rule(field.ast_node, schema) or type_rule
    return rules


def subscribed_mutations(schema: GraphQLSchema) -> dict[str, list[str]]:
    """Mutation field → the subscription fields its results go to (@aws_subscribe)."""
    subscription = schema.subscription_type
    directive = schema.get_directive("aws_subscribe")
    feeds: dict[str, list[str]] = {}
    if subscription is None or directive is None:
        return feeds
    for name, field in subscription.fields.items():
        if field.ast_node is None:
            continue
        values = graphql.get_directive_values(directive, field.ast_node) or {}
        for mutation in values.get("mutations") or []:
            feeds.setdefault(mutation, []).append(name)
    return feeds
