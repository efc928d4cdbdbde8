"""The service under load: requests/s, p50/p99 latency and errors at 64 connections, with wrk on loopback,
next to a bare uvicorn "hello" app measured in the same run (the ceiling on this machine).

Both servers run as separate processes with one uvicorn worker and the same uvicorn; the registry serves
the bundled catalog with an empty SQLite store (the embedded default). Traffic goes only to 127.0.0.1.

``--workers 1 2`` serves the registry with 1 and then 2 worker processes in the same run (the hello app
keeps one); ``--baseline-src OLD/src`` serves an older checkout's registry beside this one ("before"). The
"(uncached)" rows send every request with its own query string, so no kept answer is ever sent again.
Sources are compiled first and the servers run without PYTHONDONTWRITEBYTECODE.

Run: ``bench/.venv/bin/python bench/service.py [--seconds 10] [--connections 64] [--workers 1 2]
[--baseline-src /path/to/old/src]``
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
POST_LUA = """wrk.method = "POST"
wrk.body = '{"model": "gpt-4o", "input_tokens": 1000, "output_tokens": 500}'
wrk.headers["Content-Type"] = "application/json"
"""
# Every request its own query string (a parameter the route ignores), so no answer is ever sent again from
# the kept answers: what a GET costs the first time in a state.
UNCACHED_LUA = """local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
function init(args) n = 0 end
function request()
  n = n + 1
  return wrk.format(nil, wrk.path .. SEP .. "u=" .. tid .. "-" .. n)
end
"""
TARGETS = [  # (label, server, path, lua script or None)
    ("hello (ceiling)", "hello", "/", None),
    ("GET /api/registry/models/openai/gpt-4o", "registry", "/api/registry/models/openai/gpt-4o", None),
    (
        "GET /api/registry/models/openai/gpt-4o (uncached)",
        "registry",
        "/api/registry/models/openai/gpt-4o",
        UNCACHED_LUA.replace("SEP", '"?"'),
    ),
    (
        "GET /api/registry/models?limit=50 (uncached)",
        "registry",
        "/api/registry/models?limit=50",
        UNCACHED_LUA.replace("SEP", '"&"'),
    ),
    (
        "GET /api/registry/resolve?name=…",
        "registry",
        "/api/registry/resolve?name=us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        None,
    ),
    (
        "GET /api/registry/resolve?name=… (uncached)",
        "registry",
        "/api/registry/resolve?name=us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        UNCACHED_LUA.replace("SEP", '"&"'),
    ),
    ("POST /api/registry/cost", "registry", "/api/registry/cost", POST_LUA),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(command: list[str], url: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server did not answer at {url}")


def wrk(url: str, seconds: int, connections: int, lua: str | None) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        if lua:
            script.write(lua)
    if lua:
        command[1:1] = ["-s", script.name]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "errors": _errors(out),
    }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _errors(out: str) -> float:
    total = 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        total += sum(int(n) for n in socket_errors.groups())
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        total += int(non_2xx.group(1))
    return total


def compiled(*folders: Path) -> None:
    """Bytecode for the sources and site-packages, as an installed package has (this machine sets
    PYTHONDONTWRITEBYTECODE; the servers run without it)."""
    import compileall
    import sysconfig

    for folder in (*folders, Path(sysconfig.get_paths()["purelib"])):
        compileall.compile_dir(str(folder), quiet=1, workers=0)


def registry_command(port: int, workers: int, src: Path | None) -> list[str]:
    """``modelreg serve`` on ``port`` from this checkout, or from the sources at ``src`` (an older one)."""
    command = [sys.executable, "-m", "modelreg.cli", "serve", "--port", str(port), "--workers", str(workers)]
    cli = (src or HERE.parent / "src") / "modelreg" / "cli" / "service.py"
    if "quiet" in cli.read_text(encoding="utf-8"):  # older versions log nothing, and have no --quiet
        command.append("--quiet")
    return command


def measure(
    url_of: dict[str, str], targets: list[tuple[str, str, str, str | None]], seconds: int, connections: int
) -> dict[tuple[str, str], dict[str, float]]:
    rows = {}
    for label, server, path, lua in targets:
        for name, base in url_of.items():
            if name.split(":")[0] != server:
                continue
            url = f"{base}{path}"
            wrk(url, 2, connections, lua)  # warm up: caches, first Model objects, connections
            rows[(label, name)] = wrk(url, seconds, connections, lua)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="worker processes of the registry")
    parser.add_argument("--baseline-src", type=Path, help="also serve the registry from these (older) sources")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)")
        return 1
    compiled(HERE.parent / "src", *([args.baseline_src] if args.baseline_src else []))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["MODELREG_DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    versions = {"now": None, **({"before": args.baseline_src} if args.baseline_src else {})}
    hello = free_port()
    uvicorn = [sys.executable, "-m", "uvicorn", "--log-level", "warning", "--host", "127.0.0.1"]
    servers = [
        start(
            [*uvicorn, "--port", str(hello), "--app-dir", str(HERE), "hello_app:app"], f"http://127.0.0.1:{hello}/", env
        )
    ]
    url_of = {"hello": f"http://127.0.0.1:{hello}"}
    try:
        for workers in args.workers:
            for version, src in versions.items():
                port = free_port()
                own = {**env, "PYTHONPATH": str(src)} if src else env
                if src:
                    own["MODELREG_DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
                servers.append(start(registry_command(port, workers, src), f"http://127.0.0.1:{port}/healthz", own))
                url_of[f"registry:{version}:{workers}"] = f"http://127.0.0.1:{port}"
        rows = measure(url_of, TARGETS, args.seconds, args.connections)
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait(timeout=10)
    ceiling = rows[("hello (ceiling)", "hello")]["rps"]
    print(
        f"service: wrk -t2 -c{args.connections} -d{args.seconds}s on 127.0.0.1; the registry with "
        f"{' and '.join(map(str, args.workers))} worker(s), hello with one; SQLite store (empty)\n"
    )
    print("| endpoint | version | workers | requests/s | % of ceiling | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|---|")
    for (label, name), r in rows.items():
        _, version, workers = [*name.split(":"), "", ""][:3]
        print(
            f"| {label} | {version or '-'} | {workers or 1} | {r['rps']:,.0f} | {100 * r['rps'] / ceiling:.0f}% | "
            f"{r['p50']:.2f} | {r['p99']:.2f} | {r['errors']:.0f} |"
        )
    print()
    for label, *_ in TARGETS[1:]:
        for version in versions:
            counts = [rows.get((label, f"registry:{version}:{w}")) for w in args.workers]
            if len(counts) > 1 and all(counts):
                scale = counts[-1]["rps"] / counts[0]["rps"]  # type: ignore[index]
                print(f"{label} ({version}): {args.workers[-1]} workers / {args.workers[0]} = {scale:.2f}x")
        if "before" in versions:
            w = args.workers[0]
            now, before = rows.get((label, f"registry:now:{w}")), rows.get((label, f"registry:before:{w}"))
            if now and before:
                print(f"{label}: now / before with {w} worker(s) = {now['rps'] / before['rps']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
