"""Queues and dead-letter queues with their depths, and a redrive per DLQ that holds
messages: with the runbooks' own code (scripts/ops.py, what `make redrive` and `make reput`
run). A work queue's DLQ (`<key>DlqUrl` beside `<key>QueueUrl` in the outputs) is redriven
to its queue (`redrive`); an EventBridge target's DLQ (`TARGET_DLQ_OUTPUTS`) holds events,
which are put on the bus again (`reput`). A DLQ neither knows (a pipe's) has no button."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from localcloud.console.panels.architecture import queue_depth
from localcloud.console.panels.base import Context, Panel, Reply, Request, json_reply
from scripts.ops import TARGET_DLQ_OUTPUTS, redrive, reput


def _action(context: Context, url: str) -> tuple[str, str] | None:
    """(how, the outputs key the runbook takes) for a DLQ the runbooks can empty."""
    outputs = context.outputs
    for key, value in outputs.items():
        if value != url:
            continue
        if key in TARGET_DLQ_OUTPUTS:
            return "reput", key
        consumer = key.removesuffix("DlqUrl")
        if key.endswith("DlqUrl") and f"{consumer}QueueUrl" in outputs:
            return "redrive", consumer
    return None


def listing(context: Context, _: Request) -> Reply:
    nodes = context.architecture.of_kind("queue", "dlq")
    with ThreadPoolExecutor(8, thread_name_prefix="console-queues") as pool:
        depths = list(pool.map(lambda n: queue_depth(context, n.url), nodes))
    queues: list[dict[str, Any]] = []
    for node, depth in zip(nodes, depths, strict=True):
        action = _action(context, node.url) if node.kind == "dlq" else None
        queues.append(
            {
                "key": node.key,
                "name": node.name,
                "label": node.label,
                "dlq": node.kind == "dlq",
                **depth,
                "action": action[0] if action else None,
            }
        )
    queues.sort(key=lambda q: (not q["dlq"], q["label"]))
    return json_reply({"queues": queues})


def redrive_dlq(context: Context, request: Request) -> Reply:
    key = (request.body or {}).get("queue") if isinstance(request.body, dict) else None
    node = context.architecture.nodes.get(key) if isinstance(key, str) else None
    if node is None or node.kind != "dlq":
        return json_reply({"message": "queue: the key of a dead-letter queue"}, 400)
    action = _action(context, node.url)
    if action is None:
        return json_reply({"message": f"no runbook empties {node.label}"}, 409)
    said: list[str] = []
    how, name = action
    moved = (redrive if how == "redrive" else reput)(context.stack, name, say=said.append)
    return json_reply({"queue": node.label, "action": how, "moved": moved, "said": said})


PANEL = Panel("queues", "Queues and DLQs", get={"list": listing}, post={"redrive": redrive_dlq})
