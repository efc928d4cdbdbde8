"""Exact costs: each billing rule as a case, and the invariants hypothesis can hunt for."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import modelreg
from modelreg.pricing import PriceTable
from modelreg.schema import Pricing

D = Decimal


def test_gpt4o_cost_is_exact(registry: modelreg.Registry) -> None:
    cost = registry.cost("gpt-4o", input_tokens=1000, output_tokens=500)
    assert cost.input == D("0.0025") and cost.output == D("0.005")
    assert cost.total == D("0.0075")
    assert isinstance(cost.total, Decimal)


def test_cache_reads_are_a_subset_of_input(registry: modelreg.Registry) -> None:
    cost = registry.cost("gpt-4o", input_tokens=10_000, cache_read_tokens=8_000, output_tokens=0)
    assert cost.input == 2_000 * D("2.5") / 1_000_000
    assert cost.cache_read == 8_000 * D("1.25") / 1_000_000


def test_long_context_moves_the_whole_request_to_the_tier(registry: modelreg.Registry) -> None:
    below = registry.cost("claude-sonnet-4-5", input_tokens=200_000, output_tokens=1_000)
    above = registry.cost("claude-sonnet-4-5", input_tokens=200_001, output_tokens=1_000)
    assert below.tier is None and below.input == D("0.6")
    assert above.tier == 200_000
    assert above.input == 200_001 * D(6) / 1_000_000 and above.output == 1_000 * D("22.5") / 1_000_000


def test_gemini_long_context_tier(registry: modelreg.Registry) -> None:
    cost = registry.cost("gemini/gemini-2.5-pro", input_tokens=300_000, output_tokens=10_000)
    assert cost.tier == 200_000
    assert cost.input == D("0.75") and cost.output == D("0.15")


def test_platform_strings_are_priced_at_the_platforms_region(registry: modelreg.Registry) -> None:
    assert registry.cost("azure/gpt-4o", input_tokens=1_000_000).total == D("2.5")
    assert registry.cost("azure/eu/gpt-4o", input_tokens=1_000_000).total > D("2.5")


def test_batch_applies_the_discount(registry: modelreg.Registry) -> None:
    normal = registry.cost("gpt-4o", input_tokens=1000, output_tokens=500)
    batch = registry.cost("gpt-4o", input_tokens=1000, output_tokens=500, batch=True)
    assert batch.total == normal.total / 2 and batch.batch


def test_reasoning_is_billed_apart_only_where_priced_apart() -> None:
    apart = PriceTable.of("x/r", Pricing(input=D(1), output=D(4), reasoning=D(10)).model_dump())
    cost = apart.cost(0, output_tokens=1_000, reasoning_tokens=600)
    assert cost.output == 400 * D(4) / 1_000_000 and cost.reasoning == 600 * D(10) / 1_000_000
    together = PriceTable.of("x/o", Pricing(input=D(1), output=D(4)).model_dump())
    assert together.cost(0, output_tokens=1_000, reasoning_tokens=600).total == 1_000 * D(4) / 1_000_000


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        (
            {"prompt_tokens": 1000, "completion_tokens": 500, "prompt_tokens_details": {"cached_tokens": 800}},
            800 * D("1.25") / 10**6 + 200 * D("2.5") / 10**6 + 500 * D(10) / 10**6,
        ),
        (
            {"input_tokens": 1000, "output_tokens": 500, "input_tokens_details": {"cached_tokens": 800}},
            800 * D("1.25") / 10**6 + 200 * D("2.5") / 10**6 + 500 * D(10) / 10**6,
        ),
    ],
)
def test_openai_usage_objects(registry: modelreg.Registry, usage: dict[str, object], expected: Decimal) -> None:
    assert registry.cost_from_usage("gpt-4o", usage).total == expected


def test_anthropic_usage_adds_cache_tokens_to_input(registry: modelreg.Registry) -> None:
    usage = {
        "input_tokens": 100,
        "output_tokens": 50,
        "cache_read_input_tokens": 1000,
        "cache_creation_input_tokens": 200,
    }
    cost = registry.cost_from_usage("claude-sonnet-4-5", usage)
    assert cost.input == 100 * D(3) / 10**6
    assert cost.cache_read == 1000 * D("0.3") / 10**6 and cost.cache_write == 200 * D("3.75") / 10**6


def test_gemini_usage_adds_thoughts_to_output(registry: modelreg.Registry) -> None:
    usage = {"promptTokenCount": 1000, "candidatesTokenCount": 100, "thoughtsTokenCount": 400}
    cost = registry.cost_from_usage("gemini-2.5-pro", usage)
    assert cost.output == 500 * D(10) / 10**6


@pytest.mark.parametrize("usage", [{"tokens": 5}, {"prompt_tokens": -1}, {"prompt_tokens": 1.5}, "100 tokens"])
def test_bad_usage_is_refused(registry: modelreg.Registry, usage: object) -> None:
    with pytest.raises(modelreg.ValidationError):
        registry.cost_from_usage("gpt-4o", usage)  # type: ignore[arg-type]


def test_counts_that_do_not_add_up_are_refused(registry: modelreg.Registry) -> None:
    with pytest.raises(modelreg.ValidationError, match="do not add up"):
        registry.cost("gpt-4o", input_tokens=100, cache_read_tokens=200)
    with pytest.raises(modelreg.ValidationError):
        registry.cost("gpt-4o", input_tokens=-1)


def test_a_model_without_its_own_price_points_at_its_routes(registry: modelreg.Registry) -> None:
    with pytest.raises(modelreg.ValidationError, match="price one of its routes"):
        registry.cost("meta/llama-3.3-70b-instruct", input_tokens=10)
    assert registry.cost("groq/llama-3.3-70b-versatile", input_tokens=10).total > 0


def test_prices_at_a_date_follow_the_history() -> None:
    model = {
        "id": "acme/rocket",
        "provider": "acme",
        "name": "rocket",
        "family": "rocket",
        "price_history": [
            {"input": "5", "output": "15", "effective_from": "2024-05-13", "effective_until": "2024-08-06"}
        ],
        "pricing": {"input": "2.5", "output": "10", "effective_from": "2024-08-06"},
    }
    reg = modelreg.Registry(
        {
            "models": {model["id"]: model},
            "routes": {},
            "providers": {},
            "platforms": {},
            "names": {"acme/rocket": ["acme/rocket", "", ""]},
        }
    )
    assert reg.cost("acme/rocket", input_tokens=10**6, at=dt.date(2024, 7, 1)).total == D(5)
    assert reg.cost("acme/rocket", input_tokens=10**6, at=dt.date(2024, 8, 6)).total == D("2.5")
    assert reg.cost("acme/rocket", input_tokens=10**6).total == D("2.5")
    with pytest.raises(modelreg.ValidationError, match="no price of acme/rocket is known for 2020-01-01"):
        reg.cost("acme/rocket", input_tokens=1, at=dt.date(2020, 1, 1))


counts = st.integers(min_value=0, max_value=5_000_000)


@settings(max_examples=300, deadline=None)
@given(
    a_in=counts,
    a_out=counts,
    b_in=counts,
    b_out=counts,
    model=st.sampled_from(
        ["gpt-4o", "claude-haiku-4-5", "mistral/mistral-large-latest", "deepseek-chat", "azure/gpt-4o"]
    ),
)
def test_cost_is_additive_and_never_negative(
    registry: modelreg.Registry, a_in: int, a_out: int, b_in: int, b_out: int, model: str
) -> None:
    a = registry.cost(model, input_tokens=a_in, output_tokens=a_out, requests=0)
    b = registry.cost(model, input_tokens=b_in, output_tokens=b_out, requests=0)
    both = registry.cost(model, input_tokens=a_in + b_in, output_tokens=a_out + b_out, requests=0)
    assert a.total >= 0 and b.total >= 0
    if both.tier is None and a.tier is None and b.tier is None:  # tiers are per request, by design
        assert both.total == a.total + b.total


# -- the short path: a name priced before, input and output tokens only ---------------------------------------


@pytest.fixture(scope="module")
def priced_names(registry: modelreg.Registry) -> list[str]:
    """Exact names of the catalog whose cost is known (makers, routes, regions, priced variants), and two
    models with long-context tiers."""
    names = ["claude-sonnet-4-5", "gemini-2.5-pro"]
    for name in sorted(registry.names())[::7]:
        try:
            registry.cost(name, input_tokens=1)
        except modelreg.ValidationError:
            continue  # unpriced
        names.append(name)
    return names


@settings(max_examples=300, deadline=None)
@given(st.data(), st.integers(0, 10**9), st.integers(0, 10**7))
def test_the_short_path_prices_exactly_as_the_checked_one(
    registry: modelreg.Registry, priced_names: list[str], data: st.DataObject, input_tokens: int, output_tokens: int
) -> None:
    name = data.draw(st.sampled_from(priced_names))
    registry.cost(name, input_tokens=1)  # priced before: the short path is open
    short = registry.cost(name, input_tokens=input_tokens, output_tokens=output_tokens)
    checked = registry.cost(name, input_tokens=input_tokens, output_tokens=output_tokens, requests=1)
    assert short.total == checked.total and short.as_dict() == checked.as_dict()
    assert short == checked and repr(short) == repr(checked)


def test_a_cost_is_worked_out_once_and_reads_like_any_other(registry: modelreg.Registry) -> None:
    registry.cost("claude-sonnet-4-5", input_tokens=1)
    quoted = registry.cost("claude-sonnet-4-5", input_tokens=250_000, output_tokens=1_000)
    assert quoted.tier == 200_000 and quoted.input == 250_000 * D(6) / 1_000_000
    assert quoted.total == quoted.input + quoted.output and quoted.unpriced == () == quoted.unread
    assert quoted._replace(unread=("x",)).unread == ("x",) and quoted.unread == ()
    import pickle

    assert pickle.loads(pickle.dumps(registry.cost("gpt-4o", input_tokens=3, output_tokens=4))).total == D("0.0000475")
    with pytest.raises(AttributeError):
        quoted.nothing  # noqa: B018


BAD_COUNTS = [
    ("input_tokens", None),
    ("input_tokens", "1000"),
    ("input_tokens", 1000.0),
    ("input_tokens", float("nan")),
    ("input_tokens", True),
    ("input_tokens", False),
    ("input_tokens", -1),
    ("input_tokens", D(1000)),
    ("output_tokens", None),
    ("output_tokens", True),
    ("output_tokens", 2.0),
    ("output_tokens", -5),
    ("output_tokens", "5"),
]


@pytest.mark.parametrize(("field", "value"), BAD_COUNTS)
def test_a_name_priced_before_still_refuses_bad_counts(registry: modelreg.Registry, field: str, value: object) -> None:
    registry.cost("gpt-4o", input_tokens=1, output_tokens=1)  # priced before: the short path is open
    counts: dict[str, object] = {"input_tokens": 1000, "output_tokens": 500, field: value}
    with pytest.raises(modelreg.ValidationError) as refused:
        registry.cost("gpt-4o", **counts)  # type: ignore[arg-type]
    assert field in [f for f, _ in refused.value.errors]


def test_an_int_of_another_class_is_still_a_count(registry: modelreg.Registry) -> None:
    class Tokens(int):
        pass

    assert registry.cost("gpt-4o", input_tokens=Tokens(1000), output_tokens=Tokens(500)).total == D("0.0075")


def test_an_unknown_keyword_is_a_type_error(registry: modelreg.Registry) -> None:
    with pytest.raises(TypeError, match="cached_tokens"):
        registry.cost("gpt-4o", input_tokens=10, cached_tokens=5)  # type: ignore[call-arg]
