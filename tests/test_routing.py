"""Routes and choosing among them: best route by each strategy, fallback chains under route failures, the
cheapest route for a request, route priorities through the store, and their REST endpoints.

Expected answers are worked out here from the routes themselves (``reg.routes()``, each route's price through
``reg.cost`` and by hand), never copied from what routing.py returns."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, get_args

import httpx
import pytest

import modelreg
from modelreg.errors import StoreError
from modelreg.routing import NoRouteError
from modelreg.schema import Performance, Route
from tests.conftest import Server
from tests.helpers import API, editor_key

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
STATUSES = get_args(Route.model_fields["status"].annotation)
Service = tuple[Server, modelreg.Registry]
NANO = "openai/gpt-5-nano"
DIRECT, AZURE, OPENROUTER = (f"{p}/openai/gpt-5-nano" for p in ("openai", "azure", "openrouter"))
NEVER = Decimal("Infinity")
TODAY = dt.date.today()


# -- the oracle: what the answers must be, from the routes as the registry reports them ------------------------


def rank(route: Route) -> int | None:
    """0 active, 1 degraded (after every active route), None when the route is not called at all."""
    return {"active": 0, "degraded": 1}.get(route.status)


def price(reg: modelreg.Registry, route: Route, prompt: int = 1000, output: int = 500) -> Decimal | None:
    """What a request costs on ``route``, None when unpriced: the maker's own API (priority 1) bills its
    model's price, any other route its own; an empty or zero price is no price."""
    pricing = reg.get(route.model).pricing if route.priority == 1 else route.pricing
    if pricing.is_empty():
        return None
    total = reg.cost(route.id, input_tokens=prompt, output_tokens=output).total
    return total or None


def ordered(reg: modelreg.Registry, routes: Iterable[Route]) -> list[str]:
    """Usable routes in fallback order: active first, then priority, then price (unpriced last), then id."""
    usable = [r for r in routes if rank(r) is not None]

    def key(r: Route) -> tuple[Any, ...]:
        cost = price(reg, r)
        return rank(r), r.priority, NEVER if cost is None else cost, r.id

    return [r.id for r in sorted(usable, key=key)]


def regions_of(route: Route) -> set[str]:
    return {*route.regions, *(d.region for d in route.deployments if d.region)}


def by_hand(reg: modelreg.Registry, route: Route, prompt: int, output: int) -> Decimal | None:
    """A request's cost from the per-1M prices alone, where no tier or per-request price applies."""
    pricing = reg.get(route.model).pricing if route.priority == 1 else route.pricing
    if pricing.tiers or pricing.request:
        return None
    return (prompt * (pricing.input or 0) + output * (pricing.output or 0)) / Decimal(1_000_000)


def brute_cheapest(
    reg: modelreg.Registry,
    prompt: int,
    output: int,
    required: Iterable[str] = (),
    *,
    provider: str | None = None,
    platform: str | None = None,
) -> tuple[Decimal, str, str] | None:
    """(cost, model id, route id) of the cheapest qualifying route, by trying every route of the catalog."""
    best = None
    for route in reg.routes():
        model = reg.get(route.model)
        if (
            rank(route) is None
            or (platform and route.platform != platform)
            or (provider and model.provider != provider)
        ):
            continue
        if not set(required) <= {c.value for c in model.capabilities}:
            continue
        if model.lifecycle.status_on(TODAY).value in ("deprecated", "retired"):
            continue
        context = (route.limits.context_window if route.limits else None) or model.limits.context_window or 0
        cost = price(reg, route, prompt, output)
        if context < prompt + output or cost is None:
            continue
        candidate = (cost, model.id, route.id)
        best = candidate if best is None or candidate < best else best
    return best


def mark(reg: modelreg.Registry, route_id: str, **fields: Any) -> None:
    reg.update("route", route_id, fields, version=reg.version("route", route_id), actor="test")


