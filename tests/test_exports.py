"""The static exports (issue 13): api.json against its JSON Schema, LiteLLM's cost map against the upstream
map it came from (the round trip), models.dev's TOML layout and the CSV read back, and the CLI that writes
them with a store's edits included."""

from __future__ import annotations

import csv
import datetime as dt
import json
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

import modelreg
from modelreg.catalog.files import read_conflicts
from modelreg.cli import app
from modelreg.export import api_json, csvfile, models_dev
from modelreg.export import litellm as cost_map
from modelreg.schema import Model, Pricing, Route
from modelreg.sync import litellm as litellm_reader
from modelreg.sync import modelsdev as modelsdev_reader

runner = CliRunner()


@pytest.fixture(scope="module")
def upstream_map(upstream_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((upstream_dir / "litellm" / "model_prices_and_context_window.json").read_text())
    return data


@pytest.fixture(scope="module")
def exported(registry: modelreg.Registry) -> dict[str, dict[str, Any]]:
    return cost_map.document(registry)


def _billed(model: Model, route: Route) -> Pricing:
    return model.pricing if route.direct or route.pricing.is_empty() else route.pricing


# -- api.json ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api_document(registry: modelreg.Registry) -> dict[str, Any]:
    # through JSON text, as a web client reads it
    loaded: dict[str, Any] = json.loads(api_json.dumps(api_json.document(registry, schema_ref="api.schema.json")))
    return loaded


def test_api_json_is_valid_against_its_json_schema(api_document: dict[str, Any]) -> None:
    schema = api_json.schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(api_document))
    assert errors == [], [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("models", "openai/gpt-4o", "capabilities"), ["telepathy"]),
        (("models", "openai/gpt-4o", "limits", "context_window"), "128K"),
        (("routes", "azure/openai/gpt-4o", "status"), "sunny"),
        (("schema_version",), 2),
        (("unexpected",), True),
    ],
)
def test_the_json_schema_refuses_a_broken_document(
    api_document: dict[str, Any], path: tuple[str, ...], value: Any
) -> None:
    broken = json.loads(json.dumps(api_document["models"]["openai/gpt-4o"]))
    document = {**api_document, "models": {"openai/gpt-4o": broken}, "routes": {}}
    if path[0] == "routes":
        document["routes"] = {path[1]: json.loads(json.dumps(api_document["routes"][path[1]]))}
    target: dict[str, Any] = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, api_json.schema(), cls=jsonschema.Draft202012Validator)


def test_api_json_holds_every_record_as_the_registry_serves_it(
    registry: modelreg.Registry, api_document: dict[str, Any]
) -> None:
    assert api_document["schema_version"] == 1 and api_document["$schema"] == "api.schema.json"
    assert dt.datetime.fromisoformat(api_document["generated_at"]).tzinfo is not None
    assert api_document["registry_state"] == registry.state()
    assert sorted(api_document["models"]) == sorted(m.id for m in registry.models())
    assert sorted(api_document["routes"]) == sorted(r.id for r in registry.routes())
    assert sorted(api_document["providers"]) == sorted(p.id for p in registry.providers())
    assert sorted(api_document["platforms"]) == sorted(p.id for p in registry.platforms())
    for model_id in ("openai/gpt-4o", "anthropic/claude-sonnet-4-5-20250929", "google/gemini-2.5-pro"):
        assert Model.model_validate(api_document["models"][model_id]) == registry.get(model_id)
    assert Route.model_validate(api_document["routes"]["azure/openai/gpt-4o"]) == registry.route("azure/openai/gpt-4o")
    assert api_document["models"]["openai/gpt-4o"]["pricing"]["input"] == "2.5"  # exact decimals, as strings
    for alias, model_id in api_document["aliases"].items():
        assert alias in registry.get(model_id).aliases


# -- LiteLLM -------------------------------------------------------------------------------------------------


