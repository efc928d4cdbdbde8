"""Reading upstream sources over HTTP: timeouts, bounded retries, and a revalidating disk cache.

``Http.get`` asks for a URL through an RFC 9111 cache (hishel, an SQLite file in the cache folder) and
always revalidates what it holds (``Cache-Control: no-cache``): an upstream that has not changed answers
304 to our ``If-None-Match``/``If-Modified-Since`` and the stored body is used (``Fetched.not_modified``).
Connection failures, timeouts, 5xx and 429 are retried with exponential backoff (tenacity), a 429's or
503's ``Retry-After`` honoured up to ``max_wait`` seconds; any other 4xx fails at once. A location that is
not an ``http(s)://`` URL is a file (a path or ``file://`` URL), read directly.

Every failure is a ``SourceError`` saying what went wrong, with the status and the URL; a server that
cannot be reached at all raises ``Unreachable``, its subclass (a local Ollama that is not running).

httpx, hishel and tenacity are imported when a request is made, never by ``import modelreg``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from modelreg.errors import SourceError

if TYPE_CHECKING:
    import hishel
    import httpx
    import tenacity

USER_AGENT = "modelreg-sync (+https://github.com/modelreg/modelreg)"
CACHE_FILE = "http-cache.sqlite3"
SECRET_HEADERS = frozenset({"authorization", "x-api-key", "x-goog-api-key", "cookie"})


@dataclass(frozen=True, slots=True)
class Fetched:
    """One response body as read: ``digest`` identifies its content (``sha256:`` + 12 hex, like
    ``records.snapshot_id``); ``not_modified`` is True when the server answered 304 and the cached body
    was reused."""

    url: str
    body: bytes
    digest: str
    not_modified: bool


class Unreachable(SourceError):
    """The server could not be reached at all (connection refused, no such host)."""


def digest_of(body: bytes) -> str:
    """The short content hash of a body: ``sha256:`` + the first 12 hex digits."""
    return f"sha256:{hashlib.sha256(body).hexdigest()[:12]}"


def is_file_location(location: str) -> bool:
    """True when ``location`` names a file (a path or ``file://`` URL) rather than an HTTP URL."""
    return not location.startswith(("http://", "https://"))


def file_path(location: str) -> Path:
    """The path a file location names (``file:///x/y.json`` or ``/x/y.json``)."""
    if location.startswith("file://"):
        return Path(unquote(urlparse(location).path))
    return Path(location).expanduser()


def default_cache_dir() -> Path:
    """The cache folder used when none is given: ``sync-cache`` in the user's cache folder."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("modelreg")) / "sync-cache"


def parse_json(fetched: Fetched, *, source: str) -> Any:
    """The body as JSON; a body that is not JSON (truncated, an HTML error page) raises SourceError."""
    try:
        return json.loads(fetched.body)
    except UnicodeDecodeError as exc:
        raise SourceError(source, f"the answer from {fetched.url} is not valid JSON: not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise SourceError(
            source,
            f"the answer from {fetched.url} is not valid JSON: {exc.msg} at byte {exc.pos} "
            f"(of {len(fetched.body)}); the download may have been cut short: try again",
        ) from exc


class _Transient(Exception):
    """A failure worth another try: what happened, and how long the server asked us to wait."""

    def __init__(self, message: str, *, retry_after: float | None = None, unreachable: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.unreachable = unreachable


class Http:
    """The one HTTP client every source shares; close it (or use it as a context manager) when done.

    ``cache_dir``: where revalidated responses are kept (default ``default_cache_dir()``); ``timeout``:
    seconds to wait for a read (``connect_timeout`` for a connection, default the same); ``retries``:
    further attempts after a transient failure; ``backoff``: the first wait in seconds, doubled each time;
    ``max_wait``: the cap on any one wait, ``Retry-After`` included. ``sleep`` is how waits are made."""

    def __init__(
        self,
        cache_dir: Path | None = None,
        *,
        timeout: float = 30,
        connect_timeout: float | None = None,
        retries: int = 3,
        backoff: float = 0.5,
        max_wait: float = 30,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.cache_dir = cache_dir if cache_dir is not None else default_cache_dir()
        self.timeout = timeout
        self.connect_timeout = connect_timeout if connect_timeout is not None else timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self._sleep = sleep
        self._cached: httpx.Client | None = None
        self._plain: httpx.Client | None = None

    def __enter__(self) -> Http:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections and the cache file."""
        for client in (self._cached, self._plain):
            if client is not None:
                client.close()
        self._cached = self._plain = None

    def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str | int] | None = None,
        source: str,
        key_env: str | None = None,
        retries: int | None = None,
        retry_unreachable: bool = True,
    ) -> Fetched:
        """GET ``url`` (revalidating any cached copy), or read it when it is a file location.

        ``source`` names the source in errors; ``key_env`` the environment variable whose key was sent,
        so a 401/403 can say which key was rejected. ``retries`` overrides the client's for this call;
        ``retry_unreachable=False`` gives up at once when nothing listens (a local server not running)."""
        if is_file_location(url):
            return self.read_file(url, source=source)
        client = self._cached_client()
        request_headers = {"Cache-Control": "no-cache", **(headers or {})}
        response = self._send(
            client,
            "GET",
            url,
            source=source,
            key_env=key_env,
            retries=retries,
            retry_unreachable=retry_unreachable,
            headers=request_headers,
            params=params,
        )
        status = response.extensions.get("caching") or {}
        body = response.content
        return Fetched(
            url=str(response.request.url) if params else url,
            body=body,
            digest=digest_of(body),
            not_modified=bool(status.get("from_cache") and status.get("revalidated")),
        )

    def post_json(
        self,
        url: str,
        payload: Any,
        *,
        headers: Mapping[str, str] | None = None,
        source: str,
        key_env: str | None = None,
        retries: int | None = None,
    ) -> Fetched:
        """POST ``payload`` as JSON to ``url`` (never cached) and return the answer's body."""
        client = self._plain_client()
        response = self._send(
            client, "POST", url, source=source, key_env=key_env, retries=retries, headers=headers, json=payload
        )
        return Fetched(url=url, body=response.content, digest=digest_of(response.content), not_modified=False)

    def read_file(self, location: str, *, source: str) -> Fetched:
        """A file location's bytes, with the same digest a download would have."""
        path = file_path(location)
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise SourceError(source, f"cannot read {path}: {exc.strerror or exc}") from exc
        return Fetched(url=str(path), body=body, digest=digest_of(body), not_modified=False)

    # -- the machinery -------------------------------------------------------------------------------

    def _timeouts(self) -> httpx.Timeout:
        import httpx

        return httpx.Timeout(self.timeout, connect=self.connect_timeout)

    def _cached_client(self) -> httpx.Client:
        if self._cached is None:
            import hishel
            import httpx
            from hishel.httpx import CacheTransport

            self.cache_dir.mkdir(parents=True, exist_ok=True)
            storage = _keyless_storage()(database_path=self.cache_dir / CACHE_FILE)
            # a private cache: responses to requests that carry an API key are ours to keep
            transport = CacheTransport(httpx.HTTPTransport(), storage=storage, rfc=hishel.CacheOptions(shared=False))
            self._cached = httpx.Client(
                transport=transport, timeout=self._timeouts(), headers={"User-Agent": USER_AGENT}
            )
        return self._cached

    def _plain_client(self) -> httpx.Client:
        if self._plain is None:
            import httpx

            self._plain = httpx.Client(timeout=self._timeouts(), headers={"User-Agent": USER_AGENT})
        return self._plain

    def _send(
        self,
        client: httpx.Client,
        method: str,
        url: str,
        *,
        source: str,
        key_env: str | None,
        retries: int | None,
        retry_unreachable: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        import tenacity

        attempts = 1 + (self.retries if retries is None else retries)
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception(
                lambda exc: isinstance(exc, _Transient) and (retry_unreachable or not exc.unreachable)
            ),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            response: httpx.Response = retrying(self._attempt, client, method, url, **kwargs)
        except _Transient as exc:
            made = retrying.statistics.get("attempt_number", attempts)
            tries = f"{made} attempt{'s' if made != 1 else ''}"
            error = Unreachable if exc.unreachable else SourceError
            raise error(source, f"{exc} (gave up after {tries})") from exc
        if response.status_code >= 400:
            raise SourceError(source, _refusal(response, url, key_env))
        return response

    def _attempt(self, client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
        import httpx

        try:
            response = client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            kind = "connecting to" if isinstance(exc, httpx.ConnectTimeout) else "waiting for"
            limit = self.connect_timeout if isinstance(exc, httpx.ConnectTimeout) else self.timeout
            raise _Transient(f"timed out after {limit:g} s {kind} {url}") from exc
        except httpx.ConnectError as exc:
            raise _Transient(f"cannot connect to {url}: {exc}", unreachable=True) from exc
        except httpx.TransportError as exc:
            raise _Transient(f"the connection to {url} failed: {exc or type(exc).__name__}") from exc
        if response.status_code == 429:
            raise _Transient(
                f"rate limited by {url} (HTTP 429): wait a while and sync again",
                retry_after=_retry_after(response),
            )
        if response.status_code >= 500:
            raise _Transient(
                f"{url} answered HTTP {response.status_code} (a server error){_snippet(response)}",
                retry_after=_retry_after(response),
            )
        return response

    def _wait(self, state: tenacity.RetryCallState) -> float:
        import tenacity

        failure = state.outcome.exception() if state.outcome is not None else None
        if isinstance(failure, _Transient) and failure.retry_after is not None:
            return min(failure.retry_after, self.max_wait)
        return float(tenacity.wait_exponential(multiplier=self.backoff, max=self.max_wait)(state))


def _keyless_storage() -> type[hishel.SqliteStorage]:
    """hishel's SQLite storage, minus the request headers that carry API keys: a cache on disk must never
    hold a credential (revalidation needs only the response's validators)."""
    import hishel

    class KeylessStorage(hishel.SqliteStorage):
        def create_entry(
            self,
            request: hishel.Request,
            response: hishel.Response,
            key: str,
            *,
            ttl: float | None = None,
            tti: float | None = None,
        ) -> hishel.Entry:
            kept = {
                name: request.headers.get_list(name) or [] for name in request.headers if name not in SECRET_HEADERS
            }
            request = replace(request, headers=hishel.Headers(kept))
            return super().create_entry(request, response, key, ttl=ttl, tti=tti)

    return KeylessStorage


def _retry_after(response: httpx.Response) -> float | None:
    """A ``Retry-After`` header in seconds (either form: seconds, or an HTTP date)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _refusal(response: httpx.Response, url: str, key_env: str | None) -> str:
    status = response.status_code
    if status in (401, 403):
        if key_env:
            return f"{url} rejected the key in ${key_env} (HTTP {status}): check that it is set to a valid key"
        return f"{url} refused access (HTTP {status}){_snippet(response)}"
    if status == 404:
        return f"{url} was not found (HTTP 404): check the source's URL"
    return f"{url} answered HTTP {status}{_snippet(response)}"


def _snippet(response: httpx.Response) -> str:
    """The start of an error body, which often says what the server did not like."""
    text = response.text.strip().replace("\n", " ") if response.content else ""
    return f": {text[:200]}" if text else ""
