"""Evaluate the Pulumi program (__main__.py) under mocks, without the Pulumi CLI.

Not a preview: applies run and outputs resolve, as in `pulumi up`. The mock
tests use it with mocks that invent provider outputs; the local cloud with
mocks that create every resource in the emulator.
"""

import asyncio
import runpy
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.stack import Stack

from localcloud import ROOT, stack_config

# pulumi.runtime.test, with the signature its code has but does not declare: it runs the
# function, then waits for the Output (or value) that it returns and for every registration.
pulumi_test: Callable[[Callable[[], pulumi.Input[Any]]], Callable[[], None]] = pulumi.runtime.test


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

    @pulumi_test
    def program() -> pulumi.Output[None]:
        root = pulumi.runtime.get_root_resource()
        if not isinstance(root, Stack):  # set_mocks made one
            raise RuntimeError(f"the root resource is not a stack: {root!r}")
        # Pulumi's mocks keep one root stack per process: each evaluation starts it afresh,
        # without the outputs and stack transformations an earlier one registered.
        root.outputs.clear()
        root._transformations = []
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")
        names = list(root.outputs)
        return pulumi.Output.all(*(root.outputs[n] for n in names)).apply(
            lambda values: exported.update(zip(names, values, strict=True))
        )

    program()
    return exported
