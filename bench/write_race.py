"""Writers racing through HTTP against two `modelreg serve` processes over one store: the figures the store's
guarantees are about (lost updates, 5xx, price-timeline violations, recovery after dropped connections).

    python bench/write_race.py                                   # SQLite
    python bench/write_race.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    python bench/write_race.py --src /path/to/other/checkout     # the same race against another version

Races, each through real HTTP to two service processes (writers alternate between them):
  * read-modify-write: each writer reads a counter (GET, ETag), writes counter + 1 with If-Match, and
    retries on 412; lost updates = acknowledged writes - the final counter;
  * one ETag, two PATCHes sent at once (one to each process): trials where exactly one is accepted;
  * price writers: concurrent price changes of one model (no If-Match); afterwards the database is read:
    prices open at once (should be 1) and overlapping periods (should be 0);
  * readers during all of it: GET /models and POST /cost, counting 5xx;
  * PostgreSQL only: every backend of the store's database terminated; milliseconds until /readyz is 200
    and a write succeeds again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

API = "/api/registry"
MODEL = "openai/gpt-4o"


@contextmanager
def service(url: str, home: str, src: str | None) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "XDG_DATA_HOME": home}
    if src:
        env["PYTHONPATH"] = str(Path(src) / "src")
    command = [sys.executable, "-c", "from modelreg.cli import main; main()", "serve", "--port", str(port)]
    command += ["--database-url", url]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server (a fresh database is made)")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--each", type=int, default=10, help="acknowledged writes per read-modify-write writer")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--src", default=None, help="another checkout to run (its src/ goes first on the path)")
    args = parser.parse_args()
    if args.src:
        sys.path.insert(0, str(Path(args.src) / "src"))
    import modelreg
    from modelreg.store import Store

    home = tempfile.mkdtemp(prefix="modelreg-race-")
    url, admin, name = f"sqlite:///{home}/store.sqlite3", None, None
    if args.database_url:
        import psycopg

        admin = psycopg.connect(args.database_url, autocommit=True)
        name = f"modelreg_race_{uuid.uuid4().hex[:10]}"
        admin.execute(f'CREATE DATABASE "{name}"')
        url = args.database_url.rsplit("/", 1)[0] + f"/{name}"
    store = Store.open(url)
    headers = {"Authorization": f"Bearer {store.create_key('racer', 'editor')}"}
    store.close()
    statuses: Counter[int | str] = Counter()
    stop = threading.Event()
    figures: dict[str, str] = {}
    try:
        with service(url, home, args.src) as one, service(url, home, args.src) as two:

            def reader(base: str) -> None:
                seen: Counter[int | str] = Counter()
                with httpx.Client(timeout=60) as http:
                    while not stop.is_set():
                        try:
                            seen[http.get(f"{base}{API}/models?limit=100").status_code] += 1
                            cost = http.post(f"{base}{API}/cost", json={"model": "gpt-4o", "input_tokens": 9})
                            seen[cost.status_code] += 1
                        except httpx.TransportError:
                            seen["connection failed"] += 1
                statuses.update(seen)

            readers = [threading.Thread(target=reader, args=(base,)) for base in (one, two)]
            for thread in readers:
                thread.start()

            acked, refused, failed = [0], [0], Counter[int]()

            def incrementer(n: int) -> None:
                done = 0
                with httpx.Client(headers=headers, timeout=60) as http:
                    for attempt in itertools.count():
                        if done == args.each or attempt > args.each * 200:
                            break
                        read, write = ((one, two), (two, one))[(n + attempt) % 2]
                        got = http.get(f"{read}{API}/models/{MODEL}")
                        count = int(got.json().get("description") or 0)
                        tag = {"If-Match": got.headers["etag"]} if "etag" in got.headers else {}
                        change = {"description": str(count + 1)}
                        put = http.patch(f"{write}{API}/models/{MODEL}", json=change, headers=tag)
                        if put.status_code == 200:
                            done += 1
                            acked[0] += 1
                        elif put.status_code in (409, 412):
                            refused[0] += 1
                        else:
                            failed[put.status_code] += 1

            started = time.perf_counter()
            run([threading.Thread(target=incrementer, args=(n,)) for n in range(args.writers)])
            final = int(httpx.get(f"{one}{API}/models/{MODEL}").json().get("description") or 0)
            figures["read-modify-write: acknowledged / refused (409, 412) / other errors"] = (
                f"{acked[0]} / {refused[0]} / {dict(failed) or 0} in {time.perf_counter() - started:.1f} s"
            )
            figures["lost updates (acknowledged - final counter)"] = str(acked[0] - final)

            exactly_one = 0
            with (
                httpx.Client(headers=headers, timeout=60) as first,
                httpx.Client(headers=headers, timeout=60) as second,
            ):
                for trial in range(args.trials):
                    tag = first.get(f"{one}{API}/models/{MODEL}").headers.get("etag", "*")
                    gate = threading.Barrier(2)
                    codes: list[int] = []

                    def send(
                        http: httpx.Client,
                        base: str,
                        text: str,
                        tag: str = tag,
                        gate: threading.Barrier = gate,
                        codes: list[int] = codes,
                    ) -> None:
                        gate.wait()
                        answer = http.patch(
                            f"{base}{API}/models/{MODEL}", json={"description": text}, headers={"If-Match": tag}
                        )
                        codes.append(answer.status_code)

                    run(
                        [
                            threading.Thread(target=send, args=(first, one, f"a{trial}")),
                            threading.Thread(target=send, args=(second, two, f"b{trial}")),
                        ]
                    )
                    exactly_one += codes.count(200) == 1
            figures["one ETag, two PATCHes at once: trials with exactly one accepted"] = (
                f"{exactly_one} of {args.trials}"
            )

            days = itertools.count()
            lock = threading.Lock()
            price_codes: Counter[int] = Counter()

            def pricer(n: int) -> None:
                with httpx.Client(headers=headers, timeout=60) as http:
                    for k in range(10):
                        with lock:
                            offset = next(days)
                        start = (dt.date(2030, 1, 1) + dt.timedelta(days=offset)).isoformat()
                        base = (one, two)[(n + k) % 2]
                        change = {"input": str(n + 1), "effective_from": start}
                        answer = http.patch(f"{base}{API}/models/{MODEL}/pricing", json=change)
                        with lock:
                            price_codes[answer.status_code] += 1

            run([threading.Thread(target=pricer, args=(n,)) for n in range(args.writers)])
            stop.set()
            for thread in readers:
                thread.join()
            check = Store.open(url)
            rows = check.snapshot().prices.get(MODEL, [])
            check.close()
            open_now = sum(r.effective_until is None for r in rows)
            ordered = sorted(rows, key=lambda r: (r.effective_from, r.id))
            overlaps = sum(
                1
                for a, b in itertools.pairwise(ordered)
                if a.effective_until is None or a.effective_until > b.effective_from
            )
            figures["price changes: answers"] = str(dict(price_codes))
            figures["prices open at once (1 is right) / overlapping periods"] = f"{open_now} / {overlaps}"
            figures["readers during the races: answers (5xx are failures)"] = str(dict(statuses))

            if admin is not None:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                )
                dropped = time.perf_counter()
                with httpx.Client(headers=headers, timeout=10) as http:
                    while True:
                        try:
                            ready = http.get(f"{one}/readyz").status_code == 200
                            back = {"description": "back"}
                            if ready and http.patch(f"{one}{API}/models/{MODEL}", json=back).status_code == 200:
                                break
                        except httpx.TransportError:
                            pass
                        if time.perf_counter() - dropped > 60:
                            break
                        time.sleep(0.02)
                took = time.perf_counter() - dropped
                recovered = f"{took * 1000:.0f} ms" if took <= 60 else "not within 60 s"
                figures["recovery after pg_terminate_backend (ready and writing again)"] = recovered
        _ = modelreg  # the version under test was imported from --src when given
    finally:
        stop.set()
        if admin is not None:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()
    engine = "postgresql" if args.database_url else "sqlite"
    print(f"| {engine}: {args.writers} writers, two `modelreg serve` processes | measured |")
    print("| --- | --- |")
    for label, value in figures.items():
        print(f"| {label} | {value} |")


if __name__ == "__main__":
    main()
