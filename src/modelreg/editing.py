"""Writes through a registry to its store: create, update (a partial patch), delete, prices.

Every write validates the resulting record against the schema first (``ValidationError`` lists each bad
field), names the version it read (``ConflictError`` when someone changed the record since; the store
checks it in the write's transaction), and records who, when and why in the store's change log.

Prices change only through ``set_price``: each change opens a new price from a day on and closes the one
before, so every day's price stays known. A record update may not change ``pricing``, ``price_history``
or ``sources`` (the overlay derives them from the price timeline and the store).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from modelreg import validation
from modelreg.errors import ConflictError, ModelNotFoundError, ValidationError
from modelreg.overlay import KIND_KEYS, merge
from modelreg.schema import PRICE_FIELDS

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
    dumped: dict[str, Any] = model.model_dump(mode="json", exclude_unset=True)  # 6x faster than exclude_defaults
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


MAX_PRICE = Decimal(1_000_000)  # USD per 1M tokens (or per item): far above any real price
MIN_EXPONENT = -12  # at most 12 decimal places: smaller steps are no price, and break exact arithmetic
GUARDED = ("pricing", "price_history", "sources")  # derived from the price timeline and the store


def bounded(kind: str, data: Mapping[str, Any]) -> None:
    """Refuse prices a bill cannot be computed from: each is finite, at least 0, below ``MAX_PRICE`` and
    has at most 12 decimal places (the schema already refuses NaN, infinities and negatives)."""
    problems: list[tuple[str, str]] = []
    if kind in ("model", "route"):
        _check_pricing(data.get("pricing"), "pricing", problems)
        for n, entry in enumerate(data.get("price_history") or ()):
            _check_pricing(entry, f"price_history.{n}", problems)
        for n, deployment in enumerate(data.get("deployments") or ()):
            _check_pricing(deployment.get("pricing"), f"deployments.{n}.pricing", problems)
    elif kind == "pricing":
        _check_pricing(data, "", problems)
    if problems:
        raise ValidationError("a price is out of range", problems)


def _check_pricing(pricing: Mapping[str, Any] | None, where: str, problems: list[tuple[str, str]]) -> None:
    if not pricing:
        return
    prefix = f"{where}." if where else ""
    places = [(name, pricing.get(name)) for name in (*PRICE_FIELDS, "batch_discount")]
    for n, tier in enumerate(pricing.get("tiers") or ()):
        places += [(f"tiers.{n}.{name}", tier.get(name)) for name in PRICE_FIELDS]
    for name, value in places:
        if value is None:
            continue
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            problems.append((prefix + name, "not a number"))
            continue
        if not number.is_finite() or number < 0 or number >= MAX_PRICE:
            problems.append((prefix + name, f"must be at least 0 and below {MAX_PRICE:,} USD"))
        elif number != 0 and number.as_tuple().exponent < MIN_EXPONENT:  # type: ignore[operator]
            problems.append((prefix + name, "at most 12 decimal places"))


def create(
    store: Store, view: dict[str, Any], kind: str, record: Mapping[str, Any], *, actor: str, message: str | None
) -> dict[str, Any]:
    data = validated(kind, record)
    bounded(kind, data)
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
    """Apply ``patch`` to the record as ``view`` serves it at ``version``; the store writes it only if the
    record is still at ``version``. Fields the patch repeats unchanged are not stored (a client may send
    back what it read); ``pricing``, ``price_history`` and ``sources`` may be repeated, never changed."""
    existing = view[KIND_KEYS[kind]].get(record_id)
    if existing is None:
        raise ModelNotFoundError(f"{kind}/{record_id}")
    if "id" in patch and patch["id"] != record_id:
        raise ValidationError("an update cannot change the id", [("id", "create a new record instead")])
    merged = merge(existing, dict(patch))
    data = validated(kind, merged)
    bounded(kind, data)
    before, after = _complete(kind, existing), _complete(kind, merged)
    changed = {key: value for key, value in patch.items() if after.get(key) != before.get(key)}
    refused = [key for key in changed if key in GUARDED]
    if refused:
        raise ValidationError(
            "prices change only through a price change (PATCH …/pricing, set_price), which keeps their history",
            [(key, "cannot be changed by an update") for key in refused],
        )
    row = store.row(kind, record_id)
    if (row.version if row else 0) != version:
        raise ConflictError(
            f"{kind} {record_id} is at version {row.version if row else 0}, not {version}: re-read and retry",
            expected=version,
            actual=row.version if row else 0,
        )
    if not changed:
        return data  # nothing to write
    if record_id in catalog[KIND_KEYS[kind]] and (row is None or row.mode != "add"):
        stored = merge(row.data if row is not None and row.mode == "override" else {}, changed)
        store.put(kind, record_id, "override", stored, version=version, actor=actor, action="update", message=message)
    else:
        assert row is not None  # a record the catalog does not have was added through the store
        added = validated(kind, merge(row.data, changed))
        store.put(kind, record_id, "add", added, version=version, actor=actor, action="update", message=message)
    return data


def _complete(kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """Every field of ``record``, defaults included: what a field means, however it was written (a client
    sending back a whole record it read repeats defaults and nulls that the stored record leaves out)."""
    dumped: dict[str, Any] = schema_type(kind).model_validate(dict(record)).model_dump(mode="json")
    return dumped


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
    change: Mapping[str, Any],
    *,
    effective_from: dt.date,
    actor: str,
    message: str | None,
    version: int | None = None,
) -> dict[str, Any]:
    """Open a new price of ``subject`` from ``effective_from``: the fields ``change`` names (None clears
    one) over the price in force before; the store keeps the timeline in order."""
    kind = "route" if subject in view["routes"] else "model"
    record = view[KIND_KEYS[kind]].get(subject)
    if record is None:
        raise ModelNotFoundError(subject)
    fields = {key: value for key, value in change.items() if key not in ("effective_from", "effective_until")}
    if not fields:
        raise ValidationError(
            "a price change names at least one price", [("pricing", "no field to change: name input, output, …")]
        )
    from modelreg.schema import Pricing

    unknown = sorted(set(fields) - set(Pricing.model_fields))
    if unknown:
        raise ValidationError("unknown price fields", [(key, "not a price field") for key in unknown])
    base = {k: v for k, v in (record.get("pricing") or {}).items() if k not in ("effective_from", "effective_until")}

    def check(pricing: dict[str, Any]) -> dict[str, Any]:
        data = checked(Pricing, pricing, "pricing")
        bounded("pricing", data)
        if not data:
            raise ValidationError("a price change cannot leave no price at all", [("pricing", "every field cleared")])
        return data

    row = store.add_price(
        subject,
        fields,
        effective_from=effective_from,
        actor=actor,
        message=message,
        kind=kind,
        base=base,
        check=check,
        version=version,
    )
    return row.pricing
