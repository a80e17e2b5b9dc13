"""Data sources: what AppSync does with the object a request handler returns.

- AMAZON_DYNAMODB: AppSync's request objects (GetItem, PutItem, UpdateItem, DeleteItem,
  Query, Scan, BatchGetItem, BatchPutItem, BatchDeleteItem, TransactGetItems,
  TransactWriteItems), whose values are DynamoDB-typed (util.dynamodb.toMapValues), run
  against the emulator; the result comes back untyped, as plain JSON.
- AWS_LAMBDA: Invoke (or BatchInvoke, with a batch of one) in the local workers.
- NONE: the request's payload is the result.
- AMAZON_EVENTBRIDGE: PutEvents on the data source's bus.

A failure is ctx.error ({message, type}), never raised: the response handler decides.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import Binary, TypeDeserializer
from botocore.exceptions import ClientError, ParamValidationError

from localcloud.appsync.definition import DataSource

if TYPE_CHECKING:
    from localcloud.workers import Invocation

Invoke = Callable[[str, dict[str, Any]], "Invocation"]
Outcome = tuple[Any, dict[str, Any] | None]  # (ctx.result, ctx.error)

_DESERIALIZER = TypeDeserializer()
CONDITION_FAILED = "DynamoDB:ConditionalCheckFailedException"


def plain(value: Any) -> Any:
    """A deserialised DynamoDB value as JSON has it: numbers as int or float, sets as lists,
    binary as base64."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | set | frozenset | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Binary):
        return base64.b64encode(value.value).decode()  # type: ignore[attr-defined]  # untyped in boto3
    return value


def untyped(item: dict[str, Any] | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {k: plain(_DESERIALIZER.deserialize(v)) for k, v in item.items()}


def _token(key: dict[str, Any] | None) -> str | None:
    """An opaque nextToken: the page's LastEvaluatedKey."""
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode() if key else None


def _start_key(token: str | None) -> dict[str, Any]:
    if not token:
        return {}
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error) as error:
        raise _Failed("DynamoDB:DynamoDbException", "Invalid pagination token") from error
    return {"ExclusiveStartKey": key}


class _Failed(Exception):
    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type, self.message = error_type, message


