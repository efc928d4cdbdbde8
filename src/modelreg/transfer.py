"""Moving a store's contents: ``store export`` writes them in the catalog's YAML shape, ``store import``
brings such a document back, in one transaction.

An import is planned whole before anything is written: every record, hidden entry and price is checked
(each problem named by its place, id and field, e.g. ``models[3] (acme/bot).pricing.input``), then the
plan is written with one bulk write (all or nothing). Idempotent: what already holds is left alone.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from modelreg import yamlread
from modelreg.editing import GUARDED, bounded, checked, validated
from modelreg.errors import ValidationError
from modelreg.overlay import KIND_KEYS, merge
from modelreg.validation import check_references

if TYPE_CHECKING:
    from modelreg.store import NewPrice, Row, Snapshot, Store, Write

SECTIONS = ("providers", "platforms", "models", "routes", "hidden", "prices")
_DERIVED = ("sources", "price_history")  # written by the overlay, not by people: never exported
MAX_PROBLEMS = 50  # listed in one error; the count says how many there were


def export_text(document: dict[str, Any], *, json: bool = False) -> str:
    """An export as the text of a file: YAML for people (the catalog's shape), or JSON when ``json`` (what
    ``read_document`` reads fastest)."""
    if json:
        import json as json_module

        return json_module.dumps(document, indent=1, ensure_ascii=False, default=str) + "\n"
    from modelreg.catalog.yamlio import dumps

    return dumps(document, header="# modelreg store export: `modelreg store import` reads it back\n")


def export_document(store: Store, view: dict[str, Any]) -> dict[str, Any]:
    """What the store holds, in the catalog's YAML shape: the records it adds or overrides (as they are
    served), the catalog records it hides, and its price changes."""
    snapshot = store.snapshot()
    priced = set(snapshot.prices)
    document: dict[str, Any] = {key: [] for key in KIND_KEYS.values()}
    document["hidden"] = []
    for (kind, record_id), row in sorted(snapshot.records.items()):
        if row.mode == "hide":
            document["hidden"].append({"kind": kind, "id": record_id})
        elif record_id in view[KIND_KEYS[kind]]:
            document[KIND_KEYS[kind]].append(_portable(view[KIND_KEYS[kind]][record_id], record_id in priced))
    document["prices"] = [
        {"subject": subject, "effective_from": row.effective_from.isoformat(), "pricing": row.pricing}
        for subject, rows in sorted(snapshot.prices.items())
        for row in rows
    ]
    return document


def _portable(record: dict[str, Any], priced: bool) -> dict[str, Any]:
    drop = (*_DERIVED, "pricing") if priced else _DERIVED
    return {k: v for k, v in record.items() if k not in drop}


def read_document(path: str | os.PathLike[str]) -> Any:
    """The document in the file at ``path``: YAML (numbers read exactly, as Decimal), or JSON, read fastest;
    a ValidationError that says what is wrong with the file otherwise (a folder, not UTF-8, not YAML: with
    the line and column)."""
    import json

    import yaml

    name = os.fspath(path)
    if os.path.isdir(name):
        raise ValidationError(f"{name} is a folder, not a store export")
    try:
        with open(name, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise ValidationError(f"cannot read {name}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{name} is not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start})") from None
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text, parse_float=Decimal, parse_constant=float)  # NaN stays a float to refuse
        except json.JSONDecodeError:
            pass  # YAML's own flow style, perhaps: the YAML reader says what is wrong
    try:
        return yamlread.load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ValidationError(f"{name} is not valid YAML{where}: {problem}") from None


class Plan(NamedTuple):
    """What an import will write, and the counts it reports."""

    writes: list[Write]
    prices: list[NewPrice]
    counts: dict[str, int]


def plan_import(snapshot: Snapshot, view: dict[str, Any], catalog: dict[str, Any], document: Any) -> Plan:
    """Check a whole store export against a view and the store snapshot it was built from, and plan the
    writes that bring it in (linear time). A ValidationError names every problem; then nothing is written.
    The bulk write checks the versions again in its transaction."""
    from modelreg.store import Write

    if not isinstance(document, dict):
        raise ValidationError("not a store export", [("document", "expected a mapping with models, routes, …")])
    problems: list[tuple[str, str]] = [
        (key, "not a section of a store export") for key in document if key not in SECTIONS
    ]
    counts = {"created": 0, "updated": 0, "hidden": 0, "priced": 0, "unchanged": 0}
    writes: list[Write] = []
    known = {kind: set(view[plural]) for kind, plural in KIND_KEYS.items()}
    listed: set[tuple[str, str]] = set()
    for kind, plural in KIND_KEYS.items():
        for record, where in _items(document, plural, problems):
            record_id = record.get("id")
            if not isinstance(record_id, str) or not record_id:
                problems.append((f"{where}.id", "required: a text"))
                continue
            where = f"{where} ({record_id})"
            if (kind, record_id) in listed:
                problems.append((where, "listed twice"))
                continue
            listed.add((kind, record_id))
            try:
                write = _record_write(kind, record_id, record, view, catalog, snapshot.records, known)
            except ValidationError as exc:
                problems += [(f"{where}.{field}", text) for field, text in exc.errors] or [(where, str(exc))]
                continue
            if write is None:
                counts["unchanged"] += 1
                continue
            writes.append(write)
            counts["created" if write.action == "create" else "updated"] += 1
            known[kind].add(record_id)
    for hidden, where in _items(document, "hidden", problems):
        kind, record_id = hidden.get("kind"), hidden.get("id")
        if kind not in KIND_KEYS or not isinstance(record_id, str):
            problems.append((where, "needs kind (provider, platform, model or route) and id"))
            continue
        if (kind, record_id) in listed:
            problems.append((f"{where} ({record_id})", "both listed and hidden"))
            continue
        if record_id not in view[KIND_KEYS[kind]]:
            counts["unchanged"] += 1
            continue
        row = snapshot.records.get((kind, record_id))
        mode = "hide" if record_id in catalog[KIND_KEYS[kind]] else None  # a store-added record goes
        writes.append(Write(kind, record_id, mode, {}, row.version if row else 0, "delete"))
        known[kind].discard(record_id)
        counts["hidden"] += 1
    new_prices = _plan_prices(document, snapshot, known, counts, problems)
    if problems:
        first = f"{problems[0][0]}: {problems[0][1]}"
        raise ValidationError(
            f"the import was refused and nothing was written: {len(problems)} problem(s), the first {first}",
            problems[:MAX_PROBLEMS],
        )
    return Plan(writes, new_prices, counts)


def _items(document: dict[str, Any], section: str, problems: list[tuple[str, str]]) -> Any:
    """(item, place) of each mapping in a section, e.g. ``models[3]``; other shapes go to ``problems``."""
    items = document.get(section) or []
    if not isinstance(items, list):
        problems.append((section, "must be a list"))
        return
    for n, item in enumerate(items):
        if isinstance(item, dict):
            yield item, f"{section}[{n}]"
        else:
            problems.append((f"{section}[{n}]", "must be a mapping"))


def _record_write(
    kind: str,
    record_id: str,
    record: dict[str, Any],
    view: dict[str, Any],
    catalog: dict[str, Any],
    rows: dict[tuple[str, str], Row],
    known: dict[str, set[str]],
) -> Write | None:
    """The write that makes the store serve ``record``, or None when it already does. References are checked
    against ``known``: the view's records with the document's earlier ones."""
    from modelreg.store import Write

    tables = {KIND_KEYS[k]: ids for k, ids in known.items()}

    row = rows.get((kind, record_id))
    version = row.version if row else 0
    existing = view[KIND_KEYS[kind]].get(record_id)
    if existing is None:
        data = validated(kind, record)
        bounded(kind, data)
        check_references(kind, data, tables)
        return Write(kind, record_id, "add", data, version, "create")
    current = _portable(existing, "pricing" not in record)
    before = validated(kind, current)
    after = validated(kind, merge(current, record))  # as `update` merges a patch: nested objects merge
    if after == before:
        return None
    bounded(kind, after)
    check_references(kind, after, tables, before=before)
    changed = sorted(key for key in after.keys() | before.keys() if after.get(key) != before.get(key))
    guarded = [key for key in changed if key in GUARDED]
    if guarded:
        raise ValidationError(
            "prices change through `prices:` entries (each with its effective_from)",
            [(key, "cannot be changed by a record") for key in guarded],
        )
    patch = {key: after[key] for key in changed if key in after}
    if record_id in catalog[KIND_KEYS[kind]] and (row is None or row.mode != "add"):
        base = row.data if row is not None and row.mode == "override" else {}
        return Write(kind, record_id, "override", merge(base, patch), version, "update")
    assert row is not None  # served, not in the catalog: added through the store
    return Write(kind, record_id, "add", validated(kind, merge(row.data, patch)), version, "update")


def _plan_prices(
    document: dict[str, Any],
    snapshot: Snapshot,
    known: dict[str, set[str]],
    counts: dict[str, int],
    problems: list[tuple[str, str]],
) -> list[NewPrice]:
    from modelreg.schema import Pricing
    from modelreg.store import NewPrice

    latest = {subject: rows[-1].effective_from for subject, rows in snapshot.prices.items() if rows}
    stored = {(subject, row.effective_from) for subject, rows in snapshot.prices.items() for row in rows}
    planned: list[NewPrice] = []
    seen: set[tuple[str, dt.date]] = set()
    for price, where in _items(document, "prices", problems):
        subject = price.get("subject")
        if not isinstance(subject, str) or not subject:
            problems.append((f"{where}.subject", "required: a model or route id"))
            continue
        where = f"{where} ({subject})"
        kind = "route" if subject in known["route"] else "model" if subject in known["model"] else None
        if kind is None:
            problems.append((f"{where}.subject", "no such model or route"))
            continue
        try:
            day = dt.date.fromisoformat(str(price.get("effective_from")))
        except ValueError:
            problems.append((f"{where}.effective_from", "not a real date (YYYY-MM-DD)"))
            continue
        if (subject, day) in stored:
            counts["unchanged"] += 1
            continue
        if (subject, day) in seen:
            problems.append((f"{where}.effective_from", f"a second price of {subject} on {day}"))
            continue
        if subject in latest and day <= latest[subject]:
            problems.append((f"{where}.effective_from", f"must be after {latest[subject]}, the latest price's day"))
            continue
        try:
            pricing = checked(Pricing, price.get("pricing") or {}, "pricing")
            bounded("pricing", pricing)
        except ValidationError as exc:
            problems += [(f"{where}.pricing.{field}", text) for field, text in exc.errors]
            continue
        pricing = {k: v for k, v in pricing.items() if k not in ("effective_from", "effective_until")}
        if not pricing:
            problems.append((f"{where}.pricing", "no price in it"))
            continue
        seen.add((subject, day))
        planned.append(NewPrice(subject, kind, day, pricing))
        counts["priced"] += 1
    return planned
