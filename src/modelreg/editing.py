"""Writes through a registry to its store: create, update (a partial patch), delete, prices, revert.

Every write validates the resulting record against the schema first (``ValidationError`` lists each bad
field), names the version it read (``ConflictError`` when someone changed the record since), and records
who, when and why in the store's change log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from modelreg import validation
from modelreg.errors import ConflictError, ModelNotFoundError, ValidationError
from modelreg.overlay import KIND_KEYS, merge

if TYPE_CHECKING:
    from pydantic import BaseModel

    from modelreg.store import Store


def schema_type(kind: str) -> type[BaseModel]:
    from modelreg import schema

    types: dict[str, type[BaseModel]] = {
        "provider": schema.Provider,
        "platform": schema.Platform,
        "model": schema.Model,
        "route": schema.Route,
    }
    if kind not in types:
        raise ValidationError("unknown record kind", [("kind", f"one of {', '.join(types)}")])
    return types[kind]


def validated(kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """``record`` checked against the schema, as JSON-shaped data; each bad field in the ValidationError."""
    data = checked(schema_type(kind), record, kind)
    _check_identity(kind, data)
    validation.check_record(kind, data)  # dates, lifecycle order, ids, sizes: the rules beyond the schema
    return data


def checked(kind: type[BaseModel], data: Mapping[str, Any], label: str) -> dict[str, Any]:
    """``data`` validated as ``kind``, as JSON-shaped data; a ValidationError names each bad field."""
    import pydantic

    try:
        model = kind.model_validate(dict(data))
    except pydantic.ValidationError as exc:
        fields = [(".".join(str(p) for p in e["loc"]) or label, e["msg"]) for e in exc.errors()]
        raise ValidationError(f"invalid {label}", fields) from None
    dumped: dict[str, Any] = model.model_dump(mode="json", exclude_defaults=True)
    return dumped


def _check_identity(kind: str, data: dict[str, Any]) -> None:
    if kind == "model" and data["id"] != f"{data['provider']}/{data['name']}":
        raise ValidationError(
            "a model's id is provider/name", [("id", f"expected {data['provider']}/{data['name']}, got {data['id']}")]
        )
    if kind == "route" and data["id"] != f"{data['platform']}/{data['model']}":
        raise ValidationError(
            "a route's id is platform/model", [("id", f"expected {data['platform']}/{data['model']}, got {data['id']}")]
        )


def create(
    store: Store, view: dict[str, Any], kind: str, record: Mapping[str, Any], *, actor: str, message: str | None
) -> dict[str, Any]:
    data = validated(kind, record)
    record_id = data["id"]
    if record_id in view[KIND_KEYS[kind]]:
        raise ConflictError(f"{kind} {record_id} exists: update it instead", expected=0, actual=None)
    if kind == "route" and data["model"] not in view["models"]:
        raise ValidationError("a route serves a known model", [("model", f"no model {data['model']!r}")])
    current = store.row(kind, record_id)
    store.put(
        kind,
        record_id,
        "add",
        data,
        version=current.version if current else 0,
        actor=actor,
        action="create",
        message=message,
    )
    return data


def update(
    store: Store,
    view: dict[str, Any],
    catalog: dict[str, Any],
    kind: str,
    record_id: str,
    patch: Mapping[str, Any],
    *,
    version: int,
    actor: str,
    message: str | None,
) -> dict[str, Any]:
    existing = view[KIND_KEYS[kind]].get(record_id)
    if existing is None:
        raise ModelNotFoundError(f"{kind}/{record_id}")
    if "id" in patch and patch["id"] != record_id:
        raise ValidationError("an update cannot change the id", [("id", "create a new record instead")])
    data = validated(kind, merge(existing, dict(patch)))
    row = store.row(kind, record_id)
    if record_id in catalog[KIND_KEYS[kind]] and (row is None or row.mode != "add"):
        stored = merge(row.data if row is not None and row.mode == "override" else {}, dict(patch))
        store.put(kind, record_id, "override", stored, version=version, actor=actor, action="update", message=message)
    else:
        store.put(kind, record_id, "add", data, version=version, actor=actor, action="update", message=message)
    return data


def delete(
    store: Store,
    view: dict[str, Any],
    catalog: dict[str, Any],
    kind: str,
    record_id: str,
    *,
    version: int,
    actor: str,
    message: str | None,
) -> None:
    if record_id not in view[KIND_KEYS[kind]]:
        raise ModelNotFoundError(f"{kind}/{record_id}")
    if record_id in catalog[KIND_KEYS[kind]]:
        store.put(kind, record_id, "hide", {}, version=version, actor=actor, action="delete", message=message)
    else:
        store.remove(kind, record_id, version=version, actor=actor, message=message)


def set_price(
    store: Store,
    view: dict[str, Any],
    subject: str,
    pricing: Mapping[str, Any],
    *,
    effective_from: dt.date,
    actor: str,
    message: str | None,
) -> dict[str, Any]:
    from modelreg.schema import Pricing

    kind = "route" if subject in view["routes"] else "model"
    if subject not in view[KIND_KEYS[kind]]:
        raise ModelNotFoundError(subject)
    fields = {k: v for k, v in dict(pricing).items() if k not in ("effective_from", "effective_until")}
    data = checked(Pricing, fields, "pricing")
    store.add_price(subject, data, effective_from=effective_from, actor=actor, message=message, kind=kind)
    return data


_DERIVED = ("sources", "price_history")  # written by the overlay, not by people: never exported


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


def import_document(
    registry: Any, document: dict[str, Any], *, actor: str, message: str | None = None
) -> dict[str, int]:
    """Bring a store export into ``registry``'s store. Idempotent: what is already so is left alone.
    Returns counts of created, updated, hidden, priced and unchanged items."""
    counts = {"created": 0, "updated": 0, "hidden": 0, "priced": 0, "unchanged": 0}
    if not isinstance(document, dict):
        raise ValidationError("not a store export", [("document", "expected a mapping with models, routes, …")])
    for kind in ("provider", "platform", "model", "route"):
        for record in document.get(KIND_KEYS[kind]) or ():
            record_id = record.get("id")
            view = registry._all()[KIND_KEYS[kind]]
            if record_id not in view:
                registry.create(kind, record, actor=actor, message=message)
                counts["created"] += 1
                continue
            current = _portable(view[record_id], "pricing" not in record)
            if validated(kind, {**current, **record}) == validated(kind, current):
                counts["unchanged"] += 1
                continue
            registry.update(
                kind, record_id, record, version=registry.version(kind, record_id), actor=actor, message=message
            )
            counts["updated"] += 1
    for hidden in document.get("hidden") or ():
        kind, record_id = hidden["kind"], hidden["id"]
        if record_id in registry._all()[KIND_KEYS[kind]]:
            registry.delete(kind, record_id, version=registry.version(kind, record_id), actor=actor, message=message)
            counts["hidden"] += 1
        else:
            counts["unchanged"] += 1
    known = {(s, r.effective_from.isoformat()) for s, rows in registry.store.snapshot().prices.items() for r in rows}
    for price in document.get("prices") or ():
        if (price["subject"], str(price["effective_from"])) in known:
            counts["unchanged"] += 1
            continue
        registry.set_price(
            price["subject"],
            price["pricing"],
            effective_from=dt.date.fromisoformat(str(price["effective_from"])),
            actor=actor,
            message=message,
        )
        counts["priced"] += 1
    return counts
