"""Calls made through routes: their outcomes recorded in the store, and what is worked out from them.

    from modelreg import calls

    calls.record_call(reg, "openai/openai/gpt-4o", ok=True, latency_ms=812, input_tokens=1200, output_tokens=90)
    calls.route_stats(reg, window="24h")["openai/openai/gpt-4o"]   # RouteStats(calls, ok, rate, p50, p95)
    calls.route_performance(reg)      # {route id: Performance}: what best_route(strategy=…) ranks by
    calls.spend(reg, since="7d", by=("model",))                    # Spend: rows and a total, in USD

Each call is one row (``modelreg_calls``): the route, its model and platform, whether it succeeded, its
latency, its tokens, its cost, the error text and when it happened. The cost is worked out when the call
is recorded, with ``Registry.cost`` at the prices in force on the call's day, and kept as an exact integer
of 10^-12 USD; a route with no price records NULL, so spend counts those calls apart (``unpriced_calls``)
and never adds them as $0.

Calls are not part of the registry's state: recording one moves no change counter, so it never makes a
cached answer stale, and reading these numbers always asks the store.

Metrics are over a sliding window ending now: the success rate is successful calls over all calls;
latency percentiles are over the successful calls only (a timeout or an instant refusal says nothing about
how fast the route answers), interpolated linearly between the two nearest values — PostgreSQL's
``percentile_cont``, numpy's default, ``statistics.quantiles(method="inclusive")``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from modelreg.errors import ModelNotFoundError, StoreError, ValidationError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from modelreg.registry import Registry
    from modelreg.schema import Performance
    from modelreg.store import Store

MAX_BATCH = 1000  # calls in one record_calls (and one POST /api/registry/usage)
DEFAULT_WINDOW = dt.timedelta(hours=24)
DEFAULT_MIN_CALLS = 10  # fewer calls than this in the window say too little to rank a route by
SPEND_KEYS = ("route", "model", "platform", "day")
MAX_TOKENS = 10**12  # per call: far above any context window, far below what the columns hold
MAX_ERROR_CHARS = 1000  # an error text is kept up to this long
_FIELDS = frozenset(("route", "ok", "latency_ms", "input_tokens", "output_tokens", "error", "at"))
_PICO = Decimal(10) ** 12


class Call(NamedTuple):
    """One recorded call. ``cost_usd`` is None when its route has no price; ``at`` is in UTC."""

    route: str
    model: str
    platform: str
    ok: bool
    latency_ms: float
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal | None
    error: str | None
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class RouteStats:
    """One route's calls in a window: how many, how many succeeded, the success rate (0 to 1), and the
    median and 95th-percentile latency of the successful ones in milliseconds (None when none succeeded)."""

    calls: int
    ok: int
    success_rate: float
    p50_ms: float | None
    p95_ms: float | None

    def performance(self) -> Performance:
        """As the schema's ``Performance``: ``latency_ms`` is the median, ``success_rate`` the rate."""
        from modelreg.schema import Performance

        return Performance(latency_ms=self.p50_ms, success_rate=self.success_rate)


class SpendRow(NamedTuple):
    """Spend of one group (the keys not grouped by are None). ``cost_usd`` sums the priced calls (None when
    none was priced); ``unpriced_calls`` counts the calls whose route had no price: their tokens are in
    the token counts, their cost in no total."""

    route: str | None
    model: str | None
    platform: str | None
    day: dt.date | None
    calls: int
    failed: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal | None
    unpriced_calls: int

    def as_json(self, by: Sequence[str] = SPEND_KEYS) -> dict[str, Any]:
        """The keys in ``by``, then the sums; money as a decimal string."""
        keys: dict[str, Any] = {key: getattr(self, key) for key in by}
        if keys.get("day") is not None:
            keys["day"] = keys["day"].isoformat()
        return {
            **keys,
            "calls": self.calls,
            "failed": self.failed,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": None if self.cost_usd is None else _text(self.cost_usd),
            "unpriced_calls": self.unpriced_calls,
        }


class Spend(NamedTuple):
    """Spend from ``since`` (inclusive) to ``until`` (exclusive), grouped ``by``: one row per group, best
    in key order, and the ``total`` over every call."""

    since: dt.datetime
    until: dt.datetime
    by: tuple[str, ...]
    rows: list[SpendRow]
    total: SpendRow

    def as_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(timespec="seconds"),
            "until": self.until.isoformat(timespec="seconds"),
            "by": list(self.by),
            "rows": [row.as_json(self.by) for row in self.rows],
            "total": self.total.as_json(()),
        }


# -- recording ----------------------------------------------------------------------------------------------


