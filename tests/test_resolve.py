"""Name resolution as people really write names: each row is a case a user could file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import modelreg


@pytest.mark.parametrize(
    ("name", "model_id", "platform"),
    [
        # canonical ids, bare names, any letter case
        ("openai/gpt-4o", "openai/gpt-4o", None),
        ("gpt-4o", "openai/gpt-4o", "openai"),
        ("GPT-4o", "openai/gpt-4o", "openai"),
        ("  gpt-4o ", "openai/gpt-4o", "openai"),
        ("Claude-Sonnet-4.5", "anthropic/claude-sonnet-4-5-20250929", None),
        # provider and platform prefixes as LiteLLM, OpenRouter and SDKs write them
        ("openrouter/openai/gpt-4o", "openai/gpt-4o", "openrouter"),
        ("gemini/gemini-2.5-pro", "google/gemini-2.5-pro", "gemini"),
        ("vertex_ai/gemini-2.5-pro", "google/gemini-2.5-pro", "vertex_ai"),
        ("azure/gpt-4o", "openai/gpt-4o", "azure"),
        ("bedrock/anthropic.claude-3-haiku-20240307-v1:0", "anthropic/claude-3-haiku-20240307", None),
        ("groq/llama-3.3-70b-versatile", "meta/llama-3.3-70b-instruct", "groq"),
        ("together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo", "meta/llama-3.3-70b-instruct", "together_ai"),
        ("anthropic/claude-sonnet-4.5", "anthropic/claude-sonnet-4-5-20250929", "anthropic"),
        # platform model strings
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic/claude-sonnet-4-5-20250929", "bedrock"),
        ("apac.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic/claude-sonnet-4-5-20250929", "bedrock"),
        ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic/claude-sonnet-4-5-20250929", "bedrock"),
        ("claude-sonnet-4-5@20250929", "anthropic/claude-sonnet-4-5-20250929", "vertex_ai"),
        ("models/gemini-2.5-pro", "google/gemini-2.5-pro", "gemini"),
        ("openrouter/anthropic/claude-3.5-sonnet", "anthropic/claude-3-5-sonnet-20241022", None),
        ("meta-llama/Llama-3.3-70B-Instruct-Turbo", "meta/llama-3.3-70b-instruct", "together_ai"),
        ("meta-llama/Llama-3.3-70B-Instruct", "meta/llama-3.3-70b-instruct", None),
        ("ollama/llama3:70b", "meta/llama-3-70b-instruct", "ollama"),  # Ollama tags name the instruct model
        ("fireworks_ai/accounts/fireworks/models/deepseek-v3p1", "deepseek/deepseek-v3.1", "fireworks_ai"),
        # dated snapshots and moving aliases
        ("gpt-4o-2024-08-06", "openai/gpt-4o-2024-08-06", "openai"),
        ("claude-sonnet-4-5", "anthropic/claude-sonnet-4-5-20250929", "anthropic"),
        ("claude-3-5-sonnet-latest", "anthropic/claude-3-5-sonnet-20241022", None),
        ("gemini-2.5-pro-latest", "google/gemini-2.5-pro", None),
    ],
)
def test_names_people_write(registry: modelreg.Registry, name: str, model_id: str, platform: str | None) -> None:
    found = registry.explain(name)
    assert found.model.id == model_id
    if platform is not None:
        assert found.route is not None and found.route.platform == platform
    assert found.rule


def test_fine_tuned_names_resolve_to_their_base_flagged(registry: modelreg.Registry) -> None:
    found = registry.explain("ft:gpt-4o-mini-2024-07-18:my-org::abc123")
    assert found.fine_tuned
    assert found.model.id == "openai/ft:gpt-4o-mini-2024-07-18"  # fine-tunes have their own prices
    assert found.model.base_model == "gpt-4o-mini-2024-07-18"
    assert "fine-tune" in found.rule


@pytest.mark.parametrize("name", ["gpt-9-ultra", "claude-sonnet-99", "gpt-4o-2099-01-01", "openai/", "", "llama-99b"])
def test_no_blind_prefix_matching(registry: modelreg.Registry, name: str) -> None:
    with pytest.raises(modelreg.ModelNotFoundError):
        registry.resolve(name)


def test_typos_fail_with_the_right_suggestion(registry: modelreg.Registry) -> None:
    with pytest.raises(modelreg.ModelNotFoundError) as info:
        registry.resolve("gpt4o")
    assert info.value.suggestions[0] == "openai/gpt-4o"


def test_user_aliases_name_deployments(registry: modelreg.Registry) -> None:
    reg = modelreg.load()
    reg.add_alias("prod-chat", "azure/gpt-4o")
    found = reg.explain("prod-chat")
    assert found.model.id == "openai/gpt-4o" and found.route is not None and found.route.platform == "azure"
    assert "user alias" in found.rule
    with pytest.raises(modelreg.ModelNotFoundError):
        reg.add_alias("broken", "no-such-model")
    with pytest.raises(modelreg.ModelNotFoundError):
        registry.resolve("prod-chat")  # aliases belong to the registry they were added to


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_every_catalog_id_resolves_to_itself(registry: modelreg.Registry, data: st.DataObject) -> None:
    model = data.draw(st.sampled_from(registry.models()))
    assert registry.resolve(model.id).id == model.id
    assert registry.resolve(model.id.upper()).id == model.id


def test_resolving_a_retired_model_warns_naming_the_replacement(registry: modelreg.Registry) -> None:
    with pytest.warns(modelreg.DeprecatedModelWarning, match="use google/gemini-2.5-pro instead"):
        registry.resolve("google/gemini-1.5-pro")
    with pytest.warns(modelreg.DeprecatedModelWarning, match="retired"):
        registry.lookup("claude-2")


def test_a_remembered_miss_is_forgotten_when_an_alias_makes_it_mean_something() -> None:
    reg = modelreg.load()
    with pytest.raises(modelreg.ModelNotFoundError):
        reg.resolve("team-default")
    reg.add_alias("team-default", "gpt-4o")
    assert reg.resolve("team-default").id == "openai/gpt-4o"
    assert reg.cost("team-default", input_tokens=1_000_000).total == 2.5


def test_aliases_from_a_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text("prod-chat: azure/gpt-4o\ncheap: claude-haiku-4-5\n", encoding="utf-8")
    monkeypatch.setenv("MODELREG_ALIASES", str(aliases))
    reg = modelreg.load()
    assert reg.explain("prod-chat").route.platform == "azure"  # type: ignore[union-attr]
    assert reg.resolve("cheap").id == "anthropic/claude-haiku-4-5-20251001"
    aliases.write_text("prod-chat: gpt-9-ultra\n", encoding="utf-8")
    with pytest.raises(modelreg.ValidationError) as info:
        modelreg.load()
    assert info.value.errors[0][0] == "prod-chat"


@pytest.mark.parametrize("with_store", [False, True])
def test_a_warning_points_at_the_callers_line_every_time(with_store: bool, tmp_path: Path) -> None:
    import warnings

    url = f"sqlite:///{tmp_path / 'store.sqlite3'}" if with_store else None
    reg = modelreg.load(database_url=url)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reg.resolve("google/gemini-1.5-pro")
        reg.resolve("google/gemini-1.5-pro")  # a model going away is never remembered silently
        reg.cost("google/gemini-1.5-pro", input_tokens=1)
        reg.lookup("claude-2")
    assert [w.category for w in caught] == [modelreg.DeprecatedModelWarning] * 4
    assert [w.filename for w in caught] == [__file__] * 4, [w.filename for w in caught]
    if reg.store is not None:
        reg.store.close()
