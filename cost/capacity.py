"""Capacity on paper (`make capacity`): for each path of the shop, the AWS quotas and
limits it meets as the order rate grows, the rate at which this program meets each (from
the stack's own settings, the measured order and browse, and the quotas' defaults in
cost/aws.toml, all unverified), and the setting or quota increase that moves it.

A rate is orders per second; shared limits (the API stage, the account's Lambda
concurrency, EventBridge) count every path's demand, browsing included. A document,
not a gate: nothing here was load-tested on AWS."""

from dataclasses import dataclass
from typing import Any

from cost.asl import happy_path
from cost.data import Catalogue
from cost.dynamo import read_units, write_units
from cost.model import AS_BUILT, flows, gsi_writes, machine_calls
from cost.program import Program
from ordering.status_index import INDEX as STATUS_INDEX
from ordering.status_index import SHARDS

SALES_TABLE = "sales-report-table"  # the SalesReport component's counters (ordering/sales.py)

RATES = (100, 1_000, 10_000)
PATHS = (
    "browse",
    "basket",
    "checkout → PAID",
    "customer e-mail",
    "order-status push",
    "reviews",
    "audit",
)


@dataclass(frozen=True)
class Limit:
    path: str
    name: str
    value: float  # in `unit`
    unit: str
    per_order: float  # of `unit`'s quantity, per order placed
    moves: str  # the setting or quota increase that moves it
    source: str  # "setting <key>", "quota <key> (unverified)", "table design"

    @property
    def hits_at(self) -> float:
        """Orders per second at which the demand reaches the limit."""
        return self.value / self.per_order if self.per_order else float("inf")


def _quota(catalogue: Catalogue, key: str) -> tuple[float, str, str]:
    quota = catalogue.quotas[key]
    checked = "verified" if quota.verified else "unverified"
    return quota.default, quota.unit, f"quota {key} ({checked}, {quota.date})"


