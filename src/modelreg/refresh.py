"""``modelreg.load(refresh="1d")``: a catalog rebuilt from the live LiteLLM cost map and models.dev's
``api.json`` at most once per interval, kept in a local cache, with an offline fallback.

One load, step by step (``refreshed_catalog``):

1. If the cache's ``current.json`` was checked less than ``every`` ago, its catalog is used: no HTTP.
2. Else both sources are fetched the way ``modelreg sync`` fetches them (``sync.run.Syncer``: httpx, a
   revalidating disk cache, bounded retries). When both answer "unchanged" (304, or the same bytes) the
   catalog in use stays and only ``checked_at`` moves.
3. Else the one merge of the catalog build (``Syncer.merged``: the fetched sources plus the bundled
   genai-prices snapshot, where this installation has it) makes a catalog, compiled to ``index.json`` and
   ``records.json`` in a new ``catalog-<digest>`` folder.
4. Any failure (a source that cannot be reached or read, a merge that breaks an invariant, a cache that
   cannot be written) builds nothing: a ``RefreshWarning`` says what went wrong, and the last refreshed
   catalog is used, else the bundled one. A failed attempt is tried again after ``every`` or
   ``RETRY_AFTER_FAILURE``, whichever is shorter, so that an offline machine does not wait on every load.

The cache folder (``cache_dir``, else ``$MODELREG_CACHE_DIR``, else ``modelreg/refresh`` in the user's
cache folder)::

    http/                        the HTTP cache (ETag / Last-Modified of each source)
    catalog-<digest>/            index.json, records.json: one refreshed catalog (the 2 newest are kept)
    current.json                 {"catalog": "catalog-<digest>" | null, "checked_at": ISO time,
                                  "sources": {name: digest}, "built_with": …, "failed_at"?, "failure"?}

A catalog folder appears whole (it is written aside and renamed into place) and ``current.json`` is
replaced last, so a process reading the cache while another refreshes it never sees half a catalog.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelreg.catalogcache import CatalogCache, age, without_failure
from modelreg.durations import parse_duration
from modelreg.errors import CatalogError, ModelregError, RefreshWarning

if TYPE_CHECKING:
    from modelreg.sync.run import Fetched, Syncer, SyncReport

__all__ = ["RETRY_AFTER_FAILURE", "SOURCES", "RefreshWarning", "refreshed_catalog"]

SOURCES = ("litellm", "models.dev")
RETRY_AFTER_FAILURE = 300.0  # seconds: how soon a failed refresh is tried again (when ``every`` is longer)
HTTP_DIR = "http"
RETRIES = 1  # a library load waits for one more attempt, not the three of `modelreg sync`


def refreshed_catalog(
    every: str | float | dt.timedelta,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> Path:
    """The catalog folder to load: one refreshed from the live sources at most once per ``every``
    (``"1d"``, ``"6h"``, ``"1h30m"``, seconds, or a timedelta), else the last refreshed one, else the
    bundled catalog (``settings.catalog_path()``).

    ``cache_dir`` holds the cache (default ``$MODELREG_CACHE_DIR``, else ``modelreg/refresh`` in the
    user's cache folder); ``env`` is the environment (default ``os.environ``: the source URL overrides
    ``MODELREG_SOURCE_LITELLM_URL`` and ``MODELREG_SOURCE_MODELS_DEV_URL``); ``timeout`` is the seconds to
    wait for a source to connect or answer. Never raises for a failed refresh: it warns
    (``RefreshWarning``). A bad ``every`` raises ``ValidationError``."""
    seconds = parse_duration(every, field="refresh")
    env = os.environ if env is None else env
    cache = _Cache(Path(cache_dir) if cache_dir is not None else default_cache_dir(env), env)
    now = dt.datetime.now(dt.UTC)
    current = cache.current()
    if current.get("built_with") != cache.built_with:
        current = {}  # catalogs made by another modelreg (or from another bundled catalog) are not used
    in_use = cache.catalog(current)
    if in_use is not None and age(current.get("checked_at"), now) < seconds:
        return in_use
    if age(current.get("failed_at"), now) < min(seconds, RETRY_AFTER_FAILURE):
        failure = f"the refresh at {current['failed_at']} failed: {current.get('failure')}"
    else:
        try:
            return _refresh(cache, current, in_use, now, timeout)
        except Exception as exc:  # a refresh is best effort: whatever broke, the load goes on, and says why
            failure = str(exc) if isinstance(exc, ModelregError) else f"{type(exc).__name__}: {exc}"
        # remembered, so that the next loads do not wait on a failing upstream again at once (a cache that
        # cannot be written leaves the warning as all that can be done)
        with contextlib.suppress(OSError):
            cache.write_current(
                {
                    **without_failure(current),
                    "built_with": cache.built_with,
                    "failed_at": now.isoformat(),
                    "failure": failure,
                }
            )
    using = f"the catalog refreshed at {current.get('checked_at')}" if in_use else "the bundled catalog"
    warnings.warn(f"modelreg could not refresh the catalog ({failure}); using {using}", RefreshWarning, stacklevel=2)
    return in_use or cache.bundled


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$MODELREG_CACHE_DIR``, else ``modelreg/refresh`` in the user's cache folder (platformdirs'
    ``user_cache_dir``: ``$XDG_CACHE_HOME``, else ``~/.cache``, on Linux)."""
    env = os.environ if env is None else env
    if env.get("MODELREG_CACHE_DIR"):
        return Path(env["MODELREG_CACHE_DIR"]).expanduser()
    if sys.platform.startswith("linux"):  # the XDG rule, without importing platformdirs on every load
        base = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        return base / "modelreg" / "refresh"
    import platformdirs

    return Path(platformdirs.user_cache_dir("modelreg")) / "refresh"


