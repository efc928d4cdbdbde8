"""Per call: how long one price or one name lookup takes in a warm process, with and without a store, next to
genai-prices and litellm, and each library's peak memory.

modelreg's cases run in child processes, one per version (``now``; ``before`` too with ``--src DIR``, an older
checkout's ``src`` first on the path), alternating ``--rounds`` times so drift on a shared machine hits both
alike; genai-prices and litellm run in this process. Each child loads a registry without a store, one over a
SQLite store and, with ``--postgres ADMIN_URL``, one over a fresh PostgreSQL database (each store holds one
override of openai/gpt-4o; the databases are dropped afterwards), then times each case ``timeit``-style: a
loop of N executions between two ``perf_counter_ns`` readings, the garbage collector off during the loop, N
calibrated so a case's loops take ~0.5 s together (``--quick``: ~0.05 s), after one unmeasured call (steady
state). Reported: best and median ns per call over every loop of every round, and ratios of medians.

Floors, measured the same way: "a Python function call with those arguments doing nothing", once with
``Registry.cost``'s signature of today (``model, *, input_tokens, output_tokens=0, **usage``) and once with
the fourteen keyword-only parameters it had before; for resolve and get, a function of one argument.

Sources and site-packages are compiled first and the children run without PYTHONDONTWRITEBYTECODE, as an
installed package would. Peak memory is measured apart, in fresh processes: ``ru_maxrss`` after import +
load + one cost.

Run: ``bench/.venv/bin/python bench/per_call.py [--quick] [--src /tmp/base/src]
[--postgres postgresql://postgres@127.0.0.1:5432/postgres]``
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import importlib.util
import json
import math
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import timeit
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # before litellm is imported: bundled prices, no network

EXPECTED_TOTAL = Decimal("0.0075")  # gpt-4o, 1000 input + 500 output tokens at $2.50 / $10 per million
MR_COST = 'reg.cost("{}", input_tokens=1000, output_tokens=500)'
GPT_4O = MR_COST.format("openai/gpt-4o")
RESOLVE = 'reg.resolve("gpt-4o")'
GET = 'reg.get("openai/gpt-4o")'
MISS_STMT = 'try:\n    reg.resolve("gpt-9-ultra")\nexcept ModelNotFoundError:\n    pass'
RESOLVE_HITS = [
    "openai/gpt-4o",
    "gpt-4o",
    "azure/gpt-4o",
    "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "GPT-4o",  # the rest are rule-based hits, not exact keys
    "openrouter/anthropic/claude-3.5-sonnet",
    "apac.anthropic.claude-sonnet-4-5-20250929-v1:0",
]
FIND_QUERIES = [  # over the whole catalog (~1,000 models)
    "reg.find_ids()",
    'reg.find_ids(required=["vision", "tools"], max_input_price=1, min_context=100_000, sort="input_price")',
    'reg.find_ids(optional=["reasoning", "prompt_caching"], platform="bedrock", include_deprecated=True)',
    "reg.cheapest(1000, 500)",
]
FLOORS = {
    "cost": [
        ('floor("openai/gpt-4o", input_tokens=1000, output_tokens=500)', "floor: cost's signature now"),
        ('floor14("openai/gpt-4o", input_tokens=1000, output_tokens=500)', "floor: the 14 keyword-only parameters"),
    ],
    "resolve": [('floor1("gpt-4o")', "floor: a function of one argument")],
}
FLOOR_CODE = """
def floor(model, *, input_tokens, output_tokens=0, **usage):
    pass
def floor14(model, *, input_tokens, output_tokens=0, cache_read_tokens=0, cache_write_tokens=0, reasoning_tokens=0,
            audio_input_tokens=0, audio_output_tokens=0, images=0, requests=1, batch=False, at=None,
            cache_write_1h_tokens=0, image_output_tokens=0, web_searches=0):
    pass
def floor1(name):
    pass
