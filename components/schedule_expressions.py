"""EventBridge schedule expressions, read in one place: what is wrong with one, and when
it next fires in its time zone.

Who reads them: the stack settings (a schedule given in config), the policy pack
(`scheduler-schedule-expression`, `eventbridge-rule-schedule-expression`), the local
cloud's provisioning (it refuses to create a schedule AWS would refuse) and its scheduler
(which fires them on time). https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html

- `rate(<value> <unit>)`: a whole value from 1, the unit singular for 1 and plural
  otherwise (minute(s), hour(s), day(s)). Without a start date AWS invokes at once, then
  every interval; a day is 24 hours, whatever the clocks do.
- `cron(<min> <hour> <day-of-month> <month> <day-of-week> <year>)`: AWS's six fields, `?`
  in one of the two day fields, `L`, `W` and `#` (parsed by aws-croniter; croniter reads
  the five-field Unix form and accepts what AWS refuses). Evaluated on the wall clock of
  the schedule's time zone: when the clocks go forward a time that does not exist is
  skipped; when they go back a time that occurs twice fires once, the first time (AWS's
  documented behaviour).
- `at(yyyy-mm-ddThh:mm:ss)`: once, at that wall-clock time in the schedule's time zone
  (EventBridge Scheduler only; rules take rate and cron).

No Pulumi and no boto3 here: the local cloud's start-up and its scheduler import it.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aws_croniter import AwsCroniter  # type: ignore[import-untyped]  # ships no type hints

RATE = re.compile(r"rate\((?P<value>\d+) (?P<unit>minutes?|hours?|days?)\)")
AT_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
AT_FORMAT = "%Y-%m-%dT%H:%M:%S"
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
DEFAULT_TIMEZONE = "UTC"  # a schedule's when it names none
_CRON_SEARCH_LIMIT = 1000  # candidates skipped (clock changes) before giving up: never reached


def _rate_problem(expression: str, at_allowed: bool) -> str | None:
    rate = RATE.fullmatch(expression)
    if rate is None:
        return "a rate is rate(<value> <minute(s)|hour(s)|day(s)>)"
    value, unit = rate["value"], rate["unit"]
    if int(value) < 1 or value.startswith("0"):
        return "a rate's value is a whole number from 1"
    if unit.endswith("s") == (int(value) == 1):
        return f"the unit is singular for a value of 1 and plural otherwise, not {unit!r}"
    return None


def _cron_fields(expression: str) -> str:
    return expression.removeprefix("cron(").removesuffix(")")


def _cron_problem(expression: str, at_allowed: bool) -> str | None:
    try:
        AwsCroniter(_cron_fields(expression))
    except ValueError as error:
        return f"not an AWS cron expression (6 fields, ? in day-of-month or day-of-week): {error}"
    return None


def _at_problem(expression: str, at_allowed: bool) -> str | None:
    if not at_allowed:
        return "at(...) is for EventBridge Scheduler schedules, not rules"
    moment = expression.removeprefix("at(").removesuffix(")")
    try:
        datetime.strptime(moment, AT_FORMAT)  # a time in the schedule's zone
    except ValueError:
        moment = ""
    return None if AT_TIME.fullmatch(moment) else "at() takes yyyy-mm-ddThh:mm:ss"


FORMS = {"rate(": _rate_problem, "cron(": _cron_problem, "at(": _at_problem}


def problem(expression: str, *, at_allowed: bool = True) -> str | None:
    """What is wrong with a schedule expression, or None. `at_allowed`: a Scheduler
    schedule (True) or an EventBridge rule (False)."""
    for opening, check in FORMS.items():
        if expression.startswith(opening) and expression.endswith(")"):
            return check(expression, at_allowed)
    return "not rate(...), cron(...) or at(...)"


def timezone_problem(name: str) -> str | None:
    """What is wrong with a schedule's time zone (an IANA name), or None."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "not a time zone of the IANA database (Europe/London, UTC, ...)"
    return None


def _instant(wall: datetime, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a wall-clock time in the zone; None when the clocks skip it.
    A time that occurs twice (the clocks go back) is its first occurrence (fold 0)."""
    instant = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    return instant if instant.astimezone(zone).replace(tzinfo=None) == wall else None


@dataclass(frozen=True)
class Rate:
    interval: timedelta

    def next_after(self, instant: datetime, started: datetime) -> datetime | None:
        """The first fire at `started` (AWS invokes at once), then every interval."""
        if instant < started:
            return started
        elapsed = (instant - started) // self.interval
        return started + (elapsed + 1) * self.interval


@dataclass(frozen=True)
class Cron:
    fields: str
    zone: ZoneInfo

    def next_after(self, instant: datetime, started: datetime) -> datetime | None:
        # aws-croniter works on naive UTC fields: give it the zone's wall clock as such.
        croniter = AwsCroniter(self.fields)
        wall = instant.astimezone(self.zone).replace(tzinfo=None, second=0, microsecond=0)
        for _ in range(_CRON_SEARCH_LIMIT):
            [following] = croniter.get_next(wall.replace(tzinfo=UTC))
            if following is None:
                return None  # past its last year
            wall = following.replace(tzinfo=None)
            fire = _instant(wall, self.zone)
            if fire is not None and fire > instant:
                return fire
        raise RuntimeError(f"cron({self.fields}) found no time after {instant}")


@dataclass(frozen=True)
class At:
    wall: datetime
    zone: ZoneInfo

    def next_after(self, instant: datetime, started: datetime) -> datetime | None:
        fire = _instant(self.wall, self.zone)
        return fire if fire is not None and fire > instant else None


When = Rate | Cron | At


def parse(expression: str, timezone: str = DEFAULT_TIMEZONE) -> When:
    """The expression, ready to say when it fires; ValueError naming the problem."""
    wrong = problem(expression) or timezone_problem(timezone)
    if wrong:
        raise ValueError(wrong)
    zone = ZoneInfo(timezone)
    if expression.startswith("rate("):
        rate = RATE.fullmatch(expression)
        assert rate is not None  # checked above
        return Rate(int(rate["value"]) * timedelta(seconds=UNIT_SECONDS[rate["unit"].rstrip("s")]))
    if expression.startswith("cron("):
        return Cron(_cron_fields(expression), zone)
    moment = expression.removeprefix("at(").removesuffix(")")
    return At(datetime.strptime(moment, AT_FORMAT), zone)
