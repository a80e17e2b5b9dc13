"""The dashboard and the alarms read metrics that exist: each (namespace, metric,
dimensions) they name is one that a resource of the program emits. CloudWatch accepts
a dashboard or an alarm on any metric, and shows an empty graph or stays quiet when
no one emits it; the local cloud stores them without looking either.

What emits what: AWS's services publish their documented metrics per resource (below,
by the dimensions that name the resource); the functions publish the EMF metrics that
the `add_metric` calls in their packaged code name, in their POWERTOOLS_METRICS_NAMESPACE,
with Powertools' `service` dimension (their POWERTOOLS_SERVICE_NAME); a state machine puts
the metrics its PutMetricData tasks name (namespace, metric and dimensions written in its
definition)."""

import ast
import json
from collections.abc import Iterator

from components.packaging import archive_members
from shop_common.metric_names import Metric
from tests.infra.helpers import FUNCTION, QUEUE
from tests.infra.test_reliability import dead_letter_arns

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
MACHINE = "aws:sfn/stateMachine:StateMachine"
STAGE = "aws:apigatewayv2/stage:Stage"
# The metrics each service publishes per resource (AWS's documentation of each).
SQS = {
    "ApproximateNumberOfMessagesVisible",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "ApproximateAgeOfOldestMessage",
    "NumberOfMessagesSent",
    "NumberOfMessagesReceived",
    "NumberOfMessagesDeleted",
    "NumberOfEmptyReceives",
    "SentMessageSize",
}
STATES = {
    "ExecutionsStarted",
    "ExecutionsSucceeded",
    "ExecutionsFailed",
    "ExecutionsTimedOut",
    "ExecutionsAborted",
    "ExecutionThrottled",
    "ExecutionTime",
}
LAMBDA = {"Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions"}
HTTP_API = {"4xx", "5xx", "Count", "Latency", "IntegrationLatency", "DataProcessed"}

Named = tuple[str, str, frozenset[tuple[str, str]]]  # namespace, metric, dimensions


def emf_metric_names(handler_module: str) -> set[str]:
    """The metric names of every add_metric call in the function's packaged code."""
    names = set()
    for path in archive_members(handler_module).values():
        if path.suffix != ".py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "add_metric"
            ):
                continue
            [name] = [k.value for k in node.keywords if k.arg == "name"]
            if isinstance(name, ast.Constant):
                names.add(name.value)
            else:  # Metric.X: anything else would be a name this test cannot read
                assert isinstance(name, ast.Attribute), ast.dump(name)
                assert isinstance(name.value, ast.Name), ast.dump(name)
                assert name.value.id == "Metric", ast.dump(name)
                names.add(Metric[name.attr].value)
    return names


PUT_METRIC_DATA = "arn:aws:states:::aws-sdk:cloudwatch:putMetricData"


def _states(states: dict) -> Iterator[dict]:
    """Every state of a definition, those inside Map and Parallel states too."""
    for state in states.values():
        yield state
        for inner in (state.get("ItemProcessor"), state.get("Iterator")):
            if inner:
                yield from _states(inner["States"])
        for branch in state.get("Branches", []):
            yield from _states(branch["States"])


def put_metrics(definition: dict) -> set[Named]:
    """The metrics a state machine's PutMetricData tasks put. Each name and dimension must
    be written in the definition (not a path): otherwise this test could not read it."""
    found = set()
    for state in _states(definition["States"]):
        if state.get("Resource") != PUT_METRIC_DATA:
            continue
        parameters = state["Parameters"]
        for datum in parameters["MetricData"]:
            dimensions = {(d["Name"], d["Value"]) for d in datum.get("Dimensions", [])}
            found.add((parameters["Namespace"], datum["MetricName"], frozenset(dimensions)))
    return found


def emitted(deployment) -> set[Named]:
    found: set[Named] = set()

    def add(namespace: str, metrics: set[str], **dimensions: str) -> None:
        dims = frozenset(dimensions.items())
        found.update((namespace, metric, dims) for metric in metrics)

    for queue in deployment.of_type(QUEUE):
        add("AWS/SQS", SQS, QueueName=queue.outputs["name"])
    for machine in deployment.of_type(MACHINE):
        add("AWS/States", STATES, StateMachineArn=machine.outputs["arn"])
        found |= put_metrics(json.loads(machine.inputs["definition"]))
    for function in deployment.of_type(FUNCTION):
        add("AWS/Lambda", LAMBDA, FunctionName=function.outputs["name"])
        variables = function.inputs["environment"]["variables"]
        handler_module = function.inputs["handler"].removesuffix(".lambda_handler")
        add(
            variables["POWERTOOLS_METRICS_NAMESPACE"],
            emf_metric_names(handler_module),
            service=variables["POWERTOOLS_SERVICE_NAME"],
        )
    routes = deployment.of_type("aws:apigatewayv2/route:Route")
    for stage in deployment.of_type(STAGE):
        api = {"ApiId": stage.inputs["apiId"], "Stage": stage.inputs["name"]}
        add("AWS/ApiGateway", HTTP_API, **api)
        if stage.inputs["defaultRouteSettings"].get("detailedMetricsEnabled"):
            for route in routes:
                if route.inputs["apiId"] == stage.inputs["apiId"]:
                    add("AWS/ApiGateway", HTTP_API, **api, Route=route.inputs["routeKey"])
    return found


