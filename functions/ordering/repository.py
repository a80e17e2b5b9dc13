"""Orders table access. Key: orderId; GSI byUser (userId, createdAt) for "my orders"."""

from shop_common.clients import client
from shop_common.dynamo import (
    conditional_check_failed,
    decode_page_token,
    encode_page_token,
    from_item,
    now,
    to_item,
)
from shop_common.settings import once, variable

USER_INDEX = "byUser"
PENDING = "PENDING"
CANCELLED = "CANCELLED"
_USER_PAGE_KEYS = {"orderId", "userId", "createdAt"}


_table = once(lambda: variable("TABLE_NAME"))


def create(order: dict) -> dict | None:
    """Store a new order; if it already exists, store nothing and return the existing one."""
    try:
        client("dynamodb").put_item(
            TableName=_table(),
            Item=to_item(order),
            ConditionExpression="attribute_not_exists(orderId)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except conditional_check_failed() as error:
        return from_item(error.response.get("Item", {}))
    return None


def get(order_id: str) -> dict | None:
    response = client("dynamodb").get_item(TableName=_table(), Key={"orderId": {"S": order_id}})
    return from_item(response["Item"]) if "Item" in response else None


def page_for_user(user_id: str, limit: int, token: str | None) -> tuple[list[dict], str | None]:
    start = decode_page_token(token, _USER_PAGE_KEYS, {"userId": user_id})
    response = client("dynamodb").query(
        TableName=_table(),
        IndexName=USER_INDEX,
        KeyConditionExpression="userId = :userId",
        ExpressionAttributeValues={":userId": {"S": user_id}},
        ScanIndexForward=False,
        Limit=limit,
        **({"ExclusiveStartKey": start} if start else {}),
    )
    items = [from_item(item) for item in response.get("Items", [])]
    return items, encode_page_token(response.get("LastEvaluatedKey"))


def update_if_open(order_id: str, user_id: str, changes: dict) -> dict | None:
    """Apply changes to the caller's order unless it is cancelled; None if refused."""
    changes = changes | {"updatedAt": now()}
    names = {f"#{key}": key for key in changes} | {"#status": "status"}
    values = {f":{key}": value for key, value in to_item(changes).items()}
    try:
        response = client("dynamodb").update_item(
            TableName=_table(),
            Key={"orderId": {"S": order_id}},
            UpdateExpression="SET " + ", ".join(f"#{key} = :{key}" for key in changes),
            ConditionExpression="userId = :caller AND #status <> :cancelled",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values
            | {":caller": {"S": user_id}, ":cancelled": {"S": CANCELLED}},
            ReturnValues="ALL_NEW",
        )
    except conditional_check_failed():
        return None
    return from_item(response["Attributes"])
