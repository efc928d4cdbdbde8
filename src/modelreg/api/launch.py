"""What ``modelreg serve`` hands uvicorn: the app with an access log, and an HTTP protocol that keeps
TCP_NODELAY on every connection.

Why the protocol: with ``--workers N`` uvicorn binds the listening socket itself with ``proto`` 0, the
accepted sockets inherit it, and asyncio turns TCP_NODELAY on only for sockets that say ``IPPROTO_TCP``
(uvicorn issue 3149). Nagle's algorithm then holds each keep-alive response until the client's delayed
ACK: ~40 ms per request on Linux. One worker is unaffected (asyncio binds the socket there). Setting the
option when each connection is made works for every worker count, event loop and uvicorn version.
"""

from __future__ import annotations

import socket
import sys
import time
from typing import Any

try:  # the protocol uvicorn's "auto" would pick: httptools when installed (the server extra), else h11
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _HttpProtocol
except ImportError:  # pragma: no cover - depends on what is installed
    from uvicorn.protocols.http.h11_impl import H11Protocol as _HttpProtocol  # type: ignore[assignment]

from modelreg.api.app import create_app

PROTOCOL = "modelreg.api.launch:NoDelayProtocol"
"""The ``http`` setting for uvicorn: an import string, so that every worker process finds the class."""

Scope = dict[str, Any]


class NoDelayProtocol(_HttpProtocol):
    """uvicorn's HTTP protocol, with TCP_NODELAY set on each connection before it serves anything."""

    def connection_made(self, transport: Any) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


class AccessLog:
    """ASGI middleware: one line per HTTP request on stderr, ``METHOD path status 1.2ms``, written when the
    response is complete (status 500 when the app failed before answering)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            query = scope.get("query_string") or b""
            target = _printable(scope["path"] + ("?" + query.decode("latin-1") if query else ""))
            elapsed = (time.perf_counter() - started) * 1000
            sys.stderr.write(f"{scope['method']} {target} {status} {elapsed:.1f}ms\n")


def _printable(text: str) -> str:
    """Control characters (a decoded %0A, %00) escaped: one request is always one log line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def served_app() -> Any:
    """The registry service as ``serve`` runs it in each worker: the catalog loaded and its first answers
    built, then every object made so far frozen out of the garbage collector's reach. A full collection
    otherwise walks the whole catalog (tens of milliseconds, paid by whichever request triggers it: the
    p99 of POST /cost was 94 ms for that alone); what requests make is still collected."""
    import gc

    app = create_app()
    registry = app.state.registry.view()
    registry.facts()  # the list, its filters and price comparisons read them
    gc.collect()
    gc.freeze()
    return app


def logged_app() -> AccessLog:
    """``served_app()`` with an access log line per request."""
    return AccessLog(served_app())
