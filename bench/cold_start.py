"""Cold start: the time a NEW Python process takes to answer one question about a model.

Each case is a snippet run as ``python -c`` in a fresh subprocess, N times (round-robin across the cases,
after one unmeasured warm-up run each so ``.pyc`` files and the OS page cache are warm, as they would be
in production). For every run we record:

* wall: ``time.perf_counter()`` in this process around ``subprocess.run`` (interpreter startup included);
* in-process: ``time.perf_counter()`` inside the child around the snippet alone (imports + work);
* peak RSS: the child's own ``resource.getrusage(RUSAGE_SELF).ru_maxrss``, printed back (the table shows
  the largest over the runs).

"bare python" (``pass``) is the baseline: "over bare" is a case's median wall minus bare python's.
A comparison library that is not importable is reported as "not installed", never as a failure.

Run: ``bench/.venv/bin/python bench/cold_start.py [--runs N]``
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

DEFAULT_RUNS = 15
MARKER = "__COLD_START__"
BASELINE = "bare python"
REFERENCE = "modelreg"

# The child measures only the snippet; `time` is a builtin module, so importing it first costs nothing.
CHILD_TEMPLATE = """\
import time as _bench_time
_bench_t0 = _bench_time.perf_counter()
{snippet}
_bench_ms = (_bench_time.perf_counter() - _bench_t0) * 1000
import resource as _bench_resource
print("{marker}", _bench_ms, _bench_resource.getrusage(_bench_resource.RUSAGE_SELF).ru_maxrss)
"""

# Hook: once modelreg has a cost function, set this to the snippet that computes one cost on `reg`
# (e.g. 'reg.cost("openai/gpt-4o", input_tokens=1000, output_tokens=500)'); the case
# "modelreg + cost" then runs import + load + cost (no get: like-for-like). None: not run.
MODELREG_COST_SNIPPET: str | None = 'reg.cost("openai/gpt-4o", input_tokens=1000, output_tokens=500)'

MODELREG_LOAD = "import modelreg; reg = modelreg.load()"
MODELREG_SNIPPET = f'{MODELREG_LOAD}; reg.get("openai/gpt-4o")'


@dataclass(frozen=True)
class Case:
    """One snippet to time, the module it needs, and extra environment for the child."""

    name: str
    snippet: str
    requires: str | None = None
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Samples:
    """The measurements of one case, one entry per run (ms, ms, KiB)."""

    wall_ms: list[float] = field(default_factory=list)
    inproc_ms: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)


def cases() -> list[Case]:
    """Every case, baseline first and modelreg second."""
    found = [
        Case(BASELINE, "pass"),
        Case(REFERENCE, MODELREG_SNIPPET, requires="modelreg"),
    ]
    if MODELREG_COST_SNIPPET is not None:
        # like-for-like with the others: import + load + one price (no Model object is made)
        found.append(Case("modelreg + cost", f"{MODELREG_LOAD}; {MODELREG_COST_SNIPPET}", requires="modelreg"))
    found += [
        Case(
            "genai-prices",
            "from genai_prices import calc_price, Usage; "
            'calc_price(Usage(input_tokens=1000, output_tokens=500), model_ref="gpt-4o", provider_id="openai")',
            requires="genai_prices",
        ),
        Case(
            "litellm",
            'import litellm; litellm.cost_per_token(model="gpt-4o", prompt_tokens=1000, completion_tokens=500)',
            requires="litellm",
            env={"LITELLM_LOCAL_MODEL_COST_MAP": "True"},  # the bundled price map, no network fetch
        ),
    ]
    return found


def installed(case: Case) -> bool:
    """Whether the module the case needs can be imported by this interpreter (the one the children use)."""
    return case.requires is None or importlib.util.find_spec(case.requires) is not None


def child_env(case: Case) -> dict[str, str]:
    """This process's environment, minus anything that points modelreg elsewhere, plus the case's extras."""
    env = {key: value for key, value in os.environ.items() if key != "MODELREG_CATALOG_DIR"}
    env.update(case.env)
    return env


def run_once(case: Case) -> tuple[float, float, int]:
    """Run the case in a new process: (wall ms, in-process ms, peak RSS KiB). Raises if the child fails."""
    code = CHILD_TEMPLATE.format(snippet=case.snippet, marker=MARKER)
    env = child_env(case)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    wall_ms = (time.perf_counter() - start) * 1000
    if proc.returncode != 0:
        raise RuntimeError(f"{case.name}: exit {proc.returncode}\n{proc.stderr.strip()}")
    line = next(line for line in proc.stdout.splitlines() if line.startswith(MARKER))
    _, inproc_ms, rss_kib = line.split()
    return wall_ms, float(inproc_ms), int(rss_kib)


def measure(to_run: list[Case], runs: int) -> dict[str, Samples]:
    """One warm-up run per case, then `runs` measured rounds, each running every case once in turn."""
    for case in to_run:
        run_once(case)
    samples = {case.name: Samples() for case in to_run}
    for _ in range(runs):
        for case in to_run:
            wall_ms, inproc_ms, rss_kib = run_once(case)
            samples[case.name].wall_ms.append(wall_ms)
            samples[case.name].inproc_ms.append(inproc_ms)
            samples[case.name].rss_kib.append(rss_kib)
    return samples


def table(all_cases: list[Case], samples: dict[str, Samples]) -> str:
    """The results as a Markdown table; cases without samples are listed as not installed."""
    header = (
        "| case | median wall ms | min wall ms | median over bare ms | median in-process ms "
        "| peak RSS MiB | x modelreg (median wall) |"
    )
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    bare = samples.get(BASELINE)
    ref = samples.get(REFERENCE)
    for case in all_cases:
        got = samples.get(case.name)
        if got is None:
            lines.append(f"| {case.name} | not installed | | | | | |")
            continue
        median = statistics.median(got.wall_ms)
        over_bare = f"{median - statistics.median(bare.wall_ms):.1f}" if bare else "n/a"
        ratio = f"{median / statistics.median(ref.wall_ms):.2f}" if ref else "n/a"
        lines.append(
            f"| {case.name} | {median:.1f} | {min(got.wall_ms):.1f} | {over_bare} "
            f"| {statistics.median(got.inproc_ms):.1f} | {max(got.rss_kib) / 1024:.1f} | {ratio} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, measure every installed case, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=DEFAULT_RUNS, help=f"measured runs per case (default {DEFAULT_RUNS})"
    )
    args = parser.parse_args(argv)

    all_cases = cases()
    to_run = [case for case in all_cases if installed(case)]
    print(f"cold start: {args.runs} runs per case, python {sys.version.split()[0]} at {sys.executable}", flush=True)
    samples = measure(to_run, args.runs)
    print(table(all_cases, samples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
