"""Stopping the local cloud leaves no process behind: not after Ctrl-C, not
even after `kill -9` of the local cloud itself."""

import os
import signal
import time
from pathlib import Path

import pytest
import requests

from localcloud.harness import LocalCloudProcess


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
