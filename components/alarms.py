"""CloudWatch alarms (helpers, not components): "at least one in five minutes", and
"above a threshold". None attaches actions: every alarm of the program notifies the
ops topic through the stack transformation that __main__.py registers
(components/operations.py `notify_on_every_alarm`), which also reaches alarms made later.
"""

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from shop_common.metric_names import NAMESPACE, SERVICE_DIMENSION, Metric

PERIOD_SECONDS = 300


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
        period=PERIOD_SECONDS,
        evaluation_periods=1,
        threshold=1,
        comparison_operator="GreaterThanOrEqualToThreshold",
        treat_missing_data="notBreaching",
        opts=pulumi.ResourceOptions(parent=parent),
    )


def above(
    name: str,
    parent: pulumi.Resource,
    description: pulumi.Input[str],
    namespace: str,
    metric_name: str,
    dimensions: Mapping[str, pulumi.Input[str]],
    threshold: float,
    *,
    statistic: str | None = "Maximum",
    extended_statistic: str | None = None,
    periods: int = 1,
) -> aws.cloudwatch.MetricAlarm:
    """Alarms when the metric is above the threshold in `periods` five-minute periods in a
    row (a percentile as `extended_statistic`, e.g. "p99"); quiet when there is no data."""
    return aws.cloudwatch.MetricAlarm(
        name,
        alarm_description=description,
        namespace=namespace,
        metric_name=metric_name,
        dimensions=dict(dimensions),
        statistic=None if extended_statistic else statistic,
        extended_statistic=extended_statistic,
        period=PERIOD_SECONDS,
        evaluation_periods=periods,
        datapoints_to_alarm=periods,
        threshold=threshold,
        comparison_operator="GreaterThanThreshold",
        treat_missing_data="notBreaching",
        opts=pulumi.ResourceOptions(parent=parent),
    )


def stale_orders(
    name: str, parent: pulumi.Resource, service: pulumi.Input[str]
) -> aws.cloudwatch.MetricAlarm:
    """The sweeper's alarm (components/sweeper.py): its state machine puts
    `Metric.STALE_ORDERS_FOUND` in the shop's namespace, with `service` its own name,
    counting the PENDING orders and CHECKED_OUT baskets it found past their time
    (PutMetricData from the workflow: EMF needs a function). One is enough to alarm: an
    order stuck PENDING holds its stock, a stuck basket its customer."""
    return at_least_one(
        name,
        parent,
        description="The sweeper found orders left PENDING or baskets left CHECKED_OUT",
        namespace=NAMESPACE,
        metric_name=Metric.STALE_ORDERS_FOUND,
        dimensions={SERVICE_DIMENSION: service},
    )
