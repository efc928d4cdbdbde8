"""Every in-scope upstream entry is in the catalog and resolves by the exact key its snapshot uses.

These tests load each full snapshot end to end.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import modelreg
from modelreg.catalog import CATALOG_DIR
from modelreg.catalog.build import LITELLM_FILE, MODELSDEV_FILE
from modelreg.catalog.rules import Rules
from modelreg.sync import SourceRecord, litellm, modelsdev

RULES = Rules.load(CATALOG_DIR / "rules.yaml")
MAKERS = {"openai", "anthropic", "gemini", "vertex_ai", "xai", "mistral", "deepseek", "cohere"}
PLATFORMS = {"azure", "bedrock", "vertex_ai", "openrouter", "groq", "together_ai", "fireworks_ai", "cerebras", "ollama"}


def unplaced(registry: modelreg.Registry, records: list[SourceRecord], source: str) -> list[str]:
    """The in-scope keys that do not resolve, or resolve to a route on another platform than their own.

    A key that is the model's canonical id, name or alias names the model itself (models.dev's maker
    entries and LiteLLM's bare keys are written that way), so it needs no route.
    """
    wrong = []
    for record in records:
        platform = RULES.platform_of(source, record.upstream_provider)
        if platform is None:
            continue
        try:
            found = registry.lookup(record.key)
        except modelreg.ModelNotFoundError:
            wrong.append(f"{record.key}: not found")
            continue
        model = found.model
        if record.key in {model.id, model.name, *model.aliases, *(f"{model.provider}/{a}" for a in model.aliases)}:
            continue
        if found.route is None or found.route.platform != platform:
            wrong.append(f"{record.key}: on {found.route.id if found.route else 'no route'}")
    return wrong


def platforms_of(records: list[SourceRecord], source: str) -> set[str]:
    return {p for r in records if (p := RULES.platform_of(source, r.upstream_provider)) is not None}


def test_litellm_snapshot_resolves_end_to_end(registry: modelreg.Registry, upstream_dir: Path) -> None:
    records = litellm.read(upstream_dir / LITELLM_FILE, modes=["chat", "completion", "responses", "embedding"])
    assert platforms_of(records, "litellm") >= (MAKERS | PLATFORMS) - {"openrouter"}  # LiteLLM lists no OpenRouter
    assert unplaced(registry, records, "litellm") == []
    assert sum(1 for r in records if RULES.platform_of("litellm", r.upstream_provider)) > 1800


def test_modelsdev_snapshot_resolves_end_to_end(registry: modelreg.Registry, upstream_dir: Path) -> None:
    records = modelsdev.read(upstream_dir / MODELSDEV_FILE)
    assert platforms_of(records, "models.dev") >= {"openai", "anthropic", "gemini", "openrouter", "bedrock", "azure"}
    assert unplaced(registry, records, "models.dev") == []
    assert sum(1 for r in records if RULES.platform_of("models.dev", r.upstream_provider)) > 700


@pytest.mark.parametrize(
    ("key", "model_id", "platform"),
    [
        ("gpt-4o", "openai/gpt-4o", "openai"),
        ("azure/gpt-4o", "openai/gpt-4o", "azure"),
        ("gemini/gemini-2.5-pro", "google/gemini-2.5-pro", "gemini"),
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic/claude-sonnet-4-5-20250929", "bedrock"),
        ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic/claude-sonnet-4-5-20250929", "bedrock"),
        ("vertex_ai/claude-sonnet-4-5@20250929", "anthropic/claude-sonnet-4-5-20250929", "vertex_ai"),
        ("openrouter/anthropic/claude-sonnet-4.5", "anthropic/claude-sonnet-4-5-20250929", "openrouter"),
        ("openrouter/openai/gpt-4o", "openai/gpt-4o", "openrouter"),
        ("azure/gpt-35-turbo", "openai/gpt-3.5-turbo", "azure"),
        ("fireworks_ai/accounts/fireworks/models/deepseek-v3p1", "deepseek/deepseek-v3.1", "fireworks_ai"),
        ("groq/llama-3.3-70b-versatile", "meta/llama-3.3-70b-instruct", "groq"),
        ("together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo", "meta/llama-3.3-70b-instruct", "together_ai"),
        ("cerebras/gpt-oss-120b", "openai/gpt-oss-120b", "cerebras"),
        ("amazon-bedrock/anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic/claude-haiku-4-5-20251001", "bedrock"),
        ("google-vertex/gemini-2.5-pro", "google/gemini-2.5-pro", "vertex_ai"),
        ("anthropic.claude-v2:1", "anthropic/claude-2.1", "bedrock"),
    ],
)
def test_platform_strings_land_on_the_makers_model(
    registry: modelreg.Registry, key: str, model_id: str, platform: str
) -> None:
    found = registry.lookup(key)
    assert found.model.id == model_id
    assert found.route is not None and found.route.platform == platform


SEED_MODELS = [
    "openai/gpt-5.1",
    "openai/gpt-5-codex",
    "openai/gpt-5",
    "openai/gpt-5-mini",
    "openai/gpt-5-nano",
    "openai/gpt-4.1",
    "openai/gpt-4.1-mini",
    "openai/gpt-4.1-nano",
    "openai/gpt-4o",
    "openai/gpt-4o-mini",
    "openai/o4-mini",
    "openai/gpt-4",
    "openai/gpt-4-turbo",
    "openai/gpt-3.5-turbo",
    "openai/gpt-3.5-turbo-16k",
    "anthropic/claude-haiku-4-5-20251001",
    "anthropic/claude-sonnet-4-5-20250929",
    "anthropic/claude-opus-4-1-20250805",
    "anthropic/claude-sonnet-4-20250514",
    "anthropic/claude-3-opus-20240229",
    "anthropic/claude-3-sonnet-20240229",
    "anthropic/claude-3-haiku-20240307",
    "anthropic/claude-2",
    "google/gemini-3-pro-preview",
    "google/gemini-2.5-flash",
    "google/gemini-2.5-pro",
    "google/gemini-2.0-flash",
    "google/gemini-1.5-pro",
    "google/gemini-1.5-flash",
    "google/gemini-pro",
    "google/gemini-pro-vision",
    "xai/grok-4-1-fast-reasoning",
    "xai/grok-4-1-fast-non-reasoning",
    "xai/grok-code-fast-1",
    "xai/grok-4",
    "xai/grok-4-fast",
    "xai/grok-3",
    "xai/grok-3-mini",
    "xai/grok-2-latest",
    "xai/grok-2",
    "xai/grok-2-mini",
    "deepseek/deepseek-chat",
    "mistral/mistral-large-latest",
    "mistral/mistral-small-latest",
]


@pytest.mark.parametrize("name", SEED_MODELS)
def test_models_named_in_the_seeds_are_in_the_catalog(registry: modelreg.Registry, name: str) -> None:
    model = registry.resolve(name)
    assert model.provider == name.partition("/")[0]


@pytest.mark.parametrize(
    ("model_id", "replacement"),
    [
        ("google/gemini-1.5-pro", "google/gemini-2.5-pro"),
        ("anthropic/claude-2", "anthropic/claude-sonnet-4-5-20250929"),
        ("xai/grok-2", "xai/grok-4"),
    ],
)
def test_retired_models_are_kept_with_their_replacement(
    registry: modelreg.Registry, model_id: str, replacement: str
) -> None:
    lifecycle = registry.get(model_id).lifecycle
    assert lifecycle.status is modelreg.Status.retired
    assert lifecycle.replacement == replacement
    assert replacement in registry
