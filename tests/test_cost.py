"""The cost and capacity model (cost/, `make cost`, `make capacity`): every line is derived
from the program evaluated under mocks, the committed measurement and the prices file, so
changing a setting changes the lines that depend on it and no other; the goal's verdict is
computed from the total."""

import copy
import dataclasses
import json
import re

import pytest

from cost import MEASUREMENTS
from cost.asl import happy_path
from cost.capacity import limits
from cost.data import catalogue, measurements
from cost.dynamo import item_size, read_units, updated_attributes, write_units
from cost.model import AS_BUILT, Variant, estimate, flows, machine_calls
from cost.program import _evaluate, evaluate
from cost.report import GOAL_STACK, GOAL_USD, stack_report
from ordering.status_index import INDEX as STATUS_INDEX
from shop_common import contracts
from shop_common.contracts import ORDER_STATUS_PUSH, DetailType, rule_pattern

PRICES = catalogue()
MEASURED = measurements()
# Settings that move one line each: memory the Lambda GB-s (cost); the mappings' maximum
# concurrency and the stage's throttle their limits (capacity), and no cost line.
CHANGED = {
    "shop:lambdaMemorySize": "1024",
    "shop:consumerMaxConcurrency": "40",
    "shop:apiThrottlingRateLimit": "400",
}


def lines(stack: str, overrides: dict[str, str] | None = None, variant: Variant = AS_BUILT):
    result = estimate(evaluate(stack, overrides), MEASURED, PRICES, variant)
    return {line.component: line for line in result.lines}, result


def changed(before: dict, after: dict) -> set[str]:
    return {
        c
        for c in before.keys() | after.keys()
        if c not in before or c not in after or (abs(before[c].usd - after[c].usd) > 1e-9)
    }


def test_the_measurement_is_labelled_and_covers_every_function_and_machine_on_the_path():
    assert re.fullmatch(
        r"measured locally against the emulator on \d{4}-\d{2}-\d{2}", MEASURED["label"]
    )
    flow = flows(evaluate("prod"), MEASURED, PRICES, AS_BUILT)
    for handler in flow.invocations:
        assert MEASURED["functions"][handler]["billed_ms_mean"] > 0, handler
    for name in flow.executions:
        assert MEASURED["state_machines"][name]["duration_ms"]["mean"] > 0, name
    assert json.loads(MEASUREMENTS.read_text())["unattributed_state_machine_calls"] == 0


def test_memory_moves_the_lambda_gb_seconds_line_and_nothing_else():
    before, _ = lines("prod")
    after, _ = lines("prod", CHANGED)
    [gb_before] = [line for c, line in before.items() if c.startswith("Lambda GB-s")]
    [gb_after] = [line for c, line in after.items() if c.startswith("Lambda GB-s")]
    assert gb_after.usd == pytest.approx(2 * gb_before.usd)
    assert changed(before, after) == {gb_before.component, gb_after.component}


STANDARD_ROLLING = {"shop:workflowType": "STANDARD", "shop:paymentFailureRate": "0.1"}


def test_the_workflow_type_moves_the_order_workflow_between_transitions_and_requests():
    standard, _ = lines("dev", STANDARD_ROLLING)
    express, _ = lines("dev")
    program = evaluate("dev", STANDARD_ROLLING)
    walked = happy_path(
        program.machines["order-workflow"].definition, machine_calls(MEASURED, "order-workflow")
    )
    line = standard["Step Functions order-workflow (STANDARD)"]
    assert line.quantity == len(walked)
    assert line.usd == pytest.approx(len(walked) * 25.0)
    assert "Step Functions order-workflow (STANDARD)" not in express
    assert express["Step Functions order-workflow (EXPRESS)"].usd < 2
    # STANDARD logs ERROR (nothing on the happy path), EXPRESS logs ALL
    logs = "CloudWatch Logs: state machines"
    assert standard[logs].usd < express[logs].usd


def test_the_walk_follows_the_definition_and_matches_the_measured_execution():
    for name in ("order-workflow", "customer-notifier"):
        machine = evaluate("local").machines[name]
        assert (
            happy_path(machine.definition, machine_calls(MEASURED, name))
            == MEASURED["state_machines"][name]["states"]
        )
    # a definition with random declines walks its roll and decision too
    rolling = evaluate("dev", STANDARD_ROLLING).machines["order-workflow"]
    walked = happy_path(rolling.definition, machine_calls(MEASURED, "order-workflow"))
    assert {"RollForIssuerDecline", "IssuerDecision"} <= set(walked)
    assert len(walked) == len(MEASURED["state_machines"]["order-workflow"]["states"]) + 2


