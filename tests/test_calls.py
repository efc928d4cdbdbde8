"""Recorded calls: success rate and latency percentiles over a sliding window, spend with unpriced calls
apart, and batched usage through the service, all or nothing. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
import statistics
from decimal import Decimal

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import modelreg
from modelreg import calls
from modelreg.cli import app
from modelreg.errors import ModelNotFoundError, StoreError, ValidationError
from tests.conftest import Server
from tests.helpers import API, editor_key

PRICED = "openai/openai/gpt-4o"
CHEAP = "openai/openai/gpt-4o-mini"
UNPRICED = "cohere/cohere/c4ai-aya-expanse-8b"  # no source states its price

Service = tuple[Server, modelreg.Registry]
runner = CliRunner(env={"COLUMNS": "200"})


def _ago(now: dt.datetime, **delta: float) -> dt.datetime:
    return now - dt.timedelta(**delta)


# -- the sliding window -----------------------------------------------------------------------------------


def test_success_rate_and_percentiles_come_from_the_calls_inside_the_window(writable: modelreg.Registry) -> None:
    now = dt.datetime.now(dt.UTC)
    rng = random.Random(12)
    inside = [
        {
            "route": PRICED,
            "ok": rng.random() < 0.8,
            "latency_ms": round(rng.uniform(50, 3000), 1),
            "at": _ago(now, minutes=m),
        }
        for m in range(1, 60 * 23, 37)
    ]
    # outside the 24 hours, or not yet happened: slow failures that would change every number if counted
    outside = [
        {"route": PRICED, "ok": False, "latency_ms": 99_999.0, "at": _ago(now, hours=h)} for h in (24.5, 30, 24 * 6)
    ] + [{"route": PRICED, "ok": True, "latency_ms": 1.0, "at": _ago(now, hours=25)} for _ in range(5)]
    other = [{"route": CHEAP, "ok": True, "latency_ms": 10.0 * i, "at": _ago(now, minutes=5)} for i in range(1, 4)]
    calls.record_calls(writable, inside + outside + other)

    stats = calls.route_stats(writable, now=now)
    assert set(stats) == {PRICED, CHEAP}
    good = [c["latency_ms"] for c in inside if c["ok"]]
    found = stats[PRICED]
    assert (found.calls, found.ok) == (len(inside), len(good))
    assert found.success_rate == pytest.approx(len(good) / len(inside))
    centiles = statistics.quantiles(good, n=100, method="inclusive")  # computed apart from modelreg
    assert found.p50_ms == pytest.approx(statistics.median(good)) == pytest.approx(centiles[49])
    assert found.p95_ms == pytest.approx(centiles[94])
    assert stats[CHEAP] == calls.RouteStats(3, 3, 1.0, 20.0, pytest.approx(29.0))

    last_hour = calls.route_stats(writable, window="1h", now=now)[PRICED]  # the window slides with `now`
    recent = [c for c in inside if c["at"] > _ago(now, hours=1)]
    assert last_hour.calls == len(recent) and last_hour.ok == sum(c["ok"] for c in recent)
    earlier = calls.route_stats(writable, window="24h", now=_ago(now, hours=23))[PRICED]
    assert (earlier.calls, earlier.ok) == (7, 5)  # 47 to 23 hours ago: the calls 24.5, 30 and 25 hours ago

    performance = calls.route_performance(writable, now=now, min_calls=5)  # CHEAP has 3 calls: too few to rank
    assert set(performance) == {PRICED}
    assert performance[PRICED].latency_ms == found.p50_ms and performance[PRICED].success_rate == found.success_rate
    assert calls.route_stats(writable, routes=[CHEAP], now=now).keys() == {CHEAP}


def test_a_route_whose_calls_all_failed_has_no_latency(writable: modelreg.Registry) -> None:
    for _ in range(3):
        calls.record_call(writable, PRICED, ok=False, latency_ms=30_000, error="timed out")
    assert calls.route_stats(writable)[PRICED] == calls.RouteStats(3, 0, 0.0, None, None)


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=2, max_size=200))
def test_percentiles_interpolate_as_statistics_inclusive_quantiles(values: list[float]) -> None:
    ordered = sorted(values)
    expected = statistics.quantiles(values, n=100, method="inclusive")
    for p in (1, 50, 95, 99):
        assert calls.percentile(ordered, p) == pytest.approx(expected[p - 1], rel=1e-9, abs=1e-6)


# -- recording ----------------------------------------------------------------------------------------------


def test_a_call_is_priced_when_recorded_and_a_route_without_a_price_stores_no_cost(
    writable: modelreg.Registry,
) -> None:
    priced = calls.record_call(writable, PRICED, ok=True, latency_ms=812, input_tokens=1200, output_tokens=90)
    assert priced.cost_usd == writable.cost(PRICED, input_tokens=1200, output_tokens=90).total == Decimal("0.0039")
    assert (priced.model, priced.platform) == ("openai/gpt-4o", "openai")
    unpriced = calls.record_call(writable, UNPRICED, ok=True, latency_ms=100, input_tokens=500, output_tokens=20)
    assert unpriced.cost_usd is None  # never $0
    free = calls.record_call(writable, PRICED, ok=False, latency_ms=5, error="rate limited\x00")
    assert free.cost_usd == 0 and free.error == "rate limited"


def test_wrong_calls_are_refused_and_a_batch_is_all_or_nothing(writable: modelreg.Registry) -> None:
    with pytest.raises(ModelNotFoundError) as missing:
        calls.record_call(writable, "openai/openai/gpt-4oo", ok=True, latency_ms=1)
    assert PRICED in missing.value.suggestions
    with pytest.raises(ValidationError) as naive:
        calls.record_call(writable, PRICED, ok=True, latency_ms=1, at=dt.datetime(2025, 1, 1))
    assert [field for field, _ in naive.value.errors] == ["at"]
    good = {"route": PRICED, "ok": True, "latency_ms": 10}
    batch = [good, {"route": "openai/openai/gpt-4oo", "ok": True, "latency_ms": 1}, {**good, "input_tokens": True}]
    with pytest.raises(ValidationError) as refused:
        calls.record_calls(writable, batch)
    fields = dict(refused.value.errors)
    assert set(fields) == {"calls.1.route", "calls.2.input_tokens"} and PRICED in fields["calls.1.route"]
    with pytest.raises(ValidationError):
        calls.record_calls(writable, [good] * (calls.MAX_BATCH + 1))
    with pytest.raises(ValidationError) as unknown_field:
        calls.record_calls(writable, [{**good, "latency": 3, "ok": "yes"}])
    assert dict(unknown_field.value.errors).keys() == {"calls.0.latency", "calls.0.ok"}
    assert calls.route_stats(writable) == {}  # nothing of the refused batches was stored
    assert len(calls.record_calls(writable, [good] * calls.MAX_BATCH)) == calls.MAX_BATCH


def test_recording_needs_a_store(registry: modelreg.Registry) -> None:
    with pytest.raises(StoreError, match="database"):
        calls.record_call(registry, PRICED, ok=True, latency_ms=1)


# -- spend ----------------------------------------------------------------------------------------------------


def test_spend_sums_priced_calls_and_counts_unpriced_calls_apart(writable: modelreg.Registry) -> None:
    now = dt.datetime.now(dt.UTC)
    yesterday = _ago(now, days=1)
    recorded = calls.record_calls(
        writable,
        [
            {"route": PRICED, "ok": True, "latency_ms": 1, "input_tokens": 1000, "output_tokens": 100, "at": now},
            {"route": PRICED, "ok": False, "latency_ms": 1, "input_tokens": 10, "at": yesterday},
            {"route": CHEAP, "ok": True, "latency_ms": 1, "input_tokens": 2000, "output_tokens": 300, "at": now},
            {"route": UNPRICED, "ok": True, "latency_ms": 1, "input_tokens": 700, "output_tokens": 70, "at": now},
            {"route": UNPRICED, "ok": True, "latency_ms": 1, "input_tokens": 1, "at": yesterday},
            {"route": PRICED, "ok": True, "latency_ms": 1, "input_tokens": 10**6, "at": _ago(now, days=10)},
        ],
    )
    cost = {c.route: c.cost_usd for c in recorded[:4]}
    expected = {
        PRICED: writable.cost(PRICED, input_tokens=1000, output_tokens=100).total,
        CHEAP: writable.cost(CHEAP, input_tokens=2000, output_tokens=300).total,
    }
    assert cost[CHEAP] == expected[CHEAP]
    moment = now + dt.timedelta(seconds=1)

    by_model = calls.spend(writable, since="7d", by="model", now=moment)
    rows = {row.model: row for row in by_model.rows}
    assert rows["openai/gpt-4o"].calls == 2 and rows["openai/gpt-4o"].failed == 1
    assert rows["openai/gpt-4o"].cost_usd == expected[PRICED] + recorded[1].cost_usd  # type: ignore[operator]
    assert rows["openai/gpt-4o-mini"].cost_usd == expected[CHEAP]
    aya = rows["cohere/c4ai-aya-expanse-8b"]
    assert (aya.calls, aya.unpriced_calls, aya.cost_usd, aya.input_tokens) == (2, 2, None, 701)
    total = by_model.total
    assert total.calls == 5 and total.unpriced_calls == 2  # the call 10 days ago is outside
    assert total.cost_usd == sum(r.cost_usd for r in by_model.rows if r.cost_usd is not None)
    assert by_model.as_json()["total"]["cost_usd"] == format(total.cost_usd.normalize(), "f")  # type: ignore[union-attr]
    assert by_model.as_json()["rows"][0].keys() >= {"model", "calls", "cost_usd", "unpriced_calls"}

    by_day = calls.spend(writable, since=yesterday.date(), by=("platform", "day"), now=moment)
    assert [(r.platform, r.day, r.calls) for r in by_day.rows] == [
        ("cohere", yesterday.date(), 1),
        ("cohere", now.date(), 1),
        ("openai", yesterday.date(), 1),
        ("openai", now.date(), 2),
    ]
    assert calls.spend(writable, since="30d", by=(), now=moment).total.calls == 6
    today_only = calls.spend(writable, since=now.date(), until=now.date() + dt.timedelta(days=1), by=())
    assert today_only.total.calls == 3 and today_only.rows == []
    for wrong in ({"by": "model,price"}, {"by": "model,model"}, {"since": "last week"}, {"until": "7d"}):
        with pytest.raises(ValidationError):
            calls.spend(writable, **{"since": "7d", **wrong})  # type: ignore[arg-type]


def test_spend_on_the_command_line(writable: modelreg.Registry, database_url: str) -> None:
    calls.record_call(writable, PRICED, ok=True, latency_ms=3, input_tokens=1000, output_tokens=100)
    calls.record_call(writable, UNPRICED, ok=True, latency_ms=3, input_tokens=5)
    url = database_url
    result = runner.invoke(app, ["spend", "--since", "1d", "--by", "model", "--database-url", url])
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert lines[0][:3] == ["model", "calls", "failed"]
    assert ["openai/gpt-4o", "1", "0", "1000", "100", "0.0035", "0"] in lines
    assert ["cohere/c4ai-aya-expanse-8b", "1", "0", "5", "0", "", "1"] in lines
    assert lines[-1][0] == "total" and lines[-1][-2:] == ["0.0035", "1"]
    as_json = runner.invoke(app, ["spend", "--by", "", "--json", "--database-url", url])
    assert as_json.exit_code == 0 and '"unpriced_calls": 1' in as_json.stdout


# -- the service ----------------------------------------------------------------------------------------------


def test_usage_is_recorded_in_batches_all_or_nothing_and_spend_is_read_live(service: Service) -> None:
    server, reg = service
    assert reg.store is not None
    reader = {"Authorization": f"Bearer {reg.store.create_key('dashboard', 'reader')}"}
    good = [
        {"route": PRICED, "ok": True, "latency_ms": 420.5, "input_tokens": 1000, "output_tokens": 100},
        {"route": UNPRICED, "ok": False, "latency_ms": 30000, "error": "timed out", "at": "2025-06-01T12:00:00Z"},
    ]
    with httpx.Client(base_url=f"{server.url}{API}", headers=editor_key(reg)) as http:
        before = http.get("/spend", params={"since": "3650d", "by": "model"})
        assert before.status_code == 200 and before.json()["total"]["calls"] == 0
        assert before.headers["cache-control"] == "no-store"

        posted = http.post("/usage", json={"calls": good})
        assert posted.status_code == 201, posted.text
        assert posted.json() == {"recorded": 2, "cost_usd": "0.0035", "unpriced_calls": 1}

        after = http.get("/spend", params={"since": "3650d", "by": "model"})  # not a kept answer: live
        rows = {r["model"]: r for r in after.json()["rows"]}
        assert rows["openai/gpt-4o"]["cost_usd"] == "0.0035"
        assert rows["cohere/c4ai-aya-expanse-8b"]["cost_usd"] is None
        assert after.json()["total"] == {
            "calls": 2,
            "failed": 1,
            "input_tokens": 1000,
            "output_tokens": 100,
            "cost_usd": "0.0035",
            "unpriced_calls": 1,
        }

        for bad, field in (
            ([*good, {"route": "openai/openai/nope", "ok": True, "latency_ms": 1}], "calls.2.route"),
            ([*good, {"route": PRICED, "ok": True, "latency_ms": 1, "input_tokens": "5"}], "calls.2.input_tokens"),
            ([*good, {"route": PRICED, "ok": True, "latency_ms": "fast"}], "calls.2.latency_ms"),
            ([{**good[0], "at": "2025-06-01T12:00:00"}], "calls.0.at"),  # no offset: which zone?
            ([good[0]] * (calls.MAX_BATCH + 1), "calls"),
        ):
            refused = http.post("/usage", json={"calls": bad})
            assert refused.status_code == 422, refused.text
            assert field in [e["field"] for e in refused.json()["errors"]], refused.json()
        again = http.get("/spend", params={"since": "3650d", "by": ""}).json()
        assert again["total"]["calls"] == 2 and again["rows"] == []  # nothing of a refused batch was kept

        assert http.post("/usage", json={"calls": good}, headers={"Authorization": ""}).status_code == 401
        assert http.post("/usage", json={"calls": good}, headers=reader).status_code == 403
        assert http.get("/spend", params={"by": "price"}).status_code == 422
