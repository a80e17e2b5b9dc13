"""Starting the order's workflows: payment (named after the order) and refund (named
`{orderId}-refund`), one execution each."""

from shop_common import clients
from shop_common.models import OrderWorkflowInput, RefundWorkflowInput
from shop_common.serialization import dumps
from shop_common.settings import Env, once, variable

state_machine_arn = once(lambda: variable(Env.STATE_MACHINE_ARN))
refund_state_machine_arn = once(lambda: variable(Env.REFUND_STATE_MACHINE_ARN))
REFUND_SUFFIX = "-refund"


def _start(arn: str, name: str, execution_input: object) -> bool:
    """Start the execution; False when one with this name already exists (STANDARD: on
    EXPRESS names are not unique, and the workflows' conditional steps make a second
    execution change nothing)."""
    sfn = clients.stepfunctions()
    try:
        sfn.start_execution(stateMachineArn=arn, name=name, input=dumps(execution_input))
    except sfn.exceptions.ExecutionAlreadyExists:
        return False
    return True


def start(order_id: str, workflow_input: OrderWorkflowInput) -> bool:
    return _start(state_machine_arn(), order_id, workflow_input)


def start_refund(order_id: str) -> bool:
    refund_input: RefundWorkflowInput = {"orderId": order_id}
    return _start(refund_state_machine_arn(), f"{order_id}{REFUND_SUFFIX}", refund_input)
