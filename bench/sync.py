"""How long `modelreg sync` takes and how much memory it needs, as a user runs it (a fresh process each).

    python bench/sync.py                                   # the two big snapshots into an empty SQLite store
    python bench/sync.py --newer /tmp/litellm/model_prices_and_context_window_backup.json

Steps, each `python -m modelreg.cli …` in a child process (sources compiled first, bytecode kept):

1. a full sync of LiteLLM's cost map and models.dev's api.json (files) into an empty SQLite store;
2. the same sync again: nothing changed, so nothing is parsed or merged (the digests match);
3. the snapshots the bundled catalog was built from, all three, diffed against it (a dry run: 0 expected);
4. with --newer FILE: `modelreg sync diff BUNDLED NEWER` — what a newer LiteLLM map would change.

Prints a Markdown table: wall seconds, the child's peak RSS (MiB), and what the sync reported.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
UPSTREAM = Path(os.environ.get("MODELREG_UPSTREAM_DIR") or ROOT.parent / "shared" / "upstream")
LITELLM = UPSTREAM / "litellm" / "model_prices_and_context_window.json"
MODELSDEV = UPSTREAM / "models.dev" / "api.json"
GENAI = UPSTREAM / "genai-prices" / "data.json"

_MEASURE = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mib": peak, "code": done.returncode, "stdout": done.stdout,
                  "stderr": done.stderr}))
"""


def measured(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run ``modelreg args`` in a child of a fresh process, so that its peak RSS is its own."""
    command = [sys.executable, "-c", _MEASURE, sys.executable, "-m", "modelreg.cli", *args]
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    result: dict[str, Any] = json.loads(out.stdout)
    if result["code"] not in (0, 3):
        raise SystemExit(f"modelreg {' '.join(args)} failed:\n{result['stderr']}")
    return result


def summary(result: dict[str, Any]) -> str:
    report = json.loads(result["stdout"])
    if "sources" in report:
        statuses = ", ".join(f"{s['source']} {s['status']} ({s['records']} records)" for s in report["sources"])
        work = f"sync itself {report['seconds']:.3f} s"
        return f"{work}; {statuses}; {len(report['applied'])} applied, {len(report['held'])} held, {report['counts']}"
    return f"counts {report['counts']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--newer", type=Path, help="a newer LiteLLM cost map to diff against the bundled one")
    args = parser.parse_args()

    compileall.compile_dir(str(ROOT / "src"), quiet=1, workers=0)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "MODELREG_DATABASE_URL")}
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        env["XDG_CACHE_HOME"] = folder
        url = f"sqlite:///{folder}/store.sqlite3"
        two = ["-s", f"litellm={LITELLM}", "-s", f"models.dev={MODELSDEV}", "--database-url", url, "--json"]
        first = measured(["sync", *two], env)
        rows.append(("full sync of 2 snapshots into an empty SQLite store", first))
        second = measured(["sync", *two], env)
        rows.append(("the same sync again (no changes)", second))
        bundled = measured(
            ["sync", "-s", f"litellm={LITELLM}", "-s", f"models.dev={MODELSDEV}", "-s", f"genai-prices={GENAI}",
             "--dry-run", "--force", "--json", "--database-url", f"sqlite:///{folder}/empty.sqlite3"],
            env,
        )  # fmt: skip
        rows.append(("the 3 bundled snapshots vs the bundled catalog (dry run)", bundled))
        if args.newer:
            newer = measured(["sync", "diff", str(LITELLM), str(args.newer), "--json"], env)
            rows.append((f"sync diff bundled LiteLLM → {args.newer.name}", newer))
    print("| step | wall s | peak RSS MiB | what it reported |")
    print("| --- | ---: | ---: | --- |")
    for label, result in rows:
        print(f"| {label} | {result['seconds']:.2f} | {result['peak_mib']:.0f} | {summary(result)} |")
    _ = resource, time


if __name__ == "__main__":
    main()
