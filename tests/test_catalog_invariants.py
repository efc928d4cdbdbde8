"""The committed catalog, as a whole: its invariants hold, every disagreement between the three sources is
explained in conflicts.yaml, and the prices users hit most are right."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import modelreg
from modelreg.catalog import CATALOG_DIR, audit, build, index
from modelreg.catalog.files import read_conflicts
from modelreg.cli import app
from modelreg.sync.evidence import MergeRules
from modelreg.sync.merge import KEPT

runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def records() -> dict[str, Any]:
    return index.load_index(CATALOG_DIR / index.RECORDS_FILE)


def priced_subjects(records: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every price in the catalog: each model's, each platform route's, each deployment's own."""
    out = [(mid, m["pricing"]) for mid, m in records["models"].items() if m.get("pricing")]
    for rid, route in records["routes"].items():
        if route.get("pricing"):
            out.append((rid, route["pricing"]))
        out += [
            (f"{rid}@{index.deployment_tag(d)}", d["pricing"]) for d in route.get("deployments", ()) if d.get("pricing")
        ]
    return out


def levels(pricing: dict[str, Any]) -> list[dict[str, Any]]:
    return [pricing] + [{**pricing, **tier} for tier in pricing.get("tiers") or ()]


def test_the_audit_finds_nothing_in_the_committed_catalog(records: dict[str, Any]) -> None:
    assert audit.audit(records, MergeRules.load(CATALOG_DIR / "merge.yaml")) == []


def test_no_cache_read_costs_more_than_input(records: dict[str, Any]) -> None:
    over = [
        subject
        for subject, pricing in priced_subjects(records)
        for level in levels(pricing)
        if level.get("cache_read") is not None
        and level.get("input") is not None
        and Decimal(level["cache_read"]) > Decimal(level["input"])
    ]
    assert over == []


def test_a_zero_price_is_free_by_name_platform_or_two_sources(records: dict[str, Any]) -> None:
    rules = MergeRules.load(CATALOG_DIR / "merge.yaml")
    suspicious = []
    for rid, route in records["routes"].items():
        for d in route.get("deployments", ()):
            pricing = d.get("pricing") or {}
            zero = pricing.get("input") is not None and Decimal(pricing["input"]) == 0
            if zero and not rules.is_free(route["platform"], d.get("variant")):
                suspicious.append(f"{rid}@{index.deployment_tag(d)}")
    for mid, model in records["models"].items():
        pricing = model.get("pricing") or {}
        if pricing.get("input") is not None and Decimal(pricing["input"]) == 0:
            pricers = {s["source"] for s in model.get("sources", ()) if "pricing" in s.get("fields", ())}
            if len(pricers) < 2 and "overrides" not in pricers:
                suspicious.append(mid)
    assert suspicious == []


def test_vision_exactly_when_images_go_in(records: dict[str, Any]) -> None:
    mismatched = [
        mid
        for mid, m in records["models"].items()
        if ("vision" in m.get("capabilities", ())) != ("image" in (m.get("modalities_in") or ["text"]))
    ]
    assert mismatched == []
    for text_only in ("meta/llama-3.1-8b-instruct", "meta/llama-3.1-70b-instruct", "meta/llama-3.1-405b-instruct"):
        assert "vision" not in records["models"][text_only].get("capabilities", ())


def test_lifecycles_are_in_order_and_replacements_exist(records: dict[str, Any]) -> None:
    for mid, model in records["models"].items():
        lifecycle = model.get("lifecycle") or {}
        if lifecycle.get("deprecation_date") and lifecycle.get("retirement_date"):
            assert lifecycle["deprecation_date"] <= lifecycle["retirement_date"], mid
        if lifecycle.get("replacement"):
            assert lifecycle["replacement"] != mid and lifecycle["replacement"] in records["models"], mid


def test_every_regional_deployment_has_the_long_context_tier_its_route_has(records: dict[str, Any]) -> None:
    missing = [
        f"{rid}@{d['region']}"
        for rid, route in records["routes"].items()
        if (route.get("pricing") or {}).get("tiers")
        for d in route.get("deployments", ())
        if d.get("region") and d.get("pricing") and not d["pricing"].get("tiers")
    ]
    assert missing == []


