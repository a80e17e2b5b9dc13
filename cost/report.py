"""`make cost` and `make capacity`: the model's tables, as text. Nothing is started: the
stacks are evaluated under mocks, the measurement and the prices are read from files."""

from dataclasses import dataclass, replace
from typing import Any

from cost import MEASUREMENTS, PRICES_AND_QUOTAS, ROOT
from cost.capacity import PATHS, RATES, Limit, first_limits, limits
from cost.data import Catalogue
from cost.model import AS_BUILT, USUAL, USUAL_WORKFLOW_TYPE, Estimate, Line, Variant, estimate
from cost.program import Program, evaluate

GOAL_USD = 10.0  # the order path, per 1 000 000 orders, on prod's settings
GOAL_STACK = "prod"
STACKS = ("dev", "prod")


@dataclass(frozen=True)
class Step:
    """A change towards the goal, applied on top of the ones before it."""

    change: str
    overrides: dict[str, str]  # config of the program (re-evaluated)
    variant: Variant  # what the program has no setting for
    guarantee: str  # what happens to the guarantees


# Settings and code changes that keep every guarantee, in the order they pay.
KEEPING = (
    Step(
        "workflowType EXPRESS (Pulumi.prod.yaml)",
        {"shop:workflowType": "EXPRESS"},
        AS_BUILT,
        "kept: one effective execution by the conditional updates and the payment keys "
        "(EXPRESS runs at least once; STANDARD's name dedupe goes), DLQs unchanged; "
        "the 90-day execution history goes (and the payment token in it)",
    ),
    Step(
        "state machine logs ERROR, not ALL (components/state_machines.py)",
        {},
        Variant(machine_log_level="ERROR"),
        "kept; a successful EXPRESS execution then leaves no record of its states",
    ),
    Step(
        "full SQS batches: a batching window (QueueConsumerArgs.batching_window_seconds)",
        {},
        Variant(messages_per_batch=10),
        "kept; each hop waits up to the window, and batches fill only under sustained load",
    ),
    Step(
        "indexes projecting keys only (orders byUser, byStatus; products byCategory)",
        {},
        Variant(index_projection="KEYS_ONLY"),
        "kept; listings then read each order or product after the index (GetItem)",
    ),
)
# What giving up a guarantee would save, on top of all the above.
GIVING_UP = (
    Step(
        "no Idempotency-Key records (basket-idempotency)",
        {},
        Variant(without_tables=("basket-idempotency",)),
        "goes: a checkout retried with its key answered from its record (the basket's "
        "lock still answers a repeat with the same order)",
    ),
    Step(
        "no checkout outbox: the basket written alone, the event put directly",
        {},
        Variant(without_tables=("basket-outbox-table",), plain_tables=("basket-table",)),
        "goes: a change and its event in one transaction (a crash between the two loses "
        "the event, or a failed write publishes one)",
    ),
    Step(
        "no reservation transaction: stock and records written one by one",
        {},
        Variant(plain_tables=("stock-table", "products-table")),
        "goes: an order's lines reserved all or none, decided once",
    ),
    Step(
        "no audit (its recorder and table, and the archive)",
        {},
        Variant(without_audit=True, without_tables=("audit-table",)),
        "goes: the audit trail and event replay",
    ),
)


def _combine(a: Variant, b: Variant) -> Variant:
    """`a` with what `b` changes from the program as built."""
    changes = {
        name: value
        for name, value in vars(b).items()
        if name != "name" and value != getattr(AS_BUILT, name)
    }
    if "without_tables" in changes:
        changes["without_tables"] = a.without_tables + b.without_tables
    if "plain_tables" in changes:
        changes["plain_tables"] = a.plain_tables + b.plain_tables
    return replace(a, **changes)


def _money(usd: float) -> str:
    return f"{usd:,.2f}"


def _quantity(line: Line) -> str:
    value = line.quantity
    text = f"{value:.3g}" if value < 0.01 else f"{value:,.4g}"
    return f"{text} {line.unit}"


def _settings(program: Program) -> str:
    s = program.settings
    memory = sorted({f.memory_mb for f in program.functions.values()})
    architectures = sorted({f.architecture for f in program.functions.values()})
    return (
        f"workflowType {s['workflowType']}, Lambda {'/'.join(map(str, memory))} MB "
        f"{'/'.join(architectures)}, consumerMaxConcurrency {s['consumerMaxConcurrency']}, "
        f"API {program.api.protocol} throttled at {program.api.rate_limit:g}/s"
    )


def _table(lines: list[Line], width: int = 44) -> list[str]:
    return [
        f"  {line.component:{width}} {_quantity(line):>22} {_money(line.usd):>10}   {line.source}"
        for line in lines
    ]


