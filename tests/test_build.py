"""The catalog build: precedence, placement, conflicts, and reproducing the committed catalog."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

import modelreg
from modelreg.catalog import CATALOG_DIR, build
from modelreg.catalog.files import read_conflicts
from modelreg.errors import CatalogError


@pytest.fixture()
def mini(curated_dir: Path, mini_upstream: Path) -> modelreg.Registry:
    """A registry over a catalog built from the miniature snapshots."""
    build.build(mini_upstream, curated_dir)
    return modelreg.load(curated_dir)


def test_maker_prices_come_from_the_maker_api_by_evidence(mini: modelreg.Registry) -> None:
    gpt = mini.get("openai/gpt-4o")
    assert gpt.pricing.input == Decimal("2.5")
    assert gpt.pricing.output == Decimal("10")  # LiteLLM and genai-prices say 10, models.dev 12: two beat one
    assert gpt.pricing.batch_discount == Decimal("0.5")  # only LiteLLM knows it: the gap is filled
    assert gpt.limits.context_window == 128000
    assert [s.source for s in gpt.sources] == ["overrides", "models.dev", "litellm", "genai-prices"]
    genai = gpt.sources[-1]
    assert genai.key == "openai/gpt-4o" and genai.url == "https://platform.openai.com/docs/pricing"


def test_disagreements_are_recorded_as_conflicts(curated_dir: Path, mini_upstream: Path) -> None:
    build.build(mini_upstream, curated_dir)
    conflicts = {(c.subject, c.field): c for c in read_conflicts(curated_dir)}
    conflict = conflicts[("openai/gpt-4o", "pricing.output")]
    assert conflict.values == {
        "models.dev:openai/gpt-4o": Decimal("12"),
        "litellm:gpt-4o": Decimal("10"),
        "genai-prices:openai/gpt-4o": Decimal("10"),
    }
    assert conflict.chosen == "litellm:gpt-4o" and conflict.rule == "majority"


def test_undated_anthropic_names_are_aliases_of_the_dated_snapshot(mini: modelreg.Registry) -> None:
    sonnet = mini.resolve("claude-sonnet-4-5")
    assert sonnet.id == "anthropic/claude-sonnet-4-5-20250929"
    assert "claude-sonnet-4-5" in sonnet.aliases
    assert "anthropic/claude-sonnet-4-5" not in mini  # not a model of its own
    assert sonnet.pricing.tiers[0].above_tokens == 200000 and sonnet.pricing.tiers[0].input == Decimal("6")


def test_platform_entries_become_routes_with_their_own_prices(mini: modelreg.Registry) -> None:
    found = mini.lookup("azure/eu/gpt-4o")
    assert found.model.id == "openai/gpt-4o"
    assert found.route is not None and found.route.platform == "azure"
    eu = next(d for d in found.route.deployments if d.region == "eu")
    assert eu.pricing is not None and eu.pricing.input == Decimal("2.75")
    assert found.route.pricing.input == Decimal("2.5")

    bedrock = mini.lookup("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert bedrock.model.id == "anthropic/claude-sonnet-4-5-20250929"
    assert bedrock.route is not None and bedrock.route.regions == ["global", "us", "us-gov-west-1"]

    openrouter = mini.lookup("openrouter/anthropic/claude-sonnet-4.5")
    assert openrouter.model.id == "anthropic/claude-sonnet-4-5-20250929"
    assert openrouter.route is not None and openrouter.route.limits is not None
    assert openrouter.route.limits.context_window == 1_000_000  # the platform's limit, not the maker's


def test_a_model_only_platforms_serve_gets_one_canonical_id(mini: modelreg.Registry) -> None:
    via_openrouter = mini.resolve("openrouter/meta-llama/llama-3.3-70b-instruct")
    via_together = mini.resolve("together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo")
    assert via_openrouter.id == via_together.id == "meta/llama-3.3-70b-instruct"
    assert via_openrouter.pricing.is_empty()  # a platform's price is never the maker's price
    assert {r.platform for r in mini.routes(via_openrouter.id)} == {"openrouter", "together_ai"}
    assert via_openrouter.size_b == 70 and via_openrouter.size_estimated


def test_out_of_scope_entries_are_not_read(mini: modelreg.Registry) -> None:
    for name in ("dall-e-3", "replicate/meta/llama-2-70b-chat", "nano-gpt/gpt-4o"):
        with pytest.raises(modelreg.ModelNotFoundError):
            mini.resolve(name)


def test_curated_overrides_win_and_add_retired_models(mini: modelreg.Registry) -> None:
    gemini_15 = mini.get("google/gemini-1.5-pro")
    assert gemini_15.lifecycle.status is modelreg.Status.retired
    assert gemini_15.lifecycle.replacement == "google/gemini-2.5-pro"
    assert mini.get("openai/gpt-4o").lifecycle.release_date == "2024-05-13"


def test_check_reports_stale_and_stray_files(curated_dir: Path, mini_upstream: Path) -> None:
    build.build(mini_upstream, curated_dir)
    assert build.check(mini_upstream, curated_dir) == []
    claude = curated_dir / "models/claude.yaml"
    claude.write_text(claude.read_text(encoding="utf-8").replace("Claude Sonnet 4.5", "Claude Sonnet 9"), "utf-8")
    (curated_dir / "models/stray.yaml").write_text("family: stray\nmodels: []\n", encoding="utf-8")
    (curated_dir / "index.json").unlink()
    assert set(build.check(mini_upstream, curated_dir)) == {"models/claude.yaml", "models/stray.yaml", "index.json"}
    result = build.build(mini_upstream, curated_dir)
    assert "models/stray.yaml" in result.written and not (curated_dir / "models/stray.yaml").exists()
    assert build.check(mini_upstream, curated_dir) == []


def test_missing_snapshots_are_a_clear_error(curated_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="upstream snapshot not found"):
        build.build(tmp_path / "nowhere", curated_dir)


def test_the_build_reproduces_the_committed_catalog(upstream_dir: Path) -> None:
    """The committed YAML, schemas and index are exactly what the snapshots and overrides produce."""
    assert build.check(upstream_dir, CATALOG_DIR) == []


def test_the_build_is_deterministic(upstream_dir: Path, curated_dir: Path, tmp_path: Path) -> None:
    first = build.build(upstream_dir, curated_dir).files
    second_dir = tmp_path / "again"
    shutil.copytree(curated_dir, second_dir)
    assert build.build(upstream_dir, second_dir).files == first
