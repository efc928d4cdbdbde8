"""LiteLLM's functions (modelreg.compat.litellm) against the upstream LiteLLM map: for names LiteLLM users write,
the answers are the map's own values, computed here from its JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import modelreg
from modelreg.compat import litellm as compat
from modelreg.errors import ModelNotFoundError, ModelregError

# (what a LiteLLM user writes, the upstream key LiteLLM answers it from)
NAMES = [
    ("gpt-4o", "gpt-4o"),
    ("o3", "o3"),
    ("azure/gpt-4o", "azure/gpt-4o"),
    ("azure/eu/gpt-4o", "azure/eu/gpt-4o"),
    ("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic.claude-3-5-sonnet-20240620-v1:0"),
    ("anthropic/claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20250929"),
    ("gemini/gemini-2.5-pro", "gemini/gemini-2.5-pro"),
    ("mistral/mistral-large-latest", "mistral/mistral-large-latest"),
]
# the makers' own APIs, where LiteLLM's flags describe the model itself (modelreg keeps capabilities per model)
MAKER_NAMES = [pair for pair in NAMES if "/" not in pair[1] or pair[1].startswith(("gemini/", "mistral/"))]
MAKER_NAMES = [pair for pair in MAKER_NAMES if not pair[1].startswith("anthropic.")]
SUPPORTS: dict[str, Callable[..., bool]] = {
    "supports_vision": compat.supports_vision,
    "supports_function_calling": compat.supports_function_calling,
    "supports_parallel_function_calling": compat.supports_parallel_function_calling,
    "supports_response_schema": compat.supports_response_schema,
    "supports_reasoning": compat.supports_reasoning,
    "supports_prompt_caching": compat.supports_prompt_caching,
    "supports_audio_input": compat.supports_audio_input,
    "supports_audio_output": compat.supports_audio_output,
    "supports_pdf_input": compat.supports_pdf_input,
    "supports_web_search": compat.supports_web_search,
}


@pytest.fixture(scope="module")
def upstream_map(upstream_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((upstream_dir / "litellm" / "model_prices_and_context_window.json").read_text())
    return data


def _exact(value: float) -> Decimal:
    return Decimal(repr(value))


@pytest.mark.parametrize(("name", "key"), NAMES)
def test_get_model_info_answers_the_upstream_maps_values(
    registry: modelreg.Registry, upstream_map: dict[str, Any], name: str, key: str
) -> None:
    info = compat.get_model_info(name, registry=registry)
    entry = upstream_map[key]
    assert info["key"] == key
    for field in (
        "max_input_tokens",
        "max_output_tokens",
        "max_tokens",
        "input_cost_per_token",
        "output_cost_per_token",
        "cache_read_input_token_cost",
        "litellm_provider",
        "mode",
    ):
        assert info[field] == entry.get(field), field
    assert info["supported_openai_params"] and "max_tokens" in info["supported_openai_params"]
    assert info["supports_system_messages"] is None  # a flag modelreg keeps no fact for


@pytest.mark.parametrize(("name", "key"), NAMES)
def test_cost_per_token_is_the_upstream_price_exactly(
    registry: modelreg.Registry, upstream_map: dict[str, Any], name: str, key: str
) -> None:
    entry = upstream_map[key]
    prompt, completion = compat.cost_per_token(name, 1234, 567, registry=registry)
    assert _exact(prompt) == _exact(entry["input_cost_per_token"]) * 1234  # worked out in Decimal, not in floats
    assert _exact(completion) == _exact(entry["output_cost_per_token"]) * 567


def test_cost_per_token_bills_cache_reads_and_writes(registry: modelreg.Registry, upstream_map: dict[str, Any]) -> None:
    entry = upstream_map["claude-sonnet-4-5-20250929"]
    prompt, completion = compat.cost_per_token(
        "claude-sonnet-4-5-20250929",
        prompt_tokens=3000,  # LiteLLM counts cache reads and writes in the prompt tokens
        completion_tokens=100,
        cache_read_input_tokens=2000,
        cache_creation_input_tokens=500,
        registry=registry,
    )
    expected = (
        _exact(entry["input_cost_per_token"]) * 500
        + _exact(entry["cache_read_input_token_cost"]) * 2000
        + _exact(entry["cache_creation_input_token_cost"]) * 500
    )
    assert _exact(prompt) == expected
    assert _exact(completion) == _exact(entry["output_cost_per_token"]) * 100


def test_cost_per_token_moves_the_whole_request_to_the_long_context_tier(
    registry: modelreg.Registry, upstream_map: dict[str, Any]
) -> None:
    entry = upstream_map["gemini/gemini-2.5-pro"]
    prompt, completion = compat.cost_per_token(
        "gemini-2.5-pro", 250_000, 1000, custom_llm_provider="gemini", registry=registry
    )
    assert _exact(prompt) == _exact(entry["input_cost_per_token_above_200k_tokens"]) * 250_000
    assert _exact(completion) == _exact(entry["output_cost_per_token_above_200k_tokens"]) * 1000


def test_custom_llm_provider_reads_the_name_on_that_platform(registry: modelreg.Registry) -> None:
    assert compat.get_model_info("gpt-4o", custom_llm_provider="azure", registry=registry)["key"] == "azure/gpt-4o"
    assert compat.cost_per_token(
        "gpt-4o", 1000, 0, custom_llm_provider="azure", registry=registry
    ) == compat.cost_per_token("azure/gpt-4o", 1000, 0, registry=registry)


def test_completion_cost_of_a_litellm_response(registry: modelreg.Registry, upstream_map: dict[str, Any]) -> None:
    """A ModelResponse from Claude as LiteLLM shapes it: prompt_tokens include the cache reads and writes,
    which it also repeats beside them."""
    entry = upstream_map["claude-sonnet-4-5-20250929"]
    usage = {
        "prompt_tokens": 1200,
        "completion_tokens": 100,
        "total_tokens": 1300,
        "cache_read_input_tokens": 1000,
        "cache_creation_input_tokens": 100,
        "prompt_tokens_details": {"cached_tokens": 1000, "cache_creation_tokens": 100},
        "completion_tokens_details": {"reasoning_tokens": 40},
    }
    response = {"id": "x", "model": "claude-sonnet-4-5-20250929", "choices": [], "usage": usage}
    expected = (
        _exact(entry["input_cost_per_token"]) * 100
        + _exact(entry["cache_read_input_token_cost"]) * 1000
        + _exact(entry["cache_creation_input_token_cost"]) * 100
        + _exact(entry["output_cost_per_token"]) * 100
    )
    assert _exact(compat.completion_cost(response, registry=registry)) == expected
    # an object with attributes (and a pydantic-like usage) reads the same
    as_object = SimpleNamespace(model=response["model"], usage=SimpleNamespace(model_dump=lambda: dict(usage)))
    assert compat.completion_cost(as_object, registry=registry) == compat.completion_cost(response, registry=registry)


def test_completion_cost_of_an_openai_response_with_the_model_given(
    registry: modelreg.Registry, upstream_map: dict[str, Any]
) -> None:
    entry = upstream_map["gpt-4o"]
    response = {
        "model": "something-else",
        "usage": {"prompt_tokens": 2000, "completion_tokens": 300, "prompt_tokens_details": {"cached_tokens": 1024}},
    }
    expected = (
        _exact(entry["input_cost_per_token"]) * (2000 - 1024)
        + _exact(entry["cache_read_input_token_cost"]) * 1024
        + _exact(entry["output_cost_per_token"]) * 300
    )
    assert _exact(compat.completion_cost(response, model="gpt-4o", registry=registry)) == expected


@pytest.mark.parametrize("flag", sorted(SUPPORTS))
@pytest.mark.parametrize(("name", "key"), MAKER_NAMES)
def test_supports_flags_match_the_upstream_map(
    registry: modelreg.Registry, upstream_map: dict[str, Any], name: str, key: str, flag: str
) -> None:
    assert SUPPORTS[flag](name, registry=registry) is bool(upstream_map[key].get(flag))
    assert compat.get_model_info(name, registry=registry)[flag] is bool(upstream_map[key].get(flag))


def test_get_supported_openai_params_follows_the_parameter_rules(registry: modelreg.Registry) -> None:
    gpt = compat.get_supported_openai_params("gpt-4o", registry=registry)
    assert gpt is not None and {"temperature", "tools", "parallel_tool_calls", "response_format"} <= set(gpt)
    reasoning = compat.get_supported_openai_params("o3", registry=registry)
    assert reasoning is not None and "temperature" not in reasoning and "reasoning_effort" in reasoning
    claude = compat.get_supported_openai_params("claude-sonnet-4-5-20250929", registry=registry)
    assert claude is not None and "frequency_penalty" not in claude and "top_k" in claude
    for name, params in (("gpt-4o", gpt), ("o3", reasoning), ("claude-sonnet-4-5-20250929", claude)):
        issues = registry.validate(name, {param: _valid(param) for param in params})
        assert [i for i in issues if i.severity == "error"] == [], name


def _valid(param: str) -> Any:
    samples: dict[str, Any] = {
        "stop": ["\n"],
        "tools": [{"type": "function"}],
        "tool_choice": "auto",
        "response_format": {"type": "json_object"},
        "reasoning_effort": "low",
        "user": "u",
        "logprobs": True,
        "stream": True,
        "parallel_tool_calls": True,
        "temperature": 0.5,
        "top_p": 0.5,
    }
    return samples.get(param, 1)


def test_unknown_model_raises_like_litellm_does(registry: modelreg.Registry) -> None:
    with pytest.raises(
        compat.ModelNotMappedError,
        match=r"^This model isn't mapped yet\. model=gpt-9-ultra, custom_llm_provider=None\.",
    ) as raised:
        compat.get_model_info("gpt-9-ultra", registry=registry)
    assert isinstance(raised.value, ModelNotFoundError) and isinstance(raised.value, ModelregError)
    assert raised.value.name == "gpt-9-ultra"
    with pytest.raises(compat.ModelNotMappedError, match="custom_llm_provider=azure"):
        compat.cost_per_token("gpt-9-ultra", 10, 10, custom_llm_provider="azure", registry=registry)
    with pytest.raises(Exception, match="isn't mapped yet"):  # what code written for LiteLLM catches
        compat.completion_cost({"model": "gpt-9-ultra", "usage": {"prompt_tokens": 1}}, registry=registry)
    with pytest.raises(compat.ModelNotMappedError) as near:
        compat.get_model_info("gpt4o", registry=registry)
    assert "openai/gpt-4o" in near.value.suggestions and "Did you mean" in str(near.value)
    assert compat.supports_vision("gpt-9-ultra", registry=registry) is False
    assert compat.get_supported_openai_params("gpt-9-ultra", registry=registry) is None


def test_an_unpriced_model_has_no_price_not_zero(registry: modelreg.Registry) -> None:
    unpriced = next(m for m in registry.models() if m.pricing.is_empty() and not registry.routes(m.id))
    info = compat.get_model_info(unpriced.id, registry=registry)
    assert info["input_cost_per_token"] is None and info["output_cost_per_token"] is None
    with pytest.raises(modelreg.ValidationError):
        compat.cost_per_token(unpriced.id, 10, 10, registry=registry)


def test_the_functions_are_in_the_compat_package() -> None:
    import modelreg.compat

    for name in compat.__all__:
        assert getattr(modelreg.compat, name) is getattr(compat, name)