def set_price(reg: modelreg.Registry, route_id: str, price_in: str, price_out: str, *, days_ago: int = 0) -> None:
    """A new price from ``days_ago`` days ago (a timeline takes one new price a day, each later than the last)."""
    starts = TODAY - dt.timedelta(days=days_ago)
    reg.set_price(route_id, {"input": price_in, "output": price_out}, effective_from=starts, actor="test")


# -- over the bundled catalog --------------------------------------------------------------------------------


def test_seed_example_gpt_5_nano(registry: modelreg.Registry) -> None:
    chain = registry.fallback_chain("gpt-5-nano")
    ids = [r.id for r in chain]
    assert ids == ordered(registry, registry.routes(NANO))
    assert set(ids) == {DIRECT, AZURE, OPENROUTER} and ids[0] == DIRECT  # the maker's own API first
    assert chain.model == NANO and chain.skipped == {} and chain.reason == ""
    assert registry.best_route("gpt-5-nano").id == DIRECT


@pytest.mark.parametrize("strategy", ["priority", "cost"])
def test_best_route_of_every_model_by_priority_and_cost(registry: modelreg.Registry, strategy: str) -> None:
    answered = 0
    for row in registry.facts():
        routes = [r for r in registry.routes(row.id) if rank(r) is not None]
        if not routes:
            with pytest.raises(NoRouteError):
                registry.best_route(row.id, strategy=strategy)
            continue
        if strategy == "priority":
            expected = ordered(registry, routes)[0]
        else:
            prices = {r.id: price(registry, r) for r in routes}
            expected = min(
                routes, key=lambda r: (rank(r), prices[r.id] is None, prices[r.id] or 0, r.priority, r.id)
            ).id
        assert registry.best_route(row.id, strategy=strategy).id == expected, row.id
        answered += 1
    assert answered > 900


def test_cost_strategy_prices_the_request_asked_for(registry: modelreg.Registry) -> None:
    model = "meta/llama-3.3-70b-instruct"  # served on many platforms at different input/output ratios
    routes = [r for r in registry.routes(model) if rank(r) is not None]
    for prompt, output in ((1000, 500), (100_000, 0), (0, 50_000), (7, 3)):
        prices = {r.id: price(registry, r, prompt, output) for r in routes}
        expected = min(routes, key=lambda r: (prices[r.id] is None, prices[r.id] or 0, r.priority, r.id)).id
        found = registry.best_route(model, strategy="cost", prompt_tokens=prompt, output_tokens=output)
        assert found.id == expected, (prompt, output)


@pytest.mark.parametrize("strategy", ["latency", "success"])
def test_latency_and_success_rank_measured_figures_and_put_unknown_last(
    registry: modelreg.Registry, strategy: str
) -> None:
    shuffle = random.Random(12)
    for model in ("openai/gpt-oss-120b", "meta/llama-3.3-70b-instruct", "deepseek/deepseek-v3.2", NANO):
        routes = [r for r in registry.routes(model) if rank(r) is not None]
        measured = {}
        for r in routes[:-1]:  # the last route is not measured: it keeps its own (unknown) figures
            known = shuffle.random() < 0.6
            measured[r.id] = Performance(
                latency_ms=shuffle.uniform(50, 900) if known else None,
                success_rate=round(shuffle.uniform(0.8, 1), 2) if known else None,  # ties happen: priority, id
            )
        figures = {r.id: measured.get(r.id, r.performance) for r in routes}

        def key(r: Route, figures: dict[str, Performance] = figures) -> tuple[Any, ...]:
            value = figures[r.id].latency_ms if strategy == "latency" else figures[r.id].success_rate
            sign = 1 if strategy == "latency" else -1
            return rank(r), value is None, sign * (value or 0), r.priority, r.id

        expected = min(routes, key=key).id
        assert registry.best_route(model, strategy=strategy, performance=measured).id == expected, model
    # with no figures anywhere, latency and success fall back to priority, then id
    assert registry.best_route(NANO, strategy=strategy).id == ordered(registry, registry.routes(NANO))[0]


