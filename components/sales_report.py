"""SalesReport: the day's sales, counted by the status changes themselves and reported
every night to the ops topic, with no Lambda (ordering/sales.py, workflows/sales_report.py).

- The sales table (ordering/sales.py `KEY`): the open counters, which the ordering
  consumer ADDs to in the same transaction as each status change (its grant: `counting()`),
  and each report, kept.
- An EXPRESS state machine that moves the open counters into a report item, publishes it
  to the ops topic (encrypted with the ops key: the role may use that key to publish) and
  marks it published. Its role may read and update the sales table, nothing else of it.
- Its schedule (components/schedules.py): a cron in a time zone from config, whose time
  ends the business day.
"""

import json
from dataclasses import dataclass
from typing import Any

import pulumi

from components import schedule_expressions
from components.iam import allow
from components.pipeline import pipeline_options
from components.schedules import SCHEDULED_TIME_INPUT, scheduled_start
from components.state_machines import express_machine
from components.tables import TableArgs, own_table
from ordering import sales
from workflows.sales_report import definition


@dataclass
class SalesReportArgs:
    name_prefix: str  # shop-<stack>: the state machine and the schedule are <prefix>-sales-report
    schedule_expression: str  # cron(…) (components/schedule_expressions.py)
    timezone: str  # the schedule's, an IANA name: its midnight ends the business day
    topic_arn: pulumi.Input[str]  # the ops topic
    topic_key_arn: pulumi.Input[str]  # its KMS key
    currency: str
    deletion_protection: bool = False
    log_retention_days: int = 14

    def __post_init__(self) -> None:
        wrong = schedule_expressions.problem(
            self.schedule_expression
        ) or schedule_expressions.timezone_problem(self.timezone)
        if wrong:
            raise ValueError(f"schedule {self.schedule_expression!r} in {self.timezone!r}: {wrong}")


class SalesReport(pulumi.ComponentResource):
    arn: pulumi.Output[str]
    table_name: pulumi.Output[str]
    table_arn: pulumi.Output[str]
    schedule_name: pulumi.Output[str]
    schedule_dlq_url: pulumi.Output[str]

    def __init__(
        self, name: str, args: SalesReportArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("shop:index:SalesReport", name, None, pipeline_options(opts, name))
        machine_name = f"{args.name_prefix}-sales-report"
        # Only the report's counters and reports: no index, no stream, no TTL.
        self.table = own_table(
            f"{name}-table", TableArgs(hash_key=sales.KEY), args.deletion_protection, self
        )
        machine = express_machine(
            name,
            self,
            state_machine_name=machine_name,
            statements=[
                allow(
                    "MoveCountersIntoReports",
                    ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
                    self.table.arn,
                ),
                allow("PublishReports", ["sns:Publish"], args.topic_arn),
                # The ops topic is encrypted with a key of its own (components/operations.py)
                allow("EncryptReports", ["kms:GenerateDataKey", "kms:Decrypt"], args.topic_key_arn),
            ],
            definition=pulumi.Output.all(self.table.name, args.topic_arn).apply(
                lambda values: json.dumps(
                    definition(sales_table=values[0], topic_arn=values[1], currency=args.currency),
                    indent=2,
                )
            ),
            log_retention_days=args.log_retention_days,
            alarm_description="Sales report executions failed: last night's report is missing",
        )
        self.role, self.policy, built = machine.role.role, machine.role.policy, machine.built
        self.log_group = built.log_group
        self.state_machine = built.state_machine
        scheduled = scheduled_start(
            f"{name}-schedule",
            self,
            schedule_name=machine_name,
            expression=args.schedule_expression,
            timezone=args.timezone,
            state_machine_arn=self.state_machine.arn,
            execution_input=SCHEDULED_TIME_INPUT,
            description="The sales since the last report, to the ops topic",
        )
        self.schedule, self.schedule_dlq = scheduled.schedule, scheduled.dlq

        self.arn = self.state_machine.arn
        self.table_name = self.table.name
        self.table_arn = self.table.arn
        self.schedule_name = self.schedule.name
        self.schedule_dlq_url = self.schedule_dlq.url
        self.register_outputs(
            {
                "arn": self.arn,
                "table_name": self.table_name,
                "schedule_name": self.schedule_name,
                "schedule_dlq_url": self.schedule_dlq_url,
            }
        )

    def counting(self) -> dict[str, Any]:
        """The grant of whoever counts status changes: ADD to the counters, nothing else."""
        return allow("CountSales", ["dynamodb:UpdateItem"], self.table_arn)
