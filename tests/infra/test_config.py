"""The config schema in Pulumi.yaml and the stack files that use it."""

import pytest
import yaml

from tests import ROOT
from tests.infra.mocks import run_program

PROJECT = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
SCHEMA = PROJECT["config"]
PYTHON_TYPES = {"string": str, "integer": int, "boolean": bool}
STACKS = sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))


def test_the_project_runs_python_in_the_project_virtualenv():
    assert PROJECT["name"] == "shop"
    assert PROJECT["runtime"]["name"] == "python"
    assert PROJECT["runtime"]["options"]["virtualenv"] == ".venv"


@pytest.mark.parametrize("key", sorted(SCHEMA))
def test_every_setting_is_typed_documented_and_defaulted(key):
    declaration = SCHEMA[key]
    # Pulumi's project schema knows only these types (no "number": decimals are strings).
    assert declaration["type"] in PYTHON_TYPES
    assert declaration["description"]
    assert isinstance(declaration["default"], PYTHON_TYPES[declaration["type"]])


@pytest.mark.parametrize("stack", STACKS)
def test_stack_files_set_only_declared_settings_with_their_types(stack):
    settings = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    assert "aws:region" in settings
    for key, value in settings.items():
        namespace, name = key.split(":")
        if namespace == "shop":
            assert name in SCHEMA, f"{key} is not declared in Pulumi.yaml"
            assert isinstance(value, PYTHON_TYPES[SCHEMA[name]["type"]]), key


def test_stacks_include_dev_and_a_protected_prod():
    assert {"dev", "prod"} <= set(STACKS)
    prod = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]
    assert prod["shop:deletionProtection"] is True


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("shop:workflowType", "FAST", "workflow_type"),
        ("shop:paymentFailureRate", "1.5", "between 0 and 1"),
        ("shop:consumerMaxConcurrency", "1", "max_concurrency"),
    ],
)
def test_a_bad_setting_stops_the_program_with_a_clear_error(key, value, message):
    with pytest.raises(ValueError, match=message):
        run_program("dev", overrides={key: value})
