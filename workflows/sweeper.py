"""The sweeper (docs/architecture.md#the-sweeper), as Amazon States Language: no Lambda.

Started by its schedule (components/sweeper.py). For each shard of the orders' byStatus
index (ordering.status_index SHARDS), at most SWEEP_LIMIT of each kind, oldest first:

    Start → SweepShards (Map, one iteration per shard):
      FindStaleOrders     PENDING orders whose staleAfter has passed (or that have none:
                          placed before orders carried it)
      FindStaleCheckouts  CHECKED_OUT baskets whose staleAfter has passed (the baskets'
                          byCheckout index, sharded as the orders)
      CountStale          PutMetricData StaleOrdersFound, both counts: the stale_orders alarm
      RedriveOrders       (Map) PublishOrderStalled: the ordering consumer re-drives it
      ReopenCheckouts     (Map) LoadOrder → none: PublishCheckoutStalled (the basket consumer
                          reopens it); an order: its own path settles it (or the sweep of
                          PENDING orders finds it)
    → Swept

"Past its time" is `staleAfter`, stamped by whoever wrote the order or checked the basket
out (shop_common/times.py: Amazon States Language cannot subtract minutes from a time),
compared with the time the sweep started ($$.State.EnteredTime, the same format).

What a finding leads to is decided where the records are kept: the ordering consumer
re-drives or ends an order (ordering/service.py `redrive`), the basket consumer reopens a
basket (basket/repository.py `unlock_for_order`). Each change there is conditional on the
state found, so a finding that is out of date when it arrives changes nothing, and a
sweep that repeats (a schedule's retry, an EXPRESS execution run twice) is harmless.
"""

from typing import Any

from basket.repository import CHECKOUT_INDEX, CHECKOUT_INDEX_KEY
from ordering.status_index import INDEX, PARTITION_KEY, SEPARATOR, SHARDS
from shop_common.contracts import DetailType
from shop_common.metric_names import NAMESPACE, SERVICE_DIMENSION, Metric
from shop_common.times import STALE_AFTER
from workflows.asl import (
    DYNAMODB_SDK_TRANSIENT,
    DYNAMODB_TRANSIENT,
    State,
    catch_all,
    machine,
    map_processor,
    publish,
    retry,
)

SWEEP_LIMIT = 100  # of each kind per shard and sweep; the oldest first, the rest next time
_PENDING = "PENDING"