def limits(program: Program, measured: dict[str, Any], catalogue: Catalogue) -> list[Limit]:  # noqa: PLR0915 - one limit after another
    """Every limit of every path, for this stack."""
    assume = catalogue.assume
    flow = flows(program, measured, catalogue, AS_BUILT)
    browse = measured["browse"]
    browse_requests = assume("browse_requests_per_order")
    per_browse_request = browse_requests / sum(browse["requests"].values())
    api_per_order = sum(flow.api_requests.values()) + browse_requests
    found: list[Limit] = []

    def add(path: str, name: str, quota: str, per_order: float, moves: str) -> None:
        value, unit, source = _quota(catalogue, quota)
        found.append(Limit(path, name, value, unit, per_order, moves, source))

    # Shared by every path: the stage's throttle, the account's quotas.
    stage_moves = (
        f"apiThrottlingRateLimit, apiThrottlingBurstLimit ({api_per_order:g} requests an "
        f"order: {api_per_order - browse_requests:g} to order, {browse_requests:g} browsing)"
    )
    for path in ("browse", "basket", "checkout → PAID"):
        found.append(
            Limit(
                path,
                "API stage throttle (every route)",
                program.api.rate_limit,
                f"requests/s, burst {program.api.burst_limit:g} (the stack's setting)",
                api_per_order,
                stage_moves,
                "setting apiThrottlingRateLimit",
            )
        )
    add(
        "browse", "API Gateway account throttle", "api_account_rps", api_per_order, "quota increase"
    )
    seconds = sum(
        n * measured["functions"][h]["duration_ms"]["mean"] / 1000
        for h, n in flow.invocations.items()
    ) + sum(
        numbers["invocations"] * per_browse_request * numbers["duration_ms"]["mean"] / 1000
        for numbers in browse["functions"].values()
    )
    add(
        "browse",
        "Lambda concurrency (account, every function)",
        "lambda_concurrency",
        seconds,
        "quota increase (no function reserves concurrency)",
    )

    # A popular product: every read and write of its one item hits one partition.
    # The measured browse mixes list pages and product pages; every product page is taken
    # to be the popular product's (worst case).
    product_reads = browse_requests * sum(
        call["per_request"] * read_units(item["bytes"], item["consistent"], item["transactional"])
        for call in browse["dynamodb"]
        for item in call["items"]
        if item["table"] == "products-table"
    )
    product_reads += _units(measured, "products-table", "read")
    add(
        "browse",
        "DynamoDB: a popular product's item, reads",
        "dynamodb_partition_read",
        product_reads,
        "cache product pages (CloudFront, API caching) or DAX: one item never splits",
    )

    # Basket: a customer's own item; sign-ins.
    add(
        "basket",
        "Cognito sign-ins (at most one per order)",
        "cognito_user_authentication",
        assume("sign_ins_per_order"),
        "quota increase; a returning customer's token (60 min) needs none",
    )
    add(
        "basket",
        "Cognito token refreshes (at most one per order)",
        "cognito_token_refresh",
        assume("sign_ins_per_order"),
        "quota increase; longer-lived access tokens (the app client: 60 min)",
    )

    # Checkout → PAID: queues, workflows, events, the saga's items, e-mail.
    checkout = "checkout → PAID"
    for queue, messages in sorted(flow.messages.items()):
        mapping = program.mapping_of_queue(queue)
        function = program.function_of_arn(mapping.function_arn)
        per_message = measured["functions"][function.handler]["duration_ms"]["mean"] / 1000
        found.append(
            Limit(
                checkout,
                f"{function.handler}: its mapping's maximum concurrency",
                float(mapping.max_concurrency or catalogue.quotas["lambda_concurrency"].default),
                "batches in flight (the stack's setting)",
                messages * per_message,
                "consumerMaxConcurrency (2..1000)",
                "setting consumerMaxConcurrency",
            )
        )
        in_flight = mapping.batch_size * (mapping.max_concurrency or 0)
        found.append(
            Limit(
                checkout,
                f"SQS in-flight messages ({queue})",
                catalogue.quotas["sqs_in_flight"].default,
                "messages in flight per queue",
                0.0,
                f"never: at most {in_flight:,} in flight (batch size x maximum concurrency); "
                "a backlog waits in the queue",
                _quota(catalogue, "sqs_in_flight")[2],
            )
        )
    starts = {"STANDARD": 0.0, "EXPRESS": 0.0}
    transitions = 0.0
    for name, executions in flow.executions.items():
        machine = program.machines[name]
        starts[machine.type] += executions
        if machine.type == "STANDARD":
            walked = happy_path(machine.definition, machine_calls(measured, name))
            transitions += executions * len(walked)
    if starts["STANDARD"]:
        add(
            checkout,
            "Step Functions STANDARD StartExecution",
            "sfn_standard_start",
            starts["STANDARD"],
            "workflowType EXPRESS (6 000/s), or a quota increase",
        )
        add(
            checkout,
            "Step Functions STANDARD state transitions",
            "sfn_standard_transitions",
            transitions,
            "workflowType EXPRESS (no transition quota), or a quota increase",
        )
    by_rules = {t.name for rule in program.rules for t in rule.targets if t.kind == "states"}
    express_here = [
        m for m in flow.executions if m not in by_rules and program.machines[m].type == "EXPRESS"
    ]
    if express_here:
        add(
            checkout,
            f"Step Functions EXPRESS StartExecution (shared: {', '.join(express_here)} "
            "and the notifier)",
            "sfn_express_start",
            starts["EXPRESS"],
            "quota increase",
        )
    put_events = sum(
        c["per_order"]
        for c in measured["calls"]
        if c["action"] == "events:PutEvents" and c["caller"] != "local cloud"
    ) + sum(e["per_order"] for e in measured["events"].values() if e["published_by"] == "pipe")
    add(checkout, "EventBridge PutEvents", "eventbridge_put_events", put_events, "quota increase")
    invocations = sum(
        measured["events"][t]["per_order"] * len(rules) for t, rules in flow.rule_matches.items()
    )
    add(
        checkout,
        "EventBridge target invocations",
        "eventbridge_invocations",
        invocations,
        "quota increase",
    )
    add(
        checkout,
        "DynamoDB: a popular product's stock item, writes",
        "dynamodb_partition_write",
        _units(measured, "products-table", "write"),
        "sharded stock counters; stock in a table of its own (see docs/cost-and-capacity.md)",
    )
    category = _index_writes(program, measured, "products-table")
    if category:
        add(
            checkout,
            "DynamoDB: a popular category's index partition (stock writes)",
            "dynamodb_partition_write",
            category,
            "stock out of the catalogue item, or the index projecting keys only",
        )
    status = _index_writes(program, measured, "orders-table", STATUS_INDEX) / SHARDS
    add(
        checkout,
        f"DynamoDB: orders {STATUS_INDEX} index, one of {SHARDS} shards of a status",
        "dynamodb_partition_write",
        status,
        "ordering/status_index.py SHARDS (re-shard the stored orders)",
    )
    counters = _units(measured, SALES_TABLE, "write") / SHARDS
    if counters:
        add(
            checkout,
            f"DynamoDB: the day's sales counters, one of {SHARDS} shards",
            "dynamodb_partition_write",
            counters,  # each order's changes count on its own shard's item, in transactions
            "more shards (ordering/sales.py open_period); concurrent counts conflict and are "
            "retried well before the item's limit",
        )
    busiest = max(
        ("orders-table", "products-table", "stock-table", "basket-table"),
        key=lambda t: _units(measured, t, "write"),
    )
    add(
        checkout,
        f"DynamoDB on-demand table throughput ({busiest})",
        "dynamodb_table_on_demand",
        _units(measured, busiest, "write"),
        "quota increase; warm throughput before a launch",
    )
    add(
        "customer e-mail",
        "SES sending rate (the PAID e-mail)",
        "ses_send_rate",
        measured["emails_per_order"],
        "SES sending quota increase; until then e-mails fail after their retries "
        "(EmailNotSent, the notifier's alarm): the order is paid regardless",
    )
    add(
        "customer e-mail",
        "Step Functions EXPRESS StartExecution (every EXPRESS machine)",
        "sfn_express_start",
        starts["EXPRESS"],
        "quota increase",
    )
    publishes = sum(c["per_order"] for c in measured["calls"] if c["action"] == "sns:Publish")
    add("customer e-mail", "SNS Publish (ops feed)", "sns_publish", publishes, "quota increase")

    # Order-status push: checkout → PAID's order events, each a publishOrderStatus call by
    # the status rule's AppSync target and an update to each subscriber. Throttled, the
    # target retries, then its DLQ takes the event: the order is paid regardless.
    mutations = sum(flow.mutations.values())
    if mutations:
        push, subscribers = "order-status push", assume("appsync_subscribers_per_order")
        retried = "the target retries a throttled call, then its DLQ: the order is paid regardless"
        add(
            push,
            f"AppSync request tokens ({'/'.join(sorted(flow.mutations))}, one each)",
            "appsync_request_tokens",
            mutations,
            f"quota increase (shared with every GraphQL client's requests); {retried}",
        )
        add(
            push,
            f"AppSync real-time outbound messages ({subscribers:g} subscriber an order)",
            "appsync_realtime_outbound",
            mutations * subscribers,
            "quota increase",
        )
        add(
            push,
            f"AppSync real-time connections ({subscribers:g} new an order, at most)",
            "appsync_realtime_connections",
            subscribers,
            "quota increase; a returning client keeps its connection across orders",
        )
        add(push, "EventBridge target invocations", "eventbridge_invocations", invocations, "")

    # Audit: EventBridge starts the audit recorder on each event; it puts one item.
    add(
        "audit",
        "Step Functions EXPRESS StartExecution (every EXPRESS machine; the recorder: 1 an event)",
        "sfn_express_start",
        starts["EXPRESS"],
        "quota increase; or batch events into one execution (docs/decisions.md, the audit)",
    )
    add(
        "audit",
        "DynamoDB on-demand table throughput (audit-table)",
        "dynamodb_table_on_demand",
        _units(measured, "audit-table", "write"),
        "quota increase",
    )
    add("audit", "EventBridge target invocations", "eventbridge_invocations", invocations, "")
    return found