def test_litellm_round_trip_keeps_every_price_and_limit_or_says_why(
    registry: modelreg.Registry, upstream_map: dict[str, Any]
) -> None:
    """LiteLLM -> modelreg -> LiteLLM over every key the catalog's records name: each price and limit upstream
    states comes back exactly, or the catalog recorded why not (bench/litellm_roundtrip.py prints the figures)."""
    report = cost_map.compare(registry, upstream_map, conflicts=read_conflicts())
    assert report.missing == []  # every key the records name is in the snapshot they were built from
    assert report.keys == len(cost_map.placements(registry)) > 1500
    assert report.fields == report.equal + len(report.differences)
    assert report.equal > 0.9 * report.fields
    assert report.unexplained == [], report.unexplained[:10]
    # the reasons are the catalog's: a difference a recorded conflict explains names it
    recorded = {f"{c.subject} {c.field}:" for c in read_conflicts()}
    for difference in report.differences:
        if difference.reason == cost_map.CONFLICT:
            assert difference.detail.split(": ")[0] + ":" in recorded, difference


def test_litellm_export_reads_back_as_the_registry_bills(
    registry: modelreg.Registry, exported: dict[str, dict[str, Any]]
) -> None:
    """The writer is the reader's inverse: sync/litellm.py reads each entry back as exactly the prices (per 1M
    tokens, Decimal) and limits modelreg bills that deployment, and every float is the exact decimal."""
    placed = cost_map.placements(registry)
    for key, entry in exported.items():
        where = placed[key]
        pricing = cost_map.billed(*where)
        facts = litellm_reader.facts(key, json.loads(json.dumps(entry)))
        read = Pricing.model_validate(facts.get("pricing", {}))
        expected = pricing or Pricing()
        for kind in cost_map.PRICE_FIELDS:
            assert getattr(read, kind) == getattr(expected, kind), (key, kind)
        assert read.batch_discount == expected.batch_discount, key
        priced_tiers = [t for t in expected.tiers if any(getattr(t, k) is not None for k in cost_map.TIER_KINDS)]
        assert [t.model_dump() for t in read.tiers] == [t.model_dump() for t in priced_tiers], key
        for name, value in cost_map.comparable(entry).items():
            assert Decimal(repr(float(value))) == value, (key, name)  # the shortest repr is the exact figure
        stated = where.route.limits if where.route is not None and where.route.limits else where.model.limits
        assert entry.get("max_input_tokens") == (stated.max_input_tokens or stated.context_window), key
        assert entry.get("max_tokens") == entry.get("max_output_tokens", entry.get("max_input_tokens")), key


def test_litellm_entries_have_the_fields_register_model_needs(exported: dict[str, dict[str, Any]]) -> None:
    modes = {"chat", "responses", "completion", "embedding", "image_generation", "rerank"}
    for key, entry in exported.items():
        assert entry["mode"] in modes, key
        assert isinstance(entry["litellm_provider"], str) and entry["litellm_provider"], key
        for flag in cost_map.FLAGS.values():
            assert entry.get(flag, True) is True, (key, flag)  # only the true flags are written
    assert exported["gpt-4o"]["litellm_provider"] == "openai"
    assert exported["azure/eu/gpt-4o"]["litellm_provider"] == "azure"
    assert exported["gpt-4o"]["input_cost_per_token"] == 2.5e-06
    assert exported["gpt-4o"]["input_cost_per_token_batches"] == 1.25e-06


def test_litellm_provider_agrees_with_upstream_where_modelreg_can_tell(
    exported: dict[str, dict[str, Any]], upstream_map: dict[str, Any]
) -> None:
    """LiteLLM's ``bedrock_converse`` is not kept by modelreg (written ``bedrock``); the rest agree but for a few
    of LiteLLM's own inconsistencies (some Vertex and Fireworks entries name the provider differently)."""
    differ = {
        key
        for key, entry in exported.items()
        if entry["litellm_provider"] != upstream_map[key]["litellm_provider"]
        and upstream_map[key]["litellm_provider"] != "bedrock_converse"
    }
    assert len(differ) < 0.02 * len(exported), sorted(differ)[:20]


