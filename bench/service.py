"""The service under load: requests/s, p50/p99 latency and errors at 64 connections, with wrk on loopback,
next to a bare uvicorn "hello" app measured in the same run (the ceiling on this machine).

Both servers run as separate processes with one uvicorn worker and the same uvicorn; the registry serves
the bundled catalog with an empty SQLite store (the embedded default). Traffic goes only to 127.0.0.1.

``--workers N`` serves the registry with N worker processes (the hello app keeps one).

Run: ``bench/.venv/bin/python bench/service.py [--seconds 10] [--connections 64] [--workers 1]``
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
TARGETS = [  # (label, server, path, lua script or None)
    ("hello (ceiling)", "hello", "/", None),
    ("GET /api/registry/models/openai/gpt-4o", "registry", "/api/registry/models/openai/gpt-4o", None),
    (
        "GET /api/registry/resolve?name=…",
        "registry",
        "/api/registry/resolve?name=us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        None,
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1, help="worker processes of the registry")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)")
        return 1
    env = {**os.environ, "MODELREG_DATABASE_URL": f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"}
    ports = {"hello": free_port(), "registry": free_port()}
    uvicorn = [sys.executable, "-m", "uvicorn", "--log-level", "warning", "--host", "127.0.0.1"]
    servers = [
        start(
            [*uvicorn, "--port", str(ports["hello"]), "--app-dir", str(HERE), "hello_app:app"],
            f"http://127.0.0.1:{ports['hello']}/",
            env,
        ),
        start(
            [
                sys.executable,
                "-m",
                "modelreg.cli",
                "serve",
                "--quiet",
                "--port",
                str(ports["registry"]),
                "--workers",
                str(args.workers),
            ],
            f"http://127.0.0.1:{ports['registry']}/healthz",
            env,
        ),
    ]
    try:
        rows = []
        for label, server, path, lua in TARGETS:
            url = f"http://127.0.0.1:{ports[server]}{path}"
            wrk(url, 2, args.connections, lua)  # warm up: caches, first Model objects, connections
            rows.append((label, wrk(url, args.seconds, args.connections, lua)))
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait(timeout=10)
    ceiling = rows[0][1]["rps"]
    workers = f"{args.workers} worker(s) for the registry, one for hello"
    print(f"service: wrk -t2 -c{args.connections} -d{args.seconds}s on 127.0.0.1, {workers}\n")
    print("| endpoint | requests/s | % of ceiling | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|")
    for label, r in rows:
        print(
            f"| {label} | {r['rps']:,.0f} | {100 * r['rps'] / ceiling:.0f}% | {r['p50']:.2f} | {r['p99']:.2f} | "
            f"{r['errors']:.0f} |"
        )
    get = rows[1][1]
    verdict = "met" if get["rps"] >= 0.6 * ceiling and get["p99"] < 20 and get["errors"] == 0 else "NOT met"
    print(f"\ntarget (GET >= 60% of the ceiling, p99 < 20 ms, 0 errors): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
