"""The local AppSync's engine: executes GraphQL requests against the program's schema as
AppSync does.

Every field is authorized by its directives (schema.auth_rules) for the caller. A field with
a resolver runs it: UNIT (request → data source → response) or PIPELINE (the resolver's
request, each function in order with ctx.prev.result and a shared ctx.stash, the resolver's
response), or, for a Lambda data source without code, a direct Lambda resolver. A field
without a resolver takes its parent's same-named value. Errors have AppSync's shape.

A mutation's result goes to the subscriptions that name it (@aws_subscribe), with the
mutation's own selection (what it did not select is null), through each subscriber's
argument and enhanced filters: at most once, in the background.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import graphql
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLResolveInfo,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)

from localcloud.appsync import schema as sdl
from localcloud.appsync.auth import Identity
from localcloud.appsync.datasources import DataSourceCall, Invoke, Lambda, data_source
from localcloud.appsync.definition import ApiDefinition, Resolver
from localcloud.appsync.js import JsRuntime, Outcome
from localcloud.appsync.subscriptions import Subscriber, Subscriptions

Push = Callable[[dict[str, Any]], None]
Info = GraphQLResolveInfo[Any]
_PARSED_KEPT = 256


class FieldError(Exception):
    """A field that resolves to an error, with AppSync's fields."""

    def __init__(
        self,
        message: str,
        error_type: str | None = None,
        data: Any = None,
        error_info: Any = None,
    ):
        super().__init__(message)
        self.message, self.error_type, self.data, self.error_info = (
            message,
            error_type,
            data,
            error_info,
        )


@dataclass
class Call:
    """One request (or one push to a subscriber): graphql-core's context value."""

    identity: Identity
    headers: dict[str, str]
    variables: dict[str, Any]
    appended: list[GraphQLError] = field(default_factory=list)  # util.appendError
    published: dict[str, Any] | None = None  # pushing: subscription field → the value
    subscribing: bool = False
    subscribed: tuple[str, dict[str, Any]] | None = None  # the subscription field, its args
    subscription_filter: dict[str, Any] | None = None
    resolvers_run: int = 0  # against the API's resolver count limit


def _depth(document: DocumentNode) -> int:
    """How deep the request's selections nest (fragments spread in place), as AppSync's
    query depth limit counts: a root field is depth 1."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }

    def deepest(selection_set: SelectionSetNode | None, seen: frozenset[str]) -> int:
        if selection_set is None:
            return 0
        depth = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                inner = 1 + deepest(selection.selection_set, seen)
            elif isinstance(selection, InlineFragmentNode):
                inner = deepest(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                name = selection.name.value
                spread = fragments.get(name)
                inner = deepest(spread.selection_set if spread else None, seen | {name})
            else:
                inner = 0
            depth = max(depth, inner)
        return depth

    return max(
        (
            deepest(d.selection_set, frozenset())
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
        ),
        default=0,
    )


def appsync_error(error: GraphQLError) -> dict[str, Any]:
    """An error as AppSync renders it."""
    locations = [
        {"line": location.line, "column": location.column, "sourceName": None}
        for location in error.locations or []
    ]
    original = error.original_error
    if error.path is None and not isinstance(original, FieldError):  # the request itself
        return {"path": None, "locations": locations, "message": error.message}
    shaped = FieldError(error.message) if not isinstance(original, FieldError) else original
    return {
        "path": error.path,
        "data": shaped.data,
        "errorType": shaped.error_type,
        "errorInfo": shaped.error_info,
        "locations": locations,
        "message": shaped.message,
    }


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _fields(
    selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]
) -> list[FieldNode]:
    """The fields of a selection set, fragments flattened."""
    found: list[FieldNode] = []
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            found.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            found.extend(_fields(selection.selection_set, fragments))
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            found.extend(_fields(fragment.selection_set if fragment else None, fragments))
    return found


def _selection_list(
    selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]
) -> list[str]:
    """ctx.info.selectionSetList: 'id', 'author', 'author/name', ..."""
    names: list[str] = []
    for node in _fields(selection_set, fragments):
        name = node.name.value
        if name.startswith("__"):
            continue
        names.append(name)
        names.extend(f"{name}/{child}" for child in _selection_list(node.selection_set, fragments))
    return names


def unaliased(
    value: Any, selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]
) -> Any:
    """A response value keyed by field names rather than the request's aliases."""
    if selection_set is None or value is None:
        return value
    if isinstance(value, list):
        return [unaliased(item, selection_set, fragments) for item in value]
    out: dict[str, Any] = {}
    for node in _fields(selection_set, fragments):
        key = node.alias.value if node.alias else node.name.value
        if key in value and not node.name.value.startswith("__"):
            out[node.name.value] = unaliased(value[key], node.selection_set, fragments)
    return out


