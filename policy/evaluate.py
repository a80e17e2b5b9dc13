"""Evaluate the pack's policies on recorded resources, without the Pulumi CLI.

The engine hands a policy pack each resource's inputs (resource policies) and every
resource's outputs (stack policies), with camelCase names, wrapped so that reading an
unknown value raises UnknownValueError. This does the same with resources recorded
under Pulumi mocks (tests/infra/mocks.py), so `make test` runs the very policy objects
that `pulumi preview --policy-pack policy` runs. As in the engine, a policy stopped by
an unknown value is reported as undecided (the engine's advisory "can't run policy
during preview"), never as passed or failed.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy


class Recorded(Protocol):
    """A resource as a program run registered it (tests/infra/mocks.py Registered)."""

    @property
    def typ(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def urn(self) -> str: ...
    @property
    def inputs(self) -> Mapping[str, Any]: ...
    @property
    def outputs(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Violation:
    policy: str
    level: EnforcementLevel
    urn: str | None
    message: str


@dataclass
class Report:
    violations: list[Violation] = field(default_factory=list)
    # (policy, what it could not read): judged neither passed nor failed
    undecided: list[tuple[str, str]] = field(default_factory=list)

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == EnforcementLevel.MANDATORY]

    def of(self, policy: str) -> list[str]:
        return [v.message for v in self.violations if v.policy == policy]


def _options() -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=False,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
    )


def _proxied(properties: Mapping[str, Any]) -> Mapping[str, Any]:
    return unknown_checking_proxy(dict(properties))


def _run(
    report: Report, policy: Policy, validate: Callable[[ReportViolation], object], urn: str | None
) -> None:
    """One validation, its violations (on `urn` when given: a resource policy's are its
    resource's) and whether an unknown value left it undecided."""
    level = policy.enforcement_level or EnforcementLevel.ADVISORY

    def violation(message: str, reported_urn: str | None = None) -> None:
        report.violations.append(Violation(policy.name, level, urn or reported_urn, message))

    try:
        validate(violation)
    except UnknownValueError as unknown:
        report.undecided.append((policy.name, unknown.message))


def evaluate(policies: Sequence[Policy], resources: Iterable[Recorded]) -> Report:
    """Run every policy as the engine would: resource policies on each resource's
    inputs, stack policies once on every resource's outputs."""
    recorded = list(resources)
    report = Report()
    for policy in policies:
        if isinstance(policy, ResourceValidationPolicy):
            for resource in recorded:
                args = ResourceValidationArgs(
                    resource.typ,
                    _proxied(resource.inputs),
                    resource.urn,
                    resource.name,
                    _options(),
                    None,
                )
                _run(report, policy, partial(policy.validate, args), resource.urn)
        elif isinstance(policy, StackValidationPolicy):
            stack = [
                PolicyResource(
                    r.typ, _proxied(r.outputs), r.urn, r.name, _options(), None, None, [], {}
                )
                for r in recorded
            ]
            _run(report, policy, partial(policy.validate, StackValidationArgs(stack)), None)
    return report
