"""The command line's wall time: `modelreg cost|resolve|show|--help` as a user's shell runs them.

Each command runs as a new process (the installed console script), stdout and stderr to pipes, with
compiled bytecode as an installed package has it (the sources and site-packages are compiled first,
and PYTHONDONTWRITEBYTECODE is removed from the children's environment). Like hyperfine: warm-up runs
first, then N runs round-robin across the commands; wall time from this process around each run.

Columns, side by side per command: the console script (the fast path answers these four without
importing typer), the same command line through the typer app only (what every command cost before the
fast path), and bare ``python -c pass`` on the same interpreter. The target is <= 80 ms.

Run: ``bench/.venv/bin/python bench/cli.py [--runs N]`` (or any venv where modelreg is installed)
"""

from __future__ import annotations

import argparse
import compileall
import os
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


def compile_everything() -> None:
    """Bytecode for modelreg and every installed package, as `pip install` leaves them."""
    import modelreg

    for folder in (Path(modelreg.__file__).parent, Path(sysconfig.get_paths()["purelib"])):
        compileall.compile_dir(str(folder), quiet=1, workers=0)


def wall_ms(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True)
    took = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"{command}: exit {done.returncode}: {done.stderr.decode()[-500:]}")
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args(argv)
    compile_everything()
    script = str(Path(sys.executable).parent / "modelreg")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "MODELREG_DATABASE_URL")}
    env["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="modelreg-bench-")  # no store: the bundled catalog
    cases: dict[str, list[str]] = {"bare python": [sys.executable, "-c", "pass"]}
    for name, words in COMMANDS.items():
        cases[f"{name} (console script)"] = [script, *words]
        cases[f"{name} (typer app)"] = [sys.executable, "-c", TYPER_ONLY, *words]
    for command in cases.values():
        for _ in range(args.warmup):
            wall_ms(command, env)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, command in cases.items():
            times[name].append(wall_ms(command, env))

    def stats(name: str) -> str:
        runs = times[name]
        return f"{statistics.median(runs):.1f} ({min(runs):.1f}-{max(runs):.1f})"

    print(f"CLI wall ms, {args.runs} runs each after {args.warmup} warm-up runs, compiled bytecode, stdout a pipe")
    print(f"bare python: median {stats('bare python')}\n")
    print("| command | console script: median (min-max) | typer app only | mean ± sd (script) | <= 80 ms |")
    print("|---|---|---|---|---|")
    for name in COMMANDS:
        fast = times[f"{name} (console script)"]
        met = "yes" if statistics.median(fast) <= TARGET_MS else "no"
        spread = f"{statistics.mean(fast):.1f} ± {statistics.stdev(fast):.1f}" if len(fast) > 1 else "-"
        print(
            f"| `modelreg {' '.join(COMMANDS[name])}` | {stats(name + ' (console script)')} | "
            f"{stats(name + ' (typer app)')} | {spread} | {met} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
