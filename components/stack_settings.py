"""The stack's settings, typed and checked before anything is created.

__main__.py reads each key of the config schema (Pulumi.yaml, defaults included)
as the text Pulumi holds and hands them to StackSettings.parse, which converts
them and reports every invalid one at once, naming the setting, its value and
what it accepts. Pulumi's schema has no
decimal type, so decimals arrive as strings and are parsed here.
"""

import dataclasses
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pycountry

from components import schedule_expressions
from components.order_workflow import WORKFLOW_TYPES
from components.queue_consumer import MAPPING_CONCURRENCY
from components.reviews import COMPREHEND_LANGUAGES, MAX_CASE_SECONDS

# What CloudWatch Logs accepts for a log group's retention (PutRetentionPolicy).
LOG_RETENTION_DAYS: tuple[int, ...] = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400)
LOG_RETENTION_DAYS += (545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
_ORIGIN = re.compile(r"\*|https?://[A-Za-z0-9.-]+(:\d{1,5})?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class InvalidSettings(ValueError):
    """One or more settings are invalid; the message lists every one."""


def _decimal(value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("is not a decimal number") from None
    if not number.is_finite():
        raise ValueError("is not a finite number")
    return number


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("is not an integer")
    try:
        return int(value)
    except ValueError:
        raise ValueError("is not an integer") from None


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() not in {"true", "false"}:
        raise ValueError("must be true or false")
    return str(value).lower() == "true"


def _within(
    low: Decimal | int, high: Decimal | int | None, low_open: bool = False
) -> Callable[[Decimal | int], None]:
    def check(number: Decimal | int) -> None:
        above = number > low if low_open else number >= low
        if not above or (high is not None and number > high):
            bounds = f"{'>' if low_open else '>='} {low}" + (
                f" and <= {high}" if high is not None else ""
            )
            raise ValueError(f"must be {bounds}")

    return check


def _one_of(allowed: tuple[Any, ...]) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(map(str, allowed))}")

    return check


def _currency(code: str) -> None:
    if not re.fullmatch(r"[A-Z]{3}", code) or pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError("must be an ISO 4217 currency code, such as USD or EUR")


def _origins(origins: tuple[str, ...]) -> None:
    wrong = [o for o in origins if not _ORIGIN.fullmatch(o)]
    if not origins or wrong:
        raise ValueError(f"must be * or origins like https://shop.example (not {wrong})")


def _email(address: str) -> None:
    if address and not _EMAIL.fullmatch(address):
        raise ValueError("must be an e-mail address, or empty")


def _sender(address: str) -> None:
    if not _EMAIL.fullmatch(address):
        raise ValueError(
            "must be the e-mail address customers get mail from, such as orders@shop.example"
        )


def _schedule(expression: str) -> None:
    wrong = schedule_expressions.problem(expression)
    if wrong:
        raise ValueError(f"is not a schedule expression EventBridge Scheduler accepts: {wrong}")


def _timezone(name: str) -> None:
    wrong = schedule_expressions.timezone_problem(name)
    if wrong:
        raise ValueError(f"is {wrong}")


Rule = tuple[Callable[[Any], Any] | None, Callable[[Any], None] | None]  # (convert, check)


@dataclass(frozen=True)
class StackSettings:
    """Every key of Pulumi.yaml's config schema, by the same name."""

    workflowType: str
    paymentLimit: Decimal
    paymentFailureRate: Decimal
    currency: str
    logRetentionDays: int
    archiveRetentionDays: int  # 0: kept indefinitely
    auditRetentionDays: int  # each event's audit record, by DynamoDB TTL
    notificationEmail: str
    emailSender: str  # the From address of customer e-mail; its domain is the SES identity
    powertoolsLayerVersion: int
    deletionProtection: bool
    lambdaMemorySize: int
    lambdaTimeoutSeconds: int
    consumerMaxConcurrency: int  # an SQS event source mapping's range: 2 to 1000
    apiThrottlingRateLimit: int
    apiThrottlingBurstLimit: int
    corsAllowOrigins: tuple[str, ...]
    opsEmail: str  # subscribed to the ops topic (alarms, budget alerts) when not empty
    monthlyBudgetUsd: int
    traceSampleRate: Decimal  # X-Ray's fixed rate after 1 trace a second (the sampling rule)
    reviewsPerDay: int
    comprehendLanguage: str
    caseEscalationSeconds: int  # the case workflow's HeartbeatSeconds
    caseTimeoutSeconds: int  # from opening to closing an unresolved case
    supportEmail: str  # subscribed to the customer-service topic when not empty
    staleOrderMinutes: int  # a PENDING order or CHECKED_OUT basket is stale this long after
    sweeperSchedule: str  # rate(…) or cron(…) (components/schedule_expressions.py)
    salesReportSchedule: str  # cron(…), in salesReportTimezone
    salesReportTimezone: str  # an IANA time zone name

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def parse(cls, raw: Mapping[str, Any], namespace: str = "shop") -> "StackSettings":
        values, problems = {}, []
        for name in cls.names():
            convert, check = RULES[name]
            try:
                values[name] = convert(raw[name]) if convert else raw[name]
                if check:
                    check(values[name])
            except ValueError as error:
                problems.append(f"{namespace}:{name} = {raw[name]!r} {error}")
        for name, other, holds, accepts in RELATIONS:
            if name in values and other in values and not holds(values[name], values[other]):
                problems.append(f"{namespace}:{name} = {raw[name]!r} {accepts}")
        if problems:
            raise InvalidSettings("invalid settings:\n  " + "\n  ".join(problems))
        return cls(**values)


RULES: dict[str, Rule] = {
    "workflowType": (None, _one_of(WORKFLOW_TYPES)),
    "paymentLimit": (_decimal, _within(Decimal(0), None, low_open=True)),
    "paymentFailureRate": (_decimal, _within(Decimal(0), Decimal(1))),
    "currency": (None, _currency),
    "logRetentionDays": (_integer, _one_of(LOG_RETENTION_DAYS)),
    "archiveRetentionDays": (_integer, _within(0, None)),
    "auditRetentionDays": (_integer, _within(1, 3650)),
    "notificationEmail": (None, _email),
    "emailSender": (None, _sender),
    "powertoolsLayerVersion": (_integer, _within(1, None)),
    "deletionProtection": (_boolean, None),
    "lambdaMemorySize": (_integer, _within(128, 10240)),
    "lambdaTimeoutSeconds": (_integer, _within(1, 900)),
    "consumerMaxConcurrency": (_integer, _within(*MAPPING_CONCURRENCY)),
    "apiThrottlingRateLimit": (_integer, _within(0, None, low_open=True)),
    "apiThrottlingBurstLimit": (_integer, _within(0, None, low_open=True)),
    "corsAllowOrigins": (
        lambda raw: tuple(o.strip() for o in str(raw).split(",") if o.strip()),
        _origins,
    ),
    "opsEmail": (None, _email),
    "monthlyBudgetUsd": (_integer, _within(1, None)),
    "traceSampleRate": (_decimal, _within(Decimal(0), Decimal(1))),
    "reviewsPerDay": (_integer, _within(1, 1000)),
    "comprehendLanguage": (None, _one_of(COMPREHEND_LANGUAGES)),
    "caseEscalationSeconds": (_integer, _within(1, MAX_CASE_SECONDS)),
    "caseTimeoutSeconds": (_integer, _within(2, MAX_CASE_SECONDS)),
    "supportEmail": (None, _email),
    "staleOrderMinutes": (_integer, _within(1, 24 * 60)),
    "sweeperSchedule": (None, _schedule),
    "salesReportSchedule": (None, _schedule),
    "salesReportTimezone": (None, _timezone),
}
# Settings checked against another, once each is valid on its own:
# (setting, the other, the relation that must hold, what it accepts).
RELATIONS: tuple[tuple[str, str, Callable[[Any, Any], bool], str], ...] = (
    (
        "caseEscalationSeconds",
        "caseTimeoutSeconds",
        operator.lt,
        "must be less than shop:caseTimeoutSeconds (a case escalates before it closes)",
    ),
)
