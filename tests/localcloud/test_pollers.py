"""A poller keeps up to its mapping's maximum concurrency of batches in flight,
receives only while a slot is free, and settles each batch on its own."""

import threading
import time

import pytest

from localcloud.pollers import Mapping, Poller
from localcloud.workers import DEFAULT_CONCURRENCY, Console, Invocation


class FakeQueue:
    """receive_message hands out one message at a time; deletions are recorded."""

    def __init__(self, bodies: list[str]):
        self.waiting = [
            {
                "MessageId": f"m{i}",
                "ReceiptHandle": f"r{i}",
                "Body": body,
                "Attributes": {"ApproximateReceiveCount": "1"},
            }
            for i, body in enumerate(bodies)
        ]
        self.receives = 0
        self.deleted: list[str] = []
        self.lock = threading.Lock()

    def receive_message(self, **kwargs):
        with self.lock:
            self.receives += 1
            if self.waiting:
                return {"Messages": [self.waiting.pop(0)]}
        time.sleep(0.01)  # an empty long poll, shortened
        return {}

    def delete_message_batch(self, QueueUrl, Entries):
        handles = {entry["ReceiptHandle"] for entry in Entries}
        with self.lock:
            self.deleted += sorted(handles)


class Function:
    """Blocks every invocation until released; counts how many run at once."""

    def __init__(self):
        self.running = 0
        self.most = 0
        self.started = threading.Semaphore(0)
        self.release = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, function_arn: str, event: dict) -> Invocation:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.started.release()
        self.release.wait(10)
        with self.lock:
            self.running -= 1
        bad = [r["messageId"] for r in event["Records"] if r["body"] == "bad"]
        return Invocation("r", payload={"batchItemFailures": [{"itemIdentifier": i} for i in bad]})


def _mapping(maximum: int | None) -> Mapping:
    return Mapping("arn:aws:sqs:us-east-1:1:q", "http://q", "arn:f", 10, 0, True, maximum)


def _wait_until(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def run():
    pollers = []

    def start(mapping: Mapping, queue: FakeQueue, function: Function) -> Poller:
        poller = Poller(mapping, queue, function, Console(color=False))
        poller.start()
        pollers.append(poller)
        return poller

    yield start
    for poller in pollers:
        poller.stop()
        poller.thread.join(timeout=5)


def test_up_to_the_maximum_concurrency_of_batches_are_in_flight_and_no_more(run):
    queue, function = FakeQueue(["ok"] * 8), Function()

    poller = run(_mapping(3), queue, function)
    for _ in range(3):
        assert function.started.acquire(timeout=10)
    time.sleep(0.3)  # all three slots taken: nothing more is received meanwhile

    assert (function.running, queue.receives) == (3, 3)
    function.release.set()
    _wait_until(lambda: len(queue.deleted) == 8)
    assert function.most == poller.most_in_flight == 3


def test_a_batch_with_a_failed_record_is_settled_on_its_own(run):
    queue, function = FakeQueue(["ok", "bad", "ok", "ok"]), Function()
    function.release.set()

    run(_mapping(2), queue, function)
    _wait_until(lambda: len(queue.deleted) == 3)
    time.sleep(0.1)

    assert sorted(queue.deleted) == ["r0", "r2", "r3"]  # the bad one stays for a retry


def test_without_a_maximum_concurrency_the_default_applies():
    assert _mapping(None).concurrency == DEFAULT_CONCURRENCY
    assert _mapping(7).concurrency == 7
