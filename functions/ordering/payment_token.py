"""The customer's payment token, read where checkout left it: on their checked-out basket.

The token never travels in an event and the order never stores it: the basket keeps
it while it is checked out as this order (the baskets service removes it when it
empties or reopens the basket), and the ordering service reads it, through a declared
read-only grant, only to start the payment.
"""

from shop_common import clients
from shop_common.settings import Env, once, variable

_baskets = once(lambda: variable(Env.BASKETS_TABLE_NAME))


def held_for(user_id: str, order_id: str) -> str | None:
    """The token of the customer's basket while it is checked out as order_id."""
    response = clients.dynamodb().get_item(
        TableName=_baskets(),
        Key={"userId": {"S": user_id}},
        ConsistentRead=True,
        ProjectionExpression="orderId, paymentToken",
    )
    item = response.get("Item", {})
    if item.get("orderId", {}).get("S") != order_id:
        return None  # emptied, reopened, or checked out again as another order
    return item.get("paymentToken", {}).get("S")
