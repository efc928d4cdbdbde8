"""Seed 003's models.yaml in both shapes: what the writer lists, the rules of the derived lists, and the
reader that takes either shape back (and refuses a bad file clearly)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import modelreg
from modelreg.errors import ValidationError
from modelreg.export import models_yaml

runner = CliRunner()


@pytest.fixture(scope="module")
def rows(registry: modelreg.Registry) -> dict[str, models_yaml.Served]:
    return {row.key: row for row in models_yaml.served(registry)}


@pytest.fixture(scope="module")
def mapped(registry: modelreg.Registry) -> dict:
    return models_yaml.document(registry)


@pytest.fixture(scope="module")
def listed(registry: modelreg.Registry) -> dict:
    return models_yaml.list_document(registry)


# -- the map shape ---------------------------------------------------------------------------------------------


def test_map_ids_are_platform_and_model_string_and_sizes_come_from_data_or_the_name(mapped: dict) -> None:
    models = mapped["models"]
    gpt4o = models["openai:gpt-4o"]
    assert gpt4o == {
        "provider": "openai",
        "type": "openai",
        "config": {"model_name": "gpt-4o", "context_window": 128000, "max_tokens": 16384},
    }
    assert models["ollama:mixtral-8x7B-Instruct-v0.1"]["size_b"] == 56  # 8x7b
    assert models["ollama:llama3:70b"]["size_b"] == 70
    assert all(key.split(":", 1)[0] in models_yaml.PLATFORMS for key in models)
    assert not any(
        "size_b" in entry and entry["size_b"] == 7 and "7b" not in key.lower() for key, entry in models.items()
    )


def test_a_size_only_the_platform_string_states_is_read_from_it(tmp_path: Path) -> None:
    reg = modelreg.load(database_url=f"sqlite:///{tmp_path / 's.sqlite3'}")
    reg.create("model", {"id": "meta/tinyllama", "provider": "meta", "name": "tinyllama", "family": "llama"}, actor="t")
    route = {
        "id": "ollama/meta/tinyllama",
        "platform": "ollama",
        "model": "meta/tinyllama",
        "model_string": "tinyllama:1.1b",
    }
    reg.create("route", route, actor="t")
    entry = models_yaml.document(reg.view())["models"]["ollama:tinyllama:1.1b"]
    assert entry["size_b"] == Decimal("1.1")
    listed = [m for m in models_yaml.list_document(reg.view())["models"] if m["name"] == "tinyllama:1.1b"]
    assert listed[0]["size"] == "1.1b" and "fast" in listed[0]["expertise"] and "cheap" in listed[0]["expertise"]
    assert reg.store is not None
    reg.store.close()


def test_map_preferences_follow_the_documented_rules(mapped: dict, rows: dict[str, models_yaml.Served]) -> None:
    cheap, dear = mapped["cost_optimized"], mapped["performance_optimized"]
    assert mapped["preferences"] == {"default": cheap[0], "fallback": cheap[1:]}
    assert 1 < len(cheap) <= models_yaml.LIST_LENGTH and 1 < len(dear) <= models_yaml.LIST_LENGTH
    for chosen in (cheap, dear):
        picked = [rows[key] for key in chosen]
        assert all(r.ranked and r.model.has("tools") for r in picked)  # priced, hosted, current tool callers
        assert len({r.model.provider for r in picked}) == len(picked)  # one per maker
    assert [rows[k].price for k in cheap] == sorted(rows[k].price for k in cheap)
    assert [rows[k].price for k in dear] == sorted((rows[k].price for k in dear), reverse=True)
    for key in cheap:  # each is its maker's cheapest ranked tool caller
        maker = rows[key].model.provider
        rivals = [r.price for r in rows.values() if r.ranked and r.model.has("tools") and r.model.provider == maker]
        assert rows[key].price == min(rivals)


def test_deprecated_models_are_listed_but_never_preferred(mapped: dict, rows: dict[str, models_yaml.Served]) -> None:
    going = [key for key, row in rows.items() if row.going]
    assert going and set(going) <= set(mapped["models"])
    preferred = set(mapped["cost_optimized"]) | set(mapped["performance_optimized"])
    assert not preferred & set(going)


# -- the list shape --------------------------------------------------------------------------------------------


def test_list_entries_carry_source_name_expertise_and_size(listed: dict) -> None:
    by_id = {f"{m['source']}:{m['name']}": m for m in listed["models"]}
    assert by_id["ollama:mixtral-8x7B-Instruct-v0.1"]["size"] == "56b"
    gpt4o = by_id["openai:gpt-4o"]
    assert set(gpt4o) == {"source", "name", "expertise"}  # no size stated, none guessed
    assert (gpt4o["source"], gpt4o["name"]) == ("openai", "gpt-4o")
    assert gpt4o["expertise"] == [s for s in models_yaml.EXPERTISE if s in gpt4o["expertise"]]  # in rule order


@pytest.mark.parametrize(
    ("key", "has", "lacks"),
    [
        ("openai:gpt-4o", {"general", "vision", "tools"}, {"code", "embedding", "fast"}),
        ("openai:gpt-4o-mini", {"general", "vision", "fast", "cheap"}, {"code"}),
        ("openai:o3", {"general", "reasoning"}, {"cheap"}),
        ("mistral:codestral-latest", {"code"}, {"embedding"}),
        ("openai:text-embedding-3-small", {"embedding"}, {"general"}),
        ("anthropic:claude-3-haiku-20240307", {"fast"}, {"code"}),
        ("ollama:llama3:8b", {"fast", "cheap"}, set()),  # 8B, and local
        ("ollama:llama3:70b", {"cheap"}, {"fast"}),
    ],
)
def test_expertise_follows_the_rules(rows: dict[str, models_yaml.Served], key: str, has: set, lacks: set) -> None:
    skills = set(models_yaml.expertise(rows[key]))
    assert has <= skills and not lacks & skills, skills


def test_expertise_preferences_and_fallback_chain(
    listed: dict, mapped: dict, rows: dict[str, models_yaml.Served]
) -> None:
    defaults = listed["defaults"]
    assert defaults["fallback_chain"] == mapped["cost_optimized"]
    preferences = defaults["expertise_preferences"]
    assert {"general", "code", "reasoning", "vision", "cheap", "fast"} <= set(preferences)
    for skill, ids in preferences.items():
        picked = [rows[key] for key in ids]
        assert all(skill in models_yaml.expertise(r) and r.ranked for r in picked), skill
        assert len({r.model.provider for r in picked}) == len(picked) <= models_yaml.LIST_LENGTH
        prices = [r.price for r in picked]
        assert prices == sorted(prices, reverse=skill not in ("cheap", "fast")), skill


# -- writing and reading back ----------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["map", "list"])
def test_each_shape_is_written_with_its_header_and_read_back(
    registry: modelreg.Registry, tmp_path: Path, shape: str
) -> None:
    stamp = dt.datetime(2025, 1, 2, tzinfo=dt.UTC)
    written = "list" if shape == "list" else "map"
    path = models_yaml.write(registry, tmp_path / "config" / "models.yaml", shape=written, now=stamp)
    text = path.read_text()
    assert text.startswith("# Auto-generated on: 2025-01-02T00:00:00+00:00\n")
    config = models_yaml.read(path)
    assert config.shape == shape
    assert "openai:gpt-4o" in config.models and config.models["openai:gpt-4o"].name == "gpt-4o"
    assert config.models["ollama:mixtral-8x7B-Instruct-v0.1"].size_b == 56
    document = yaml.safe_load(text)
    cheap = document["cost_optimized"] if shape == "map" else document["defaults"]["fallback_chain"]
    assert list(config.fallback_chain) == cheap
    if shape == "list":
        assert config.expertise_preferences["code"] == tuple(document["defaults"]["expertise_preferences"]["code"])
        assert "vision" in config.models["openai:gpt-4o"].expertise
    else:
        assert config.models["openai:gpt-4o"].provider == "openai"
        assert list(config.performance_optimized) == document["performance_optimized"]


SEED_EXAMPLE = """
models:
  openai_gpt-4:
    provider: openai
    type: openai
    size_b: 1760
    config:
      model_name: gpt-4
  my_custom_model:
    provider: huggingface
    type: huggingface
    size_b: 13
    config:
      model_name: myorg/my-custom-model
      device: cuda
      load_in_8bit: true
