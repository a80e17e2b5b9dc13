"""Provisioning: the Pulumi program evaluated under mocks that create each
resource in the emulator (core.py), with one module per emulated service that
registers a handler for each of its resource types. Adding a service is adding
a module here and naming it below."""

from localcloud import program, stack_config
from localcloud.provisioning import (  # noqa: F401 - each registers its handlers
    apigatewayv2,
    appsync,
    budgets,
    cloudfront,
    cloudwatch,
    cognito,
    dynamodb,
    events,
    iam,
    kms,
    lambda_,
    pipes,
    s3,
    scheduler,
    ses,
    sns,
    sqs,
    stepfunctions,
)
from localcloud.provisioning.core import (
    HANDLERS,
    LOCAL_USER_AGENT_APP_ID,
    NOT_ENFORCED,
    REGISTRATION_THREADS,
    Deployment,
    EmulatorMocks,
    Provisioned,
)

__all__ = [
    "HANDLERS",
    "LOCAL_USER_AGENT_APP_ID",
    "NOT_ENFORCED",
    "Deployment",
    "EmulatorMocks",
    "Provisioned",
    "provision",
    "stack_region",
]


def stack_region(stack: str) -> str:
    return stack_config.load(stack).get("aws:region", "us-east-1")


def provision(mocks: EmulatorMocks, stack: str) -> Deployment:
    """Create the stack's resources in the emulator; return what was created."""
    mocks.deployment.outputs = program.evaluate(
        mocks, stack, registration_threads=REGISTRATION_THREADS
    )
    return mocks.deployment
