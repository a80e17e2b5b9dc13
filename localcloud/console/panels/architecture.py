"""The architecture as a picture (svg.py, from the deployment) and each box's live counts:
invocations (functions: the local workers count them), messages visible and in flight
(queues: GetQueueAttributes), executions running and failed (state machines:
ListExecutions), events per minute (rules: from the tap's event stream)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from localcloud.console.panels.base import Context, Panel, Reply, Request, json_reply
from localcloud.console.svg import render

_svg_cache: dict[int, bytes] = {}


def svg(context: Context, _: Request) -> Reply:
    key = id(context.architecture)
    if key not in _svg_cache:
        _svg_cache[key] = render(context.architecture).encode()
    return Reply(200, _svg_cache[key], "image/svg+xml")


def queue_depth(context: Context, url: str) -> dict[str, int]:
    attributes = context.sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return {
        "visible": int(attributes.get("ApproximateNumberOfMessages", 0)),
        "inFlight": int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
    }


def executions(context: Context, arn: str) -> dict[str, int]:
    counts = {}
    for status in ("RUNNING", "FAILED"):
        listed = context.stepfunctions.get_paginator("list_executions").paginate(
            stateMachineArn=arn, statusFilter=status
        )
        counts[status.lower()] = sum(len(page["executions"]) for page in listed)
    return counts


def counts(context: Context, _: Request) -> Reply:
    """Box key → {text, state}: state "busy" (work under way) or "alert" (a DLQ holds
    messages, an execution failed) or ""."""
    architecture = context.architecture
    found: dict[str, dict[str, Any]] = {}
    invocations = context.invocations()
    for node in architecture.of_kind("function"):
        count = invocations.get(node.name, 0)
        found[node.key] = {"text": f"{count} invocation{'s' * (count != 1)}", "state": ""}
    per_minute = context.stream.per_minute()
    for node in architecture.of_kind("rule"):
        count = per_minute.get(node.name, 0)
        found[node.key] = {"text": f"{count} events/min", "state": "busy" if count else ""}
    queues = architecture.of_kind("queue", "dlq")
    machines = architecture.of_kind("machine")
    with ThreadPoolExecutor(8, thread_name_prefix="console-counts") as pool:
        depths = list(pool.map(lambda n: queue_depth(context, n.url), queues))
        runs = list(pool.map(lambda n: executions(context, n.arn), machines))
    for node, depth in zip(queues, depths, strict=True):
        held = depth["visible"] + depth["inFlight"]
        alert = node.kind == "dlq" and held > 0
        found[node.key] = {
            "text": f"{depth['visible']} visible · {depth['inFlight']} in flight",
            "state": "alert" if alert else "busy" if held else "",
        }
    for node, run in zip(machines, runs, strict=True):
        found[node.key] = {
            "text": f"{run['running']} running · {run['failed']} failed",
            "state": "alert" if run["failed"] else "busy" if run["running"] else "",
        }
    return json_reply(found)


PANEL = Panel("architecture", "Architecture", get={"svg": svg, "counts": counts})