def _header(catalogue: Catalogue, measured: dict[str, Any]) -> list[str]:
    given = ", ".join(k for k, p in catalogue.prices.items() if not p.given)
    return [
        f"Cost of 1 000 000 orders by stack: {catalogue.wording} ({catalogue.region}; "
        f"{catalogue.source}; not in that list, to confirm: {given})",
        f"Prices and quotas: {PRICES_AND_QUOTAS.relative_to(ROOT)}. Measurements: "
        f"{measured['label']} ({MEASUREMENTS.relative_to(ROOT)}: {measured['how']}).",
        "Everything structural is the program's own: each stack evaluated under the infra "
        "tests' mocks (Pulumi.yaml defaults, Pulumi.<stack>.yaml).",
        f"An order: {measured['order']}.",
    ]


def stack_report(e: Estimate, catalogue: Catalogue, measured: dict[str, Any]) -> list[str]:
    program = e.program
    out = [
        "",
        f"== {program.stack}: {_settings(program)}",
        f"   region {program.region}"
        + (
            f" (priced at {catalogue.region}'s list prices; {program.region}'s differ)"
            if program.region != catalogue.region
            else ""
        ),
        f"  {'order path':44} {'per order':>22} {'USD/1M':>10}   derived from",
        *_table(e.lines),
        f"  {'order path total':44} {'':>22} {_money(e.total):>10}",
    ]
    if program.stack == GOAL_STACK:
        met = e.total <= GOAL_USD
        out.append(
            f"  goal: the order path ≤ ${GOAL_USD:g} per 1M orders on {GOAL_STACK}'s settings: "
            + (
                "MET"
                if met
                else f"NOT MET (${_money(e.total)}, {e.total / GOAL_USD:.1f}x the goal)"
            )
        )
    doubled = estimate(program, measured, catalogue, Variant(duration_factor=2.0))
    batched = estimate(program, measured, catalogue, Variant(messages_per_batch=10))
    out += [
        f"  sensitivity: durations x2 → ${_money(doubled.total)} "
        f"({doubled.total - e.total:+.2f}); full SQS batches of 10 (sustained load) → "
        f"${_money(batched.total)} ({batched.total - e.total:+.2f})",
        f"  {'outside the goal, per 1M orders':44}",
        *_table(e.excluded),
        *(f"  {note}" for note in e.not_built),
        f"  {'fixed, per month':44} {'':>22} {'USD/month':>10}",
        *_table(e.fixed),
        f"  {'fixed total':44} {'':>22} {_money(sum(f.usd for f in e.fixed)):>10}",
    ]
    out.append(
        "  checks: "
        + (
            "; ".join(e.checks)
            if e.checks
            else "the derived invocations, walks and AppSync requests agree with the measurement"
        )
    )
    return out


def comparison(e: Estimate, catalogue: Catalogue, measured: dict[str, Any]) -> list[str]:
    overrides = {"shop:workflowType": USUAL_WORKFLOW_TYPE}
    usual = estimate(evaluate(e.program.stack, overrides), measured, catalogue, USUAL)
    return [
        "",
        f"{e.program.stack} against the same architecture as usually built (REST API, x86_64, "
        f"workflowType {USUAL_WORKFLOW_TYPE}; the notifier stays EXPRESS, as the program has it):",
        f"  as configured ${_money(e.total)}; as usually built ${_money(usual.total)} "
        f"({usual.total - e.total:+.2f}: "
        + ", ".join(
            f"{b.component} {b.usd - a.usd:+.2f}"
            for a, b in zip(e.lines, usual.lines, strict=False)
            if abs(b.usd - a.usd) > 0.005
        )
        + ")",
    ]


def goal_steps(catalogue: Catalogue, measured: dict[str, Any]) -> list[str]:
    """What prod would take to meet the goal, step by step, and what each step costs in
    guarantees."""
    program = evaluate(GOAL_STACK)
    now = estimate(program, measured, catalogue)
    out = [
        "",
        f"What {GOAL_STACK} would take to meet the goal (each step on top of the ones before):",
    ]
    overrides: dict[str, str] = {}
    variant = AS_BUILT
    previous = now.total
    out.append(f"  {'as configured':82} {_money(previous):>10}")
    for kind, steps in (("keeping every guarantee", KEEPING), ("giving one up", GIVING_UP)):
        out.append(f"  {kind}:")
        for step in steps:
            overrides |= step.overrides
            variant = _combine(variant, step.variant)
            total = estimate(evaluate(GOAL_STACK, overrides), measured, catalogue, variant).total
            out.append(f"    {step.change:80} {_money(total):>10}  ({total - previous:+.2f})")
            out.append(f"      guarantees: {step.guarantee}")
            previous = total
        if previous <= GOAL_USD:
            out.append(f"  → the goal is met here (${_money(previous)})")
            break
    if previous > GOAL_USD:
        floor = estimate(evaluate(GOAL_STACK, overrides), measured, catalogue, variant)
        biggest = sorted(floor.lines, key=lambda line: line.usd, reverse=True)[:4]
        out += [
            f"  → not met even so (${_money(previous)}): the rest is the shape of the order path "
            "itself: "
            + ", ".join(f"{line.component} ${_money(line.usd)}" for line in biggest)
            + ".",
            "    Design changes that would move it (docs/cost-and-capacity.md): fewer hops "
            "(reserve the stock in the checkout's transaction, place the order with it), "
            "fewer index writes per order, one event per outcome.",
        ]
    return out


