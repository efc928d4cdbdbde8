"""``create_app(registry=…)``: the FastAPI app that serves one Registry under /api/registry."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from modelreg import web
from modelreg.api import docs, problems
from modelreg.api.metrics import Metrics
from modelreg.api.middleware import ServiceLayer
from modelreg.api.routes import discovery, health, models, records, routes, routing, sync, usage
from modelreg.api.settings import ApiSettings
from modelreg.registry import Registry

PREFIX = "/api/registry"


def create_app(registry: Registry | None = None, *, settings: ApiSettings | None = None) -> FastAPI:
    """The service over ``registry`` (default: ``modelreg.load()``, the catalog with its store)."""
    if registry is None:
        import modelreg

        registry = modelreg.load()
    settings = settings or ApiSettings.from_env()
    app = FastAPI(
        **_telemetry(settings.telemetry),
        title="modelreg",
        version="0.1.0",
        summary="The single source of truth for LLMs: providers, platforms, models, routes, prices, lifecycle.",
        docs_url=None,  # FastAPI's pages load their assets from a CDN: docs.install serves pages that need none
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.registry = registry
    app.state.settings = settings
    app.state.metrics = Metrics()
    app.state.scheduler = _scheduler(registry, settings)
    app.state.health_runner = _health_runner(registry, settings)
    problems.install(app)
    for router in (  # routing before models and routes: their {id:path} would take its paths
        records.providers,
        records.platforms,
        routing.router,
        models.router,
        routes.router,
        discovery.router,
        sync.router,
        usage.router,
    ):
        app.include_router(router, prefix=PREFIX, responses=problems.RESPONSES)
    app.include_router(health.router)
    docs.install(app)
    web.install(app, api_prefix=PREFIX)  # the page at /, and the review decisions it sends to the API

    app.add_middleware(
        ServiceLayer,
        registry=registry,
        prefix=PREFIX,
        cache_control=settings.cache_control,
        metrics=app.state.metrics,
        require_read_key=settings.require_read_key,
        max_body_bytes=settings.max_body_bytes,
        fast_answers=settings.fast_answers,
        live_paths=(PREFIX + sync.STATUS_PATH, PREFIX + usage.SPEND_PATH),
    )
    return app


def _scheduler(registry: Registry, settings: ApiSettings) -> Any:
    """The background sync (``serve --sync-every``), started and stopped with the app; None without one."""
    if settings.sync_every is None:
        return None
    if registry.store is None:
        from modelreg.errors import StoreError

        raise StoreError("a scheduled sync needs a store to write to (MODELREG_DATABASE_URL)")
    from modelreg.sync.schedule import Scheduler

    return Scheduler(registry, every=settings.sync_every, sources=settings.sync_sources or None)


def _health_runner(registry: Registry, settings: ApiSettings) -> Any:
    """The background health checks (``serve --health-every``), a thread apart from the sync's; None
    without them."""
    if settings.health_every is None:
        return None
    from modelreg.health import HealthRunner

    return HealthRunner(registry, every=settings.health_every)  # StoreError without a store


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    background = [job for job in (app.state.scheduler, app.state.health_runner) if job is not None]
    for job in background:
        job.start()
    try:
        yield
    finally:
        for job in background:
            job.stop()


def _telemetry(wanted: bool) -> dict[str, Any]:
    """FastAPI's own OpenTelemetry (FastAPI 0.165 and later) asks on every request whether a provider is
    configured: ~10 µs, a third of a /cost. Off unless MODELREG_OTEL asks for it; /metrics is always there."""
    if wanted or "telemetry" not in inspect.signature(FastAPI.__init__).parameters:
        return {}
    return {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
