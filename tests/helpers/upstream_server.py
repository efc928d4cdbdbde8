"""A real HTTP server on 127.0.0.1 that plays an upstream API: it serves fixture files (with ETags, and
304 to a matching If-None-Match), fails on request (a status, a Retry-After, a slow or cut-short answer),
and records every request it received."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True, slots=True)
class Fault:
    """One answer in place of the fixture: ``status`` with ``headers`` and ``body``, after ``delay`` s."""

    status: int = 500
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b'{"error": {"message": "upstream trouble"}}'
    delay: float = 0.0


@dataclass(slots=True)
class Seen:
    """One request the server received, and the status it answered."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int = 0


@dataclass(slots=True)
class _Route:
    path: str
    body: bytes
    when: dict[str, str]
    method: str
    body_has: bytes = b""


class Upstream:
    """Routes (method, path, query conditions) -> bodies; faults queued per path; requests recorded."""

    def __init__(self) -> None:
        self.routes: list[_Route] = []
        self.faults: dict[str, list[Fault]] = {}
        self.always: dict[str, Fault] = {}
        self.seen: list[Seen] = []
        self.base_url = ""
        self._lock = threading.Lock()

    def serve(
        self,
        path: str,
        content: Path | bytes | Any,
        *,
        when: Mapping[str, str] | None = None,
        method: str = "GET",
        body_has: bytes = b"",
    ) -> None:
        """Answer ``method path`` (whose query holds ``when``, whose body holds ``body_has``) with
        ``content``: a file, bytes or JSON data."""
        if isinstance(content, Path):
            body = content.read_bytes()
        elif isinstance(content, bytes):
            body = content
        else:
            body = json.dumps(content).encode()
        self.routes.append(_Route(path, body, dict(when or {}), method, body_has))

    def fail(self, path: str, *faults: Fault) -> None:
        """Answer the next requests to ``path`` with ``faults``, one each, then serve normally again."""
        self.faults.setdefault(path, []).extend(faults)

    def fail_always(self, path: str, fault: Fault) -> None:
        """Answer every request to ``path`` with ``fault``."""
        self.always[path] = fault

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def _answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[Fault, Seen]:
        parts = urlsplit(target)
        seen = Seen(method, parts.path, dict(parse_qsl(parts.query)), headers, body)
        with self._lock:
            self.seen.append(seen)
            queued = self.faults.get(parts.path)
            if queued:
                return queued.pop(0), seen
        if parts.path in self.always:
            return self.always[parts.path], seen
        candidates = [
            r
            for r in self.routes
            if r.path == parts.path
            and r.method == method
            and r.body_has in body
            and all(seen.query.get(k) == v for k, v in r.when.items())
        ]
        if not candidates:
            return Fault(404, body=b'{"error": "not found"}'), seen
        route = max(candidates, key=lambda r: (len(r.when), len(r.body_has)))
        etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
        if method == "GET" and headers.get("if-none-match") == etag:
            return Fault(304, {"ETag": etag}, b""), seen
        return Fault(200, {"ETag": etag, "Content-Type": "application/json"}, route.body), seen


@contextmanager
def upstream_server() -> Iterator[Upstream]:
    """An ``Upstream`` listening on 127.0.0.1 (``base_url``), for the length of the block."""
    upstream = Upstream()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            fault, seen = upstream._answer(self.command, self.path, headers, body)
            if fault.delay:
                time.sleep(fault.delay)
            seen.status = fault.status
            try:
                self.send_response(fault.status)
                for name, value in fault.headers.items():
                    self.send_header(name, value)
                if fault.status != 304:
                    self.send_header("Content-Length", str(len(fault.body)))
                self.end_headers()
                if fault.status != 304:
                    self.wfile.write(fault.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a timeout test)

        do_GET = do_POST = _handle

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    upstream.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield upstream
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
