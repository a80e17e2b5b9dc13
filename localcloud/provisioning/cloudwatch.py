"""CloudWatch log groups, log resource policies, metric alarms and dashboards."""

from localcloud.lambda_events import ACCOUNT_ID
from localcloud.provisioning.core import EmulatorMocks, Properties, as_int, handles


@handles("aws:cloudwatch/logGroup:LogGroup")
def _log_group(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    group = mocks.physical_name(name, inputs, 512)
    logs = mocks.client("logs")
    logs.create_log_group(logGroupName=group)
    if inputs.get("retentionInDays"):
        logs.put_retention_policy(
            logGroupName=group, retentionInDays=as_int(inputs["retentionInDays"])
        )
    return group, {"name": group, "arn": mocks.arn("logs", f"log-group:{group}")}


@handles("aws:cloudwatch/logResourcePolicy:LogResourcePolicy")
def _log_resource_policy(
    mocks: EmulatorMocks, name: str, inputs: Properties
) -> tuple[str, Properties]:
    mocks.client("logs").put_resource_policy(
        policyName=inputs["policyName"], policyDocument=inputs["policyDocument"]
    )
    return inputs["policyName"], {}


def _dimensions(dimensions: Properties) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in dimensions.items()]


def _metric_query(query: Properties) -> Properties:
    """One of a metric math alarm's queries, as PutMetricAlarm takes it."""
    converted: Properties = {"Id": query["id"], "ReturnData": bool(query.get("returnData"))}
    if query.get("expression"):
        converted |= {"Expression": query["expression"], "Label": query.get("label", "")}
    if query.get("metric"):
        metric = query["metric"]
        converted["MetricStat"] = {
            "Metric": {
                "Namespace": metric["namespace"],
                "MetricName": metric["metricName"],
                "Dimensions": _dimensions(metric.get("dimensions", {})),
            },
            "Period": as_int(metric["period"]),
            "Stat": metric["stat"],
        }
    return converted


@handles("aws:cloudwatch/metricAlarm:MetricAlarm")
def _alarm(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    alarm_name = mocks.physical_name(name, inputs, 255)
    # A single metric (a statistic or a percentile), or metric math over several.
    optional = {
        "Namespace": inputs.get("namespace"),
        "MetricName": inputs.get("metricName"),
        "Statistic": inputs.get("statistic"),
        "ExtendedStatistic": inputs.get("extendedStatistic"),
        "Period": as_int(inputs["period"]) if "period" in inputs else None,
        "DatapointsToAlarm": (
            as_int(inputs["datapointsToAlarm"]) if "datapointsToAlarm" in inputs else None
        ),
    }
    if inputs.get("dimensions"):
        optional["Dimensions"] = _dimensions(inputs["dimensions"])
    if inputs.get("metricQueries"):
        optional["Metrics"] = [_metric_query(q) for q in inputs["metricQueries"]]
    mocks.client("cloudwatch").put_metric_alarm(
        AlarmName=alarm_name,
        AlarmDescription=inputs.get("alarmDescription", ""),
        EvaluationPeriods=as_int(inputs["evaluationPeriods"]),
        Threshold=float(inputs["threshold"]),
        ComparisonOperator=inputs["comparisonOperator"],
        TreatMissingData=inputs.get("treatMissingData", "missing"),
        AlarmActions=inputs.get("alarmActions", []),
        OKActions=inputs.get("okActions", []),
        **{key: value for key, value in optional.items() if value is not None},
    )
    return alarm_name, {"arn": mocks.arn("cloudwatch", f"alarm:{alarm_name}")}


@handles("aws:cloudwatch/dashboard:Dashboard")
def _dashboard(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    # Stored as given: moto, like CloudWatch, draws nothing and checks no metric in it.
    dashboard = inputs["dashboardName"]
    mocks.client("cloudwatch").put_dashboard(
        DashboardName=dashboard, DashboardBody=inputs["dashboardBody"]
    )
    arn = f"arn:aws:cloudwatch::{ACCOUNT_ID}:dashboard/{dashboard}"
    return dashboard, {"dashboardName": dashboard, "dashboardArn": arn}