preferences:
  default: gpt-4
  fallback:
    - my_custom_model
cost_optimized: [gpt-4]
performance_optimized: [openai_gpt-4]
"""


def test_the_seeds_own_file_reads_with_preferences_by_model_name(tmp_path: Path) -> None:
    path = tmp_path / "models.yaml"
    path.write_text(SEED_EXAMPLE)
    config = models_yaml.read(path)
    assert config.shape == "map" and config.default == "openai_gpt-4"
    assert config.fallback == ("my_custom_model",)
    custom = config.models["my_custom_model"]
    assert custom.source == "huggingface" and custom.name == "myorg/my-custom-model" and custom.size_b == 13
    assert custom.config["load_in_8bit"] is True


LOADER_EXAMPLE = """
models:
  - {source: ollama, name: "llama3.2:1b", expertise: [general, fast], size: 1b}
  - {source: huggingface, name: Qwen/Qwen2.5-1.5B-Instruct, expertise: [general], size: 1.5B}
  - {source: ollama, name: "all-minilm:22m", expertise: [embedding], size: 22m}
defaults:
  expertise_preferences:
    fast: ["ollama:llama3.2:1b"]
  fallback_chain: ["huggingface:Qwen/Qwen2.5-1.5B-Instruct", "ollama:llama3.2:1b"]
