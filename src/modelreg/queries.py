"""Questions over the whole catalog: find, cheapest, capability matrix, alternatives, lifecycle.

Every query runs over ``Facts``: one flat row per model (capabilities as a frozenset, limits and prices
as numbers, today's status), built once from the records. A scan of the catalog is a loop over tuples.

Every model carries a price to compare: its maker's, else "from" the cheapest active route that prices it
(most open-weight models are priced only where they are served). ``Facts.price_route`` names that route,
so every face can say "from"; filters and sorts by price use it, so such models are never dropped silently.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable
from decimal import Decimal
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict, Unpack

from modelreg.collector import paused
from modelreg.errors import ValidationError
from modelreg.lifecycle import GOING, status_on
from modelreg.pricing import Cost

if TYPE_CHECKING:
    from modelreg.registry import Registry

SORT_KEYS = ("id", "input_price", "output_price", "context", "release_date")


class Facts(NamedTuple):
    """One model, flattened for scanning."""

    id: str
    provider: str
    family: str
    capabilities: frozenset[str]
    modalities_in: frozenset[str]
    status: str  # on the day the facts were built
    context: int
    max_output: int
    input_price: Decimal | None  # the maker's, else the cheapest active route's (see price_route)
    output_price: Decimal | None
    release_date: str
    platforms: frozenset[str]
    price_route: str | None = None  # the route the prices are "from", when the maker states none


class PriceToCompare(NamedTuple):
    """The price a model is compared by (USD per 1M tokens): its maker's, or "from" the cheapest active
    route that prices it, which ``route`` then names."""

    input: Decimal | None
    output: Decimal | None
    route: str | None = None

    @property
    def is_from(self) -> bool:
        """True when the price is the cheapest route's, not the maker's: faces show it as "from $x"."""
        return self.route is not None


class Quote(NamedTuple):
    """One way to run a request, and what it costs."""

    model: str
    route: str | None
    platform: str | None
    cost: Cost


class Migration(NamedTuple):
    """Where a deprecated or retired model leads: the end of its replacement chain, and the dates."""

    model: str
    status: str
    replacement: str | None
    chain: tuple[str, ...]
    deprecation_date: str | None
    retirement_date: str | None
    migration_guide: str | None


def cheapest_routes(routes: dict[str, dict[str, Any]]) -> dict[str, tuple[Decimal, Decimal | None, str]]:
    """Model id -> (input, output, route id) of its cheapest usable (active or degraded) route with a price:
    the lowest input price, then output, then route id. Zero prices (free tiers, or entries with no real price) are left
    out: "from $0" would compare a rate-limited preview with a paid service."""
    best: dict[str, tuple[Decimal, Decimal | None, str]] = {}
    never = Decimal("Infinity")
    for route_id, raw in routes.items():
        pricing = raw.get("pricing") or {}
        if raw.get("status", "active") not in ("active", "degraded") or pricing.get("input") is None:
            continue
        price_in = Decimal(pricing["input"])
        price_out = Decimal(pricing["output"]) if pricing.get("output") is not None else None
        if not price_in and not price_out:
            continue
        held = best.get(raw["model"])
        candidate = (price_in, price_out, route_id)
        if held is None or (price_in, never if price_out is None else price_out, route_id) < (
            held[0],
            never if held[1] is None else held[1],
            held[2],
        ):
            best[raw["model"]] = candidate
    return best


def price_to_compare(
    model_id: str, raw: dict[str, Any], cheapest_route: dict[str, tuple[Decimal, Decimal | None, str]]
) -> PriceToCompare:
    """A model's price to compare from its raw record: its maker's, else its cheapest active route's
    (``cheapest_routes``), which then names the route."""
    pricing = raw.get("pricing", {})
    price_in = Decimal(pricing["input"]) if "input" in pricing else None
    price_out = Decimal(pricing["output"]) if "output" in pricing else None
    if price_in is None and price_out is None and model_id in cheapest_route:
        return PriceToCompare(*cheapest_route[model_id])
    return PriceToCompare(price_in, price_out, None)


def build_facts(models: dict[str, dict[str, Any]], routes: dict[str, dict[str, Any]], today: dt.date) -> list[Facts]:
    """Flatten raw records into Facts (capabilities and platforms as sets, status as of ``today``, the
    price to compare)."""
    platforms: dict[str, set[str]] = {}
    for raw in routes.values():
        platforms.setdefault(raw["model"], set()).add(raw["platform"])
    cheapest_route = cheapest_routes(routes)
    iso = today.isoformat()
    rows = []
    for model_id, raw in models.items():
        limits, lifecycle = raw.get("limits", {}), raw.get("lifecycle", {})
        status = status_on(lifecycle, iso)
        price_in, price_out, price_route = price_to_compare(model_id, raw, cheapest_route)
        rows.append(
            Facts(
                id=model_id,
                provider=raw["provider"],
                family=raw["family"],
                capabilities=frozenset(raw.get("capabilities", ())),
                modalities_in=frozenset(raw.get("modalities_in", ("text",))),
                status=status,
                context=limits.get("context_window") or 0,
                max_output=limits.get("max_output_tokens") or 0,
                input_price=price_in,
                output_price=price_out,
                release_date=lifecycle.get("release_date", ""),
                platforms=frozenset(platforms.get(model_id, ())),
                price_route=price_route,
            )
        )
    return rows


class Conditions(TypedDict, total=False):
    """The conditions of ``find`` and ``matching``: what each means is ``matching``'s parameter of that name."""

    required: Iterable[str]
    excluded: Iterable[str]
    provider: str | None
    family: str | None
    platform: str | None
    status: str | None
    min_context: int | None
    min_output: int | None
    max_input_price: Decimal | float | str | None
    max_output_price: Decimal | float | str | None
    modalities_in: Iterable[str]
    include_deprecated: bool


