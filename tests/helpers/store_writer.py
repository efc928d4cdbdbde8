"""A separate writer process for the concurrency and crash tests (run as a script, not collected).

store_writer.py URL increments WORKER COUNT   -> adds COUNT tags to openai/gpt-4o, retrying conflicts;
                                                 prints {"done": n, "conflicts": m} as JSON
store_writer.py URL hold                      -> opens a write transaction, writes, prints "ready", and
                                                 waits (to be killed before it commits)
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import sqlalchemy as sa

import modelreg
from modelreg.store import Store

MODEL = "openai/gpt-4o"


def increments(url: str, worker: int, count: int) -> None:
    warnings.simplefilter("ignore")
    reg = modelreg.load(database_url=url)
    done = conflicts = 0
    while done < count:
        version = reg.version("model", MODEL)
        tags = reg.get(MODEL).tags
        time.sleep(0.002)  # widen the read-to-write window so that writers really race
        try:
            reg.update(
                "model", MODEL, {"tags": [*tags, f"w{worker}-{done}"]}, version=version, actor=f"writer-{worker}"
            )
        except modelreg.ConflictError:
            conflicts += 1
            continue
        done += 1
    print(json.dumps({"done": done, "conflicts": conflicts}), flush=True)


def hold(url: str) -> None:
    store = Store.open(url)
    store.put("model", "acme/committed", "add", {"id": "acme/committed"}, version=0, actor="crash", action="create")
    with store.engine.connect().execution_options(modelreg_write=True) as conn, conn.begin():
        conn.execute(
            sa.text(
                "INSERT INTO modelreg_records (kind, id, mode, data, version, updated_at, updated_by) "
                "VALUES ('model', 'acme/uncommitted', 'add', '{}', 1, CURRENT_TIMESTAMP, 'crash')"
            )
        )
        print("ready", flush=True)
        time.sleep(120)  # killed here, mid-transaction


if __name__ == "__main__":
    if sys.argv[2] == "increments":
        increments(sys.argv[1], int(sys.argv[3]), int(sys.argv[4]))
    else:
        hold(sys.argv[1])
