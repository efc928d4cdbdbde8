"""How long `modelreg store import` takes for a large export, in a fresh process, as a user runs it.

    python bench/store_import.py                      # 100,000 models (every 10th with a price change)
    python bench/store_import.py --format json        # the same export as JSON (what PyYAML reads slowest: YAML)
    python bench/store_import.py --records 2000
    python bench/store_import.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    python bench/store_import.py --records 2000 --src /path/to/other/checkout   # time another version

The export is written to a temporary folder, then imported into an empty store (a temporary SQLite file
unless --database-url names one; a PostgreSQL URL gets a fresh database, dropped afterwards). Prints a
Markdown table: wall seconds (what a user waits, the machine's other load included) and the CPU seconds of
the importing process (what the import itself costs), and the counts the command printed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any


def export_document(records: int) -> dict[str, Any]:
    """A store export of ``records`` new models, every tenth with one price change."""
    models = [
        {
            "id": f"openai/bulk-{n}",
            "provider": "openai",
            "name": f"bulk-{n}",
            "family": "gpt",
            "capabilities": ["chat", "tools"],
            "limits": {"context_window": 128000, "max_output_tokens": 16384},
            "pricing": {"input": "0.5", "output": "1.5", "cache_read": "0.05"},
        }
        for n in range(records)
    ]
    prices = [
        {"subject": f"openai/bulk-{n}", "effective_from": "2026-01-01", "pricing": {"input": "0.4"}}
        for n in range(0, records, 10)
    ]
    return {"models": models, "prices": prices}


def export_yaml(records: int) -> str:
    """The same export as YAML, written line by line (as `modelreg store export` writes it, quickly)."""
    lines = ["models:"]
    for n in range(records):
        lines += [
            f"- id: openai/bulk-{n}",
            "  provider: openai",
            f"  name: bulk-{n}",
            "  family: gpt",
            "  capabilities: [chat, tools]",
            "  limits: {context_window: 128000, max_output_tokens: 16384}",
            "  pricing: {input: 0.5, output: 1.5, cache_read: 0.05}",
        ]
    lines.append("prices:")
    for n in range(0, records, 10):
        lines += [f"- subject: openai/bulk-{n}", "  effective_from: '2026-01-01'", "  pricing: {input: 0.4}"]
    return "\n".join(lines) + "\n"


def fresh_postgres(url: str) -> tuple[str, str]:
    import psycopg

    name = f"modelreg_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + f"/{name}", name


def drop_postgres(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL server to use (a fresh database)")
    parser.add_argument("--src", default=None, help="another checkout to time (its src/ goes first on the path)")
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml", help="the export file's format")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="modelreg-bench-") as folder:
        file = Path(folder) / f"export.{args.format}"
        if args.format == "json":
            file.write_text(json.dumps(export_document(args.records)), encoding="utf-8")
        else:
            file.write_text(export_yaml(args.records), encoding="utf-8")
        dropped = None
        url = f"sqlite:///{Path(folder) / 'store.sqlite3'}"
        if args.database_url:
            url, dropped = fresh_postgres(args.database_url)
        env = {**os.environ, "XDG_DATA_HOME": folder, "MODELREG_DATABASE_URL": url, "COLUMNS": "200"}
        if args.src:
            env["PYTHONPATH"] = str(Path(args.src) / "src")
        command = [sys.executable, "-c", "from modelreg.cli import main; main()", "store", "import", str(file)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if dropped and args.database_url:
            drop_postgres(args.database_url, dropped)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    said = (done.stdout + done.stderr).strip().splitlines()
    print("| records | file | store | wall s | CPU s | exit | printed |")
    print("| ---: | --- | --- | ---: | ---: | ---: | --- |")
    engine = "postgresql" if args.database_url else "sqlite"
    printed = said[-1] if said else ""
    print(f"| {args.records:,} | {args.format} | {engine} | {wall:.1f} | {cpu:.1f} | {done.returncode} | {printed} |")


if __name__ == "__main__":
    main()
