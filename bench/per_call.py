"""Per call: how long one price or one name lookup takes in a warm process, and each library's peak memory.

Every library is imported and loaded once in this process; then each case (one statement, such as
``reg.cost("openai/gpt-4o", input_tokens=1000, output_tokens=500)``) runs once unmeasured (so caches are
warm: steady state) and is timed ``timeit``-style: a loop of N executions between two ``perf_counter_ns``
readings, with the garbage collector off during the loop, as ``timeit`` does. N is calibrated per case so
that the R loops of a case take about 0.5 s together (``--quick``: about 0.05 s); the R rounds run
round-robin across the cases, so drift hits every case alike. Reported: best and median ns per call over
the R loops, and ratios of medians.

Peak memory is measured apart, in fresh subprocesses: ``ru_maxrss`` after import + load + one cost.

Run: ``bench/.venv/bin/python bench/per_call.py [--quick]``
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import statistics
import subprocess
import sys
import time
import timeit
import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # before litellm is imported: bundled prices, no network

EXPECTED_TOTAL = Decimal("0.0075")  # gpt-4o, 1000 input + 500 output tokens at $2.50 / $10 per million
MR_COST = 'reg.cost("{}", input_tokens=1000, output_tokens=500)'
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
FIND_QUERIES = [  # over the whole catalog (~1,100 models); the target is under 1 ms
    "reg.find_ids()",
    'reg.find_ids(required=["vision", "tools"], max_input_price=1, min_context=100_000, sort="input_price")',
    'reg.find_ids(optional=["reasoning", "prompt_caching"], platform="bedrock", include_deprecated=True)',
    'reg.find(provider="anthropic", required=["reasoning"])',
]
OVERLAY_STMTS = ['reg.get("openai/gpt-4o")', MR_COST.format("gpt-4o")]
GENAI_COST = 'calc_price(Usage(input_tokens=1000, output_tokens=500), model_ref="gpt-4o", provider_id="openai")'
LITELLM_COST = 'litellm.cost_per_token(model="gpt-4o", prompt_tokens=1000, completion_tokens=500)'

# Fresh-process memory probes: import + load + one cost (bare python is the baseline).
MEMORY_SNIPPETS = {
    "bare python": ("pass", None),
    "modelreg": ("import modelreg; reg = modelreg.load(); " + MR_COST.format("openai/gpt-4o"), "modelreg"),
    "genai-prices": ("from genai_prices import calc_price, Usage; " + GENAI_COST, "genai_prices"),
    "litellm": ("import litellm; " + LITELLM_COST, "litellm"),
}
RSS_PRINT = "; import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
# Linux keeps ru_maxrss across exec, so a child spawned by this (big) process would report at least this
# process's peak. A shell that forks the child (no exec: a command follows) hands it a fresh, tiny one.
VIA_SHELL = ["/bin/sh", "-c", '"$@"; exit $?', "sh"]


@dataclass
class Case:
    """One statement to time, in a table, with the names it uses; ``ns`` holds ns per call, one per loop."""

    table: str
    library: str
    stmt: str
    names: dict[str, Any]
    number: int = 0
    ns: list[float] = field(default_factory=list)

    def timer(self) -> timeit.Timer:
        """A ``timeit.Timer`` on ``perf_counter_ns``: ``timeit(n)`` returns the ns that n executions took."""
        return timeit.Timer(self.stmt, timer=time.perf_counter_ns, globals=self.names)


def installed(module: str | None) -> bool:
    """Whether ``module`` (None: nothing needed) is importable here."""
    return module is None or importlib.util.find_spec(module) is not None


def overlay_cases(plain: object) -> list[Case]:
    """get and cost without a store, and with a store laid over the catalog (one override, one price):
    SQLite in a temporary file, and PostgreSQL when MODELREG_BENCH_POSTGRES names a database."""
    import tempfile

    import modelreg

    stores = {"sqlite": f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"}
    if os.environ.get("MODELREG_BENCH_POSTGRES"):
        stores["postgresql"] = os.environ["MODELREG_BENCH_POSTGRES"]
    cases = [Case("overlay", "modelreg (no store)", stmt, {"reg": plain}) for stmt in OVERLAY_STMTS]
    for name, url in stores.items():
        reg = modelreg.load(database_url=url)
        version = reg.version("model", "openai/gpt-4o")
        reg.update("model", "openai/gpt-4o", {"description": "bench"}, version=version, actor="bench")
        cases += [Case("overlay", f"modelreg ({name} store)", stmt, {"reg": reg}) for stmt in OVERLAY_STMTS]
    return cases


def build_cases() -> tuple[list[Case], dict[str, Decimal], list[str]]:
    """Every case of the installed libraries, the gpt-4o dollar total each library returns, and notes."""
    cases: list[Case] = []
    totals: dict[str, Decimal] = {}
    notes: list[str] = []
    if installed("modelreg"):
        import modelreg

        warnings.simplefilter("ignore", modelreg.DeprecatedModelWarning)
        mr = {"reg": modelreg.load(), "ModelNotFoundError": modelreg.ModelNotFoundError}
        for name in ("openai/gpt-4o", "gpt-4o", "azure/gpt-4o"):
            cases.append(Case("cost", "modelreg", MR_COST.format(name), mr))
        long_ctx = 'reg.cost("claude-sonnet-4-5", input_tokens=250_000, output_tokens=1000, cache_read_tokens=100_000)'
        cases.append(Case("cost", "modelreg", long_ctx, mr))
        totals["modelreg"] = eval(MR_COST.format("openai/gpt-4o"), mr).total
        cases += [Case("resolve", "modelreg", f'reg.resolve("{name}")', mr) for name in RESOLVE_HITS]
        cases.append(Case("resolve", "modelreg", MISS_STMT, mr))
        cases += [Case("find", "modelreg", stmt, mr) for stmt in FIND_QUERIES]
        cases += overlay_cases(mr["reg"])
    if installed("genai_prices"):
        import genai_prices

        gp = {"calc_price": genai_prices.calc_price, "Usage": genai_prices.Usage}
        cases.append(Case("cost", "genai-prices", GENAI_COST, gp))
        totals["genai-prices"] = eval(GENAI_COST, gp).total_price
        notes.append("genai-prices has no public model lookup (its __all__ is calc_price and price updates): skipped")
    if installed("litellm"):
        import litellm

        ll = {"litellm": litellm}
        cases.append(Case("cost", "litellm", LITELLM_COST, ll))
        prompt, completion = eval(LITELLM_COST, ll)
        totals["litellm"] = Decimal(repr(prompt + completion))  # floats: compared after rounding to 12 places
        cases.append(Case("resolve", "litellm", 'litellm.get_model_info("gpt-4o")', ll))
        notes.append("litellm.get_model_info is an lru_cache over its lookup: steady state is a cache hit")
    return cases, totals, notes


def calibrate(case: Case, per_loop_s: float) -> None:
    """Warm the case up with one call, then pick N so that one loop of N calls takes about ``per_loop_s``."""
    timer = case.timer()
    timer.timeit(1)
    number = 1
    while True:
        elapsed_s = timer.timeit(number) / 1e9
        if elapsed_s >= min(0.02, per_loop_s / 2):
            break
        number *= 10
    case.number = max(1, math.ceil(number * per_loop_s / elapsed_s))


def measure(cases: list[Case], repeat: int, per_case_s: float) -> None:
    """Calibrate every case, then ``repeat`` rounds each timing every case once, round-robin."""
    for case in cases:
        calibrate(case, per_case_s / repeat)
    timers = [case.timer() for case in cases]
    for _ in range(repeat):
        for case, timer in zip(cases, timers, strict=True):
            case.ns.append(timer.timeit(case.number) / case.number)


def median(case: Case) -> float:
    """The case's median ns per call over its loops."""
    return statistics.median(case.ns)