def test_region_filter_on_every_model(registry: modelreg.Registry) -> None:
    checked = 0
    for row in registry.facts():
        routes = registry.routes(row.id)
        for region in sorted(set().union(*(regions_of(r) for r in routes))):
            serving = [r for r in routes if region in regions_of(r)]
            expected = ordered(registry, serving)
            if not expected:
                with pytest.raises(NoRouteError):
                    registry.best_route(row.id, region=region)
                continue
            best = registry.best_route(row.id, region=region)
            assert best.id == expected[0] and region in regions_of(best)
            assert [r.id for r in registry.fallback_chain(row.id, region=region)] == expected
            checked += 1
    assert checked > 100
    with pytest.raises(NoRouteError, match=r"3 routes: 3 not in region mars"):
        registry.best_route(NANO, region="mars")


def test_required_capabilities_are_the_models(registry: modelreg.Registry) -> None:
    capabilities = {c.value for c in registry.get(NANO).capabilities}
    assert registry.best_route(NANO, required=sorted(capabilities)).id == DIRECT
    lacking = sorted({c.value for c in modelreg.Capability} - capabilities)[0]
    with pytest.raises(NoRouteError) as refused:
        registry.best_route(NANO, required=["tools", lacking])
    assert refused.value.reasons == {f"without {lacking}": 3}
    assert f"3 routes: 3 without {lacking}" in str(refused.value)
    assert isinstance(refused.value, modelreg.ModelNotFoundError)  # the API's 404, catchable as not found
    chain = registry.fallback_chain(NANO, required=[lacking])
    assert chain == [] and chain.skipped == dict.fromkeys((DIRECT, AZURE, OPENROUTER), f"without {lacking}")
    assert chain.reason == f"3 routes: 3 without {lacking}"


@pytest.mark.parametrize(
    ("prompt", "output", "required", "where"),
    [
        (1000, 500, [], {}),
        (1000, 500, ["tools"], {}),
        (1000, 500, ["vision", "tools"], {}),
        (150_000, 8000, ["reasoning"], {}),
        (1000, 500, [], {"provider": "anthropic"}),
        (20_000, 1000, ["tools"], {"platform": "bedrock"}),
        (3000, 200, [], {"provider": "meta", "platform": "groq"}),
        (900_000, 10_000, [], {}),
    ],
)
def test_cheapest_route_is_the_cheapest_qualifying_route(
    registry: modelreg.Registry, prompt: int, output: int, required: list[str], where: dict[str, str]
) -> None:
    route, cost = registry.cheapest_route(prompt, output, required, **where)
    expected = brute_cheapest(registry, prompt, output, required, **where)
    assert expected is not None
    assert (cost.total, route.model, route.id) == expected
    assert cost.total == registry.cost(route.id, input_tokens=prompt, output_tokens=output).total
    hand = by_hand(registry, route, prompt, output)
    assert hand is None or cost.total == hand
    assert cost.input + cost.output + cost.requests == cost.total


def test_cheapest_route_refuses_what_nothing_holds_and_bad_arguments(registry: modelreg.Registry) -> None:
    with pytest.raises(NoRouteError, match="holds 1,000,000,000 tokens"):
        registry.cheapest_route(999_999_000, 1000)
    for prompt, output in ((-1, 500), (1000, True), (1000, 2.5), ("1000", 500)):
        with pytest.raises(modelreg.ValidationError):
            registry.cheapest_route(prompt, output)  # type: ignore[arg-type]
    with pytest.raises(modelreg.ValidationError, match="unknown capability: telepathy"):
        registry.cheapest_route(1000, 500, ["telepathy"])


