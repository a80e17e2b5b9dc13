"""Notifications made visible: the local cloud subscribes a queue of its own to
every SNS topic, and reads the e-mails the emulator's SES accepted (moto sends
none); it prints each and appends it to the outbox file (`.localcloud/outbox.jsonl`),
one JSON object per line, for people and tests. `kind` says which: "sns" (topic,
subject, message, attributes) or "email" (from, to, subject, body), each e-mail
as it would be sent."""

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localcloud.workers import Console

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient

    from localcloud.emulator import SentEmail

QUEUE_NAME = "localcloud-outbox"


class Outbox:
    def __init__(
        self,
        sqs: "SQSClient",
        sns: "SNSClient",
        topic_arns: list[str],
        path: Path,
        console: Console,
        emails: "Callable[[int], list[SentEmail]] | None" = None,
    ):
        self.sqs, self.path, self.console = sqs, path, console
        self.emails, self.emails_seen = emails, 0  # the emulator's e-mails since (an index)
        self.url = sqs.create_queue(QueueName=QUEUE_NAME)["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        for topic in topic_arns:
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="outbox", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                messages = self.sqs.receive_message(
                    QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=1
                ).get("Messages", [])
                if self.emails:
                    for email in self.emails(self.emails_seen):
                        self._record_email(email)
                        self.emails_seen += 1
            except Exception as error:  # keep going; say what happened
                if self.stopping.is_set():
                    return
                self.console.line("outbox", f"error: {error}")
                self.stopping.wait(1)
                continue
            for message in messages:
                self._record(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])

    def _record(self, notification: dict[str, Any]) -> None:
        attributes = {
            k: v.get("Value") for k, v in notification.get("MessageAttributes", {}).items()
        }
        entry = {
            "kind": "sns",
            "receivedAt": _now(),
            "topicArn": notification.get("TopicArn"),
            "subject": notification.get("Subject"),
            "message": notification.get("Message"),
            "attributes": attributes,
        }
        self._append(entry)
        if "eventType" in attributes:  # an order outcome (the customer notifier's feed)
            said = f"{attributes['eventType']} → {attributes.get('email', '?')}: {entry['message']}"
        else:  # an alarm, a budget alert, a report: its subject
            said = f"{str(entry['topicArn']).rsplit(':', 1)[-1]}: {entry['subject']}"
        self.console.line("notification", said)

    def _record_email(self, email: "SentEmail") -> None:
        self._append(
            {
                "kind": "email",
                "receivedAt": _now(),
                "messageId": email["messageId"],
                "from": email["sender"],
                "to": email["to"],
                "subject": email["subject"],
                "body": email["body"],
            }
        )
        self.console.line(
            "email", f"{email['sender']} → {', '.join(email['to'])}: {email['subject']}"
        )

    def _append(self, entry: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as outbox:
            outbox.write(json.dumps(entry) + "\n")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
