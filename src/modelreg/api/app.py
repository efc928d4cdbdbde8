"""``create_app(registry=…)``: the FastAPI app that serves one Registry under /api/registry."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from modelreg.api import problems
from modelreg.api.metrics import Metrics
from modelreg.api.routes import discovery, health, models, records, routes
from modelreg.api.settings import ApiSettings
from modelreg.registry import Registry

PREFIX = "/api/registry"


def create_app(registry: Registry | None = None, *, settings: ApiSettings | None = None) -> FastAPI:
    """The service over ``registry`` (default: ``modelreg.load()``, the catalog with its store)."""
    if registry is None:
        import modelreg

        registry = modelreg.load()
    app = FastAPI(
        title="modelreg",
        version="0.1.0",
        summary="The single source of truth for LLMs: providers, platforms, models, routes, prices, lifecycle.",
    )
    app.state.registry = registry
    app.state.settings = settings or ApiSettings.from_env()
    app.state.metrics = Metrics()
    problems.install(app)
    for router in (records.providers, records.platforms, models.router, routes.router, discovery.router):
        app.include_router(router, prefix=PREFIX, responses=problems.RESPONSES)
    app.include_router(health.router)

    @app.middleware("http")
    async def caching_and_metrics(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        etag = None
        if request.method in ("GET", "HEAD") and request.url.path.startswith(PREFIX):
            etag = f'"{registry.state()}"'
            wanted = request.headers.get("if-none-match")
            if wanted is not None and etag in [t.strip().removeprefix("W/") for t in wanted.split(",")]:
                response: Response = Response(status_code=304, headers={"ETag": etag})
                _observe(request, response, started)
                return response
        response = await call_next(request)
        if etag is not None and response.status_code == 200:
            response.headers["ETag"] = etag
            response.headers["Cache-Control"] = app.state.settings.cache_control
        _observe(request, response, started)
        return response

    def _observe(request: Request, response: Response, started: float) -> None:
        route = request.scope.get("route")
        path = getattr(route, "path", None) or ("not-modified" if response.status_code == 304 else "unmatched")
        app.state.metrics.observe(request.method, path, response.status_code, time.perf_counter() - started)

    return app