def cost_report(catalogue: Catalogue, measured: dict[str, Any]) -> str:
    out = _header(catalogue, measured)
    estimates = {stack: estimate(evaluate(stack), measured, catalogue) for stack in STACKS}
    for stack in STACKS:
        out += stack_report(estimates[stack], catalogue, measured)
    out += comparison(estimates[GOAL_STACK], catalogue, measured)
    out += goal_steps(catalogue, measured)
    out += ["", "Capacity (what breaks first at 100, 1 000, 10 000 orders/s): `make capacity`."]
    return "\n".join(out)


def _rate(value: float) -> str:
    return "never" if value == float("inf") else f"{value:,.0f}/s"


def _limit_row(limit: Limit) -> str:
    marks = "  ".join(f"{'over' if rate >= limit.hits_at else 'ok':>6}" for rate in RATES)
    return (
        f"  {limit.name:58} {limit.value:>9,.0f} {limit.per_order:>9.3g} "
        f"{_rate(limit.hits_at):>9}  {marks}  {limit.moves}"
    )


def capacity_report(catalogue: Catalogue, measured: dict[str, Any]) -> str:
    out = [
        "Capacity on paper: for each path, the limits it meets as the order rate grows, from "
        "each stack's own settings, the measured order and browse, and AWS's default quotas "
        f"({PRICES_AND_QUOTAS.relative_to(ROOT)}: every quota unverified until checked on the "
        "page it names). A document, not a gate.",
        f"Assumed: {catalogue.assume('browse_requests_per_order'):g} product reads and at most "
        f"{catalogue.assume('sign_ins_per_order'):g} sign-in per order; the busiest product "
        "takes every order (worst case).",
    ]
    for stack in STACKS:
        program = evaluate(stack)
        found = limits(program, measured, catalogue)
        first = first_limits(found)
        out += [
            "",
            f"== {stack}: {_settings(program)}",
            f"  {'limit':58} {'value':>9} {'per order':>9} {'met at':>9}  "
            + "  ".join(f"{f'{r:,}/s':>6}" for r in RATES)
            + "  what moves it",
        ]
        for path in PATHS:
            met = first[path]
            if met is None:
                out.append(
                    f"  {path}: not on the measured order's path (on paper: "
                    "docs/cost-and-capacity.md)"
                )
                continue
            out.append(f"  {path}: first meets {met.name} at {_rate(met.hits_at)}")
            for limit in sorted(
                (lim for lim in found if lim.path == path), key=lambda lim: lim.hits_at
            ):
                out.append(_limit_row(limit))
    out += ["", "Sources (quotas as this file's author knew them; check each on its page):"]
    for key, quota in catalogue.quotas.items():
        state = "verified" if quota.verified else "unverified"
        out.append(
            f"  {key}: {quota.default:,.0f} {quota.unit}; {quota.source} ({quota.date}, {state})"
        )
    pipes = evaluate(GOAL_STACK).pipes
    factors = sorted({p.parallelization for p in pipes})
    out += [
        "",
        "Not computed (they depend on what only AWS shows):",
        f"  the outbox pipes read each stream shard one batch at a time (parallelization factor "
        f"{'/'.join(map(str, factors))} in the program; quota pipes_stream_shard): a pipe that "
        "lags shows in its age metric; raise the factor (up to 10)",
        f"  Lambda adds at most {catalogue.quotas['lambda_scaling'].default:,.0f} execution "
        "environments per function every 10 s (quota lambda_scaling): a step from idle to "
        "10 000 orders/s takes tens of seconds to absorb",
        "",
        "A popular product: its one stock item takes every reservation (a transactional "
        "write, 2 units, and its category's index entry, 1 unit): 500 orders/s of one product "
        "at most, fewer with transaction conflicts. Design changes: sharded stock counters, "
        "stock in a table of its own (no catalogue index write), cached product reads; see "
        "docs/cost-and-capacity.md.",
    ]
    return "\n".join(out)
