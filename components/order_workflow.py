"""OrderWorkflow: the order's state machines — payment (workflows/order_workflow.py) and
refund (workflows/refund_workflow.py) — with their least-privilege role, a log group
each, tracing, and an alarm on failed executions of each."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.event_bus import EventBus
from components.iam import allow, assume_role_policy, policy_document, state_machine_delivery
from components.pipeline import pipeline_options
from components.state_machines import logged_state_machine
from shop_common.contracts import ORDER_WORKFLOW, REFUND_WORKFLOW, produced_by
from workflows import order_workflow, refund_workflow
from workflows.payment import check_payment_settings

Definition = Callable[..., dict[str, Any]]

WORKFLOW_TYPES = ("STANDARD", "EXPRESS")


@dataclass
class OrderWorkflowArgs:
    state_machine_name: str
    orders_table_name: pulumi.Input[str]
    orders_table_arn: pulumi.Input[str]
    event_bus: EventBus
    payment_limit: float
    payment_failure_rate: float = 0.0
    workflow_type: str = "STANDARD"
    log_retention_days: int = 14

    def __post_init__(self) -> None:
        if self.workflow_type not in WORKFLOW_TYPES:
            raise ValueError(f"workflow_type must be one of {WORKFLOW_TYPES}")
        check_payment_settings(self.payment_limit, self.payment_failure_rate)


class OrderWorkflow(pulumi.ComponentResource):
    arn: pulumi.Output[str]
    refund_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: OrderWorkflowArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("shop:index:OrderWorkflow", name, None, pipeline_options(opts, name))
        child = pulumi.ResourceOptions(parent=self)

        self.role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=assume_role_policy("states.amazonaws.com"),
            description=f"Runs {args.state_machine_name} and its refunds",
            opts=child,
        )
        self.policy = aws.iam.RolePolicy(
            f"{name}-policy", role=self.role.id, policy=self._policy(args), opts=child
        )
        self.log_group, self.state_machine, self.failures_alarm = self._machine(
            name,
            args,
            args.state_machine_name,
            order_workflow.definition,
            "Order workflow executions failed: orders may need attention",
        )
        self.refund_log_group, self.refund_state_machine, self.refund_failures_alarm = (
            self._machine(
                f"{name}-refund",
                args,
                f"{args.state_machine_name}-refund",
                refund_workflow.definition,
                "Refund workflow executions failed: a cancelled paid order is not refunded",
            )
        )

        self.arn = self.state_machine.arn
        self.refund_arn = self.refund_state_machine.arn
        self.register_outputs({"arn": self.arn, "refund_arn": self.refund_arn})

    def _machine(
        self,
        name: str,
        args: OrderWorkflowArgs,
        state_machine_name: str,
        definition: Definition,
        alarm_description: str,
    ) -> tuple[aws.cloudwatch.LogGroup, aws.sfn.StateMachine, aws.cloudwatch.MetricAlarm]:
        built = logged_state_machine(
            name,
            self,
            state_machine_name=state_machine_name,
            workflow_type=args.workflow_type,
            role_arn=self.role.arn,
            definition=self._definition(args, definition),
            log_retention_days=args.log_retention_days,
            alarm_description=alarm_description,
            depends_on=[self.policy],
        )
        return built.log_group, built.state_machine, built.failures_alarm

    @staticmethod
    def _policy(args: OrderWorkflowArgs) -> pulumi.Output[str]:
        """Exactly what the definition calls, plus log delivery and tracing."""
        return policy_document(
            [
                allow(
                    "ReadAndSettleOrders",
                    ["dynamodb:GetItem", "dynamodb:UpdateItem"],
                    args.orders_table_arn,
                ),
                args.event_bus.grant_publish(
                    produced_by(ORDER_WORKFLOW) | produced_by(REFUND_WORKFLOW)
                ),
                *state_machine_delivery(),
            ]
        )

    @staticmethod
    def _definition(args: OrderWorkflowArgs, definition: Definition) -> pulumi.Output[str]:
        return pulumi.Output.all(args.orders_table_name, args.event_bus.bus_name).apply(
            lambda values: json.dumps(
                definition(
                    orders_table=values[0],
                    event_bus=values[1],
                    payment_limit=args.payment_limit,
                    payment_failure_rate=args.payment_failure_rate,
                ),
                indent=2,
            )
        )
