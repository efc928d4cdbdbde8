"""Loading over a store, fast and exact, on SQLite and PostgreSQL: the read path goes through the driver (no
SQLAlchemy, no Alembic while the schema is at the head the code knows), lays the store over the index without
reading the catalog's records, and answers exactly what the records would say."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import modelreg
from modelreg import overlay
from modelreg.catalog import CATALOG_PATH
from modelreg.catalog.index import INDEX_FILE, RECORDS_FILE, load_index
from modelreg.store import Store
from modelreg.store.migrations import HEAD, REVISIONS
from modelreg.store.rows import PriceRow, Row, Snapshot, aware

TODAY = dt.date.today()
LAST_YEAR = TODAY - dt.timedelta(days=365)
NEXT_YEAR = TODAY + dt.timedelta(days=365)
ACME = {"id": "acme", "name": "ACME Corp"}
BOT = {
    "id": "acme/bot",
    "provider": "acme",
    "name": "bot",
    "family": "acme",
    "aliases": ["acme-bot"],
    "pricing": {"input": "0.3", "output": "1.2"},
}
BOT_ROUTE = {
    "id": "azure/acme/bot",
    "platform": "azure",
    "model": "acme/bot",
    "model_string": "acme-bot-eu",
    "pricing": {"input": "0.4", "output": "1.5"},
}


def test_the_head_the_code_knows_is_the_migration_scripts_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from modelreg.store.store import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    script = ScriptDirectory.from_config(config)
    chain = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert list(REVISIONS) == chain and script.get_current_head() == HEAD


def _written(url: str) -> None:
    """A store holding a bit of everything: an override, a hidden route, a created provider, model and
    route, and prices of a catalog model (in force now) and of a created route."""
    reg = modelreg.load(database_url=url)
    reg.update("model", "openai/gpt-4o", {"description": "ours"}, version=0, actor="alice")
    reg.delete("route", "azure/openai/gpt-4", version=0, actor="alice")
    reg.create("provider", ACME, actor="alice")
    reg.create("model", BOT, actor="alice")
    reg.create("route", BOT_ROUTE, actor="alice")
    reg.set_price("openai/gpt-4o", {"input": "2", "output": "8"}, effective_from=LAST_YEAR, actor="alice")
    reg.set_price("azure/acme/bot", {"input": "0.5"}, effective_from=LAST_YEAR, actor="alice")
    assert reg.store is not None
    reg.store.close()


PROBE = """
import json, sys
opened = []
sys.addaudithook(lambda event, args: event == "open" and str(args[0]).endswith("records.json") and opened.append(1))
import modelreg
reg = modelreg.load(database_url=sys.argv[1])
names = json.loads(sys.argv[2])
costs = {n: str(reg.cost(n, input_tokens=1000, output_tokens=500).total) for n in names}
gone = [n for n in ("azure/openai/gpt-4", "azure/gpt-4") if n in reg.names()]
loaded = sorted(m for m in ("sqlalchemy", "alembic") if m in sys.modules)
print(json.dumps({"costs": costs, "gone": gone, "loaded": loaded, "records_read": bool(opened)}))
"""


CATALOG_NAMES = ["gpt-4o", "openai/gpt-4o", "azure/gpt-4o", "claude-sonnet-4-5"]


def _probe(url: str, names: list[str]) -> dict[str, Any]:
    """Load over the store at ``url`` in a new process and price ``names``: what it answered, which modules
    it imported and whether it read the catalog's records."""
    command = [sys.executable, "-c", PROBE, url, json.dumps(names)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    said: dict[str, Any] = json.loads(done.stdout)
    return said


def test_loading_over_a_store_reads_it_through_the_driver_alone(database_url: str) -> None:
    _written(database_url)
    said = _probe(database_url, [*CATALOG_NAMES, "acme/bot", "acme-bot", "azure/acme-bot-eu"])
    assert said["loaded"] == [] and said["records_read"] is False and said["gone"] == []
    reg = modelreg.load(database_url=database_url)  # in this process: the records' answers, through pricing()
    for name, total in said["costs"].items():
        pricing = reg.pricing(name)
        expected = (1000 * pricing.input + 500 * pricing.output) / 1_000_000
        assert Decimal(total) == expected, name
    assert Decimal(said["costs"]["gpt-4o"]) == Decimal("0.006")  # 1000 at $2 + 500 at $8 per million: the stored price
    assert Decimal(said["costs"]["azure/acme-bot-eu"]) == Decimal("0.00125")  # $0.5 stored, $1.5 carried over


def test_an_empty_store_costs_nothing(database_url: str) -> None:
    Store.open(database_url).close()
    said = _probe(database_url, CATALOG_NAMES)
    plain = modelreg.load()
    assert said["loaded"] == [] and said["records_read"] is False
    for name in CATALOG_NAMES:
        assert said["costs"][name] == str(plain.cost(name, input_tokens=1000, output_tokens=500).total)


def test_the_snapshot_the_driver_reads_is_the_one_sqlalchemy_reads(database_url: str) -> None:
    _written(database_url)
    store = Store.open(database_url)
    from modelreg.store import tables

    with store.engine.connect() as conn:  # the same tables read through SQLAlchemy Core, as before
        counter = conn.execute(sa.select(tables.counter.c.value)).scalar_one()
        rows = {
            (r.kind, r.id): Row(r.kind, r.id, r.mode, r.data, r.version, aware(r.updated_at), r.updated_by)
            for r in conn.execute(sa.select(tables.records))
        }
        prices: dict[str, list[PriceRow]] = {}
        for p in conn.execute(sa.select(tables.prices).order_by(tables.prices.c.subject, tables.prices.c.id)):
            row = PriceRow(
                p.id, p.subject, p.effective_from, p.effective_until, p.pricing, aware(p.created_at), p.created_by
            )
            prices.setdefault(p.subject, []).append(row)
        timelines = {t.subject: t.version for t in conn.execute(sa.select(tables.timelines))}
    assert store.snapshot() == Snapshot(counter, rows, prices, timelines)
    assert counter == 7 and len(rows) == 5 and len(prices) == 2
    store.close()


def test_a_store_at_an_older_schema_is_migrated_when_opened(database_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from modelreg.store.engine import make_engine
    from modelreg.store.store import MIGRATIONS

    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, REVISIONS[-2])
    engine.dispose()
    reg = modelreg.load(database_url=database_url)  # migrates: the revision is not the head
    assert reg.store is not None and reg.store._reader.revisions() == (HEAD,)
    reg.set_price("openai/gpt-4o", {"input": "2"}, effective_from=LAST_YEAR, actor="a")  # needs the head's table
    assert reg.cost("gpt-4o", input_tokens=10**6).total == 2
    reg.store.close()


# -- the index laid over from the rows alone is the one the records give --------------------------------------


@pytest.fixture(scope="module")
def catalog() -> tuple[dict[str, Any], dict[str, Any]]:
    return load_index(f"{CATALOG_PATH}/{INDEX_FILE}"), load_index(f"{CATALOG_PATH}/{RECORDS_FILE}")


def _stamp() -> dt.datetime:
    return dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _rows(draw: st.DrawFn, records: dict[str, Any]) -> Snapshot:
    models, routes = sorted(records["models"]), sorted(records["routes"])
    stored: dict[tuple[str, str], Row] = {}
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["model", "route", "provider"]))
        if kind == "provider":
            stored[("provider", "acme")] = Row("provider", "acme", "add", ACME, 1, _stamp(), "a")
            continue
        mode = draw(st.sampled_from(["override", "hide", "add"]))
        if mode == "add":
            record = dict(BOT if kind == "model" else BOT_ROUTE)
            record_id = record["id"]
        else:
            record_id = draw(st.sampled_from(models if kind == "model" else routes))
            field = draw(st.sampled_from(["description", "tags", "lifecycle", "aliases", "priority"]))
            value: Any = {"description": "ours", "tags": ["x"], "lifecycle": {"deprecation_date": "2020-01-01"}}
            record = {field: value.get(field, ["our-name"] if field == "aliases" else 7)}
        stored[(kind, record_id)] = Row(kind, record_id, mode, record, 1, _stamp(), "a")
    prices: dict[str, list[PriceRow]] = {}
    for n in range(draw(st.integers(0, 3))):
        subject = draw(st.sampled_from([*models[:50], *routes[:50], "acme/bot", "azure/acme/bot", "nobody/nothing"]))
        starts = sorted(draw(st.lists(st.sampled_from([LAST_YEAR, TODAY, NEXT_YEAR]), min_size=1, max_size=2)))
        timeline = [
            PriceRow(
                10 * n + i,
                subject,
                day,
                starts[i + 1] if i + 1 < len(starts) else None,
                {"input": str(i + 1)},
                _stamp(),
                "a",
            )
            for i, day in enumerate(starts)
        ]
        prices[subject] = timeline
    return Snapshot(1, stored, prices, {s: 1 for s in prices})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_the_index_from_the_rows_alone_is_the_one_the_records_give(
    catalog: tuple[dict[str, Any], dict[str, Any]], data: st.DataObject
) -> None:
    index, records = catalog
    snapshot = data.draw(st.composite(lambda draw: _rows(draw, records))())
    fast = overlay.hot_index(index, snapshot, TODAY)
    if fast is not None:
        assert fast == overlay.apply(index, records, snapshot, TODAY)[0]


