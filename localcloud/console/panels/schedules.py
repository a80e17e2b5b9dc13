"""The program's EventBridge Scheduler schedules as the local scheduler fires them: each
with its expression, time zone, state, target, next fire time and what it last started; and
a "fire now" per schedule, the same invocation the scheduler makes at its time (retried
within the schedule's retry policy, then dead-lettered), as `python -m localcloud schedule
fire` does from the command line."""

from __future__ import annotations

from datetime import UTC, datetime

from localcloud.console.panels.base import Context, Panel, Reply, Request, json_reply


def listing(context: Context, _: Request) -> Reply:
    scheduler = context.scheduler
    if scheduler is None:
        return json_reply({"schedules": []})
    last: dict[str, str] = dict(scheduler.fired)  # the latest start of each, in order
    schedules = [
        {
            "name": s.name,
            "expression": s.expression,
            "timezone": s.timezone,
            "enabled": s.enabled,
            "supported": s.supported,
            "target": s.target_arn.rsplit(":", 1)[-1],
            "next": next_fire.isoformat() if (next_fire := scheduler.next_fire(s)) else None,
            "lastExecution": last.get(s.name),
        }
        for s in scheduler.schedules
    ]
    return json_reply({"schedules": sorted(schedules, key=lambda s: s["name"])})


def fire_now(context: Context, request: Request) -> Reply:
    scheduler = context.scheduler
    name = request.body.get("schedule") if isinstance(request.body, dict) else None
    found = [s for s in scheduler.schedules if s.name == name] if scheduler else []
    if scheduler is None or not found:
        return json_reply({"message": "schedule: the name of one of the program's schedules"}, 400)
    [schedule] = found
    if not schedule.supported:
        return json_reply(
            {"message": f"{schedule.name}: the local scheduler starts state machines only"}, 409
        )
    execution = scheduler.invoke(schedule, datetime.now(UTC))
    if execution is None:
        return json_reply({"message": f"{schedule.name}: not started (dead-lettered)"}, 502)
    return json_reply({"schedule": schedule.name, "execution": execution})


PANEL = Panel("schedules", "Schedules", get={"list": listing}, post={"fire": fire_now})
