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
    reader = modelreg.load(database_url=database_url, poll_interval_ms=0)  # ask the store on every read
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


def test_a_price_change_changes_only_the_fields_it_names(writable: modelreg.Registry) -> None:
    before = writable.get("openai/gpt-4o").pricing
    assert before.cache_read == Decimal("1.25") and before.batch_discount == Decimal("0.5")
    changed = writable.set_price("openai/gpt-4o", {"input": "2"}, effective_from=dt.date(2020, 1, 1), actor="a")
    assert changed.input == Decimal(2) and changed.output == before.output
    assert changed.cache_read == before.cache_read and changed.batch_discount == before.batch_discount
    cached = writable.cost("gpt-4o", input_tokens=1_000_000, cache_read_tokens=1_000_000).total
    assert cached == Decimal("1.25")  # every input token was a cache read: billed at the cache price kept
    cleared = writable.set_price("openai/gpt-4o", {"cache_read": None}, effective_from=dt.date(2020, 2, 1), actor="a")
    assert cleared.cache_read is None and cleared.input == Decimal(2)
    schema_object = modelreg.Pricing(output="9")  # a schema object names the fields it sets
    assert writable.set_price("openai/gpt-4o", schema_object, effective_from=dt.date(2020, 3, 1), actor="a").input == 2
    with pytest.raises(modelreg.ValidationError, match="at least one price"):
        writable.set_price("openai/gpt-4o", {}, effective_from=dt.date(2021, 1, 1), actor="a")
    for bad in ("1e1000000000", "1000000", "NaN", "-1", "0.0000000000001"):
        with pytest.raises(modelreg.ValidationError) as info:
            writable.set_price("openai/gpt-4o", {"input": bad}, effective_from=dt.date(2021, 1, 1), actor="a")
        assert info.value.errors[0][0] == "input"
    with pytest.raises(modelreg.ValidationError):
        writable.set_price("openai/gpt-4o", {"inptu": "1"}, effective_from=dt.date(2021, 1, 1), actor="a")
    assert len(writable.history("model", "openai/gpt-4o")) == 3  # the refused changes wrote nothing
    assert writable.cost("gpt-4o", input_tokens=1000).total == Decimal("0.002")


def test_an_update_cannot_change_prices_or_sources(writable: modelreg.Registry) -> None:
    served = writable.get("openai/gpt-4o").model_dump(mode="json", exclude_defaults=True)
    for patch in ({"pricing": {"input": "0"}}, {"price_history": [{"input": "1"}]}, {"sources": []}):
        with pytest.raises(modelreg.ValidationError) as info:
            writable.update("model", "openai/gpt-4o", patch, version=0, actor="a")
        assert info.value.errors[0][0] == next(iter(patch))
    # a client sending back what it read, with one field changed, is fine
    updated = writable.update("model", "openai/gpt-4o", {**served, "description": "ours"}, version=0, actor="a")
    assert updated.description == "ours" and updated.pricing == writable.get("openai/gpt-4o").pricing
    assert writable.history("model", "openai/gpt-4o")[0].after["data"] == {"description": "ours"}  # type: ignore[index]


def test_the_makers_own_route_follows_its_models_prices(writable: modelreg.Registry) -> None:
    direct, azure = writable.route("openai/openai/gpt-4o"), writable.route("azure/openai/gpt-4o")
    writable.set_price("openai/gpt-4o", {"input": "2"}, effective_from=dt.date(2020, 1, 1), actor="a")
    assert writable.route("openai/openai/gpt-4o").pricing.input == Decimal(2) != direct.pricing.input
    assert writable.route("openai/openai/gpt-4o").pricing.cache_read == direct.pricing.cache_read
    assert writable.route("azure/openai/gpt-4o").pricing == azure.pricing  # another platform's own price
    assert writable.cost("openai/openai/gpt-4o", input_tokens=10**6).total == Decimal(2)
    assert writable.pricing("openai/openai/gpt-4o", at=dt.date(2019, 6, 1)).input == direct.pricing.input


