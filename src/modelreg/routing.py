"""Routes: which of a model's routes to call and in what order, and the cheapest route for one request.

A route is *usable* when its status is ``active`` or ``degraded``; every other status (inactive,
maintenance, deprecated, down, …) is skipped. A degraded route is still called, but after every active
one, whatever the strategy. A route's capabilities are its model's.

A route's price is its own, or its model's when it is the maker's own API (``direct``: the compiled index
bills it so); a route with no price, or a price of zero (a free tier, or an upstream entry with no real
price: ``queries.cheapest`` leaves those out too), is *unpriced*: it comes last where price decides and is
never treated as free.

Every question is answered from a ``RouteTable``: one flat row per route, built once per registry view
(``Registry.view()``) from its raw records and price tables, so a call is a few dict reads and a loop over
tuples. Performance figures are the routes' own (``Route.performance``) unless a ``performance`` mapping
(route id -> ``Performance``, e.g. measured from recorded calls) is given: a route it names is judged by
those figures, the others keep their own.
"""

from __future__ import annotations

import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from modelreg.errors import ConflictError, ModelNotFoundError, ValidationError
from modelreg.lifecycle import GOING
from modelreg.overlay import follows_model
from modelreg.pricing import Cost, PriceTable
from modelreg.schema import Capability, Performance, Route

if TYPE_CHECKING:
    from modelreg.registry import Registry

USABLE = {"active": 0, "degraded": 1}
"""The statuses a route is called in, and their rank: every active route comes before any degraded one."""
STRATEGIES = ("priority", "cost", "latency", "success")
DEFAULT_PROMPT_TOKENS = 1000
DEFAULT_OUTPUT_TOKENS = 500
"""The request the ``cost`` strategy and the priority tie-break price by default: 1,000 tokens in, 500 out
(2:1, as ``/recommend`` assumes)."""
ATTEMPTS = 5  # writes of a priority without a version, re-read between them, before a ConflictError stands

_CAPABILITIES = frozenset(c.value for c in Capability)
_NONE: frozenset[str] = frozenset()
_NEVER = Decimal("Infinity")  # the price of an unpriced route: after every priced one


class Hop(NamedTuple):
    """One route, flattened for ranking."""

    id: str
    platform: str
    priority: int
    status: str
    rank: int  # 0 active, 1 degraded, -1 not usable
    regions: frozenset[str]  # the route's regions and its deployments'
    context: int  # the route's own context window, else its model's; 0 when unknown
    table: PriceTable | None  # None: unpriced
    price: Decimal  # the default request's cost (_NEVER when unpriced)
    latency_ms: float | None
    success_rate: float | None


class Priced(NamedTuple):
    """A usable, priced route, with what ``cheapest_route`` filters on beside it."""

    model: str
    provider: str
    capabilities: frozenset[str]
    current: bool  # the model is neither deprecated nor retired
    context: int
    platform: str
    id: str
    table: PriceTable


class RouteTable(NamedTuple):
    """Every route of one registry view, by model, in the registry's route order (priority, then platform);
    and the usable, priced ones in one flat tuple ordered by model id, then route id."""

    by_model: dict[str, tuple[Hop, ...]]
    capabilities: dict[str, frozenset[str]]  # model id -> its capabilities
    priced: tuple[Priced, ...]


class Chain(list[Route]):
    """A fallback chain: the usable routes of ``model`` (its id), the first to call first. ``skipped`` names
    each route left out and why (route id -> "inactive", "without tools", "not in region eu", …)."""

    def __init__(self, model: str = "", routes: Iterable[Route] = (), skipped: Mapping[str, str] | None = None) -> None:
        super().__init__(routes)
        self.model = model
        self.skipped = dict(skipped or {})

    @property
    def reason(self) -> str:
        """Why routes were left out, counted: "3 routes: 2 inactive, 1 without tools" ("" when none was)."""
        return _summary(len(self) + len(self.skipped), self.skipped.values()) if self.skipped else ""


class NoRouteError(ModelNotFoundError):
    """No route qualifies for a question about ``name`` (a model id, or the request asked for); ``reasons``
    counts why the routes were refused ("inactive" -> 2, "without tools" -> 1)."""

    def __init__(self, name: str, message: str, reasons: Mapping[str, int] | None = None) -> None:
        self.name = name
        self.suggestions: list[str] = []
        self.reasons = dict(reasons or {})
        Exception.__init__(self, message)  # not ModelNotFoundError's "No model named …": the model exists


