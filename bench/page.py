"""The page's timings, measured in a real browser (Debian's chromium through Playwright) against a real
`modelreg serve` on loopback: the browser tests of tests/test_web.py that time the page, run as a user runs
the service (sources compiled, bytecode kept), and their figures printed as a table.

    python bench/page.py

- first contentful paint of `/` (50 rows of the full catalog), in a fresh browser and in a warm one;
- filtering the full catalog (1,032 models): from the filter's change event to the filtered table painted,
  timed inside the page;
- the server's own time for the first page and for a 1,000-row table (its Server-Timing header), and the
  browser's navigation to that 1,000-row page.
"""

from __future__ import annotations

import compileall
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMINGS = ROOT / "test-artifacts" / "timings.json"
TESTS = "test_browser_filters_and_sorts_the_table or test_the_whole_catalog_pages_and_renders_fast"
LABELS = {
    "first_contentful_paint_cold_ms": "first contentful paint of /, fresh browser",
    "first_contentful_paint_ms": "first contentful paint of /, warm browser",
    "dom_content_loaded_ms": "DOMContentLoaded of /",
    "filter_full_catalog_ms": "filter the full catalog: change event -> filtered table painted",
    "server_first_page_ms": "server time, first page (50 rows)",
    "server_full_table_1000_rows_first_ms": "server time, 1,000-row table, first after a state change",
    "server_full_table_1000_rows_ms": "server time, 1,000-row table",
    "http_full_table_1000_rows_ms": "HTTP round trip, 1,000-row table",
    "navigate_full_table_1000_rows_ms": "browser navigation to the 1,000-row table (1 MB of HTML)",
}


def main() -> None:
    compileall.compile_dir(str(ROOT / "src"), quiet=1, workers=0)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    TIMINGS.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "tests/test_web.py", "-k", TESTS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or not TIMINGS.is_file():
        sys.exit(f"the browser tests failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    measured = json.loads(TIMINGS.read_text())
    print("| what | ms |\n| --- | ---: |")
    for key, label in LABELS.items():
        if key in measured:
            print(f"| {label} | {measured[key]:,.1f} |")


if __name__ == "__main__":
    main()