def _default(source: Any, name: str) -> Any:
    """AppSync's resolution of a field without a resolver: the parent's same-named value."""
    return source.get(name) if isinstance(source, dict) else None


class Engine:
    def __init__(
        self,
        api: ApiDefinition,
        *,
        dynamodb: Any = None,
        events: Any = None,
        invoke: Invoke | None = None,
        js: JsRuntime | None = None,
    ):
        self.api = api
        self.schema = sdl.build(api.sdl)
        self.rules = sdl.auth_rules(self.schema, api.default_mode)
        self.feeds = sdl.subscribed_mutations(self.schema)
        self.default_action = api.user_pool.default_action if api.user_pool else "ALLOW"
        self.js = js or JsRuntime()
        self.sources: dict[str, DataSourceCall] = {
            name: data_source(source, dynamodb, events, invoke)
            for name, source in api.data_sources.items()
        }
        self.subscriptions = Subscriptions()
        self._publisher = ThreadPoolExecutor(1, thread_name_prefix="appsync-publish")
        self._parsed: OrderedDict[str, DocumentNode | list[GraphQLError]] = OrderedDict()
        self._parsed_lock = threading.Lock()
        self._check_resolvers()

    def _check_resolvers(self) -> None:
        """Every resolver names a field of the schema and data sources and functions that
        exist (AppSync refuses the resolver otherwise); its code compiles."""
        for (type_name, field_name), resolver in self.api.resolvers.items():
            named = self.schema.get_type(type_name)
            if not isinstance(named, graphql.GraphQLObjectType) or field_name not in named.fields:
                raise ValueError(f"resolver {type_name}.{field_name}: no such field")
            steps = [(resolver.data_source, resolver.code)] if resolver.kind == "UNIT" else []
            for function_id in resolver.functions:
                function = self.api.functions.get(function_id)
                if function is None:
                    raise ValueError(
                        f"resolver {type_name}.{field_name}: no function {function_id}"
                    )
                steps.append((function.data_source, function.code))
            for source, code in steps:
                if source is not None and source not in self.sources:
                    raise ValueError(f"resolver {type_name}.{field_name}: no data source {source}")
                if code is not None:
                    self.js.load(code)
            if resolver.code is not None:
                self.js.load(resolver.code)

    def close(self) -> None:
        self._publisher.shutdown(wait=False)
        self.js.close()

    # -- requests --------------------------------------------------------------------------

    def _document(self, query: str) -> DocumentNode | list[GraphQLError]:
        with self._parsed_lock:
            if query in self._parsed:
                self._parsed.move_to_end(query)
                return self._parsed[query]
        try:
            document = graphql.parse(query)
        except GraphQLError as error:
            return [error]
        errors = graphql.validate(self.schema, document)
        limit = self.api.query_depth_limit
        if not errors and limit and _depth(document) > limit:
            errors = [GraphQLError(f"Query depth limit of {limit} exceeded")]
        parsed: DocumentNode | list[GraphQLError] = errors or document
        with self._parsed_lock:
            self._parsed[query] = parsed
            while len(self._parsed) > _PARSED_KEPT:
                self._parsed.popitem(last=False)
        return parsed

    @staticmethod
    def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if name is None:
            return operations[0] if len(operations) == 1 else None
        return next((o for o in operations if o.name and o.name.value == name), None)

    def _run(
        self, document: DocumentNode, operation_name: str | None, call: Call
    ) -> ExecutionResult:
        result = graphql.execute(
            self.schema,
            document,
            context_value=call,
            variable_values=call.variables,
            operation_name=operation_name,
            field_resolver=self._resolve,
        )
        assert isinstance(result, ExecutionResult)  # every resolver here is synchronous
        return result

    @staticmethod
    def _response(result: ExecutionResult, call: Call) -> dict[str, Any]:
        errors = [*(result.errors or []), *call.appended]
        body: dict[str, Any] = {"data": result.data}
        if errors:
            body["errors"] = [appsync_error(error) for error in errors]
        return body

    def execute(
        self,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        identity: Identity,
        headers: dict[str, str],
    ) -> dict[str, Any]:
        """A query or mutation over HTTP: AppSync's response body."""
        document = self._document(query)
        if isinstance(document, list):
            return {"data": None, "errors": [appsync_error(e) for e in document]}
        operation = self._operation(document, operation_name)
        if operation is not None and operation.operation is OperationType.SUBSCRIPTION:
            return {
                "data": None,
                "errors": [
                    {"message": "Subscriptions are only served over the real-time endpoint"}
                ],
            }
        call = Call(identity, headers, variables or {})
        result = self._run(document, operation_name, call)
        if operation is not None and operation.operation is OperationType.MUTATION and result.data:
            self._publish(document, operation, result.data)
        return self._response(result, call)

    # -- fields ----------------------------------------------------------------------------

    def _resolve(self, source: Any, info: Info, /, **arguments: Any) -> Any:
        call: Call = info.context
        parent, name = info.parent_type.name, info.field_name
        rule = self.rules.get((parent, name))
        if rule is not None and not call.identity.may(rule, self.default_action):
            raise FieldError(f"Not Authorized to access {name} on type {parent}", "Unauthorized")
        at_subscription_root = info.parent_type is self.schema.subscription_type
        if call.published is not None:  # a push: the mutation's result, no resolvers
            return call.published.get(name) if at_subscription_root else _default(source, name)
        if call.subscribing and at_subscription_root:
            call.subscribed = (name, arguments)
        resolver = self.api.resolvers.get((parent, name))
        if resolver is None:
            return _default(source, name)
        call.resolvers_run += 1
        limit = self.api.resolver_count_limit
        if limit and call.resolvers_run > limit:
            raise FieldError(
                f"Resolver count limit of {limit} exceeded", "ResolverCountLimitExceeded"
            )
        return self._resolver(resolver, source, info, arguments, call)

    def _context(
        self, source: Any, info: Info, arguments: dict[str, Any], call: Call
    ) -> dict[str, Any]:
        fragments = info.fragments
        node = info.field_nodes[0]
        return {
            "arguments": arguments,
            "identity": call.identity.context,
            "source": source,
            "result": None,
            "error": None,
            "prev": None,
            "stash": {},
            "info": {
                "fieldName": info.field_name,
                "parentTypeName": info.parent_type.name,
                "variables": call.variables,
                "selectionSetList": _selection_list(node.selection_set, fragments),
                "selectionSetGraphQL": graphql.print_ast(node.selection_set)
                if node.selection_set
                else "",
            },
            "request": {"headers": call.headers, "domainName": None},
        }

    def _resolver(
        self,
        resolver: Resolver,
        source: Any,
        info: Info,
        arguments: dict[str, Any],
        call: Call,
    ) -> Any:
        ctx = self._context(source, info, arguments, call)
        if resolver.kind != "PIPELINE":
            return self._step(resolver.code, resolver.data_source, ctx, info, call)
        ctx["prev"] = {"result": None}
        if resolver.code is not None:
            before = self._handler(resolver.code, "request", ctx, info, call)
            if before.kind == "earlyReturn":  # skips every function and the response
                return before.value
            ctx["prev"] = {"result": before.value}
        for function_id in resolver.functions:
            function = self.api.functions[function_id]
            step = {**ctx, "result": None, "error": None}
            value = self._step(function.code, function.data_source, step, info, call)
            ctx["stash"], ctx["prev"] = step["stash"], {"result": value}
        if resolver.code is None:
            return ctx["prev"]["result"]
        ctx["result"] = ctx["prev"]["result"]
        return self._handler(resolver.code, "response", ctx, info, call).value

    def _step(
        self,
        code: str | None,
        source_name: str | None,
        ctx: dict[str, Any],
        info: Info,
        call: Call,
    ) -> Any:
        """request → data source → response (a unit resolver, or a pipeline function)."""
        source = self.sources[source_name] if source_name else None
        if code is None:  # a direct Lambda resolver: AppSync's own event, no handlers
            if not isinstance(source, Lambda):
                raise FieldError("a resolver without code needs a Lambda data source", "Code")
            result, error = source.call(
                {
                    k: ctx[k]
                    for k in ("arguments", "identity", "source", "request", "info", "prev", "stash")
                }
            )
            if error is not None:
                raise FieldError(error["message"], error["type"])
            return result
        request = self._handler(code, "request", ctx, info, call)
        if request.kind == "earlyReturn":  # skips the data source and the response
            return request.value
        if source is not None:
            ctx["result"], ctx["error"] = source(
                request.value if isinstance(request.value, dict) else {}
            )
        return self._handler(code, "response", ctx, info, call).value

    def _handler(
        self, code: str, handler: str, ctx: dict[str, Any], info: Info, call: Call
    ) -> Outcome:
        outcome = self.js.call(code, handler, ctx)
        ctx["stash"] = outcome.stash
        path = info.path.as_list()
        for appended in outcome.appended:
            call.appended.append(
                GraphQLError(
                    appended["message"],
                    nodes=info.field_nodes,
                    path=path,
                    original_error=FieldError(
                        appended["message"],
                        appended.get("errorType"),
                        appended.get("data"),
                        appended.get("errorInfo"),
                    ),
                )
            )
        if outcome.subscription_filter is not None:
            call.subscription_filter = outcome.subscription_filter
        error = outcome.error
        where = f"{info.parent_type.name}.{info.field_name} {handler}"
        if outcome.kind == "error":
            raise FieldError(
                error["message"],
                error.get("errorType"),
                self._selected(error.get("data"), info),
                error.get("errorInfo"),
            )
        if outcome.kind == "unauthorized":
            raise FieldError(
                f"Not Authorized to access {info.field_name} on type {info.parent_type.name}",
                "Unauthorized",
            )
        if outcome.kind == "notImplemented":
            raise FieldError(
                f"{error['member']} is not implemented by the local AppSync shim ({where})",
                "LocalAppSync:NotImplemented",
            )
        if outcome.kind == "exception":
            raise FieldError(f"{error['message']} ({where})", "Code")
        if outcome.kind == "missing":
            raise FieldError(f"the code exports no {handler} function ({where})", "Code")
        return outcome

    @staticmethod
    def _selected(data: Any, info: Info) -> Any:
        """util.error's data, filtered by the field's selection set, as AppSync does."""
        if not isinstance(data, dict):
            return data
        names = {
            node.name.value for node in _fields(info.field_nodes[0].selection_set, info.fragments)
        }
        return {k: v for k, v in data.items() if k in names}

    # -- subscriptions ---------------------------------------------------------------------

    def subscribe(
        self,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        identity: Identity,
        headers: dict[str, str],
        push: Push,
    ) -> Subscriber | list[dict[str, Any]]:
        """Register a subscription (its resolver run with the subscriber's identity), or
        the errors that refuse it."""
        document = self._document(query)
        if isinstance(document, list):
            return [appsync_error(e) for e in document]
        operation = self._operation(document, operation_name)
        if operation is None or operation.operation is not OperationType.SUBSCRIPTION:
            return [{"message": "the real-time endpoint serves subscriptions only"}]
        if len(operation.selection_set.selections) != 1:
            return [{"message": "a subscription selects exactly one field"}]
        call = Call(identity, headers, variables or {}, subscribing=True)
        result = self._run(document, operation_name, call)
        errors = [*(result.errors or []), *call.appended]
        if errors or call.subscribed is None:
            return [appsync_error(e) for e in errors] or [{"message": "nothing subscribed"}]
        field_name, arguments = call.subscribed
        subscriber = Subscriber(
            field=field_name,
            document=document,
            operation_name=operation_name,
            variables=variables or {},
            arguments=arguments,
            identity=identity,
            headers=headers,
            filter=call.subscription_filter,
            push=push,
        )
        self.subscriptions.add(subscriber)
        return subscriber

    def _publish(
        self, document: DocumentNode, operation: OperationDefinitionNode, data: dict[str, Any]
    ) -> None:
        fragments = _fragments(document)
        for node in _fields(operation.selection_set, fragments):
            mutation = node.name.value
            value = data.get(node.alias.value if node.alias else mutation)
            if value is None or mutation not in self.feeds:
                continue
            published = unaliased(value, node.selection_set, fragments)
            for subscription_field in self.feeds[mutation]:
                self._publisher.submit(self._push, subscription_field, published)

    def _push(self, subscription_field: str, value: Any) -> None:
        for subscriber in self.subscriptions.matching(subscription_field, value):
            call = Call(
                subscriber.identity,
                subscriber.headers,
                subscriber.variables,
                published={subscription_field: value},
            )
            result = self._run(subscriber.document, subscriber.operation_name, call)
            try:
                subscriber.push(self._response(result, call))
            except Exception:  # noqa: S112 - at most once: a push that fails is gone
                continue
