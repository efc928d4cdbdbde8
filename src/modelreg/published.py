"""``modelreg.load(source=…)``: a registry read from a snapshot ``modelreg publish`` wrote, kept in a local
cache and checked again at most once per TTL.

A source is where a publish went, or its manifest:

* ``s3://bucket/prefix`` (or ``…/metadata/index.json``): read with boto3, from the endpoint in
  ``$MODELREG_S3_ENDPOINT_URL``, else boto3's own (``AWS_ENDPOINT_URL_S3``, AWS); credentials from boto3's
  usual chain, unsigned requests when there are none (a public bucket);
* ``https://host/path/metadata/index.json`` (or ``https://host/path/``): the same objects over HTTP (a
  CDN or a public bucket in front of the prefix);
* a local folder holding a copy of the prefix (or its ``metadata/index.json``): read in place, no cache.

A snapshot's own manifest, ``…/snapshots/{stamp}/metadata/index.json``, loads that snapshot (a rollback).

One load (``published_catalog``):

1. The cache's entry for the source was checked less than ``ttl`` ago: its catalog is used, no request.
2. Else the manifest is fetched, conditionally (an unchanged one costs a 304 and nothing more). The compiled
   catalog it names (``snapshots/{stamp}/catalog/index.json`` and ``records.json``) is fetched unless the
   cache holds it already, checked against the sha256 the manifest records, and written whole into the
   cache; the registry is built from it as from the bundled catalog.
3. Anything failing (offline, a missing object, a digest that does not match): a ``RefreshWarning`` says
   what, and the snapshot fetched last is used; a failed check is not tried again for
   ``min(ttl, RETRY_AFTER_FAILURE)``. With nothing cached: ``SourceError``.

The cache folder (``cache_dir``, else ``$MODELREG_CACHE_DIR/published``, else ``modelreg/published`` in
the user's cache folder), one folder per source (named by its digest)::

    <source>/current.json        {"source", "checked_at", "etag", "catalog", "snapshot", "published_at",
                                  "failed_at"?, "failure"?}
    <source>/catalog-<digest>/   index.json, records.json (the 2 newest are kept)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from modelreg.catalogcache import CATALOG_FILES, CatalogCache, age, without_failure
from modelreg.durations import parse_duration
from modelreg.errors import RefreshWarning, SourceError

__all__ = ["DEFAULT_TTL", "RETRY_AFTER_FAILURE", "published_catalog"]

DEFAULT_TTL = 300.0  # seconds: how long a fetched snapshot is used before the manifest is asked again
RETRY_AFTER_FAILURE = 300.0
MANIFEST = "metadata/index.json"
_SNAPSHOT_MANIFEST = re.compile(r"(?P<root>.*?)snapshots/[^/]+/metadata/index\.json")


def published_catalog(
    source: str | os.PathLike[str],
    *,
    ttl: str | float | dt.timedelta = DEFAULT_TTL,
    cache_dir: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> Path:
    """The compiled catalog folder of the snapshot published at ``source`` (an ``s3://`` location, an
    ``http(s)://`` URL or a local folder, as the module says), fetched at most once per ``ttl`` (``"5m"``,
    seconds, a timedelta) into ``cache_dir``. ``env`` is the environment (``MODELREG_S3_ENDPOINT_URL``,
    ``MODELREG_CACHE_DIR``); ``timeout`` the seconds to wait for an answer. When the source cannot be read
    it warns (``RefreshWarning``) and returns the snapshot fetched last; with none, raises ``SourceError``."""
    seconds = parse_duration(ttl, field="ttl")
    env = os.environ if env is None else env
    name = os.fspath(source)
    place = _place(name, env, timeout)
    if isinstance(place, _Folder):
        return place.catalog()
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir(env)
    cache = _Cache(root / hashlib.sha256(name.encode()).hexdigest()[:16])
    current = cache.current()
    if current.get("source") != name:
        current = {}
    in_use = cache.catalog(current)
    now = dt.datetime.now(dt.UTC)
    if in_use is not None and age(current.get("checked_at"), now) < seconds:
        return in_use
    if in_use is not None and age(current.get("failed_at"), now) < min(seconds, RETRY_AFTER_FAILURE):
        failure = f"the check at {current['failed_at']} failed: {current.get('failure')}"
    else:
        try:
            return _fetch(place, cache, current, in_use, now, name)
        except Exception as exc:  # offline, refused, damaged: the cached snapshot stands in, and says why
            failure = _reason(exc)
            if in_use is None:
                raise SourceError(name, f"cannot read the published snapshot: {failure}") from exc
        with contextlib.suppress(OSError):
            cache.write_current({**current, "failed_at": now.isoformat(), "failure": failure})
    assert in_use is not None
    warnings.warn(
        f"modelreg could not check the snapshot published at {name} ({failure}); using the one fetched at "
        f"{current.get('checked_at')} ({current.get('snapshot')})",
        RefreshWarning,
        stacklevel=2,
    )
    return in_use


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$MODELREG_CACHE_DIR/published``, else ``modelreg/published`` in the user's cache folder."""
    from modelreg.refresh import default_cache_dir as refresh_cache

    env = os.environ if env is None else env
    if env.get("MODELREG_CACHE_DIR"):
        return Path(env["MODELREG_CACHE_DIR"]).expanduser() / "published"
    return refresh_cache(env).parent / "published"


