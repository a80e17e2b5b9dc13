"""The relay: delivers the EventBridge targets the emulator cannot (a rule with an
SNS topic or a state machine as target makes moto's PutEvents fail outright).

The provisioner points each such target at a hidden queue (localcloud/provisioning/
events.py); moto delivers there, the target's Input/InputPath/InputTransformer
applied. The relay takes each message and does what EventBridge would:
- SNS topic: Publish the event (or its transformed input) as the message;
- state machine: StartExecution with the event as input, named after the queue
  message, so a redelivered message does not start a second execution;
- AppSync API: the target's GraphQL operation, with the message (the transformed input)
  as its variables, POSTed to the local AppSync signed (SigV4) with credentials of the
  rule's role (AssumeRole in the emulator), so resolvers see the role as the IAM caller.
  GraphQL errors in the answer are printed; the message counts as delivered (the call
  succeeded), as EventBridge sees an HTTP 200.
A delivery that fails leaves the message to come back after its visibility timeout.
"""

from __future__ import annotations

import contextlib
import json
import threading
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_stepfunctions import SFNClient
    from mypy_boto3_sts import STSClient
    from mypy_boto3_sts.type_defs import CredentialsTypeDef

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
        sts: STSClient | None = None,
        observe: Callable[[str, str], None] | None = None,
    ):
        """sts: the emulator's, for the roles of AppSync targets. observe(target ARN, body):
        told of each message delivered (the console's record of deliveries)."""
        self.relays, self.console, self.observe = relays, console, observe
        self.sqs, self.sns, self.stepfunctions, self.sts = sqs, sns, stepfunctions, sts
        self._roles: dict[str, CredentialsTypeDef] = {}
        self._roles_lock = threading.Lock()
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
                    if self.observe is not None:
                        self.observe(relay.target_arn, message["Body"])
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
        elif relay.service == "appsync":
            answer = self.graphql(relay, json.loads(body))
            if answer.get("errors"):
                self.console.line("relay", f"{relay.rule} → GraphQL errors: {answer['errors']}")
        else:
            raise ValueError(f"the relay does not deliver to {relay.service}")

    def _credentials(self, role_arn: str) -> CredentialsTypeDef:
        """A session of the role (AssumeRole in the emulator), kept while it is valid."""
        assert self.sts is not None, "an AppSync target needs the emulator's STS"
        with self._roles_lock:
            keys = self._roles.get(role_arn)
            if keys is None or keys["Expiration"] < datetime.now(UTC) + timedelta(minutes=5):
                keys = self.sts.assume_role(RoleArn=role_arn, RoleSessionName="eventbridge")[
                    "Credentials"
                ]
                self._roles[role_arn] = keys
            return keys

    def graphql(self, relay: Relay, variables: Any) -> dict[str, Any]:
        """Run the target's operation at the local AppSync as the rule's role."""
        from botocore.auth import SigV4Auth  # noqa: PLC0415 - only AppSync targets sign
        from botocore.awsrequest import AWSRequest  # noqa: PLC0415
        from botocore.credentials import Credentials  # noqa: PLC0415

        assert relay.graphql_url, relay
        assert relay.graphql_operation, relay
        assert relay.role_arn, relay
        keys = self._credentials(relay.role_arn)
        body = json.dumps({"query": relay.graphql_operation, "variables": variables}).encode()
        request = AWSRequest(
            "POST", relay.graphql_url, data=body, headers={"Content-Type": "application/json"}
        )
        region = relay.target_arn.split(":")[3]
        SigV4Auth(
            Credentials(keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"]),
            "appsync",
            region,
        ).add_auth(request)
        post = urllib.request.Request(  # noqa: S310 - the local AppSync's own http:// URL
            relay.graphql_url, data=body, headers=dict(request.headers), method="POST"
        )
        with urllib.request.urlopen(post, timeout=30) as response:  # noqa: S310
            answer: dict[str, Any] = json.loads(response.read())
        return answer


def description(relays: list[Relay]) -> str:
    """For the start-up summary: which targets the relay stands in for."""
    if not relays:
        return "none"
    return ", ".join(f"{r.rule} → {r.target_arn.rsplit(':', 1)[-1]}" for r in relays)
