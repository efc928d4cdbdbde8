"""One plain ASGI middleware (no BaseHTTPMiddleware: it costs more than our handlers): ETags, 304s,
Cache-Control on GET answers, request metrics, and a cache of rendered GET answers.

Every GET answer under the API is a function of the registry's state (and of the day, for deprecations),
so a 200 answer is kept, keyed by (state, day, path, query), and sent again without routing or rendering
until the state moves. Only open reads are cached: with MODELREG_REQUIRE_READ_KEY every request goes
through the app's authentication.

ETags: a single record's answer carries the record's own ETag (its version, set by the handler); every
other GET answer the registry-wide state. ``If-None-Match`` naming the ETag an answer would carry is 304.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from modelreg.api.metrics import Metrics
from modelreg.registry import Registry

Scope = dict[str, Any]
Answer = tuple[str, list[Any], bytes]  # route template, headers, body


class CachingAndMetrics:
    def __init__(
        self,
        app: Any,
        *,
        registry: Registry,
        prefix: str,
        cache_control: str,
        metrics: Metrics,
        cache_answers: bool = True,
        max_answers: int = 4096,
    ) -> None:
        self.app = app
        self.registry = registry
        self.prefix = prefix
        self.cache_control = cache_control.encode()
        self.metrics = metrics
        self.cache_answers = cache_answers
        self.max_answers = max_answers
        self.answers: dict[tuple[str, bytes], Answer] = {}
        self.answers_for = ""  # the state and day the kept answers belong to

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"]
        etag = None
        key = None
        wanted = None
        if method in ("GET", "HEAD") and scope["path"].startswith(self.prefix):
            state = self.registry.state()
            etag = f'"{state}"'.encode()
            wanted = _header(scope, b"if-none-match")
            if _matches(wanted, etag):
                await _not_modified(send, etag)
                self.metrics.observe(method, "not-modified", 304, time.perf_counter() - started)
                return
            if self.cache_answers and method == "GET":
                kept_for = f"{state}@{dt.date.today().isoformat()}"
                if kept_for != self.answers_for:
                    self.answers, self.answers_for = {}, kept_for
                key = (scope["path"], scope["query_string"])
                kept = self.answers.get(key)
                if kept is not None:
                    route, kept_headers, body = kept
                    if _matches(wanted, _etag_of(kept_headers)):
                        await _not_modified(send, _etag_of(kept_headers))
                        self.metrics.observe(method, "not-modified", 304, time.perf_counter() - started)
                        return
                    await send({"type": "http.response.start", "status": 200, "headers": kept_headers})
                    await send({"type": "http.response.body", "body": body})
                    self.metrics.observe(method, route, 200, time.perf_counter() - started)
                    return
        status = 500
        headers: list[Any] = []
        chunks: list[bytes] = []
        unmodified = False

        async def sending(message: dict[str, Any]) -> None:
            nonlocal status, headers, unmodified
            if message["type"] == "http.response.start":
                status = message["status"]
                if etag is not None and status == 200:
                    own = _etag_of(message.get("headers", []))  # a single record's ETag, set by its handler
                    tag = [] if own else [(b"etag", etag)]
                    message["headers"] = [*message.get("headers", []), *tag, (b"cache-control", self.cache_control)]
                    if _matches(wanted, own):
                        status, unmodified = 304, True
                        await _not_modified(send, own)
                        return
                headers = message.get("headers", [])
            elif unmodified:
                return  # the body of an answer replaced by 304
            elif key is not None and status == 200:
                chunks.append(message.get("body", b""))
                if not message.get("more_body") and len(self.answers) < self.max_answers:
                    self.answers[key] = (_route(scope), headers, b"".join(chunks))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.metrics.observe(method, _route(scope), status, time.perf_counter() - started)


def _etag_of(headers: list[Any]) -> bytes | None:
    return next((bytes(value) for name, value in headers if bytes(name).lower() == b"etag"), None)


def _matches(wanted: bytes | None, etag: bytes | None) -> bool:
    """Whether an If-None-Match header names ``etag`` (weak comparison, as RFC 9110 says for it)."""
    if wanted is None or etag is None:
        return False
    tags = [t.strip().removeprefix(b"W/") for t in wanted.split(b",")]
    return etag.removeprefix(b"W/") in tags or b"*" in tags


async def _not_modified(send: Any, etag: bytes | None) -> None:
    await send({"type": "http.response.start", "status": 304, "headers": [(b"etag", etag)] if etag else []})
    await send({"type": "http.response.body", "body": b""})


def _route(scope: Scope) -> str:
    """The route template that answered (bounded label values for metrics), or "unmatched"."""
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None
