"""The importers: each upstream's fields in modelreg's units and names."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from modelreg.errors import SourceError
from modelreg.sync import litellm, modelsdev
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
