"""Stopping the local cloud leaves no process behind and frees its ports: after
Ctrl-C, SIGTERM to its process group (twice, as under make), even `kill -9` of the
local cloud itself; however many signals come, it stops once."""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from localcloud.cloud import LocalCloud, Options
from localcloud.harness import ROOT, LocalCloudProcess


def processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in command:
            found.append(int(entry.name))
    return found


def wait_until_gone(text: str, timeout: float = 10) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := processes_mentioning(text)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def processes_in_group(group: int) -> list[int]:
    """Live processes (zombies hold nothing) of a process group."""
    found = []
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _parent, process_group = entry.read_text().rsplit(")", 1)[1].split()[:3]
        except OSError:
            continue
        if int(process_group) == group and state != "Z":
            found.append(int(entry.parent.name))
    return found


def wait_until_group_gone(group: int, timeout: float = 10) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := processes_in_group(group)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def can_bind(port: int) -> bool:
    """True if a server can listen on the port, as the gateway and the emulator do."""
    try:
        ThreadingHTTPServer(("127.0.0.1", port), BaseHTTPRequestHandler).server_close()
    except OSError:
        return False
    return True


@pytest.mark.parametrize("stop", ["sigint", "sigkill"])
def test_no_process_outlives_the_local_cloud(tmp_path, stop):
    cloud = LocalCloudProcess(tmp_path / "state", "--no-seed")
    outputs = cloud.wait_ready()
    # A worker exists once its function has been invoked.
    assert requests.get(outputs["apiUrl"] + "products", timeout=30).status_code == 200
    aws_port = outputs["awsEndpointUrl"].rsplit(":", 1)[1]
    worker_marker = str(tmp_path / "state" / "tasks")
    emulator_marker = f"--port {aws_port}"
    assert processes_mentioning(worker_marker)
    assert processes_mentioning(emulator_marker)

    if stop == "sigint":
        cloud.stop()
    else:
        cloud.process.send_signal(signal.SIGKILL)
        cloud.process.wait()

    assert wait_until_gone(worker_marker) == []
    assert wait_until_gone(emulator_marker) == []


def test_sigterm_twice_to_the_process_group_stops_everything_and_frees_the_ports(tmp_path):
    """As CI or a service manager stops `make local`: SIGTERM to the whole process group,
    which make forwards, so the local cloud gets it twice in quick succession."""
    cloud = LocalCloudProcess(tmp_path / "state", "--no-seed", own_process_group=True)
    group = cloud.process.pid
    try:
        outputs = cloud.wait_ready()
        # A worker exists once its function has been invoked.
        assert requests.get(outputs["apiUrl"] + "products", timeout=30).status_code == 200
        assert len(processes_in_group(group)) >= 3  # the local cloud, emulator, worker

        os.killpg(group, signal.SIGTERM)
        os.killpg(group, signal.SIGTERM)

        assert cloud.process.wait(timeout=30) == 0
        assert can_bind(urlsplit(outputs["apiUrl"]).port)
        assert wait_until_group_gone(group) == []
        assert can_bind(urlsplit(outputs["awsEndpointUrl"]).port)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)


# `python -m localcloud`'s main loop around a cloud that stops when told to on stdin. Once
# started, every line run inside a signal handler raises another signal (from a trace
# function): a signal at the worst moment, each time, rather than once in a while.
FAKE_CLOUD = """
import signal, sys
from localcloud.__main__ import serve


def in_a_handler(frame):
    handlers = {signal.getsignal(s).__code__ for s in (signal.SIGINT, signal.SIGTERM)}
    while frame and frame.f_code not in handlers:
        frame = frame.f_back
    return frame is not None


def trace(frame, event, arg):
    return signal_every_line if in_a_handler(frame) else None


def signal_every_line(frame, event, arg):
    if event == "line":
        signal.raise_signal(signal.SIGTERM)  # handled now, inside this handler
    return signal_every_line


class FakeCloud:
    def start(self):
        sys.settrace(trace)

    def summary(self, ready_seconds):
        return "fake cloud"

    def stop(self):
        sys.stdin.readline()
        print("STOPPED", flush=True)


sys.exit(serve(FakeCloud()))
"""


def pause(seconds: float) -> None:
    """Busy-wait: spaces signals out, so that more of them land while a handler runs."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_a_flood_of_stop_signals_stops_the_local_cloud_once():
    """A Python signal handler runs between two bytecodes of the main thread, even inside
    another handler: one that took a lock (threading.Event.set) deadlocked there."""
    for _ in range(3):
        child = subprocess.Popen(
            [sys.executable, "-c", FAKE_CLOUD],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            for line in child.stdout:
                if line.startswith("READY"):
                    break
            for _ in range(300):
                child.send_signal(signal.SIGTERM)
                pause(20e-6)
            out, err = child.communicate("go\n", timeout=10)
        finally:
            child.kill()
        assert (child.returncode, err) == (0, "")
        assert out.count("STOPPED") == 1


def test_stopping_again_even_while_stopping_stops_each_part_once(tmp_path):
    stops = Counter()
    first_stop_may_go_on = threading.Event()

    class Part:
        def __init__(self, name: str):
            self.name, self.thread = name, self

        def stop(self) -> None:
            stops[self.name] += 1
            if self.name == "poller":
                first_stop_may_go_on.wait(timeout=10)

        def join(self, timeout: float | None = None) -> None:
            pass

    cloud = LocalCloud(Options(state_dir=tmp_path))
    cloud.pollers = [Part("poller")]
    cloud.outbox, cloud.gateway = Part("outbox"), Part("gateway")
    cloud.workers, cloud.emulator = Part("workers"), Part("emulator")

    first = threading.Thread(target=cloud.stop)
    first.start()
    while not stops["poller"]:
        time.sleep(0.01)
    cloud.stop()  # while the first stop is under way: returns at once
    first_stop_may_go_on.set()
    first.join(timeout=10)
    cloud.stop()  # after it

    assert stops == dict.fromkeys(["poller", "outbox", "gateway", "workers", "emulator"], 1)
