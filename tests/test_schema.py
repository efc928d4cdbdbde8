"""The schema: round trips, exact money, and clear refusals of bad data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelreg import Capability, Lifecycle, Model, Pricing, Route, Status
from modelreg.catalog.yamlio import dumps, loads


def full_model() -> Model:
    return Model.model_validate(
        {
            "id": "acme/rocket-8x7b",
            "provider": "acme",
            "name": "rocket-8x7b",
            "display_name": "Rocket",
            "family": "rocket",
            "modalities_in": ["text", "image"],
            "capabilities": ["chat", "tools", "vision", "reasoning"],
            "limits": {"context_window": 128000, "max_output_tokens": 16384},
            "pricing": {
                "input": "0.15",
                "output": "0.6",
                "cache_read": "0.075",
                "batch_discount": "0.5",
                "tiers": [{"above_tokens": 200000, "input": "0.3", "output": "1.2"}],
                "effective_from": "2025-01-01",
            },
            "parameters": {"temperature": {"supported": False}, "top_p": {"min": 0, "max": 1}},
            "parameter_mappings": {"max_tokens": "max_completion_tokens"},
            "lifecycle": {"status": "deprecated", "release_date": "2024-07", "replacement": "acme/rocket-2"},
            "size_b": "56",
            "size_estimated": True,
            "knowledge_cutoff": "2024-04",
            "verification": {"status": "verified", "last_checked": "2025-01-15", "verified_capabilities": ["chat"]},
            "performance": {"latency_ms": 320, "tokens_per_second": 95.5},
            "sources": [{"source": "litellm", "key": "rocket", "as_of": "sha256:0", "fields": ["pricing"]}],
        }
    )


def test_model_round_trips_through_json() -> None:
    model = full_model()
    assert Model.model_validate_json(model.model_dump_json()) == model


def test_model_round_trips_through_catalog_yaml_with_exact_decimals() -> None:
    model = full_model()
    text = dumps(model.model_dump(mode="python", exclude_defaults=True))
    assert "input: 0.15" in text  # money is written as a plain number, not a string or a float repr
    back = Model.model_validate(loads(text))
    assert back == model
    assert back.pricing.cache_read == Decimal("0.075")


def test_pricing_converts_units_on_the_way_out() -> None:
    pricing = Pricing(input=Decimal("2.5"), output=Decimal("10"))
    assert pricing.per_token("input") == Decimal("0.0000025")
    assert pricing.per_1k("output") == Decimal("0.01")
    assert pricing.per_token("cache_read") is None
    assert "per_token" not in pricing.model_dump()  # conversions are never stored


@given(st.decimals(min_value=0, max_value=10_000, places=6, allow_nan=False, allow_infinity=False))
def test_per_token_times_a_million_is_the_price(price: Decimal) -> None:
    pricing = Pricing(input=price)
    assert pricing.per_token("input") * 1_000_000 == price


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"id": "gpt-4o", "provider": "openai", "name": "gpt-4o", "family": "gpt"}, "id"),
        ({"id": "a/b", "provider": "a", "name": "b", "family": "f", "capabilities": ["telepathy"]}, "capabilities"),
        ({"id": "a/b", "provider": "a", "name": "b", "family": "f", "pricing": {"input": "-1"}}, "pricing"),
        (
            {"id": "a/b", "provider": "a", "name": "b", "family": "f", "lifecycle": {"release_date": "May 2024"}},
            "lifecycle",
        ),
        ({"id": "a/b", "provider": "a", "name": "b", "family": "f", "colour": "red"}, "colour"),
    ],
)
def test_bad_models_are_refused_naming_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        Model.model_validate(data)
    assert any(error["loc"][0] == field for error in info.value.errors())


def test_capabilities_are_a_closed_set() -> None:
    assert "tools" in {c.value for c in Capability}
    assert full_model().has("vision") and not full_model().has(Capability.embedding)


@pytest.mark.parametrize(
    ("lifecycle", "day", "status"),
    [
        ({}, "2025-01-01", Status.active),
        ({"deprecation_date": "2025-06-01"}, "2025-05-31", Status.active),
        ({"deprecation_date": "2025-06-01"}, "2025-06-01", Status.deprecated),
        ({"deprecation_date": "2025-06-01", "retirement_date": "2025-09"}, "2025-10-01", Status.retired),
        ({"status": "retired"}, "2020-01-01", Status.retired),
        ({"status": "preview"}, "2025-01-01", Status.preview),
    ],
)
def test_status_on_a_day_follows_the_dates(lifecycle: dict[str, str], day: str, status: Status) -> None:
    assert Lifecycle.model_validate(lifecycle).status_on(dt.date.fromisoformat(day)) is status


def test_route_carries_its_own_platform_string_and_prices() -> None:
    route = Route.model_validate(
        {
            "id": "bedrock/anthropic/claude-sonnet-4-5-20250929",
            "platform": "bedrock",
            "model": "anthropic/claude-sonnet-4-5-20250929",
            "model_string": "anthropic.claude-sonnet-4-5-20250929-v1:0",
            "pricing": {"input": "3", "output": "15"},
            "regions": ["us", "eu"],
            "deployments": [{"model_string": "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "region": "us"}],
        }
    )
    assert Route.model_validate_json(route.model_dump_json()) == route
    assert route.pricing.output == 15
