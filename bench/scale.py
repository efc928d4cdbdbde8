"""Scale: does each step over the whole catalog stay linear as the catalog grows to 10x?

Builds catalogs of 1x, 2x, 5x and 10x the bundled one in temporary folders, by cloning every model and
route (and their names, prices and lifecycles in the index) under new ids (``…-x1``, ``…-x2``, …). Then,
for each size, a fresh process (compiled bytecode) times, one after the other:

    load          ``modelreg.load(catalog_dir)``: index.json, the names, prices and lifecycles
    records       the first whole record asked for: records.json decoded
    models()      every model as a ``Model`` (pydantic, imported before)
    facts         ``facts()``: one flat row per model, what the queries scan
    matrix        ``capability_matrix()``, first call and then (median of 5) again
    cheapest      ``cheapest(1000, 500)`` over every maker and route price, first call and then again
    find          ``find_ids()`` (every current model), median of 5

and two references that are the machine's, not modelreg's: ``json.loads`` of index.json with the collector
off, and a loop reading two fields of every model record. Their "10x / 1x" shows how this machine's memory
hierarchy alone grows the cost of touching 10x the objects (caches hold the 1x catalog, not the 10x one).

Each cell is the median over ``--runs`` processes; "10x / 1x" is linear at 10. ``--src DIR`` puts an
older checkout's ``src`` first on the children's path (``git archive <commit> src | tar -x -C /tmp/base``),
measured in the same run, for before and after side by side.

Run: ``bench/.venv/bin/python bench/scale.py [--sizes 1,2,5,10] [--runs 3] [--src /tmp/base/src]``
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

STEPS = (
    "load",
    "records",
    "models()",
    "facts",
    "matrix",
    "matrix again",
    "cheapest",
    "cheapest again",
    "find",
    "decode index.json (reference)",
    "walk the records (reference)",
)

CHILD = r"""
import json, statistics, sys, time
import modelreg
import modelreg.schema  # pydantic and the schema types: imported before the clock, they do not scale
times = {}
def step(name, work, repeat=1):
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        work()
        runs.append((time.perf_counter() - t) * 1000)
    times[name] = statistics.median(runs)
reg = None
def load():
    global reg
    reg = modelreg.load(sys.argv[1])
step("load", load)
step("records", lambda: len(reg))
step("models()", reg.models)
step("facts", reg.facts)
step("matrix", reg.capability_matrix)
step("matrix again", reg.capability_matrix, 5)
step("cheapest", lambda: reg.cheapest(1000, 500))
step("cheapest again", lambda: reg.cheapest(1000, 500), 5)
step("find", reg.find_ids, 5)
import gc
with open(sys.argv[1] + "/index.json", "rb") as handle:
    data = handle.read()
def decode():
    gc.disable()
    json.loads(data)
    gc.enable()