def test_a_price_change_can_name_the_timeline_version_it_read(writable: modelreg.Registry) -> None:
    version = writable.price_version("openai/gpt-4o")
    assert version == 0
    writable.set_price("openai/gpt-4o", {"input": "2"}, effective_from=dt.date(2020, 1, 1), actor="a", version=0)
    with pytest.raises(modelreg.ConflictError):
        writable.set_price("openai/gpt-4o", {"input": "3"}, effective_from=dt.date(2020, 2, 1), actor="b", version=0)
    assert writable.price_version("openai/gpt-4o") == 1 and writable.get("openai/gpt-4o").pricing.input == 2


def test_reverting_prices_keeps_one_timeline(writable: modelreg.Registry) -> None:
    first = writable.set_price("openai/gpt-4o", {"input": "2"}, effective_from=dt.date(2020, 1, 1), actor="a")
    writable.set_price("openai/gpt-4o", {"input": "3"}, effective_from=dt.date(2020, 2, 1), actor="a")
    earlier, later = [c.id for c in writable.history("model", "openai/gpt-4o")]
    with pytest.raises(modelreg.ConflictError, match="no longer its latest"):
        writable.revert(earlier, actor="b")  # a later price stands on it
    writable.revert(later, actor="b")
    assert writable.get("openai/gpt-4o").pricing.input == first.input
    with pytest.raises(modelreg.ConflictError):
        writable.revert(later, actor="b")  # already undone
    assert writable.store is not None
    rows = writable.store.snapshot().prices["openai/gpt-4o"]
    assert [r.effective_until for r in rows] == [None]


GOOD = [
    {
        "id": f"openai/imported-{n}",
        "provider": "openai",
        "name": f"imported-{n}",
        "family": "gpt",
        "capabilities": ["chat"],
        "pricing": {"input": "1", "output": "2"},
    }
    for n in range(30)
]


def test_an_import_with_a_bad_record_at_the_end_writes_nothing(writable: modelreg.Registry) -> None:
    bad = {**GOOD[0], "id": "openai/bad", "name": "bad", "limits": {"context_window": -5}}
    document = {"models": [*GOOD, bad], "prices": [{"subject": "openai/gpt-4o", "effective_from": "2026-01-01"}]}
    with pytest.raises(modelreg.ValidationError) as info:
        writable.import_store(document, actor="bob")
    fields = [field for field, _ in info.value.errors]
    assert fields == ["models[30] (openai/bad).limits.context_window", "prices[0] (openai/gpt-4o).pricing"]
    assert "nothing was written" in str(info.value).splitlines()[0]
    assert writable.store is not None and writable.store.counter() == 0
    assert "openai/imported-0" not in writable
    counts = writable.import_store({"models": GOOD}, actor="bob")  # the good part alone goes in, in one write
    assert counts["created"] == 30 and writable.store.counter() == 1 and "openai/imported-29" in writable
    assert writable.import_store({"models": GOOD}, actor="bob")["unchanged"] == 30


def test_import_problems_are_named_by_place_id_and_field(writable: modelreg.Registry) -> None:
    document = {
        "models": [GOOD[0], GOOD[0], {**GOOD[1], "pricing": {"input": "1e1000000000"}}, "a string"],
        "routes": [{"id": "x/openai/nope", "platform": "x", "model": "openai/nope", "model_string": "nope"}],
        "hidden": [{"kind": "model"}],
        "prices": [
            {"subject": "openai/gpt-4o", "effective_from": "2026-02-30", "pricing": {"input": "1"}},
            {"subject": "openai/gpt-9", "effective_from": "2026-01-01", "pricing": {"input": "1"}},
            {"subject": "openai/gpt-4o", "effective_from": "2026-01-01", "pricing": {"input": float("nan")}},
        ],
        "extras": [],
    }
    with pytest.raises(modelreg.ValidationError) as info:
        writable.import_store(document, actor="bob")
    said = dict(info.value.errors)
    assert said["models[1] (openai/imported-0)"] == "listed twice"
    assert said["models[2] (openai/imported-1).pricing.input"].startswith("must be at least 0 and below")
    assert said["models[3]"] == "must be a mapping"
    assert said["routes[0] (x/openai/nope).model"].startswith("no model 'openai/nope'")
    assert "hidden[0]" in said and "extras" in said
    assert said["prices[0] (openai/gpt-4o).effective_from"].startswith("not a real date")
    assert said["prices[1] (openai/gpt-9).subject"] == "no such model or route"
    assert "finite" in said["prices[2] (openai/gpt-4o).pricing.input"]
    assert writable.store is not None and writable.store.counter() == 0