def test_messages_and_invocations_follow_the_rules_of_the_events_table():
    flow = flows(evaluate("prod"), MEASURED, PRICES, AS_BUILT)
    ordering = rule_pattern("ordering.consumer")["detail-type"]
    expected = sum(e["per_order"] for t, e in MEASURED["events"].items() if t in ordering)
    assert flow.messages["ordering-queue"] == expected
    for handler, derived in flow.invocations.items():
        assert derived == pytest.approx(MEASURED["functions"][handler]["invocations_per_order"])


def test_full_batches_cut_sqs_receives_and_lambda_invocations():
    before, _ = lines("prod")
    after, _ = lines("prod", variant=Variant(messages_per_batch=10))
    assert after["SQS requests"].quantity < before["SQS requests"].quantity
    assert after["Lambda requests"].quantity < before["Lambda requests"].quantity
    assert after["EventBridge events"].usd == before["EventBridge events"].usd


def test_index_writes_come_from_the_tables_indexes():
    base, _ = lines("prod")
    keys_only, _ = lines("prod", variant=Variant(index_projection="KEYS_ONLY"))
    assert keys_only["DynamoDB writes"].quantity < base["DynamoDB writes"].quantity
    orders = evaluate("prod").tables["orders-table"]
    [by_status] = [i for i in orders.indexes if i.name == STATUS_INDEX]
    from cost.model import gsi_writes  # noqa: PLC0415

    moved = {
        "kind": "update",
        "attributes": ["orderId", *by_status.keys],
        "changed": ["statusShard"],
    }
    assert gsi_writes([by_status], moved, None) == 2  # out of one partition, into another


def test_dynamodb_accounting():
    assert item_size({"id": {"S": "abc"}}) == 2 + 3
    assert item_size({"n": {"N": "12345"}}) == 1 + 4  # 3 bytes for 5 digits + 1
    assert item_size({"m": {"M": {"a": {"BOOL": True}}}}) == 1 + 3 + (1 + 1 + 1)
    assert write_units(1024) == 1
    assert write_units(1025) == 2
    assert write_units(100, transactional=True) == 2
    assert read_units(100, consistent=False) == 0.5
    assert read_units(5000, consistent=True) == 2
    assert updated_attributes("SET #s = :s, a.b = :x REMOVE c", {"#s": "status"}) == [
        "status",
        "a",
        "c",
    ]


def test_the_goal_verdict_is_computed_from_the_total():
    _, prod = lines(GOAL_STACK)
    report = "\n".join(stack_report(prod, PRICES, MEASURED))
    verdict = "MET" if prod.total <= GOAL_USD else "NOT MET"
    [stated] = [line for line in report.splitlines() if "goal:" in line]
    assert stated.split(": ")[-1].startswith(verdict), stated
    assert f"{prod.total:,.2f}" in report
    assert PRICES.wording == f"list prices as of {PRICES.date}"


@pytest.mark.xfail(
    strict=True,
    reason="the goal is not met yet: prod's order path is above $10 per 1M orders "
    "(make cost; docs/cost-and-capacity.md says what it would take)",
)
def test_prod_meets_the_goal():
    """The goal, held on what `make cost` prints for prod: its order path total."""
    _, prod = lines(GOAL_STACK)
    report = stack_report(prod, PRICES, MEASURED)
    [total] = [line for line in report if line.strip().startswith("order path total")]
    assert float(total.split()[-1].replace(",", "")) <= GOAL_USD


def test_capacity_follows_the_stack_settings():
    prod = {lim.name: lim for lim in limits(evaluate("prod"), MEASURED, PRICES)}
    changed_ = {lim.name: lim for lim in limits(evaluate("prod", CHANGED), MEASURED, PRICES)}
    for name in (
        "ordering.consumer: its mapping's maximum concurrency",
        "API stage throttle (every route)",
    ):
        assert changed_[name].hits_at == pytest.approx(2 * prod[name].hits_at), name
    assert "Step Functions STANDARD StartExecution" in prod
    express = {lim.name for lim in limits(evaluate("dev"), MEASURED, PRICES)}
    assert "Step Functions STANDARD StartExecution" not in express


APPSYNC = "AppSync real-time pushes"


def appsync_line(result):
    [line] = [e for e in result.excluded if e.component.startswith(APPSYNC)]
    return line


