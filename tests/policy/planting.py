"""Plant violations in recorded resources and run one policy on them."""

import copy
import dataclasses
import json
from collections.abc import Callable, Iterable
from typing import Any

from policy.evaluate import Report, evaluate
from policy.shop_policies import POLICIES
from tests.infra.mocks import Deployment, Registered

Change = Callable[[dict[str, Any]], object]


def planted(resource: Registered, change: Change) -> Registered:
    """A copy of the resource with `change` made to its inputs and to its outputs
    (the engine shows a resource policy the one, a stack policy the other)."""
    inputs, outputs = copy.deepcopy(resource.inputs), copy.deepcopy(resource.outputs)
    change(inputs)
    change(outputs)
    return dataclasses.replace(resource, inputs=inputs, outputs=outputs)


def in_json(key: str, change: Callable[[Any], object]) -> Change:
    """A change to the JSON document a property holds as text (a policy, a definition)."""

    def edit(props: dict[str, Any]) -> None:
        document = json.loads(props[key])
        change(document)
        props[key] = json.dumps(document)

    return edit


def with_resources(deployment: Deployment, *changed: Registered) -> list[Registered]:
    """The deployment's resources with these in place of the ones of the same type and name."""
    by_key = {(r.typ, r.name): r for r in changed}
    known = {(r.typ, r.name) for r in deployment.resources}
    added = [r for key, r in by_key.items() if key not in known]
    return [by_key.get((r.typ, r.name), r) for r in deployment.resources] + added


def without(deployment: Deployment, name: str) -> list[Registered]:
    return [r for r in deployment.resources if r.name != name]


def run(policy_name: str, resources: Iterable[Registered]) -> Report:
    [policy] = [p for p in POLICIES if p.name == policy_name]
    return evaluate([policy], resources)


def violations(policy_name: str, resources: Iterable[Registered]) -> list[str]:
    report = run(policy_name, resources)
    assert not report.undecided, report.undecided  # everything is known under mocks
    return report.of(policy_name)
