"""Model YAML per family (seed 004): the files a runtime opens by the first word of a model's name, their
JSON Schema, exact per-token prices, and the import back into the store (one transaction, round trip)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

import modelreg
from modelreg.catalog import yamlio
from modelreg.errors import ValidationError
from modelreg.export import family_yaml

runner = CliRunner()


@pytest.fixture(scope="module")
def exported(registry: modelreg.Registry, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("family")
    family_yaml.write(registry, folder)
    return folder


def models_dir(folder: Path) -> Path:
    return folder / "v1" / "models"


def store(path: Path) -> Iterator[modelreg.Registry]:
    reg = modelreg.load(database_url=f"sqlite:///{path}")
    yield reg
    assert reg.store is not None
    reg.store.close()


@pytest.fixture()
def first(tmp_path: Path) -> Iterator[modelreg.Registry]:
    yield from store(tmp_path / "first.sqlite3")


@pytest.fixture()
def second(tmp_path: Path) -> Iterator[modelreg.Registry]:
    yield from store(tmp_path / "second.sqlite3")


@pytest.mark.parametrize(
    ("name", "file"),
    [
        ("claude-3-5-sonnet", "claude"),
        ("gpt-4o", "gpt"),
        ("gemini-2.0-flash", "gemini"),
        ("deepseek-chat", "deepseek"),
        ("o3", "o3"),
        ("qwen-plus", "qwen"),
        ("ft:gpt-4o-mini", "ft:gpt"),
        ("org/model-x", "org_model"),
        ("..-x", "_"),
    ],
)
def test_the_file_is_the_first_dash_separated_word_of_the_name(name: str, file: str) -> None:
    assert family_yaml.file_name(name) == file


def test_a_runtime_finds_every_model_by_the_first_word_of_its_name(registry: modelreg.Registry, exported: Path) -> None:
    files: dict[str, dict] = {}
    for model in registry.models():
        stem = model.name.split("-", 1)[0]  # the runtime's rule, written out again
        if stem not in files:
            files[stem] = yamlio.load(models_dir(exported) / f"{stem}.yaml")["models"]
        entries = files[stem]
        key = model.name if entries[model.name]["provider"] == model.provider else f"{model.provider}/{model.name}"
        assert entries[key]["model_id"] == model.name and entries[key]["provider"] == model.provider
    sonnet = files["claude"]["claude-3-5-sonnet-20241022"]
    assert sonnet["provider"] == "anthropic" and "vision" in sonnet["capabilities"]


def test_a_name_two_makers_share_goes_to_the_one_its_makers_api_serves(exported: Path) -> None:
    entries = yamlio.load(models_dir(exported) / "gpt.yaml")["models"]
    assert entries["gpt-6.1-sol"]["provider"] == "openai"
    assert entries["apac/gpt-6.1-sol"]["provider"] == "apac"


def test_every_file_validates_against_the_schema_it_names(exported: Path) -> None:
    schema = json.loads((exported / "v1" / "schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    paths = sorted(models_dir(exported).glob("*.yaml"))
    assert len(paths) > 100
    for path in paths:
        document = yamlio.load(path)
        assert document["$schema"] == "../schema.json" and document["protocol_version"] == "1.1"
        plain = json.loads(json.dumps(document, default=float))  # as a JSON validator sees the numbers
        errors = list(validator.iter_errors(plain))
        assert not errors, f"{path.name}: {errors[0].message}"


def test_prices_are_exact_per_token_plain_numbers(exported: Path) -> None:
    text = (models_dir(exported) / "gpt.yaml").read_text()
    gpt4o = yamlio.loads(text)["models"]["gpt-4o"]
    assert gpt4o["pricing"] == {
        "input_per_token": Decimal("0.0000025"),
        "output_per_token": Decimal("0.00001"),
        "cached_input_per_token": Decimal("0.00000125"),
    }
    assert "input_per_token: 0.0000025\n" in text and "e-0" not in text.lower()
    assert gpt4o["context_window"] == 128000 and gpt4o["status"] == "active"
    assert gpt4o["verification"]["status"] == "unverified" and "models.dev" in gpt4o["verification"]["source"]


def test_the_same_registry_writes_the_same_bytes_and_stale_files_go(
    registry: modelreg.Registry, tmp_path: Path
) -> None:
    family_yaml.write(registry, tmp_path)
    (models_dir(tmp_path) / "gone.yaml").write_text(family_yaml.HEADER + "models: {}\n")
    (models_dir(tmp_path) / "mine.yaml").write_text("models: {}\n")  # not ours: kept
    before = {p.name: p.read_bytes() for p in models_dir(tmp_path).glob("*.yaml")}
    family_yaml.write(registry, tmp_path)
    after = {p.name: p.read_bytes() for p in models_dir(tmp_path).glob("*.yaml")}
    assert set(before) - set(after) == {"gone.yaml"} and "mine.yaml" in after
    assert all(after[name] == before[name] for name in after)


# -- import ------------------------------------------------------------------------------------------------------


def test_export_import_into_a_fresh_store_export_again_is_identical(
    first: modelreg.Registry, second: modelreg.Registry, tmp_path: Path
) -> None:
    today = dt.date.today()
    first.create(
        "model",
        {
            "id": "openai/acme-bot-1",
            "provider": "openai",
            "name": "acme-bot-1",
            "family": "acme",
            "capabilities": ["chat", "tools"],
            "limits": {"context_window": 32000, "max_output_tokens": 4096},
            "pricing": {"input": "0.4", "output": "1.6", "cache_read": "0.1"},
            "tags": ["internal"],
        },
        actor="alice",
    )
    first.set_price("openai/gpt-4o", {"input": "3", "output": "12"}, effective_from=today, actor="alice")
    version = first.version("model", "openai/gpt-4.1")
    checked = {"status": "verified", "last_checked": "2025-01-15", "verified_capabilities": ["chat", "tools"]}
    patch = {
        "verification": checked,
        "tags": ["prod"],
        "lifecycle": {"status": "deprecated", "replacement": "openai/gpt-4o"},
    }
    first.update("model", "openai/gpt-4.1", patch, version=version, actor="alice")
    family_yaml.write(first.view(), tmp_path / "one")

    done = family_yaml.import_folder(second, tmp_path / "one")
    assert done.counts["created"] == 1 and done.counts["updated"] == 1 and done.counts["priced"] == 1
    assert done.ignored == []
    family_yaml.write(second.view(), tmp_path / "two")
    one, two = (sorted((tmp_path / d / "v1").rglob("*.*")) for d in ("one", "two"))
    assert [p.relative_to(tmp_path / "one") for p in one] == [p.relative_to(tmp_path / "two") for p in two]
    for a, b in zip(one, two, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name

    view = second.view()
    assert view.get("openai/gpt-4o").pricing.input == 3 and view.pricing(
        "openai/gpt-4o", at=today - dt.timedelta(days=1)
    ).input == Decimal("2.5")
    assert view.get("openai/gpt-4.1").verification.last_checked == dt.date(2025, 1, 15)
    assert view.get("openai/acme-bot-1").family == "acme"
    assert {c.actor for c in second.store.changes()} == {family_yaml.ACTOR}  # type: ignore[union-attr]
    again = family_yaml.import_folder(second, tmp_path / "one")  # idempotent
    assert again.counts["created"] == again.counts["updated"] == again.counts["priced"] == 0


SEED_FILE = """\
models:
  gemini-9-flash:
    provider: gemini
    model_id: "gemini-9-flash"
    context_window: 1000000
    max_output_tokens: 65536
    capabilities: [chat, streaming, tools, vision, audio]
    pricing:
      input_per_token: 0.0000003
      output_per_token: 0.0000025
    release_date: "2026-06-01"
    verification:
      status: "verified"
      last_checked: "2026-06-02"
      verified_capabilities: [chat, streaming]
    mood: sunny
  gemini-2.0-flash:
    provider: google
    model_id: gemini-2.0-flash
    pricing:
      input_per_token: 0.0000002
    tags: [stable]
