"""The nightly sales report (docs/architecture.md#the-nightly-sales-report), as Amazon
States Language: no Lambda, and no arithmetic of its own.

Started by its schedule (components/sales_report.py: a cron in the shop's time zone, just
after midnight). The status changes have counted the day's sales into the open counters,
one item per byStatus shard (ordering/sales.py); the report moves them into one report
item, publishes it to the ops topic and keeps it:

    Start → ReadLatest (where the last report ended) → OpenReport (the report item, at 0)
      → CloseShards (Map, one shard at a time):
          OpenCounters  ADD 0 to every counter (so all exist) and read them
          MoveCounters  one transaction: SET each open counter to itself minus what was read
                        (conditional on the item's `drains`, so a repeat moves nothing
                        twice), ADD it to the report. A conflict with a counting status
                        change is retried; one that persists leaves that shard's counts to
                        the next report (ShardLeftOpen): nothing is lost or counted twice.
      → LoadReport → Summarize (the report as JSON: counts from DynamoDB's numbers)
      → PublishReport (the ops topic) → MarkPublished (since, publishedAt) → MarkLatest → Reported

The period is "since the last report", so the schedule's time zone sets the business
day's end, clock changes included, and a run that fails leaves its counts to the next.
The report never computes "yesterday": Amazon States Language has no date arithmetic.
"""

from typing import Any

from ordering import sales
from ordering.status_index import SEPARATOR, SHARDS
from workflows.asl import (
    DYNAMODB_SDK_TRANSIENT,
    DYNAMODB_TRANSIENT,
    SNS_TRANSIENT,
    State,
    catch_all,
    machine,
    map_processor,
    retry,
)

_NAMES = {f"#c{n}": counter for n, counter in enumerate(sales.COUNTERS)}
_REPORT_KEY = f"States.Format('{sales.REPORT}{SEPARATOR}{{}}', $.closedAt)"
_OPEN_KEY = f"States.Format('{sales.OPEN}{SEPARATOR}{{}}', $.shard)"
_TRANSACTION_CANCELLED = "DynamoDb.TransactionCanceledException"


def _key(period: str, literal: bool = False) -> dict[str, Any]:
    """The sales table's key: a literal period, or an intrinsic that makes one."""
    return {sales.KEY: {"S": period} if literal else {"S.$": period}}


def _update(table: str, key: dict[str, Any], expression: str, values: dict[str, Any]) -> State:
    return {
        "TableName": table,
        "Key": key,
        "UpdateExpression": expression,
        "ExpressionAttributeNames": _NAMES,
        "ExpressionAttributeValues": values,
    }


def _counters(value: Any) -> dict[str, Any]:
    return {f":c{n}": value(counter) for n, counter in enumerate(sales.COUNTERS)}


def _every(template: str) -> str:
    return ", ".join(template.format(name=name, value=f":{name[1:]}") for name in _NAMES)


def _shard(table: str) -> dict[str, State]:
    read = "$.open.Attributes"
    return {
        "OpenCounters": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:updateItem",
            "Parameters": _update(
                table,
                _key(_OPEN_KEY),
                f"ADD {_every('{name} :zero')}, {sales.DRAINS} :zero",
                {":zero": {"N": "0"}},
            )
            | {"ReturnValues": "ALL_NEW"},
            "ResultPath": "$.open",
            "Retry": retry(DYNAMODB_TRANSIENT),
            "Catch": [catch_all("ShardLeftOpen")],
            "Next": "MoveCounters",
        },
        "MoveCounters": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:dynamodb:transactWriteItems",
            "Parameters": {
                "TransactItems": [
                    {
                        "Update": _update(
                            table,
                            _key(_OPEN_KEY),
                            f"SET {_every('{name} = {name} - {value}')} ADD {sales.DRAINS} :one",
                            _counters(lambda c: {"N.$": f"{read}.{c}.N"})
                            | {":one": {"N": "1"}, ":drains": {"N.$": f"{read}.{sales.DRAINS}.N"}},
                        )
                        | {"ConditionExpression": f"{sales.DRAINS} = :drains"},
                    },
                    {
                        "Update": _update(
                            table,
                            _key(_REPORT_KEY),
                            f"ADD {_every('{name} {value}')}",
                            _counters(lambda c: {"N.$": f"{read}.{c}.N"}),
                        )
                    },
                ]
            },
            "ResultPath": None,
            # A conflict with a counting status change; a repeat of a move that happened
            # finds `drains` moved on and is refused for good (ShardLeftOpen: nothing moved).
            "Retry": retry([*DYNAMODB_SDK_TRANSIENT, _TRANSACTION_CANCELLED]),
            "Catch": [catch_all("ShardLeftOpen")],
            "Next": "ShardClosed",
        },
        "ShardClosed": {"Type": "Succeed"},
        "ShardLeftOpen": {
            "Type": "Succeed",
            "Comment": "Its counts stay open: the next report takes them.",
        },
    }