# -- models.dev ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def models_dev_dir(registry: modelreg.Registry, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("models.dev")
    counts = models_dev.write(registry, target)
    assert counts["models"] == len(registry.routes())
    return target


def test_models_dev_layout_parses_back_as_the_registry(registry: modelreg.Registry, models_dev_dir: Path) -> None:
    """Every route is providers/<provider>/models/<model string>.toml; parsed with tomllib and read by
    sync/modelsdev.py it gives back the route's prices, limits, modalities and capabilities."""
    names = models_dev.provider_ids()
    models = {m.id: m for m in registry.models()}
    for route in registry.routes():
        provider = names.get(route.platform, route.platform)
        path = models_dev_dir / "providers" / provider / "models" / f"{route.model_string}.toml"
        parsed = tomllib.loads(path.read_text(encoding="utf-8"))
        model = models[route.model]
        facts = modelsdev_reader.facts(route.model_string, parsed)
        billed = _billed(model, route)
        for kind in models_dev.COST_KINDS:
            assert facts.get("pricing", {}).get(kind) == getattr(billed, kind), (route.id, kind)
        tiers = [(t.above_tokens, t.input, t.output) for t in billed.tiers]
        assert [
            (t["above_tokens"], t.get("input"), t.get("output")) for t in facts.get("pricing", {}).get("tiers", [])
        ] == tiers
        limits = route.limits or model.limits
        assert parsed.get("limit", {}).get("context") == (limits.context_window or limits.max_input_tokens), route.id
        assert parsed.get("limit", {}).get("output") == limits.max_output_tokens, route.id
        assert parsed["modalities"]["input"] == [m.value for m in model.modalities_in]
        assert parsed["name"] == (model.display_name or model.name)
        for flag, capability in (("tool_call", "tools"), ("reasoning", "reasoning")):
            assert parsed[flag] == model.has(capability), (route.id, flag)
        assert parsed.get("release_date") == model.lifecycle.release_date


def test_models_dev_provider_files(registry: modelreg.Registry, models_dev_dir: Path) -> None:
    names = models_dev.provider_ids()
    assert names["bedrock"] == "amazon-bedrock" and names["gemini"] == "google"
    for platform in registry.platforms():
        parsed = tomllib.loads(
            (models_dev_dir / "providers" / names.get(platform.id, platform.id) / "provider.toml").read_text()
        )
        assert parsed["name"] == platform.name and parsed["env"] == platform.auth_env


def test_models_dev_prices_are_exact_decimals(models_dev_dir: Path) -> None:
    text = (models_dev_dir / "providers" / "openai" / "models" / "gpt-4o.toml").read_text()
    parsed = tomllib.loads(text, parse_float=Decimal)
    assert parsed["cost"] == {"input": Decimal("2.5"), "output": Decimal("10.0"), "cache_read": Decimal("1.25")}
    assert "1e+1" not in text.lower()


# -- CSV -----------------------------------------------------------------------------------------------------


def test_csv_has_one_row_per_model_matching_the_registry(registry: modelreg.Registry) -> None:
    content, count = csvfile.text(registry)
    rows = list(csv.DictReader(content.splitlines()))
    assert count == len(rows) == len(registry.models())
    assert tuple(rows[0]) == csvfile.MODEL_COLUMNS
    row = next(r for r in rows if r["id"] == "openai/gpt-4o")
    model = registry.get("openai/gpt-4o")
    assert (row["provider"], row["family"], row["context"], row["max_output"]) == ("openai", "gpt", "128000", "16384")
    assert Decimal(row["input_per_1m"]) == model.pricing.input and Decimal(row["output_per_1m"]) == model.pricing.output
    assert row["cache_write_per_1m"] == "" and row["price_from"] == ""
    assert set(row["capabilities"].split(";")) == {c.value for c in model.capabilities}
    assert row["release_date"] == "2024-05-13" and row["status"] == "active"
    priced_elsewhere = next(r for r in rows if r["price_from"])
    compared = registry.price_to_compare(priced_elsewhere["id"])
    assert (
        Decimal(priced_elsewhere["input_per_1m"]) == compared.input and priced_elsewhere["price_from"] == compared.route
    )