def test_every_disagreement_between_sources_is_explained_in_conflicts_yaml(upstream_dir: Path) -> None:
    """Rebuild from the snapshots: every price two or three sources state differently for one model or
    deployment is in the committed conflicts.yaml with every source's value, and the catalog holds the
    value the conflict says was kept."""
    catalog = build.compile_catalog(upstream_dir)
    recorded = {(c.subject, c.field): c for c in read_conflicts()}
    unexplained = []
    for subject, field, stated in catalog.observed:
        values = {source: Decimal(str(v)) for source, v in stated.items() if source != KEPT}
        if not field.startswith("pricing") or len(set(values.values())) < 2:
            continue
        conflict = recorded.get((subject, field))
        kept = conflict and (conflict.values.get(conflict.chosen) if conflict.chosen else None)
        if conflict is None or {label.partition(":")[0] for label in conflict.values} != set(values):
            unexplained.append(f"{subject} {field} {values}")
        elif stated[KEPT] is not None and Decimal(str(kept)) != Decimal(str(stated[KEPT])):
            unexplained.append(f"{subject} {field}: kept {stated[KEPT]}, conflicts.yaml says {kept}")
    assert unexplained == []
    compared = [o for o in catalog.observed if o[1].startswith("pricing")]
    assert len(compared) > 2000  # the comparison covers the whole catalog, not a corner of it


# -- prices users hit most, through modelreg.load() ----------------------------------------------------------


@pytest.fixture(scope="module")
def reg() -> modelreg.Registry:
    return modelreg.load()


def test_bedrock_regional_profiles_of_claude_4_5_are_billed_1_1x_in_every_tier(reg: modelreg.Registry) -> None:
    profile = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert reg.cost(profile, input_tokens=100_000).total == Decimal("0.33")
    assert reg.cost(profile, input_tokens=300_000).total == Decimal("1.98")  # 6.6 above 200K
    assert reg.cost("global.anthropic.claude-sonnet-4-5-20250929-v1:0", input_tokens=100_000).total == Decimal("0.3")
    assert reg.cost("anthropic.claude-sonnet-4-5-20250929-v1:0", input_tokens=100_000).total == Decimal("0.33")
    for model in ("claude-haiku-4-5-20251001-v1:0", "claude-opus-4-5-20251101-v1:0"):
        regional = reg.cost(f"eu.anthropic.{model}", input_tokens=100_000).total
        assert regional == reg.cost(f"global.anthropic.{model}", input_tokens=100_000).total * Decimal("1.1")


def test_openrouter_free_and_extended_variants(reg: modelreg.Registry) -> None:
    million = {"input_tokens": 1_000_000, "output_tokens": 1_000_000}
    assert reg.cost("openrouter/openai/gpt-4o:extended", **million).total == Decimal("24")
    assert reg.cost("openrouter/openai/gpt-4o", **million).total == Decimal("12.5")
    assert reg.cost("openrouter/deepseek/deepseek-chat:free", **million).total == Decimal("0")
    assert reg.cost("openrouter/deepseek/deepseek-chat", **million).total > 0  # the paid id never inherits $0
    assert reg.resolve("openrouter/openai/gpt-4o:extended").id == "openai/gpt-4o"


@pytest.mark.parametrize(
    ("model", "input_price"),
    [
        ("gpt-4-32k", "60"),
        ("gpt-4.5-preview", "75"),
        ("grok-3", "3"),
        ("gemini-2.0-flash-001", "0.1"),
    ],
)
def test_models_people_have_logs_for_are_priced(reg: modelreg.Registry, model: str, input_price: str) -> None:
    assert reg.pricing(model).input == Decimal(input_price)


def test_image_output_is_not_billed_as_text(reg: modelreg.Registry) -> None:
    image = reg.get("google/gemini-2.5-flash-image").pricing
    assert (image.output, image.output_image) == (Decimal("2.5"), Decimal("30"))


