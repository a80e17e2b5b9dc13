"""The pack as `pulumi preview --policy-pack policy` starts it: the engine runs
`python -m pulumi.policy <engine> <pack>` in the virtualenv PulumiPolicy.yaml names
and reads the analyzer's port from its first line of output. No Pulumi CLI is here,
so this starts it that way, checks it reaches that line, and asks it over gRPC what the
engine would: its policies, and a verdict on a resource and on a stack."""

import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from policy.shop_policies import PIPELINE_TAG, POLICIES
from tests import ROOT

PACK = ROOT / "policy"
START_SECONDS = 60  # far above the ~2 s it takes: only a hung start waits this long
MANDATORY = analyzer_pb2.EnforcementLevel.Value("MANDATORY")
ADVISORY = analyzer_pb2.EnforcementLevel.Value("ADVISORY")


def pack_python() -> Path:
    """The interpreter of the virtualenv PulumiPolicy.yaml names, as Pulumi resolves it."""
    options = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())["runtime"]["options"]
    # not resolved: the virtualenv's python is a link to the interpreter it was made from
    return Path(os.path.normpath(PACK / options["virtualenv"] / "bin" / "python"))


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    env = os.environ | {"PULUMI_PROJECT": "shop", "PULUMI_STACK": "dev", "PULUMI_DRY_RUN": "true"}
    process = subprocess.Popen(
        [pack_python(), "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(PACK)],
        cwd=PACK,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    watchdog = threading.Timer(START_SECONDS, process.kill)  # a hung start fails, not hangs
    watchdog.start()
    try:
        listening = process.stdout.readline().decode().strip()
        watchdog.cancel()
        assert listening.isdigit(), (
            f"no port line: {listening!r}\n{process.stderr.read1().decode()}"
        )
        with grpc.insecure_channel(f"127.0.0.1:{listening}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        watchdog.cancel()
        process.kill()
        process.wait()


def properties(values: dict) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


def test_the_pack_lists_every_policy_as_mandatory(analyzer):
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())

    assert info.name == "shop"
    assert [p.name for p in info.policies] == [p.name for p in POLICIES]
    assert {p.enforcementLevel for p in info.policies} == {MANDATORY}


def test_the_pack_fails_a_violating_resource(analyzer):
    queue = analyzer_pb2.AnalyzeRequest(
        type="aws:sqs/queue:Queue",
        name="plain",
        urn="urn:pulumi:dev::shop::aws:sqs/queue:Queue::plain",
        properties=properties({"sqsManagedSseEnabled": False}),
    )

    [diagnostic] = analyzer.Analyze(queue).diagnostics

    assert diagnostic.policyName == "sqs-queue-encrypted"
    assert diagnostic.enforcementLevel == MANDATORY
    assert "Queue 'plain': neither sqsManagedSseEnabled nor kmsMasterKeyId" in diagnostic.message


def test_the_pack_only_notes_what_a_preview_cannot_know(analyzer):
    queue = analyzer_pb2.AnalyzeRequest(
        type="aws:sqs/queue:Queue",
        name="keyed",
        urn="urn:pulumi:dev::shop::aws:sqs/queue:Queue::keyed",
        properties=properties({"kmsMasterKeyId": UNKNOWN_STRING_VALUE}),
    )

    [diagnostic] = analyzer.Analyze(queue).diagnostics

    assert diagnostic.enforcementLevel == ADVISORY
    assert "can't run policy 'sqs-queue-encrypted'" in diagnostic.message


def test_the_pack_fails_a_lambda_in_a_pipeline(analyzer):
    function = analyzer_pb2.AnalyzerResource(
        type="aws:lambda/function:Function",
        name="enricher",
        urn="urn:pulumi:dev::shop::aws:lambda/function:Function::enricher",
        properties=properties({"tags": {PIPELINE_TAG: "reviews"}}),
    )

    response = analyzer.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=[function]))

    [diagnostic] = [d for d in response.diagnostics if d.policyName == "no-lambda-in-pipelines"]
    assert diagnostic.enforcementLevel == MANDATORY
    assert diagnostic.urn == function.urn
    assert f"carries {PIPELINE_TAG}=reviews" in diagnostic.message