def test_bad_questions_are_refused(registry: modelreg.Registry) -> None:
    with pytest.raises(modelreg.ValidationError, match="unknown strategy"):
        registry.best_route(NANO, strategy="vibes")
    with pytest.raises(modelreg.ValidationError):
        registry.best_route(NANO, strategy="cost", prompt_tokens=-5)
    with pytest.raises(modelreg.ModelNotFoundError, match="gpt-99"):
        registry.best_route("openai/gpt-99")
    with pytest.raises(modelreg.ModelNotFoundError):
        registry.fallback_chain("openai/gpt-99")
    with pytest.raises(StoreError):  # a registry without a store cannot write
        registry.update_route_priority(AZURE, 2, actor="test")


# -- through the store --------------------------------------------------------------------------------------


@SQLITE_ONLY
def test_fallback_order_under_route_failures(writable: modelreg.Registry) -> None:
    model = max(writable.facts(), key=lambda row: (len(writable.route_ids(row.id)), row.id)).id
    failures = [s for s in STATUSES if s not in ("active", "degraded")]
    chain = [r.id for r in writable.fallback_chain(model)]
    assert chain == ordered(writable, writable.routes(model)) and len(chain) >= 8
    failed: dict[str, str] = {}
    while chain:
        down, status = chain[0], failures[len(failed) % len(failures)]
        mark(writable, down, status=status)
        failed[down] = status
        now = writable.fallback_chain(model)
        assert [r.id for r in now] == chain[1:] == ordered(writable, writable.routes(model))
        assert now.skipped == failed
        if now:
            assert writable.best_route(model).id == now[0].id
        chain = [r.id for r in now]
    with pytest.raises(NoRouteError) as none_left:
        writable.best_route(model)
    assert none_left.value.reasons == Counter(failed.values())
    total = len(writable.route_ids(model))
    assert f"{total} routes: " in str(none_left.value)
    revived = next(iter(failed))
    mark(writable, revived, status="active")
    assert [r.id for r in writable.fallback_chain(model)] == [revived]


@SQLITE_ONLY
def test_degraded_routes_are_called_after_every_active_one(writable: modelreg.Registry) -> None:
    mark(writable, DIRECT, status="degraded")
    assert [r.id for r in writable.fallback_chain(NANO)] == [*ordered(writable, writable.routes(NANO))]
    assert [r.id for r in writable.fallback_chain(NANO)][-1] == DIRECT  # priority 1, but degraded
    for strategy in ("priority", "cost", "latency", "success"):
        assert writable.best_route(NANO, strategy=strategy).id != DIRECT
    mark(writable, AZURE, status="degraded")
    mark(writable, OPENROUTER, status="degraded")
    assert writable.best_route(NANO).id == DIRECT  # all degraded: priority decides again
    mark(writable, OPENROUTER, status="active")
    assert writable.best_route(NANO, region="eu").id == AZURE  # the only route in eu, degraded but usable


@SQLITE_ONLY
def test_cost_choice_flips_when_prices_change(writable: modelreg.Registry) -> None:
    def cheapest_of_nano() -> str:
        routes = writable.routes(NANO)
        prices = {r.id: price(writable, r) for r in routes}
        return min(routes, key=lambda r: (prices[r.id] is None, prices[r.id] or 0, r.priority, r.id)).id

    assert writable.best_route(NANO, strategy="cost").id == cheapest_of_nano() == DIRECT  # a tie: priority 1
    set_price(writable, OPENROUTER, "0.01", "0.1")
    assert writable.best_route(NANO, strategy="cost").id == cheapest_of_nano() == OPENROUTER
    assert [r.id for r in writable.fallback_chain(NANO)] == [DIRECT, OPENROUTER, AZURE]  # the cheaper at 10
    set_price(writable, AZURE, "0.001", "0.01", days_ago=1)
    assert writable.best_route(NANO, strategy="cost").id == cheapest_of_nano() == AZURE
    assert [r.id for r in writable.fallback_chain(NANO)] == [DIRECT, AZURE, OPENROUTER]
    route, cost = writable.cheapest_route(1000, 500, provider="openai", platform="azure")
    assert (cost.total, route.model, route.id) == brute_cheapest(
        writable, 1000, 500, provider="openai", platform="azure"
    )
    assert route.id == AZURE and cost.total == Decimal("0.000006")  # 1000 x 0.001 + 500 x 0.01, per 1M
    set_price(writable, AZURE, "5", "5")
    assert writable.best_route(NANO, strategy="cost").id == cheapest_of_nano() == OPENROUTER
    assert writable.cheapest_route(1000, 500, provider="openai", platform="azure")[0].id != AZURE


