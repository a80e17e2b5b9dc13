"""Lookups over a Deployment: which function, policy, queue is which."""

import json

from tests.infra.mocks import Deployment, Registered

FUNCTION = "aws:lambda/function:Function"
QUEUE = "aws:sqs/queue:Queue"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TABLE = "aws:dynamodb/table:Table"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
ESM = "aws:lambda/eventSourceMapping:EventSourceMapping"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROUTE = "aws:apigatewayv2/route:Route"
INTEGRATION = "aws:apigatewayv2/integration:Integration"
PIPE = "aws:pipes/pipe:Pipe"
SCHEDULE = "aws:scheduler/schedule:Schedule"
MACHINE = "aws:sfn/stateMachine:StateMachine"


def function(deployment: Deployment, handler_module: str) -> Registered:
    [match] = [
        f
        for f in deployment.of_type(FUNCTION)
        if f.inputs["handler"] == f"{handler_module}.lambda_handler"
    ]
    return match


def statements(deployment: Deployment, fn: Registered) -> list[dict]:
    """The statements of the function's role (its only policy)."""
    role = deployment.with_output("arn", fn.inputs["role"], ROLE)
    [policy] = [
        p for p in deployment.of_type(ROLE_POLICY) if p.inputs["role"] == role.outputs["name"]
    ]
    return json.loads(policy.inputs["policy"])["Statement"]


def grants(statements_: list[dict], action: str, resource: str) -> bool:
    for statement in statements_:
        resources = statement["Resource"]
        resources = resources if isinstance(resources, list) else [resources]
        if action in statement["Action"] and resource in resources:
            return True
    return False


def granted_actions(statements_: list[dict]) -> set[str]:
    return {action for s in statements_ for action in s["Action"]}


def queue_by_arn(deployment: Deployment, arn: str) -> Registered:
    return deployment.with_output("arn", arn, QUEUE)


def redrive(queue: Registered) -> dict | None:
    policy = queue.inputs.get("redrivePolicy")
    return json.loads(policy) if policy else None