def _query(table: str, index: str, condition: str, values: dict[str, Any], **more: Any) -> State:
    """A page of an index (the AWS SDK integration: the optimized one has no Query)."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:dynamodb:query",
        "Parameters": {
            "TableName": table,
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ProjectionExpression": "orderId, userId",
            "ScanIndexForward": True,  # oldest first
            "Limit": SWEEP_LIMIT,
            **more,
        },
        "ResultSelector": {"items.$": "$.Items", "count.$": "$.Count"},
        "Retry": retry(DYNAMODB_SDK_TRANSIENT),
        "Catch": [catch_all("ShardNotSwept")],
    }


def _finding(
    kind: str, detail_type: DetailType, bus: str, first: str, before: dict[str, State]
) -> State:
    """A Map over what a query found: each becomes a `detail_type` event, after `before`'s
    states (from `first`) when there are any."""
    return {
        "Type": "Map",
        "ItemsPath": f"$.{kind}.items",
        "ItemSelector": {
            "orderId.$": "$$.Map.Item.Value.orderId.S",
            "userId.$": "$$.Map.Item.Value.userId.S",
            "sweptAt.$": "$.sweptAt",
        },
        "MaxConcurrency": 10,
        "ItemProcessor": map_processor(
            first,
            before
            | {
                "Publish": publish(
                    bus,
                    detail_type,
                    {"orderId": "$.orderId", "userId": "$.userId", "sweptAt": "$.sweptAt"},
                    "Published",
                )
                | {"Catch": [catch_all("FindingNotPublished")]},
                "Published": {"Type": "Succeed"},
                "FindingNotPublished": {
                    "Type": "Fail",
                    "Error": "FindingNotPublished",
                    "Cause": "A stale order or basket was found and could not be reported.",
                },
            },
        ),
        "ResultPath": None,
    }


def _shard(orders_table: str, baskets_table: str, bus: str, service: str) -> dict[str, State]:
    stale_checkouts = f"{CHECKOUT_INDEX_KEY[0]} = :shard AND {CHECKOUT_INDEX_KEY[1]} <= :now"
    counted = {
        "MetricName": Metric.STALE_ORDERS_FOUND.value,
        "Unit": "Count",
        "Dimensions": [{"Name": SERVICE_DIMENSION, "Value": service}],
    }
    return {
        "FindStaleOrders": _query(
            orders_table,
            INDEX,
            f"{PARTITION_KEY} = :partition",
            {
                ":partition": {"S.$": f"States.Format('{_PENDING}{SEPARATOR}{{}}', $.shard)"},
                ":now": {"S.$": "$.sweptAt"},
            },
            FilterExpression=f"attribute_not_exists({STALE_AFTER}) OR {STALE_AFTER} <= :now",
        )
        | {"ResultPath": "$.orders", "Next": "FindStaleCheckouts"},
        "FindStaleCheckouts": _query(
            baskets_table,
            CHECKOUT_INDEX,
            stale_checkouts,
            {":shard": {"S.$": "States.Format('{}', $.shard)"}, ":now": {"S.$": "$.sweptAt"}},
        )
        | {"ResultPath": "$.checkouts", "Next": "CountStale"},
        "CountStale": {
            "Type": "Task",
            "Comment": "One data point per kind; CloudWatch sums them (the alarm's Sum).",
            "Resource": "arn:aws:states:::aws-sdk:cloudwatch:putMetricData",
            "Parameters": {
                "Namespace": NAMESPACE,
                "MetricData": [
                    counted | {"Value.$": "$.orders.count"},
                    counted | {"Value.$": "$.checkouts.count"},
                ],
            },
            "ResultPath": None,
            "Retry": retry(["States.TaskFailed"]),
            "Catch": [catch_all("ShardNotSwept")],
            "Next": "RedriveOrders",
        },
        "RedriveOrders": _finding("orders", DetailType.ORDER_STALLED, bus, "Publish", {})
        | {"Next": "ReopenCheckouts"},
        "ReopenCheckouts": _finding(
            "checkouts",
            DetailType.CHECKOUT_STALLED,
            bus,
            "LoadOrder",
            {
                "LoadOrder": {
                    "Type": "Task",
                    "Comment": "A basket checked out as an order that exists is not stuck.",
                    "Resource": "arn:aws:states:::dynamodb:getItem",
                    "Parameters": {
                        "TableName": orders_table,
                        "Key": {"orderId": {"S.$": "$.orderId"}},
                        "ConsistentRead": True,
                        "ProjectionExpression": "orderId",
                    },
                    "ResultPath": "$.order",
                    "Retry": retry(DYNAMODB_TRANSIENT),
                    "Catch": [catch_all("FindingNotPublished")],
                    "Next": "HasOrder",
                },
                "HasOrder": {
                    "Type": "Choice",
                    "Choices": [
                        {"Variable": "$.order.Item", "IsPresent": True, "Next": "OrderExists"}
                    ],
                    "Default": "Publish",
                },
                "OrderExists": {"Type": "Succeed"},
            },
        )
        | {"Next": "ShardSwept"},
        "ShardSwept": {"Type": "Succeed"},
        "ShardNotSwept": {
            "Type": "Fail",
            "Error": "ShardNotSwept",
            "Cause": "A shard could not be read or counted; the next sweep reads it again.",
        },
    }


def definition(
    *, orders_table: str, baskets_table: str, event_bus: str, service: str
) -> dict[str, Any]:
    """The definition. `service`: the StaleOrdersFound metric's service dimension (the
    state machine's name: the stale_orders alarm watches it)."""
    return machine(
        "Sweeper: stale PENDING orders re-driven, stale checked-out baskets reopened.",
        "Start",
        {
            "Start": {
                "Type": "Pass",
                "Parameters": {
                    "sweptAt.$": "$$.State.EnteredTime",
                    "shards.$": f"States.ArrayRange(0, {SHARDS - 1}, 1)",
                },
                "Next": "SweepShards",
            },
            "SweepShards": {
                "Type": "Map",
                "ItemsPath": "$.shards",
                "ItemSelector": {"shard.$": "$$.Map.Item.Value", "sweptAt.$": "$.sweptAt"},
                "MaxConcurrency": SHARDS,
                "ItemProcessor": map_processor(
                    "FindStaleOrders", _shard(orders_table, baskets_table, event_bus, service)
                ),
                "ResultPath": None,
                "Next": "Swept",
            },
            "Swept": {"Type": "Succeed"},
        },
    )