def dashboard_metrics(deployment) -> Iterator[Named]:
    """Each metric line of each graph: namespace, name, dimension pairs, then options."""
    [dashboard] = deployment.of_type(DASHBOARD)
    for widget in json.loads(dashboard.inputs["dashboardBody"])["widgets"]:
        for line in widget["properties"]["metrics"]:
            fields = [f for f in line if not isinstance(f, dict)]
            assert "." not in fields, line  # no "same as above" shorthand: each line whole
            namespace, metric, *pairs = fields
            yield namespace, metric, frozenset(zip(pairs[::2], pairs[1::2], strict=True))


def alarm_metrics(deployment) -> Iterator[Named]:
    for alarm in deployment.of_type(ALARM):
        queries = alarm.inputs.get("metricQueries")
        metrics = [q["metric"] for q in queries if "metric" in q] if queries else [alarm.inputs]
        for metric in metrics:
            yield (
                metric["namespace"],
                metric["metricName"],
                frozenset(metric.get("dimensions", {}).items()),
            )


def test_the_functions_emit_the_shops_metrics():
    """The source scan itself: what the handlers are known to emit."""
    assert emf_metric_names("ordering.consumer") == {"OrdersPlaced", "OrdersPaid", "OrdersRejected"}
    assert emf_metric_names("basket.api") == {"CheckoutsAccepted"}  # its GraphQL door too
    assert emf_metric_names("basket.consumer") == {"OrdersPaymentFailed"}
    assert emf_metric_names("openapi.api") == set()


def test_the_sweeper_puts_the_stale_orders_metric(dev):
    """The definition scan itself: the one state machine that puts a metric."""
    by_machine = {
        m.inputs["name"]: put_metrics(json.loads(m.inputs["definition"]))
        for m in dev.of_type(MACHINE)
    }
    assert {name: found for name, found in by_machine.items() if found} == {
        "shop-dev-sweeper": {
            ("shop", "StaleOrdersFound", frozenset({("service", "shop-dev-sweeper")}))
        }
    }


def test_every_metric_on_the_dashboard_is_emitted_by_a_resource_of_the_program(deployment):
    metrics = set(dashboard_metrics(deployment))
    assert metrics
    assert metrics - emitted(deployment) == set()


def test_every_metric_an_alarm_watches_is_emitted_by_a_resource_of_the_program(deployment):
    metrics = set(alarm_metrics(deployment))
    assert metrics
    assert metrics - emitted(deployment) == set()


def test_the_dashboard_shows_every_queue_dlq_workflow_and_function(deployment):
    shown = {
        dict(dims).get(key)
        for _, _, dims in dashboard_metrics(deployment)
        for key in ("QueueName", "StateMachineArn", "FunctionName")
    }
    assert dead_letter_arns(deployment)
    assert {q.outputs["name"] for q in deployment.of_type(QUEUE)} <= shown  # DLQs included
    assert {m.outputs["arn"] for m in deployment.of_type(MACHINE)} <= shown
    assert {f.outputs["name"] for f in deployment.of_type(FUNCTION)} <= shown


def test_the_dashboard_shows_orders_placed_paid_and_failed(deployment):
    shown = {(namespace, metric) for namespace, metric, _ in dashboard_metrics(deployment)}
    for metric in ("OrdersPlaced", "OrdersPaid", "OrdersPaymentFailed", "OrdersRejected"):
        assert ("shop", metric) in shown


def test_the_dashboards_url_is_a_stack_output(deployment):
    [dashboard] = deployment.of_type(DASHBOARD)
    name = dashboard.inputs["dashboardName"]
    assert name == deployment.outputs["opsTopicArn"].rsplit(":", 1)[-1].removesuffix("-ops")
    assert deployment.outputs["dashboardUrl"] == (
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1"
        f"#dashboards:name={name}"
    )
