"""The change feed people subscribe to: new models, price changes, deprecations and retirements between
two days (SINCE and UNTIL, today by default), newest first, as Markdown, JSON or RSS 2.0
(``modelreg changelog``).

Where each entry comes from (every entry appears once):

* **new model** — a model whose ``release_date`` falls in the window (a month-only date counts while its
  month overlaps it), or that the store added in it (a ``create`` in the change log: a person's or a
  sync's); dated by its release date when that falls in the window, else by the day it was added;
* **price change** — each price period of a model that starts in the window, against the period before
  it (``Registry.price_history``: the catalog's dated prices and the store's), and each price set on a
  route in the store, against the route's price before; every price that moved, old → new, with the
  change in percent (none from a price of 0). A price recorded in the window to start after UNTIL is
  an announcement, dated the day it was recorded;
* **deprecation** / **retirement** — a model whose ``deprecation_date`` / ``retirement_date`` falls in
  the window, or one the store moved to deprecated / retired, or gave a new such date, in the window
  (dated by that change: an announcement when the date lies ahead) and that still says so; with its
  replacement, following the chain (``Registry.migrate``).

Order: newest first; on one day new models, then price changes, deprecations, retirements, each by id.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from modelreg.errors import ValidationError

if TYPE_CHECKING:
    from modelreg.registry import Registry
    from modelreg.schema import Model, Pricing
    from modelreg.store import Change

FORMATS = ("markdown", "json", "rss")
KINDS = ("new_model", "price_change", "deprecation", "retirement")
LABELS = {
    "new_model": "New model",
    "price_change": "Price change",
    "deprecation": "Deprecated",
    "retirement": "Retired",
}
PRICE_FIELDS = ("input", "output", "cache_read", "cache_write", "reasoning")
DEFAULT_LINK = "http://127.0.0.1:8000/api/registry"  # `modelreg serve`'s default address


class Entry(NamedTuple):
    """One change: its day, what kind (``KINDS``), the model or route id, a one-line title, the facts
    (``details``: prices as Decimal USD per 1M tokens) and who made it, when a store change says so."""

    day: dt.date
    kind: str
    subject: str
    title: str
    details: dict[str, Any]
    by: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "kind": self.kind,
            "subject": self.subject,
            "title": self.title,
            "details": self.details,
            "by": self.by,
        }


def entries(reg: Registry, *, since: dt.date, until: dt.date | None = None) -> list[Entry]:
    """Every change from ``since`` to ``until`` (today by default), both included, newest first (the
    rules in this module's docstring)."""
    window = Window(since, until or dt.datetime.now(dt.UTC).date())  # the change log dates in UTC
    if window.until < window.since:
        raise ValidationError("an empty window", [("until", f"must be on or after {since.isoformat()}")])
    view = reg.view()
    log = [c for c in reg.store.changes() if window.holds(c.at.date())] if reg.store is not None else []
    models = {m.id: m for m in view.models()}
    found: dict[tuple[str, str, dt.date | None], Entry] = {}
    for entry in [
        *_new_models(models, log, window),
        *_price_changes(reg, view, models, log, window),
        *_going(reg, view, models, log, window),
    ]:
        start = entry.details.get("effective_from") if entry.kind == "price_change" else None
        found.setdefault((entry.kind, entry.subject, start), entry)
    order = {kind: n for n, kind in enumerate(KINDS)}
    return sorted(found.values(), key=lambda e: (-e.day.toordinal(), order[e.kind], e.subject))


def render(
    found: list[Entry], *, format: str, since: dt.date, until: dt.date | None = None, link: str = DEFAULT_LINK
) -> str:
    """``found`` as text in ``format``: ``markdown``, ``json`` or ``rss`` (RSS 2.0; each item links to
    its model under ``link``, the service's ``/api/registry`` by default)."""
    if format == "markdown":
        return markdown(found, since=since)
    if format == "json":
        window = {"since": since.isoformat(), "until": (until or dt.date.today()).isoformat()}
        document = {**window, "entries": [e.as_json() for e in found]}
        return json.dumps(document, indent=2, default=str, ensure_ascii=False) + "\n"
    if format == "rss":
        return rss(found, since=since, link=link)
    raise ValidationError("unknown changelog format", [("format", f"one of {', '.join(FORMATS)}")])


def markdown(found: list[Entry], *, since: dt.date) -> str:
    """A Markdown page: a heading per day, one line per change."""
    lines = [f"# modelreg changelog since {since.isoformat()}", ""]
    if not found:
        lines.append("No changes.")
    current = None
    for entry in found:
        if entry.day != current:
            if current is not None:
                lines.append("")
            current = entry.day
            lines += [f"## {entry.day.isoformat()}", ""]
        by = f" (by {entry.by})" if entry.by else ""
        lines.append(f"- **{LABELS[entry.kind]}**: {entry.title}{by}")
    return "\n".join(lines) + "\n"


def rss(found: list[Entry], *, since: dt.date, link: str = DEFAULT_LINK) -> str:
    """An RSS 2.0 document: one item per change (title, link, description, category, guid, pubDate)."""
    import xml.etree.ElementTree as ET
    from email.utils import format_datetime

    root = ET.Element("rss", version="2.0")
    channel = ET.SubElement(root, "channel")
    base = link.rstrip("/")
    for tag, text in (
        ("title", "modelreg changelog"),
        ("link", f"{base}/models"),
        ("description", f"New models, price changes, deprecations and retirements since {since.isoformat()}"),
        ("lastBuildDate", format_datetime(dt.datetime.now(dt.UTC))),
    ):
        ET.SubElement(channel, tag).text = text
    for entry in found:
        item = ET.SubElement(channel, "item")
        model = entry.details.get("model", entry.subject)
        ET.SubElement(item, "title").text = f"{LABELS[entry.kind]}: {entry.title}"
        ET.SubElement(item, "link").text = f"{base}/models/{model}"
        ET.SubElement(item, "description").text = entry.title + (f" (by {entry.by})" if entry.by else "")
        ET.SubElement(item, "category").text = entry.kind
        guid = ET.SubElement(item, "guid", isPermaLink="false")
        guid.text = f"modelreg:{entry.kind}:{entry.subject}:{entry.day.isoformat()}"
        stamp = dt.datetime.combine(entry.day, dt.time(), tzinfo=dt.UTC)
        ET.SubElement(item, "pubDate").text = format_datetime(stamp)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# -- the three sources -------------------------------------------------------------------------------------------


class Window(NamedTuple):
    """The days asked for, both included."""

    since: dt.date
    until: dt.date

    def holds(self, day: dt.date) -> bool:
        return self.since <= day <= self.until

    def overlaps(self, text: str | None) -> dt.date | None:
        """The first day ``text`` (a date or a month) covers, when it overlaps the window."""
        period = _period(text)
        if period is None or period[1] < self.since or period[0] > self.until:
            return None
        return period[0]


def _new_models(models: dict[str, Model], log: list[Change], window: Window) -> list[Entry]:
    out = []
    for model in models.values():
        released = window.overlaps(model.lifecycle.release_date)
        if released is not None:
            out.append(_new(model, released, None))
    added = [c for c in log if c.kind == "model" and c.action == "create" and c.subject in models]
    out += [_new(models[c.subject], c.at.date(), c.actor) for c in added]
    return out


def _new(model: Model, day: dt.date, by: str | None) -> Entry:
    details: dict[str, Any] = {"model": model.id, "provider": model.provider, "name": model.name}
    if model.limits.context_window:
        details["context_window"] = model.limits.context_window
    prices = {k: getattr(model.pricing, k) for k in ("input", "output") if getattr(model.pricing, k) is not None}
    if prices:
        details["pricing"] = prices
    if model.lifecycle.release_date:
        details["release_date"] = model.lifecycle.release_date
    shown = f"{model.display_name} ({model.id})" if model.display_name else model.id
    priced = f", {_usd(prices['input'])} in / {_usd(prices['output'])} out per 1M" if len(prices) == 2 else ""
    return Entry(day, "new_model", model.id, f"{shown}{priced}", details, by)


def _price_changes(
    reg: Registry, view: Registry, models: dict[str, Model], log: list[Change], window: Window
) -> list[Entry]:
    logged = {
        (c.subject, ((c.after or {}).get("opened") or {}).get("effective_from")): c for c in log if c.action == "price"
    }
    out = []
    for model_id in models:
        timeline = view.price_history(model_id)
        for before, after in itertools.pairwise(timeline):
            start = after.effective_from
            if start is None:
                continue
            change = logged.get((model_id, start.isoformat()))
            day = _price_day(start, change, window)
            entry = None if day is None else _price_entry(model_id, model_id, _prices(before), _prices(after), start)
            if entry is not None and day is not None:
                out.append(entry._replace(day=day, by=change.actor if change else None))
    catalog_routes = reg._catalog_records()["routes"]  # the price a route had before the store's first
    for change in log:
        if change.action != "price" or change.kind != "route":
            continue
        opened = (change.after or {}).get("opened") or {}
        closed = (change.before or {}).get("closed")
        route = catalog_routes.get(change.subject) or {}
        old = closed["pricing"] if closed else route.get("pricing", {})
        start = dt.date.fromisoformat(opened.get("effective_from") or change.at.date().isoformat())
        day = _price_day(start, change, window)
        model_id = route.get("model") or change.subject.split("/", 1)[-1]
        entry = None if day is None else _price_entry(change.subject, model_id, old, opened.get("pricing") or {}, start)
        if entry is not None and day is not None:
            out.append(entry._replace(day=day, by=change.actor))
    return out


def _price_day(start: dt.date, change: Change | None, window: Window) -> dt.date | None:
    """The day a price starting on ``start`` is news: that day in the window, or the day a change in the
    window announced it for later."""
    if window.holds(start):
        return start
    if change is not None and start > window.until and window.holds(change.at.date()):
        return change.at.date()
    return None


def _price_entry(subject: str, model_id: str, old: dict[str, Any], new: dict[str, Any], start: dt.date) -> Entry | None:
    moved: dict[str, dict[str, Decimal | None]] = {}
    for field in PRICE_FIELDS:
        a = None if old.get(field) is None else Decimal(str(old[field]))
        b = None if new.get(field) is None else Decimal(str(new[field]))
        if a != b:
            percent = ((b - a) / a * 100).quantize(Decimal("0.1")) if a and b is not None else None
            moved[field] = {"old": a, "new": b, "percent": percent}
    if not moved:
        return None
    parts = [f"{field} {_usd(m['old'])} → {_usd(m['new'])}{_percent(m['percent'])}" for field, m in moved.items()]
    title = f"{subject}: " + ", ".join(parts) + f" per 1M tokens from {start.isoformat()}"
    return Entry(start, "price_change", subject, title, {"model": model_id, "effective_from": start, "changes": moved})


GOING = (("deprecation", "deprecated", "deprecation_date"), ("retirement", "retired", "retirement_date"))


def _going(reg: Registry, view: Registry, models: dict[str, Model], log: list[Change], window: Window) -> list[Entry]:
    out = []
    for model in models.values():
        for kind, _, field in GOING:
            day = window.overlaps(getattr(model.lifecycle, field))
            if day is not None:
                out.append(_going_entry(view, model, kind, day, None))
    catalog = reg._catalog_records()["models"]  # what a model said before the store's first override
    for change in log:
        if change.kind != "model" or change.subject not in models or change.after is None:
            continue
        before = _lifecycle(change.before, catalog.get(change.subject))
        after = _lifecycle(change.after, catalog.get(change.subject))
        current = models[change.subject].lifecycle
        for kind, status, field in GOING:
            moved = after.get("status") == status and before.get("status") != status
            dated = after.get(field) is not None and after.get(field) != before.get(field)
            still = current.status.value == status if moved else getattr(current, field) == after.get(field)
            if (moved or dated) and still:
                out.append(_going_entry(view, models[change.subject], kind, change.at.date(), change.actor))
    return out


def _lifecycle(state: dict[str, Any] | None, catalog: dict[str, Any] | None) -> dict[str, Any]:
    """A model's lifecycle as served in a change-log state: the catalog's without a stored row, the stored
    data over the catalog's for an override, the stored data alone for a record the store added."""
    base = (catalog or {}).get("lifecycle") or {}
    if state is None:
        return dict(base)
    stored = (state.get("data") or {}).get("lifecycle") or {}
    mode = state.get("mode")
    return {**base, **stored} if mode == "override" else {} if mode == "hide" else dict(stored)


def _going_entry(view: Registry, model: Model, kind: str, day: dt.date, by: str | None) -> Entry:
    moved = view.migrate(model.id)
    details: dict[str, Any] = {"model": model.id, "replacement": moved.replacement}
    for field in ("deprecation_date", "retirement_date", "migration_guide"):
        if getattr(moved, field):
            details[field] = getattr(moved, field)
    verb = "deprecated" if kind == "deprecation" else "retired"
    stated = details.get("deprecation_date" if kind == "deprecation" else "retirement_date")
    period = _period(stated)
    when = (
        "" if stated is None else f" to be {verb} on {stated}" if period and period[0] > day else f" {verb} on {stated}"
    )
    title = (model.id + (when or f" {verb}")) + (f"; move to {moved.replacement}" if moved.replacement else "")
    return Entry(day, kind, model.id, title, details, by)


# -- helpers ---------------------------------------------------------------------------------------------------


def _period(text: str | None) -> tuple[dt.date, dt.date] | None:
    """The first and last day an ISO date (``YYYY-MM-DD``) or month (``YYYY-MM``) covers."""
    if not text:
        return None
    try:
        if len(text) == 7:
            year, month = int(text[:4]), int(text[5:])
            return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return day, day


def _prices(pricing: Pricing) -> dict[str, Any]:
    return {field: getattr(pricing, field) for field in PRICE_FIELDS}


def _usd(value: Any) -> str:
    from modelreg.format import usd

    return "none" if value is None else usd(Decimal(str(value)))


def _percent(value: Decimal | None) -> str:
    return "" if value is None else f" ({'+' if value > 0 else ''}{value}%)"
