"""How long `modelreg publish` takes for the whole bundled registry, and how many objects it writes, against
moto's S3 server on 127.0.0.1 (a real HTTP endpoint; each step a fresh `python -m modelreg.cli` process,
sources compiled first, bytecode kept):

1. the first publish into an empty bucket: every object written;
2. the same publish again: nothing changed, so nothing is written (0 objects, not even the index);
3. `modelreg.load(source="s3://…")` in a new process: cold (an empty cache: the manifest and the compiled
   catalog fetched) and warm (within the TTL: no request).

moto answers each request in several milliseconds of its own (measured first: a PUT and a LIST page), so
the publish times are mostly moto's; against S3 the writes go 16 at a time.

    python bench/publish.py
"""

from __future__ import annotations

import compileall
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
_LOAD = """
import sys, time
started = time.perf_counter()
import modelreg
reg = modelreg.load(source=sys.argv[1])
print(len(reg), round(time.perf_counter() - started, 3))
"""


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return seconds, done.stdout


def moto_baseline(endpoint: str) -> tuple[float, float]:
    """Milliseconds moto takes for one small PUT (sequential) and for one LIST page of 1,000 keys."""
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket="baseline")
    started = time.perf_counter()
    for n in range(1000):
        client.put_object(Bucket="baseline", Key=f"k/{n:04d}.json", Body=b"{}" * 200)
    put = (time.perf_counter() - started) / 1000 * 1000
    started = time.perf_counter()
    client.list_objects_v2(Bucket="baseline", Prefix="k/")
    return put, (time.perf_counter() - started) * 1000


def main() -> None:
    from moto.server import ThreadedMotoServer

    compileall.compile_dir(str(ROOT / "src"), quiet=1, workers=0)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.update(CREDENTIALS)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    put_ms, list_ms = moto_baseline(endpoint)

    import boto3

    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="bench")
    url = "s3://bench/registry"
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "MODELREG_DATABASE_URL")},
            "XDG_DATA_HOME": folder,  # no store: the bundled catalog as it ships
            "MODELREG_CACHE_DIR": f"{folder}/cache",
            "MODELREG_S3_ENDPOINT_URL": endpoint,
        }
        publish = [sys.executable, "-m", "modelreg.cli", "publish", url, "--endpoint-url", endpoint, "--json"]
        for label in ("first publish (empty bucket)", "second publish (no change)"):
            seconds, out = timed(publish, env)
            report: dict[str, Any] = json.loads(out)
            what = (
                f"{report['objects']} layout objects; {report['written']} written, {report['skipped']} unchanged; "
                f"publish itself {report['seconds']:.2f} s"
            )
            rows.append((label, seconds, what))
        for label in ("load(source=s3://…), empty cache", "load(source=s3://…), within the TTL"):
            seconds, out = timed([sys.executable, "-c", _LOAD, url], env)
            models, inside = out.split()
            rows.append((label, seconds, f"{models} models; load itself {inside} s"))
    server.stop()

    print(f"moto: {put_ms:.1f} ms per PUT (one at a time), {list_ms:.0f} ms per LIST page of 1,000 keys\n")
    print("| step | wall s | result |")
    print("| --- | ---: | --- |")
    for label, seconds, what in rows:
        print(f"| {label} | {seconds:.2f} | {what} |")


if __name__ == "__main__":
    main()