# -- a refresh ------------------------------------------------------------------------------------------


def _refresh(cache: _Cache, current: dict[str, Any], in_use: Path | None, now: dt.datetime, timeout: float) -> Path:
    """Fetch, and when a source changed, merge and compile a new catalog; any failure raises."""
    from modelreg.sync.run import Outcome, SourceSpec, SyncReport

    syncer = cache.syncer(timeout)
    known = dict(current.get("sources") or {}) if in_use is not None else {}
    report = SyncReport({name: Outcome(name) for name in SOURCES})
    fetched: dict[str, Fetched] = {}
    for name in SOURCES:  # one at a time: once a source fails nothing will be built, so stop asking
        fetched.update(syncer.fetch([SourceSpec(name)], report, known))
        _raise_failures(report)
    digests = {name: report.outcomes[name].digest or "" for name in SOURCES}
    if in_use is not None and not fetched:  # every source unchanged since the catalog in use was made
        cache.write_current({**without_failure(current), "checked_at": now.isoformat()})
        return in_use
    folder = cache.root / f"catalog-{_digest(digests, cache.built_with)}"
    if folder.is_dir():
        os.utime(folder)  # in use again: among the newest, so pruning keeps it
    else:
        # the merge needs every source's records: one that answered "unchanged" while another changed is
        # read again (a 304, then its cached body), else the bundled snapshot would stand in for it
        unchanged = [SourceSpec(name) for name in SOURCES if name not in fetched]
        if unchanged:
            fetched.update(syncer.fetch(unchanged, report))
            _raise_failures(report)
        catalog, violations = syncer.merged(fetched)
        if violations:
            shown = "; ".join(map(str, violations[:3])) + (" …" if len(violations) > 3 else "")
            raise CatalogError(f"the merged catalog breaks {len(violations)} invariant(s): {shown}")
        cache.write_compiled(folder, catalog)
    cache.write_current(
        {"catalog": folder.name, "checked_at": now.isoformat(), "sources": digests, "built_with": cache.built_with}
    )
    cache.prune(keep=folder)
    return folder


def _raise_failures(report: SyncReport) -> None:
    if report.failed:
        raise ModelregError("; ".join(o.message or f"{o.source}: failed" for o in report.failed))


def _digest(sources: Mapping[str, str], built_with: str) -> str:
    text = json.dumps({"sources": dict(sorted(sources.items())), "built_with": built_with})
    return hashlib.sha256(text.encode()).hexdigest()[:12]


# -- the cache folder -----------------------------------------------------------------------------------


class _Cache(CatalogCache):
    """The refresh cache in ``root``: ``current.json``, the catalog folders and the HTTP cache."""

    def __init__(self, root: Path, env: Mapping[str, str]) -> None:
        from modelreg import __version__, settings

        super().__init__(root)
        self.env = env
        self.bundled = Path(settings.catalog_path(env))
        try:  # what built a catalog: a new modelreg or a rebuilt bundled catalog makes the cached ones stale
            stat = os.stat(self.bundled / "index.json")
            self.built_with = f"{__version__}:{stat.st_size}:{stat.st_mtime_ns}"
        except OSError:
            self.built_with = __version__

    def syncer(self, timeout: float) -> Syncer:

        from modelreg.sync.run import Syncer

        # no registry: a Syncer without one fetches and merges, and has no store to apply to
        return Syncer(None, env=self.env, cache_dir=self.root / HTTP_DIR, timeout=timeout, retries=RETRIES)

    def write_compiled(self, folder: Path, catalog: Any) -> None:
        """Compile ``catalog`` into ``folder``, which appears whole or not at all."""
        from modelreg.catalog.index import INDEX_FILE, RECORDS_FILE, compile_index, compile_records

        records = compile_records(catalog)
        index = compile_index(catalog, records)
        documents = {RECORDS_FILE: records, INDEX_FILE: index}
        self.write_catalog(folder, {f: json.dumps(d, separators=(",", ":")).encode() for f, d in documents.items()})
