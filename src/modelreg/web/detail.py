"""What the model page shows, gathered from the registry: the model, where it is served and at what price,
who said what (sources, conflicts), how its price moved (``price_history``, the store's change log), where a
deprecated model leads (``migrate``), and the id each tool wants."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from modelreg.errors import ModelregError
from modelreg.registry import Registry
from modelreg.schema import PRICE_FIELDS, Conflict, Model, Platform, Pricing, Route
from modelreg.web import charts, present

SERIES = ("input", "output", "cache_read")


class Source(NamedTuple):
    subject: str  # the model, or the route that source spoke of
    source: str
    key: str | None
    as_of: str | None
    by: str | None
    url: str | None
    fields: list[str]


class Served(NamedTuple):
    """One route, with the prices it bills (a maker's own route bills the model's)."""

    route: Route
    platform: Platform | None
    pricing: Pricing


class Snippet(NamedTuple):
    tool: str
    value: str  # what to copy: the model id that tool wants
    example: str


class Logged(NamedTuple):
    at: dt.datetime
    actor: str
    action: str
    summary: str
    message: str | None


def model_page(reg: Registry, view: Registry, model_id: str) -> dict[str, Any]:
    """Everything the model page shows about ``model_id`` (a canonical id), from one view."""
    model = view.get(model_id)
    routes = view.routes(model_id)
    platforms = {p.id: p for p in view.platforms()}
    served = [
        Served(r, platforms.get(r.platform), model.pricing if r.direct or r.pricing.is_empty() else r.pricing)
        for r in routes
    ]
    history = view.price_history(model_id)
    compared = view.price_to_compare(model_id)
    return {
        "model": model,
        "fields": present.flatten(model.model_dump(mode="json", exclude={"sources", "price_history"})),
        "compared": compared,
        "migration": view.migrate(model_id),
        "served": served,
        "sources": sources(model, routes),
        "conflicts": conflicts_of(model_id, [r.id for r in routes]),
        "history": history,
        "chart": charts.steps(
            periods(history, model.lifecycle.release_date),
            SERIES,
            label=f"Price history of {model_id} (USD per 1M tokens): input, output, cached input",
        ),
        "changes": changes(reg, model_id),
        "snippets": snippets(model, routes, platforms),
        "etag": str(view.etag("model", model_id)),
        "editable": reg.store is not None,
    }


def sources(model: Model, routes: Sequence[Route]) -> list[Source]:
    """Which upstream said what, when: the model's sources, then each route's."""
    out = [Source(model.id, s.source, s.key, s.as_of, s.by, s.url, s.fields) for s in model.sources]
    for route in routes:
        out += [Source(route.id, s.source, s.key, s.as_of, s.by, s.url, s.fields) for s in route.sources]
    return out


@functools.cache
def _conflicts() -> dict[str, list[Conflict]]:
    """The bundled catalog's conflicts by the model or route they are about (read once: the catalog does not
    change under a running service)."""
    from modelreg.catalog.files import read_conflicts

    by_subject: dict[str, list[Conflict]] = {}
    for conflict in read_conflicts():
        subject = conflict.subject.partition("@")[0].partition(" (")[0]  # a region's or model string's route
        by_subject.setdefault(subject, []).append(conflict)
    return by_subject


def conflicts_of(model_id: str, route_ids: Sequence[str]) -> list[Conflict]:
    """Where the sources disagreed about the model or one of its routes, and what the build kept."""
    kept = _conflicts()
    return [c for subject in (model_id, *route_ids) for c in kept.get(subject, ())]


def periods(history: Sequence[Pricing], released: str | None) -> list[charts.Period]:
    """The price periods to draw, oldest first: each runs to the next one's start (the last to today, or a
    month past an announced start). A first price with no start date starts at the release date."""
    today = dt.date.today()
    dated = [p.effective_from for p in history if p.effective_from]
    first_known = min(dated, default=today)
    start = _day(released) or first_known - dt.timedelta(days=90)
    start = min(start, first_known)
    out = []
    for i, pricing in enumerate(history):
        begins = pricing.effective_from or start
        following = history[i + 1].effective_from if i + 1 < len(history) else None
        ends = pricing.effective_until or following or max(today, begins + dt.timedelta(days=30))
        values = {name: v for name in SERIES if (v := getattr(pricing, name)) is not None}
        out.append(charts.Period(begins, ends, values))
    return out


def _day(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text if len(text) > 7 else f"{text}-01")
    except ValueError:
        return None


def changes(reg: Registry, model_id: str) -> list[Logged]:
    """The store's change log of the model, newest first (empty without a store)."""
    if reg.store is None:
        return []
    try:
        logged = reg.history("model", model_id)
    except ModelregError:
        return []
    return [Logged(c.at, c.actor, c.action, summary(c.action, c.before, c.after), c.message) for c in reversed(logged)]