step("decode index.json (reference)", decode, 3)
records = reg._all()["models"]
step("walk the records (reference)", lambda: [r.get("provider") for r in records.values() if r.get("family")], 5)
times["models"] = len(reg)
print(json.dumps(times))
"""


def cloned(catalog: Path, factor: int, target: Path) -> Path:
    """A catalog folder holding ``factor`` copies of every model and route of ``catalog``."""
    index = json.loads((catalog / "index.json").read_text(encoding="utf-8"))
    records = json.loads((catalog / "records.json").read_text(encoding="utf-8"))
    models, routes = dict(records["models"]), dict(records["routes"])
    names, prices, lifecycle = dict(index["names"]), dict(index["prices"]), dict(index["lifecycle"])
    for k in range(1, factor):
        tail = f"-x{k}"
        for model_id, raw in records["models"].items():
            models[model_id + tail] = _model(raw, tail)
        for route_id, raw in records["routes"].items():
            routes[route_id + tail] = _route(raw, tail)
        for name, (model_id, route_id, region) in index["names"].items():
            names[name + tail] = [model_id + tail, route_id + tail if route_id else "", region]
        for key, price in index["prices"].items():
            subject, at, deployment = key.partition("@")
            prices[subject + tail + at + deployment] = price
        for model_id, life in index["lifecycle"].items():
            lifecycle[model_id + tail] = _life(life, tail)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(catalog / "rules.yaml", target / "rules.yaml")
    (target / "index.json").write_text(
        json.dumps({**index, "names": names, "prices": prices, "lifecycle": lifecycle}), encoding="utf-8"
    )
    (target / "records.json").write_text(json.dumps({**records, "models": models, "routes": routes}), encoding="utf-8")
    return target


def _life(life: dict[str, Any], tail: str) -> dict[str, Any]:
    return {**life, "replacement": life["replacement"] + tail} if life.get("replacement") else life


def _model(raw: dict[str, Any], tail: str) -> dict[str, Any]:
    out = {**raw, "id": raw["id"] + tail, "name": raw["name"] + tail}
    if raw.get("aliases"):
        out["aliases"] = [alias + tail for alias in raw["aliases"]]
    if raw.get("lifecycle"):
        out["lifecycle"] = _life(raw["lifecycle"], tail)
    return out


def _route(raw: dict[str, Any], tail: str) -> dict[str, Any]:
    out = {**raw, "id": raw["id"] + tail, "model": raw["model"] + tail, "model_string": raw["model_string"] + tail}
    if raw.get("deployments"):
        out["deployments"] = [
            {**d, "model_string": d["model_string"] + tail, "keys": [key + tail for key in d.get("keys", ())]}
            for d in raw["deployments"]
        ]
    return out


def measure(catalog_dir: Path, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(catalog_dir)], env=env, capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError(f"{catalog_dir}: exit {done.returncode}\n{done.stderr[-2000:]}")
    times: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,2,5,10", help="catalog sizes, as multiples of the bundled one")
    parser.add_argument("--runs", type=int, default=3, help="processes per size (median)")
    parser.add_argument("--src", type=Path, help="an older checkout's src folder, measured alongside")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    import modelreg
    from modelreg.catalog import CATALOG_PATH

    compileall.compile_dir(str(Path(modelreg.__file__).parent), quiet=1, workers=0)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "MODELREG_DATABASE_URL")}
    env["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="modelreg-bench-")  # no store
    variants = {"now": env}
    if args.src:
        compileall.compile_dir(str(args.src), quiet=1, workers=0)
        variants = {"before": {**env, "PYTHONPATH": str(args.src.resolve())}, "now": env}

    work = Path(tempfile.mkdtemp(prefix="modelreg-scale-"))
    try:
        folders = {size: cloned(Path(CATALOG_PATH), size, work / f"x{size}") for size in sizes}
        found: dict[tuple[str, int], list[dict[str, float]]] = {(v, s): [] for v in variants for s in sizes}
        for _ in range(args.runs):  # round-robin: drift on a shared machine hits every cell alike
            for size in sizes:
                for variant, variant_env in variants.items():
                    found[(variant, size)].append(measure(folders[size], variant_env))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"scale: median ms over {args.runs} processes per cell, compiled bytecode, python {sys.version.split()[0]}")
    counts = {size: int(found[("now", size)][0]["models"]) for size in sizes}
    print("models: " + ", ".join(f"{size}x = {counts[size]:,}" for size in sizes) + "\n")
    head = " | ".join(f"{size}x" for size in sizes)
    print(f"| step | version | {head} | {sizes[-1]}x / {sizes[0]}x |")
    print("|---|---|" + "---|" * len(sizes) + "---|")
    for step in STEPS:
        for variant in variants:
            cells = [statistics.median(run[step] for run in found[(variant, size)]) for size in sizes]
            ratio = cells[-1] / cells[0] if cells[0] else float("nan")
            row = " | ".join(f"{cell:.2f}" for cell in cells)
            print(f"| {step} | {variant} | {row} | {ratio:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
