"""The config schema in Pulumi.yaml and the stack files that use it."""

import re
import subprocess
import sys

import pytest
import yaml

from components.stack_settings import RULES, InvalidSettings, StackSettings
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


BAD_VALUES = [
    ("workflowType", "FAST", "one of STANDARD, EXPRESS"),
    ("paymentLimit", "abc", "not a decimal number"),
    ("paymentLimit", "0", "must be > 0"),
    ("paymentLimit", "NaN", "not a finite number"),
    ("paymentFailureRate", "1.5", "must be >= 0 and <= 1"),
    ("currency", "usd", "ISO 4217"),
    ("currency", "XYZ", "ISO 4217"),
    ("logRetentionDays", "10", "must be one of 1, 3, 5"),
    ("logRetentionDays", "two", "not an integer"),
    ("archiveRetentionDays", "-1", "must be >= 0"),
    ("auditRetentionDays", "0", "must be >= 1 and <= 3650"),
    ("auditRetentionDays", "3651", "must be >= 1 and <= 3650"),
    ("notificationEmail", "ops", "e-mail address"),
    ("emailSender", "", "the e-mail address customers get mail from"),
    ("emailSender", "orders", "such as orders@shop.example"),
    ("powertoolsLayerVersion", "0", "must be >= 1"),
    ("deletionProtection", "yes", "true or false"),
    ("lambdaMemorySize", "64", "must be >= 128 and <= 10240"),
    ("lambdaMemorySize", "20000", "must be >= 128 and <= 10240"),
    ("lambdaTimeoutSeconds", "901", "must be >= 1 and <= 900"),
    ("consumerMaxConcurrency", "1", "must be >= 2 and <= 1000"),
    ("apiThrottlingRateLimit", "0", "must be > 0"),
    ("apiThrottlingBurstLimit", "-5", "must be > 0"),
    ("corsAllowOrigins", "shop.example", "origins like https://shop.example"),
    ("corsAllowOrigins", "", "origins like"),
    ("opsEmail", "ops", "e-mail address"),
    ("monthlyBudgetUsd", "0", "must be >= 1"),
    ("monthlyBudgetUsd", "ten", "not an integer"),
    ("traceSampleRate", "1.5", "must be >= 0 and <= 1"),
    ("traceSampleRate", "5%", "not a decimal number"),
    ("reviewsPerDay", "0", "must be >= 1 and <= 1000"),
    ("reviewsPerDay", "many", "not an integer"),
    ("comprehendLanguage", "english", "must be one of ar, hi, ko, zh-TW"),
    ("caseEscalationSeconds", "0", "must be >= 1 and <= 31536000"),
    ("caseEscalationSeconds", "604800", "must be less than shop:caseTimeoutSeconds"),
    ("caseTimeoutSeconds", "31536001", "must be >= 2 and <= 31536000"),
    ("supportEmail", "support", "e-mail address"),
    ("staleOrderMinutes", "0", "must be >= 1 and <= 1440"),
    ("staleOrderMinutes", "1441", "must be >= 1 and <= 1440"),
    ("sweeperSchedule", "rate(1 minutes)", "singular for a value of 1"),
    ("sweeperSchedule", "cron(*/15 * * * *)", "6 required"),
    ("sweeperSchedule", "every 15 minutes", "not rate(...), cron(...) or at(...)"),
    ("salesReportSchedule", "cron(5 0 * * * *)", "? in day-of-month or day-of-week"),
    ("salesReportTimezone", "London", "IANA database"),
]


def test_every_setting_of_the_schema_is_parsed_and_checked():
    assert set(StackSettings.names()) == set(SCHEMA) == set(RULES)


@pytest.mark.parametrize(("key", "value", "message"), BAD_VALUES)
def test_a_bad_setting_stops_the_program_naming_the_setting_and_what_it_accepts(
    key, value, message
):
    with pytest.raises(InvalidSettings, match=re.escape(message)) as refused:
        run_program("dev", overrides={f"shop:{key}": value})
    assert f"shop:{key} = {value!r}" in str(refused.value)


def test_every_bad_setting_is_reported_at_once():
    with pytest.raises(InvalidSettings) as refused:
        run_program("dev", overrides={"shop:currency": "usd", "shop:lambdaMemorySize": "1"})
    assert "shop:currency" in str(refused.value)
    assert "shop:lambdaMemorySize" in str(refused.value)


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_is_valid(stack):
    assert run_program(stack).outputs["apiUrl"]


def test_the_program_runs_without_the_functions_folder_on_the_path(tmp_path):
    """As Pulumi and the local cloud run it: only the project folder importable (the
    test runner adds functions/ to the path, which would hide an import-order slip)."""
    script = (
        "import sys; sys.path[:] = [p for p in sys.path if not p.endswith('functions')]; "
        "from tests.infra.mocks import run_program; "
        "print(sorted(run_program('dev').outputs)[:1])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "apiUrl" in result.stdout