@SQLITE_ONLY
def test_cheapest_route_skips_routes_that_are_down_or_too_small(writable: modelreg.Registry) -> None:
    first, _ = writable.cheapest_route(1000, 500, ["tools"])
    mark(writable, first.id, status="maintenance")
    second, cost = writable.cheapest_route(1000, 500, ["tools"])
    assert second.id != first.id and (cost.total, second.model, second.id) == brute_cheapest(
        writable, 1000, 500, ["tools"]
    )
    mark(writable, second.id, limits={"context_window": 1499})  # the platform's window: less than the model's
    third, cost = writable.cheapest_route(1000, 500, ["tools"])
    assert third.id not in (first.id, second.id)
    assert (cost.total, third.model, third.id) == brute_cheapest(writable, 1000, 500, ["tools"])
    assert writable.cheapest_route(1000, 499, ["tools"])[0].id == second.id  # 1,499 tokens fit


@SQLITE_ONLY
def test_performance_figures_come_from_the_route_unless_measured(writable: modelreg.Registry) -> None:
    mark(writable, AZURE, performance={"latency_ms": 80, "success_rate": 0.99})
    mark(writable, OPENROUTER, performance={"latency_ms": 300, "success_rate": 0.999})
    assert writable.best_route(NANO, strategy="latency").id == AZURE
    assert writable.best_route(NANO, strategy="success").id == OPENROUTER
    measured = {AZURE: Performance(latency_ms=900, success_rate=0.5), DIRECT: Performance(latency_ms=120)}
    assert writable.best_route(NANO, strategy="latency", performance=measured).id == DIRECT
    assert writable.best_route(NANO, strategy="success", performance=measured).id == OPENROUTER