def test_gemini_1_5_flash_bills_long_prompts_at_its_tier(reg: modelreg.Registry) -> None:
    assert reg.cost("gemini-1.5-flash", input_tokens=200_000).total == Decimal("0.03")  # 0.15, not 0.075


def test_dated_price_changes_are_history(reg: modelreg.Registry) -> None:
    assert reg.cost("o3", input_tokens=1_000_000, at=dt.date(2025, 6, 1)).total == Decimal("10")
    assert reg.cost("o3", input_tokens=1_000_000, at=dt.date(2025, 7, 1)).total == Decimal("2")


@pytest.mark.parametrize(
    ("model", "released"),
    [
        ("xai/grok-4.1-fast-reasoning", "2025-11-19"),
        ("xai/grok-4", "2025-07-09"),
        ("xai/grok-code-fast-1", "2025-08-28"),
        ("google/gemini-2.5-flash", "2025-06-17"),
    ],
)
def test_release_dates_are_days_where_a_source_knows_the_day(reg: modelreg.Registry, model: str, released: str) -> None:
    assert reg.get(model).lifecycle.release_date == released


# -- the CLI faces of the audit and the conflicts -----------------------------------------------------------


def test_catalog_audit_passes_and_says_so() -> None:
    result = runner.invoke(app, ["catalog", "audit"])
    assert result.exit_code == 0, result.output
    assert "no invariant violations" in result.output
    assert json.loads(runner.invoke(app, ["catalog", "audit", "--json"]).output) == []


def test_catalog_conflicts_filter_by_rule_and_provider() -> None:
    everything = json.loads(runner.invoke(app, ["catalog", "conflicts", "--json"]).output)
    rounded = json.loads(runner.invoke(app, ["catalog", "conflicts", "--rule", "precision", "--json"]).output)
    assert rounded and all(c["rule"] == "precision" for c in rounded) and len(rounded) < len(everything)
    openai = json.loads(
        runner.invoke(app, ["catalog", "conflicts", "--rule", "majority", "--provider", "openai", "--json"]).output
    )
    assert openai and all(c["rule"] == "majority" for c in openai)
    assert all(c["subject"].startswith("openai/") or "/openai/" in c["subject"] for c in openai)
    bedrock = json.loads(runner.invoke(app, ["catalog", "conflicts", "--platform", "bedrock", "--json"]).output)
    assert bedrock and all(c["subject"].startswith("bedrock/") for c in bedrock)
    table = runner.invoke(app, ["catalog", "conflicts", "--rule", "precision", "--provider", "openai"])
    assert table.exit_code == 0 and "is rounded" in table.output


def test_every_spelling_of_a_route_bills_the_routes_one_price(registry: modelreg.Registry) -> None:
    """Strings a platform takes for the same offering (no region, no variant) are names, not prices: each is
    billed the route's price, and where their sources disagreed the route's conflicts say so."""
    conflicts = {(c.subject, c.field) for c in read_conflicts(CATALOG_DIR)}
    spelled = 0
    for route in registry.routes():
        spellings = [d for d in route.deployments if d.region is None and d.variant is None]
        if len(spellings) < 2:
            continue
        spelled += 1
        route_price = _billed(registry, route.id)
        for deployment in spellings:
            assert deployment.pricing is None, f"{route.id} ({deployment.model_string}) keeps a price of its own"
            for key in deployment.keys:
                if registry.explain(key).route is None:
                    continue  # the name is also a model's own id, which wins
                assert _billed(registry, key) == route_price, key
    assert spelled > 10
    # the Azure instruct model: models.dev and LiteLLM disagree across its two spellings, said as a conflict
    assert ("azure/openai/gpt-3.5-turbo-instruct", "pricing.input") in conflicts


def _billed(registry: modelreg.Registry, name: str) -> Decimal | str:
    """What 1M tokens in and 1M out cost under ``name``, or "unpriced"."""
    try:
        return registry.cost(name, input_tokens=1_000_000, output_tokens=1_000_000).total
    except modelreg.ValidationError:
        return "unpriced"