def find(
    rows: Iterable[Facts], *, optional: Iterable[str] = (), sort: str = "id", **conditions: Unpack[Conditions]
) -> list[str]:
    """Ids of the models that match every given condition, best first.

    Models with more of the ``optional`` capabilities come first; ties are ordered by ``sort`` (one of
    SORT_KEYS; prices ascending, context and release date descending). Prices are each model's price to
    compare (its maker's, else from its cheapest active route); a price bound excludes only models with
    no price at all.
    """
    if sort not in SORT_KEYS:
        raise ValidationError("unknown sort key", [("sort", f"one of {', '.join(SORT_KEYS)}")])
    hits = matching(rows, **conditions)
    _order(hits, sort)
    nice = frozenset(optional)
    if nice:
        hits.sort(key=lambda row: -len(nice & row.capabilities))  # stable: keeps the order within a score
    return [row.id for row in hits]


def matching(
    rows: Iterable[Facts],
    *,
    required: Iterable[str] = (),
    excluded: Iterable[str] = (),
    provider: str | None = None,
    family: str | None = None,
    platform: str | None = None,
    status: str | None = None,
    min_context: int | None = None,
    min_output: int | None = None,
    max_input_price: Decimal | float | str | None = None,
    max_output_price: Decimal | float | str | None = None,
    modalities_in: Iterable[str] = (),
    include_deprecated: bool = False,
) -> list[Facts]:
    """The rows that match every condition of ``find``, in the order given (one pass, no sorting)."""
    need, avoid, media = frozenset(required), frozenset(excluded), frozenset(modalities_in)
    in_cap = None if max_input_price is None else Decimal(str(max_input_price))
    out_cap = None if max_output_price is None else Decimal(str(max_output_price))
    hits = []
    for row in rows:
        if need and not need <= row.capabilities:
            continue
        if avoid and avoid & row.capabilities:
            continue
        if provider is not None and row.provider != provider:
            continue
        if family is not None and row.family != family:
            continue
        if platform is not None and platform not in row.platforms:
            continue
        if status is not None:
            if row.status != status:
                continue
        elif not include_deprecated and row.status in GOING:
            continue
        if min_context is not None and row.context < min_context:
            continue
        if min_output is not None and row.max_output < min_output:
            continue
        if in_cap is not None and (row.input_price is None or row.input_price > in_cap):
            continue
        if out_cap is not None and (row.output_price is None or row.output_price > out_cap):
            continue
        if media and not media <= row.modalities_in:
            continue
        hits.append(row)
    return hits


def _order(rows: list[Facts], sort: str) -> None:
    """Sort in place: prices ascending (unpriced last), context and release date descending, then by id."""
    rows.sort(key=lambda r: r.id)
    if sort in ("input_price", "output_price"):
        never = Decimal("Infinity")
        price = (lambda r: r.input_price) if sort == "input_price" else (lambda r: r.output_price)
        rows.sort(key=lambda r: never if price(r) is None else price(r))
    elif sort == "context":
        rows.sort(key=lambda r: r.context, reverse=True)
    elif sort == "release_date":
        rows.sort(key=lambda r: r.release_date, reverse=True)


