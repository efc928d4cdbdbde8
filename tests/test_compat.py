"""The seeds' own APIs by their names (``modelreg.compat``): seed 001's ``RegistryService`` and seed 002's
metadata functions. Every answer is checked against the library asked directly here, or against a brute
force over the registry's records, never against numbers copied from the compat module's output."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest

import modelreg
from modelreg import compat
from modelreg.errors import StoreError
from modelreg.routing import NoRouteError

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
TODAY = dt.date.today()
GOING = ("deprecated", "retired")

ACME = {"id": "acme", "name": "ACME Corp"}
CLOUD = {"id": "acme-cloud", "name": "ACME Cloud", "kind": "cloud", "supported_providers": ["acme"]}
BOT = {
    "id": "acme/support-bot",
    "provider": "acme",
    "name": "support-bot",
    "family": "acme",
    "capabilities": ["chat", "tools"],
    "limits": {"context_window": 128000, "max_output_tokens": 16384},
    "pricing": {"input": "0.3", "output": "1.2"},
}
ROUTE_ID = "acme-cloud/acme/support-bot"
ROUTE = {
    "id": ROUTE_ID,
    "platform": "acme-cloud",
    "model": "acme/support-bot",
    "model_string": "sb",
    "pricing": {"input": "0.25", "output": "1"},
}


def ids(records: list[Any]) -> list[str]:
    return [r.id for r in records]


def status(model: modelreg.Model) -> str:
    return model.lifecycle.status_on(TODAY).value


def sent_as(reg: modelreg.Registry, name: str, param: str) -> str | None:
    """What ``param`` is called in the request ``Registry.convert`` makes for ``name``; None when dropped."""
    marker = object()
    return next((key for key, value in reg.convert(name, {param: marker}).items() if value is marker), None)


# -- seed 001: the service -------------------------------------------------------------------------------------


@SQLITE_ONLY
def test_crud_round_trip_of_platform_provider_model_and_route(writable: modelreg.Registry) -> None:
    svc = compat.RegistryService(writable, actor="seed-001")
    assert svc.create_provider(ACME) == "acme"
    assert svc.create_platform(CLOUD) == "acme-cloud"
    assert svc.create_model(modelreg.Model.model_validate(BOT)) == "acme/support-bot"  # a schema record, too
    assert svc.create_route(ROUTE) == ROUTE_ID

    assert svc.get_provider("acme") == writable.provider("acme")
    assert svc.get_platform("acme-cloud") == writable.platform("acme-cloud")
    assert svc.get_model("support-bot") == writable.get("acme/support-bot")
    assert ids(svc.list_providers(platform_id="acme-cloud")) == ["acme"]
    assert ids(svc.list_models({"provider_id": "acme"})) == ["acme/support-bot"]
    assert ids(svc.get_routes_for_model("acme/support-bot")) == [ROUTE_ID]
    assert svc.get_best_route("acme/support-bot") == writable.route(ROUTE_ID)
    assert svc.get_model_availability("acme/support-bot") == {"acme-cloud": [writable.route(ROUTE_ID)]}
    assert writable.history("model", "acme/support-bot")[-1].actor == "seed-001"

    assert svc.update_provider("acme", {"name": "ACME Inc"}) is True
    assert svc.update_platform("acme-cloud", {"status": "beta"}) is True
    assert svc.update_model("acme/support-bot", {"description": "ours"}) is True
    assert svc.update_route_priority(ROUTE_ID, 3) is True
    assert writable.provider("acme").name == "ACME Inc"
    assert ids(svc.list_platforms(status="beta")) == ["acme-cloud"]
    assert writable.get("acme/support-bot").description == "ours"
    assert writable.route(ROUTE_ID).priority == 3

    with pytest.raises(modelreg.InUseError):  # a route still serves it
        svc.delete_model("acme/support-bot")
    # seed 001 has no delete_route: the library removes it
    writable.delete("route", ROUTE_ID, version=writable.version("route", ROUTE_ID), actor="seed-001")
    assert svc.delete_model("acme/support-bot") is True
    with pytest.raises(modelreg.InUseError):  # acme-cloud still lists it
        svc.delete_provider("acme")
    assert svc.delete_platform("acme-cloud") is True
    assert svc.delete_provider("acme") is True
    with pytest.raises(modelreg.ModelNotFoundError):
        svc.get_model("acme/support-bot")
    with pytest.raises(modelreg.ModelNotFoundError):
        svc.get_platform("acme-cloud")
    with pytest.raises(modelreg.ModelNotFoundError):
        svc.get_provider("acme")


@SQLITE_ONLY
def test_writes_follow_the_library_version_semantics(writable: modelreg.Registry) -> None:
    svc = compat.RegistryService(writable)
    svc.create_provider(ACME)
    svc.create_platform(CLOUD)
    svc.create_model(BOT)
    svc.create_route(ROUTE)
    read = writable.version("model", "acme/support-bot")
    assert svc.update_model("acme/support-bot", {"description": "first"}, version=read) is True
    with pytest.raises(modelreg.ConflictError) as info:  # written since that version was read
        svc.update_model("acme/support-bot", {"description": "second"}, version=read)
    assert (info.value.expected, info.value.actual) == (read, read + 1)
    assert writable.get("acme/support-bot").description == "first"

    route_read = writable.version("route", ROUTE_ID)
    svc.update_route_priority(ROUTE_ID, 4, version=route_read)
    with pytest.raises(modelreg.ConflictError):
        svc.update_route_priority(ROUTE_ID, 5, version=route_read)
    assert writable.route(ROUTE_ID).priority == 4
    with pytest.raises(modelreg.ConflictError):
        svc.delete_platform("acme-cloud", version=writable.version("platform", "acme-cloud") + 1)
    assert svc.get_platform("acme-cloud").id == "acme-cloud"


def test_writes_without_a_store_raise_the_library_error(registry: modelreg.Registry) -> None:
    svc = compat.RegistryService(registry)
    for write in (
        lambda: svc.create_provider(ACME),
        lambda: svc.update_model("openai/gpt-4o", {"description": "x"}),
        lambda: svc.delete_platform("openai"),
        lambda: svc.update_route_priority("azure/openai/gpt-4o", 3),
    ):
        with pytest.raises(StoreError, match="no store"):
            write()


def test_reads_are_the_library_answers(registry: modelreg.Registry) -> None:
    svc = compat.RegistryService(registry)
    assert svc.get_platform("bedrock") == registry.platform("bedrock")
    assert svc.get_provider("anthropic") == registry.provider("anthropic")
    assert svc.get_model("gpt-4o") == registry.get("openai/gpt-4o")
    assert svc.get_routes_for_model("gpt-4o") == registry.routes("openai/gpt-4o")
    assert svc.get_best_route("gpt-4o") == registry.best_route("openai/gpt-4o")
    served = svc.get_model_availability("openai/gpt-4o")
    assert served == registry.availability("openai/gpt-4o")
    assert {p: ids(rs) for p, rs in served.items()} == {
        p: [r.id for r in registry.routes("openai/gpt-4o") if r.platform == p]
        for p in {r.platform for r in registry.routes("openai/gpt-4o")}
    }
    with pytest.raises(modelreg.ModelNotFoundError):
        svc.get_model("gpt-9-ultra")
    unserved = next(m.id for m in registry.models() if not registry.routes(m.id))
    with pytest.raises(NoRouteError):
        svc.get_best_route(unserved)


def test_list_filters(registry: modelreg.Registry) -> None:
    svc = compat.RegistryService(registry)
    for wanted in (None, "active", "beta", "deprecated"):
        expected = [p.id for p in registry.platforms() if wanted is None or p.status == wanted]
        assert ids(svc.list_platforms(status=wanted)) == expected
    assert svc.list_providers() == registry.providers()
    for platform in ("bedrock", "openai", "groq"):
        listed = set(registry.platform(platform).supported_providers)
        assert ids(svc.list_providers(platform_id=platform)) == [p.id for p in registry.providers() if p.id in listed]
    with pytest.raises(modelreg.ModelNotFoundError):
        svc.list_providers(platform_id="nowhere")

    everything = registry.models()
    assert ids(svc.list_models()) == sorted(m.id for m in everything)
    assert ids(svc.list_models({"provider": "openai"})) == sorted(m.id for m in everything if m.provider == "openai")
    vision = sorted(m.id for m in everything if m.provider == "anthropic" and m.has("vision"))
    assert ids(svc.list_models({"provider_id": "anthropic", "capabilities": ["vision"]})) == vision
    on_groq = sorted(m.id for m in everything if any(r.platform == "groq" for r in registry.routes(m.id)))
    assert ids(svc.list_models({"platform_id": "groq"})) == on_groq
    current = sorted(m.id for m in everything if m.family == "claude" and status(m) not in GOING)
    assert ids(svc.list_models({"family": "claude", "include_deprecated": False})) == current
    retired = sorted(m.id for m in everything if status(m) == "retired")
    assert ids(svc.list_models({"status": "retired"})) == retired


@pytest.mark.parametrize(
    ("required", "optional", "excluded"),
    [
        (["vision"], ["tools", "reasoning", "pdf_input"], ["audio_input"]),
        (["tools", "streaming"], ["prompt_caching"], []),
        ([], ["reasoning"], ["vision", "tools"]),
        (["embedding"], [], []),
    ],
)
def test_find_models_with_capabilities_against_brute_force(
    registry: modelreg.Registry, required: list[str], optional: list[str], excluded: list[str]
) -> None:
    def caps(m: modelreg.Model) -> set[str]:
        return {c.value for c in m.capabilities}

    hits = [
        m
        for m in registry.models()
        if set(required) <= caps(m) and not set(excluded) & caps(m) and status(m) not in GOING
    ]
    expected = [m.id for m in sorted(hits, key=lambda m: (-len(set(optional) & caps(m)), m.id))]
    found = compat.RegistryService(registry).find_models_with_capabilities(required, optional, excluded)
    assert ids(found) == expected and expected


def test_cheapest_route_for_prompt_is_the_library_answer(registry: modelreg.Registry) -> None:
    svc = compat.RegistryService(registry)
    for prompt, output, needed in ((1000, 500, []), (50_000, 4000, ["vision", "tools"]), (10, 10, ["reasoning"])):
        route, cost = svc.find_cheapest_route_for_prompt(prompt, output, needed)
        expected_route, expected_cost = registry.cheapest_route(prompt, output, needed)
        assert route == expected_route
        assert cost == expected_cost.total == registry.cost(route.id, input_tokens=prompt, output_tokens=output).total
        assert set(needed) <= {c.value for c in registry.get(route.model).capabilities}
    with pytest.raises(NoRouteError):
        svc.find_cheapest_route_for_prompt(10**9, 10, [])


# -- seed 002: the metadata view -------------------------------------------------------------------------------


def test_metadata_is_the_model_record(registry: modelreg.Registry) -> None:
    for name in ("gpt-4o", "gemini-2.5-pro", "claude-sonnet-4-5", "gpt-5-nano", "azure/gpt-4o"):
        model = registry.resolve(name)
        meta = compat.get_model_metadata(name, registry=registry)
        assert meta is not None
        assert (meta.model_name, meta.provider, meta.model_family) == (model.id, model.provider, model.family)
        assert meta.display_name == (model.display_name or model.name)
        assert meta.supported_input_types == {m.value for m in model.modalities_in}
        assert meta.supported_output_types == {m.value for m in model.modalities_out}
        capabilities = {c.value for c in model.capabilities}
        assert meta.supports_streaming == ("streaming" in capabilities)
        assert meta.supports_function_calling == ("tools" in capabilities)
        assert meta.supports_vision == ("vision" in capabilities)
        assert meta.supports_json_mode == ("json_mode" in capabilities)
        limits = model.limits
        assert (meta.max_context_length, meta.max_output_tokens, meta.max_input_tokens) == (
            limits.context_window,
            limits.max_output_tokens,
            limits.max_input_tokens,
        )
        flags = {
            "temperature": meta.supports_temperature,
            "top_p": meta.supports_top_p,
            "frequency_penalty": meta.supports_frequency_penalty,
            "presence_penalty": meta.supports_presence_penalty,
            "stop": meta.supports_stop_sequences,
        }
        assert flags == {param: sent_as(registry, name, param) is not None for param in flags}
        for param in ("max_tokens", "stop", "n", "seed", "temperature", "top_k"):
            theirs = sent_as(registry, name, param)
            assert meta.parameter_mappings.get(param, param) == (theirs or param)
            assert compat.get_parameter_mapping(name, param, registry=registry) == (theirs or param)
        assert all(ours != theirs for ours, theirs in meta.parameter_mappings.items())
        assert meta.api_requirements == model.api_requirements
        assert meta.converter_fn({"max_tokens": 7}) == registry.convert(name, {"max_tokens": 7})
        pricing = registry.pricing(name)
        assert meta.cost_per_1k_input_tokens == pricing.input / 1000  # type: ignore[operator]
        assert meta.cost_per_1k_output_tokens == pricing.output / 1000  # type: ignore[operator]
        assert meta.is_deprecated == (status(model) in GOING)
    assert compat.get_model_metadata("gpt-9-ultra", registry=registry) is None


def test_metadata_of_the_seed_examples(registry: modelreg.Registry) -> None:
    gemini = compat.get_model_metadata("gemini-2.5-pro", registry=registry)
    assert gemini is not None and gemini.parameter_mappings["max_tokens"] == "max_output_tokens"  # seed's table
    reasoning = next(m for m in registry.models(provider="openai", capability="reasoning") if status(m) not in GOING)
    meta = compat.get_model_metadata(reasoning.id, registry=registry)
    assert meta is not None and not meta.supports_temperature  # OpenAI's reasoning models reject it


def test_metadata_of_an_unpriced_model_has_no_cost_not_zero(registry: modelreg.Registry) -> None:
    unpriced = next(m for m in registry.models() if m.pricing.is_empty())
    meta = compat.get_model_metadata(unpriced.id, registry=registry)
    assert meta is not None
    assert meta.cost_per_1k_input_tokens is None and meta.cost_per_1k_output_tokens is None
    with pytest.raises(modelreg.ValidationError):
        compat.calculate_request_cost(unpriced.id, 1000, 500, registry=registry)


def test_metadata_of_a_deprecated_model_names_its_replacement(registry: modelreg.Registry) -> None:
    going = [m for m in registry.models() if status(m) in GOING and m.lifecycle.replacement]
    assert going
    for model in going:
        meta = compat.get_model_metadata(model.id, registry=registry)
        migration = registry.migrate(model.id)
        assert meta is not None and meta.is_deprecated
        assert meta.deprecation_date == model.lifecycle.deprecation_date
        assert meta.replacement_model == migration.replacement
        assert migration.chain[:2] == (model.id, model.lifecycle.replacement)
        replacement = meta.replacement_model
        assert replacement is not None
        assert compat.migrate_to_supported_model(model.id, registry=registry) == replacement
        assert replacement == migration.chain[-1]  # the end of the chain, not just the next link
    current = next(m for m in registry.models() if status(m) not in GOING)
    assert compat.migrate_to_supported_model(current.name, registry=registry) == current.name


def test_validate_speaks_the_seed_wording(registry: modelreg.Registry) -> None:
    limit = registry.get("openai/gpt-4o").limits.max_output_tokens
    assert limit is not None
    seed_call = {"temperature": 0.7, "max_tokens": limit + 3616, "frequency_penalty": 0.5}
    assert compat.validate_model_parameters("gpt-4o", seed_call, registry=registry) == [
        f"max_tokens {limit + 3616} exceeds model limit {limit}"
    ]

    no_temperature = next(
        m
        for m in registry.models()
        if status(m) not in GOING and "temperature" in m.parameters and not m.parameters["temperature"].supported
    )
    issues = compat.validate_model_parameters(no_temperature.id, {"temperature": 0.2}, registry=registry)
    assert issues == [f"Model {no_temperature.id} does not support temperature parameter"]

    library = registry.validate("gpt-4o", {"temperature": 3})
    assert [i.code for i in library] == ["out_of_range"]
    (issue,) = compat.validate_model_parameters("gpt-4o", {"temperature": 3}, registry=registry)
    assert re.fullmatch(r"temperature 3 exceeds model limit [\d.]+", issue)

    unknown = compat.validate_model_parameters("gpt-4o", {"warp_factor": 9}, registry=registry)
    assert unknown == [i.message for i in registry.validate("gpt-4o", {"warp_factor": 9})]  # no seed wording
    assert compat.validate_model_parameters("gpt-9-ultra", {}, registry=registry) == [
        "Model gpt-9-ultra not found in registry"
    ]


@SQLITE_ONLY
def test_validate_words_a_model_range_from_the_record(writable: modelreg.Registry) -> None:
    compat.RegistryService(writable).update_model(
        "openai/gpt-4o", {"parameters": {"temperature": {"min": 0.5, "max": 1.2}}}
    )
    bounds = writable.get("openai/gpt-4o").parameters["temperature"]
    above = compat.validate_model_parameters("openai/gpt-4o", {"temperature": 1.5}, registry=writable)
    below = compat.validate_model_parameters("openai/gpt-4o", {"temperature": 0.1}, registry=writable)
    assert above == [f"temperature 1.5 exceeds model limit {bounds.max}"]
    assert below == [f"temperature 0.1 is below model minimum {bounds.min}"]
    assert compat.validate_model_parameters("openai/gpt-4o", {"temperature": 1.0}, registry=writable) == []


def test_the_other_seed_functions_are_library_calls(registry: modelreg.Registry) -> None:
    models = registry.models()
    for family in ("gpt", "claude", "gemini"):
        expected = [m.id for m in models if m.family == family]
        assert compat.get_family_models(family, registry=registry) == expected and expected
    for provider in ("openai", "anthropic"):
        expected = [m.id for m in models if m.provider == provider]
        assert compat.get_provider_models(provider, registry=registry) == expected and expected
    assert compat.get_family_models("no-such-family", registry=registry) == []

    assert compat.is_model_supported("gpt-4o", registry=registry)
    assert compat.is_model_supported("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", registry=registry)
    assert not compat.is_model_supported("gpt-9-ultra", registry=registry)

    gpt_4o = registry.get("openai/gpt-4o").pricing
    by_hand = (1000 * gpt_4o.input + 500 * gpt_4o.output) / Decimal(1_000_000)  # type: ignore[operator]
    cost = compat.calculate_request_cost("gpt-4o", 1000, 500, registry=registry)
    assert cost == by_hand == registry.cost("gpt-4o", input_tokens=1000, output_tokens=500).total
    with pytest.raises(modelreg.ModelNotFoundError):
        compat.calculate_request_cost("gpt-9-ultra", 1000, 500, registry=registry)

    messages = [{"role": "user", "content": "hi"}]
    params = {"max_tokens": 100, "stop": ["\n"], "temperature": 0.3}
    for name in ("gemini-2.5-pro", "claude-sonnet-4-5", "gpt-5-nano", "azure/gpt-4o"):
        converted = compat.convert_request_for_model(messages, name, params, registry=registry)
        assert converted == registry.convert(name, params)

    claude = "anthropic/claude-sonnet-4-5-20250929"
    assert compat.get_model_defaults(claude, registry=registry) == registry.convert(claude, {})  # no renames apply
    assert compat.get_model_defaults("gpt-4o", registry=registry) == {}
    assert compat.get_model_defaults("azure/gpt-4o", registry=registry) == {}  # the model string is no default


def test_the_default_registry_is_used_when_none_is_given(registry: modelreg.Registry) -> None:
    assert compat.is_model_supported("gpt-4o")
    assert compat.get_provider_models("openai") == compat.get_provider_models("openai", registry=registry)