def _summary(currency: str) -> dict[str, Any]:
    """The report as its readers get it: numbers, not DynamoDB's strings."""
    item = "$.report.Item"

    def count(counter: str) -> str:
        return f"States.StringToJson({item}.{counter}.N)"

    return {
        "report": "sales",
        "since.$": "$.since",
        "until.$": "$.closedAt",
        "currency": currency,
        "ordersPlaced.$": count(sales.PLACED),
        "ordersPaid.$": count(sales.PAID),
        "revenueCents.$": count(sales.REVENUE_CENTS),
        "paymentFailures": {f"{r}.$": count(c) for r, c in sales.FAILED.items()},
        "rejections": {f"{r}.$": count(c) for r, c in sales.REJECTED.items()},
        "refunds.$": count(sales.REFUNDS),
        "refundedCents.$": count(sales.REFUNDED_CENTS),
    }


def definition(*, sales_table: str, topic_arn: str, currency: str) -> dict[str, Any]:
    latest = _key(sales.LATEST, literal=True)
    report = _key(_REPORT_KEY)
    return machine(
        "Sales report: the counters since the last report, moved into one report, published.",
        "Start",
        {
            "Start": {
                "Type": "Pass",
                "Parameters": {
                    "closedAt.$": "$$.State.EnteredTime",
                    "shards.$": f"States.ArrayRange(0, {SHARDS - 1}, 1)",
                },
                "Next": "ReadLatest",
            },
            "ReadLatest": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": sales_table, "Key": latest, "ConsistentRead": True},
                "ResultPath": "$.latest",
                "Retry": retry(DYNAMODB_TRANSIENT),
                "Catch": [catch_all("ReportNotMade")],
                "Next": "Since",
            },
            "Since": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": "$.latest.Item.closedAt.S",
                        "IsPresent": True,
                        "Next": "SinceLastReport",
                    }
                ],
                "Default": "SinceTheStart",
            },
            "SinceLastReport": {
                "Type": "Pass",
                "InputPath": "$.latest.Item.closedAt.S",
                "ResultPath": "$.since",
                "Next": "OpenReport",
            },
            "SinceTheStart": {
                "Type": "Pass",
                "Comment": "The first report: everything counted so far.",
                "Result": "the start",
                "ResultPath": "$.since",
                "Next": "OpenReport",
            },
            "OpenReport": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:updateItem",
                "Parameters": _update(
                    sales_table,
                    report,
                    f"ADD {_every('{name} :zero')} SET closedAt = :closedAt, since = :since",
                    {
                        ":zero": {"N": "0"},
                        ":closedAt": {"S.$": "$.closedAt"},
                        ":since": {"S.$": "$.since"},
                    },
                ),
                "ResultPath": None,
                "Retry": retry(DYNAMODB_TRANSIENT),
                "Catch": [catch_all("ReportNotMade")],
                "Next": "CloseShards",
            },
            "CloseShards": {
                "Type": "Map",
                "ItemsPath": "$.shards",
                "ItemSelector": {"shard.$": "$$.Map.Item.Value", "closedAt.$": "$.closedAt"},
                "MaxConcurrency": 1,  # one report item: its moves one after another
                "ItemProcessor": map_processor("OpenCounters", _shard(sales_table)),
                "ResultPath": None,
                "Next": "LoadReport",
            },
            "LoadReport": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": sales_table, "Key": report, "ConsistentRead": True},
                "ResultPath": "$.report",
                "Retry": retry(DYNAMODB_TRANSIENT),
                "Catch": [catch_all("ReportNotPublished")],
                "Next": "Summarize",
            },
            "Summarize": {
                "Type": "Pass",
                "Parameters": _summary(currency),
                "ResultPath": "$.summary",
                "Next": "PublishReport",
            },
            "PublishReport": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {
                    "TopicArn": topic_arn,
                    "Subject.$": "States.Format('Sales report until {}: paid {}, placed {}', "
                    "$.closedAt, $.summary.ordersPaid, $.summary.ordersPlaced)",
                    "Message.$": "States.JsonToString($.summary)",
                },
                "ResultPath": None,
                "Retry": retry(SNS_TRANSIENT),
                "Catch": [catch_all("ReportNotPublished")],
                "Next": "MarkPublished",
            },
            "MarkPublished": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:updateItem",
                "Parameters": {
                    "TableName": sales_table,
                    "Key": report,
                    "UpdateExpression": "SET publishedAt = :now",
                    "ExpressionAttributeValues": {":now": {"S.$": "$$.State.EnteredTime"}},
                },
                "ResultPath": None,
                "Retry": retry(DYNAMODB_TRANSIENT),
                "Catch": [catch_all("ReportNotPublished")],
                "Next": "MarkLatest",
            },
            "MarkLatest": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {
                    "TableName": sales_table,
                    "Item": latest | {"closedAt": {"S.$": "$.closedAt"}},
                    "ConditionExpression": "attribute_not_exists(closedAt) OR closedAt < :at",
                    "ExpressionAttributeValues": {":at": {"S.$": "$.closedAt"}},
                },
                "ResultPath": None,
                "Retry": retry(DYNAMODB_TRANSIENT),
                # a later report (run at once) already ended after this one: keep its
                "Catch": [catch_all("Reported")],
                "Next": "Reported",
            },
            "Reported": {"Type": "Succeed"},
            "ReportNotMade": {
                "Type": "Fail",
                "Error": "ReportNotMade",
                "Cause": "The report could not be opened; the counts stay for the next.",
            },
            "ReportNotPublished": {
                "Type": "Fail",
                "Error": "ReportNotPublished",
                "Cause": "The counts are in the stored report item, which was not published.",
            },
        },
    )