def test_the_order_status_pushes_follow_the_status_rule_and_the_measured_events():
    _, prod = lines("prod")
    pushed = rule_pattern(ORDER_STATUS_PUSH)["detail-type"]
    expected = sum(e["per_order"] for t, e in MEASURED["events"].items() if t in pushed)
    assert expected > 0  # OrderCreated and OrderPaid on the measured path
    line = appsync_line(prod)
    assert line.quantity == expected
    subscribers = PRICES.assume("appsync_subscribers_per_order")
    minutes = PRICES.assume("appsync_connection_minutes_per_order")
    per_order = (
        PRICES.cost("appsync_query", expected)
        + PRICES.cost("appsync_realtime_update", expected * subscribers)
        + PRICES.cost("appsync_connection_minute", minutes)
        + PRICES.cost("eventbridge_appsync_target", expected)
    )
    assert line.usd == pytest.approx(per_order * 1_000_000)
    # outside the goal: not an order path line, not in its total
    assert not any(c.startswith("AppSync") for c in {x.component for x in prod.lines})
    assert prod.total == pytest.approx(sum(x.usd for x in prod.lines))
    # the local AppSync answered the relay's calls of the mutation: as many as derived
    assert MEASURED["appsync"] == {"requests_per_order": expected, "failed_per_order": 0}
    assert not any("AppSync" in check for check in prod.checks)


def test_an_event_the_status_rule_no_longer_matches_is_no_longer_pushed(monkeypatch):
    """The count comes from the program's rule, whose pattern the events table gives."""
    _, before = lines("prod")
    paid = contracts.EVENTS[DetailType.ORDER_PAID]
    monkeypatch.setitem(
        contracts.EVENTS,
        DetailType.ORDER_PAID,
        dataclasses.replace(
            paid, consumers=tuple(c for c in paid.consumers if c != ORDER_STATUS_PUSH)
        ),
    )
    program = _evaluate.__wrapped__("prod", ())  # not the cached program
    [rule] = [r for r in program.rules if any(t.kind == "appsync" for t in r.targets)]
    assert "OrderPaid" not in rule.pattern["detail-type"]
    after = estimate(program, MEASURED, PRICES)
    assert appsync_line(after).quantity == appsync_line(before).quantity - 1
    assert appsync_line(after).usd < appsync_line(before).usd
    assert after.total == pytest.approx(before.total)  # the order path's goal is untouched
    assert any("AppSync: 1 mutations per order derived" in check for check in after.checks)


def test_a_measured_order_event_the_status_rule_matches_is_pushed():
    measured = copy.deepcopy(MEASURED)
    measured["events"]["OrderShipped"] = {"per_order": 1.0, "bytes": 600, "published_by": "x"}
    before = appsync_line(estimate(evaluate("prod"), MEASURED, PRICES))
    after = appsync_line(estimate(evaluate("prod"), measured, PRICES))
    assert after.quantity == before.quantity + 1


def test_the_measurement_counts_the_local_appsyncs_requests():
    from cost.measure import appsync_requests  # noqa: PLC0415

    console = [
        '[appsync] {"status": 200, "errors": 0, "latencyMs": 12}',
        '\x1b[35m[appsync]\x1b[0m {"status": 200, "errors": 1, "latencyMs": 9}',
        '[appsync] {"status": 401, "errors": 1, "latencyMs": 1}',
        "[ordering-consumer] REPORT RequestId: x\tDuration: 1.0 ms\tBilled Duration: 1 ms",
    ]
    assert appsync_requests(console, 2) == {"requests_per_order": 1.5, "failed_per_order": 1.0}


def test_the_push_path_meets_appsync_quotas_per_mutation():
    found = {lim.name: lim for lim in limits(evaluate("prod"), MEASURED, PRICES)}
    mutations = appsync_line(lines("prod")[1]).quantity
    [tokens] = [lim for name, lim in found.items() if name.startswith("AppSync request tokens")]
    assert tokens.path == "order-status push"
    assert tokens.per_order == mutations
    assert tokens.hits_at == pytest.approx(
        PRICES.quotas["appsync_request_tokens"].default / mutations
    )


def test_every_quota_and_price_has_its_source_and_date():
    for quota in PRICES.quotas.values():
        assert quota.source.startswith("https://docs.aws.amazon.com/")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", quota.date)
        assert quota.verified is False  # until someone has checked it on its page
    for key in (
        "ses_email",
        "comprehend_sentiment_unit",
        "appsync_realtime_update",
        "appsync_query",
        "appsync_connection_minute",
        "eventbridge_appsync_target",
        "pipes_request",
        "kms_key_month",
        "scheduler_invocation",
        "alarm_month",
        "dashboard_month",
    ):
        assert key in PRICES.prices
