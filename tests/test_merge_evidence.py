"""Merge by evidence, rule by rule, on miniature snapshots (tests/data/mini_upstream) a user could file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

import modelreg
from modelreg.catalog import build
from modelreg.catalog.files import read_conflicts
from modelreg.catalog.yamlio import dumps, load
from modelreg.errors import CatalogError
from modelreg.schema import Conflict
from modelreg.sync.evidence import MergeRules, is_rounding


@pytest.fixture()
def built(curated_dir: Path, mini_upstream: Path) -> Path:
    build.build(mini_upstream, curated_dir)
    return curated_dir


@pytest.fixture()
def mini(built: Path) -> modelreg.Registry:
    return modelreg.load(built)


def conflict(catalog_dir: Path, subject: str, field: str) -> Conflict:
    return next(c for c in read_conflicts(catalog_dir) if (c.subject, c.field) == (subject, field))


def test_two_sources_that_agree_beat_one(mini: modelreg.Registry, built: Path) -> None:
    assert mini.get("openai/gpt-4o").pricing.output == Decimal("10")
    decided = conflict(built, "openai/gpt-4o", "pricing.output")
    assert decided.rule == "majority" and len(decided.values) == 3  # all three values are kept


def test_a_rounded_value_loses_to_the_precise_one(mini: modelreg.Registry, built: Path) -> None:
    assert mini.get("openai/gpt-4o-mini").pricing.cache_read == Decimal("0.075")
    decided = conflict(built, "openai/gpt-4o-mini", "pricing.cache_read")
    assert decided.rule == "precision" and decided.chosen.startswith("litellm:")
    assert decided.values["models.dev:openai/gpt-4o-mini"] == Decimal("0.08")


@pytest.mark.parametrize(
    ("value", "of", "rounded"),
    [("0.08", "0.075", True), ("0.01", "0.005", True), ("0.083333", "0.083333333", True), ("3", "3.3", False)],
)
def test_rounding_means_fewer_decimal_places_of_cents_or_finer(value: str, of: str, rounded: bool) -> None:
    assert is_rounding(Decimal(value), of=Decimal(of)) is rounded


def test_a_value_that_breaks_an_invariant_loses(mini: modelreg.Registry, built: Path) -> None:
    sonnet_3 = mini.get("anthropic/claude-3-sonnet-20240229")
    assert sonnet_3.pricing.cache_write == Decimal("3.75")  # models.dev's 0.3 is below the input price
    decided = conflict(built, "anthropic/claude-3-sonnet-20240229", "pricing.cache_write")
    assert decided.rule == "invariant" and "cache_write_below_input" in (decided.reason or "")


def test_a_lone_value_that_breaks_an_invariant_is_dropped_and_recorded(mini: modelreg.Registry, built: Path) -> None:
    assert mini.get("openai/gpt-3.5-turbo").pricing.cache_read is None  # 1.25 > input 0.5: billed as input
    dropped = conflict(built, "openai/gpt-3.5-turbo", "pricing.cache_read")
    assert dropped.chosen == "" and dropped.rule == "invariant"


def test_one_source_saying_free_is_not_enough(mini: modelreg.Registry) -> None:
    assert mini.get("google/gemini-2.0-flash").pricing.is_empty()
    with pytest.raises(modelreg.ValidationError):
        mini.cost("google/gemini-2.0-flash", input_tokens=1000)


def test_an_image_output_price_never_passes_for_the_text_price(mini: modelreg.Registry, built: Path) -> None:
    image = mini.get("google/gemini-2.5-flash-image").pricing
    assert image.output == Decimal("2.5") and image.output_image == Decimal("30")
    decided = conflict(built, "google/gemini-2.5-flash-image", "pricing.output")
    assert "media_output_as_text" in (decided.reason or "")


def test_a_long_context_tier_any_source_states_is_kept(mini: modelreg.Registry) -> None:
    flash = mini.get("google/gemini-1.5-flash")  # curated base prices, the >128K tier from genai-prices
    assert flash.pricing.input == Decimal("0.075")
    assert [(t.above_tokens, t.input, t.output) for t in flash.pricing.tiers] == [
        (128000, Decimal("0.15"), Decimal("0.6"))
    ]
    assert mini.cost("gemini-1.5-flash", input_tokens=200_000).total == Decimal("0.03")


def test_dated_prices_become_the_price_history(mini: modelreg.Registry) -> None:
    o3 = mini.get("openai/o3")
    assert o3.pricing.input == Decimal("2") and o3.pricing.effective_from == dt.date(2025, 6, 10)
    assert [p.input for p in o3.price_history] == [Decimal("10")]
    assert mini.cost("o3", input_tokens=1_000_000, at=dt.date(2025, 6, 1)).total == Decimal("10")
    assert mini.cost("o3", input_tokens=1_000_000, at=dt.date(2025, 6, 10)).total == Decimal("2")


def test_genai_prices_prices_known_models_and_never_invents_one(mini: modelreg.Registry) -> None:
    assert mini.get("openai/gpt-4-32k").pricing.input == Decimal("60")  # only a platform served it before
    for name in ("novita/gpt-4o", "openai/o3-2025-04-16", "openai/gpt-4o-2024-08-06", "google/gemini-1.5-flash-8b"):
        assert name not in mini


def test_capabilities_follow_the_input_modalities(mini: modelreg.Registry) -> None:
    llama = mini.get("meta/llama-3.3-70b-instruct")  # a platform claims vision; the text-only modalities win
    assert llama.modalities_in == [modelreg.Modality.text] and not llama.has("vision")


def test_a_curated_override_needs_a_source_or_a_reason(curated_dir: Path, mini_upstream: Path) -> None:
    overrides = load(curated_dir / "overrides.yaml")
    overrides["models"]["openai/gpt-4o"] = {"pricing": {"input": 3}}
    (curated_dir / "overrides.yaml").write_text(dumps(overrides), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"without a `source:` URL or a `reason:`: openai/gpt-4o"):
        build.build(mini_upstream, curated_dir)
    overrides["models"]["openai/gpt-4o"]["source"] = "https://openai.com/api/pricing/"
    (curated_dir / "overrides.yaml").write_text(dumps(overrides), encoding="utf-8")
    build.build(mini_upstream, curated_dir)
    gpt = modelreg.load(curated_dir).get("openai/gpt-4o")
    assert gpt.pricing.input == Decimal("3")
    assert gpt.sources[0].source == "overrides" and gpt.sources[0].url == "https://openai.com/api/pricing/"


def test_a_catalog_that_breaks_an_invariant_is_not_written(curated_dir: Path, mini_upstream: Path) -> None:
    overrides = load(curated_dir / "overrides.yaml")
    overrides["models"]["openai/gpt-4o"] = {"reason": "a test", "pricing": {"cache_read": 9}}
    (curated_dir / "overrides.yaml").write_text(dumps(overrides), encoding="utf-8")
    with pytest.raises(CatalogError, match="openai/gpt-4o: cache_read_above_input"):
        build.build(mini_upstream, curated_dir)
    assert not (curated_dir / "index.json").exists()


def test_merge_rules_must_list_the_rules_in_the_order_the_code_applies(curated_dir: Path) -> None:
    rules = load(curated_dir / "merge.yaml")
    rules["rules"] = ["majority", "override", "invariant", "precision", "fallback"]
    (curated_dir / "merge.yaml").write_text(dumps(rules), encoding="utf-8")
    with pytest.raises(CatalogError, match="must list override, invariant, majority, precision, fallback"):
        MergeRules.load(curated_dir / "merge.yaml")


# -- regional deployments and priced variants, through modelreg.load().cost() -------------------------------


def test_a_bedrock_regional_profile_is_billed_at_its_own_price_in_every_tier(mini: modelreg.Registry) -> None:
    profile = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert mini.cost(profile, input_tokens=100_000).total == Decimal("0.33")
    assert mini.cost(profile, input_tokens=300_000).total == Decimal("1.98")  # 6.6 above 200K, 1.1x the 6.0
    global_profile = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert mini.cost(global_profile, input_tokens=300_000).total == Decimal("1.8")
    # the model id called in one region: LiteLLM says the global 3.0, the curated uplift (AWS) 1.1x
    in_region = "anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert mini.cost(in_region, input_tokens=100_000).total == Decimal("0.33")
    assert mini.cost(in_region, input_tokens=300_000).total == Decimal("1.98")
    # a region no source gives tiers for gets the route's tiers at its own multiple (3.6 = 1.2 x 3.0)
    gov = "bedrock/us-gov-west-1/anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert mini.cost(gov, input_tokens=300_000).total == Decimal("2.16")


def test_openrouter_variants_are_priced_apart_from_the_base(mini: modelreg.Registry) -> None:
    million = {"input_tokens": 1_000_000, "output_tokens": 1_000_000}
    assert mini.cost("openrouter/openai/gpt-4o", **million).total == Decimal("12.5")
    assert mini.cost("openrouter/openai/gpt-4o:extended", **million).total == Decimal("24")
    assert mini.cost("openrouter/meta-llama/llama-3.3-70b-instruct:free", **million).total == Decimal("0")
    assert mini.cost("openrouter/meta-llama/llama-3.3-70b-instruct", **million).total == Decimal("0.42")
    found = mini.lookup("openrouter/openai/gpt-4o:extended")
    assert found.model.id == "openai/gpt-4o" and found.region == ":extended"  # the same model, its own price


def test_a_variant_with_no_known_price_is_unpriced_not_the_base_price(mini: modelreg.Registry) -> None:
    with pytest.raises(modelreg.ValidationError, match="unpriced"):
        mini.cost("openrouter/anthropic/claude-sonnet-4.5:thinking", input_tokens=1000)
    assert mini.cost("openrouter/anthropic/claude-sonnet-4.5", input_tokens=100_000).total == Decimal("0.3")


@pytest.mark.parametrize(
    "name",
    [
        "openrouter/openai/gpt-4o:nitro",  # a variant suffix no source knows for this route
        "openrouter/meta-llama/llama-3.3-70b-instruct:online",
        "apac.anthropic.claude-3-haiku-20240307-v1:0",  # a regional profile of a route the catalog does not have
    ],
)
def test_a_qualified_string_the_catalog_has_no_deployment_for_is_unpriced(mini: modelreg.Registry, name: str) -> None:
    found = mini.lookup(name)
    assert found.region  # the qualifier is read, the model is known …
    with pytest.raises(modelreg.ValidationError, match="unpriced"):
        mini.cost(name, input_tokens=1000)  # … and never billed at the base's price
    with pytest.raises(modelreg.ValidationError, match="unpriced"):
        mini.pricing(name)
