"""Benchmarks (`make bench`): numbers, not pass/fail tests.

functions   per function: deployed archive size and the median cold-import time
            of its handler module (fresh interpreter, code unpacked from the
            archive as Lambda does), next to the floor: a fresh interpreter
            importing only boto3 and Powertools' Logger and resolver.
            Goals: every archive < 100 KB, every import within 1.2x the floor.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from components.packaging import build_archive  # noqa: E402

HANDLERS = [
    "products.api",
    "basket.api",
    "basket.consumer",
    "ordering.api",
    "ordering.consumer",
    "openapi.api",
]
FLOOR = (
    "import boto3\nfrom aws_lambda_powertools import Logger\n"
    "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver"
)
SECTIONS = ("functions",)
MAX_ARCHIVE_KB = 100
MAX_IMPORT_RATIO = 1.2
LAMBDA_ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_METRICS_NAMESPACE": "shop",
    "PATH": os.environ.get("PATH", ""),
}


def loaded_modules(code: str, cwd: Path) -> set[str]:
    probe = f"import sys\n{code}\nprint('\\n'.join(sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=cwd,
        env=LAMBDA_ENV,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(result.stdout.split())


def extra_third_party(handler: str, task_root: Path, floor_modules: set[str]) -> list[str]:
    """Top-level packages the handler loads beyond the floor, its own code excluded."""
    own = {p.name for p in task_root.iterdir() if p.is_dir()}
    extra = loaded_modules(f"import {handler}", task_root) - floor_modules
    depth = {"aws_lambda_powertools": 3, "boto3": 2, "botocore": 2}
    names = {".".join(m.split(".")[: depth.get(m.split(".")[0], 1)]) for m in extra}
    return sorted(n for n in names if n.split(".")[0] not in own)


def import_seconds(code: str, cwd: Path) -> float:
    """Seconds a fresh interpreter spends running `code` (its own start-up excluded)."""
    probe = f"import time\n_t = time.perf_counter()\n{code}\nprint(time.perf_counter() - _t)"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=cwd,
        env=LAMBDA_ENV,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout.strip().splitlines()[-1])


def median_ms(code: str, cwd: Path, runs: int) -> float:
    import_seconds(code, cwd)  # warm the OS file cache, as a pre-warmed host would be
    return statistics.median(import_seconds(code, cwd) for _ in range(runs)) * 1000


def bench_functions(runs: int) -> bool:
    with tempfile.TemporaryDirectory() as empty:
        floor = median_ms(FLOOR, Path(empty), runs)
        floor_modules = loaded_modules(FLOOR, Path(empty))
    print(
        f"floor (boto3 + Logger + APIGatewayHttpResolver): {floor:.1f} ms, median of {runs}, "
        f"{len(floor_modules)} modules"
    )
    print(
        f"{'function':20} {'archive':>10} {'import':>10} {'ratio':>7}  {'goals':6}  "
        "loaded beyond the floor (own code excluded)"
    )
    all_ok = True
    for handler in HANDLERS:
        archive = build_archive(handler)
        size_kb = archive.stat().st_size / 1024
        with tempfile.TemporaryDirectory() as task_root:
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(task_root)
            took = median_ms(f"import {handler}", Path(task_root), runs)
            extra = extra_third_party(handler, Path(task_root), floor_modules)
        ratio = took / floor
        ok = size_kb < MAX_ARCHIVE_KB and ratio <= MAX_IMPORT_RATIO
        all_ok &= ok
        print(
            f"{handler:20} {size_kb:8.1f}KB {took:8.1f}ms {ratio:6.2f}x  "
            f"{'ok' if ok else 'MISSED':6}  {', '.join(extra) or '-'}"
        )
    print(
        f"goals: archive < {MAX_ARCHIVE_KB} KB, import <= {MAX_IMPORT_RATIO}x floor: "
        f"{'all met' if all_ok else 'NOT all met'}"
    )
    if not all_ok:
        print(
            "note: on CPython 3.11 a slow import can come from frame-stack chunk thrashing "
            "(see docs/decisions.md, 'Cold start'), not from what is imported: compare the "
            "last column."
        )
    return all_ok


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=9, help="fresh interpreters per median")
    parser.add_argument("sections", nargs="*", help=f"any of {SECTIONS} (default: all)")
    args = parser.parse_args()
    sections = args.sections or list(SECTIONS)
    if unknown := set(sections) - set(SECTIONS):
        parser.error(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")
    if "functions" in sections:
        bench_functions(args.runs)


if __name__ == "__main__":
    main()
