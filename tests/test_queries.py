"""Questions over the whole catalog, through the public API."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from typer.testing import CliRunner

import modelreg
from modelreg.cli import app

runner = CliRunner(env={"COLUMNS": "200"})


def test_find_applies_every_condition(registry: modelreg.Registry) -> None:
    models = registry.find(
        required=["vision", "tools"],
        excluded=["reasoning"],
        min_context=100_000,
        max_input_price=3,
        provider="openai",
        sort="input_price",
    )
    assert models
    for m in models:
        assert m.has("vision") and m.has("tools") and not m.has("reasoning")
        assert m.provider == "openai" and m.limits.context_window >= 100_000
        assert m.pricing.input is not None and m.pricing.input <= 3
    prices = [m.pricing.input for m in models]
    assert prices == sorted(prices)  # type: ignore[type-var]


def test_find_hides_deprecated_and_retired_unless_asked(registry: modelreg.Registry) -> None:
    current = set(registry.find_ids(provider="google"))
    everything = set(registry.find_ids(provider="google", include_deprecated=True))
    assert "google/gemini-1.5-pro" not in current and "google/gemini-1.5-pro" in everything
    assert registry.find_ids(status="retired", provider="google")


def test_find_on_a_platform_and_by_input_modality(registry: modelreg.Registry) -> None:
    on_bedrock = registry.find(platform="bedrock", provider="anthropic")
    assert on_bedrock and all(any(r.platform == "bedrock" for r in registry.routes(m.id)) for m in on_bedrock)
    audio = registry.find(modalities_in=["audio"], provider="google")
    assert audio and all(modelreg.Modality.audio in m.modalities_in for m in audio)


def test_optional_capabilities_rank_first(registry: modelreg.Registry) -> None:
    ids = registry.find_ids(provider="anthropic", optional=["computer_use"])
    flags = [registry.get(i).has("computer_use") for i in ids]
    assert flags == sorted(flags, reverse=True) and flags[0]


def test_find_refuses_an_unknown_sort(registry: modelreg.Registry) -> None:
    with pytest.raises(modelreg.ValidationError):
        registry.find(sort="vibes")


def test_cheapest_quotes_makers_and_routes_with_exact_costs(registry: modelreg.Registry) -> None:
    quotes = registry.cheapest(20_000, 1_000, required=["tools", "vision"], limit=20)
    assert len(quotes) == 20
    totals = [q.cost.total for q in quotes]
    assert totals == sorted(totals) and totals[0] > 0
    for q in quotes:
        model = registry.get(q.model)
        assert model.has("tools") and model.has("vision")
        expected = registry.cost(q.route or q.model, input_tokens=20_000, output_tokens=1_000)
        assert q.cost.total == expected.total


def test_cheapest_respects_the_context_window(registry: modelreg.Registry) -> None:
    for q in registry.cheapest(900_000, 10_000, limit=10):
        assert registry.get(q.model).limits.context_window >= 910_000


def test_capability_matrix(registry: modelreg.Registry) -> None:
    matrix = registry.capability_matrix()
    assert "openai/gpt-4o" in matrix["vision"] and "openai/gpt-4o" not in matrix["embedding"]
    assert set(matrix) <= {c.value for c in modelreg.Capability}


def test_compare_and_availability(registry: modelreg.Registry) -> None:
    models = registry.compare(["gpt-4o", "claude-sonnet-4-5"])
    assert [m.id for m in models] == ["openai/gpt-4o", "anthropic/claude-sonnet-4-5-20250929"]
    where = registry.availability("claude-sonnet-4-5")
    assert {"anthropic", "bedrock", "vertex_ai"} <= set(where)
    assert where["bedrock"][0].pricing.input == Decimal("3.3")  # in-region on Bedrock: 1.1x the global 3


def test_alternatives_are_current_and_at_least_as_capable(registry: modelreg.Registry) -> None:
    base = registry.get("openai/gpt-4o")
    alternatives = registry.alternatives("gpt-4o")
    assert alternatives
    for alt in alternatives:
        assert set(base.capabilities) <= set(alt.capabilities)
        assert alt.lifecycle.status_on(dt.date.today()).value not in ("deprecated", "retired")


def test_migrate_follows_replacements(registry: modelreg.Registry) -> None:
    move = registry.migrate("gemini-1.5-pro")
    assert move.status == "retired" and move.replacement == "google/gemini-2.5-pro"
    assert move.retirement_date == "2025-09-24" and move.chain[0] == "google/gemini-1.5-pro"
    assert registry.migrate("gpt-4o").replacement is None


def test_deprecations_within_a_window(registry: modelreg.Registry) -> None:
    today = dt.date.today().isoformat()
    soon = registry.deprecations(within_days=30)
    later = registry.deprecations(within_days=365)
    assert {m.model for m in soon} <= {m.model for m in later}
    horizon = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    for m in soon:
        dates = [d for d in (m.deprecation_date, m.retirement_date) if d]
        assert any(today <= d <= horizon for d in dates)


def test_cli_find_compare_cheapest_deprecations() -> None:
    found = json.loads(runner.invoke(app, ["find", "-r", "vision", "--provider", "openai", "--json"]).output)
    assert found and all("vision" in m["capabilities"] for m in found)
    compared = runner.invoke(app, ["compare", "gpt-4o", "claude-sonnet-4-5"])
    assert compared.exit_code == 0 and "\ninput $/1M\t2.5\t3\n" in compared.output  # piped: plain numbers
    quotes = json.loads(runner.invoke(app, ["cheapest", "--input", "20000", "--output", "1000", "--json"]).output)
    assert quotes and Decimal(quotes[0]["cost"]["total"]) > 0
    going = runner.invoke(app, ["deprecations", "--within", "52w"])
    assert going.exit_code == 0 and going.output.startswith("model\tdeprecated\tretired\treplacement\n")
    assert going.output == runner.invoke(app, ["deprecations", "--within", "364"]).output
    assert runner.invoke(app, ["deprecations", "--within", "soon"]).exit_code == 2


# -- a price to compare for every model: the maker's, else "from" its cheapest active route ------------------------


def _cheapest_active_route(registry: modelreg.Registry, model_id: str) -> tuple[Decimal, Decimal | None, str] | None:
    """Worked out from the routes themselves: the lowest input price among active routes with a price."""
    priced = [
        (r.pricing.input, r.pricing.output, r.id)
        for r in registry.routes(model_id)
        if r.status == "active" and r.pricing.input is not None and (r.pricing.input or r.pricing.output)
    ]
    never = Decimal("Infinity")
    return min(priced, key=lambda p: (p[0], never if p[1] is None else p[1], p[2])) if priced else None


def test_every_model_priced_anywhere_has_a_price_to_compare(registry: modelreg.Registry) -> None:
    from_route = 0
    for model in registry.models():
        price = registry.price_to_compare(model.id)
        if model.pricing.input is not None or model.pricing.output is not None:
            assert (price.input, price.output, price.route) == (model.pricing.input, model.pricing.output, None)
            continue
        cheapest = _cheapest_active_route(registry, model.id)
        assert (price.input, price.output, price.route) == (cheapest or (None, None, None)), model.id
        from_route += price.is_from
    assert from_route > 500  # most open-weight models are priced only where they are served


def test_price_filters_and_sorts_keep_models_priced_only_on_routes(registry: modelreg.Registry) -> None:
    llama = "meta/llama-3.3-70b-instruct"
    assert registry.get(llama).pricing.input is None  # Meta sells no API: only platforms price it
    price = registry.price_to_compare(llama)
    assert price.is_from and price.input is not None
    assert llama in registry.find_ids(provider="meta", max_input_price=price.input, include_deprecated=True)
    assert llama not in registry.find_ids(provider="meta", max_input_price=price.input / 2, include_deprecated=True)
    ordered = registry.find_ids(provider="meta", sort="input_price", include_deprecated=True)
    inputs = [registry.price_to_compare(i).input for i in ordered]
    known = [p for p in inputs if p is not None]
    assert known == sorted(known) and inputs[: len(known)] == known  # unpriced last
    quotes = registry.cheapest(1000, 100, provider="meta", max_input_price=1, limit=50)
    assert quotes and all(q.route is not None for q in quotes)  # Meta's models are quoted on platforms


def test_cli_list_show_and_find_say_from(registry: modelreg.Registry) -> None:
    llama = "meta/llama-3.3-70b-instruct"
    listed = runner.invoke(app, ["list", "--provider", "meta"])  # not a terminal: tab-separated
    assert listed.exit_code == 0
    header, *lines = [line.split("\t") for line in listed.stdout.splitlines()]
    row = dict(zip(header, next(line for line in lines if line[0] == llama), strict=True))
    assert row["price from"] == registry.price_to_compare(llama).route and row["in $/1M"] != "-"
    assert "price from: the cheapest platform's price" in listed.stderr  # the note says what it means
    shown = runner.invoke(app, ["show", llama])
    assert shown.exit_code == 0 and "from $" in shown.output and "the maker states none" in shown.output
    shown_json = json.loads(runner.invoke(app, ["show", llama, "--json"]).output)
    assert shown_json["price_to_compare"]["from_route"].endswith(llama)
    found = json.loads(
        runner.invoke(
            app, ["find", "--provider", "meta", "--max-input-price", "0.2", "--json", "--limit", "500"]
        ).output
    )
    ids = {m["id"] for m in found}
    assert "meta/llama-3.1-8b-instruct" in ids
    for m in found:
        assert Decimal(m["price_to_compare"]["input"]) <= Decimal("0.2") and m["price_to_compare"]["from_route"]
    openai = json.loads(runner.invoke(app, ["list", "--provider", "openai", "--json"]).output)
    gpt = next(m for m in openai if m["id"] == "openai/gpt-4o")
    assert gpt["price_to_compare"] == {"input": "2.5", "output": "10", "from_route": None}


def test_api_list_filters_on_and_shows_the_price_to_compare(registry: modelreg.Registry) -> None:
    import httpx

    from modelreg.api import create_app
    from tests.conftest import Server

    with Server(create_app(registry)) as server, httpx.Client(base_url=server.url) as http:
        page = http.get(
            "/api/registry/models", params={"provider": "meta", "max_input_price": 0.1, "limit": 500}
        ).json()
        ids = {m["id"] for m in page["items"]}
        assert "meta/llama-3.1-8b-instruct" in ids  # priced only on platforms: kept, not dropped
        for item in page["items"]:
            price = item["price_to_compare"]
            assert Decimal(price["input"]) <= Decimal("0.1")
            assert price["from_route"] in {r.id for r in registry.routes(item["id"])}
        cheap_out = http.get(
            "/api/registry/models", params={"provider": "meta", "max_output_price": 0.1, "limit": 500}
        ).json()["items"]
        assert cheap_out and all(Decimal(m["price_to_compare"]["output"]) <= Decimal("0.1") for m in cheap_out)
        gpt = http.get("/api/registry/models", params={"provider": "openai", "q": "gpt-4o", "limit": 500}).json()
        own = next(m for m in gpt["items"] if m["id"] == "openai/gpt-4o")["price_to_compare"]
        assert own == {"input": "2.5", "output": "10", "from_route": None}
        picks = http.post(
            "/api/registry/recommend",
            json={"prompt_tokens": 2000, "output_tokens": 100, "provider": "meta", "limit": 5},
        ).json()["items"]
        assert len(picks) == 5 and all(p["route"] for p in picks)


# -- over the whole catalog, repeatedly: answers kept per view, bulk builds that do not rescan ----------------


def test_cheapest_over_everything_is_every_price_ranked(registry: modelreg.Registry) -> None:
    """The ranking equals pricing every maker and route price one by one through cost()."""
    expected = []
    for route_id, model_id, _, _ in registry.price_points():
        facts = registry.facts_of(model_id)
        if facts.context < 11_000 or facts.status in ("deprecated", "retired"):
            continue
        total = registry.cost(route_id or model_id, input_tokens=10_000, output_tokens=1_000).total
        if total > 0:
            expected.append((total, model_id, route_id or ""))
    expected.sort()
    for _ in range(2):  # the second time from the tables kept on the view
        quotes = registry.cheapest(10_000, 1_000, limit=25)
        assert [(q.cost.total, q.model, q.route or "") for q in quotes] == expected[:25]


@pytest.mark.parametrize(
    ("prompt", "output", "named"), [(-1, 5, "prompt_tokens"), (10, 2.5, "output_tokens"), (True, 1, "prompt_tokens")]
)
def test_cheapest_refuses_counts_that_are_not_counts(
    registry: modelreg.Registry, prompt: object, output: object, named: str
) -> None:
    with pytest.raises(modelreg.ValidationError) as refused:
        registry.cheapest(prompt, output)  # type: ignore[arg-type]
    assert [field for field, _ in refused.value.errors] == [named]


def test_the_capability_matrix_is_kept_but_never_shared(registry: modelreg.Registry) -> None:
    first = registry.capability_matrix()
    first["vision"].clear()
    assert registry.capability_matrix()["vision"] and "openai/gpt-4o" in registry.capability_matrix()["vision"]
    assert len(registry.capability_matrix(include_deprecated=True)["chat"]) >= len(first["chat"])


def test_building_every_model_leaves_the_garbage_collector_out() -> None:
    """The collector would rescan the records as the models pile up (over a hundred collections here):
    paused, it runs once after each build, and a 10x catalog builds in 10x the time."""
    import gc

    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    reg = modelreg.load()
    gc.callbacks.append(count)
    try:
        models, facts = reg.models(), reg.facts()
    finally:
        gc.callbacks.remove(count)
    assert len(models) == len(facts) > 1000 and len(collections) <= 2
