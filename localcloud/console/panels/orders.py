"""An order's story: the order as the orders table holds it, its timeline as the audit table
keeps it (read directly from the emulator with scripts/ops.py's `audit_events`, not through
GET /orders/{orderId}/timeline, which needs the customer's token), its events as the tap saw
them, its workflow executions with the states they walked (DescribeExecution,
GetExecutionHistory), and its notifications (the outbox file's entries that name it)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from localcloud.console.panels.base import Context, Panel, Reply, Request, json_reply
from scripts.ops import audit_events, order_executions
from shop_common.contracts import UUID_PATTERN

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions.type_defs import HistoryEventTypeDef

# The ids the shop issues: a part of one would match other orders' notifications.
_ORDER_ID = re.compile(UUID_PATTERN)


def story(context: Context, request: Request) -> Reply:
    order_id = request.query.get("orderId", "").strip()
    if not _ORDER_ID.match(order_id):
        return json_reply({"message": "orderId: an order's id (a UUID, as the shop issues)"}, 400)
    from boto3.dynamodb.types import TypeDeserializer  # noqa: PLC0415

    item = (
        context.stack.dynamodb()
        .get_item(
            TableName=context.stack.output("ordersTableName"), Key={"orderId": {"S": order_id}}
        )
        .get("Item")
    )
    deserialize = TypeDeserializer().deserialize
    return json_reply(
        {
            "orderId": order_id,
            "order": {k: deserialize(v) for k, v in item.items()} if item else None,
            "audit": audit_events(context.stack, order_id),
            "events": context.stream.since(0, order_id),
            "executions": [
                {
                    "name": described["name"],
                    "arn": described["executionArn"],
                    "status": described["status"],
                    "startDate": described["startDate"],
                    "states": states_walked(context, described["executionArn"]),
                }
                for described in order_executions(context.stack, order_id)
            ],
            "notifications": notifications(context, order_id),
        }
    )


def states_walked(context: Context, execution_arn: str) -> list[dict[str, Any]]:
    """The states the execution entered, in order, each with how it ended (exited, failed)."""
    history: list[HistoryEventTypeDef] = []
    for page in context.stepfunctions.get_paginator("get_execution_history").paginate(
        executionArn=execution_arn
    ):
        history += page["events"]
    walked: list[dict[str, Any]] = []
    for event in history:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            name = event.get("stateEnteredEventDetails", {}).get("name", "?")
            walked.append({"state": name, "entered": event["timestamp"], "outcome": "entered"})
        elif kind.endswith("StateExited") and walked:
            walked[-1]["outcome"] = "exited"
        elif kind.endswith("Failed") and walked:
            walked[-1]["outcome"] = kind
    return walked


def notifications(context: Context, order_id: str) -> list[dict[str, Any]]:
    """The outbox's e-mails and SNS messages (.localcloud/outbox.jsonl) that name the order."""
    outbox = context.state_dir / "outbox.jsonl"
    if not outbox.exists():
        return []
    return [
        json.loads(line)
        for line in outbox.read_text(encoding="utf-8").splitlines()
        if order_id in line
    ]


PANEL = Panel("orders", "An order's story", get={"story": story})
