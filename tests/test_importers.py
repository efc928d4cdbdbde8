"""The importers: each upstream's fields in modelreg's units and names."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from modelreg.errors import SourceError
from modelreg.sync import genai_prices, litellm, modelsdev
from modelreg.sync.matching import CERTAIN, GUESS, Match
from modelreg.sync.records import per_million


@pytest.mark.parametrize(
    ("per_token", "per_1m"),
    [(2.5e-06, "2.5"), (1e-05, "10"), (3.0000000000000004e-07, "0.3"), (1.25e-07, "0.125"), (0.0, "0"), (None, None)],
)
def test_per_token_floats_become_exact_prices_per_million(per_token: float | None, per_1m: str | None) -> None:
    assert per_million(per_token) == (None if per_1m is None else Decimal(per_1m))


def test_litellm_entry_facts_cover_prices_tiers_batch_and_capabilities() -> None:
    facts = litellm.facts(
        "claude-x",
        {
            "mode": "chat",
            "input_cost_per_token": 3e-06,
            "output_cost_per_token": 1.5e-05,
            "cache_creation_input_token_cost": 3.75e-06,
            "cache_read_input_token_cost": 3e-07,
            "input_cost_per_token_above_200k_tokens": 6e-06,
            "output_cost_per_token_above_200k_tokens": 2.25e-05,
            "input_cost_per_token_batches": 1.5e-06,
            "cache_creation_input_token_cost_above_1hr": 6e-06,
            "max_input_tokens": 200000,
            "max_output_tokens": 64000,
            "supports_function_calling": True,
            "supports_vision": True,
            "supports_reasoning": True,
            "deprecation_date": "2026-11-30",
        },
    )
    assert facts["pricing"]["input"] == Decimal("3") and facts["pricing"]["cache_write"] == Decimal("3.75")
    assert facts["pricing"]["tiers"] == [{"above_tokens": 200000, "input": Decimal("6"), "output": Decimal("22.5")}]
    assert facts["pricing"]["batch_discount"] == Decimal("0.5")
    assert {"chat", "tools", "vision", "reasoning", "batch", "streaming"} <= facts["capabilities"]
    assert facts["limits"] == {"max_input_tokens": 200000, "max_output_tokens": 64000}
    assert facts["lifecycle"] == {"deprecation_date": "2026-11-30"}
    assert facts["modalities_in"] == ["text", "image"]


def test_litellm_fine_tune_entries_name_their_base() -> None:
    facts = litellm.facts("ft:gpt-4o-mini-2024-07-18", {"mode": "chat", "input_cost_per_token": 3e-07})
    assert facts["base_model"] == "gpt-4o-mini-2024-07-18" and facts["tags"] == ["fine-tuned"]


def test_litellm_reads_only_the_asked_modes(mini_upstream: Path) -> None:
    records = litellm.read(mini_upstream / "litellm/model_prices_and_context_window.json", modes=["chat"])
    keys = {r.key for r in records}
    assert "gpt-4o" in keys and "dall-e-3" not in keys and "text-embedding-3-small" not in keys
    assert "sample_spec" not in keys
    assert all(r.as_of.startswith("sha256:") for r in records)


def test_modelsdev_entry_facts() -> None:
    facts = modelsdev.facts(
        "o3",
        {
            "name": "o3",
            "reasoning": True,
            "tool_call": True,
            "temperature": False,
            "release_date": "2025-04-16",
            "knowledge": "2024-05",
            "open_weights": False,
            "modalities": {"input": ["text", "image"], "output": ["text"]},
            "cost": {"input": 2, "output": 8, "cache_read": 0.5},
            "limit": {"context": 200000, "output": 100000},
        },
    )
    assert facts["pricing"] == {"input": Decimal(2), "output": Decimal(8), "cache_read": Decimal("0.5")}
    assert facts["limits"] == {"context_window": 200000, "max_output_tokens": 100000}
    assert facts["parameters"] == {"temperature": {"supported": False}}
    assert {"chat", "reasoning", "tools", "vision"} <= facts["capabilities"]
    assert facts["lifecycle"] == {"release_date": "2025-04-16"}


def test_modelsdev_embedding_models_are_not_chat_models() -> None:
    facts = modelsdev.facts("gemini-embedding-001", {"modalities": {"input": ["text"], "output": ["text"]}})
    assert facts["capabilities"] == {"embedding"}


def test_unreadable_snapshot_is_a_source_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(SourceError) as info:
        litellm.read(broken)
    assert info.value.source == "litellm"
    with pytest.raises(SourceError):
        modelsdev.read(tmp_path / "missing.json")


def test_litellm_reads_one_hour_cache_writes_image_output_and_web_search() -> None:
    facts = litellm.facts(
        "claude-y",
        {
            "mode": "chat",
            "input_cost_per_token": 3e-06,
            "cache_creation_input_token_cost_above_1hr": 6e-06,
            "cache_creation_input_token_cost_above_1hr_above_200k_tokens": 1.2e-05,
            "input_cost_per_token_above_200k_tokens": 6e-06,
            "output_cost_per_image_token": 3e-05,
            "search_context_cost_per_query": {"search_context_size_low": 0.03, "search_context_size_medium": 0.035},
        },
    )
    pricing = facts["pricing"]
    assert pricing["cache_write_1h"] == Decimal("6") and pricing["output_image"] == Decimal("30")
    assert pricing["web_search"] == Decimal("0.035")  # the medium context size, OpenAI's default
    assert pricing["tiers"] == [{"above_tokens": 200000, "input": Decimal("6"), "cache_write_1h": Decimal("12")}]


def test_modelsdev_reads_its_older_200k_context_spelling_as_a_tier() -> None:
    facts = modelsdev.facts(
        "gemini-x", {"cost": {"input": 1.25, "output": 10, "context_over_200k": {"input": 2.5, "output": 15}}}
    )
    assert facts["pricing"]["tiers"] == [{"above_tokens": 200000, "input": Decimal("2.5"), "output": Decimal("15")}]


def test_genai_prices_entry_facts_cover_tiers_requests_and_free() -> None:
    tiered = genai_prices.facts(
        {
            "id": "claude-sonnet-4-5",
            "name": "Claude Sonnet 4.5",
            "match": {"starts_with": "claude-sonnet-4-5"},
            "prices": {
                "input_mtok": {"base": 3, "tiers": [{"start": 200000, "price": 6}]},
                "cache_read_mtok": 0.3,
                "output_mtok": {"base": 15, "tiers": [{"start": 200000, "price": 22.5}]},
                "requests_kcount": 12,
            },
        }
    )
    assert tiered["display_name"] == "Claude Sonnet 4.5"
    assert tiered["pricing"] == {
        "input": Decimal(3),
        "cache_read": Decimal("0.3"),
        "output": Decimal(15),
        "request": Decimal("0.012"),  # $12 per 1,000 requests
        "tiers": [{"above_tokens": 200000, "input": Decimal(6), "output": Decimal("22.5")}],
    }
    free = genai_prices.facts({"id": "x:free", "match": {"equals": "x:free"}, "prices": {}})
    assert free["pricing"] == {"input": Decimal(0), "output": Decimal(0)}


def test_genai_prices_dated_lists_become_a_price_history() -> None:
    facts = genai_prices.facts(
        {
            "id": "o3",
            "match": {"equals": "o3"},
            "prices": [
                {"prices": {"input_mtok": 10, "output_mtok": 40}},
                {"constraint": {"start_date": "2025-06-10"}, "prices": {"input_mtok": 2, "output_mtok": 8}},
            ],
        }
    )
    assert facts["pricing"] == {"input": Decimal(2), "output": Decimal(8), "effective_from": "2025-06-10"}
    assert facts["price_history"] == [{"input": Decimal(10), "output": Decimal(40), "effective_until": "2025-06-10"}]


def test_genai_prices_time_of_day_prices_keep_the_standard_price(mini_upstream: Path) -> None:
    records = {r.key: r for r in genai_prices.read(mini_upstream / "genai-prices/data.json")}
    deepseek = records["deepseek/deepseek-chat"]
    # 00:30-16:30 UTC (16 hours) is DeepSeek's standard price; the off-peak discount is not modelled
    assert deepseek.facts["pricing"] == {
        "input": Decimal("0.27"),
        "output": Decimal("1.1"),
        "cache_read": Decimal("0.07"),
    }
    assert "price_history" not in deepseek.facts
    assert deepseek.url == "https://api-docs.deepseek.com/quick_start/pricing"


@pytest.mark.parametrize(
    ("rule", "name", "verdict"),
    [
        ({"or": [{"equals": "gpt-4o"}, {"equals": "gpt-4o-2024-08-06"}]}, "GPT-4o-2024-08-06", CERTAIN),
        ({"contains": "gemini-1.5-flash"}, "gemini-1.5-flash-002", GUESS),
        ({"contains": "gemini-1.5-flash"}, "gemini-1.5-flash@001", GUESS),
        ({"contains": "gemini-1.5-flash"}, "gemini-1.5-flash-8b", None),  # another model, not a version
        ({"contains": "gemini-2.0-flash-0"}, "gemini-2.0-flash-001", GUESS),  # the clause ends inside -001
        ({"starts_with": "claude-opus-4"}, "claude-opus-4-1", None),  # a version digit of the model's own
        (
            {"contains": "us.anthropic.claude-sonnet-4-5-20250929"},
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            GUESS,
        ),
        ({"contains": "us.anthropic.claude-sonnet-4-5-20250929"}, "eu.anthropic.claude-sonnet-4-5-20250929-v1:0", None),
        ({"starts_with": "anthropic.claude-x"}, "anthropic.claude-x-v2:0", GUESS),
        ({"regex": "^grok-4\\.3-\\d{8}$"}, "grok-4.3-20260417", GUESS),
        ({"and": [{"starts_with": "gpt-"}, {"contains": "mini"}]}, "gpt-4o-mini", None),
    ],
)
def test_genai_prices_match_rules_are_evidence_for_names(
    rule: dict[str, object], name: str, verdict: str | None
) -> None:
    assert Match(rule, "some-id").test(name) == verdict


def test_the_full_genai_prices_snapshot_loads_end_to_end(upstream_dir: Path) -> None:
    records = genai_prices.read(upstream_dir / "genai-prices/data.json")
    assert len(records) > 1000 and len({r.upstream_provider for r in records}) > 30
    by_key = {r.key: r for r in records}
    o3 = by_key["openai/o3"]
    assert o3.facts["pricing"]["effective_from"] == "2025-06-10" and o3.facts["price_history"][0]["input"] == 10
    assert by_key["anthropic/claude-sonnet-4-5"].facts["pricing"]["tiers"][0]["above_tokens"] == 200000
    assert all(r.match is not None and r.url for r in records)
    regional = by_key["aws/regional.anthropic.claude-sonnet-4-5-20250929-v1:0"].match
    assert regional.test("us.anthropic.claude-sonnet-4-5-20250929-v1:0") == GUESS
    assert regional.test("global.anthropic.claude-sonnet-4-5-20250929-v1:0") is None


def test_genai_prices_that_is_not_a_provider_list_is_a_source_error(tmp_path: Path) -> None:
    wrong = tmp_path / "data.json"
    wrong.write_text('{"providers": []}', encoding="utf-8")
    with pytest.raises(SourceError) as info:
        genai_prices.read(wrong)
    assert info.value.source == "genai-prices"
