"""The registry's view = the bundled catalog ⊕ the store: pure functions over raw (JSON-shaped) records.

A stored row adds a record, overrides fields of a catalog record (nested dicts merge, lists and values
replace) or hides one; stored prices extend a record's price timeline, and a maker's own route (priority 1)
follows its model's timeline. Each touched record gains a ``sources`` entry saying the store changed it,
who and when.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelreg.store.store import PriceRow, Row, Snapshot

KIND_KEYS = {"provider": "providers", "platform": "platforms", "model": "models", "route": "routes"}


def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """``patch`` over ``base``: nested dicts merge key by key, everything else is replaced. Neither changes."""
    out = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def apply(
    index: dict[str, Any], records: dict[str, Any], snapshot: Snapshot, today: dt.date
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The (index, records) pair a registry serves once ``snapshot`` is laid over the catalog's."""
    view = {key: dict(records[key]) for key in KIND_KEYS.values()}
    touched: set[tuple[str, str]] = set()
    hidden: set[tuple[str, str]] = set()
    for (kind, record_id), row in snapshot.records.items():
        table = view[KIND_KEYS[kind]]
        if row.mode == "hide":
            table.pop(record_id, None)
            hidden.add((kind, record_id))
            continue
        if row.mode == "override":
            if record_id not in table:
                continue  # the catalog no longer has it: nothing to override
            merged = merge(table[record_id], row.data)
        else:
            merged = row.data  # read fresh from the database for this snapshot: no one else holds it
        table[record_id] = _stamped(merged, row)
        touched.add((kind, record_id))
    for subject, rows in snapshot.prices.items():
        kind = "route" if subject in view["routes"] else "model"
        table = view[KIND_KEYS[kind]]
        if subject in table:
            table[subject] = _priced(table[subject], rows, today, history=kind == "model")
            touched.add((kind, subject))
    repriced = {s for s in snapshot.prices if s in view["models"]}
    if repriced:
        routes = view["routes"]
        for route_id, route in routes.items():
            if route["model"] in repriced and follows_model(route) and route_id not in snapshot.prices:
                model = view["models"][route["model"]]
                routes[route_id] = {**route, "pricing": model["pricing"]}  # a route keeps no price history
                touched.add(("route", route_id))
    return _reindex(index, view, touched, hidden), view


def follows_model(route: dict[str, Any]) -> bool:
    """Whether a route is billed at its model's prices: the maker's own API (priority 1). The compiled
    index prices such routes at the model's price too."""
    return bool(route.get("priority") == 1)


def _stamped(record: dict[str, Any], row: Row) -> dict[str, Any]:
    if row.kind not in ("model", "route"):
        return record
    stamp = {
        "source": "store",
        "key": f"{row.kind}/{row.id}",
        "as_of": row.updated_at.isoformat(),
        "by": row.updated_by,
        "fields": sorted(row.data),
    }
    return {**record, "sources": [*record.get("sources", []), stamp]}


def _priced(record: dict[str, Any], rows: list[PriceRow], today: dt.date, *, history: bool) -> dict[str, Any]:
    """The record with its price timeline: the catalog's price until the first stored one, then each in turn;
    the price in force ``today`` is its ``pricing``, the others its ``price_history`` (models only)."""
    timeline = [dict(p) for p in record.get("price_history", [])]
    catalog = dict(record.get("pricing", {}))
    if catalog:
        catalog["effective_until"] = rows[0].effective_from.isoformat()
        timeline.append(catalog)
    for row in rows:
        entry = dict(row.pricing)
        entry["effective_from"] = row.effective_from.isoformat()
        if row.effective_until is not None:
            entry["effective_until"] = row.effective_until.isoformat()
        timeline.append(entry)
    iso = today.isoformat()
    current = next(
        (
            p
            for p in reversed(timeline)
            if p.get("effective_from", "") <= iso and (p.get("effective_until") is None or p["effective_until"] > iso)
        ),
        timeline[-1],
    )
    if not history:
        return {**record, "pricing": current}
    return {**record, "pricing": current, "price_history": [p for p in timeline if p is not current]}


def _reindex(
    index: dict[str, Any], view: dict[str, Any], touched: set[tuple[str, str]], hidden: set[tuple[str, str]]
) -> dict[str, Any]:
    names = dict(index["names"])
    prices = dict(index.get("prices", {}))
    lifecycle = dict(index.get("lifecycle", {}))
    gone_models = {record_id for kind, record_id in hidden if kind == "model"}
    gone_routes = {record_id for kind, record_id in hidden if kind == "route"}
    if gone_models or gone_routes:
        names = {n: t for n, t in names.items() if t[0] not in gone_models and t[1] not in gone_routes}
    for kind, record_id in touched:
        record = view[KIND_KEYS[kind]][record_id]
        if kind == "model":
            provider = record["provider"]
            names[record_id] = [record_id, "", ""]
            for alias in record.get("aliases", ()):
                names.setdefault(f"{provider}/{alias}", [record_id, "", ""])
                names.setdefault(alias, [record_id, "", ""])
            names.setdefault(record["name"], [record_id, "", ""])
            _set(prices, record_id, record.get("pricing"))
            _set(lifecycle, record_id, record.get("lifecycle"))
        elif kind == "route":
            names.setdefault(record_id, [record["model"], record_id, ""])
            names.setdefault(f"{record['platform']}/{record['model_string']}", [record["model"], record_id, ""])
            _set(prices, record_id, record.get("pricing") if record.get("priority") != 1 else None)
    return {**index, "names": names, "prices": prices, "lifecycle": lifecycle}


def _set(table: dict[str, Any], key: str, value: dict[str, Any] | None) -> None:
    if value:
        table[key] = value
    else:
        table.pop(key, None)
