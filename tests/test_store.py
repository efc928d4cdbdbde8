"""The store under the registry, on SQLite and on a real PostgreSQL server: CRUD, overlay, prices, history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

import modelreg
from modelreg.store import Store

FINE_TUNE = {
    "id": "acme/support-bot-v3",
    "provider": "acme",
    "name": "support-bot-v3",
    "family": "acme",
    "base_model": "openai/gpt-4o-mini",
    "capabilities": ["chat", "tools"],
    "limits": {"context_window": 128000, "max_output_tokens": 16384},
    "pricing": {"input": "0.3", "output": "1.2"},
    "tags": ["fine-tuned"],
}
ACME = {"id": "acme", "name": "ACME Corp"}  # FINE_TUNE's provider: a model of an unknown provider is refused


def test_a_created_model_is_served_like_a_catalog_one(writable: modelreg.Registry) -> None:
    writable.create("provider", ACME, actor="admin")
    created = writable.create("model", FINE_TUNE, actor="alice", message="our fine-tune")
    assert created.id == "acme/support-bot-v3" and created.pricing.input == Decimal("0.3")
    assert writable.resolve("support-bot-v3").id == "acme/support-bot-v3"
    assert writable.cost("acme/support-bot-v3", input_tokens=1_000_000).total == Decimal("0.3")
    assert writable.find_ids(provider="acme") == ["acme/support-bot-v3"]
    assert writable.get("acme/support-bot-v3").sources[-1].source == "store"
    with pytest.raises(modelreg.ConflictError):
        writable.create("model", FINE_TUNE, actor="bob")


def test_an_override_is_visible_as_such_and_reset_brings_the_catalog_back(writable: modelreg.Registry) -> None:
    catalog_output = writable.get("openai/gpt-4o").limits.max_output_tokens
    assert writable.version("model", "openai/gpt-4o") == 0
    updated = writable.update(
        "model",
        "openai/gpt-4o",
        {"limits": {"max_output_tokens": 32768}, "description": "our notes"},
        version=0,
        actor="alice",
        message="raised limit",
    )
    assert updated.limits.max_output_tokens == 32768 and updated.limits.context_window == 128000
    store_source = updated.sources[-1]
    assert store_source.source == "store" and store_source.by == "alice"
    assert store_source.fields == ["description", "limits"] and store_source.as_of
    assert writable.version("model", "openai/gpt-4o") == 1
    writable.reset("model", "openai/gpt-4o", version=1, actor="alice")
    assert writable.get("openai/gpt-4o").limits.max_output_tokens == catalog_output
    assert writable.get("openai/gpt-4o").description is None


def test_a_stale_version_is_a_conflict_not_a_lost_update(writable: modelreg.Registry) -> None:
    writable.update("model", "openai/gpt-4o", {"description": "first"}, version=0, actor="alice")
    with pytest.raises(modelreg.ConflictError) as info:
        writable.update("model", "openai/gpt-4o", {"description": "second"}, version=0, actor="bob")
    assert info.value.expected == 0 and info.value.actual == 1
    assert writable.get("openai/gpt-4o").description == "first"


def test_writes_are_validated_field_by_field(writable: modelreg.Registry) -> None:
    with pytest.raises(modelreg.ValidationError) as info:
        writable.update(
            "model",
            "openai/gpt-4o",
            {"pricing": {"input": "-1"}, "capabilities": ["telepathy"]},
            version=0,
            actor="alice",
        )
    fields = {field for field, _ in info.value.errors}
    assert any(f.startswith("pricing") for f in fields) and any(f.startswith("capabilities") for f in fields)
    with pytest.raises(modelreg.ValidationError):
        writable.create("model", {**FINE_TUNE, "id": "acme/other"}, actor="alice")  # id is not provider/name
    with pytest.raises(modelreg.ValidationError):
        writable.update("model", "openai/gpt-4o", {"description": "x"}, version=0, actor="")
    assert writable.version("model", "openai/gpt-4o") == 0  # nothing was written


def test_deleting_a_catalog_model_hides_it(writable: modelreg.Registry) -> None:
    for route in writable.routes("openai/gpt-4o"):  # a model is not deleted while routes serve it
        writable.delete("route", route.id, version=0, actor="alice")
    writable.delete("model", "openai/gpt-4o", version=0, actor="alice")
    with pytest.raises(modelreg.ModelNotFoundError):
        writable.get("openai/gpt-4o")
    with pytest.raises(modelreg.ModelNotFoundError):
        writable.resolve("gpt-4o")
    writable.reset("model", "openai/gpt-4o", version=1, actor="alice")
    assert writable.resolve("gpt-4o").id == "openai/gpt-4o"


def test_routes_providers_and_platforms(writable: modelreg.Registry) -> None:
    writable.create("provider", ACME, actor="admin")
    writable.create("platform", {"id": "acme-cloud", "name": "ACME Cloud", "kind": "cloud"}, actor="admin")
    writable.create("model", FINE_TUNE, actor="alice")
    route = writable.create(
        "route",
        {
            "id": "acme-cloud/acme/support-bot-v3",
            "platform": "acme-cloud",
            "model": "acme/support-bot-v3",
            "model_string": "sb3",
            "pricing": {"input": "0.25", "output": "1"},
        },
        actor="alice",
    )
    assert route.priority == 10
    assert writable.provider("acme").name == "ACME Corp" and writable.platform("acme-cloud").kind == "cloud"
    assert writable.lookup("acme-cloud/sb3").route.id == route.id  # type: ignore[union-attr]
    assert writable.cost("acme-cloud/sb3", input_tokens=1_000_000).total == Decimal("0.25")
    moved = writable.update("route", route.id, {"priority": 2}, version=1, actor="alice")
    assert moved.priority == 2
    with pytest.raises(modelreg.ValidationError):
        writable.create(
            "route", {"id": "x/acme/nope", "platform": "x", "model": "acme/nope", "model_string": "n"}, actor="alice"
        )


def test_a_price_change_closes_the_old_price(writable: modelreg.Registry) -> None:
    day = dt.date(2026, 1, 1)
    writable.set_price("openai/gpt-4o", {"input": "2", "output": "8"}, effective_from=day, actor="alice")
    assert writable.cost("gpt-4o", input_tokens=1_000_000).total == Decimal(2)
    assert writable.cost("gpt-4o", input_tokens=1_000_000, at=dt.date(2025, 6, 1)).total == Decimal("2.5")
    history = writable.price_history("openai/gpt-4o")
    assert [p.input for p in history] == [Decimal("2.5"), Decimal(2)]
    assert history[0].effective_until == day and history[1].effective_from == day
    with pytest.raises(modelreg.ValidationError):
        writable.set_price("openai/gpt-4o", {"input": "1"}, effective_from=dt.date(2025, 1, 1), actor="alice")
    with pytest.raises(modelreg.ValidationError) as info:
        writable.set_price("openai/gpt-4o", {"input": "-1"}, effective_from=dt.date(2027, 1, 1), actor="alice")
    assert info.value.errors[0][0] == "input"


def test_history_and_revert(writable: modelreg.Registry) -> None:
    writable.update("model", "openai/gpt-4o", {"description": "one"}, version=0, actor="alice", message="why")
    writable.update("model", "openai/gpt-4o", {"description": "two"}, version=1, actor="bob")
    changes = writable.history("model", "openai/gpt-4o")
    assert [(c.actor, c.action) for c in changes] == [("alice", "update"), ("bob", "update")]
    assert changes[0].message == "why" and changes[0].before is None
    assert changes[1].before["data"]["description"] == "one"  # type: ignore[index]
    undo = writable.revert(changes[1].id, actor="carol")
    assert undo.action == "revert" and undo.actor == "carol"
    assert writable.get("openai/gpt-4o").description == "one"
    assert len(writable.history("model", "openai/gpt-4o")) == 3  # reverting writes, never erases


def test_another_process_sees_a_commit_on_its_next_read(database_url: str) -> None:
    reader = modelreg.load(database_url=database_url)
    writer = modelreg.load(database_url=database_url)
    assert reader.get("openai/gpt-4o").description is None
    writer.update("model", "openai/gpt-4o", {"description": "seen"}, version=0, actor="writer")
    assert reader.get("openai/gpt-4o").description == "seen"
    assert reader.cost("gpt-4o", input_tokens=1).total == writer.cost("gpt-4o", input_tokens=1).total
    for reg in (reader, writer):
        assert reg.store is not None
        reg.store.close()


def test_a_database_newer_than_the_code_is_refused(database_url: str) -> None:
    store = Store.open(database_url)
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE modelreg_alembic_version SET version_num = '9999_future'"))
    store.close()
    with pytest.raises(modelreg.ModelregError, match="newer modelreg"):
        Store.open(database_url)


def test_a_registry_without_a_store_is_read_only(registry: modelreg.Registry) -> None:
    with pytest.raises(modelreg.ModelregError, match="no store"):
        registry.update("model", "openai/gpt-4o", {"description": "x"}, version=0, actor="alice")


def test_export_then_import_is_idempotent(writable: modelreg.Registry, tmp_path: object) -> None:
    writable.create("provider", ACME, actor="admin")
    writable.create("model", FINE_TUNE, actor="alice")
    writable.update("model", "openai/gpt-4o", {"description": "ours"}, version=0, actor="alice")
    writable.delete("route", "azure/openai/gpt-4", version=0, actor="alice")
    writable.set_price(
        "anthropic/claude-sonnet-4-5-20250929",
        {"input": "2.5", "output": "12"},
        effective_from=dt.date(2026, 2, 1),
        actor="alice",
    )
    document = writable.export_store()
    assert [m["id"] for m in document["models"]] == ["acme/support-bot-v3", "openai/gpt-4o"]
    assert document["hidden"] == [{"kind": "route", "id": "azure/openai/gpt-4"}] and len(document["prices"]) == 1
    first = writable.import_store(document, actor="bob")
    assert first["created"] == first["updated"] == first["hidden"] == first["priced"] == 0  # all already so
    assert len(writable.history("model", "openai/gpt-4o")) == 1


def test_import_into_an_empty_store_reproduces_it(writable: modelreg.Registry, tmp_path: Path) -> None:
    writable.create("provider", ACME, actor="admin")
    writable.create("model", FINE_TUNE, actor="alice")
    writable.update("model", "openai/gpt-4o", {"description": "ours"}, version=0, actor="alice")
    writable.set_price(
        "openai/gpt-4o", {"input": "2", "output": "8"}, effective_from=dt.date(2026, 2, 1), actor="alice"
    )
    document = writable.export_store()
    other = modelreg.load(database_url=f"sqlite:///{tmp_path / 'other.sqlite3'}")
    counts = other.import_store(document, actor="bob")
    assert counts["created"] == 2 and counts["updated"] == 1 and counts["priced"] == 1  # the provider and its model
    assert other.get("openai/gpt-4o").description == "ours"
    assert other.cost("gpt-4o", input_tokens=10**6).total == writable.cost("gpt-4o", input_tokens=10**6).total
    again = other.import_store(document, actor="bob")
    assert again["created"] == again["updated"] == again["priced"] == 0
