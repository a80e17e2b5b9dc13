"""CloudWatch log groups, log resource policies and metric alarms."""

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


@handles("aws:cloudwatch/metricAlarm:MetricAlarm")
def _alarm(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    alarm_name = mocks.physical_name(name, inputs, 255)
    mocks.client("cloudwatch").put_metric_alarm(
        AlarmName=alarm_name,
        AlarmDescription=inputs.get("alarmDescription", ""),
        Namespace=inputs["namespace"],
        MetricName=inputs["metricName"],
        Dimensions=[{"Name": k, "Value": v} for k, v in inputs.get("dimensions", {}).items()],
        Statistic=inputs["statistic"],
        Period=as_int(inputs["period"]),
        EvaluationPeriods=as_int(inputs["evaluationPeriods"]),
        Threshold=float(inputs["threshold"]),
        ComparisonOperator=inputs["comparisonOperator"],
        TreatMissingData=inputs.get("treatMissingData", "missing"),
        AlarmActions=inputs.get("alarmActions", []),
        OKActions=inputs.get("okActions", []),
    )
    return alarm_name, {"arn": mocks.arn("cloudwatch", f"alarm:{alarm_name}")}