def record_call(
    reg: Registry,
    route_id: str,
    *,
    ok: bool,
    latency_ms: float,
    input_tokens: int = 0,
    output_tokens: int = 0,
    error: str | None = None,
    at: dt.datetime | None = None,
) -> Call:
    """Record one call made through route ``route_id`` (``platform/provider/model``): whether it
    succeeded, how long it took in milliseconds, the tokens it used, the error text of a failure, and when
    it happened (a timezone-aware datetime; default now). Its cost is worked out now, at the prices in
    force on its day. Returns the call as stored. An unknown route is a ModelNotFoundError (with
    suggestions), a bad value a ValidationError naming the field; the registry needs a store."""
    store = _store(reg)
    view = reg.view()
    if isinstance(route_id, str) and route_id:
        view.route(route_id)  # an unknown route: ModelNotFoundError with the closest route ids
    call, problems = _checked(
        view,
        {
            "route": route_id,
            "ok": ok,
            "latency_ms": latency_ms,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "error": error,
            "at": at,
        },
        _now(),
    )
    if call is None:
        raise ValidationError("the call cannot be recorded", problems)
    _insert(store, [call])
    return call


def record_calls(reg: Registry, calls: Iterable[Mapping[str, Any]]) -> list[Call]:
    """Record a batch of calls in one transaction: all of them, or none when one is wrong (the
    ValidationError lists every problem as ``calls.<i>.<field>``). Each call is a mapping with the
    arguments of ``record_call``: ``route``, ``ok``, ``latency_ms``, and optionally ``input_tokens``,
    ``output_tokens``, ``error``, ``at``. At most ``MAX_BATCH`` calls. Returns the calls as stored."""
    store = _store(reg)
    items = list(calls) if not isinstance(calls, Mapping | str | bytes) else None
    if items is None:
        raise ValidationError("calls must be a list of calls", [("calls", "expected a list of objects")])
    if len(items) > MAX_BATCH:
        raise ValidationError(
            f"at most {MAX_BATCH} calls can be recorded at once, not {len(items)}",
            [("calls", f"send at most {MAX_BATCH} per batch")],
        )
    view, now = reg.view(), _now()
    recorded: list[Call] = []
    problems: list[tuple[str, str]] = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            problems.append((f"calls.{i}", "expected an object"))
            continue
        call, wrong = _checked(view, item, now)
        problems += [(f"calls.{i}.{field}", message) for field, message in wrong]
        if call is not None:
            recorded.append(call)
    if problems:
        raise ValidationError(f"no call was recorded: {len(problems)} problem(s)", problems)
    _insert(store, recorded)
    return recorded


# -- what the calls say --------------------------------------------------------------------------------------


def route_stats(
    reg: Registry,
    *,
    window: dt.timedelta | str | float = DEFAULT_WINDOW,
    routes: Iterable[str] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, RouteStats]:
    """Each route's calls in the ``window`` ending ``now`` (a timedelta, seconds or a duration such as
    ``"24h"``), as ``RouteStats``; only routes with at least one call, or only ``routes``."""
    import sqlalchemy as sa

    from modelreg.durations import parse_duration
    from modelreg.store.tables import calls as table

    end = _aware(now, "now") if now is not None else _now()
    start = end - dt.timedelta(seconds=parse_duration(window, field="window"))
    query = sa.select(table.c.route, table.c.ok, table.c.latency_ms).where(table.c.at > start, table.c.at <= end)
    if routes is not None:
        wanted = sorted(set(routes))
        if not wanted:
            return {}
        query = query.where(table.c.route.in_(wanted))
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    latencies: dict[str, list[float]] = defaultdict(list)
    with _reading(_store(reg)) as conn:
        for route, ok, latency in conn.execute(query):
            seen = counts[route]
            seen[0] += 1
            if ok:
                seen[1] += 1
                latencies[route].append(latency)
    stats = {}
    for route, (total, good) in sorted(counts.items()):
        ordered = sorted(latencies[route])
        stats[route] = RouteStats(total, good, good / total, percentile(ordered, 50), percentile(ordered, 95))
    return stats


def route_performance(
    reg: Registry,
    *,
    window: dt.timedelta | str | float = DEFAULT_WINDOW,
    min_calls: int = DEFAULT_MIN_CALLS,
    routes: Iterable[str] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Performance]:
    """Each route's measured ``Performance`` (median latency, success rate) over the ``window``, for the
    routes with at least ``min_calls`` calls in it (only ``routes``, when given): what
    ``best_route(strategy="latency"|"success")`` ranks by, and what a route's ``performance`` shows."""
    if isinstance(min_calls, bool) or not isinstance(min_calls, int) or min_calls < 1:
        raise ValidationError("min_calls must be a whole number of at least 1", [("min_calls", repr(min_calls))])
    return {
        route: stats.performance()
        for route, stats in route_stats(reg, window=window, routes=routes, now=now).items()
        if stats.calls >= min_calls
    }


