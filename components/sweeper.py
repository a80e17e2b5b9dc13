"""Sweeper: finds, on a schedule, the orders left PENDING and the baskets left CHECKED_OUT
past their time, and reports each as an event for the service that keeps it, with no
Lambda (definition in workflows/sweeper.py).

An EXPRESS state machine (a sweep takes seconds and waits for nothing) with its own role:
Query on the orders' byStatus index and the baskets' byCheckout index, GetItem on the
orders table, PutEvents of the sweeper's source, PutMetricData in the shop's namespace.
Its schedule (components/schedules.py: rate or cron from config, a retry policy and a
DLQ) starts it; the `stale_orders` alarm watches the metric it emits.
"""

import json
from dataclasses import dataclass

import pulumi

from basket.repository import CHECKOUT_INDEX
from components import alarms, schedule_expressions
from components.event_bus import EventBus
from components.iam import allow
from components.pipeline import pipeline_options
from components.schedules import SCHEDULED_TIME_INPUT, scheduled_start
from components.state_machines import express_machine
from ordering.status_index import INDEX
from shop_common.contracts import SWEEPER, produced_by
from shop_common.metric_names import NAMESPACE
from workflows.sweeper import definition


@dataclass
class SweeperArgs:
    name_prefix: str  # shop-<stack>: the state machine and the schedule are <prefix>-sweeper
    schedule_expression: str  # rate(…) or cron(…) (components/schedule_expressions.py)
    orders_table_name: pulumi.Input[str]
    orders_table_arn: pulumi.Input[str]
    baskets_table_name: pulumi.Input[str]
    baskets_table_arn: pulumi.Input[str]
    bus: EventBus
    log_retention_days: int = 14

    def __post_init__(self) -> None:
        wrong = schedule_expressions.problem(self.schedule_expression)
        if wrong:
            raise ValueError(f"schedule_expression {self.schedule_expression!r}: {wrong}")


class Sweeper(pulumi.ComponentResource):
    arn: pulumi.Output[str]
    schedule_name: pulumi.Output[str]
    schedule_dlq_url: pulumi.Output[str]

    def __init__(self, name: str, args: SweeperArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("shop:index:Sweeper", name, None, pipeline_options(opts, name))
        machine_name = f"{args.name_prefix}-sweeper"
        self.service_name = machine_name  # the service dimension of the metric it puts

        machine = express_machine(
            name,
            self,
            state_machine_name=machine_name,
            statements=[
                allow(
                    "FindStaleOrders",
                    ["dynamodb:Query"],
                    pulumi.Output.concat(args.orders_table_arn, f"/index/{INDEX}"),
                ),
                allow("FindOrdersOfStaleCheckouts", ["dynamodb:GetItem"], args.orders_table_arn),
                allow(
                    "FindStaleCheckouts",
                    ["dynamodb:Query"],
                    pulumi.Output.concat(args.baskets_table_arn, f"/index/{CHECKOUT_INDEX}"),
                ),
                args.bus.grant_publish(produced_by(SWEEPER)),
                # PutMetricData has no resource-level permissions: the namespace instead.
                allow("CountStaleOrders", ["cloudwatch:PutMetricData"], "*")
                | {"Condition": {"StringEquals": {"cloudwatch:namespace": NAMESPACE}}},
            ],
            definition=pulumi.Output.all(
                args.orders_table_name, args.baskets_table_name, args.bus.bus_name
            ).apply(
                lambda values: json.dumps(
                    definition(
                        orders_table=values[0],
                        baskets_table=values[1],
                        event_bus=values[2],
                        service=machine_name,
                    ),
                    indent=2,
                )
            ),
            log_retention_days=args.log_retention_days,
            alarm_description="Sweeper executions failed: stale orders may not be re-driven",
        )
        self.role, self.policy, built = machine.role.role, machine.role.policy, machine.built
        self.log_group = built.log_group
        self.state_machine = built.state_machine
        self.stale_alarm = alarms.stale_orders(f"{name}-stale-alarm", self, service=machine_name)
        scheduled = scheduled_start(
            f"{name}-schedule",
            self,
            schedule_name=machine_name,
            expression=args.schedule_expression,
            timezone=schedule_expressions.DEFAULT_TIMEZONE,
            state_machine_arn=self.state_machine.arn,
            execution_input=SCHEDULED_TIME_INPUT,
            description="Sweeps stale PENDING orders and CHECKED_OUT baskets",
        )
        self.schedule, self.schedule_dlq = scheduled.schedule, scheduled.dlq

        self.arn = self.state_machine.arn
        self.schedule_name = self.schedule.name
        self.schedule_dlq_url = self.schedule_dlq.url
        self.register_outputs(
            {
                "arn": self.arn,
                "schedule_name": self.schedule_name,
                "schedule_dlq_url": self.schedule_dlq_url,
            }
        )
