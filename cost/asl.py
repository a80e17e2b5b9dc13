"""The happy path of a state machine, walked on its Amazon States Language definition.

An execution's path is not in the definition alone (Choice states test data), so the
walk asks what the order path needs of the machine: the shortest path of success
transitions (Next, a Choice's branches and Default; never a Catch) from StartAt to a
Succeed state (or an End) whose tasks make every call the measured execution made,
PutEvents told apart by detail-type. Its states are the states an execution enters:
a STANDARD execution is billed one transition for each."""

from collections import deque
from typing import Any

State = dict[str, Any]


def task_action(state: State) -> str | None:
    """ "dynamodb:getitem", "events:putevents:OrderPaid", "sesv2:sendemail", ... of a Task
    with a service integration (arn:aws:states:::<service>:<action>, or aws-sdk:…)."""
    if state.get("Type") != "Task":
        return None
    resource = str(state["Resource"]).removeprefix("arn:aws:states:::").removeprefix("aws-sdk:")
    service, action = resource.split(":")[:2]
    action = action.split(".")[0]  # .sync, .waitForTaskToken
    name = f"{service}:{action}".lower()
    if name == "events:putevents":
        types = sorted({e["DetailType"] for e in state["Parameters"]["Entries"]})
        return f"{name}:{','.join(types)}"
    return name


def _successors(state: State) -> list[str]:
    following = [state[key] for key in ("Next", "Default") if key in state]
    return following + [choice["Next"] for choice in state.get("Choices", [])]


def _ends_well(state: State) -> bool:
    return state["Type"] == "Succeed" or (state.get("End") is True and state["Type"] != "Fail")


def happy_path(definition: dict[str, Any], calls: set[str]) -> list[str]:
    """The states of the shortest successful path that makes `calls` (task_action names)."""
    states: dict[str, State] = definition["States"]
    start = definition["StartAt"]

    def made(name: str, before: frozenset[str]) -> frozenset[str]:
        action = task_action(states[name])
        return before | {action} if action in calls else before

    first = (start, made(start, frozenset()))
    came_from: dict[tuple[str, frozenset[str]], tuple[str, frozenset[str]] | None] = {first: None}
    queue = deque([first])
    while queue:
        node = queue.popleft()
        name, covered = node
        if _ends_well(states[name]) and covered == calls:
            path = []
            step: tuple[str, frozenset[str]] | None = node
            while step is not None:
                path.append(step[0])
                step = came_from[step]
            return path[::-1]
        for following in _successors(states[name]):
            nxt = (following, made(following, covered))
            if nxt not in came_from:
                came_from[nxt] = node
                queue.append(nxt)
    raise ValueError(f"no successful path from {start} makes {sorted(calls)}")
