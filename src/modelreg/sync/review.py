"""The review queue: changes a sync held (a large price move, a model or route gone upstream) until a
person accepts them (applied then, logged under the source that found them) or rejects them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from modelreg.errors import ModelregError

if TYPE_CHECKING:
    from modelreg.registry import Registry
    from modelreg.store.syncstate import Review, SyncState


def pending(reg: Registry) -> list[Review]:
    return _state(reg).reviews("pending")


def accept(reg: Registry, review_id: int, *, by: str) -> int:
    """Apply held change ``review_id`` and close it, in one transaction; returns the changes logged."""
    from modelreg.sync.diff import Change
    from modelreg.sync.run import Syncer

    state = _state(reg)
    held = state.review(review_id)
    spec: dict[str, Any] = held.change.get("apply") or {}
    change = Change(
        held.kind,
        held.subject,
        spec.get("what") or held.change["what"],
        spec.get("field"),
        held.change.get("old"),
        spec.get("new"),
        held.source,
    )
    day = dt.date.fromisoformat(spec["as_of"]) if spec.get("as_of") else None
    writes, prices = Syncer(reg, as_of=day).writes([change], {})
    return state.decide(
        review_id,
        "accepted",
        by=by,
        writes=writes,
        new_prices=prices,
        message=f"held change {review_id} accepted by {by}",
    )


def reject(reg: Registry, review_id: int, *, by: str) -> None:
    _state(reg).decide(review_id, "rejected", by=by)


def _state(reg: Registry) -> SyncState:
    from modelreg.store.syncstate import SyncState

    if reg.store is None:
        raise ModelregError("the review queue lives in a store: pass --database-url or set MODELREG_DATABASE_URL")
    return SyncState(reg.store)
