"""`modelreg sync`: merge upstream snapshots by the build's rules, diff against the registry, apply what is
safe in one transaction, hold what needs a person, keep local edits, reject what breaks an invariant."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import modelreg
from modelreg.errors import ConflictError
from modelreg.store.syncstate import SyncState
from modelreg.sync.run import SourceSpec, Syncer

from .conftest import fresh_postgres

runner = CliRunner(env={"COLUMNS": "200"})
# PostgreSQL runs the tests where the database decides (applying, the review queue, concurrent syncs);
# the rest is the same code over either database and runs on SQLite alone, to keep the suite quick.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
LITELLM = Path("litellm/model_prices_and_context_window.json")
MODELSDEV = Path("models.dev/api.json")

NEW_MODEL = "openai/gpt-9-test"
NUDGED = "anthropic/claude-fable-5-1"  # priced by LiteLLM alone: its price moves by 10%
TRIPLED = "anthropic/claude-mythos-5"  # priced by LiteLLM alone: its output price triples
GONE = "openai/ft:davinci-002"  # known to LiteLLM alone: its entry disappears
BROKEN = "anthropic/claude-haiku-5-5"  # LiteLLM alone: its cache read comes to cost more than its input


def edited_litellm(upstream_dir: Path, target: Path, *, fable_input: float = 1.1e-05) -> Path:
    data = json.loads((upstream_dir / LITELLM).read_text())
    data["gpt-9-test"] = dict(data["gpt-4o"])
    fable = {"input_cost_per_token": fable_input, "input_cost_per_token_batches": fable_input / 2}
    data["claude-fable-5-1"] = {**data["claude-fable-5-1"], **fable}
    data["claude-mythos-5"] = {**data["claude-mythos-5"], "output_cost_per_token": 1.5e-04}
    del data["ft:davinci-002"]
    data["claude-haiku-5-5"] = {**data["claude-haiku-5-5"], "cache_read_input_token_cost": 5e-07}
    target.write_text(json.dumps(data))
    return target


def sync(reg: modelreg.Registry, *specs: str, **options: Any) -> Any:
    dry_run, force = options.pop("dry_run", False), options.pop("force", False)
    return Syncer(reg, **options).run([SourceSpec.parse(s) for s in specs], dry_run=dry_run, force=force)


def store_checksum(reg: modelreg.Registry) -> str:
    """Every row of every table of the store, in key order, hashed."""
    import sqlalchemy as sa

    from modelreg.store import tables

    assert reg.store is not None
    digest = hashlib.sha256()
    with reg.store.engine.connect() as conn:
        for table in tables.metadata.sorted_tables:
            for row in conn.execute(sa.select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


@SQLITE_ONLY
def test_syncing_the_bundled_snapshots_changes_nothing_and_a_second_sync_does_no_work(
    writable: modelreg.Registry, upstream_dir: Path
) -> None:
    specs = (f"litellm={upstream_dir / LITELLM}", f"models.dev={upstream_dir / MODELSDEV}")
    first = sync(writable, *specs)
    assert len(first.found) == 0 and first.logged == 0
    assert {o.status for o in first.outcomes.values()} == {"applied"}
    assert first.outcomes["litellm"].records > 3000
    second = sync(writable, *specs)
    assert {o.status for o in second.outcomes.values()} == {"unchanged"}
    assert second.outcomes["litellm"].records == 0  # the digest matched: nothing was parsed
    assert writable.store is not None
    runs = SyncState(writable.store).last_runs()
    assert runs["litellm"].status == "unchanged" and runs["models.dev"].status == "unchanged"


def test_a_sync_applies_safe_changes_holds_large_ones_and_rejects_broken_records(
    writable: modelreg.Registry, upstream_dir: Path, tmp_path: Path
) -> None:
    before_fable = writable.pricing(NUDGED).input
    snapshot = edited_litellm(upstream_dir, tmp_path / "litellm.json")
    report = sync(writable, f"litellm={snapshot}", as_of=dt.date(2026, 11, 1))

    assert report.outcomes["litellm"].status == "applied"
    applied = {(c.subject, c.what) for c in report.applied}
    assert (NEW_MODEL, "added") in applied and (NUDGED, "price") in applied
    held = {(c.subject, c.what) for c, _ in report.held}
    assert (TRIPLED, "price") in held and (GONE, "removed") in held
    assert BROKEN in {c.subject for c, _ in report.rejected}

    fresh = modelreg.load(database_url=_url(writable))
    assert fresh.get(NEW_MODEL).pricing.input == Decimal("2.5")
    assert fresh.resolve("gpt-9-test").id == NEW_MODEL
    assert fresh.pricing(NUDGED).input == Decimal("11")
    assert fresh.pricing(NUDGED, at=dt.date(2026, 10, 31)).input == before_fable  # history kept
    assert fresh.pricing(TRIPLED).output == Decimal("50")  # held: unchanged until accepted
    assert fresh.get(GONE).id == GONE  # held: still here
    assert fresh.pricing(BROKEN).cache_read == Decimal("0.01")  # rejected: unchanged
    actors = {c.actor for c in fresh.history("model", NEW_MODEL)}
    assert actors == {"sync:litellm"}
    assert {c.actor for c in fresh.history("model", NUDGED)} == {"sync:litellm"}


def _url(reg: modelreg.Registry) -> str:
    assert reg.store is not None
    return reg.store._address


def test_held_changes_wait_for_a_person(writable: modelreg.Registry, upstream_dir: Path, tmp_path: Path) -> None:
    snapshot = edited_litellm(upstream_dir, tmp_path / "litellm.json")
    sync(writable, f"litellm={snapshot}", as_of=dt.date(2026, 11, 1))
    from modelreg.sync import review

    pending = {(r.subject, r.change["what"]): r for r in review.pending(writable)}
    assert (TRIPLED, "price") in pending and (GONE, "removed") in pending
    assert "moved 200%" in pending[(TRIPLED, "price")].reason

    review.accept(writable, pending[(TRIPLED, "price")].id, by="alice")
    review.reject(writable, pending[(GONE, "removed")].id, by="alice")
    with pytest.raises(ConflictError):
        review.accept(writable, pending[(GONE, "removed")].id, by="bob")  # decided once

    fresh = modelreg.load(database_url=_url(writable))
    assert fresh.pricing(TRIPLED).output == Decimal("150")
    assert fresh.get(GONE).id == GONE
    assert [c.actor for c in fresh.history("model", TRIPLED)] == ["sync:litellm"]
    assert {(r.subject, r.change["what"]) for r in review.pending(fresh)} == {
        (s, w) for (s, w) in pending if (s, w) not in ((TRIPLED, "price"), (GONE, "removed"))
    }
    # the same snapshot again queues nothing twice and re-applies nothing
    again = sync(fresh, f"litellm={snapshot}", force=True, as_of=dt.date(2026, 11, 2))
    assert NEW_MODEL not in {c.subject for c in again.applied}
    assert len(review.pending(fresh)) == len(pending) - 2


@SQLITE_ONLY
def test_local_edits_win_over_sync(writable: modelreg.Registry, upstream_dir: Path, tmp_path: Path) -> None:
    version = writable.version("model", NUDGED)
    writable.update("model", NUDGED, {"limits": {"max_output_tokens": 64000}}, version=version, actor="alice")
    writable.set_price(NUDGED, {"input": "9", "output": "45"}, effective_from=dt.date(2026, 10, 1), actor="alice")
    data = json.loads((upstream_dir / LITELLM).read_text())
    data["claude-fable-5-1"] = {
        **data["claude-fable-5-1"],
        "max_output_tokens": 100000,
        "input_cost_per_token": 1.1e-05,
    }
    (tmp_path / "litellm.json").write_text(json.dumps(data))

    report = sync(writable, f"litellm={tmp_path / 'litellm.json'}", as_of=dt.date(2026, 11, 1))
    kept = {(c.subject, c.field) for c, _ in report.kept}
    assert (NUDGED, "limits") in kept and (NUDGED, "pricing") in kept
    fresh = modelreg.load(database_url=_url(writable))
    assert fresh.get(NUDGED).limits.max_output_tokens == 64000
    assert fresh.pricing(NUDGED).input == Decimal("9")


@SQLITE_ONLY
def test_a_dry_run_changes_nothing(writable: modelreg.Registry, upstream_dir: Path, tmp_path: Path) -> None:
    snapshot = edited_litellm(upstream_dir, tmp_path / "litellm.json")
    writable.store.counter()  # type: ignore[union-attr]  # the store exists and is migrated
    before = store_checksum(writable)
    report = sync(writable, f"litellm={snapshot}", dry_run=True)
    assert report.dry_run and len(report.applied) >= 2
    assert store_checksum(writable) == before
    assert NEW_MODEL not in modelreg.load(database_url=_url(writable))


@SQLITE_ONLY
def test_failing_sources_change_nothing_and_the_others_are_applied(
    writable: modelreg.Registry, upstream_dir: Path, tmp_path: Path
) -> None:
    snapshot = edited_litellm(upstream_dir, tmp_path / "litellm.json")
    truncated = tmp_path / "api.json"
    truncated.write_bytes((upstream_dir / MODELSDEV).read_bytes()[:5000])
    wrong_shape = tmp_path / "data.json"
    wrong_shape.write_text('{"providers": "moved"}')
    report = sync(writable, f"litellm={snapshot}", f"models.dev={truncated}", f"genai-prices={wrong_shape}")

    assert report.outcomes["litellm"].status == "applied"
    failed = {o.source: o.message for o in report.failed}
    assert set(failed) == {"models.dev", "genai-prices"}
    assert "models.dev" in failed["models.dev"] and "api.json" in failed["models.dev"]
    assert "genai-prices" in failed["genai-prices"]
    assert {c.source for c in report.applied} == {"litellm"}
    assert writable.store is not None
    state = SyncState(writable.store)
    assert set(state.baselines()) == {"litellm"}  # the failing sources keep no new snapshot
    runs = state.last_runs()
    assert runs["models.dev"].status == "failed" and runs["litellm"].status == "applied"
    assert NEW_MODEL in modelreg.load(database_url=_url(writable))


@SQLITE_ONLY
def test_price_history_grows_from_successive_snapshots(
    writable: modelreg.Registry, upstream_dir: Path, tmp_path: Path
) -> None:
    for day, price in ((dt.date(2026, 1, 1), 9e-06), (dt.date(2026, 2, 1), 8e-06), (dt.date(2026, 3, 1), 7e-06)):
        snapshot = edited_litellm(upstream_dir, tmp_path / f"litellm-{day}.json", fable_input=price)
        sync(writable, f"litellm={snapshot}", as_of=day)
    fresh = modelreg.load(database_url=_url(writable))
    assert fresh.pricing(NUDGED).input == Decimal("7")
    assert fresh.pricing(NUDGED, at=dt.date(2025, 12, 31)).input == Decimal("10")
    assert fresh.pricing(NUDGED, at=dt.date(2026, 1, 15)).input == Decimal("9")
    assert fresh.pricing(NUDGED, at=dt.date(2026, 2, 15)).input == Decimal("8")
    history = [(p.effective_from, p.input) for p in fresh.price_history(NUDGED)]
    assert (dt.date(2026, 1, 1), Decimal("9")) in history and (dt.date(2026, 2, 1), Decimal("8")) in history


def test_concurrent_syncs_on_postgresql_apply_once(upstream_dir: Path, tmp_path: Path) -> None:
    snapshot = edited_litellm(upstream_dir, tmp_path / "litellm.json")
    with fresh_postgres() as url:
        modelreg.load(database_url=url)  # migrate once
        outcomes: list[Any] = []

        def one() -> None:
            reg = modelreg.load(database_url=url)
            try:
                outcomes.append(sync(reg, f"litellm={snapshot}"))
            except ConflictError as busy:
                outcomes.append(busy)

        threads = [threading.Thread(target=one) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        fresh = modelreg.load(database_url=url)
        creates = [c for c in fresh.history("model", NEW_MODEL) if c.action == "create"]
        assert len(creates) == 1
        assert fresh.pricing(NUDGED).input == Decimal("11")
        assert len([p for p in fresh.price_history(NUDGED) if p.input == Decimal("11")]) == 1
        assert all(
            isinstance(o, ConflictError) or o.outcomes["litellm"].status in ("applied", "unchanged") for o in outcomes
        )
        assert any(not isinstance(o, ConflictError) and o.logged > 0 for o in outcomes)


# -- the command line --------------------------------------------------------------------------------------


def test_cli_sync_prints_the_diff_as_json_and_markdown(tmp_path: Path, upstream_dir: Path) -> None:
    from modelreg.cli import app

    snapshot = edited_litellm(upstream_dir, tmp_path / "litellm.json")
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    dry = runner.invoke(app, ["sync", "--source", f"litellm={snapshot}", "--dry-run", "--json", "--database-url", url])
    assert dry.exit_code == 0, dry.output
    document = json.loads(dry.stdout)
    assert document["dry_run"] is True
    assert {c["subject"] for c in document["applied"]} >= {NEW_MODEL, NUDGED}
    assert {h["subject"] for h in document["held"]} >= {TRIPLED, GONE}
    assert document["sources"][0]["status"] == "dry-run"

    applied = runner.invoke(app, ["sync", "--source", f"litellm={snapshot}", "--markdown", "--database-url", url])
    assert applied.exit_code == 0, applied.output
    assert "### New models (1)" in applied.stdout and f"| `{NEW_MODEL}` | new | litellm |" in applied.stdout
    assert f"| `{NUDGED}` | input 10 → 11 (+10.0%) | litellm |" in applied.stdout

    listed = runner.invoke(app, ["sync", "review", "--json", "--database-url", url])
    held = {r["subject"]: r["id"] for r in json.loads(listed.stdout)}
    assert TRIPLED in held
    accepted = runner.invoke(app, ["sync", "review", "--accept", str(held[TRIPLED]), "--database-url", url])
    assert accepted.exit_code == 0, accepted.output
    assert modelreg.load(database_url=url).pricing(TRIPLED).output == Decimal("150")

    status = runner.invoke(app, ["sync", "status", "--json", "--database-url", url])
    assert json.loads(status.stdout)["litellm"]["status"] == "applied"


def test_cli_sync_exits_3_when_some_sources_fail(tmp_path: Path, upstream_dir: Path) -> None:
    from modelreg.cli import app

    bad = tmp_path / "api.json"
    bad.write_text("{not json")
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    result = runner.invoke(
        app, ["sync", "-s", f"litellm={upstream_dir / LITELLM}", "-s", f"models.dev={bad}", "--database-url", url]
    )
    assert result.exit_code == 3
    assert "models.dev" in result.stderr and "failed" in result.stderr


def test_sync_diff_of_two_snapshots_needs_no_store(tmp_path: Path, upstream_dir: Path) -> None:
    from modelreg.cli import app

    new = edited_litellm(upstream_dir, tmp_path / "new.json")
    result = runner.invoke(app, ["sync", "diff", str(upstream_dir / LITELLM), str(new), "--markdown"])
    assert result.exit_code == 0, result.output
    expected = (Path(__file__).parent / "data" / "sync" / "diff_litellm.md").read_text()
    assert result.stdout.replace(str(upstream_dir / LITELLM), "OLD").replace(str(new), "NEW") == expected

    as_json = runner.invoke(app, ["sync", "diff", str(upstream_dir / LITELLM), str(new), "--json"])
    document = json.loads(as_json.stdout)
    assert document["counts"]["models added"] == 1
    prices = {c["subject"]: c["prices"] for c in document["changes"] if c["what"] == "price"}
    assert {"price": "input", "old": "10", "new": "11", "percent": 10.0} in prices[NUDGED]


def test_write_catalog_rewrites_the_family_files_in_a_checkout(tmp_path: Path, upstream_dir: Path) -> None:
    import shutil

    from modelreg.catalog import CATALOG_DIR
    from modelreg.cli import app

    checkout = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR, checkout)
    snapshot = edited_litellm(upstream_dir, tmp_path / "litellm.json")
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    result = runner.invoke(
        app, ["sync", "-s", f"litellm={snapshot}", "--write-catalog", str(checkout), "--dry-run", "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    changed = {
        p.name
        for p in (checkout / "models").glob("*.yaml")
        if p.read_text() != (CATALOG_DIR / "models" / p.name).read_text()
    }
    assert "gpt.yaml" in changed
    assert "id: openai/gpt-9-test" in (checkout / "models" / "gpt.yaml").read_text()
    assert (CATALOG_DIR / "models" / "gpt.yaml").read_text().count("gpt-9-test") == 0
