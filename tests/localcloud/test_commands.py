"""The local cloud's commands that read a running one (`token`, `schedule`): without one,
or for a user it does not have, they say so and exit 2, rather than a traceback."""

import json
import subprocess
import sys

import pytest

from localcloud.harness import free_port


def command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "localcloud", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("args", [["token", "customer"], ["schedule", "list"]])
def test_without_outputs_a_command_says_to_start_the_local_cloud(tmp_path, args):
    done = command(*args, "--state-dir", str(tmp_path))

    assert done.returncode == 2
    assert "start one with `make local`" in done.stdout
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("args", [["token", "customer"], ["schedule", "list"]])
def test_a_local_cloud_that_is_gone_is_said_to_be_not_answering(tmp_path, args):
    outputs = {
        "awsEndpointUrl": f"http://127.0.0.1:{free_port()}",  # nothing listens there
        "region": "us-east-1",
        "demoUsers": {"customer": "customer@example.com"},
        "userPoolClientId": "client",
        "demoPassword": "x",
    }
    (tmp_path / "outputs.json").write_text(json.dumps(outputs))

    done = command(*args, "--state-dir", str(tmp_path))

    assert done.returncode == 2
    assert "does not answer" in done.stdout
    assert "is it running?" in done.stdout
    assert "Traceback" not in done.stderr
