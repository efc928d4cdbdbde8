"""Request validation and conversion (seed 002): each row is a request a user could send."""

from __future__ import annotations

from typing import Any

import pytest

import modelreg

LIFECYCLE_CODES = {"deprecated_model", "retired_model"}


def codes(issues: list[Any]) -> set[tuple[str, str | None]]:
    return {(i.code, i.param) for i in issues}


@pytest.mark.parametrize(
    ("model", "params", "prompt_tokens", "expected"),
    [
        ("gpt-4o", {"temperature": 0.7, "max_tokens": 1000}, None, set()),
        ("gpt-4o", {"max_tokens": 20000}, None, {("max_tokens_above_limit", "max_tokens")}),
        ("gpt-4o", {"temperature": 3}, None, {("out_of_range", "temperature")}),
        ("gpt-4o", {"temperature": "hot"}, None, {("wrong_type", "temperature")}),
        ("gpt-4o", {"telepathy": True}, None, {("unknown_parameter", "telepathy")}),
        ("gpt-4o", {"max_tokens": 10_000}, 120_000, {("context_overflow", None)}),
        ("gpt-4o", {"reasoning_effort": "high"}, None, {("missing_capability", "reasoning_effort")}),
        ("o3", {"temperature": 0.2}, None, {("unsupported_parameter", "temperature")}),
        ("o3", {"reasoning_effort": "extreme"}, None, {("not_allowed", "reasoning_effort")}),
        ("claude-sonnet-4-5", {"temperature": 1.5}, None, {("out_of_range", "temperature")}),
        ("claude-sonnet-4-5", {"seed": 7}, None, {("unsupported_parameter", "seed")}),
        ("text-embedding-3-small", {"tools": [{"type": "function"}]}, None, {("missing_capability", "tools")}),
        ("gemini-1.5-pro", {}, None, {("retired_model", None)}),
    ],
)
def test_validate(
    registry: modelreg.Registry,
    model: str,
    params: dict[str, Any],
    prompt_tokens: int | None,
    expected: set[tuple[str, str | None]],
) -> None:
    issues = registry.validate(model, params, prompt_tokens=prompt_tokens)
    found = codes(issues)
    if not any(code in LIFECYCLE_CODES for code, _ in expected):
        # a model's deprecation follows the calendar: rows about parameters must not break on the day it comes
        found = {(code, param) for code, param in found if code not in LIFECYCLE_CODES}
    assert found == expected
    assert all(i.message for i in issues)


@pytest.mark.parametrize(
    ("model", "params", "platform", "expected"),
    [
        (
            "gemini-2.5-pro",
            {"max_tokens": 100, "stop": ["\n"]},
            None,
            {"max_output_tokens": 100, "stop_sequences": ["\n"]},
        ),
        ("o3", {"max_tokens": 100}, None, {"max_completion_tokens": 100}),
        ("gpt-4o", {"max_tokens": 100, "stop": ["x"]}, None, {"max_tokens": 100, "stop": ["x"]}),
        ("claude-sonnet-4-5", {"stop": ["x"]}, None, {"stop_sequences": ["x"], "max_tokens": 4096}),
        (
            "claude-sonnet-4-5",
            {"stop": ["x"], "max_tokens": 50},
            "bedrock",
            {"stop_sequences": ["x"], "max_tokens": 50},
        ),
    ],
)
def test_convert_renames_from_data(
    registry: modelreg.Registry, model: str, params: dict[str, Any], platform: str | None, expected: dict[str, Any]
) -> None:
    converted = registry.convert(model, params, platform=platform)
    converted.pop("model", None)
    assert converted == expected


def test_convert_sets_the_platform_model_string(registry: modelreg.Registry) -> None:
    converted = registry.convert("us.anthropic.claude-sonnet-4-5-20250929-v1:0", {"max_tokens": 10})
    assert converted["model"] == "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    on_vertex = registry.convert("claude-sonnet-4-5", {}, platform="vertex_ai")["model"]
    vertex = next(r for r in registry.routes("anthropic/claude-sonnet-4-5-20250929") if r.platform == "vertex_ai")
    assert on_vertex == vertex.model_string and on_vertex in {d.model_string for d in vertex.deployments}


def test_convert_drops_or_refuses_what_the_api_rejects(registry: modelreg.Registry) -> None:
    assert "temperature" not in registry.convert("o3", {"temperature": 0.2, "max_tokens": 5})
    with pytest.raises(modelreg.ValidationError) as info:
        registry.convert("o3", {"temperature": 0.2}, strict=True)
    assert info.value.errors[0][0] == "temperature"


def test_module_level_shortcuts_for_requests() -> None:
    assert {i.code for i in modelreg.validate("o3", {"temperature": 1})} == {"unsupported_parameter"}
    assert modelreg.convert("gemini-2.5-pro", {"max_tokens": 5})["max_output_tokens"] == 5
    assert modelreg.migrate("claude-2").replacement == "anthropic/claude-sonnet-4-5-20250929"
    assert modelreg.find(provider="xai", required=["reasoning"])
    assert modelreg.cheapest(1000, 100, limit=1)[0].cost.total > 0
