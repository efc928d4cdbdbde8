"""Usage objects as providers really send them, priced by ``cost_from_usage``: one row per shape.

The rows price against a small registry whose prices are written here, so each expected part is the
billing rule worked by hand (tokens x USD per 1M); a few rows then check the bundled catalog end to end.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import modelreg
from modelreg.pricing import PriceTable

D = Decimal
M = D(1_000_000)

# USD per 1M tokens (web_search per search)
RICH = {
    "input": "2",
    "output": "8",
    "cache_read": "0.5",
    "cache_write": "2.5",
    "input_audio": "40",
    "output_audio": "80",
    "output_image": "30",
    "web_search": "0.01",
}
ONE_HOUR = {"input": "3", "output": "15", "cache_read": "0.3", "cache_write": "3.75", "cache_write_1h": "6"}
FLAT = {"input": "1", "output": "2"}


def _model(model_id: str, pricing: dict[str, str]) -> dict[str, Any]:
    provider, _, name = model_id.partition("/")
    return {"id": model_id, "provider": provider, "name": name, "family": name, "pricing": pricing}


@pytest.fixture(scope="module")
def reg() -> modelreg.Registry:
    models = {m["id"]: m for m in (_model("acme/rich", RICH), _model("acme/hour", ONE_HOUR), _model("acme/flat", FLAT))}
    names = {model_id: [model_id, "", ""] for model_id in models}
    return modelreg.Registry({"models": models, "routes": {}, "providers": {}, "platforms": {}, "names": names})


def usd(tokens: int, price: str) -> Decimal:
    return tokens * D(price) / M


SHAPES: list[tuple[str, str, dict[str, Any], dict[str, Decimal]]] = [
    (
        "openai chat: cached and audio prompt tokens, reasoning and audio completion tokens",
        "acme/rich",
        {
            "prompt_tokens": 1200,
            "completion_tokens": 700,
            "total_tokens": 1900,
            "prompt_tokens_details": {"cached_tokens": 400, "audio_tokens": 300},
            "completion_tokens_details": {
                "reasoning_tokens": 200,
                "audio_tokens": 100,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        {
            "input": usd(500, "2"),
            "cache_read": usd(400, "0.5"),
            "audio_input": usd(300, "40"),
            "output": usd(600, "8"),  # reasoning is billed as output here: no reasoning price
            "audio_output": usd(100, "80"),
        },
    ),
    (
        "openai chat through OpenRouter: cache writes billed at the cache-write price, not as input",
        "acme/rich",
        {
            "prompt_tokens": 5000,
            "completion_tokens": 10,
            "prompt_tokens_details": {"cached_tokens": 1000, "cache_write_tokens": 3000},
        },
        {
            "input": usd(1000, "2"),
            "cache_read": usd(1000, "0.5"),
            "cache_write": usd(3000, "2.5"),
            "output": usd(10, "8"),
        },
    ),
    (
        "openai responses: cached, cache writes, reasoning and generated image tokens",
        "acme/rich",
        {
            "input_tokens": 2000,
            "input_tokens_details": {"cached_tokens": 500, "cache_write_tokens": 500},
            "output_tokens": 4300,
            "output_tokens_details": {"reasoning_tokens": 100, "image_tokens": 4160},
            "total_tokens": 6300,
        },
        {
            "input": usd(1000, "2"),
            "cache_read": usd(500, "0.5"),
            "cache_write": usd(500, "2.5"),
            "output": usd(140, "8"),
            "output_image": usd(4160, "30"),
        },
    ),
    (
        "anthropic: 5-minute and 1-hour cache writes, and web searches at their per-search price",
        "acme/rich",
        {
            "input_tokens": 50,
            "cache_creation_input_tokens": 3000,
            "cache_read_input_tokens": 10000,
            "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 2000},
            "output_tokens": 400,
            "server_tool_use": {"web_search_requests": 3},
            "service_tier": "standard",
        },
        {
            "input": usd(50, "2"),
            "cache_read": usd(10000, "0.5"),
            "cache_write": usd(1000, "2.5"),
            "cache_write_1h": usd(2000, "4"),  # no 1-hour price: Anthropic's rule, 2x the input price
            "output": usd(400, "8"),
            "web_search": 3 * D("0.01"),
        },
    ),
    (
        "anthropic: 1-hour writes at the model's own 1-hour price",
        "acme/hour",
        {
            "input_tokens": 10,
            "cache_creation_input_tokens": 500,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 500},
            "output_tokens": 20,
        },
        {"input": usd(10, "3"), "cache_write_1h": usd(500, "6"), "output": usd(20, "15")},
    ),
    (
        "gemini: audio prompt (part cached), tool-use prompt, thoughts and a generated image",
        "acme/rich",
        {
            "promptTokenCount": 3000,
            "candidatesTokenCount": 1390,
            "thoughtsTokenCount": 210,
            "toolUsePromptTokenCount": 120,
            "cachedContentTokenCount": 1000,
            "totalTokenCount": 4720,
            "promptTokensDetails": [
                {"modality": "TEXT", "tokenCount": 1200},
                {"modality": "AUDIO", "tokenCount": 1500},
                {"modality": "IMAGE", "tokenCount": 300},
            ],
            "cacheTokensDetails": [{"modality": "AUDIO", "tokenCount": 1000}],
            "candidatesTokensDetails": [
                {"modality": "TEXT", "tokenCount": 100},
                {"modality": "IMAGE", "tokenCount": 1290},
            ],
            "trafficType": "ON_DEMAND",
        },
        {
            "input": usd(3120 - 1000 - 500, "2"),  # text, image and tool-use prompt; not cache, not audio
            "cache_read": usd(1000, "0.5"),
            "audio_input": usd(500, "40"),
            "output": usd(310, "8"),
            "output_image": usd(1290, "30"),
        },
    ),
    (
        "gemini, snake_case as the Python SDK writes it",
        "acme/rich",
        {
            "prompt_token_count": 100,
            "candidates_token_count": 50,
            "thoughts_token_count": 25,
            "prompt_tokens_details": [{"modality": "AUDIO", "token_count": 40}],
        },
        {"input": usd(60, "2"), "audio_input": usd(40, "40"), "output": usd(75, "8")},
    ),
    (
        "bedrock converse: inputTokens exclude cache reads and writes; cacheDetails gives the 1h writes",
        "acme/rich",
        {
            "inputTokens": 200,
            "outputTokens": 300,
            "totalTokens": 3500,
            "cacheReadInputTokens": 1000,
            "cacheWriteInputTokens": 2000,
            "cacheDetails": [{"ttl": "5m", "inputTokens": 500}, {"ttl": "1h", "inputTokens": 1500}],
        },
        {
            "input": usd(200, "2"),
            "cache_read": usd(1000, "0.5"),
            "cache_write": usd(500, "2.5"),
            "cache_write_1h": usd(1500, "4"),
            "output": usd(300, "8"),
        },
    ),
    (
        "mistral: num_cached_tokens are cache reads among prompt_tokens",
        "acme/rich",
        {"prompt_tokens": 900, "completion_tokens": 100, "total_tokens": 1000, "num_cached_tokens": 600},
        {"input": usd(300, "2"), "cache_read": usd(600, "0.5"), "output": usd(100, "8")},
    ),
    (
        "deepseek: prompt_cache_hit_tokens are cache reads among prompt_tokens",
        "acme/rich",
        {
            "prompt_tokens": 1000,
            "completion_tokens": 10,
            "prompt_cache_hit_tokens": 800,
            "prompt_cache_miss_tokens": 200,
        },
        {"input": usd(200, "2"), "cache_read": usd(800, "0.5"), "output": usd(10, "8")},
    ),
]


@pytest.mark.parametrize(("case", "model", "usage", "parts"), SHAPES, ids=[row[0].split(":")[0] for row in SHAPES])
def test_usage_shapes(
    reg: modelreg.Registry, case: str, model: str, usage: dict[str, Any], parts: dict[str, Decimal]
) -> None:
    cost = reg.cost_from_usage(model, usage)
    for name in cost.as_dict():
        if isinstance(getattr(cost, name, None), Decimal) and name != "total":
            assert getattr(cost, name) == parts.get(name, 0), (case, name)
    assert cost.total == sum(parts.values())
    assert cost.unread == () and cost.unpriced == ()


@pytest.mark.parametrize(
    ("usage", "unread"),
    [
        ({"prompt_tokens": 10, "completion_tokens": 5, "cost": 0.0001, "is_byok": False}, ("cost",)),
        (
            {"prompt_tokens": 10, "completion_tokens": 5, "prompt_tokens_details": {"video_tokens": 4}},
            ("prompt_tokens_details.video_tokens",),
        ),
        (
            {"input_tokens": 10, "output_tokens": 5, "cache_read_input_tokens": 0, "service_tier": "priority"},
            ("service_tier=priority",),
        ),
        (
            {
                "promptTokenCount": 10,
                "candidatesTokenCount": 5,
                "promptTokensDetails": [{"modality": "HOLOGRAM", "tokenCount": 2}],
            },
            ("promptTokensDetails[0].modality=HOLOGRAM",),
        ),
        ({"inputTokens": 10, "outputTokens": 5, "serverToolUsage": {"webSearch": 1}}, ("serverToolUsage",)),
    ],
)
def test_unknown_fields_are_reported_not_dropped(
    reg: modelreg.Registry, usage: dict[str, Any], unread: tuple[str, ...]
) -> None:
    cost = reg.cost_from_usage("acme/flat", usage)
    assert cost.unread == unread
    assert cost.as_dict()["unread"] == list(unread)


def test_usage_the_model_has_no_price_for_is_named(reg: modelreg.Registry) -> None:
    cost = reg.cost_from_usage(
        "acme/flat",
        {
            "input_tokens": 100,
            "output_tokens": 10,
            "cache_read_input_tokens": 0,
            "server_tool_use": {"web_search_requests": 2},
        },
    )
    assert cost.unpriced == ("web_search",) and cost.web_search == 0
    audio = reg.cost_from_usage(
        "acme/flat", {"prompt_tokens": 100, "completion_tokens": 10, "prompt_tokens_details": {"audio_tokens": 60}}
    )
    assert audio.unpriced == ("audio_input",) and audio.input == usd(100, "1")  # billed at the text price, and said


@pytest.mark.parametrize(
    "usage",
    [
        {
            "input_tokens": 1,
            "output_tokens": 1,
            "cache_creation_input_tokens": 10,
            "cache_creation": {"ephemeral_1h_input_tokens": 11},
        },
        {
            "inputTokens": 1,
            "outputTokens": 1,
            "cacheWriteInputTokens": 10,
            "cacheDetails": [{"ttl": "1h", "inputTokens": 11}],
        },
        {"input_tokens": 10, "output_tokens": 5, "output_tokens_details": {"image_tokens": 6}},
        {"promptTokenCount": 5, "candidatesTokenCount": "5"},
        {"prompt_tokens": 5, "prompt_tokens_details": [1, 2]},
    ],
)
def test_usage_that_does_not_add_up_is_refused(reg: modelreg.Registry, usage: dict[str, Any]) -> None:
    with pytest.raises(modelreg.ValidationError):
        reg.cost_from_usage("acme/rich", usage)


def test_one_hour_writes_follow_the_long_context_tier() -> None:
    table = PriceTable.of(
        "acme/tiered",
        {"input": "3", "output": "15", "cache_write": "3.75", "tiers": [{"above_tokens": 200000, "input": "6"}]},
    )
    cost = table.cost(300_000, cache_write_tokens=100_000, cache_write_1h_tokens=100_000)
    assert cost.tier == 200_000 and cost.cache_write_1h == usd(100_000, "12")  # 2x the tier's input price


def test_bundled_catalog_prices_real_usage(registry: modelreg.Registry) -> None:
    """End to end on the bundled catalog: the expected cost is the rule applied to the model's own prices."""
    sonnet = registry.pricing("claude-sonnet-4-5")
    usage = {
        "input_tokens": 100,
        "output_tokens": 50,
        "cache_read_input_tokens": 1000,
        "cache_creation_input_tokens": 300,
        "cache_creation": {"ephemeral_5m_input_tokens": 100, "ephemeral_1h_input_tokens": 200},
    }
    cost = registry.cost_from_usage("claude-sonnet-4-5", usage)
    one_hour = sonnet.cache_write_1h if sonnet.cache_write_1h is not None else 2 * sonnet.input  # type: ignore[operator]
    assert cost.cache_write_1h == 200 * one_hour / M
    assert cost.cache_write == 100 * sonnet.cache_write / M  # type: ignore[operator]
    flash = registry.pricing("gemini-2.5-flash")
    gemini = registry.cost_from_usage(
        "gemini-2.5-flash",
        {
            "promptTokenCount": 1000,
            "candidatesTokenCount": 10,
            "promptTokensDetails": [{"modality": "AUDIO", "tokenCount": 800}],
        },
    )
    assert flash.input_audio is not None and gemini.audio_input == 800 * flash.input_audio / M
    assert gemini.input == 200 * flash.input / M  # type: ignore[operator]
    converse = registry.cost_from_usage(
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0", {"inputTokens": 100, "outputTokens": 10, "totalTokens": 110}
    )
    assert converse.total > 0 and converse.unread == ()