def spend(
    reg: Registry,
    *,
    since: dt.datetime | dt.date | dt.timedelta | str,
    until: dt.datetime | dt.date | str | None = None,
    by: Sequence[str] | str = ("model", "platform", "day"),
    now: dt.datetime | None = None,
) -> Spend:
    """What the recorded calls cost from ``since`` to ``until`` (default now), grouped ``by`` any of
    ``route``, ``model``, ``platform``, ``day`` (a list, or one comma-separated string; empty: the total
    only). ``since`` is a time (a timezone-aware datetime; a date is its midnight UTC; an ISO string
    without an offset is UTC) or how long ago (a timedelta, or ``"7d"``, ``"24h"``). Days are UTC days.
    Calls on unpriced routes are counted in ``unpriced_calls``, never as $0."""
    import sqlalchemy as sa

    from modelreg.store.tables import calls as table

    current = _aware(now, "now") if now is not None else _now()
    start = _instant(since, "since", current, ago=True)
    end = current if until is None else _instant(until, "until", current, ago=False)
    keys = _spend_keys(by)
    if end <= start:
        raise ValidationError("until must come after since", [("until", f"after {start.isoformat()}")])
    # grouped by day in SQL too: each sum stays within a day (SQLite's integers overflow past 2^63)
    columns = [getattr(table.c, key) for key in SPEND_KEYS if key in keys or key == "day"]
    query = (
        sa.select(
            *columns,
            sa.func.count(),
            sa.func.sum(sa.case((table.c.ok, 0), else_=1)),
            sa.func.sum(table.c.input_tokens),
            sa.func.sum(table.c.output_tokens),
            sa.func.count(table.c.cost_picousd),
            sa.func.sum(table.c.cost_picousd),
        )
        .where(table.c.at >= start, table.c.at < end)
        .group_by(*columns)
    )
    sums: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * 6)  # calls, failed, in, out, priced, pUSD
    with _reading(_store(reg)) as conn:
        for row in conn.execute(query):
            found = dict(zip((c.name for c in columns), row[: len(columns)], strict=True))
            found["day"] = _day(found["day"])
            into = sums[tuple(found[key] for key in keys)]
            for i, value in enumerate(row[len(columns) :]):
                into[i] += int(value or 0)
    rows = [_spend_row(dict(zip(keys, group, strict=True)), sums[group]) for group in sums] if keys else []
    rows.sort(key=lambda r: tuple(_order(getattr(r, key)) for key in keys))
    totals = [sum(v[i] for v in sums.values()) for i in range(6)]
    return Spend(start, end, keys, rows, _spend_row({}, totals))


