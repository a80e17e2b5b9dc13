"""Starting the order workflow: one execution per order, named after it."""

import os

from shop_common.clients import client
from shop_common.serialization import dumps


def start(order_id: str, workflow_input: dict) -> bool:
    """Start the execution; False when one with this name already exists."""
    sfn = client("stepfunctions")
    try:
        sfn.start_execution(
            stateMachineArn=os.environ["STATE_MACHINE_ARN"],
            name=order_id,
            input=dumps(workflow_input),
        )
    except sfn.exceptions.ExecutionAlreadyExists:
        return False
    return True