"""


def test_a_seed_style_file_adds_unknown_models_and_overrides_known_ones(
    first: modelreg.Registry, tmp_path: Path
) -> None:
    (tmp_path / "gemini.yaml").write_text(SEED_FILE)
    known = first.get("google/gemini-2.0-flash")
    done = family_yaml.import_folder(first, tmp_path)
    assert done.ignored == ["gemini.yaml: models.gemini-9-flash.mood"]
    assert done.counts == {"created": 1, "updated": 1, "hidden": 0, "priced": 1, "unchanged": 0}
    added = first.get("google/gemini-9-flash")  # provider `gemini` is Google's own API
    assert added.family == "gemini" and added.pricing.input == Decimal("0.3") and added.pricing.output == Decimal("2.5")
    assert {c.value for c in added.capabilities} == {"chat", "streaming", "tools", "vision", "audio_input"}
    assert added.verification.status == "verified" and added.verification.last_checked == dt.date(2026, 6, 2)
    changed = first.get("google/gemini-2.0-flash")
    assert changed.tags == ["stable"] and changed.pricing.input == Decimal("0.2")
    assert changed.pricing.output == known.pricing.output  # only the stated price moved; history kept
    history = first.price_history("google/gemini-2.0-flash")
    assert history[-1].effective_from == dt.date.today() and history[-2].input == known.pricing.input
    assert first.history("model", "google/gemini-9-flash")[0].actor == family_yaml.ACTOR


@pytest.mark.parametrize(
    ("entry", "field", "says"),
    [
        ("{provider: openai, capabilities: [chat, telepathy]}", "x.yaml: models.m.capabilities", "telepathy"),
        (
            "{provider: openai, pricing: {input_per_token: -1}}",
            "x.yaml: models.m.pricing.input_per_token",
            "at least 0",
        ),
        ("{provider: openai, context_window: lots}", "x.yaml: models.m.context_window", "whole number"),
        ("{provider: openai, status: gone}", "x.yaml: models.m.status", "one of"),
        ("{model_id: m}", "x.yaml: models.m.provider", "required"),
        ("{provider: openai, verification: {verified_at: soon}}", "x.yaml: models.m.verification.verified_at", "date"),
        ("{provider: nobody}", "x.yaml: models.m.provider", "no provider 'nobody'"),
    ],
)
def test_a_bad_file_is_refused_whole_naming_file_key_and_field(
    first: modelreg.Registry, tmp_path: Path, entry: str, field: str, says: str
) -> None:
    (tmp_path / "x.yaml").write_text(f"models:\n  ok-model: {{provider: openai}}\n  m: {entry}\n")
    before = first.store.counter()  # type: ignore[union-attr]
    with pytest.raises(ValidationError) as caught:
        family_yaml.import_folder(first, tmp_path)
    assert any(f == field and says in message for f, message in caught.value.errors), caught.value.errors
    assert first.store.counter() == before  # type: ignore[union-attr]  # nothing written


def test_a_folder_without_model_files_says_so(first: modelreg.Registry, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no model YAML files"):
        family_yaml.import_folder(first, tmp_path)


def test_the_commands_export_and_import(tmp_path: Path) -> None:
    from modelreg.cli import app

    env = {"MODELREG_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    exported = runner.invoke(app, ["export", "family-yaml", str(tmp_path / "out")], env=env)
    assert exported.exit_code == 0, exported.output
    assert "family files" in exported.output and (tmp_path / "out" / "v1" / "models" / "claude.yaml").is_file()
    claude = tmp_path / "out" / "v1" / "models" / "claude.yaml"
    claude.write_text(claude.read_text().replace("context_window: 200000", "context_window: 250000", 1))
    imported = runner.invoke(app, ["import", "family-yaml", str(tmp_path / "out")], env=env)
    assert imported.exit_code == 0, imported.output
    assert "1 updated" in imported.output and "0 created" in imported.output
    bad = runner.invoke(app, ["import", "family-yaml", str(tmp_path / "nothing")], env=env)
    assert bad.exit_code == 1 and "no model YAML files" in bad.output
