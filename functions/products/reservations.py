"""Stock reservations: the stock keeper's own table (key orderId + productId) and the
products table's stock, changed together in one DynamoDB transaction.

Per order, a decision record (productId "#order": RESERVED, REJECTED or RELEASED)
written in the same transaction as the stock it takes, so an order is decided once,
and one record per reserved line, removed when its stock is given back.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

from shop_common import clients
from shop_common.dynamo import Item, cancellation_codes, conditional_check_failed, from_item
from shop_common.settings import Env, once, variable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

Decision = Literal["RESERVED", "REJECTED", "RELEASED"]
KEY = ("orderId", "productId")  # the table's (the program builds it from this)
DECISION = "#order"  # the productId of an order's decision record

_reservations = once(lambda: variable(Env.TABLE_NAME))
_products = once(lambda: variable(Env.PRODUCTS_TABLE_NAME))


class Decided(Exception):
    """The order was decided already (by an earlier or a concurrent delivery)."""


class ProductsGone(Exception):
    """Products deleted since they were reserved: their stock has nowhere to go back."""

    def __init__(self, product_ids: set[str]) -> None:
        super().__init__(", ".join(sorted(product_ids)))
        self.product_ids = product_ids


class OutOfStock(Exception):
    def __init__(self, product_ids: list[str]) -> None:
        super().__init__(", ".join(product_ids))
        self.product_ids = product_ids


@dataclass(frozen=True)
class Record:
    value: Decision
    user_id: str
    short: list[str]  # when REJECTED: the lines short of stock


def decision(order_id: str) -> Record | None:
    """The order's decision, or None before any."""
    response = clients.dynamodb().get_item(
        TableName=_reservations(),
        Key={"orderId": {"S": order_id}, "productId": {"S": DECISION}},
        ConsistentRead=True,
    )
    if "Item" not in response:
        return None
    item = from_item(response["Item"])
    return Record(
        cast(Decision, item["decision"]), str(item["userId"]), list(item.get("short", []))
    )


def _decision_put(
    order_id: str, user_id: str, value: Decision, short: list[str] | None = None
) -> "TransactWriteItemTypeDef":
    item: Item = {
        "orderId": {"S": order_id},
        "productId": {"S": DECISION},
        "decision": {"S": value},
        "userId": {"S": user_id},
    }
    if short:
        item["short"] = {"L": [{"S": product_id} for product_id in short]}
    return {
        "Put": {
            "TableName": _reservations(),
            "Item": item,
            "ConditionExpression": "attribute_not_exists(orderId)",
        }
    }


def reserve(order_id: str, user_id: str, lines: dict[str, int]) -> None:
    """Take every line's quantity from stock and record it, all or none.
    Decided when the order already was; OutOfStock names the lines short of stock."""
    transaction: list[TransactWriteItemTypeDef] = [_decision_put(order_id, user_id, "RESERVED")]
    for product_id, quantity in lines.items():
        transaction.append(
            {
                "Update": {
                    "TableName": _products(),
                    "Key": {"productId": {"S": product_id}},
                    "UpdateExpression": "SET stock = stock - :quantity",
                    "ConditionExpression": "attribute_exists(productId) AND stock >= :quantity",
                    "ExpressionAttributeValues": {":quantity": {"N": str(quantity)}},
                }
            }
        )
        transaction.append(
            {
                "Put": {
                    "TableName": _reservations(),
                    "Item": {
                        "orderId": {"S": order_id},
                        "productId": {"S": product_id},
                        "quantity": {"N": str(quantity)},
                    },
                    "ConditionExpression": "attribute_not_exists(orderId)",
                }
            }
        )
    dynamodb = clients.dynamodb()
    try:
        dynamodb.transact_write_items(TransactItems=transaction)
    except dynamodb.exceptions.TransactionCanceledException as error:
        codes = cancellation_codes(error)
        if codes and codes[0] == "ConditionalCheckFailed":
            raise Decided(order_id) from None
        short = [pid for pid, code in zip(lines, codes[1::2], strict=False) if code != "None"]
        if not short:
            raise  # cancelled for another reason (throttling, a conflict): retried
        raise OutOfStock(short) from None


def decide(order_id: str, user_id: str, value: Decision, short: list[str] | None = None) -> None:
    """Record a decision taken without moving stock; Decided if there was one."""
    try:
        clients.dynamodb().put_item(**_decision_put(order_id, user_id, value, short)["Put"])
    except conditional_check_failed():
        raise Decided(order_id) from None


def reserved_lines(order_id: str) -> dict[str, int]:
    response = clients.dynamodb().query(
        TableName=_reservations(),
        KeyConditionExpression="orderId = :order",
        ExpressionAttributeValues={":order": {"S": order_id}},
        ConsistentRead=True,
    )
    records = [from_item(item) for item in response.get("Items", [])]
    return {str(r["productId"]): int(r["quantity"]) for r in records if r["productId"] != DECISION}


def release(order_id: str, lines: dict[str, int], gone: set[str]) -> None:
    """Give the lines' stock back (not to products that are gone) and forget them,
    once: the decision moves from RESERVED to RELEASED in the same transaction."""
    transaction: list[TransactWriteItemTypeDef] = [
        {
            "Update": {
                "TableName": _reservations(),
                "Key": {"orderId": {"S": order_id}, "productId": {"S": DECISION}},
                "UpdateExpression": "SET decision = :released",
                "ConditionExpression": "decision = :reserved",
                "ExpressionAttributeValues": {
                    ":released": {"S": "RELEASED"},
                    ":reserved": {"S": "RESERVED"},
                },
            }
        }
    ]
    returned: dict[int, str] = {}  # index in the transaction → the product given stock back
    for product_id, quantity in lines.items():
        transaction.append(
            {
                "Delete": {
                    "TableName": _reservations(),
                    "Key": {"orderId": {"S": order_id}, "productId": {"S": product_id}},
                    "ConditionExpression": "attribute_exists(orderId)",
                }
            }
        )
        if product_id not in gone:
            returned[len(transaction)] = product_id
            transaction.append(
                {
                    "Update": {
                        "TableName": _products(),
                        "Key": {"productId": {"S": product_id}},
                        "UpdateExpression": "SET stock = stock + :quantity",
                        "ConditionExpression": "attribute_exists(productId)",
                        "ExpressionAttributeValues": {":quantity": {"N": str(quantity)}},
                    }
                }
            )
    dynamodb = clients.dynamodb()
    try:
        dynamodb.transact_write_items(TransactItems=transaction)
    except dynamodb.exceptions.TransactionCanceledException as error:
        codes = cancellation_codes(error)
        if codes[:1] == ["ConditionalCheckFailed"]:
            raise Decided(order_id) from None
        missing = {returned[i] for i, code in enumerate(codes) if i in returned and code != "None"}
        if missing:
            raise ProductsGone(missing) from None
        raise
