"""Several processes on one store: no update is lost, every conflict is reported, a killed writer leaves
the store clean. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import modelreg
from modelreg.store import Store

WRITER = Path(__file__).parent / "helpers" / "store_writer.py"
WRITERS, EACH = 8, 10


def test_eight_writers_lose_nothing_and_report_every_conflict(database_url: str) -> None:
    Store.open(database_url).close()  # migrate once, before the race
    procs = [
        subprocess.Popen(
            [sys.executable, str(WRITER), database_url, "increments", str(i), str(EACH)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(WRITERS)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    reg = modelreg.load(database_url=database_url)
    tags = reg.get("openai/gpt-4o").tags
    expected = {f"w{i}-{k}" for i in range(WRITERS) for k in range(EACH)}
    assert expected <= set(tags)  # every update landed: none overwrote another
    assert sum(r["done"] for r in results) == WRITERS * EACH
    updates = reg.history("model", "openai/gpt-4o")
    assert len(updates) == WRITERS * EACH  # exactly one change per successful update
    assert reg.version("model", "openai/gpt-4o") == WRITERS * EACH
    # the writers raced, and each stale version was reported to its writer as a ConflictError (and retried)
    assert sum(r["conflicts"] for r in results) > 0
    assert reg.store is not None
    reg.store.close()


def test_a_writer_killed_mid_transaction_leaves_the_last_committed_state(database_url: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), database_url, "hold"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    store = Store.open(database_url)  # opens clean: migrations and the database are intact
    snapshot = store.snapshot()
    assert ("model", "acme/committed") in snapshot.records
    assert ("model", "acme/uncommitted") not in snapshot.records
    store.put("model", "acme/after", "add", {"id": "acme/after"}, version=0, actor="test", action="create")
    assert store.row("model", "acme/after") is not None  # and takes writes again
    store.close()
