"""Infrastructure tests: the Pulumi program and its components under mocks."""

import pytest

from tests.infra.mocks import Deployment, run_program


@pytest.fixture(scope="session")
def dev() -> Deployment:
    return run_program("dev")


@pytest.fixture(scope="session")
def prod() -> Deployment:
    return run_program("prod")


@pytest.fixture(scope="session", params=["dev", "prod"])
def deployment(request, dev, prod) -> Deployment:
    """Every stack: the reliability and security defaults hold whatever the stack settings."""
    return {"dev": dev, "prod": prod}[request.param]