"""
GENAI_COST = 'calc_price(Usage(input_tokens=1000, output_tokens=500), model_ref="gpt-4o", provider_id="openai")'
LITELLM_COST = 'litellm.cost_per_token(model="gpt-4o", prompt_tokens=1000, completion_tokens=500)'
STORES = ("no store", "sqlite", "postgresql")

# Fresh-process memory probes: import + load + one cost (bare python is the baseline).
MEMORY_SNIPPETS = {
    "bare python": ("pass", None),
    "modelreg": ("import modelreg; reg = modelreg.load(); " + GPT_4O, "modelreg"),
    "genai-prices": ("from genai_prices import calc_price, Usage; " + GENAI_COST, "genai_prices"),
    "litellm": ("import litellm; " + LITELLM_COST, "litellm"),
}
RSS_PRINT = "; import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
# Linux keeps ru_maxrss across exec, so a child spawned by this (big) process would report at least this
# process's peak. A shell that forks the child (no exec: a command follows) hands it a fresh, tiny one.
VIA_SHELL = ["/bin/sh", "-c", '"$@"; exit $?', "sh"]


@dataclass
class Case:
    """One statement to time, in a table, run against ``target`` (a registry, a floor, a library); ``ns``
    holds ns per call, one per loop."""

    table: str
    target: str
    stmt: str
    number: int = 0
    ns: list[float] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.table}|{self.target}|{self.stmt}"


def installed(module: str | None) -> bool:
    """Whether ``module`` (None: nothing needed) is importable here."""
    return module is None or importlib.util.find_spec(module) is not None


# -- timing ---------------------------------------------------------------------------------------------------


def timer(case: Case, names: dict[str, Any]) -> timeit.Timer:
    """A ``timeit.Timer`` on ``perf_counter_ns``: ``timeit(n)`` returns the ns that n executions took."""
    return timeit.Timer(case.stmt, timer=time.perf_counter_ns, globals=names)


def calibrate(case: Case, names: dict[str, Any], per_loop_s: float) -> None:
    """Warm the case up with one call, then pick N so that one loop of N calls takes about ``per_loop_s``."""
    clock = timer(case, names)
    clock.timeit(1)
    number = 1
    while True:
        elapsed_s = clock.timeit(number) / 1e9
        if elapsed_s >= min(0.02, per_loop_s / 2):
            break
        number *= 10
    case.number = max(1, math.ceil(number * per_loop_s / elapsed_s))


def measure(cases: list[tuple[Case, dict[str, Any]]], repeat: int, per_case_s: float) -> None:
    """Calibrate every case, then ``repeat`` rounds each timing every case once, round-robin."""
    for case, names in cases:
        calibrate(case, names, per_case_s / repeat)
    timers = [(case, timer(case, names)) for case, names in cases]
    for _ in range(repeat):
        for case, clock in timers:
            case.ns.append(clock.timeit(case.number) / case.number)


# -- modelreg, in a child process per version -----------------------------------------------------------------


def modelreg_cases(stores: dict[str, str]) -> list[tuple[Case, dict[str, Any]]]:
    """Every modelreg case of the version this process imports, over no store and each of ``stores``."""
    import modelreg

    warnings.simplefilter("ignore", modelreg.DeprecatedModelWarning)
    floors: dict[str, Any] = {}
    exec(FLOOR_CODE, floors)
    registries = {"no store": modelreg.load()}
    for name, url in stores.items():
        reg = modelreg.load(database_url=url)
        version = reg.version("model", "openai/gpt-4o")
        reg.update("model", "openai/gpt-4o", {"description": "bench"}, version=version, actor="bench")
        registries[name] = reg
    found: list[tuple[Case, dict[str, Any]]] = []
    for table, rows in FLOORS.items():
        found += [(Case(table, label, stmt), floors) for stmt, label in rows]
    for where, reg in registries.items():
        names = {"reg": reg, "ModelNotFoundError": modelreg.ModelNotFoundError}
        found += [(Case("cost", where, GPT_4O), names), (Case("cost", where, GPT_4O + ".total"), names)]
        found += [(Case("resolve", where, RESOLVE), names), (Case("resolve", where, GET), names)]
        if where != "no store":
            continue
        for model in ("gpt-4o", "azure/gpt-4o"):
            found.append((Case("cost", where, MR_COST.format(model)), names))
        long_ctx = 'reg.cost("claude-sonnet-4-5", input_tokens=250_000, output_tokens=1000, cache_read_tokens=100_000)'
        found.append((Case("cost", where, long_ctx), names))
        others = [name for name in RESOLVE_HITS if name != "gpt-4o"]
        found += [(Case("resolve", where, f'reg.resolve("{name}")'), names) for name in others]
        found.append((Case("resolve", where, MISS_STMT), names))
        found += [(Case("find", where, stmt), names) for stmt in FIND_QUERIES]
    return found


def child(config: dict[str, Any]) -> int:
    """Child mode: time this version's modelreg cases and print them as JSON."""
    cases = modelreg_cases(config["stores"])
    measure(cases, config["repeat"], config["per_case_s"])
    import modelreg

    total = str(modelreg.load().cost("openai/gpt-4o", input_tokens=1000, output_tokens=500).total)
    print(json.dumps({"total": total, "cases": [[c.table, c.target, c.stmt, c.number, c.ns] for c, _ in cases]}))
    return 0