def cheapest(
    registry: Registry,
    prompt_tokens: int,
    output_tokens: int,
    *,
    required: Iterable[str] = (),
    limit: int = 10,
    include_free: bool = False,
    **conditions: Any,
) -> list[Quote]:
    """The cheapest ways to run one request, over makers' prices and every route's, with the computed cost.

    Only models that have the ``required`` capabilities (and match ``conditions``, as for ``find``) and
    whose context window is known to hold the prompt and the output are considered. Prices of zero (free previews,
    or upstream entries with no real price) are left out unless ``include_free``.
    """
    try:  # whole numbers, zero or more, as cost takes them
        bad = (prompt_tokens | output_tokens) < 0 or prompt_tokens.__class__ is bool or output_tokens.__class__ is bool
    except TypeError:
        bad = True
    if bad:
        from modelreg.validation import arguments

        raise arguments({"prompt_tokens": prompt_tokens, "output_tokens": output_tokens})
    if conditions.pop("sort", "id") not in SORT_KEYS:
        raise ValidationError("unknown sort key", [("sort", f"one of {', '.join(SORT_KEYS)}")])
    conditions.pop("optional", None)  # an order of models: the costs order the quotes here
    fits = prompt_tokens + output_tokens
    tables = registry.price_tables()
    ranked = []
    with paused():  # a tuple per price point: short-lived, freed by reference counting, never worth a scan
        for row in matching(registry.facts(), required=required, **conditions):
            if row.context < fits:  # an unknown context window is not known to fit
                continue
            for route_id, platform, table in tables.get(row.id, ()):
                total = table.total(prompt_tokens, output_tokens)
                if total > 0 or include_free:
                    ranked.append((total, row.id, route_id or "", platform, table))
    return [
        Quote(model_id, route_id or None, platform, table.quote(prompt_tokens, output_tokens))
        for _, model_id, route_id, platform, table in heapq.nsmallest(limit, ranked, key=itemgetter(0, 1, 2))
    ]


def capability_matrix(rows: Iterable[Facts], *, include_deprecated: bool = False) -> dict[str, list[str]]:
    """Capability -> ids of the models that have it (sorted), over current models unless asked otherwise."""
    matrix: dict[str, list[str]] = {}
    for row in rows:
        if not include_deprecated and row.status in GOING:
            continue
        for capability in row.capabilities:
            matrix.setdefault(capability, []).append(row.id)
    return {cap: sorted(ids) for cap, ids in sorted(matrix.items())}


def alternatives(rows: list[Facts], model: Facts, *, limit: int = 10) -> list[str]:
    """Current models with at least ``model``'s capabilities and context that are cheaper or newer.

    Same-family models come first, then by price (input + output per 1M), then newest.
    """
    base_price = _price(model)
    out = []
    for row in rows:
        if row.id == model.id or row.status in GOING or not model.capabilities <= row.capabilities:
            continue
        if model.context and row.context < model.context:
            continue
        price = _price(row)
        cheaper = price is not None and base_price is not None and price < base_price
        newer = bool(row.release_date) and row.release_date > (model.release_date or "")
        if cheaper or (newer and row.family == model.family):
            out.append(row)
    never = Decimal("Infinity")
    out.sort(key=lambda r: (r.family != model.family, _price(r) if _price(r) is not None else never, r.id))
    return [r.id for r in out[:limit]]


def _price(row: Facts) -> Decimal | None:
    if row.input_price is None or row.output_price is None:
        return None
    return row.input_price + row.output_price


def migration(lifecycles: dict[str, dict[str, Any]], model_id: str, today: dt.date) -> Migration:
    """Follow ``replacement`` links from ``model_id`` to a model that is not going away (cycles stop)."""
    chain = [model_id]
    current = model_id
    while True:
        replacement = (lifecycles.get(current) or {}).get("replacement")
        if not replacement or replacement in chain:
            break
        chain.append(replacement)
        current = replacement
        if status_on(lifecycles.get(current) or {}, today.isoformat()) not in GOING:
            break
    lifecycle = lifecycles.get(model_id) or {}
    return Migration(
        model=model_id,
        status=status_on(lifecycle, today.isoformat()),
        replacement=chain[-1] if len(chain) > 1 else None,
        chain=tuple(chain),
        deprecation_date=lifecycle.get("deprecation_date"),
        retirement_date=lifecycle.get("retirement_date"),
        migration_guide=lifecycle.get("migration_guide"),
    )


def going_away(lifecycles: dict[str, dict[str, Any]], today: dt.date, within_days: int) -> list[Migration]:
    """Models whose deprecation or retirement date falls between today and ``within_days`` from now,
    soonest first."""
    horizon = (today + dt.timedelta(days=within_days)).isoformat()
    iso = today.isoformat()
    hits = []
    for model_id, lifecycle in lifecycles.items():
        dates = [d for d in (lifecycle.get("deprecation_date"), lifecycle.get("retirement_date")) if d]
        upcoming = [d for d in dates if iso <= d <= horizon]
        if upcoming:
            hits.append((min(upcoming), model_id))
    return [migration(lifecycles, model_id, today) for _, model_id in sorted(hits)]
