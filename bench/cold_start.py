"""Cold start: the time a NEW Python process takes to answer one question about a model, with and without a store.

Each case is a snippet run as ``python -c`` in a fresh subprocess, N times (round-robin across the cases,
after one unmeasured warm-up run each so the OS page cache is warm). Sources and site-packages are compiled
first and the children run without PYTHONDONTWRITEBYTECODE, as an installed package would. For every run we
record:

* wall: ``time.perf_counter()`` in this process around ``subprocess.run`` (interpreter startup included);
* in-process: ``time.perf_counter()`` inside the child around the snippet alone (imports + work);
* peak RSS: the child's own ``resource.getrusage(RUSAGE_SELF).ru_maxrss``, printed back (largest over runs);
  children are started through ``/bin/sh`` so that they do not inherit this process's peak.

modelreg's cases: import + load + one cost with no store; with the default SQLite store present (the file in
the data folder, as after anyone ran the service or a write through the CLI) holding a few overrides and a
price; with a PostgreSQL store holding the same (``--postgres ADMIN_URL``: a fresh database, dropped
afterwards); and import + load + ``get`` (the first Model: pydantic). ``--src DIR`` runs every modelreg case
again with an older checkout's ``src`` first on the path, in the same round-robin: before and after in one
run. "bare python" (``pass``) is the baseline; a comparison library that is not importable is reported as
"not installed".

Run: ``bench/.venv/bin/python bench/cold_start.py [--runs N] [--src /tmp/base/src]
[--postgres postgresql://postgres@127.0.0.1:5432/postgres]``
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import datetime as dt
import importlib.util
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_RUNS = 15
MARKER = "__COLD_START__"
BASELINE = "bare python"
REFERENCE = "modelreg + cost, no store"

# The child measures only the snippet; `time` is a builtin module, so importing it first costs nothing.
CHILD_TEMPLATE = """\
import time as _bench_time
_bench_t0 = _bench_time.perf_counter()
{snippet}
_bench_ms = (_bench_time.perf_counter() - _bench_t0) * 1000
import resource as _bench_resource
print("{marker}", _bench_ms, _bench_resource.getrusage(_bench_resource.RUSAGE_SELF).ru_maxrss)
"""

# Linux keeps ru_maxrss across exec, so a child spawned by this process (which imported the store's libraries
# to write the stores) would report at least this process's peak. A shell that forks the child (no exec: a
# command follows) hands it a fresh one; the shell's fork is in the wall time, as bare python's is.
VIA_SHELL = ["/bin/sh", "-c", '"$@"; exit $?', "sh"]

MODELREG_LOAD = "import modelreg; reg = modelreg.load()"
MODELREG_COST = f'{MODELREG_LOAD}; reg.cost("openai/gpt-4o", input_tokens=1000, output_tokens=500)'
MODELREG_GET = f'{MODELREG_LOAD}; reg.get("openai/gpt-4o")'


@dataclass(frozen=True)
class Case:
    """One snippet to time, the module it needs, and the environment of the child."""

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


def base_env() -> dict[str, str]:
    """This process's environment without anything that points modelreg elsewhere, bytecode written, and a data
    folder with no store."""
    drop = ("MODELREG_CATALOG_DIR", "MODELREG_DATABASE_URL", "PYTHONDONTWRITEBYTECODE")
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="modelreg-bench-")
    return env


def with_store(url: str) -> None:
    """Write a few overrides and a price into the store at ``url`` (what a team's store typically holds)."""
    import modelreg

    reg = modelreg.load(database_url=url)
    for model_id, note in (("openai/gpt-4o", "our default"), ("anthropic/claude-sonnet-4-5-20250929", "reviews")):
        reg.update("model", model_id, {"description": note}, version=reg.version("model", model_id), actor="bench")
    reg.update("model", "openai/gpt-4o-mini", {"tags": ["cheap"]}, version=0, actor="bench")
    reg.set_price("openai/gpt-4.1", {"input": "1.8"}, effective_from=dt.date(2020, 1, 1), actor="bench")
    assert reg.store is not None
    reg.store.close()


@contextlib.contextmanager
def stores(postgres: str | None) -> Iterator[dict[str, dict[str, str]]]:
    """Child environments per store: the default SQLite file present in the data folder, and a fresh PostgreSQL
    database (dropped afterwards) when ``postgres`` names a server."""
    sqlite = base_env()
    path = Path(sqlite["XDG_DATA_HOME"]) / "modelreg" / "registry.sqlite3"
    path.parent.mkdir(parents=True)
    with_store(f"sqlite:///{path}")
    found = {"SQLite store": sqlite}
    if not postgres:
        yield found
        return
    import psycopg

    name = f"modelreg_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = postgres.rsplit("/", 1)[0] + f"/{name}"
            with_store(url)
            found["PostgreSQL store"] = {**base_env(), "MODELREG_DATABASE_URL": url}
            yield found
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cases(store_envs: dict[str, dict[str, str]], src: Path | None) -> list[Case]:
    """Every case, baseline first: modelreg's (now, and before with ``src``), then the other libraries."""
    plain = base_env()
    versions = {"": {}, " (before)": {"PYTHONPATH": str(src.resolve())}} if src else {"": {}}
    found = [Case(BASELINE, "pass", env=plain)]
    for tag, extra in versions.items():
        found.append(Case(f"{REFERENCE}{tag}", MODELREG_COST, "modelreg", {**plain, **extra}))
        for where, env in store_envs.items():
            found.append(Case(f"modelreg + cost, {where}{tag}", MODELREG_COST, "modelreg", {**env, **extra}))
        found.append(Case(f"modelreg + get (pydantic), no store{tag}", MODELREG_GET, "modelreg", {**plain, **extra}))
    found += [
        Case(
            "genai-prices",
            "from genai_prices import calc_price, Usage; "
            'calc_price(Usage(input_tokens=1000, output_tokens=500), model_ref="gpt-4o", provider_id="openai")',
            requires="genai_prices",
            env=plain,
        ),
        Case(
            "litellm",
            'import litellm; litellm.cost_per_token(model="gpt-4o", prompt_tokens=1000, completion_tokens=500)',
            requires="litellm",
            env={**plain, "LITELLM_LOCAL_MODEL_COST_MAP": "True"},  # the bundled price map, no network fetch
        ),
    ]
    return found


def installed(case: Case) -> bool:
    """Whether the module the case needs can be imported by this interpreter (the one the children use)."""
    return case.requires is None or importlib.util.find_spec(case.requires) is not None


def run_once(case: Case) -> tuple[float, float, int]:
    """Run the case in a new process: (wall ms, in-process ms, peak RSS KiB). Raises if the child fails."""
    code = CHILD_TEMPLATE.format(snippet=case.snippet, marker=MARKER)
    start = time.perf_counter()
    proc = subprocess.run([*VIA_SHELL, sys.executable, "-c", code], env=case.env, capture_output=True, text=True)
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
        "| case | median wall ms | min wall ms | median over bare ms | median in-process ms | peak RSS MiB "
        "| x no store (in-process) |"
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
        inproc = statistics.median(got.inproc_ms)
        ratio = f"{inproc / statistics.median(ref.inproc_ms):.2f}" if ref and case.name != BASELINE else ""
        lines.append(
            f"| {case.name} | {median:.1f} | {min(got.wall_ms):.1f} | {over_bare} "
            f"| {inproc:.1f} | {max(got.rss_kib) / 1024:.1f} | {ratio} |"
        )
    return "\n".join(lines)


def compile_everything(*folders: Path) -> None:
    """Bytecode for modelreg, the given folders and every installed package, as `pip install` leaves them."""
    import modelreg

    for folder in (Path(modelreg.__file__).parent, Path(sysconfig.get_paths()["purelib"]), *folders):
        compileall.compile_dir(str(folder), quiet=1, workers=0)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, measure every installed case, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=DEFAULT_RUNS, help=f"measured runs per case (default {DEFAULT_RUNS})"
    )
    parser.add_argument("--src", type=Path, help="an older checkout's src folder, measured alongside")
    parser.add_argument(
        "--postgres", default=os.environ.get("MODELREG_BENCH_POSTGRES"), help="a PostgreSQL admin URL: adds a store"
    )
    args = parser.parse_args(argv)
    compile_everything(*([args.src] if args.src else []))
    with stores(args.postgres) as store_envs:
        all_cases = cases(store_envs, args.src)
        to_run = [case for case in all_cases if installed(case)]
        print(
            f"cold start: {args.runs} runs per case, python {sys.version.split()[0]} at {sys.executable}, "
            f"load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        samples = measure(to_run, args.runs)
    print(f"load average at the end {os.getloadavg()[0]:.1f}\n")
    print(table(all_cases, samples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