"""


def test_the_loaders_list_reads_with_sizes_and_ids(tmp_path: Path) -> None:
    path = tmp_path / "models.yaml"
    path.write_text(LOADER_EXAMPLE)
    config = models_yaml.read(path)
    assert config.shape == "list"
    assert config.models["ollama:llama3.2:1b"].size_b == 1
    assert config.models["huggingface:Qwen/Qwen2.5-1.5B-Instruct"].size_b == Decimal("1.5")
    assert config.models["ollama:all-minilm:22m"].size_b == Decimal("0.022")
    assert config.fallback_chain == ("huggingface:Qwen/Qwen2.5-1.5B-Instruct", "ollama:llama3.2:1b")
    assert config.expertise_preferences == {"fast": ("ollama:llama3.2:1b",)}


@pytest.mark.parametrize(
    ("text", "field", "says"),
    [
        ("- a\n- b\n", "models", "required"),
        ("models: 3\n", "models", "must be a mapping"),
        ("models:\n  x: {provider: openai, config: {}}\n", "models.x.config.model_name", "required"),
        ("models:\n  x: {config: {model_name: m}}\n", "models.x.provider", "required"),
        ("models:\n  x: {provider: p, size_b: lots, config: {model_name: m}}\n", "models.x.size_b", "number"),
        ("models: {}\npreferenses: {}\n", "preferenses", "not a key"),
        (
            "models:\n  x: {provider: p, config: {model_name: m}}\npreferences: {default: y}\n",
            "preferences.default",
            "'y'",
        ),
        ("models:\n  x: {provider: p, config: {model_name: m}}\ncost_optimized: x\n", "cost_optimized", "list"),
        ("models:\n  - {source: ollama}\n", "models[0].name", "required"),
        ("models:\n  - {source: s, name: n, size: big}\n", "models[0].size", '"8b"'),
        ("models:\n  - {source: s, name: n, expertise: code}\n", "models[0].expertise", "list"),
        (
            "models:\n  - {source: s, name: n}\ndefaults: {fallback_chain: [s:m]}\n",
            "defaults.fallback_chain[0]",
            "not a model",
        ),
        ("models:\n  - {source: s, name: n}\n  - {source: s, name: n}\n", "models[1]", "twice"),
    ],
)
def test_a_bad_file_is_refused_naming_the_file_and_field(tmp_path: Path, text: str, field: str, says: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ValidationError) as caught:
        models_yaml.read(path)
    assert str(path) in str(caught.value)
    assert any(f == field and says in message for f, message in caught.value.errors), caught.value.errors


def test_a_file_that_is_not_yaml_says_where(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("models: [unclosed\n")
    with pytest.raises(ValidationError, match="not valid YAML at line"):
        models_yaml.read(path)


@pytest.mark.parametrize(
    ("size", "label"),
    [
        (Decimal(8), "8b"),
        (Decimal(56), "56b"),
        (Decimal("1.5"), "1.5b"),
        (Decimal("0.27"), "270m"),
        (Decimal("7E+1"), "70b"),
    ],
)
def test_size_labels_round_trip(size: Decimal, label: str) -> None:
    assert models_yaml.size_label(size) == label
    assert models_yaml.parse_size(label) == size


# -- the command -----------------------------------------------------------------------------------------------


def test_export_models_yaml_command_writes_either_shape(tmp_path: Path) -> None:
    from modelreg.cli import app

    out = tmp_path / "models.yaml"
    done = runner.invoke(app, ["export", "models-yaml", str(out), "--shape", "list"])
    assert done.exit_code == 0, done.output
    assert "list shape" in done.output and models_yaml.read(out).shape == "list"
    bad = runner.invoke(app, ["export", "models-yaml", str(out), "--shape", "tree"])
    assert bad.exit_code == 1 and "unknown shape" in bad.output
