"""Liveness, readiness (the store answers) and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Ready to serve: the catalog is loaded and the store answers")
def readyz(request: Request) -> Any:
    registry = request.app.state.registry
    store = registry.store
    try:
        changes = store.counter() if store is not None else None
    except Exception as exc:  # any database failure means: not ready
        request.app.state.metrics.store_errors += 1
        return JSONResponse({"status": "unavailable", "store": f"{type(exc).__name__}"}, status_code=503)
    return {
        "status": "ok",
        "models": len(registry),
        "store": store.engine.dialect.name if store is not None else None,  # never the URL: it may hold a password
        "changes": changes,
    }


@router.get("/metrics", response_class=PlainTextResponse, summary="Prometheus metrics")
def metrics(request: Request) -> str:
    text: str = request.app.state.metrics.render()
    return text