@SQLITE_ONLY
def test_recorded_calls_feed_best_route_and_the_routes_performance(writable: modelreg.Registry) -> None:
    import statistics

    from modelreg.calls import DEFAULT_MIN_CALLS

    mark(writable, AZURE, performance={"latency_ms": 80, "success_rate": 0.99})  # the catalog's claim
    direct_ms = [100.0 + 7 * i for i in range(DEFAULT_MIN_CALLS)]
    azure_ms = [400.0 + 3 * i for i in range(DEFAULT_MIN_CALLS)]
    batch = [{"route": DIRECT, "ok": True, "latency_ms": ms} for ms in direct_ms]
    batch += [{"route": AZURE, "ok": i % 2 == 0, "latency_ms": ms} for i, ms in enumerate(azure_ms)]
    writable.record_calls(batch)
    assert writable.best_route(NANO, strategy="latency").id == DIRECT  # measured 400+ ms beats the claimed 80
    assert writable.best_route(NANO, strategy="success").id == DIRECT  # 100% against 50%
    chain = {r.id: r for r in writable.fallback_chain(NANO)}
    assert chain[DIRECT].performance.latency_ms == pytest.approx(statistics.median(direct_ms))
    assert chain[AZURE].performance.success_rate == pytest.approx(0.5)
    assert chain[AZURE].performance.latency_ms == pytest.approx(statistics.median(azure_ms[0::2]))  # ok calls only
    assert chain[OPENROUTER].performance == writable.route(OPENROUTER).performance  # too few calls: its own


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_route_priority_changes_through_the_store_and_are_logged(writable: modelreg.Registry) -> None:
    read = writable.version("route", OPENROUTER)
    changed = writable.update_route_priority(OPENROUTER, 2, actor="ops", version=read)
    assert changed.priority == 2 and writable.route(OPENROUTER).priority == 2
    assert [r.id for r in writable.fallback_chain(NANO)] == [DIRECT, OPENROUTER, AZURE]  # the seed's order
    logged = writable.history("route", OPENROUTER)[-1]
    assert (logged.actor, logged.message, logged.after["data"]) == ("ops", "priority 10 -> 2", {"priority": 2})
    with pytest.raises(modelreg.ConflictError):
        writable.update_route_priority(OPENROUTER, 3, actor="ops", version=read)  # stale
    writable.update_route_priority(AZURE, 3, actor="ops")  # no version: over whatever is current
    writable.update_route_priority(OPENROUTER, 4, actor="ops")
    assert [r.id for r in writable.fallback_chain(NANO)] == [DIRECT, AZURE, OPENROUTER]
    for bad in (0, -1, True, 2.0, "2"):
        with pytest.raises(modelreg.ValidationError):
            writable.update_route_priority(AZURE, bad, actor="ops")  # type: ignore[arg-type]
    with pytest.raises(modelreg.ModelNotFoundError):
        writable.update_route_priority("azure/openai/gpt-99", 2, actor="ops")
    assert writable.route(AZURE).priority == 3 and writable.route(DIRECT).priority == 1
    # a priority orders the routes; it never changes what a route costs (the maker's own API is `direct`)
    set_price(writable, AZURE, "0.07", "0.5", days_ago=1)
    azure_cost = writable.cost(AZURE, input_tokens=1_000_000, output_tokens=1_000_000).total
    direct_cost = writable.cost(DIRECT, input_tokens=1_000_000, output_tokens=1_000_000).total
    assert azure_cost != direct_cost
    writable.update_route_priority(AZURE, 1, actor="ops")
    writable.update_route_priority(DIRECT, 5, actor="ops")
    assert writable.fallback_chain(NANO)[0].id == AZURE
    assert writable.cost(AZURE, input_tokens=1_000_000, output_tokens=1_000_000).total == azure_cost
    assert writable.cost(DIRECT, input_tokens=1_000_000, output_tokens=1_000_000).total == direct_cost
    assert writable.route(DIRECT).direct and not writable.route(AZURE).direct


# -- the REST endpoints --------------------------------------------------------------------------------------


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


@SQLITE_ONLY
def test_read_endpoints(service: Service) -> None:
    server, reg = service
    with httpx.Client(base_url=f"{server.url}{API}") as http:
        best = http.get(f"/models/{NANO}/routes/best")
        assert best.status_code == 200 and best.json()["id"] == reg.best_route(NANO).id == DIRECT
        by_name = http.get("/models/gpt-5-nano/routes/best", params={"strategy": "cost", "region": "eu"})
        assert by_name.status_code == 200 and by_name.json()["id"] == AZURE
        model = "meta/llama-3.3-70b-instruct"
        cheap = http.get(f"/models/{model}/routes/best", params={"strategy": "cost", "required": ["tools"]})
        assert cheap.json()["id"] == reg.best_route(model, strategy="cost", required=["tools"]).id
        chain = http.get(f"/models/{NANO}/fallbacks")
        assert chain.status_code == 200
        assert ids(chain.json()["items"]) == ordered(reg, reg.routes(NANO))
        assert chain.json()["model"] == NANO and chain.json()["skipped"] == {}
        lacking = http.get(f"/models/{NANO}/fallbacks", params={"required": "audio_output"})
        assert lacking.status_code == 200 and lacking.json()["items"] == []
        assert lacking.json()["reason"] == "3 routes: 3 without audio_output"
        assert http.get(f"/models/{NANO}/routes").json()["count"] == 3  # the existing path still answers
        assert http.get(f"/models/{NANO}").json()["id"] == NANO

        body = {"prompt_tokens": 1000, "max_output_tokens": 500, "required_capabilities": ["vision", "tools"]}
        found = http.post("/routes/cheapest", json=body)
        route, cost = reg.cheapest_route(1000, 500, ["vision", "tools"])
        assert found.status_code == 200 and found.json()["route"]["id"] == route.id
        assert (cost.total, route.model, route.id) == brute_cheapest(reg, 1000, 500, ["vision", "tools"])
        assert Decimal(found.json()["cost"]["total"]) == cost.total
        on_groq = http.post("/routes/cheapest", json={**body, "required_capabilities": [], "platform": "groq"})
        assert on_groq.json()["route"]["platform"] == "groq"

        not_found = http.get("/models/openai/gpt-99/routes/best")
        assert not_found.status_code == 404 and not_found.json()["suggestions"]
        assert not_found.headers["content-type"] == "application/problem+json"
        nothing = http.get(f"/models/{NANO}/routes/best", params={"region": "mars"})
        assert nothing.status_code == 404 and "3 not in region mars" in nothing.json()["detail"]
        too_big = http.post("/routes/cheapest", json={"prompt_tokens": 99_000_000, "max_output_tokens": 1})
        assert too_big.status_code == 404
        for params in ({"strategy": "vibes"}, {"required": "telepathy"}):
            assert http.get(f"/models/{NANO}/routes/best", params=params).status_code == 422
        assert http.get(f"/models/{NANO}/fallbacks", params={"required": "telepathy"}).status_code == 422
        for wrong in (
            {"prompt_tokens": "1000", "max_output_tokens": 500},
            {"prompt_tokens": -1, "max_output_tokens": 500},
            {"prompt_tokens": 1000},
            {**body, "extra": 1},
            {**body, "required_capabilities": ["telepathy"]},
        ):
            refused = http.post("/routes/cheapest", json=wrong)
            assert refused.status_code == 422 and refused.json()["errors"], wrong