def test_the_common_rows_need_no_records(catalog: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """Overrides of fields the index does not hold, hiding, creating, and prices in force are laid over the
    index alone; an override of a model's aliases, or a price that starts next year, needs the records."""
    index, records = catalog

    def row(kind: str, record_id: str, mode: str, data: dict[str, Any]) -> Row:
        return Row(kind, record_id, mode, data, 1, _stamp(), "a")

    common = Snapshot(
        3,
        {
            ("model", "openai/gpt-4o"): row("model", "openai/gpt-4o", "override", {"description": "x"}),
            ("route", "azure/openai/gpt-4"): row("route", "azure/openai/gpt-4", "hide", {}),
            ("model", "acme/bot"): row("model", "acme/bot", "add", BOT),
        },
        {"openai/gpt-4o": [PriceRow(1, "openai/gpt-4o", LAST_YEAR, None, {"input": "2"}, _stamp(), "a")]},
        {"openai/gpt-4o": 1},
    )
    assert overlay.hot_index(index, common, TODAY) == overlay.apply(index, records, common, TODAY)[0]
    renamed = row("model", "openai/gpt-4o", "override", {"aliases": ["o"]})
    aliases = common._replace(records={("model", "openai/gpt-4o"): renamed})
    later = common._replace(
        prices={"openai/gpt-4o": [PriceRow(1, "openai/gpt-4o", NEXT_YEAR, None, {"input": "2"}, _stamp(), "a")]}
    )
    assert overlay.hot_index(index, aliases, TODAY) is None and overlay.hot_index(index, later, TODAY) is None


@pytest.fixture()
def reader_and_writer(database_url: str) -> Iterator[tuple[modelreg.Registry, modelreg.Registry]]:
    reader = modelreg.load(database_url=database_url, poll_interval_ms=1000)
    writer = modelreg.load(database_url=database_url, poll_interval_ms=1000)
    yield reader, writer
    for reg in (reader, writer):
        assert reg.store is not None
        reg.store.close()


def test_reads_see_others_commits_within_the_poll_interval_and_their_own_writes_at_once(
    reader_and_writer: tuple[modelreg.Registry, modelreg.Registry],
) -> None:
    import time

    reader, writer = reader_and_writer
    writer.update("model", "openai/gpt-4o", {"description": "one"}, version=0, actor="w")
    assert writer.get("openai/gpt-4o").description == "one"  # its own write, at once (the interval is 1 s)
    asked = time.monotonic()
    assert reader.get("openai/gpt-4o").description == "one"  # its first read asks the store
    writer.update("model", "openai/gpt-4o", {"description": "two"}, version=1, actor="w")
    assert writer.get("openai/gpt-4o").description == "two"
    if time.monotonic() - asked < 0.9:  # (a machine too busy to get here within the interval cannot tell)
        assert reader.get("openai/gpt-4o").description == "one"  # not asked again yet
    time.sleep(max(0.0, asked + 1.05 - time.monotonic()))
    assert reader.get("openai/gpt-4o").description == "two"
    assert reader.cost("gpt-4o", input_tokens=1).total == writer.cost("gpt-4o", input_tokens=1).total


def test_the_poll_interval_comes_from_the_environment(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELREG_POLL_INTERVAL_MS", "0")
    reader, writer = modelreg.load(database_url=database_url), modelreg.load(database_url=database_url)
    assert reader.get("openai/gpt-4o").description is None
    writer.update("model", "openai/gpt-4o", {"description": "seen"}, version=0, actor="w")
    assert reader.get("openai/gpt-4o").description == "seen"  # 0: every read asks
    for reg in (reader, writer):
        assert reg.store is not None
        reg.store.close()
    monkeypatch.setenv("MODELREG_POLL_INTERVAL_MS", "soon")
    with pytest.raises(modelreg.ModelregError, match="MODELREG_POLL_INTERVAL_MS"):
        modelreg.load(database_url=database_url)


def test_a_forked_child_keeps_following_the_store(tmp_path: Path) -> None:
    """A registry polls when the ticker thread says so; a fork leaves that thread behind, not the polls."""
    import os
    import time

    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    reader = modelreg.load(database_url=url, poll_interval_ms=500)
    writer = modelreg.load(database_url=url)
    reader.get("openai/gpt-4o")
    time.sleep(0.6)
    assert reader.get("openai/gpt-4o").description is None  # polled: the next poll waits for a tick
    ready, go = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child reports through its exit code)
        os.read(ready, 1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if reader.get("openai/gpt-4o").description == "after the fork":
                os._exit(0)
            time.sleep(0.01)
        os._exit(1)
    writer.update("model", "openai/gpt-4o", {"description": "after the fork"}, version=0, actor="w")
    os.write(go, b"x")
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0  # the child saw the parent's write
    for reg in (reader, writer):
        assert reg.store is not None
        reg.store.close()
