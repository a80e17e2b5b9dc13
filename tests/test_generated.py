"""Committed generated files (event schemas, OpenAPI document) match their sources."""

import importlib.util

import pytest

from tests import ROOT

spec = importlib.util.spec_from_file_location("generate", ROOT / "scripts" / "generate.py")
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)


@pytest.mark.parametrize("path", sorted(generate.artefacts(), key=str), ids=lambda p: p.name)
def test_committed_file_is_up_to_date(path):
    expected = generate.artefacts()[path]
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run `make generate`"
    assert path.read_text(encoding="utf-8") == expected, (
        f"{path.relative_to(ROOT)} is stale: run `make generate` and commit it"
    )
