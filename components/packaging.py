"""Function archives that hold only what a handler needs.

The archive of handler module `basket.consumer` holds the modules under
functions/ that it imports, directly or not (found by the standard library's
modulefinder, which does not execute them), plus the data files of its own
package. Third-party code comes from the runtime (boto3) and the Powertools
layer. Archives are deterministic (sorted entries, fixed timestamps), so an
unchanged function never shows a diff in `pulumi preview`.
"""

import modulefinder
import zipfile
from pathlib import Path

from components import FUNCTIONS_DIR, ROOT

BUILD_DIR = ROOT / ".build" / "functions"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


HANDLER_FILES = ("api.py", "consumer.py")


def handler_modules() -> list[str]:
    """Every handler module under functions/ (a service's api.py or consumer.py)."""
    return sorted(
        f"{path.parent.name}.{path.stem}"
        for name in HANDLER_FILES
        for path in FUNCTIONS_DIR.glob(f"*/{name}")
    )


def archive_members(handler_module: str) -> dict[str, Path]:
    """Archive path → source file for the handler module's archive."""
    finder = modulefinder.ModuleFinder(path=[str(FUNCTIONS_DIR)])
    try:
        finder.import_hook(handler_module)
    except ImportError:
        finder.modules.pop(handler_module, None)
    if handler_module not in finder.modules:
        raise ValueError(f"{handler_module} is not a module under {FUNCTIONS_DIR}")
    # modulefinder.Module's attributes are undocumented (and untyped): read them with getattr.
    sources = (getattr(module, "__file__", None) for module in finder.modules.values())
    files = {
        Path(source) for source in sources if source and Path(source).is_relative_to(FUNCTIONS_DIR)
    }
    package_dir = FUNCTIONS_DIR / handler_module.split(".", maxsplit=1)[0]
    files |= {
        path
        for path in package_dir.rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts
    }
    return {path.relative_to(FUNCTIONS_DIR).as_posix(): path for path in sorted(files)}


def build_archive(handler_module: str) -> Path:
    """Write the handler module's zip archive under .build/ and return its path."""
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    target = BUILD_DIR / f"{handler_module}.zip"
    partial = target.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, source in archive_members(handler_module).items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, source.read_bytes())
    partial.replace(target)
    return target
