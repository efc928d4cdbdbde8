"""The sync's state: each source's latest run, the review queue's length, and this instance's schedule."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from modelreg.api.auth import GuardedRoute
from modelreg.api.deps import Reader, RegistryDep

router = APIRouter(tags=["sync"], route_class=GuardedRoute)

STATUS_PATH = "/sync/status"


@router.get(STATUS_PATH, summary="Each source's latest sync, the held changes waiting, and the schedule")
async def sync_status(request: Request, reg: RegistryDep, _: Reader) -> Any:
    """Read live from the store on every request (runs are not part of the registry's state, so this answer
    is never kept or given the registry's ETag). ``schedule`` is this instance's (``serve --sync-every``):
    ``runner`` says whether this process runs it; null when the service does not sync on a schedule."""
    scheduler = getattr(request.app.state, "scheduler", None)
    body: dict[str, Any] = {
        "schedule": scheduler.status() if scheduler is not None else None,
        "sources": {},
        "pending_reviews": 0,
    }
    if reg.store is not None:
        from modelreg.store.syncstate import SyncState

        state = SyncState(reg.store)
        body["sources"] = {name: run.as_json() for name, run in state.last_runs().items()}
        body["pending_reviews"] = state.pending_reviews()
    return JSONResponse(body, headers={"cache-control": "no-store"})