def summary(action: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """One line saying what a change did: the price period it opened, or each field it changed (items added
    to or taken from a list; old -> new otherwise)."""
    after = after or {}
    if action == "price" and isinstance(after.get("opened"), dict):
        opened = after["opened"]
        prices = ", ".join(
            f"{k} {'$' if k in PRICE_FIELDS else ''}{Decimal(str(v)).normalize():f}"
            for k, v in (opened.get("pricing") or {}).items()
            if not isinstance(v, list)  # tiers: the price table shows them
        )
        return f"from {opened.get('effective_from')}: {prices}"
    old, new = (before or {}).get("data") or {}, after.get("data") or {}
    parts = []
    for key in sorted(old.keys() | new.keys()):
        was, now = old.get(key), new.get(key)
        if was == now:
            continue
        if isinstance(was, list) and isinstance(now, list):
            moved = [f"+{x}" for x in now if x not in was] + [f"-{x}" for x in was if x not in now]
            parts.append(f"{key}: {' '.join(map(str, moved))}")
        elif isinstance(now, dict) and isinstance(was, dict | None):
            inner = {**(was or {}), **now}
            changed = [k for k in inner if (was or {}).get(k) != now.get(k)]
            parts += [f"{key}.{k}: {present.plain((was or {}).get(k))} → {present.plain(now.get(k))}" for k in changed]
        else:
            parts.append(f"{key}: {present.plain(was)} → {present.plain(now)}")
    text = "; ".join(parts) or action
    return text if len(text) <= 300 else text[:299] + "…"


def snippets(model: Model, routes: Sequence[Route], platforms: dict[str, Platform]) -> list[Snippet]:
    """The id to send as ``model`` with the OpenAI SDK (the maker's API), LiteLLM, OpenRouter and Bedrock —
    each a route's own model string — and modelreg's own id."""
    out = [Snippet("modelreg", model.id, f'modelreg.load().get("{model.id}")')]
    direct = next((r for r in routes if r.direct), None)
    if direct is not None:
        base = platforms[direct.platform].base_url if direct.platform in platforms else None
        client = "OpenAI()" if direct.platform == "openai" or not base else f'OpenAI(base_url="{base}")'
        out.append(
            Snippet(
                "OpenAI SDK",
                direct.model_string,
                f'client = {client}\nclient.chat.completions.create(model="{direct.model_string}", messages=[…])',
            )
        )
    first = direct or next(iter(routes), None)
    if first is not None:
        name = f"{first.platform}/{first.model_string}"
        out.append(Snippet("LiteLLM", name, f'litellm.completion(model="{name}", messages=[…])'))
    openrouter = next((r for r in routes if r.platform == "openrouter"), None)
    if openrouter is not None:
        out.append(
            Snippet(
                "OpenRouter",
                openrouter.model_string,
                'client = OpenAI(base_url="https://openrouter.ai/api/v1")\n'
                f'client.chat.completions.create(model="{openrouter.model_string}", messages=[…])',
            )
        )
    bedrock = next((r for r in routes if r.platform == "bedrock"), None)
    if bedrock is not None:
        profiles = sorted({d.model_string for d in bedrock.deployments} - {bedrock.model_string})
        also = f"\n# cross-region profiles: {', '.join(profiles)}" if profiles else ""
        out.append(
            Snippet(
                "Bedrock",
                bedrock.model_string,
                f'boto3.client("bedrock-runtime").converse(modelId="{bedrock.model_string}", messages=[…]){also}',
            )
        )
    return out
