"""Starting the order's workflows: payment (named after the order; a re-drive
`{orderId}-r{n}`) and refund (named `{orderId}-refund`), one execution each."""

from shop_common import clients
from shop_common.models import OrderExpiryInput, OrderWorkflowInput, RefundWorkflowInput
from shop_common.serialization import dumps
from shop_common.settings import Env, once, variable

state_machine_arn = once(lambda: variable(Env.STATE_MACHINE_ARN))
refund_state_machine_arn = once(lambda: variable(Env.REFUND_STATE_MACHINE_ARN))
REFUND_SUFFIX = "-refund"
REDRIVE_SUFFIX = "-r"
# Re-drives of a stale order (the sweeper's findings) before the next one ends it, expired.
REDRIVES_BEFORE_EXPIRY = 2


def execution_name(order_id: str, redrive: int) -> str:
    """The order's first execution is named after it; its n-th re-drive `{orderId}-r{n}`.
    A STANDARD execution's name cannot be used again for 90 days, even once it has
    failed, so a re-drive needs a new one; numbered, so that a repeated delivery within
    one re-drive still starts one execution."""
    return f"{order_id}{REDRIVE_SUFFIX}{redrive}" if redrive else order_id


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


def start(order_id: str, workflow_input: OrderWorkflowInput, redrive: int = 0) -> bool:
    return _start(state_machine_arn(), execution_name(order_id, redrive), workflow_input)


def start_expiry(order_id: str, user_id: str, shard: int, redrive: int) -> bool:
    """The re-drive that ends a stale order: the workflow marks it PAYMENT_FAILED
    (`expired`) and publishes OrderPaymentFailed, as it does for a declined payment."""
    expiry: OrderExpiryInput = {
        "orderId": order_id,
        "userId": user_id,
        "shard": shard,
        "expire": True,
    }
    return _start(state_machine_arn(), execution_name(order_id, redrive), expiry)


def start_refund(order_id: str) -> bool:
    refund_input: RefundWorkflowInput = {"orderId": order_id}
    return _start(refund_state_machine_arn(), f"{order_id}{REFUND_SUFFIX}", refund_input)
