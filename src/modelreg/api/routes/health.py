"""Liveness, readiness (the store answers) and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Ready to serve: the catalog is loaded and the store answers and takes writes")
def readyz(request: Request) -> Any:
    """200 when the store answers and takes writes; 503 otherwise, saying why (never the store's URL)."""
    registry = request.app.state.registry
    store = registry.store
    if store is None:
        return {"status": "ok", "models": len(registry), "store": None}
    health = store.health()
    report: dict[str, Any] = {
        "database": store.engine.dialect.name,
        "reachable": health.reachable,
        "writable": health.writable,
    }
    if health.reason:
        report["reason"] = health.reason
    if not health.writable:
        request.app.state.metrics.store_errors += 1
        return JSONResponse({"status": "unavailable", "store": report}, status_code=503)
    return {"status": "ok", "models": len(registry), "store": report}


@router.get("/metrics", response_class=PlainTextResponse, summary="Prometheus metrics")
def metrics(request: Request) -> str:
    text: str = request.app.state.metrics.render()
    return text + sync_metrics(request.app.state.registry, request.app.state.scheduler)


def sync_metrics(registry: Any, scheduler: Any) -> str:
    """The sync's counters: runs by source and status from the store (the same in every instance sharing
    it), and the scheduled runs this process skipped because another instance held the store's lock."""
    lines = [
        "# HELP modelreg_sync_runs_total Sync runs recorded in the store, by source and status.",
        "# TYPE modelreg_sync_runs_total counter",
    ]
    if registry.store is not None:
        from modelreg.store.syncstate import SyncState

        for (source, status), n in sorted(SyncState(registry.store).run_counts().items()):
            lines.append(f'modelreg_sync_runs_total{{source="{source}",status="{status}"}} {n}')
    lines += [
        "# HELP modelreg_sync_skipped_locked_total Scheduled syncs skipped: another instance was syncing.",
        "# TYPE modelreg_sync_skipped_locked_total counter",
        f"modelreg_sync_skipped_locked_total {scheduler.skipped_locked if scheduler is not None else 0}",
    ]
    return "\n".join(lines) + "\n"