def test_csv_routes_bill_the_route_price(registry: modelreg.Registry) -> None:
    content, count = csvfile.text(registry, routes=True)
    rows = {r["id"]: r for r in csv.DictReader(content.splitlines())}
    assert count == len(rows) == len(registry.routes())
    assert Decimal(rows["azure/openai/gpt-4o"]["input_per_1m"]) == registry.route("azure/openai/gpt-4o").pricing.input
    direct = rows["openai/openai/gpt-4o"]
    assert (direct["platform"], direct["model_string"]) == ("openai", "gpt-4o")
    assert Decimal(direct["input_per_1m"]) == registry.get("openai/gpt-4o").pricing.input


# -- the CLI, with a store's edits ---------------------------------------------------------------------------


@pytest.fixture()
def edited_store(tmp_path: Path) -> str:
    """A SQLite store that re-prices openai/gpt-4o (input 2.5 -> 2) and renames it."""
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    reg = modelreg.load(database_url=url)
    reg.set_price("openai/gpt-4o", {"input": "2"}, effective_from=dt.date(2025, 1, 1), actor="test")
    reg.update(
        "model",
        "openai/gpt-4o",
        {"display_name": "GPT-4o (ours)"},
        version=reg.version("model", "openai/gpt-4o"),
        actor="test",
    )
    assert reg.store is not None
    reg.store.close()
    return url


def test_cli_exports_include_the_stores_edits(edited_store: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "export",
            "api-json",
            str(out / "api.json"),
            "--schema",
            str(out / "api.schema.json"),
            "--database-url",
            edited_store,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "models" in result.output and "routes" in result.output
    document = json.loads((out / "api.json").read_text())
    assert document["$schema"] == "api.schema.json"
    assert document["models"]["openai/gpt-4o"]["pricing"]["input"] == "2"
    assert document["models"]["openai/gpt-4o"]["display_name"] == "GPT-4o (ours)"
    assert json.loads((out / "api.schema.json").read_text())["$schema"].endswith("2020-12/schema")

    result = runner.invoke(app, ["export", "litellm", str(out / "prices.json"), "--database-url", edited_store])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "prices.json").read_text())["gpt-4o"]["input_cost_per_token"] == 2e-06

    result = runner.invoke(app, ["export", "csv", str(out / "models.csv"), "--database-url", edited_store])
    assert result.exit_code == 0, result.output
    row = next(r for r in csv.DictReader((out / "models.csv").read_text().splitlines()) if r["id"] == "openai/gpt-4o")
    assert row["input_per_1m"] == "2" and row["name"] == "GPT-4o (ours)"

    result = runner.invoke(app, ["export", "models-dev", str(out / "md"), "--database-url", edited_store])
    assert result.exit_code == 0, result.output
    assert "model files" in result.output
    parsed = tomllib.loads((out / "md" / "providers" / "openai" / "models" / "gpt-4o.toml").read_text())
    assert parsed["cost"]["input"] == 2.0 and parsed["name"] == "GPT-4o (ours)"


@pytest.mark.parametrize(
    ("command", "parse"),
    [
        (["export", "litellm", "-"], json.loads),
        (["export", "api-json", "-"], json.loads),
        (["export", "csv", "-", "--routes"], lambda text: list(csv.DictReader(text.splitlines()))),
    ],
)
def test_cli_writes_to_stdout_with_a_dash(command: list[str], parse: Any) -> None:
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.stderr
    assert parse(result.stdout)  # stdout is the export alone
    assert result.stderr.startswith("note: ")  # the summary line goes to stderr


def test_cli_export_help_lists_each_command_with_its_summary() -> None:
    result = runner.invoke(app, ["export", "--help"])
    assert result.exit_code == 0
    for name in ("api-json", "litellm", "models-dev", "csv"):
        assert name in result.output
    assert "for litellm.register_model()" in result.output
