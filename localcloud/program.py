"""Evaluate the Pulumi program (__main__.py) under mocks, without the Pulumi CLI.

Not a preview: applies run and outputs resolve, as in `pulumi up`. The mock
tests use it with mocks that invent provider outputs; the local cloud with
mocks that create every resource in the emulator.
"""

import runpy
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockMonitor

from localcloud import stack_config

ROOT = Path(__file__).resolve().parent.parent


def evaluate(
    mocks: pulumi.runtime.Mocks,
    stack: str,
    overrides: dict[str, Any] | None = None,
    monitor: MockMonitor | None = None,
) -> dict[str, Any]:
    """Run __main__.py for `stack` with its resolved config; return the stack outputs."""
    monitor = monitor or MockMonitor(mocks)
    pulumi.runtime.set_mocks(
        mocks, project=stack_config.project_name(), stack=stack, preview=False, monitor=monitor
    )
    pulumi.runtime.set_all_config(stack_config.load(stack, overrides))
    exported: dict[str, Any] = {}

    @pulumi.runtime.test
    def program():
        root = pulumi.runtime.get_root_resource()
        root.outputs.clear()
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")
        names = list(root.outputs)
        return pulumi.Output.all(*(root.outputs[n] for n in names)).apply(
            lambda values: exported.update(zip(names, values, strict=True))
        )

    program()
    return exported
