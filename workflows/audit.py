"""The audit recorder (docs/architecture.md#the-audit), as Amazon States Language.

An EXPRESS state machine, started by an EventBridge rule on every shop event; its input
is the event. One conditional PutItem into the audit table, no Lambda:

    ChooseData → Keep<DetailType> (or KeepNoData) → Date → Record → Recorded
                                                                   (a duplicate: AlreadyRecorded)

- Once per metadata.eventId, not EventBridge's `id` (which a re-published or replayed
  event does not keep): the item's key is (correlationId, eventId), and the put is
  conditional on there being none. A duplicate (EventBridge delivering twice, an EXPRESS
  execution run twice, a producer publishing the same event again) fails the condition
  and ends in AlreadyRecorded, having written nothing.
- No personal data: a Pass state per declared event keeps only its Event.audit fields
  (contracts.py), which definition() checks are required fields and none of
  PERSONAL_DATA; an event the table does not declare keeps no data, only its envelope.
- Retention: DynamoDB deletes the item after expiresAt (epoch seconds), the start of the
  day the event reached the bus plus retention_days + 1 days. Intrinsic functions have
  no date arithmetic (JSONata has, but the emulator cannot run it), so the Date state
  reads year, month and day from the event's `time` and the Record state adds up their
  offsets from CALENDAR, in hundreds of seconds (MathAdd adds integers; "00" appended
  makes seconds).
"""

import calendar
from datetime import date
from typing import Any

from audit.repository import DATA, EXPIRES_AT
from shop_common.contracts import EVENTS, MODELS, PERSONAL_DATA, Event, Schema
from workflows.asl import CONDITION_FAILED, DYNAMODB_TRANSIENT, State, catch_all, machine, retry

CALENDAR_FIRST_YEAR = 2020
CALENDAR_YEARS = 100  # events up to 2119: a later one fails its execution, and its alarm
_DAY = 24 * 60 * 60 // 100  # a day, in the unit the expiry is added up in


def calendar_offsets() -> dict[str, list[Any]]:
    """The offsets expiresAt adds up, in hundreds of seconds: each year's first day from
    1970, each month's first day from its year's (common years, then leap years), each
    day of a month from its first; and which years are leap years."""
    epoch = date(1970, 1, 1)
    years = range(CALENDAR_FIRST_YEAR, CALENDAR_FIRST_YEAR + CALENDAR_YEARS)
    return {
        "year": [(date(year, 1, 1) - epoch).days * _DAY for year in years],
        "leap": [int(calendar.isleap(year)) for year in years],
        "month": [
            [(date(year, month, 1) - date(year, 1, 1)).days * _DAY for month in range(1, 13)]
            for year in (2021, 2020)  # a common year, a leap year
        ],
        "day": [day * _DAY for day in range(31)],
    }


def _kept(event: Event) -> Schema:
    """The fields of the event's data the audit keeps, by path."""
    return {f"{field}.$": f"$.detail.data.{field}" for field in event.audit}


def _required(data: Schema) -> set[str]:
    if "$ref" in data:
        data = MODELS[data["$ref"].rsplit("/", 1)[-1]]
    return set(data["required"])


def _check_kept_fields() -> None:
    for event in EVENTS.values():
        personal = PERSONAL_DATA & set(event.audit)
        optional = set(event.audit) - _required(event.data)
        if personal or optional or not event.audit:
            raise ValueError(
                f"the audit keeps of {event.detail_type} ids, statuses, amounts, reasons "
                f"the schema requires: not {sorted(personal | optional) or 'nothing'}"
            )


def _part(index: int) -> str:
    """Year, month or day of the event's `time` (2026-12-01T02:51:51Z), as text."""
    return f"States.ArrayGetItem(States.StringSplit($.time, '-T'), {index})"


def _number(text: str, offset: int) -> str:
    """A number written with leading zeros ("08"), plus offset: "1" is put in front, since
    JSON has no leading zeros, and taken away again by the offset."""
    return f"States.MathAdd(States.StringToJson(States.Format('1{{}}', {text})), {offset})"


