"""Starting the order workflow: one execution per order, named after it."""

from shop_common import clients
from shop_common.models import OrderWorkflowInput
from shop_common.serialization import dumps
from shop_common.settings import Env, once, variable

state_machine_arn = once(lambda: variable(Env.STATE_MACHINE_ARN))


def start(order_id: str, workflow_input: OrderWorkflowInput) -> bool:
    """Start the execution; False when one with this name already exists."""
    sfn = clients.stepfunctions()
    try:
        sfn.start_execution(
            stateMachineArn=state_machine_arn(),
            name=order_id,
            input=dumps(workflow_input),
        )
    except sfn.exceptions.ExecutionAlreadyExists:
        return False
    return True
