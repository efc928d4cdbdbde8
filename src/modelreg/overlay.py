"""The registry's view = the bundled catalog ⊕ the store: pure functions over raw (JSON-shaped) records.

A stored row adds a record, overrides fields of a catalog record (nested dicts merge, lists and values
replace) or hides one; stored prices extend a record's price timeline, and a maker's own route (priority 1)
follows its model's timeline. Each touched record gains a ``sources`` entry saying the store changed it,
who and when.

A view has two parts: the hot index (names, prices, lifecycles: what resolve and cost read) and the full
records. ``hot_index`` makes the first from the stored rows alone, so that loading over a store with a few
overrides does not read the catalog's records; ``records`` makes the second when a whole record is first
asked for. ``apply`` makes both at once, for the rows ``hot_index`` cannot place without the records.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelreg.store.store import PriceRow, Row, Snapshot

KIND_KEYS = {"provider": "providers", "platform": "platforms", "model": "models", "route": "routes"}
INDEXED = {
    "model": frozenset({"provider", "name", "aliases", "pricing", "lifecycle"}),
    "route": frozenset({"model", "platform", "model_string", "pricing", "priority"}),
}
"""The fields of a record the hot index is made from (``_index_record``)."""


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
    view, touched, hidden = _laid(records, snapshot, today)
    return _reindex(index, view, touched, hidden), view


def records(catalog: dict[str, Any], snapshot: Snapshot, today: dt.date) -> dict[str, Any]:
    """The records a registry serves once ``snapshot`` is laid over the catalog's records."""
    return _laid(catalog, snapshot, today)[0]


def hot_index(index: dict[str, Any], snapshot: Snapshot, today: dt.date) -> dict[str, Any] | None:
    """The index ``apply`` makes, from the stored rows alone (the catalog's records are not read); None when
    a row's effect on it depends on a catalog record: an override of a field the index holds (``INDEXED``),
    a stored price of a catalog record none of whose stored prices is in force today, a stored price of a
    catalog route the index does not price (a maker's own route, or one with no price)."""
    names: dict[str, list[str]] = index["names"]
    base_prices: dict[str, Any] = index.get("prices", {})
    added: dict[tuple[str, str], dict[str, Any]] = {}
    hidden: set[tuple[str, str]] = set()
    for (kind, record_id), row in snapshot.records.items():
        if row.mode == "hide":
            hidden.add((kind, record_id))
        elif kind not in INDEXED:
            continue  # providers and platforms are not in the index
        elif row.mode == "add":
            added[(kind, record_id)] = row.data
        elif INDEXED[kind] & row.data.keys():
            return None

    def catalog_has(kind: str, record_id: str) -> bool:
        # every catalog model's id names it, every catalog route's id names it as a route (compile_index)
        target = names.get(record_id)
        if target is None or (kind, record_id) in hidden:
            return False
        if kind == "route":
            return target[1] == record_id
        return target[0] == record_id and record_id.count("/") < 2  # a longer id might also be a route's

    in_force: dict[str, dict[str, Any]] = {}
    for subject, rows in snapshot.prices.items():
        kind = "route" if ("route", subject) in added or catalog_has("route", subject) else "model"
        if (kind, subject) in added:
            added[(kind, subject)] = _priced(added[(kind, subject)], rows, today, history=kind == "model")
        elif catalog_has(kind, subject):
            current = _current(rows, today)
            if current is None or (kind == "route" and subject not in base_prices):
                return None
            in_force[subject] = current
        elif ("model", subject) not in hidden and names.get(subject, [""])[0] == subject:
            return None  # a catalog model this function cannot place (its id may also be a route's)
    out = _unnamed(index, hidden)
    for (kind, record_id), record in sorted(added.items()):
        _index_record(out, kind, record_id, record)
    for subject, current in in_force.items():
        _set(out["prices"], subject, current)
    return out


def _laid(
    records: dict[str, Any], snapshot: Snapshot, today: dt.date
) -> tuple[dict[str, Any], set[tuple[str, str]], set[tuple[str, str]]]:
    """The view's records, and which records the snapshot touched and hid."""
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
    return view, touched, hidden


def follows_model(route: dict[str, Any]) -> bool:
    """Whether a route is billed at its model's prices: the maker's own API (``direct``), whatever its
    priority. The compiled index prices such routes at the model's price too."""
    return bool(route.get("direct"))


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
    timeline.extend(_entry(row) for row in rows)
    iso = today.isoformat()
    current = next((p for p in reversed(timeline) if _in_force(p, iso)), timeline[-1])
    if not history:
        return {**record, "pricing": current}
    return {**record, "pricing": current, "price_history": [p for p in timeline if p is not current]}


def _current(rows: list[PriceRow], today: dt.date) -> dict[str, Any] | None:
    """The stored price in force ``today`` (what ``_priced`` makes the record's ``pricing``), or None when
    none of them is and the catalog's own prices would decide."""
    iso = today.isoformat()
    return next((p for p in map(_entry, reversed(rows)) if _in_force(p, iso)), None)


def _entry(row: PriceRow) -> dict[str, Any]:
    entry = dict(row.pricing)
    entry["effective_from"] = row.effective_from.isoformat()
    if row.effective_until is not None:
        entry["effective_until"] = row.effective_until.isoformat()
    return entry


def _in_force(price: dict[str, Any], iso: str) -> bool:
    until = price.get("effective_until")
    return bool(price.get("effective_from", "") <= iso and (until is None or until > iso))


def _reindex(
    index: dict[str, Any], view: dict[str, Any], touched: set[tuple[str, str]], hidden: set[tuple[str, str]]
) -> dict[str, Any]:
    out = _unnamed(index, hidden)
    for kind, record_id in sorted(touched):
        _index_record(out, kind, record_id, view[KIND_KEYS[kind]][record_id])
    return out


def _unnamed(index: dict[str, Any], hidden: set[tuple[str, str]]) -> dict[str, Any]:
    """A copy of ``index`` whose names no longer lead to a hidden model or route."""
    names = dict(index["names"])
    gone_models = {record_id for kind, record_id in hidden if kind == "model"}
    gone_routes = {record_id for kind, record_id in hidden if kind == "route"}
    if gone_models or gone_routes:
        names = {n: t for n, t in names.items() if t[0] not in gone_models and t[1] not in gone_routes}
    return {
        **index,
        "names": names,
        "prices": dict(index.get("prices", {})),
        "lifecycle": dict(index.get("lifecycle", {})),
    }


def _index_record(index: dict[str, Any], kind: str, record_id: str, record: dict[str, Any]) -> None:
    """Enter one record's names, price and lifecycle into ``index`` (a name already taken keeps its model)."""
    names, prices = index["names"], index["prices"]
    if kind == "model":
        provider = record["provider"]
        names[record_id] = [record_id, "", ""]
        for alias in record.get("aliases", ()):
            names.setdefault(f"{provider}/{alias}", [record_id, "", ""])
            names.setdefault(alias, [record_id, "", ""])
        names.setdefault(record["name"], [record_id, "", ""])
        _set(prices, record_id, record.get("pricing"))
        _set(index["lifecycle"], record_id, record.get("lifecycle"))
    elif kind == "route":
        names.setdefault(record_id, [record["model"], record_id, ""])
        names.setdefault(f"{record['platform']}/{record['model_string']}", [record["model"], record_id, ""])
        _set(prices, record_id, record.get("pricing") if not follows_model(record) else None)


def _set(table: dict[str, Any], key: str, value: dict[str, Any] | None) -> None:
    if value:
        table[key] = value
    else:
        table.pop(key, None)