# -- the table, once per view ---------------------------------------------------------------------------------

_TABLES: weakref.WeakKeyDictionary[Registry, RouteTable] = weakref.WeakKeyDictionary()
_BUILDING = threading.Lock()


def route_table(view: Registry) -> RouteTable:
    """The routes of ``view`` (a ``Registry.view()``), flattened; built on first use and kept with the view."""
    table = _TABLES.get(view)
    if table is None:
        with _BUILDING:
            table = _TABLES.get(view)
            if table is None:
                table = _TABLES[view] = _build(view)
    return table


def _build(view: Registry) -> RouteTable:
    prices = view.price_tables()
    by_model: dict[str, tuple[Hop, ...]] = {}
    capabilities: dict[str, frozenset[str]] = {}
    priced: list[Priced] = []
    for row in view.facts():
        capabilities[row.id] = row.capabilities
        tables = {route_id: table for route_id, _, table in prices.get(row.id, ())}
        hops = []
        for route_id in view.route_ids(row.id):
            raw = view.record("route", route_id)
            table = tables.get(None) if follows_model(raw) else tables.get(route_id)
            price = table.total(DEFAULT_PROMPT_TOKENS, DEFAULT_OUTPUT_TOKENS) if table is not None else _NEVER
            if not price:  # zero: no real price
                table, price = None, _NEVER
            status = raw.get("status", "active")
            regions = {*raw.get("regions", ()), *(d["region"] for d in raw.get("deployments", ()) if d.get("region"))}
            figures = raw.get("performance") or {}
            hops.append(
                Hop(
                    id=route_id,
                    platform=raw["platform"],
                    priority=raw.get("priority", 10),
                    status=status,
                    rank=USABLE.get(status, -1),
                    regions=frozenset(regions),
                    context=(raw.get("limits") or {}).get("context_window") or row.context,
                    table=table,
                    price=price,
                    latency_ms=figures.get("latency_ms"),
                    success_rate=figures.get("success_rate"),
                )
            )
        by_model[row.id] = tuple(hops)
        current = row.status not in GOING
        priced += [
            Priced(row.id, row.provider, row.capabilities, current, h.context, h.platform, h.id, h.table)
            for h in hops
            if h.table is not None and h.rank >= 0
        ]
    priced.sort(key=attrgetter("model", "id"))
    return RouteTable(by_model, capabilities, tuple(priced))


# -- questions ----------------------------------------------------------------------------------------------


def best_route(
    reg: Registry,
    model: str,
    *,
    required: Iterable[str] = (),
    region: str | None = None,
    strategy: str = "priority",
    prompt_tokens: int = DEFAULT_PROMPT_TOKENS,
    output_tokens: int = DEFAULT_OUTPUT_TOKENS,
    performance: Mapping[str, Performance] | None = None,
) -> Route:
    """The route to call ``model`` (any name ``resolve`` accepts) through.

    Only usable routes count (active, then degraded), of a model with every ``required`` capability, serving
    ``region`` (a route's region or a deployment's; None: any). ``strategy`` orders them:

    - ``priority``: lowest priority number (1 = first choice), then the cheaper;
    - ``cost``: the cost of a request of ``prompt_tokens`` in and ``output_tokens`` out (default 1,000 and
      500), unpriced routes last;
    - ``latency``: ``latency_ms`` ascending, routes without a figure after those with one;
    - ``success``: ``success_rate`` descending, unknown after known.

    Remaining ties go to the lower priority number, then the route id. ``performance`` (route id ->
    ``Performance``) replaces the figures of the routes it names. Raises NoRouteError (a
    ModelNotFoundError) saying why each route was refused when none qualifies.
    """
    if strategy not in STRATEGIES:
        raise ValidationError(f"unknown strategy {strategy!r}", [("strategy", f"one of {', '.join(STRATEGIES)}")])
    if strategy == "cost" and (prompt_tokens, output_tokens) != (DEFAULT_PROMPT_TOKENS, DEFAULT_OUTPUT_TOKENS):
        _check_counts(prompt_tokens=prompt_tokens, output_tokens=output_tokens)
    view = reg.view()
    model_id, hops, skipped = _qualifying(view, model, required, region)
    if not hops:
        raise _no_route(model_id, skipped)
    if strategy == "priority":
        best = min(hops, key=_by_priority)
    elif strategy == "cost":
        if (prompt_tokens, output_tokens) == (DEFAULT_PROMPT_TOKENS, DEFAULT_OUTPUT_TOKENS):
            best = min(hops, key=lambda h: (h.rank, h.price, h.priority, h.id))
        else:
            best = min(hops, key=lambda h: (h.rank, _price_of(h, prompt_tokens, output_tokens), h.priority, h.id))
    elif strategy == "latency":
        performance = _measured(reg, hops) if performance is None else performance
        latency = _figures(performance, "latency_ms")
        best = min(hops, key=lambda h: (h.rank, *_low_first(latency(h)), h.priority, h.id))
    else:
        performance = _measured(reg, hops) if performance is None else performance
        success = _figures(performance, "success_rate")
        best = min(hops, key=lambda h: (h.rank, *_high_first(success(h)), h.priority, h.id))
    return measured_route(view, best.id, performance if performance is not None else _measured(reg, [best.id]))


