"""How a ``Registry`` writes: each write's arguments checked, its references checked against the view it is
made on, one transaction in the store (``editing``, ``transfer``), and the view rebuilt before the call
returns so the writer's next read sees it. The ``Registry`` methods of the same names are the front door.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from modelreg import editing, transfer, validation
from modelreg.errors import ConflictError
from modelreg.overlay import KIND_KEYS

if TYPE_CHECKING:
    from modelreg.registry import Registry
    from modelreg.store import Change, Store


def create(reg: Registry, kind: str, record: Mapping[str, Any] | Any, *, actor: str, message: str | None) -> Any:
    validation.check_arguments("create", kind=kind, record=record, actor=actor, message=message)
    with _writing(reg) as (store, view):
        validation.check_references(kind, _plain(record), view._all())
        data = editing.create(store, view._all(), kind, _plain(record), actor=actor, message=message)
    return reg._now()._record(kind, data["id"])


def update(
    reg: Registry,
    kind: str,
    record_id: str,
    patch: Mapping[str, Any],
    *,
    version: int,
    actor: str,
    message: str | None,
) -> Any:
    validation.check_arguments(
        "update", kind=kind, record_id=record_id, patch=patch, version=version, actor=actor, message=message
    )
    with _writing(reg) as (store, view):
        view = _view_at(reg, view, kind, record_id, version)
        existing = view._all()[KIND_KEYS[kind]].get(record_id)
        if existing is not None:
            from modelreg.overlay import merge

            validation.check_references(kind, merge(existing, _plain(patch)), view._all(), before=existing)
        editing.update(
            store,
            view._all(),
            reg._catalog_records(),
            kind,
            record_id,
            patch,
            version=version,
            actor=actor,
            message=message,
        )
    return reg._now()._record(kind, record_id)


def delete(reg: Registry, kind: str, record_id: str, *, version: int, actor: str, message: str | None) -> None:
    validation.check_arguments("delete", kind=kind, record_id=record_id, version=version, actor=actor, message=message)
    with _writing(reg) as (store, view):
        view = _view_at(reg, view, kind, record_id, version)
        if record_id in view._all()[KIND_KEYS[kind]]:
            validation.check_removal(kind, record_id, view._all())
        editing.delete(
            store,
            view._all(),
            reg._catalog_records(),
            kind,
            record_id,
            version=version,
            actor=actor,
            message=message,
        )


def reset(reg: Registry, kind: str, record_id: str, *, version: int, actor: str, message: str | None) -> None:
    validation.check_arguments("reset", kind=kind, record_id=record_id, version=version, actor=actor, message=message)
    with _writing(reg) as (store, view):
        _check_removal(reg, view, kind, record_id)
        store.remove(kind, record_id, version=version, actor=actor, message=message)


def set_price(
    reg: Registry,
    subject: str,
    pricing: Mapping[str, Any] | Any,
    *,
    effective_from: dt.date,
    actor: str,
    message: str | None,
    version: int | None,
) -> None:
    validation.check_arguments(
        "set_price", subject=subject, pricing=pricing, effective_from=effective_from, actor=actor, message=message
    )
    with _writing(reg) as (store, view):
        editing.set_price(
            store,
            view._all(),
            subject,
            _named(pricing),
            effective_from=effective_from,
            actor=actor,
            message=message,
            version=version,
        )


def revert(reg: Registry, change_id: int, *, actor: str, message: str | None) -> Change:
    validation.check_arguments("revert", change_id=change_id, actor=actor, message=message)
    with _writing(reg) as (store, view):
        target = store.change(change_id)
        if target.before is None and target.action != "price":
            _check_removal(reg, view, target.kind, target.subject)
        change = store.revert(change_id, actor=actor, message=message)
    return change


def import_store(reg: Registry, document: Any, *, actor: str, message: str | None) -> dict[str, int]:
    with _writing(reg) as (store, view):
        assert view._snapshot is not None
        plan = transfer.plan_import(view._snapshot, view._all(), reg._catalog_records(), document)
        if plan.writes or plan.prices:  # a ConflictError when the store moved on since the view was read
            store.write_many(plan.writes, plan.prices, actor=actor, message=message)
    return plan.counts


@contextmanager
def _writing(reg: Registry) -> Iterator[tuple[Store, Registry]]:
    """The store and the current view, for one write. Once it is committed the view is rebuilt before
    the call returns, so the writer's next read sees it; a conflict refreshes the view too."""
    store = reg._writable()
    try:
        yield store, reg._now()
    except ConflictError:
        reg._refresh(wait=True)
        raise
    reg._refresh(wait=True)


def _view_at(reg: Registry, view: Registry, kind: str, record_id: str, version: int) -> Registry:
    """A view in which the record is at ``version``, so that a patch merges onto what its writer read;
    ConflictError when the store has moved past it."""
    actual = view._versions.get((kind, record_id), 0)
    if actual != version:
        reg._refresh(wait=True)  # this view may lag the store: another process wrote a moment ago
        view = reg._view
        actual = view._versions.get((kind, record_id), 0)
    if actual != version:
        raise ConflictError(
            f"{kind} {record_id} is at version {actual}, not {version}: re-read and retry",
            expected=version,
            actual=actual,
        )
    return view


def _check_removal(reg: Registry, view: Registry, kind: str, record_id: str) -> None:
    """A write that removes a record the catalog does not have: refused while others refer to it."""
    records = view._all()[KIND_KEYS[kind]]
    if record_id in records and record_id not in reg._catalog_records()[KIND_KEYS[kind]]:
        validation.check_removal(kind, record_id, view._all())


def _named(change: Mapping[str, Any] | Any) -> dict[str, Any]:
    """The fields a change names, explicit None included: a schema object's fields set, or a mapping."""
    if hasattr(change, "model_dump"):
        named: dict[str, Any] = change.model_dump(mode="json", exclude_unset=True)
        return named
    return dict(change)


def _plain(record: Any) -> dict[str, Any]:
    """A schema object or a mapping, as a plain dict."""
    if hasattr(record, "model_dump"):
        dumped: dict[str, Any] = record.model_dump(mode="json", exclude_defaults=True)
        return dumped
    return dict(record)
