"""Deciding a change a sync held for review: ``POST …/sync/reviews/{id}/accept`` and ``…/reject`` (editor).

What ``modelreg sync review --accept/--reject ID`` does, over HTTP, for the status page: accepting applies
the held change in the transaction that closes it (logged under the source that found it); a change is
decided once (409 after that)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from modelreg.api.auth import GuardedRoute
from modelreg.api.deps import Editor, RegistryDep
from modelreg.api.problems import Problem
from modelreg.errors import ValidationError
from modelreg.registry import Registry

router = APIRouter(prefix="/sync/reviews", tags=["sync"], route_class=GuardedRoute)

ReviewId = Annotated[int, Path(ge=1, le=2**63 - 1, description="the held change's id (`modelreg sync review`)")]


class Decision(BaseModel):
    id: int
    status: Literal["accepted", "rejected"]
    decided_by: str
    changes: int = Field(description="the changes the decision logged (0 for a rejection)")


@router.post("/{review_id}/accept", response_model=Decision, summary="Apply a change a sync held for review")
def accept(review_id: ReviewId, reg: RegistryDep, actor: Editor) -> Any:
    from modelreg.sync import review

    _held(reg, review_id)
    changes = review.accept(reg, review_id, by=actor)
    return Decision(id=review_id, status="accepted", decided_by=actor, changes=changes)


@router.post("/{review_id}/reject", response_model=Decision, summary="Drop a change a sync held for review")
def reject(review_id: ReviewId, reg: RegistryDep, actor: Editor) -> Any:
    from modelreg.sync import review

    _held(reg, review_id)
    review.reject(reg, review_id, by=actor)
    return Decision(id=review_id, status="rejected", decided_by=actor, changes=0)


def _held(reg: Registry, review_id: int) -> None:
    """404 for a change that was never held (the library calls that a ValidationError)."""
    if reg.store is None:
        raise Problem(404, "Not found", "this service has no store, so no review queue")
    from modelreg.store.syncstate import SyncState

    try:
        SyncState(reg.store).review(review_id)
    except ValidationError:
        raise Problem(404, "Not found", f"no held change {review_id}") from None
