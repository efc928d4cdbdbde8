"""One plain ASGI middleware (no BaseHTTPMiddleware: it costs more than our handlers): ETags, 304s,
Cache-Control on GET answers, and request metrics."""

from __future__ import annotations

import time
from typing import Any

from modelreg.api.metrics import Metrics
from modelreg.registry import Registry

Scope = dict[str, Any]


class CachingAndMetrics:
    def __init__(self, app: Any, *, registry: Registry, prefix: str, cache_control: str, metrics: Metrics) -> None:
        self.app = app
        self.registry = registry
        self.prefix = prefix
        self.cache_control = cache_control.encode()
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"]
        etag = None
        if method in ("GET", "HEAD") and scope["path"].startswith(self.prefix):
            etag = f'"{self.registry.state()}"'.encode()
            wanted = _header(scope, b"if-none-match")
            if wanted is not None and etag in [t.strip().removeprefix(b"W/") for t in wanted.split(b",")]:
                await send({"type": "http.response.start", "status": 304, "headers": [(b"etag", etag)]})
                await send({"type": "http.response.body", "body": b""})
                self.metrics.observe(method, "not-modified", 304, time.perf_counter() - started)
                return
        status = 500

        async def sending(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if etag is not None and status == 200:
                    message["headers"] = [
                        *message.get("headers", []),
                        (b"etag", etag),
                        (b"cache-control", self.cache_control),
                    ]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            self.metrics.observe(method, path, status, time.perf_counter() - started)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None
