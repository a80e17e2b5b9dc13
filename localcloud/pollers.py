"""Pollers: the local cloud plays each SQS event source mapping as Lambda does.

A poller receives up to the mapping's batch size (waiting up to its batching
window to fill a batch), invokes the function with an SQS event, and then:
- the function returned batchItemFailures (ReportBatchItemFailures): deletes
  every other message and leaves the failed ones to reappear;
- the function returned normally otherwise: deletes the whole batch;
- the function raised or timed out: deletes nothing.
Messages left in the queue come back after the visibility timeout, and the
queue's redrive policy moves them to the DLQ after maxReceiveCount receives,
exactly as configured.

Like Lambda, a poller keeps up to the mapping's maximum concurrency
(ScalingConfig.MaximumConcurrency; without one, the workers' default) batches
in flight at once: it receives the next batch only while fewer are being
processed, so messages are never held back waiting for a free invocation.
Each batch is still settled on its own, as above.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from localcloud.lambda_events import sqs_event, sqs_record
from localcloud.workers import DEFAULT_CONCURRENCY, Console, Invocation

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

_LONG_POLL_SECONDS = 1  # short enough to stop promptly


@dataclass(frozen=True)
class Mapping:
    queue_arn: str
    queue_url: str
    function_arn: str
    batch_size: int
    batching_window_seconds: int
    report_batch_item_failures: bool
    maximum_concurrency: int | None = None  # ScalingConfig.MaximumConcurrency, if set

    @property
    def concurrency(self) -> int:
        """Batches in flight at once."""
        return self.maximum_concurrency or DEFAULT_CONCURRENCY


class Poller:
    def __init__(
        self,
        mapping: Mapping,
        sqs: "SQSClient",
        invoke: Callable[[str, dict[str, Any]], Invocation],
        console: Console,
        observe: Callable[[str, str], None] | None = None,
    ):
        """observe(queue ARN, body): told of each message received (the console's record of
        what reached the queue)."""
        self.mapping, self.sqs, self.invoke, self.console = mapping, sqs, invoke, console
        self.observe = observe
        self.stopping = threading.Event()
        self.name = mapping.queue_arn.rsplit(":", 1)[-1]
        self.thread = threading.Thread(target=self._run, name=f"poller-{self.name}", daemon=True)
        self.slots = threading.BoundedSemaphore(mapping.concurrency)
        self._counting = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0  # the highest number of batches processed at once so far

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()

    def _receive(self, count: int, wait: int) -> "list[MessageTypeDef]":
        return self.sqs.receive_message(
            QueueUrl=self.mapping.queue_url,
            MaxNumberOfMessages=min(10, count),
            WaitTimeSeconds=wait,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])

    def next_batch(self) -> "list[MessageTypeDef]":
        batch = self._receive(self.mapping.batch_size, _LONG_POLL_SECONDS)
        if not batch:
            return []
        deadline = time.monotonic() + self.mapping.batching_window_seconds
        while len(batch) < self.mapping.batch_size and time.monotonic() < deadline:
            batch += self._receive(self.mapping.batch_size - len(batch), 0) or []
            if len(batch) < self.mapping.batch_size:
                time.sleep(0.05)
        return batch

    def _run(self) -> None:
        while not self.stopping.is_set():
            if not self.slots.acquire(timeout=_LONG_POLL_SECONDS):
                continue  # every slot busy: receive nothing until one is free
            try:
                batch = self.next_batch()
            except Exception as error:  # keep polling; say what happened
                self.slots.release()
                if self.stopping.is_set():
                    return
                self.console.line(f"poller {self.name}", f"error: {error}")
                self.stopping.wait(1)
                continue
            if not batch:
                self.slots.release()
                continue
            threading.Thread(
                target=self._process, args=(batch,), name=f"batch-{self.name}", daemon=True
            ).start()

    def _process(self, batch: "list[MessageTypeDef]") -> None:
        with self._counting:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.observe is not None:
                for message in batch:
                    self.observe(self.mapping.queue_arn, message["Body"])
            self.deliver(batch)
        except Exception as error:  # the batch stays in the queue; say what happened
            if not self.stopping.is_set():
                self.console.line(f"poller {self.name}", f"error: {error}")
        finally:
            with self._counting:
                self.in_flight -= 1
            self.slots.release()

    def deliver(self, batch: "list[MessageTypeDef]") -> Invocation:
        event = sqs_event(
            [
                sqs_record(
                    message["Body"],
                    queue_arn=self.mapping.queue_arn,
                    message_id=message["MessageId"],
                    receipt_handle=message["ReceiptHandle"],
                    receive_count=int(message["Attributes"].get("ApproximateReceiveCount", 1)),
                    # A copy: the stubs key the attributes by name (a Literal), not str.
                    attributes=dict(message["Attributes"].items()),
                )
                for message in batch
            ]
        )
        invocation = self.invoke(self.mapping.function_arn, event)
        keep = self._failed_ids(invocation, batch)
        done = [m for m in batch if m["MessageId"] not in keep]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.mapping.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
        if keep:
            self.console.line(
                f"poller {self.name}", f"{len(keep)} of {len(batch)} message(s) left for retry"
            )
        return invocation

    def _failed_ids(self, invocation: Invocation, batch: "list[MessageTypeDef]") -> set[str]:
        """Ids to leave in the queue (all of them when the invocation failed)."""
        everything = {m["MessageId"] for m in batch}
        if not invocation.ok:
            return everything
        if not self.mapping.report_batch_item_failures:
            return set()
        response = invocation.payload if isinstance(invocation.payload, dict) else {}
        failures = response.get("batchItemFailures") or []
        ids = {f.get("itemIdentifier") for f in failures if isinstance(f, dict)}
        # Lambda treats a malformed or unknown identifier as a failure of the whole batch.
        return everything if not ids <= everything else everything & ids  # = ids, as set[str]