def _units(measured: dict[str, Any], table: str, kind: str) -> float:
    """A table's read or write units per order on the order path: the table's own, its
    indexes' writes fall on partitions of their own (_index_writes)."""
    total = 0.0
    for call in measured["dynamodb"]:
        for item in call["items"]:
            if item["table"] != table or (item["kind"] == "read") != (kind == "read"):
                continue
            if kind == "read":
                units = read_units(item["bytes"], item["consistent"], item["transactional"])
            else:
                units = write_units(item["bytes"], item["transactional"])
            total += call["per_order"] * units
    return total


def _index_writes(
    program: Program, measured: dict[str, Any], table: str, index: str | None = None
) -> float:
    indexes = [i for i in program.tables[table].indexes if index in (None, i.name)]
    return float(
        sum(
            call["per_order"] * gsi_writes(indexes, item, None) * write_units(item["bytes"])
            for call in measured["dynamodb"]
            for item in call["items"]
            if item["table"] == table and item["kind"] != "read"
        )
    )


def first_limits(found: list[Limit]) -> dict[str, Limit | None]:
    """Each path's first limit: the one met at the lowest order rate."""
    return {
        path: min(
            (lim for lim in found if lim.path == path), key=lambda lim: lim.hits_at, default=None
        )
        for path in PATHS
    }
