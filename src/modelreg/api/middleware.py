"""The service's ASGI layer (plain ASGI: BaseHTTPMiddleware costs more than our handlers). A request meets it
in this order:

1. metrics: every answer is counted by method (a method HTTP does not define counts as "other", so made-up
   methods add no series), route template (or "unmatched") and status;
2. HEAD is routed and answered as the GET of the same path, without the body;
3. who is asking (``auth.py``): a bad or revoked key is 401 at once, and so is no key on any path but
   /healthz and /readyz when MODELREG_REQUIRE_READ_KEY is set — before the answer cache is looked at
   (a route's role is checked by ``auth.GuardedRoute``, before its dependencies and its body);
4. the body: over MODELREG_MAX_BODY_BYTES it is 413, before anything parses it — by Content-Length, or
   counted as it streams in when there is none;
5. ETags, 304s and Cache-Control on GET answers under the API, and the kept answers: every such answer is
   a function of the registry's state (and of the day, for deprecations), so a 200 is kept, keyed by
   (state, day, path, query), and sent again without routing or rendering until the state moves. A single
   record's answer carries the record's own ETag (its version, set by the handler); every other GET answer
   the registry-wide state. ``If-None-Match`` naming the ETag an answer would carry is 304.
6. the hot answers (``answers.py``): POST /cost, GET of one model, /resolve and plain pages of /models are
   rendered here from one view of the registry, without FastAPI; anything they do not read goes on to it.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

from modelreg.api import auth
from modelreg.api.answers import FastAnswers, NoFastAnswers
from modelreg.api.metrics import Metrics
from modelreg.api.problems import INVALID_JSON, Problem, is_store_failure, problem, store_failure
from modelreg.registry import Registry

Scope = dict[str, Any]
Answer = tuple[str, list[Any], bytes]  # route template, headers, body
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"))
_WANTED = frozenset(
    (b"authorization", b"if-none-match", b"if-match", b"content-length", b"transfer-encoding", b"content-type")
)


class ServiceLayer:
    def __init__(
        self,
        app: Any,
        *,
        registry: Registry,
        prefix: str,
        cache_control: str,
        metrics: Metrics,
        require_read_key: bool = False,
        max_body_bytes: int = 1024 * 1024,
        max_answers: int = 4096,
        max_answer_bytes: int = 64 * 1024 * 1024,
        fast_answers: bool = True,
        live_paths: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.live_paths = frozenset(live_paths)  # read from outside the registry's state: never kept
        self.registry = registry
        self.prefix = prefix
        self.cache_control = cache_control.encode()
        self.metrics = metrics
        self.require_read_key = require_read_key
        self.max_body_bytes = max_body_bytes
        self.max_answers = max_answers
        self.max_answer_bytes = max_answer_bytes  # a bound on memory too: a page of 500 models is ~0.9 MB
        self.answer_bytes = 0
        self.answers: dict[tuple[str, bytes], Answer] = {}
        self.fast = FastAnswers(prefix) if fast_answers else NoFastAnswers()
        self.answers_for: tuple[str, dt.date] | None = None  # the state and day the kept answers belong to

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"]
        head = method == "HEAD"
        if head:  # the server still sees HEAD (and sends no body); the app answers the GET
            scope = {**scope, "method": "GET"}
        status = 0

        async def sending(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif head and message.get("body"):
                message = {**message, "body": b""}
            await send(message)

        try:
            await self._serve(scope, receive, sending)
        except Exception as exc:  # the app's own errors are answered inside it; this is the layer's
            if status or not is_store_failure(exc):
                status = status or 500
                raise
            self.metrics.store_errors += 1
            await _refuse(Problem(503, "Store unavailable", store_failure(exc)), scope, receive, sending)
        finally:
            self.metrics.observe(
                method if method in METHODS else "other", _route(scope), status, time.perf_counter() - started
            )

    async def _serve(self, scope: Scope, receive: Any, send: Any) -> None:
        headers = _headers(scope)
        try:
            self._admit(scope, headers)
        except Problem as refused:
            await _refuse(refused, scope, receive, send)
            return
        if b"content-length" in headers or b"transfer-encoding" in headers:
            body = await _read(receive, headers, self.max_body_bytes)
            if body is None:
                limit = f"{self.max_body_bytes:,} bytes (MODELREG_MAX_BODY_BYTES)"
                too_large = Problem(413, "Content too large", f"the request body is over {limit}")
                await _refuse(too_large, scope, receive, send, close=True)
                return
            if scope["method"] == "POST" and scope["path"] == self.fast.cost_path:
                answer = self.fast.cost(self.registry.view(), headers.get(b"content-type", b""), body)
                if answer is not None:
                    await _answer(scope, send, answer)
                    return
            receive = _replay(body, receive)
            if b"if-match" in headers:
                _defer(scope, headers, body)
        if scope["method"] == "GET" and scope["path"].startswith(self.prefix) and scope["path"] not in self.live_paths:
            await self._get(scope, receive, send, headers)
        else:
            await self.app(scope, receive, send)

    def _admit(self, scope: Scope, headers: dict[bytes, bytes]) -> None:
        """Who is asking (a bad key is 401), and no key where reads need one (401): before anything is read.
        What a route needs beyond reading is checked by ``auth.GuardedRoute``."""
        authorization = headers.get(b"authorization")
        caller = auth.authenticate(self.registry.store, authorization.decode("latin-1") if authorization else None)
        scope[auth.CALLER] = caller
        if caller is None and self.require_read_key and scope["path"] not in auth.OPEN_PATHS:
            auth.authorize(None, "reader", open_reads=False)

    async def _get(self, scope: Scope, receive: Any, send: Any, headers: dict[bytes, bytes]) -> None:
        view = self.registry.view()  # the store is checked once, here: the answer comes from this state
        state = view.state()
        etag = f'"{state}"'.encode()
        wanted = headers.get(b"if-none-match")
        if _matches(wanted, etag):
            scope["modelreg.route"] = "not-modified"
            await _not_modified(send, etag)
            return
        kept_for = (state, dt.date.today())
        if kept_for != self.answers_for:
            self.answers, self.answers_for, self.answer_bytes = {}, kept_for, 0
        key = (scope["path"], scope["query_string"])
        kept = self.answers.get(key)
        if kept is None:
            fast = self.fast.get(view, scope["path"], scope["query_string"])
            if fast is not None:  # rendered here, then kept like any other answer
                route, fast_headers, body = fast
                tag = [] if _etag_of(fast_headers) else [(b"etag", etag)]
                kept = (route, [*fast_headers, *tag, (b"cache-control", self.cache_control)], body)
                self._keep(key, kept)
        if kept is not None:
            own = _etag_of(kept[1]) if wanted is not None else None
            if _matches(wanted, own):  # a single record's own ETag, which a kept answer carries
                scope["modelreg.route"] = "not-modified"
                await _not_modified(send, own)
                return
            await _answer(scope, send, kept)
            return
        status = 500
        answer_headers: list[Any] = []
        chunks: list[bytes] = []
        unmodified = False

        async def sending(message: dict[str, Any]) -> None:
            nonlocal status, answer_headers, unmodified
            if message["type"] == "http.response.start":
                status = message["status"]
                if status == 200:
                    own = _etag_of(message.get("headers", []))  # a single record's ETag, set by its handler
                    tag = [] if own else [(b"etag", etag)]
                    message["headers"] = [*message.get("headers", []), *tag, (b"cache-control", self.cache_control)]
                    if _matches(wanted, own):
                        status, unmodified = 304, True
                        await _not_modified(send, own)
                        return
                answer_headers = message.get("headers", [])
            elif unmodified:
                return  # the body of an answer replaced by 304
            elif status == 200:
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    self._keep(key, (_route(scope), answer_headers, b"".join(chunks)))
            await send(message)

        await self.app(scope, receive, sending)

    def _keep(self, key: tuple[str, bytes], answer: Answer) -> None:
        """Keep an answer while there is room: at most ``max_answers`` of them, ``max_answer_bytes`` in all
        (query strings are the client's to vary; memory is not)."""
        size = len(answer[2])
        if len(self.answers) < self.max_answers and self.answer_bytes + size <= self.max_answer_bytes:
            self.answers[key] = answer
            self.answer_bytes += size


async def _answer(scope: Scope, send: Any, answer: Answer) -> None:
    """Send a 200 answered in this layer (kept, or rendered by ``answers``)."""
    route, headers, body = answer
    scope["modelreg.route"] = route
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


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
    label = scope.get("modelreg.route")
    if label is not None:
        return str(label)
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


def _headers(scope: Scope) -> dict[bytes, bytes]:
    """The request headers this layer reads (names are lower-case in ASGI)."""
    return {key: bytes(value) for key, value in scope["headers"] if key in _WANTED}


async def _read(receive: Any, headers: dict[bytes, bytes], limit: int) -> bytes | None:
    """The whole request body, or None once it is over ``limit`` bytes (what is past it is never read)."""
    length = headers.get(b"content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away: the app sees the disconnect
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Any) -> Any:
    """A receive that hands the app the body already read, then whatever comes next (a disconnect)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> dict[str, Any]:
        if pending:
            return pending.pop()
        message: dict[str, Any] = await receive()
        return message

    return replayed


def _defer(scope: Scope, headers: dict[bytes, bytes], body: bytes) -> None:
    """A write with If-Match learns whether its precondition holds (412) before whether its body is valid
    (422). FastAPI parses a JSON body before it runs the dependencies that check preconditions, so a body
    that is not JSON is passed on as plain bytes — the dependencies run, then the body fails validation —
    and the reason is kept for the 422 (``problems.py`` reports it)."""
    kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    if not body or not (kind == b"application/json" or kind.endswith(b"+json")):
        return
    try:
        json.loads(body)
    except ValueError as exc:
        scope["headers"] = [
            (k, b"application/octet-stream" if k == b"content-type" else v) for k, v in scope["headers"]
        ]
        scope[INVALID_JSON] = f"not valid JSON: {exc}"


async def _refuse(refused: Problem, scope: Scope, receive: Any, send: Any, *, close: bool = False) -> None:
    headers = dict(refused.headers or {})
    if close:  # the rest of the body is never read: the connection cannot carry another request
        headers["Connection"] = "close"
    response = problem(refused.status, refused.title, refused.detail, headers=headers, **refused.extra)
    scope["modelreg.route"] = "refused"
    await response(scope, receive, send)