def fallback_chain(reg: Registry, model: str, *, required: Iterable[str] = (), region: str | None = None) -> Chain:
    """The usable routes of ``model`` (any name) in the order to try them: active before degraded, then by
    priority (1 first), then the cheaper for a default request, then by route id; its first route is
    ``best_route``'s with the priority strategy. Routes of another status are skipped, and so is every route
    when the model lacks a ``required`` capability or a route does not serve ``region``: ``Chain.skipped``
    says why (an empty chain is an answer, not an error)."""
    view = reg.view()
    model_id, hops, skipped = _qualifying(view, model, required, region)
    measured = _measured(reg, hops)
    return Chain(model_id, [measured_route(view, h.id, measured) for h in sorted(hops, key=_by_priority)], skipped)


def measured_route(reg: Registry, route_id: str, performance: Mapping[str, Performance] | None = None) -> Route:
    """The route, its ``performance`` the figures measured from recorded calls where there are enough of them
    (``calls.route_performance``; or ``performance``, measured already), else its own."""
    route = reg.route(route_id)
    measured = (performance if performance is not None else _measured(reg, [route_id])).get(route_id)
    return route if measured is None else route.model_copy(update={"performance": measured})


def _measured(reg: Registry, hops: Iterable[Hop] | Iterable[str]) -> Mapping[str, Performance]:
    """The measured performance of these routes over the last day of recorded calls (none without a store;
    ``reg`` the registry itself, not a view: a view has no store)."""
    if reg.store is None:
        return {}
    from modelreg import calls

    return calls.route_performance(reg, routes=[h if isinstance(h, str) else h.id for h in hops])


def cheapest_route(
    reg: Registry,
    prompt_tokens: int,
    max_output_tokens: int,
    required_capabilities: Iterable[str] = (),
    *,
    provider: str | None = None,
    platform: str | None = None,
) -> tuple[Route, Cost]:
    """The cheapest usable, priced route over the whole catalog for a request of ``prompt_tokens`` in and up
    to ``max_output_tokens`` out, and its cost (seed 001's ``find_cheapest_route_for_prompt``).

    The route's model must have every ``required_capabilities`` and not be deprecated or retired (as
    ``find``), and its context window (the route's own where it differs, else the model's) must be known to
    hold prompt and output. ``provider`` keeps models of that maker, ``platform`` routes on that platform.
    Ties go to the model id, then the route id. Raises NoRouteError when no route qualifies.
    """
    _check_counts(prompt_tokens=prompt_tokens, max_output_tokens=max_output_tokens)
    need = _capabilities(required_capabilities)
    view = reg.view()
    fits = prompt_tokens + max_output_tokens
    lowest, winner = _NEVER, None
    # one pass over the usable, priced routes (ordered by model, then route: the first of equal costs wins);
    # the model's conditions are find's (queries.matching): capabilities, maker, neither deprecated nor retired
    for candidate in route_table(view).priced:
        _, maker, capabilities, current, context, on, _, table = candidate
        if context < fits or not current or (need and not need <= capabilities):
            continue
        if (provider is not None and maker != provider) or (platform is not None and on != platform):
            continue
        total = table.total(prompt_tokens, max_output_tokens)
        if total < lowest and total:
            lowest, winner = total, candidate
    if winner is None:
        wanted = f" for a model with {', '.join(sorted(need))}" if need else ""
        wanted += f" of {provider}" if provider else ""
        wanted += f" on {platform}" if platform else ""
        raise NoRouteError("cheapest route", f"no usable, priced route holds {fits:,} tokens{wanted}")
    return view.route(winner.id), winner.table.quote(prompt_tokens, max_output_tokens)