def table(cases: list[Case], name: str, reference: str) -> str:
    """The cases of one table as Markdown; "x ref" is each median over that of the case ``reference``."""
    rows = [case for case in cases if case.table == name]
    ref = next((median(case) for case in rows if case.stmt == reference), None)
    lines = [
        "| library | call | calls/loop | best ns/call | median ns/call | x ref (median) |",
        "|---|---|---|---|---|---|",
    ]
    for case in rows:
        ratio = f"{median(case) / ref:.2f}" if ref else "n/a"
        stmt = case.stmt.replace("\n", " ").replace("    ", "").replace("|", "\\|")
        lines.append(
            f"| {case.library} | `{stmt}` | {case.number} | {min(case.ns):,.0f} | {median(case):,.0f} | {ratio} |"
        )
    return "\n".join(lines)


def ratios(cases: list[Case], totals: dict[str, Decimal]) -> list[str]:
    """The printed ratios against modelreg's gpt-4o cost, and whether every library charges the same."""
    by_stmt = {case.stmt: case for case in cases if case.table == "cost"}
    out = []
    for mr_name in ("openai/gpt-4o", "gpt-4o"):
        mr = by_stmt.get(MR_COST.format(mr_name))
        for lib, stmt in (("genai-prices", GENAI_COST), ("litellm", LITELLM_COST)):
            other = by_stmt.get(stmt)
            if mr is None or other is None:
                continue
            out.append(
                f"{lib} / modelreg reg.cost({mr_name!r}): {median(other) / median(mr):.1f}x median, "
                f"{min(other.ns) / min(mr.ns):.1f}x best (target >= 40x)"
            )
    shown = {lib: round(total, 12).normalize() for lib, total in totals.items()}
    same = all(total == EXPECTED_TOTAL for total in shown.values())
    out.append(f"gpt-4o 1000 in / 500 out, total USD: {shown} -> {'all' if same else 'NOT all'} {EXPECTED_TOTAL}")
    return out


def peak_rss_kib(snippet: str) -> int:
    """A fresh interpreter's ``ru_maxrss`` (KiB) after running ``snippet``; modelreg uses its bundled catalog."""
    env = {key: value for key, value in os.environ.items() if key != "MODELREG_CATALOG_DIR"}
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


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, time every installed case, print the tables, ratios and memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="~0.05 s per case, 3 loops, 1 memory run")
    parser.add_argument("--repeat", type=int, help="loops per case (default 5, --quick 3)")
    args = parser.parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 5)
    per_case_s = 0.05 if args.quick else 0.5

    cases, totals, notes = build_cases()
    print(f"per call: {repeat} loops per case, ~{per_case_s} s per case, python {sys.version.split()[0]}", flush=True)
    measure(cases, repeat, per_case_s)
    print("\n### cost, gpt-4o 1000 in / 500 out (x ref: modelreg `openai/gpt-4o`)\n")
    print(table(cases, "cost", MR_COST.format("openai/gpt-4o")))
    print()
    print("\n".join(ratios(cases, totals)))
    print("\n### resolve (x ref: modelreg `gpt-4o`)\n")
    print(table(cases, "resolve", 'reg.resolve("gpt-4o")'))
    print("\n### the store's overlay on get and cost (x ref: get without a store)\n")
    print(table(cases, "overlay", OVERLAY_STMTS[0]))
    print("\n### find over the whole catalog (x ref: all current models)\n")
    print(table(cases, "find", FIND_QUERIES[0]))
    print("".join(f"\nnote: {note}" for note in notes))
    print("\n### peak memory, fresh processes\n")
    print(memory_table(1 if args.quick else 3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
