"""Writes through a registry to its store: create, update (a partial patch), delete, prices, revert.

Every write validates the resulting record against the schema first (``ValidationError`` lists each bad
field), names the version it read (``ConflictError`` when someone changed the record since), and records
who, when and why in the store's change log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

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
    import pydantic

    try:
        model = schema_type(kind).model_validate(dict(record))
    except pydantic.ValidationError as exc:
        fields = [(".".join(str(p) for p in e["loc"]) or kind, e["msg"]) for e in exc.errors()]
        raise ValidationError(f"invalid {kind}", fields) from None
    data: dict[str, Any] = model.model_dump(mode="json", exclude_defaults=True)
    _check_identity(kind, data)
    return data


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
    try:
        data: dict[str, Any] = Pricing.model_validate(fields).model_dump(mode="json", exclude_defaults=True)
    except Exception as exc:  # pydantic.ValidationError
        raise ValidationError("invalid pricing", [("pricing", str(exc))]) from None
    store.add_price(subject, data, effective_from=effective_from, actor=actor, message=message, kind=kind)
    return data
