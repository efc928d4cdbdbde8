"""A real browser for the page's tests: Playwright driving Debian's chromium (never a downloaded one).

Without Playwright or chromium the tests are skipped, saying why — except under CI (``CI`` set), where
they fail: ``make test`` installs chromium (``make browser``) and the dev extra installs Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import pytest

CHROMIUM = "/usr/bin/chromium"


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: under CI the browser tests must run (`make browser` installs chromium)")
    pytest.skip(reason)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless chromium (Playwright's sync API), closed afterwards."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[dev]')")
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        unavailable(f"chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    executable = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield browser
        finally:
            browser.close()