@SQLITE_ONLY
def test_priority_patch_needs_an_editor_and_names_the_etag(service: Service) -> None:
    server, reg = service
    assert reg.store is not None
    url = f"{server.url}{API}/routes/{OPENROUTER}/priority"
    assert httpx.patch(url, json={"priority": 2}).status_code == 401
    reader = {"Authorization": f"Bearer {reg.store.create_key('reader', 'reader')}"}
    assert httpx.patch(url, json={"priority": 2}, headers=reader).status_code == 403
    with httpx.Client(base_url=f"{server.url}{API}", headers=editor_key(reg)) as http:
        tag = http.get(f"/routes/{OPENROUTER}").headers["etag"]
        changed = http.patch(f"/routes/{OPENROUTER}/priority", json={"priority": 2}, headers={"If-Match": tag})
        assert changed.status_code == 200 and changed.json()["priority"] == 2
        assert changed.headers["etag"] != tag
        stale = http.patch(f"/routes/{OPENROUTER}/priority", json={"priority": 3}, headers={"If-Match": tag})
        assert stale.status_code == 412 and stale.json()["current_etag"] == changed.headers["etag"]
        chain = http.get(f"/models/{NANO}/fallbacks").json()
        assert ids(chain["items"]) == [DIRECT, OPENROUTER, AZURE]  # the seed's order, from the store
        assert reg.history("route", OPENROUTER)[-1].actor == "editor"
        for wrong in ({"priority": 0}, {"priority": "2"}, {"priority": 2, "status": "inactive"}, {}):
            assert http.patch(f"/routes/{OPENROUTER}/priority", json=wrong).status_code == 422, wrong
        onto_one = http.patch(f"/routes/{AZURE}/priority", json={"priority": 1})
        assert onto_one.status_code == 200 and ids(http.get(f"/models/{NANO}/fallbacks").json()["items"])[0] == AZURE
        assert http.patch("/routes/azure/openai/gpt-99/priority", json={"priority": 2}).status_code == 404
        without_tag = http.patch(f"/routes/{AZURE}/priority", json={"priority": 2})
        assert without_tag.status_code == 200 and reg.route(AZURE).priority == 2
        assert http.get(f"/routes/{AZURE}").json()["priority"] == 2  # the generic route path is unchanged
