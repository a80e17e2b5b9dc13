"""CloudWatch alarms (a helper, not a component): "at least one in five minutes"."""

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws


def at_least_one(
    name: str,
    parent: pulumi.Resource,
    description: pulumi.Input[str],
    namespace: str,
    metric_name: str,
    dimensions: Mapping[str, pulumi.Input[str]],
    statistic: str = "Sum",
) -> aws.cloudwatch.MetricAlarm:
    """Alarms when the metric reaches 1 within five minutes; quiet when there is no data."""
    return aws.cloudwatch.MetricAlarm(
        name,
        alarm_description=description,
        namespace=namespace,
        metric_name=metric_name,
        dimensions=dict(dimensions),
        statistic=statistic,
        period=300,
        evaluation_periods=1,
        threshold=1,
        comparison_operator="GreaterThanOrEqualToThreshold",
        treat_missing_data="notBreaching",
        opts=pulumi.ResourceOptions(parent=parent),
    )
