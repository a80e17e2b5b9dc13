"""Dashboard: one CloudWatch page for the whole system, built from the resources the
program made (their names and ARNs as Outputs): orders placed, paid and failed (the
functions' EMF metrics), checkout latency, the API's errors and latency, every work
queue's depth and age, every DLQ's depth, every workflow's outcomes, every function's
errors and throttles.

tests/infra/test_observability.py checks that every metric it shows is one that a
resource of the program emits (namespace, metric, dimensions), since CloudWatch draws
an empty graph for a metric nobody emits, without complaint.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alarms import PERIOD_SECONDS
from shop_common.metric_names import NAMESPACE, SERVICE_DIMENSION, Metric

WIDTH, HEIGHT = 12, 6  # two graphs a row (a dashboard is 24 units wide)
VISIBLE = "ApproximateNumberOfMessagesVisible"  # a queue's depth
# A workflow's outcomes, as Step Functions counts them.
EXECUTION_OUTCOMES = ("ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut")


@dataclass(frozen=True)
class ServiceMetric:
    """An EMF metric of the shop and the function that emits it."""

    metric: Metric
    service: str  # the function's POWERTOOLS_SERVICE_NAME (Function.service_name)


@dataclass
class DashboardArgs:
    dashboard_name: str
    orders: Sequence[ServiceMetric]  # placed, paid, failed, ...: one graph
    api_id: pulumi.Input[str]
    stage_name: pulumi.Input[str]
    checkout_route: str  # the route key of checkout ("POST /basket/checkout")
    work_queues: Sequence[pulumi.Input[str]]  # names
    dead_letter_queues: Sequence[pulumi.Input[str]]  # names
    state_machines: Sequence[pulumi.Input[str]]  # ARNs
    functions: Sequence[pulumi.Input[str]]  # names


class Dashboard(pulumi.ComponentResource):
    url: pulumi.Output[str]

    def __init__(self, name: str, args: DashboardArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("shop:index:Dashboard", name, None, opts)
        region = aws.get_region_output().region
        stage = ["ApiId", args.api_id, "Stage", args.stage_name]
        graphs: list[tuple[str, list[list[Any]], str]] = [
            (
                "Orders (placed, paid, failed, found stale)",
                [[NAMESPACE, o.metric, SERVICE_DIMENSION, o.service] for o in args.orders],
                "Sum",
            ),
            (
                "Checkout latency (ms)",
                [
                    ["AWS/ApiGateway", "Latency", *stage, "Route", args.checkout_route, stat]
                    for stat in ({"stat": "p50"}, {"stat": "p99"})
                ],
                "p99",
            ),
            (
                "API answers: 4xx, 5xx",
                [["AWS/ApiGateway", metric, *stage] for metric in ("4xx", "5xx")],
                "Sum",
            ),
            (
                "API latency (ms)",
                [["AWS/ApiGateway", "Latency", *stage, {"stat": stat}] for stat in ("p50", "p99")],
                "p99",
            ),
            (
                "Work queues: messages waiting",
                _per("AWS/SQS", VISIBLE, "QueueName", args.work_queues),
                "Maximum",
            ),
            (
                "Work queues: age of the oldest message (s)",
                _per("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", args.work_queues),
                "Maximum",
            ),
            (
                "Dead-letter queues: messages held",
                _per("AWS/SQS", VISIBLE, "QueueName", args.dead_letter_queues),
                "Maximum",
            ),
            (
                "Workflows: outcomes",
                [
                    ["AWS/States", outcome, "StateMachineArn", arn]
                    for arn in args.state_machines
                    for outcome in EXECUTION_OUTCOMES
                ],
                "Sum",
            ),
            (
                "Functions: errors",
                _per("AWS/Lambda", "Errors", "FunctionName", args.functions),
                "Sum",
            ),
            (
                "Functions: throttles",
                _per("AWS/Lambda", "Throttles", "FunctionName", args.functions),
                "Sum",
            ),
        ]
        widgets = [
            {
                "type": "metric",
                "x": (index % 2) * WIDTH,
                "y": (index // 2) * HEIGHT,
                "width": WIDTH,
                "height": HEIGHT,
                "properties": {
                    "title": title,
                    "region": region,
                    "view": "timeSeries",
                    "stat": stat,
                    "period": PERIOD_SECONDS,
                    "metrics": metrics,
                },
            }
            for index, (title, metrics, stat) in enumerate(graphs)
        ]
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=args.dashboard_name,
            dashboard_body=pulumi.Output.json_dumps({"widgets": widgets}),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.url = pulumi.Output.concat(
            "https://",
            region,
            ".console.aws.amazon.com/cloudwatch/home?region=",
            region,
            "#dashboards:name=",
            self.dashboard.dashboard_name,
        )
        self.register_outputs({"url": self.url})


def _per(
    namespace: str, metric: str, dimension: str, values: Sequence[pulumi.Input[str]]
) -> list[list[Any]]:
    """The metric once for each resource, by its dimension (a queue's name, ...)."""
    return [[namespace, metric, dimension, value] for value in values]
