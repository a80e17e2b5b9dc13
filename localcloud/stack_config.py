"""A stack's configuration as the Pulumi CLI resolves it: the defaults of the
project's config schema (Pulumi.yaml), overridden by Pulumi.<stack>.yaml.

The mock tests and the local cloud run the program without the CLI, so they
need this to hand the program exactly what `pulumi up` would.
"""

import json
from pathlib import Path
from typing import Any

import yaml

from localcloud import ROOT


def _as_config_string(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def project_name(root: Path = ROOT) -> str:
    name: str = yaml.safe_load((root / "Pulumi.yaml").read_text())["name"]
    return name


def load(stack: str, overrides: dict[str, Any] | None = None, root: Path = ROOT) -> dict[str, str]:
    """{"<namespace>:<key>": value-as-string} for every configured key of the stack."""
    project = yaml.safe_load((root / "Pulumi.yaml").read_text())
    name = project["name"]
    values: dict[str, Any] = {}
    for key, declaration in (project.get("config") or {}).items():
        full_key = key if ":" in key else f"{name}:{key}"
        if isinstance(declaration, dict):
            if "default" in declaration:
                values[full_key] = declaration["default"]
        else:
            values[full_key] = declaration
    stack_file = root / f"Pulumi.{stack}.yaml"
    if stack_file.exists():
        values |= (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
    values |= overrides or {}
    return {key: _as_config_string(value) for key, value in values.items()}