class _Expressions:
    """AppSync's {expression, expressionNames, expressionValues} parts, merged into the one
    pair of maps DynamoDB takes."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def add(self, part: dict[str, Any] | None) -> str | None:
        if not part or not part.get("expression"):
            return None
        self.names.update(part.get("expressionNames") or {})
        self.values.update(part.get("expressionValues") or {})
        return str(part["expression"])

    def arguments(self) -> dict[str, Any]:
        return {
            **({"ExpressionAttributeNames": self.names} if self.names else {}),
            **({"ExpressionAttributeValues": self.values} if self.values else {}),
        }


def _projection(request: dict[str, Any], expressions: _Expressions) -> dict[str, Any]:
    projection = expressions.add(request.get("projection"))
    return {"ProjectionExpression": projection} if projection else {}


class DynamoDB:
    def __init__(self, client: Any, source: DataSource):
        self.client, self.table = client, source.table_name

    def __call__(self, request: dict[str, Any]) -> Outcome:
        operation = request.get("operation")
        handler = getattr(self, f"_{operation}", None)
        if not isinstance(operation, str) or handler is None:
            return None, {
                "message": f"Unsupported operation '{operation}' for a DynamoDB data source",
                "type": "MappingTemplate",
            }
        try:
            return handler(request), None
        except _Failed as failed:
            return None, {"message": failed.message, "type": failed.error_type}
        except ClientError as error:
            return self._client_error(request, error)
        except (KeyError, TypeError, ValueError, ParamValidationError) as error:
            # a request object missing a part, or with one of the wrong shape
            return None, {
                "message": f"The {operation} request object is not valid: {error}",
                "type": "MappingTemplate",
            }

    def _client_error(self, request: dict[str, Any], error: ClientError) -> Outcome:
        answer: dict[str, Any] = dict(error.response)  # botocore types only its common keys
        code = answer["Error"]["Code"]
        message = answer["Error"].get("Message", code)
        if code == "ConditionalCheckFailedException" and request.get("operation") == "PutItem":
            # AppSync: when the item already is what the request would write, it succeeded.
            current = untyped(
                answer.get("Item")  # ALL_OLD, if the emulator returned it
                or self.client.get_item(
                    TableName=self.table, Key=request["key"], ConsistentRead=True
                ).get("Item")
            )
            ignore = set((request.get("condition") or {}).get("equalsIgnore") or ())
            wanted = untyped({**request.get("attributeValues", {}), **request["key"]})
            if current is not None and _same(current, wanted, ignore):
                return current, None
        if code == "TransactionCanceledException":
            reasons = [
                {"type": r.get("Code", "None"), "message": r.get("Message", "null")}
                for r in answer.get("CancellationReasons", [])
            ]
            return {"keys": None, "cancellationReasons": reasons}, {
                "message": message,
                "type": "DynamoDB:TransactionCanceledException",
            }
        if code == "ConditionalCheckFailedException":
            message = "The conditional request failed (Service: DynamoDb, Status Code: 400)"
        return None, {"message": message, "type": f"DynamoDB:{code}"}

    # -- single items ----------------------------------------------------------------------

    def _GetItem(self, request: dict[str, Any]) -> Any:
        expressions = _Expressions()
        projection = _projection(request, expressions)
        item = self.client.get_item(
            TableName=self.table,
            Key=request["key"],
            ConsistentRead=bool(request.get("consistentRead")),
            **projection,
            **(expressions.arguments() if projection else {}),
        ).get("Item")
        return untyped(item)

    def _conditional(self, request: dict[str, Any], expressions: _Expressions) -> dict[str, Any]:
        condition = expressions.add(request.get("condition"))
        return {"ConditionExpression": condition} if condition else {}

    def _PutItem(self, request: dict[str, Any]) -> Any:
        item = {**request.get("attributeValues", {}), **request["key"]}
        expressions = _Expressions()
        condition = self._conditional(request, expressions)
        self.client.put_item(
            TableName=self.table,
            Item=item,
            **condition,
            **expressions.arguments(),
            **({"ReturnValuesOnConditionCheckFailure": "ALL_OLD"} if condition else {}),
        )
        return untyped(item)

    def _UpdateItem(self, request: dict[str, Any]) -> Any:
        expressions = _Expressions()
        update = expressions.add(request.get("update"))
        condition = self._conditional(request, expressions)
        attributes = self.client.update_item(
            TableName=self.table,
            Key=request["key"],
            **({"UpdateExpression": update} if update else {}),
            **condition,
            **expressions.arguments(),
            ReturnValues="ALL_NEW",
        ).get("Attributes")
        return untyped(attributes)

    def _DeleteItem(self, request: dict[str, Any]) -> Any:
        expressions = _Expressions()
        condition = self._conditional(request, expressions)
        attributes = self.client.delete_item(
            TableName=self.table,
            Key=request["key"],
            **condition,
            **expressions.arguments(),
            ReturnValues="ALL_OLD",
        ).get("Attributes")
        return untyped(attributes)

    # -- many items ------------------------------------------------------------------------

    def _page(self, request: dict[str, Any], expressions: _Expressions) -> dict[str, Any]:
        fil = expressions.add(request.get("filter"))
        projection = _projection(request, expressions)
        return {
            "TableName": self.table,
            **({"IndexName": request["index"]} if request.get("index") else {}),
            **({"Limit": int(request["limit"])} if request.get("limit") is not None else {}),
            **({"FilterExpression": fil} if fil else {}),
            **({"Select": request["select"]} if request.get("select") else {}),
            **({"ConsistentRead": True} if request.get("consistentRead") else {}),
            **projection,
            **_start_key(request.get("nextToken")),
        }

    @staticmethod
    def _items(page: dict[str, Any]) -> dict[str, Any]:
        return {
            "items": [untyped(item) for item in page.get("Items", [])],
            "nextToken": _token(page.get("LastEvaluatedKey")),
            "scannedCount": page.get("ScannedCount", 0),
        }

    def _Query(self, request: dict[str, Any]) -> Any:
        expressions = _Expressions()
        key_condition = expressions.add(request.get("query"))
        arguments = self._page(request, expressions)
        page = self.client.query(
            **arguments,
            KeyConditionExpression=key_condition,
            ScanIndexForward=request.get("scanIndexForward", True) is not False,
            **expressions.arguments(),
        )
        return self._items(page)

    def _Scan(self, request: dict[str, Any]) -> Any:
        expressions = _Expressions()
        arguments = self._page(request, expressions)
        if request.get("totalSegments") is not None:
            arguments["Segment"] = int(request["segment"])
            arguments["TotalSegments"] = int(request["totalSegments"])
        return self._items(self.client.scan(**arguments, **expressions.arguments()))

    def _BatchGetItem(self, request: dict[str, Any]) -> Any:
        tables = request["tables"]
        answer = self.client.batch_get_item(
            RequestItems={
                name: {
                    "Keys": spec["keys"],
                    **({"ConsistentRead": True} if spec.get("consistentRead") else {}),
                }
                for name, spec in tables.items()
            }
        )
        data: dict[str, list[Any]] = {}
        for name, spec in tables.items():
            found = answer.get("Responses", {}).get(name, [])
            # AppSync keeps the keys' order, with null where no item was found.
            data[name] = [
                untyped(next((i for i in found if _has_key(i, key)), None)) for key in spec["keys"]
            ]
        unprocessed = {
            name: [untyped(k) for k in spec.get("Keys", [])]
            for name, spec in answer.get("UnprocessedKeys", {}).items()
        }
        return {"data": data, "unprocessedKeys": unprocessed}

    def _batch_write(self, request: dict[str, Any], kind: str) -> dict[str, Any]:
        tables = request["tables"]
        wrap = "Item" if kind == "PutRequest" else "Key"
        answer = self.client.batch_write_item(
            RequestItems={
                name: [{kind: {wrap: entry}} for entry in entries]
                for name, entries in tables.items()
            }
        )
        left = {
            name: [untyped(r[kind][wrap]) for r in requests]
            for name, requests in answer.get("UnprocessedItems", {}).items()
        }
        data = {name: [untyped(entry) for entry in entries] for name, entries in tables.items()}
        return {"data": data, ("unprocessedItems" if wrap == "Item" else "unprocessedKeys"): left}

    def _BatchPutItem(self, request: dict[str, Any]) -> Any:
        return self._batch_write(request, "PutRequest")

    def _BatchDeleteItem(self, request: dict[str, Any]) -> Any:
        return self._batch_write(request, "DeleteRequest")

    def _TransactGetItems(self, request: dict[str, Any]) -> Any:
        answer = self.client.transact_get_items(
            TransactItems=[
                {"Get": {"TableName": item["table"], "Key": item["key"]}}
                for item in request["transactItems"]
            ]
        )
        return {
            "items": [untyped(r.get("Item")) for r in answer.get("Responses", [])],
            "cancellationReasons": None,
        }

    def _TransactWriteItems(self, request: dict[str, Any]) -> Any:
        self.client.transact_write_items(
            TransactItems=[_transact_write(item) for item in request["transactItems"]]
        )
        return {
            "keys": [untyped(item["key"]) for item in request["transactItems"]],
            "cancellationReasons": None,
        }


def _transact_write(item: dict[str, Any]) -> dict[str, Any]:
    expressions = _Expressions()
    operation = item["operation"]
    entry: dict[str, Any] = {"TableName": item["table"]}
    if operation == "PutItem":
        entry["Item"] = {**item.get("attributeValues", {}), **item["key"]}
    else:
        entry["Key"] = item["key"]
    if operation == "UpdateItem":
        entry["UpdateExpression"] = expressions.add(item.get("update"))
    condition = expressions.add(item.get("condition"))
    if condition:
        entry["ConditionExpression"] = condition
        if (item.get("condition") or {}).get("returnValuesOnConditionCheckFailure"):
            entry["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    entry.update(expressions.arguments())
    kind = {
        "PutItem": "Put",
        "UpdateItem": "Update",
        "DeleteItem": "Delete",
        "ConditionCheck": "ConditionCheck",
    }[operation]
    return {kind: entry}


def _has_key(item: dict[str, Any], key: dict[str, Any]) -> bool:
    return all(item.get(name) == value for name, value in key.items())


def _same(current: dict[str, Any], wanted: dict[str, Any] | None, ignore: set[str]) -> bool:
    if wanted is None:
        return False
    return {k: v for k, v in current.items() if k not in ignore} == {
        k: v for k, v in wanted.items() if k not in ignore
    }


class Lambda:
    def __init__(self, invoke: Invoke, source: DataSource):
        self.invoke, self.function_arn = invoke, source.function_arn or ""

    def __call__(self, request: dict[str, Any]) -> Outcome:
        operation = request.get("operation")
        if operation not in {"Invoke", "BatchInvoke"}:
            return None, {
                "message": f"Unsupported operation '{operation}' for a Lambda data source",
                "type": "MappingTemplate",
            }
        payload = request.get("payload")
        if request.get("invocationType") == "Event":  # asynchronous: nothing comes back
            threading.Thread(
                target=self.invoke, args=(self.function_arn, payload), daemon=True
            ).start()
            return None, None
        # BatchInvoke locally: a batch of one (AppSync batches field resolutions).
        event = [payload] if operation == "BatchInvoke" else payload
        result, error = self.call(event)
        if operation == "BatchInvoke" and error is None:
            result = result[0] if isinstance(result, list) and result else None
        return result, error

    def call(self, event: Any) -> Outcome:
        invocation = self.invoke(self.function_arn, event)
        if invocation.error is not None:
            return None, {
                "message": str(invocation.error.get("errorMessage", "")),
                "type": "Lambda:Unhandled",
            }
        return invocation.payload, None


class EventBridge:
    def __init__(self, client: Any, source: DataSource):
        self.client, self.bus = client, source.event_bus_arn

    def __call__(self, request: dict[str, Any]) -> Outcome:
        if request.get("operation") != "PutEvents":
            return None, {
                "message": f"Unsupported operation '{request.get('operation')}' for an "
                "EventBridge data source",
                "type": "MappingTemplate",
            }
        entries = [
            {
                "Source": event["source"],
                "DetailType": event["detailType"],
                "Detail": json.dumps(event.get("detail", {})),
                "EventBusName": self.bus,
                **({"Resources": event["resources"]} if event.get("resources") else {}),
                **({"Time": event["time"]} if event.get("time") else {}),
            }
            for event in request.get("events", [])
        ]
        try:
            answer = self.client.put_events(Entries=entries)
        except ClientError as error:
            return None, {
                "message": error.response["Error"].get("Message", ""),
                "type": f"EventBridge:{error.response['Error']['Code']}",
            }
        return {"Entries": answer["Entries"], "FailedEntryCount": answer["FailedEntryCount"]}, None


def none(request: dict[str, Any]) -> Outcome:
    """NONE: the payload is the result (AppSync's local resolver)."""
    return request.get("payload"), None


DataSourceCall = Callable[[dict[str, Any]], Outcome]


def data_source(
    source: DataSource, dynamodb: Any, events: Any, invoke: Invoke | None
) -> DataSourceCall:
    if source.type == "AMAZON_DYNAMODB":
        return DynamoDB(dynamodb, source)
    if source.type == "AWS_LAMBDA":
        if invoke is None:
            raise ValueError("a Lambda data source needs the local workers")
        return Lambda(invoke, source)
    if source.type == "AMAZON_EVENTBRIDGE":
        return EventBridge(events, source)
    if source.type == "NONE":
        return none
    raise ValueError(f"the local AppSync does not run {source.type} data sources")