# The event's `time` without its "Z": EventBridge writes whole seconds.
_SECONDS = "States.ArrayGetItem(States.StringSplit($.time, 'Z'), 0)"


def _date() -> State:
    return {
        "Type": "Pass",
        "Comment": "The event's date, as indexes into the calendar; its time with ms.",
        "Parameters": {
            "year.$": _number(_part(0), -10_000 - CALENDAR_FIRST_YEAR),
            "month.$": _number(_part(1), -101),
            "day.$": _number(_part(2), -101),
            "at.$": f"States.Format('{{}}.000Z', {_SECONDS})",
            "calendar": calendar_offsets(),
        },
        "ResultPath": "$.date",
        "Next": "Record",
    }


def _expires_at(retention_days: int) -> str:
    calendar_ = "$.date.calendar"
    month = (
        f"States.ArrayGetItem(States.ArrayGetItem({calendar_}.month, "
        f"States.ArrayGetItem({calendar_}.leap, $.date.year)), $.date.month)"
    )
    day = f"States.ArrayGetItem({calendar_}.day, $.date.day)"
    start = f"States.MathAdd(States.ArrayGetItem({calendar_}.year, $.date.year), {month})"
    kept = f"States.MathAdd({day}, {(retention_days + 1) * _DAY})"
    return f"States.Format('{{}}00', States.MathAdd({start}, {kept}))"


def _record(audit_table: str, retention_days: int) -> State:
    return {
        "Type": "Task",
        "Comment": "Once per eventId: a duplicate finds its item there.",
        "Resource": "arn:aws:states:::dynamodb:putItem",
        "Parameters": {
            "TableName": audit_table,
            "Item": {
                "correlationId": {"S.$": "$.detail.metadata.correlationId"},
                "eventId": {"S.$": "$.detail.metadata.eventId"},
                "source": {"S.$": "$.source"},
                "detailType": {"S.$": "$.detail-type"},
                "time": {"S.$": "$.date.at"},
                "recordedAt": {"S.$": "$$.State.EnteredTime"},
                DATA: {"S.$": "States.JsonToString($.kept)"},
                EXPIRES_AT: {"N.$": _expires_at(retention_days)},
            },
            "ConditionExpression": "attribute_not_exists(eventId)",
        },
        "ResultPath": None,
        "Retry": retry(DYNAMODB_TRANSIENT),
        "Catch": [
            {"ErrorEquals": [CONDITION_FAILED], "ResultPath": "$.error", "Next": "AlreadyRecorded"},
            catch_all("NotRecorded"),
        ],
        "Next": "Recorded",
    }


def definition(*, audit_table: str, retention_days: int) -> dict[str, Any]:
    _check_kept_fields()
    keep = {
        f"Keep{event.detail_type}": {
            "Type": "Pass",
            "Parameters": _kept(event),
            "ResultPath": "$.kept",
            "Next": "Date",
        }
        for event in EVENTS.values()
    }
    return machine(
        "Audit recorder: every event on the bus, once per eventId, without personal data.",
        "ChooseData",
        {
            "ChooseData": {
                "Type": "Choice",
                "Choices": [
                    {
                        "And": [
                            {"Variable": "$.detail-type", "StringEquals": event.detail_type},
                            {"Variable": "$.source", "StringEquals": event.source},
                        ],
                        "Next": f"Keep{event.detail_type}",
                    }
                    for event in EVENTS.values()
                ],
                "Default": "KeepNoData",
            },
            **keep,
            "KeepNoData": {
                "Type": "Pass",
                "Comment": "An event the events table does not declare: its envelope only.",
                "Result": {},
                "ResultPath": "$.kept",
                "Next": "Date",
            },
            "Date": _date(),
            "Record": _record(audit_table, retention_days),
            "Recorded": {"Type": "Succeed"},
            "AlreadyRecorded": {
                "Type": "Succeed",
                "Comment": "A duplicate of an event already recorded: nothing written.",
            },
            "NotRecorded": {
                "Type": "Fail",
                "Error": "NotRecorded",
                "Cause": "The event could not be written to the audit table.",
            },
        },
    )
