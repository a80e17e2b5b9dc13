"""The cost and capacity model (`make cost`, `make capacity`): the program evaluated under
the infra tests' Pulumi mocks for each stack, a committed measurement of one order through
the local cloud (docs/measurements.json, written by `make bench`), and AWS's list prices and
quotas (cost/aws.toml). See docs/cost-and-capacity.md."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository
MEASUREMENTS = ROOT / "docs" / "measurements.json"
PRICES_AND_QUOTAS = ROOT / "cost" / "aws.toml"
