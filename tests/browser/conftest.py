"""Browser tests: Playwright driving a Chromium installed on the machine (Debian's
`chromium` package: /usr/bin/chromium), against the local cloud of tests/local_shop.py.

The fixtures here are shared by every browser test (the storefront's and the local
console's): `browser` (one for this folder), `page` (a fresh context each
test), `screenshot` (writes PNGs to a temporary folder, or to $SCREENSHOTS_DIR: `make
screenshots` sets it to docs/img). Without a Chromium, the browser tests are skipped with
a message naming the versions that go together.
"""

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path

import pytest

# Playwright drives the Chromium it was built for; requirements-dev.txt pins the release
# built for the major version Debian ships (move both together).
PLAYWRIGHT_VERSION = version("playwright")
EXPECTED_CHROMIUM = "156"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-background-networking"]
SCREENSHOTS_ENV = "SCREENSHOTS_DIR"
INSTALL_HINT = "`apt-get update; apt-get install -y chromium` (or set CHROMIUM=/path/to/chromium)"


def chromium_executable() -> str | None:
    """$CHROMIUM, else Debian's /usr/bin/chromium, else a chromium on the PATH."""
    candidates = [os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


def chromium_version(executable: str) -> str:
    answer = subprocess.run(
        [executable, "--version"], capture_output=True, text=True, timeout=30, check=False
    ).stdout
    found = re.search(r"\d+(\.\d+)+", answer)
    return found.group(0) if found else "unknown"


@pytest.fixture(scope="session")
def chromium() -> str:
    executable = chromium_executable()
    if executable is None:
        pytest.skip(
            f"no Chromium found: the browser tests need Chromium {EXPECTED_CHROMIUM} "
            f"(playwright {PLAYWRIGHT_VERSION} is built for it). Install Debian's: "
            f"{INSTALL_HINT}"
        )
    return executable


# One browser for the browser tests, closed when they are done: while Playwright's sync API
# runs, its event loop is the thread's running loop, and later tests' asyncio.run() fails.
@pytest.fixture(scope="package")
def browser(chromium: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    major = chromium_version(chromium).split(".")[0]
    if major != EXPECTED_CHROMIUM:  # said, not skipped: a failure then names the cause
        print(
            f"Chromium {major} at {chromium}; playwright {PLAYWRIGHT_VERSION} is built for "
            f"Chromium {EXPECTED_CHROMIUM}"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def screenshots_dir(tmp_path_factory) -> Path:
    """Where screenshots go: $SCREENSHOTS_DIR (make screenshots: docs/img), else a
    temporary folder, so that a normal test run changes no file of the repository."""
    configured = os.environ.get(SCREENSHOTS_ENV)
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def screenshot(page, screenshots_dir: Path) -> Callable[[str], Path]:
    def take(name: str) -> Path:
        path = screenshots_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