def update_route_priority(
    reg: Registry, route_id: str, priority: int, *, actor: str, version: int | None = None, message: str | None = None
) -> Route:
    """Set a route's ``priority`` (1 = first choice) in the store, logged as a change by ``actor``; returns the
    route. ``version``: the route's ``Registry.version`` you read (a change since is a ConflictError); None
    writes over whatever is current.

    A route's price does not depend on its priority: the maker's own API is marked ``direct``.
    """
    if priority.__class__ is not int or priority < 1:
        raise ValidationError(
            "priority is a whole number, 1 or more", [("priority", f"1 = first choice; got {priority!r}")]
        )
    for attempt in range(ATTEMPTS):
        current = reg.version("route", route_id) if version is None else version  # before the record is read
        before = reg.route(route_id).priority
        note = message or f"priority {before} -> {priority}"
        try:
            return reg.update("route", route_id, {"priority": priority}, version=current, actor=actor, message=note)
        except ConflictError:
            if version is not None or attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


# -- helpers ------------------------------------------------------------------------------------------------


def _qualifying(
    view: Registry, model: str, required: Iterable[str], region: str | None
) -> tuple[str, list[Hop], dict[str, str]]:
    """``model``'s id, its routes that qualify, and why each other route does not."""
    need = _capabilities(required)
    model_id = view.explain_ids(model).model_id
    table = route_table(view)
    all_hops = table.by_model.get(model_id, ())
    missing = sorted(need - table.capabilities[model_id]) if need else ()
    hops, skipped = [], {}
    for hop in all_hops:
        if hop.rank < 0:
            skipped[hop.id] = hop.status
        elif missing:
            skipped[hop.id] = f"without {', '.join(missing)}"
        elif region is not None and region not in hop.regions:
            skipped[hop.id] = f"not in region {region}"
        else:
            hops.append(hop)
    return model_id, hops, skipped


def _by_priority(hop: Hop) -> tuple[int, int, Decimal, str]:
    return hop.rank, hop.priority, hop.price, hop.id


def _price_of(hop: Hop, prompt_tokens: int, output_tokens: int) -> Decimal:
    if hop.table is None:
        return _NEVER
    return hop.table.total(prompt_tokens, output_tokens) or _NEVER


def _figures(performance: Mapping[str, Performance] | None, field: str) -> Callable[[Hop], float | None]:
    """A route's ``field`` figure: from ``performance`` for a route it names, else the route's own."""
    own = attrgetter(field)
    if not performance:
        return own

    def figure(hop: Hop) -> float | None:
        measured = performance.get(hop.id)
        return own(hop) if measured is None else getattr(measured, field)

    return figure


def _low_first(value: float | None) -> tuple[bool, float]:
    return (True, 0.0) if value is None else (False, value)


def _high_first(value: float | None) -> tuple[bool, float]:
    return (True, 0.0) if value is None else (False, -value)


def _capabilities(required: Iterable[str]) -> frozenset[str]:
    if not required:
        return _NONE
    if isinstance(required, str):  # one capability, not its letters
        required = (required,)
    need = frozenset(str(getattr(c, "value", c)) for c in required)
    unknown = sorted(need - _CAPABILITIES)
    if unknown:
        known = ", ".join(sorted(_CAPABILITIES))
        raise ValidationError(f"unknown capability: {', '.join(unknown)}", [("required", f"each one of {known}")])
    return need


def _check_counts(**counts: Any) -> None:
    if any(type(v) is not int or v < 0 for v in counts.values()):
        from modelreg.validation import arguments

        raise arguments(counts)


def _summary(total: int, reasons: Iterable[str]) -> str:
    counted = Counter(reasons)
    parts = ", ".join(f"{n} {why}" for why, n in sorted(counted.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"{total} route{'s' if total != 1 else ''}: {parts}"


def _no_route(model_id: str, skipped: Mapping[str, str]) -> NoRouteError:
    if not skipped:
        return NoRouteError(model_id, f"{model_id} has no routes: nothing serves it", {})
    reasons = Counter(skipped.values())
    message = f"no route of {model_id} qualifies ({_summary(len(skipped), skipped.values())})"
    return NoRouteError(model_id, message, reasons)
