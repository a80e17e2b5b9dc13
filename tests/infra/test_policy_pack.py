"""The policy pack (policy/shop_policies.py) on every stack's resources as the
program records them under mocks: the reliability and security defaults
(docs/architecture.md#reliability-and-security-defaults) hold on every resource. The
pack's own tests (tests/policy/) show each policy firing on a planted violation."""

import pytest

from policy.evaluate import evaluate
from policy.shop_policies import POLICIES
from tests import ROOT
from tests.infra.mocks import run_program

STACKS = sorted(path.name.split(".")[1] for path in ROOT.glob("Pulumi.*.yaml"))


@pytest.fixture(scope="module", params=STACKS)
def stack(request, dev, prod):
    """Every stack file's stack (dev and prod are the infra tests' own runs)."""
    return {"dev": dev, "prod": prod}.get(request.param) or run_program(request.param)


def test_the_stack_files_are_found():
    assert {"dev", "prod", "local"} <= set(STACKS)


def test_the_pack_passes_on_every_stack(stack):
    report = evaluate(POLICIES, stack.resources)

    assert [f"{v.policy}: {v.message}" for v in report.mandatory] == []
    assert report.undecided == []  # under mocks every value is known: nothing is left unjudged
