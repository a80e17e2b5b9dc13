"""What every panel is given (Context) and how its routes answer (Request, Reply)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_stepfunctions import SFNClient

    from localcloud.console.model import Architecture
    from localcloud.console.stream import EventStream
    from localcloud.scheduler import Scheduler
    from scripts.ops import Stack


@dataclass
class Context:
    """The running local cloud, as the panels see it."""

    outputs: dict[str, Any]
    architecture: Architecture
    stream: EventStream
    stack: Stack  # scripts/ops.py's: the runbooks' code, against the emulator
    sqs: SQSClient
    stepfunctions: SFNClient
    state_dir: Path
    invocations: Callable[[], dict[str, int]]  # function name → invocations so far
    scheduler: Scheduler | None = None  # the local scheduler (schedules panel)


@dataclass
class Request:
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None  # a POST's JSON


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"


def json_reply(value: Any, status: int = 200) -> Reply:
    return Reply(status, json.dumps(value, default=str).encode())


Handler = Callable[[Context, Request], Reply]


@dataclass(frozen=True)
class Panel:
    name: str  # its script: web/console/panels/<name>.js; its API: /api/<name>/...
    title: str
    get: dict[str, Handler] = field(default_factory=dict)  # route → handler
    post: dict[str, Handler] = field(default_factory=dict)