# -- one check ----------------------------------------------------------------------------------------------


def _fetch(
    place: _Remote, cache: _Cache, current: dict[str, Any], in_use: Path | None, now: dt.datetime, name: str
) -> Path:
    """Ask for the manifest; fetch the catalog it names unless cached. Any failure raises."""
    body, etag = place.get(place.manifest, etag=current.get("etag") if in_use is not None else None)
    if body is None and in_use is not None:  # 304: the manifest has not changed
        cache.write_current({**without_failure(current), "checked_at": now.isoformat()})
        return in_use
    if body is None:
        raise SourceError(name, "the manifest was answered 'not modified' to a request that named no version")
    manifest = _manifest(body, place.manifest)
    entries = manifest["catalog"]
    digest = hashlib.sha256("".join(entries[f]["sha256"] for f in CATALOG_FILES).encode()).hexdigest()[:16]
    folder = cache.root / f"catalog-{digest}"
    if folder.is_dir():
        os.utime(folder)  # in use again: among the newest, so pruning keeps it
    else:
        documents = {}
        for file in CATALOG_FILES:
            data, _ = place.get(entries[file]["key"])
            documents[file] = _checked(data, entries[file])
        cache.write_catalog(folder, documents)
    cache.write_current(
        {
            "source": name,
            "checked_at": now.isoformat(),
            "etag": etag,
            "catalog": folder.name,
            "snapshot": manifest.get("snapshot"),
            "published_at": manifest.get("published_at"),
        }
    )
    cache.prune(keep=folder)
    return folder


def _manifest(body: bytes, key: str) -> dict[str, Any]:
    """The manifest in ``body``, refused unless it names both compiled catalog files with their digests."""
    from modelreg.export.snapshot import FORMAT

    try:
        document = json.loads(body)
    except ValueError as exc:
        raise SourceError(key, f"not JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SourceError(key, f"not a manifest this modelreg reads (format {FORMAT})")
    entries = document.get("catalog")
    for file in CATALOG_FILES:
        entry = entries.get(file) if isinstance(entries, dict) else None
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str) or "sha256" not in entry:
            raise SourceError(key, f"the manifest names no {file} with its sha256")
    return document


def _checked(data: bytes | None, entry: Mapping[str, Any]) -> bytes:
    if data is None or hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise SourceError(
            entry["key"], "its sha256 is not the one the manifest records (damaged, or replaced since): not used"
        )
    return data


def _reason(exc: BaseException) -> str:
    from modelreg.errors import ModelregError

    if isinstance(exc, ModelregError):
        return str(exc)
    if getattr(exc, "response", None) is not None and hasattr(exc, "operation_name"):  # botocore's ClientError
        from modelreg.export.s3 import describe

        return describe(exc)
    return f"{type(exc).__name__}: {exc}"


# -- where a snapshot is ------------------------------------------------------------------------------------


class _Remote:
    """A published prefix read over the network: ``get(key)`` relative to the prefix."""

    manifest: str

    def get(self, key: str, *, etag: str | None = None) -> tuple[bytes | None, str | None]:
        """``(body, etag)``; body None when ``etag`` still matches (not modified)."""
        raise NotImplementedError