def run_child(src: Path | None, stores: dict[str, str], repeat: int, per_case_s: float) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "MODELREG_DATABASE_URL")}
    env["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="modelreg-bench-")  # no default store
    if src is not None:
        env["PYTHONPATH"] = str(src.resolve())
    config = json.dumps({"stores": stores, "repeat": repeat, "per_case_s": per_case_s})
    done = subprocess.run(
        [sys.executable, __file__, "--child", config], env=env, capture_output=True, text=True, timeout=3600
    )
    if done.returncode != 0:
        raise RuntimeError(f"child ({src or 'now'}) failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@contextlib.contextmanager
def databases(admin_url: str | None, count: int) -> Iterator[list[str]]:
    """``count`` fresh PostgreSQL databases on the server of ``admin_url`` (none without it), then dropped."""
    if not admin_url:
        yield []
        return
    import psycopg

    names = [f"modelreg_bench_{uuid.uuid4().hex[:10]}" for _ in range(count)]
    with psycopg.connect(admin_url, autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield [admin_url.rsplit("/", 1)[0] + f"/{name}" for name in names]
        finally:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- the other libraries, in this process ---------------------------------------------------------------------


def other_cases() -> tuple[list[tuple[Case, dict[str, Any]]], dict[str, Decimal], list[str]]:
    cases: list[tuple[Case, dict[str, Any]]] = []
    totals: dict[str, Decimal] = {}
    notes: list[str] = []
    if installed("genai_prices"):
        import genai_prices

        gp = {"calc_price": genai_prices.calc_price, "Usage": genai_prices.Usage}
        cases.append((Case("cost", "genai-prices", GENAI_COST), gp))
        totals["genai-prices"] = eval(GENAI_COST, gp).total_price
        notes.append("genai-prices has no public model lookup (its __all__ is calc_price and price updates): skipped")
    if installed("litellm"):
        import litellm

        ll = {"litellm": litellm}
        cases.append((Case("cost", "litellm", LITELLM_COST), ll))
        prompt, completion = eval(LITELLM_COST, ll)
        totals["litellm"] = Decimal(repr(prompt + completion))  # floats: compared after rounding to 12 places
        cases.append((Case("resolve", "litellm", 'litellm.get_model_info("gpt-4o")'), ll))
        notes.append("litellm.get_model_info is an lru_cache over its lookup: steady state is a cache hit")
    return cases, totals, notes


# -- the report -----------------------------------------------------------------------------------------------


def median(ns: list[float]) -> float:
    return statistics.median(ns)


def table(name: str, versions: dict[str, dict[str, Case]], others: list[Case], floor: Case | None) -> str:
    """One table: a row per case, a column pair per version, ratios to the floor and before/now."""
    columns = list(versions)
    head = " | ".join(f"{v} best | {v} median" for v in columns)
    lines = [f"| target | call | {head} | now x floor |" + (" before / now |" if len(columns) > 1 else "")]
    lines.append("|---|---|" + "---|---|" * len(columns) + "---|" + ("---|" if len(columns) > 1 else ""))
    keys = [key for key in versions["now"] if versions["now"][key].table == name]
    rows: list[tuple[str, str, dict[str, Case | None]]] = []
    for key in keys:
        case = versions["now"][key]
        rows.append((case.target, case.stmt, {v: versions[v].get(key) for v in columns}))
    rows += [(case.target, case.stmt, {"now": case}) for case in others if case.table == name]
    for target, stmt, found in rows:
        cells = []
        for v in columns:
            case = found.get(v)
            cells.append(f"{min(case.ns):,.0f} | {median(case.ns):,.0f}" if case else "— | —")
        now = found.get("now")
        x_floor = f"{median(now.ns) / median(floor.ns):.2f}" if now and floor and not target.startswith("floor") else ""
        shown = stmt.replace("\n", " ").replace("    ", "").replace("|", "\\|")
        line = f"| {target} | `{shown}` | {' | '.join(cells)} | {x_floor} |"
        if len(columns) > 1:
            before = found.get("before")
            line += f" {median(before.ns) / median(now.ns):.2f} |" if before and now else " |"
        lines.append(line)
    return "\n".join(lines)


def peak_rss_kib(snippet: str) -> int:
    """A fresh interpreter's ``ru_maxrss`` (KiB) after running ``snippet``; modelreg uses its bundled catalog."""
    unset = ("MODELREG_CATALOG_DIR", "MODELREG_DATABASE_URL")
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="modelreg-bench-")
    argv = [*VIA_SHELL, sys.executable, "-c", snippet + RSS_PRINT]
    proc = subprocess.run(argv, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"exit {proc.returncode}: {snippet}\n{proc.stderr.strip()}")
    return int(proc.stdout.split()[-1])


def memory_table(runs: int) -> str:
    """Median peak RSS over ``runs`` fresh processes per library, and its delta over bare python."""
    lines = ["| library (import + load + one cost) | peak RSS MiB | over bare python MiB |", "|---|---|---|"]
    bare: float | None = None
    for name, (snippet, module) in MEMORY_SNIPPETS.items():
        if not installed(module):
            lines.append(f"| {name} | not installed | |")
            continue
        mib = statistics.median(peak_rss_kib(snippet) for _ in range(runs)) / 1024
        bare = mib if bare is None else bare
        lines.append(f"| {name} | {mib:.1f} | {mib - bare:+.1f} |")
    return "\n".join(lines)


def compile_everything(*folders: Path) -> None:
    """Bytecode for modelreg, the given folders and every installed package, as `pip install` leaves them."""
    import modelreg

    for folder in (Path(modelreg.__file__).parent, Path(sysconfig.get_paths()["purelib"]), *folders):
        compileall.compile_dir(str(folder), quiet=1, workers=0)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, time every case, print the tables, ratios and memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="~0.05 s per case, 1 round, 1 memory run")
    parser.add_argument("--repeat", type=int, help="loops per case and round (default 5, --quick 3)")
    parser.add_argument("--rounds", type=int, help="child processes per version, alternating (default 3)")
    parser.add_argument("--src", type=Path, help="an older checkout's src folder, measured alongside")
    parser.add_argument(
        "--postgres", default=os.environ.get("MODELREG_BENCH_POSTGRES"), help="a PostgreSQL admin URL: adds a store"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(json.loads(args.child))
    repeat = args.repeat or (3 if args.quick else 5)
    rounds = args.rounds or (1 if args.quick else 3)
    per_case_s = 0.05 if args.quick else 0.5
    compile_everything(*([args.src] if args.src else []))
    versions_src: dict[str, Path | None] = {"before": args.src, "now": None} if args.src else {"now": None}

    print(
        f"per call: {rounds} rounds x {repeat} loops per case, ~{per_case_s} s per case and round, "
        f"python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    results: dict[str, dict[str, Case]] = {v: {} for v in versions_src}
    totals: dict[str, Decimal] = {}
    with databases(args.postgres, len(versions_src)) as pg:
        stores_of = {}
        for n, version in enumerate(versions_src):
            stores = {"sqlite": f"sqlite:///{tempfile.mkdtemp(prefix='modelreg-bench-')}/bench.sqlite3"}
            if pg:
                stores["postgresql"] = pg[n]
            stores_of[version] = stores
        for _ in range(rounds):
            for version, src in versions_src.items():
                said = run_child(src, stores_of[version], repeat, per_case_s)
                totals[f"modelreg ({version})"] = Decimal(said["total"])
                for table_name, target, stmt, number, ns in said["cases"]:
                    case = results[version].setdefault(
                        f"{table_name}|{target}|{stmt}", Case(table_name, target, stmt, number)
                    )
                    case.ns += ns
    others, other_totals, notes = other_cases()
    measure(others, repeat, per_case_s)
    totals.update(other_totals)
    now = results["now"]
    floors = {name: now.get(f"{name}|{rows[0][1]}|{rows[0][0]}") for name, rows in FLOORS.items()}
    print(f"load average at the end {os.getloadavg()[0]:.1f}")

    print("\n### cost, gpt-4o 1000 in / 500 out (ns per call; x floor: over cost's signature doing nothing)\n")
    print(table("cost", results, [c for c, _ in others], floors["cost"]))
    reference = now[f"cost|no store|{GPT_4O}"]
    for case, _ in others:
        if case.table == "cost":
            print(f"\n{case.target} / modelreg (no store): {median(case.ns) / median(reference.ns):.1f}x median")
    shown = {lib: round(total, 12).normalize() for lib, total in totals.items()}
    same = all(total == EXPECTED_TOTAL for total in shown.values())
    print(f"gpt-4o 1000 in / 500 out, total USD: {shown} -> {'all' if same else 'NOT all'} {EXPECTED_TOTAL}")
    print("\n### resolve and get (ns per call; x floor: over a function of one argument)\n")
    print(table("resolve", results, [c for c, _ in others], floors["resolve"]))
    print("\n### find and cheapest over the whole catalog (ns per call)\n")
    print(table("find", results, [], None))
    print("".join(f"\nnote: {note}" for note in notes))
    print("\n### peak memory, fresh processes\n")
    print(memory_table(1 if args.quick else 3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
