"""AuditRecorder: every event on the bus, kept once per metadata.eventId in the audit
table, without personal data, with no Lambda (docs/architecture.md#the-audit).

A rule on every shop event (the bus's own pattern, as its archive) starts an EXPRESS
state machine (definition in workflows/audit.py) that makes one conditional PutItem.
The rule's target retries and has its own DLQ, and its role may only start this
machine; the machine's role may only put items into the audit table. The table is the
audit service's own (its HttpService, which reads it for GET /admin/audit).

Every resource of it carries the pipeline tag (components/pipeline.py), so the policy
pack's no-lambda-in-pipelines holds it to having no Lambda function. Like every EXPRESS
machine it logs every state (without execution data) and is traced, as the policy pack
requires; at one execution per event that is a large share of the audit's cost
(docs/decisions.md#the-audit-a-state-machine-a-table-one-write-per-event).
"""

import json
from dataclasses import dataclass

import pulumi

from components.event_bus import EventBus
from components.iam import allow
from components.pipeline import pipeline_options
from components.state_machines import express_machine_started_by_rule
from workflows.audit import definition


@dataclass
class AuditRecorderArgs:
    name_prefix: str  # shop-<stack>: the state machine is <prefix>-audit-recorder
    bus: EventBus
    table_name: pulumi.Input[str]
    table_arn: pulumi.Input[str]
    retention_days: int  # the stack's auditRetentionDays
    log_retention_days: int = 14

    def __post_init__(self) -> None:
        if self.retention_days < 1:
            raise ValueError("retention_days must be at least 1")


class AuditRecorder(pulumi.ComponentResource):
    arn: pulumi.Output[str]
    target_dlq_url: pulumi.Output[str]

    def __init__(
        self, name: str, args: AuditRecorderArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("shop:index:AuditRecorder", name, None, pipeline_options(opts, name))
        machine_name = f"{args.name_prefix}-audit-recorder"

        recorder = express_machine_started_by_rule(
            name,
            self,
            machine_name=machine_name,
            statements=[allow("RecordEvents", ["dynamodb:PutItem"], args.table_arn)],
            definition=pulumi.Output.from_input(args.table_name).apply(
                lambda table: json.dumps(
                    definition(audit_table=table, retention_days=args.retention_days), indent=2
                )
            ),
            log_retention_days=args.log_retention_days,
            alarm_description="Audit recorder executions failed: events may be missing from it",
            bus_name=args.bus.bus_name,
            event_pattern=args.bus.shop_events,
            rule_description="Every shop event → the audit recorder",
        )
        self.state_machine = recorder.machine.state_machine
        self.log_group = recorder.machine.log_group
        self.rule, self.target = recorder.start.rule, recorder.start.target
        self.target_dlq = recorder.start.target_dlq

        self.arn = self.state_machine.arn
        self.target_dlq_url = self.target_dlq.url
        self.register_outputs({"arn": self.arn, "target_dlq_url": self.target_dlq_url})
