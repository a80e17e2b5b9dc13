"""The event stream, live: every event the tap saw on the bus, newest last, with the rules it
matched (moto's matcher) and, per target, whether its delivery was observed (stream.py)."""

from __future__ import annotations

from localcloud.console.panels.base import Context, Panel, Reply, Request, json_reply


def listing(context: Context, request: Request) -> Reply:
    """Events after `since` (a sequence number; 0: all kept), optionally of one correlation id."""
    try:
        since = int(request.query.get("since", "0"))
    except ValueError:
        return json_reply({"message": "since must be a whole number"}, 400)
    events = context.stream.since(since, request.query.get("correlationId") or None)
    return json_reply({"events": events, "targets": _target_names(context)})


def _target_names(context: Context) -> dict[str, str]:
    """Target ARN → the box it is in the picture (its short name)."""
    return {
        target.arn: (
            node.label if (node := context.architecture.by_arn(target.arn)) else target.arn
        )
        for rule in context.architecture.rules
        for target in rule.targets
    }


PANEL = Panel("events", "Event stream", get={"list": listing})
