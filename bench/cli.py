"""The command line's wall time: `modelreg cost|resolve|show|--help` as a user's shell runs them.

Each command runs as a new process (the installed console script), stdout and stderr to pipes, with
compiled bytecode as an installed package has it (the sources and site-packages are compiled first,
and PYTHONDONTWRITEBYTECODE is removed from the children's environment). Like hyperfine: warm-up runs
first, then N runs round-robin across the commands; wall time from this process around each run.

Columns, side by side per command: the console script (the fast path answers these four without
importing typer), the same command line through the typer app only (what every command cost before the
fast path), and bare ``python -c pass`` on the same interpreter. The target is <= 80 ms.

``--baseline-src DIR`` adds a column: the same command lines with an older checkout's ``src`` first on
``PYTHONPATH`` (e.g. ``git archive <commit> src | tar -x -C /tmp/base``), for before/after in one run.

Run: ``bench/.venv/bin/python bench/cli.py [--runs N] [--baseline-src DIR]`` (any venv with modelreg)
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

TARGET_MS = 80.0
COMMANDS = {
    "cost": ["cost", "gpt-4o", "--input", "1000", "--output", "500"],
    "resolve": ["resolve", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"],
    "show": ["show", "openai/gpt-4o"],
    "--help": ["--help"],
}
TYPER_ONLY = "from modelreg.cli import typer_app; typer_app()(prog_name='modelreg')"
BASELINE = "import sys; sys.argv[0] = 'modelreg'; from modelreg.cli import main; main()"


def compile_everything() -> None:
    """Bytecode for modelreg and every installed package, as `pip install` leaves them."""
    import modelreg

    for folder in (Path(modelreg.__file__).parent, Path(sysconfig.get_paths()["purelib"])):
        compileall.compile_dir(str(folder), quiet=1, workers=0)


def wall_ms(command: list[str], env: dict[str, str]) -> float:
    """Wall milliseconds of one run; its CPU milliseconds (user + system) are added to ``CPU``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True)
    took = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{command}: exit {done.returncode}: {done.stderr.decode()[-500:]}")
    CPU.setdefault(" ".join(command), []).append(
        (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    )
    return took


CPU: dict[str, list[float]] = {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--baseline-src", type=Path, help="an older checkout's src folder, measured alongside")
    args = parser.parse_args(argv)
    compile_everything()
    if args.baseline_src:
        compileall.compile_dir(str(args.baseline_src), quiet=1, workers=0)
    script = str(Path(sys.executable).parent / "modelreg")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "MODELREG_DATABASE_URL")}
    env["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="modelreg-bench-")  # no store: the bundled catalog
    cases: dict[str, list[str]] = {"bare python": [sys.executable, "-c", "pass"]}
    for name, words in COMMANDS.items():
        cases[f"{name} (console script)"] = [script, *words]
        cases[f"{name} (typer app)"] = [sys.executable, "-c", TYPER_ONLY, *words]
        if args.baseline_src:
            cases[f"{name} (baseline)"] = [sys.executable, "-c", BASELINE, *words]
    baseline_env = {**env, "PYTHONPATH": str(args.baseline_src)} if args.baseline_src else env

    def run(name: str) -> float:
        return wall_ms(cases[name], baseline_env if name.endswith("(baseline)") else env)

    for name in cases:
        for _ in range(args.warmup):
            run(name)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name in cases:
            times[name].append(run(name))

    def stats(name: str) -> str:
        runs, cpu = times[name], CPU[" ".join(cases[name])][args.warmup :]
        return f"{statistics.median(runs):.1f} ({min(runs):.1f}-{max(runs):.1f}; cpu {statistics.median(cpu):.1f})"

    print(f"CLI wall ms, {args.runs} runs each after {args.warmup} warm-up runs, compiled bytecode, stdout a pipe")
    print("cells: median wall (min-max; median CPU ms of the process, which a loaded machine inflates less)")
    print(f"bare python: median {stats('bare python')}\n")
    baseline = f" baseline ({args.baseline_src}) |" if args.baseline_src else ""
    print(f"| command | console script: median (min-max) | typer app only |{baseline} mean ± sd (script) | <= 80 ms |")
    print("|---|---|---|---|---|" + ("---|" if baseline else ""))
    for name in COMMANDS:
        fast = times[f"{name} (console script)"]
        met = "yes" if statistics.median(fast) <= TARGET_MS else "no"
        spread = f"{statistics.mean(fast):.1f} ± {statistics.stdev(fast):.1f}" if len(fast) > 1 else "-"
        before = f" {stats(name + ' (baseline)')} |" if args.baseline_src else ""
        print(
            f"| `modelreg {' '.join(COMMANDS[name])}` | {stats(name + ' (console script)')} | "
            f"{stats(name + ' (typer app)')} |{before} {spread} | {met} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
