"""The relay: delivers the EventBridge targets the emulator cannot (a rule with an
SNS topic or a state machine as target makes moto's PutEvents fail outright).

The provisioner points each such target at a hidden queue (localcloud/provisioning/
events.py); moto delivers there, the target's Input/InputPath/InputTransformer
applied. The relay takes each message and does what EventBridge would:
- SNS topic: Publish the event (or its transformed input) as the message;
- state machine: StartExecution with the event as input, named after the queue
  message, so a redelivered message does not start a second execution.
A delivery that fails leaves the message to come back after its visibility timeout.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_stepfunctions import SFNClient

    from localcloud.provisioning.core import Relay
    from localcloud.workers import Console

_LONG_POLL_SECONDS = 1  # short enough to stop promptly


class Relayer:
    def __init__(
        self,
        relays: list[Relay],
        sqs: SQSClient,
        sns: SNSClient,
        stepfunctions: SFNClient,
        console: Console,
    ):
        self.relays, self.console = relays, console
        self.sqs, self.sns, self.stepfunctions = sqs, sns, stepfunctions
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self._run, args=(r,), name=f"relay-{r.rule}", daemon=True)
            for r in relays
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()

    def _run(self, relay: Relay) -> None:
        while not self.stopping.is_set():
            try:
                messages = self.sqs.receive_message(
                    QueueUrl=relay.queue_url,
                    MaxNumberOfMessages=10,
                    WaitTimeSeconds=_LONG_POLL_SECONDS,
                ).get("Messages", [])
                for message in messages:
                    self.deliver(relay, message["MessageId"], message["Body"])
                    self.sqs.delete_message(
                        QueueUrl=relay.queue_url, ReceiptHandle=message["ReceiptHandle"]
                    )
            except Exception as error:  # keep relaying; say what happened
                if self.stopping.is_set():
                    return
                self.console.line("relay", f"{relay.rule} → {relay.target_arn}: {error}")
                self.stopping.wait(1)

    def deliver(self, relay: Relay, message_id: str, body: str) -> None:
        if relay.service == "sns":
            self.sns.publish(TopicArn=relay.target_arn, Message=body)
        elif relay.service == "states":
            # Named after the message: a redelivered one was delivered before.
            with contextlib.suppress(self.stepfunctions.exceptions.ExecutionAlreadyExists):
                self.stepfunctions.start_execution(
                    stateMachineArn=relay.target_arn, name=f"relay-{message_id}", input=body
                )
        else:
            raise ValueError(f"the relay does not deliver to {relay.service}")


def description(relays: list[Relay]) -> str:
    """For the start-up summary: which targets the relay stands in for."""
    if not relays:
        return "none"
    return ", ".join(f"{r.rule} → {r.target_arn.rsplit(':', 1)[-1]}" for r in relays)
