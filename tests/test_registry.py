"""The registry over the bundled catalog, through the public API."""

from __future__ import annotations

from decimal import Decimal

import pytest

import modelreg
from modelreg import Capability


def test_load_returns_a_registry_over_the_bundled_catalog(registry: modelreg.Registry) -> None:
    assert isinstance(registry, modelreg.Registry)
    assert len(registry) > 1000


def test_get_is_exact_and_canonical(registry: modelreg.Registry) -> None:
    gpt = registry.get("openai/gpt-4o")
    assert gpt.id == "openai/gpt-4o" and gpt.provider == "openai" and gpt.family == "gpt"
    assert gpt.limits.context_window == 128_000
    assert (gpt.pricing.input, gpt.pricing.output) == (Decimal("2.5"), Decimal("10"))
    assert registry.get("openai/gpt-4o") is gpt  # validated once, then served from memory
    with pytest.raises(modelreg.ModelNotFoundError):
        registry.get("gpt-4o")  # get takes canonical ids only; resolve takes any name


def test_unknown_names_fail_with_suggestions(registry: modelreg.Registry) -> None:
    with pytest.raises(modelreg.ModelNotFoundError) as info:
        registry.resolve("gpt4o")
    assert info.value.suggestions[0] == "openai/gpt-4o"
    assert "Did you mean" in str(info.value)
    with pytest.raises(modelreg.ModelregError):
        registry.resolve("gpt-9-ultra")


def test_models_filter_by_provider_family_and_capability(registry: modelreg.Registry) -> None:
    anthropic = registry.models(provider="anthropic")
    assert anthropic and all(m.provider == "anthropic" for m in anthropic)
    claude = registry.models(family="claude")
    assert {m.id for m in anthropic} >= {m.id for m in claude if m.provider == "anthropic"}
    vision = registry.models(capability="vision")
    assert vision and all(m.has(Capability.vision) for m in vision)
    assert len(registry.models(provider="anthropic", capability=Capability.embedding)) == 0


def test_providers_platforms_and_families(registry: modelreg.Registry) -> None:
    assert {"openai", "anthropic", "google", "xai", "mistral", "deepseek", "cohere", "meta"} <= {
        p.id for p in registry.providers()
    }
    kinds = {p.id: p.kind for p in registry.platforms()}
    assert kinds["bedrock"] is modelreg.PlatformKind.cloud and kinds["openrouter"] is modelreg.PlatformKind.aggregator
    assert kinds["openai"] is modelreg.PlatformKind.direct and kinds["ollama"] is modelreg.PlatformKind.local
    assert set(registry.families()) == {m.family for m in registry.models()}


def test_routes_of_a_model_put_the_makers_api_first(registry: modelreg.Registry) -> None:
    routes = registry.routes("anthropic/claude-sonnet-4-5-20250929")
    assert routes[0].platform == "anthropic" and routes[0].priority == 1
    platforms = {r.platform for r in routes}
    assert {"bedrock", "vertex_ai", "openrouter"} <= platforms
    bedrock = next(r for r in routes if r.platform == "bedrock")
    assert bedrock.model_string == "anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert {"us", "eu", "global"} <= set(bedrock.regions)
    assert all(r.model == "anthropic/claude-sonnet-4-5-20250929" for r in routes)


def test_every_route_serves_a_known_model_on_a_known_platform(registry: modelreg.Registry) -> None:
    platforms = {p.id for p in registry.platforms()}
    providers = {p.id for p in registry.providers()}
    for route in registry.routes():
        assert route.model in registry, route.id
        assert route.platform in platforms, route.id
    assert {m.provider for m in registry.models()} <= providers


def test_every_canonical_id_resolves_to_itself(registry: modelreg.Registry) -> None:
    for model in registry.models():
        assert registry.resolve(model.id) is model


def test_module_level_shortcuts_use_the_default_registry() -> None:
    assert modelreg.get("openai/gpt-4o").id == "openai/gpt-4o"
    assert modelreg.resolve("azure/gpt-4o").id == "openai/gpt-4o"


def test_public_api_is_listed_in_all() -> None:
    for name in ("load", "Registry", "Model", "Pricing", "Route", "ModelNotFoundError", "resolve", "get"):
        assert name in modelreg.__all__ and hasattr(modelreg, name)


def test_a_missing_catalog_is_a_clear_error(tmp_path: object) -> None:
    with pytest.raises(modelreg.CatalogError, match="modelreg catalog build"):
        modelreg.load(str(tmp_path))
