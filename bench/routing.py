"""Routing over the whole catalog: routes per platform, the time of ``cheapest_route`` and ``best_route``
per call next to ``find`` and ``cheapest`` in the same process, and the fallback chain of seed 001's example.

The sources and site-packages are compiled first and the measuring child runs without
PYTHONDONTWRITEBYTECODE, as an installed package would, over the bundled catalog and no store. In the child:

    first call     the first ``best_route`` once facts and price tables exist: the route table is built then
    best_route     every model of the catalog once per round (``--rounds``), by strategy; each model's call
                   is timed as a loop of ``--loop`` calls (per call = loop / loop count), so the figures are
                   the median and p95 over models x rounds
    cheapest_route ``cheapest_route(1000, 500, [...])`` for a few capability sets, each call timed alone
    find           ``find_ids`` and ``find`` (the same conditions), ``cheapest(1000, 500)``: the references

The garbage collector is off while a loop runs (``timeit``'s rule). Prints Markdown, ready for RESULTS.md.

Run: ``.venv/bin/python bench/routing.py [--rounds 5] [--loop 20] [--calls 200]``
"""

from __future__ import annotations

import argparse
import compileall
import gc
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CAPABILITY_SETS: tuple[tuple[str, ...], ...] = ((), ("tools",), ("vision", "tools"), ("reasoning", "tools"))
STRATEGIES = ("priority", "cost", "latency")
SEED_MODEL = "gpt-5-nano"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(work: Callable[[], Any], loop: int = 1) -> float:
    """Microseconds per call of ``work`` over a loop of ``loop`` calls, the collector off."""
    gc.disable()
    try:
        start = time.perf_counter_ns()
        for _ in range(loop):
            work()
        return (time.perf_counter_ns() - start) / loop / 1000
    finally:
        gc.enable()


def child(rounds: int, loop: int, calls: int) -> dict[str, Any]:
    """Measure in this process (the parent runs this in a child with compiled bytecode)."""
    import warnings

    import modelreg
    import modelreg.routing  # pydantic and the schema types: imported before any clock, as scale.py does

    warnings.simplefilter("ignore", modelreg.DeprecatedModelWarning)
    reg = modelreg.load()
    out: dict[str, Any] = {"routes_per_platform": reg.stats()["routes_per_platform"], "models": len(reg)}
    start = time.perf_counter()
    reg.facts()
    reg.price_tables()
    out["facts and price tables ms"] = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    reg.best_route(SEED_MODEL)  # builds the route table (reads every route record once) and one Route
    out["first best_route ms (builds the route table)"] = (time.perf_counter() - start) * 1000

    ids = [row.id for row in reg.facts()]
    served = [m for m in ids if any(r.status in ("active", "degraded") for r in reg.routes(m))]
    out["models with a usable route"] = len(served)
    rows: dict[str, list[float]] = {}

    def best(model: str, strategy: str) -> Callable[[], Any]:
        return lambda: reg.best_route(model, strategy=strategy)

    for strategy in STRATEGIES:
        for model in served:  # warm: every Route the answers return is validated once
            reg.best_route(model, strategy=strategy)
        rows[f"best_route(m, strategy={strategy!r}), every model"] = [
            timed(best(model, strategy), loop) for _ in range(rounds) for model in served
        ]
    chain_times = [timed(lambda m=model: reg.fallback_chain(m), loop) for _ in range(rounds) for model in served]
    rows["fallback_chain(m), every model"] = chain_times
    rows["resolve(m), every model (reference)"] = [
        timed(lambda m=model: reg.resolve(m), loop) for _ in range(rounds) for model in served
    ]
    for need in CAPABILITY_SETS:
        reg.cheapest_route(1000, 500, list(need))
        rows[f"cheapest_route(1000, 500, {list(need)})"] = [
            timed(lambda n=need: reg.cheapest_route(1000, 500, list(n))) for _ in range(calls)
        ]
    for need in CAPABILITY_SETS[:2]:
        reg.find(required=list(need))
        rows[f"find_ids(required={list(need)})"] = [
            timed(lambda n=need: reg.find_ids(required=list(n))) for _ in range(calls)
        ]
        rows[f"find(required={list(need)})"] = [timed(lambda n=need: reg.find(required=list(n))) for _ in range(calls)]
        rows[f"cheapest(1000, 500, required={list(need)})"] = [
            timed(lambda n=need: reg.cheapest(1000, 500, required=list(n))) for _ in range(calls)
        ]
    out["times"] = {name: (statistics.median(v), percentile(v, 0.95), len(v)) for name, v in rows.items()}
    chain = reg.fallback_chain(SEED_MODEL)
    out["chain"] = [
        (r.id, r.platform, r.priority, r.status, str(r.pricing.input), str(r.pricing.output)) for r in chain
    ]
    route, cost = reg.cheapest_route(1000, 500, ["tools"])
    out["cheapest"] = (route.id, str(cost.total))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over every model for best_route")
    parser.add_argument("--loop", type=int, default=20, help="calls per timed loop of best_route")
    parser.add_argument("--calls", type=int, default=200, help="timed calls of cheapest_route and find")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.rounds, args.loop, args.calls)))
        return 0

    import modelreg

    for folder in (Path(modelreg.__file__).parent, Path(sysconfig.get_paths()["purelib"])):
        compileall.compile_dir(str(folder), quiet=1, workers=0)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "MODELREG_DATABASE_URL")}
    env["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="modelreg-bench-")  # no store
    command = [sys.executable, __file__, "--child", f"--rounds={args.rounds}", f"--loop={args.loop}"]
    done = subprocess.run([*command, f"--calls={args.calls}"], env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"the measuring child failed ({done.returncode}):\n{done.stderr[-3000:]}")
    found = json.loads(done.stdout.strip().splitlines()[-1])

    python = sys.version.split()[0]
    print(f"routing: {found['models']:,} models, bundled catalog, no store, compiled bytecode, python {python}")
    print("\n| platform | routes |\n|---|---|")
    for platform, count in found["routes_per_platform"].items():
        print(f"| {platform} | {count} |")
    print(f"| **all** | **{sum(found['routes_per_platform'].values())}** |")
    print(f"\nmodels with a usable route: {found['models with a usable route']:,}")
    for key in ("facts and price tables ms", "first best_route ms (builds the route table)"):
        print(f"{key}: {found[key]:.1f}")
    print("\n| call | median µs | p95 µs | samples |\n|---|---|---|---|")
    for name, (median, p95, samples) in found["times"].items():
        print(f"| `{name}` | {median:,.1f} | {p95:,.1f} | {samples:,} |")
    print(f"\ncheapest_route(1000, 500, ['tools']): {found['cheapest'][0]} at ${found['cheapest'][1]}")
    print(f"\nfallback chain of {SEED_MODEL} (seed 001 expects direct, openrouter, azure):\n")
    print("| # | route | platform | priority | status | input / output per 1M |\n|---|---|---|---|---|---|")
    for n, (route_id, platform, priority, status, price_in, price_out) in enumerate(found["chain"], 1):
        print(f"| {n} | {route_id} | {platform} | {priority} | {status} | {price_in} / {price_out} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