class _S3(_Remote):
    def __init__(self, bucket: str, root: str, manifest: str, env: Mapping[str, str], timeout: float) -> None:
        self.bucket, self.root, self.manifest = bucket, root, manifest
        self.endpoint, self.timeout = env.get("MODELREG_S3_ENDPOINT_URL"), timeout
        self.client: Any = None  # made on the first request: a load within the TTL makes none

    def get(self, key: str, *, etag: str | None = None) -> tuple[bytes | None, str | None]:
        from modelreg.export.s3 import s3_client

        if self.client is None:
            self.client = s3_client(self.endpoint, workers=2, attempts=2, timeout=self.timeout)
        conditional = {"IfNoneMatch": etag} if etag else {}
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.root + key, **conditional)
        except Exception as exc:
            error = getattr(exc, "response", {}).get("Error", {})
            if etag and error.get("Code") in ("304", "NotModified"):
                return None, etag
            if error.get("Code") in ("NoSuchKey", "404"):
                raise SourceError(f"s3://{self.bucket}/{self.root}{key}", "no such object") from None
            raise
        return answer["Body"].read(), answer.get("ETag")


class _Http(_Remote):
    def __init__(self, root: str, manifest: str, timeout: float) -> None:
        self.root, self.manifest, self.timeout = root, manifest, timeout

    def get(self, key: str, *, etag: str | None = None) -> tuple[bytes | None, str | None]:
        import httpx

        url = self.root + quote(key, safe="/")
        answer = httpx.get(
            url, headers={"If-None-Match": etag} if etag else {}, timeout=self.timeout, follow_redirects=True
        )
        if answer.status_code == 304 and etag:
            return None, etag
        if answer.status_code != 200:
            raise SourceError(url, f"HTTP {answer.status_code}")
        return answer.content, answer.headers.get("ETag")


class _Folder:
    """A local copy of a published prefix: read in place (nothing to cache), digests checked."""

    def __init__(self, root: Path, manifest: str) -> None:
        self.root, self.manifest = root, manifest

    def catalog(self) -> Path:
        path = self.root / self.manifest
        try:
            manifest = _manifest(path.read_bytes(), str(path))
            entries = manifest["catalog"]
            folders = {(self.root / entries[f]["key"]).parent for f in CATALOG_FILES}
            for file in CATALOG_FILES:
                _checked((self.root / entries[file]["key"]).read_bytes(), entries[file])
        except OSError as exc:
            raise SourceError(str(path), f"cannot read the published snapshot: {exc}") from None
        if len(folders) != 1:
            raise SourceError(str(path), "the manifest names catalog files in two folders")
        return folders.pop()


def _place(source: str, env: Mapping[str, str], timeout: float) -> _Remote | _Folder:
    if source.startswith("s3://"):
        from modelreg.export.s3 import parse_url

        bucket, path = parse_url(source)
        root, manifest = _split(path.rstrip("/") if source.endswith(".json") else path)
        return _S3(bucket, root, manifest, env, timeout)
    if source.startswith(("http://", "https://")):
        scheme, _, rest = source.partition("://")
        host, _, path = rest.partition("/")
        root, manifest = _split(path)
        return _Http(f"{scheme}://{host}/{root}", manifest, timeout)
    local = Path(source).expanduser()
    if local.is_file():
        root, manifest = _split(local.resolve().as_posix())
        return _Folder(Path(root or "/"), manifest)
    return _Folder(local, MANIFEST)


def _split(path: str) -> tuple[str, str]:
    """``(root, manifest)``: the publish prefix (ending in / unless empty) and the manifest's key under it.
    A path ending in .json is a manifest: ``metadata/index.json`` under the prefix, or under one of its
    ``snapshots/{stamp}/``; any other path is the prefix."""
    if not path.endswith(".json"):
        return (path if path.endswith("/") or not path else path + "/"), MANIFEST
    found = _SNAPSHOT_MANIFEST.fullmatch(path)
    if found is not None:
        root = found["root"]
    elif path.endswith(MANIFEST) and (path == MANIFEST or path.endswith("/" + MANIFEST)):
        root = path[: -len(MANIFEST)]
    else:
        root = path.rpartition("/")[0] + "/" if "/" in path else ""
    return root, path[len(root) :]


# -- the cache folder -----------------------------------------------------------------------------------


class _Cache(CatalogCache):
    """One source's cache in ``root``: ``current.json`` and the catalog folders."""
