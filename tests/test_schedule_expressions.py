"""Schedule expressions (components/schedule_expressions.py): when each form fires, in its
time zone, across the clock changes, and what is refused. The policy pack's cases of valid
and invalid expressions are in tests/policy/test_policies.py; this is the same module."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from components.schedule_expressions import At, Cron, Rate, parse, problem, timezone_problem

STARTED = datetime(2026, 6, 1, 12, 0, 7, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def fires(expression: str, after: str, count: int = 1, timezone: str = "UTC") -> list[str]:
    """The next `count` fire times after `after` (UTC, ISO 8601 with Z)."""
    when, instant, times = parse(expression, timezone), at(after), []
    for _ in range(count):
        following = when.next_after(instant, STARTED)
        if following is None:
            break
        times.append(following.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        instant = following
    return times


def test_a_rate_fires_at_once_then_every_interval():
    assert isinstance(parse("rate(15 minutes)"), Rate)
    assert fires("rate(15 minutes)", "2026-06-01T11:00:00Z", 3) == [
        "2026-06-01T12:00:07Z",  # when the schedule started: AWS invokes at once
        "2026-06-01T12:15:07Z",
        "2026-06-01T12:30:07Z",
    ]
    assert fires("rate(1 day)", "2026-06-01T12:00:07Z") == ["2026-06-02T12:00:07Z"]


def test_a_rate_of_days_is_24_hours_whatever_the_clocks_do():
    # Europe/London moves its clocks on 2026-10-25; a rate keeps counting hours.
    when = parse("rate(1 day)", "Europe/London")
    started = at("2026-10-24T12:00:00Z")
    assert when.next_after(started, started) == at("2026-10-25T12:00:00Z")


def test_cron_fires_on_the_wall_clock_of_its_time_zone():
    assert isinstance(parse("cron(5 0 * * ? *)", "Europe/London"), Cron)
    # 00:05 in London: in winter 00:05 UTC, in summer (BST, UTC+1) 23:05 UTC the day before
    assert fires("cron(5 0 * * ? *)", "2026-01-10T12:00:00Z", timezone="Europe/London") == [
        "2026-01-11T00:05:00Z"
    ]
    assert fires("cron(5 0 * * ? *)", "2026-07-10T12:00:00Z", timezone="Europe/London") == [
        "2026-07-10T23:05:00Z"
    ]
    assert fires("cron(5 0 * * ? *)", "2026-07-10T12:00:00Z") == ["2026-07-11T00:05:00Z"]


def test_a_time_the_clocks_skip_is_skipped():
    # 2026-03-29 in London: 01:00 GMT becomes 02:00 BST; 01:30 does not exist that day.
    assert fires("cron(30 1 * * ? *)", "2026-03-28T12:00:00Z", 2, "Europe/London") == [
        "2026-03-30T00:30:00Z",
        "2026-03-31T00:30:00Z",
    ]


def test_a_time_the_clocks_repeat_fires_once():
    # 2026-10-25 in London: 02:00 BST becomes 01:00 GMT; 01:30 happens twice, fires once.
    assert fires("cron(30 1 * * ? *)", "2026-10-24T12:00:00Z", 2, "Europe/London") == [
        "2026-10-25T00:30:00Z",
        "2026-10-26T01:30:00Z",
    ]
    # every quarter of an hour: the repeated hour's wall-clock times have fired already
    assert fires("cron(0/15 * * * ? *)", "2026-10-25T00:40:00Z", 2, "Europe/London") == [
        "2026-10-25T00:45:00Z",  # 01:45 BST
        "2026-10-25T02:00:00Z",  # 02:00 GMT: 01:00 to 01:45 GMT repeat times that fired
    ]


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("cron(0 12 L * ? *)", "2026-02-01T00:00:00Z", "2026-02-28T12:00:00Z"),  # last day
        ("cron(0 9 15W * ? *)", "2026-08-01T00:00:00Z", "2026-08-14T09:00:00Z"),  # Sat 15th
        ("cron(0 10 ? * 6#3 *)", "2026-06-01T00:00:00Z", "2026-06-19T10:00:00Z"),  # 3rd Fri
        ("cron(0 8 ? * MON-FRI *)", "2026-06-06T00:00:00Z", "2026-06-08T08:00:00Z"),  # Sat
        ("cron(0/10 * * * ? *)", "2026-06-01T10:03:00Z", "2026-06-01T10:10:00Z"),
    ],
)
def test_cron_reads_aws_fields(expression, after, expected):
    assert fires(expression, after) == [expected]


def test_cron_past_its_last_year_fires_no_more():
    assert fires("cron(0 12 * * ? 2025)", "2026-01-01T00:00:00Z") == []


def test_at_fires_once_at_its_wall_clock_time():
    assert isinstance(parse("at(2026-07-01T09:30:00)", "Europe/London"), At)
    assert fires("at(2026-07-01T09:30:00)", "2026-06-01T00:00:00Z", 2, "Europe/London") == [
        "2026-07-01T08:30:00Z"
    ]
    assert fires("at(2026-07-01T09:30:00)", "2026-07-01T08:30:00Z", 1, "Europe/London") == []


@pytest.mark.parametrize(
    ("expression", "timezone", "says"),
    [
        ("rate(1 minutes)", "UTC", "singular for a value of 1"),
        ("rate(0 hours)", "UTC", "from 1"),
        ("cron(0 12 * * *)", "UTC", "6 required"),
        ("cron(0 12 * * * *)", "UTC", "question mark"),
        ("at(2026-02-30T10:00:00)", "UTC", "yyyy-mm-ddThh:mm:ss"),
        ("every day", "UTC", "not rate(...)"),
        ("rate(5 minutes)", "Europe/Londres", "IANA database"),
        ("rate(5 minutes)", "../etc/passwd", "IANA database"),
    ],
)
def test_what_aws_refuses_is_refused(expression, timezone, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        parse(expression, timezone)


def test_rules_take_no_at():
    assert problem("at(2026-07-01T09:30:00)", at_allowed=False) is not None
    assert problem("rate(5 minutes)", at_allowed=False) is None
    assert timezone_problem("America/New_York") is None


def test_rates_count_from_the_start_even_long_after():
    when = parse("rate(7 minutes)")
    later = STARTED + timedelta(days=3, seconds=1)
    following = when.next_after(later, STARTED)
    assert following is not None
    assert (following - STARTED) % timedelta(minutes=7) == timedelta(0)
    assert timedelta(0) < following - later <= timedelta(minutes=7)
