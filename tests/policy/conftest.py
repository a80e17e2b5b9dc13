"""The policy pack's own tests: each policy fires on a planted violation."""

import pytest

from tests.infra.mocks import Deployment, run_program


@pytest.fixture(scope="session")
def dev() -> Deployment:
    """The dev stack as recorded under mocks: the resources the violations are planted in."""
    return run_program("dev")