def percentile(ordered: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile (0 to 100) of values sorted ascending, interpolated linearly between the
    two nearest (PostgreSQL's ``percentile_cont``); None for no values."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * p / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# -- helpers ------------------------------------------------------------------------------------------------


def _checked(view: Registry, item: Mapping[str, Any], now: dt.datetime) -> tuple[Call | None, list[tuple[str, str]]]:
    """One call's values checked against the view, and its cost worked out; or every problem with it."""
    problems: list[tuple[str, str]] = []
    for field in sorted(set(item) - _FIELDS, key=str):
        problems.append((str(field), "not a field of a call (route, ok, latency_ms, input_tokens, …)"))
    route_id = item.get("route")
    route = None
    if not isinstance(route_id, str) or not route_id:
        problems.append(("route", "required: a route id, platform/provider/model"))
    else:
        try:
            route = view.route(route_id)
        except ModelNotFoundError as missing:
            hint = f"; did you mean {', '.join(missing.suggestions)}?" if missing.suggestions else ""
            problems.append(("route", f"no route {route_id!r}{hint}"))
    ok = item.get("ok")
    if not isinstance(ok, bool):
        problems.append(("ok", "required: true or false"))
    latency = item.get("latency_ms")
    if isinstance(latency, bool) or not isinstance(latency, int | float) or not math.isfinite(latency) or latency < 0:
        problems.append(("latency_ms", "required: milliseconds, a number of at least 0"))
    counts = {}
    for field in ("input_tokens", "output_tokens"):
        value = item.get(field, 0)
        value = 0 if value is None else value
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOKENS:
            problems.append((field, f"a whole number of tokens from 0 to {MAX_TOKENS}"))
        counts[field] = value
    error = item.get("error")
    if error is not None and not isinstance(error, str):
        problems.append(("error", "text, or null"))
    at = item.get("at")
    if at is not None and (not isinstance(at, dt.datetime) or at.tzinfo is None or at.utcoffset() is None):
        problems.append(("at", "a timezone-aware datetime (an ISO time with its offset, e.g. …Z)"))
    if problems or route is None:
        return None, problems
    when = now if at is None else at.astimezone(dt.UTC)
    return Call(
        route=route.id,
        model=route.model,
        platform=route.platform,
        ok=bool(ok),
        latency_ms=float(item["latency_ms"]),
        input_tokens=counts["input_tokens"],
        output_tokens=counts["output_tokens"],
        cost_usd=_cost(view, route.id, counts["input_tokens"], counts["output_tokens"], when.date()),
        error=_error_text(error),
        at=when,
    ), []


def _cost(view: Registry, route_id: str, input_tokens: int, output_tokens: int, day: dt.date) -> Decimal | None:
    """The call's cost at the prices in force on its day, to 10^-12 USD; None when the route has none."""
    try:
        if day == _now().date():
            cost = view.cost(route_id, input_tokens=input_tokens, output_tokens=output_tokens)
        else:
            cost = view.cost(route_id, input_tokens=input_tokens, output_tokens=output_tokens, at=day)
    except ValidationError:  # unpriced: no price of its own, an unpriced deployment
        return None
    return _pico(cost.total) / _PICO


def _insert(store: Store, recorded: Sequence[Call]) -> None:
    if not recorded:
        return
    import sqlalchemy as sa

    from modelreg.store.engine import failures_translated
    from modelreg.store.tables import calls as table

    rows = [
        {
            "at": c.at,
            "day": c.at.date(),
            "route": c.route,
            "model": c.model,
            "platform": c.platform,
            "ok": c.ok,
            "latency_ms": c.latency_ms,
            "input_tokens": c.input_tokens,
            "output_tokens": c.output_tokens,
            "cost_picousd": None if c.cost_usd is None else _pico(c.cost_usd),
            "error": c.error,
        }
        for c in recorded
    ]
    with failures_translated(store.url), store._write() as conn:
        conn.execute(sa.insert(table), rows)


@contextmanager
def _reading(store: Store) -> Iterator[Connection]:
    from modelreg.store.engine import failures_translated

    with failures_translated(store.url), store.engine.connect() as conn:
        yield conn


def _store(reg: Registry) -> Store:
    store = reg.store
    if store is None:
        raise StoreError(
            "recorded calls live in the store: load the registry with a database (database_url=…, or "
            "MODELREG_DATABASE_URL)"
        )
    return store


def _spend_keys(by: Sequence[str] | str) -> tuple[str, ...]:
    keys = [k.strip() for k in by.split(",") if k.strip()] if isinstance(by, str) else list(by)
    unknown = [k for k in keys if k not in SPEND_KEYS]
    if unknown or len(set(keys)) != len(keys):
        raise ValidationError(
            f"cannot group spend by {', '.join(map(str, unknown or keys))}",
            [("by", f"any of {', '.join(SPEND_KEYS)}, each once")],
        )
    return tuple(keys)


def _spend_row(keys: Mapping[str, Any], sums: Sequence[int]) -> SpendRow:
    calls, failed, input_tokens, output_tokens, priced, picousd = sums
    return SpendRow(
        route=keys.get("route"),
        model=keys.get("model"),
        platform=keys.get("platform"),
        day=keys.get("day"),
        calls=calls,
        failed=failed,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cost_usd=Decimal(picousd) / _PICO if priced else None,
        unpriced_calls=calls - priced,
    )


def _instant(value: Any, field: str, now: dt.datetime, *, ago: bool) -> dt.datetime:
    """A point in time from what a person gives: an aware datetime, a date (midnight UTC), an ISO string
    (UTC unless it says otherwise), or, for ``since``, how long ago (a timedelta or a duration)."""
    from modelreg.durations import parse_duration

    if isinstance(value, dt.datetime):
        return _aware(value, field)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), dt.UTC)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)
    if ago and isinstance(value, str | dt.timedelta) and not isinstance(value, bool):
        return now - dt.timedelta(seconds=parse_duration(value, field=field))
    raise ValidationError(
        f"{value!r} is not a time",
        [
            (
                field,
                "an ISO date or time (2025-01-31, 2025-01-31T12:00Z)" + (", or how long ago (7d, 24h)" if ago else ""),
            )
        ],
    )


def _aware(value: Any, field: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(f"{field} must be a timezone-aware datetime", [(field, repr(value))])
    return value.astimezone(dt.UTC)


def _day(value: Any) -> dt.date:
    """A day as the driver returns it (a date; SQLite may hand back text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _order(value: Any) -> tuple[int, Any]:
    return (1, "") if value is None else (0, value)


def _pico(amount: Decimal) -> int:
    return int((amount * _PICO).to_integral_value(ROUND_HALF_EVEN))


def _text(amount: Decimal) -> str:
    return format(amount.normalize(), "f")


def _error_text(error: str | None) -> str | None:
    """An error as stored: NUL removed (PostgreSQL refuses it), at most ``MAX_ERROR_CHARS`` characters."""
    if error is None:
        return None
    return error.replace("\x00", "")[:MAX_ERROR_CHARS] or None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
