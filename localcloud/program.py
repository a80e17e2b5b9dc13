"""Evaluate the Pulumi program (__main__.py) under mocks, without the Pulumi CLI.

Not a preview: applies run and outputs resolve, as in `pulumi up`. The mock
tests use it with mocks that invent provider outputs; the local cloud with
mocks that create every resource in the emulator.
"""

import asyncio
import runpy
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockMonitor

from localcloud import stack_config

ROOT = Path(__file__).resolve().parent.parent


def _registration_threads(threads: int) -> None:
    """Pulumi registers each resource in its event loop's default executor (a thread
    pool of cpu_count + 4): registrations beyond that wait for a free thread even when
    they only wait for the emulator. This sets the pool for this thread's loop."""
    try:
        loop = asyncio.get_event_loop()
    except RuntimeError:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
    loop.set_default_executor(ThreadPoolExecutor(threads, thread_name_prefix="register"))


def evaluate(
    mocks: pulumi.runtime.Mocks,
    stack: str,
    overrides: dict[str, Any] | None = None,
    monitor: MockMonitor | None = None,
    registration_threads: int | None = None,
) -> dict[str, Any]:
    """Run __main__.py for `stack` with its resolved config; return the stack outputs.
    Registrations run concurrently, in dependency order (Pulumi awaits a resource's
    inputs before registering it); registration_threads sets how many at once."""
    if registration_threads:
        _registration_threads(registration_threads)
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
