"""``modelreg publish``: a registry's snapshot (``export/snapshot.py``) written to S3 or any S3-compatible
store (MinIO, R2, Ceph…: ``endpoint_url``), changed objects only, the manifest last.

One publish (``publish``):

1. **Read what is there**: the manifest ``metadata/index.json`` (the last complete publish) and one
   listing of the prefix (key and ETag of every object).
2. **Decide**: a layout object is unchanged when the manifest records its sha256 and the listing shows,
   under its key, the ETag the manifest recorded for it (so an object overwritten by an interrupted publish,
   or removed by hand, is written again). With no object changed, none to remove, and the same compiled
   catalog, nothing is written at all, not even the manifest.
3. **Write**, in this order: the compiled catalog to ``snapshots/{stamp}/catalog/`` (new keys: readers of
   the old manifest never read them); every new or changed layout object, in parallel, each with its sha256
   in ``x-amz-meta-sha256``; the manifest to ``snapshots/{stamp}/metadata/index.json``; and last the
   manifest to ``metadata/index.json``: one PUT, atomic in S3, moves readers to the new snapshot.
4. **Clean up**, once the manifest is in place: layout objects of records the registry no longer has, and
   snapshots beyond ``keep`` (the newest complete ones stay; an incomplete one, left by an interrupted
   publish, goes once it is older than the current one). Keep 2 or more: a reader that read the previous
   manifest a moment ago is still fetching the snapshot it names.

``modelreg.load(source=…)`` reads the manifest, then only the compiled catalog it names under
``snapshots/{stamp}/`` (immutable once written), each checked against its sha256: a publish killed at
any point leaves the old manifest naming a whole, older snapshot, and the next publish completes the job.
The layout objects at the top are replaced in place; a reader of those can tell one from a publish under
way by comparing its sha256 with the manifest's. Two publishers at once are not coordinated: the later
manifest wins, whole.

A snapshot is ``snapshots/{stamp}/``: the compiled catalog (every record, and the names and prices the
registry answers from) and its manifest. It holds everything the layout was made from, so an older one is
a rollback: ``modelreg.load(source="s3://bucket/prefix/snapshots/{stamp}/metadata/index.json")`` reads it,
and publishing that registry puts it back in place.

Credentials and region come from boto3's usual chain (environment, ``~/.aws``, instance roles). Requests
are retried by botocore's ``standard`` mode. boto3 is imported only here (``pip install 'modelreg[s3]'``).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from modelreg.errors import SourceError, ValidationError
from modelreg.export import snapshot as layout

if TYPE_CHECKING:
    from modelreg.registry import Registry

DEFAULT_KEEP = 10
DEFAULT_WORKERS = 16
ATTEMPTS = 5  # botocore's standard retry mode: throttling, 5xx and connection errors, with backoff
JSON = "application/json"
IMMUTABLE = "public, max-age=31536000, immutable"  # a snapshot's objects never change under their keys
Progress = Callable[[str, int, int], None]
"""``progress(step, done, total)``: ``step`` is ``writing`` (``done`` of ``total`` objects written) or
``cleaning`` (the old objects being removed)."""


@dataclass(slots=True)
class PublishReport:
    """What one publish did: ``written`` keys (layout objects, the snapshot's and the manifest),
    ``skipped`` layout objects (unchanged), ``deleted`` layout keys, ``pruned`` snapshot prefixes; the
    snapshot now current (None when nothing was ever published); ``objects`` in the layout."""

    url: str
    snapshot: str | None
    objects: int
    written: list[str] = field(default_factory=list)
    skipped: int = 0
    deleted: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "snapshot": self.snapshot,
            "objects": self.objects,
            "written": len(self.written),
            "skipped": self.skipped,
            "deleted": len(self.deleted),
            "pruned": self.pruned,
            "seconds": round(self.seconds, 3),
            "dry_run": self.dry_run,
            "written_keys": self.written,
            "deleted_keys": self.deleted,
        }


def publish(
    reg: Registry,
    url: str,
    *,
    endpoint_url: str | None = None,
    keep: int = DEFAULT_KEEP,
    dry_run: bool = False,
    workers: int = DEFAULT_WORKERS,
    progress: Progress | None = None,
    client: Any = None,
) -> PublishReport:
    """Publish ``reg`` to ``url`` (``s3://bucket/prefix``) in seed 001's layout and return what was done.

    ``endpoint_url`` names an S3-compatible service (default: AWS, or ``AWS_ENDPOINT_URL_S3``); ``keep``
    is how many snapshots stay for rollback (at least 1: the current one); ``dry_run`` reads and decides
    but writes nothing; ``workers`` uploads at once; ``client`` is a boto3 S3 client to use instead.
    Raises ``SourceError`` when the store refuses or cannot be reached (nothing already published changes),
    ``ValidationError`` for a bad ``url`` or ``keep``."""
    started = time.perf_counter()
    bucket, prefix = parse_url(url)
    if keep < 1:
        raise ValidationError("keep at least one snapshot", [("keep", f"1 or more (got {keep}): the current one")])
    s3 = client if client is not None else s3_client(endpoint_url, workers=workers)
    target = _Target(s3, bucket, prefix, url)
    snap = layout.snapshot(reg)
    previous = target.manifest()
    listed = target.listing()
    recorded: dict[str, Any] = previous.get("objects", {}) if previous else {}

    def unchanged(key: str, body: bytes) -> bool:
        entry = recorded.get(key)
        return (
            entry is not None
            and entry.get("sha256") == layout.digest(body)
            and "etag" in entry
            and listed.get(key) == entry["etag"]
        )

    changed = [key for key, body in snap.objects.items() if not unchanged(key, body)]
    stale = sorted(k for k in listed if k.startswith(layout.LAYOUT_FOLDERS) and k not in snap.objects)
    report = PublishReport(url, previous.get("snapshot") if previous else None, len(snap.objects), dry_run=dry_run)
    report.skipped = len(snap.objects) - len(changed)
    if changed or stale or not _same_catalog(previous, snap, listed):
        now = dt.datetime.now(dt.UTC)
        stamp = _stamp(now, listed)
        manifest_key = f"{layout.SNAPSHOTS}{stamp}/{layout.INDEX_KEY}"
        catalog_keys = {
            f"{layout.SNAPSHOTS}{stamp}/{layout.CATALOG_FOLDER}{name}": b for name, b in snap.catalog.items()
        }
        report.snapshot = f"{layout.SNAPSHOTS}{stamp}/"
        report.written = [*catalog_keys, *changed, manifest_key, layout.INDEX_KEY]
        report.deleted = stale
        if not dry_run:
            total = len(report.written)
            fresh = set(changed)
            etags = {k: recorded[k]["etag"] for k in snap.objects if k not in fresh}
            target.put_all(catalog_keys, cache_control=IMMUTABLE, workers=workers)
            etags |= target.put_all(
                {k: snap.objects[k] for k in changed},
                workers=workers,
                progress=progress,
                offset=len(catalog_keys),
                total=total,
            )
            document = layout.manifest(
                snap, stamp=stamp, published_at=now, etags=etags, generator=f"modelreg {_version()}"
            )
            body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
            target.put(manifest_key, body, cache_control=IMMUTABLE)
            target.put(layout.INDEX_KEY, body, cache_control="no-cache")  # last: readers move to it at once
            if progress is not None:
                progress("writing", total, total)
            listed[manifest_key] = ""
            listed.update(dict.fromkeys(catalog_keys, ""))
    current = report.snapshot
    report.pruned = _prunable(listed, current, keep) if current else []
    if not dry_run and (report.deleted or report.pruned):
        if progress is not None:
            progress("cleaning", 0, 0)
        old = [k for k in listed if k.startswith(tuple(report.pruned))] if report.pruned else []
        target.delete([*report.deleted, *old])
    report.seconds = time.perf_counter() - started
    return report


def parse_url(url: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` -> ``(bucket, "prefix/")`` (the prefix is "" at the bucket's top)."""
    if not isinstance(url, str) or not url.startswith("s3://") or not url[5:].split("/", 1)[0]:
        raise ValidationError(f"{url!r} is not an S3 location", [("url", "s3://bucket or s3://bucket/prefix")])
    bucket, _, prefix = url[5:].partition("/")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


def s3_client(
    endpoint_url: str | None = None,
    *,
    workers: int = DEFAULT_WORKERS,
    attempts: int = ATTEMPTS,
    timeout: float | None = None,
) -> Any:
    """A boto3 S3 client for ``endpoint_url`` (None: AWS, or ``AWS_ENDPOINT_URL_S3``/``AWS_ENDPOINT_URL``)
    with botocore's standard retries (``attempts`` in all), a connection for each of ``workers``, and
    ``timeout`` seconds to connect and to wait for an answer (default 10 and 60). Without credentials
    anywhere, requests go unsigned (a public bucket can still be read)."""
    try:
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config
    except ImportError:  # pragma: no cover - the s3 extra is installed wherever the tests run
        raise SourceError("s3", "S3 needs boto3: pip install 'modelreg[s3]'") from None
    session = boto3.session.Session(botocore_session=_botocore_session())
    config = Config(
        retries={"mode": "standard", "max_attempts": attempts},
        max_pool_connections=max(workers, 10),
        connect_timeout=timeout or 10,
        read_timeout=timeout or 60,
    )
    if session.get_credentials() is None:
        config = config.merge(Config(signature_version=UNSIGNED))
    return session.client("s3", endpoint_url=endpoint_url or None, config=config)


_loader: Any = None


def _botocore_session() -> Any:
    """A new botocore session sharing one loader of service models: the first client parses S3's model
    (~0.25 s), later ones reuse it (a library load makes one client per check)."""
    global _loader
    import botocore.session
    from botocore.loaders import create_loader

    if _loader is None:
        _loader = create_loader()
    session = botocore.session.get_session()
    session.register_component("data_loader", _loader)
    return session


def describe(exc: BaseException) -> str:
    """What an S3 failure means, in one line (botocore's messages name the operation and the code)."""
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        error = response.get("Error", {})
        code, message = error.get("Code", ""), error.get("Message", "")
        if code in ("NoSuchBucket",):
            return f"the bucket does not exist ({message or code}): create it first"
        if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403"):
            return f"access denied ({message or code}): check the credentials and the bucket's policy"
        return f"{code}: {message}" if message else str(code or exc)
    return str(exc) or type(exc).__name__


# -- the store ----------------------------------------------------------------------------------------------


class _Target:
    """One bucket and prefix; every call raises ``SourceError`` naming the location when S3 fails."""

    def __init__(self, client: Any, bucket: str, prefix: str, url: str) -> None:
        self.client, self.bucket, self.prefix, self.url = client, bucket, prefix, url

    def _failed(self, exc: BaseException, doing: str) -> SourceError:
        return SourceError(self.url, f"{doing} failed: {describe(exc)}")

    def manifest(self) -> dict[str, Any] | None:
        """The current manifest, or None when there is none (or it is not one this code wrote)."""
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.prefix + layout.INDEX_KEY)["Body"].read()
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404"):
                return None
            raise self._failed(exc, f"reading {layout.INDEX_KEY}") from exc
        try:
            document = json.loads(body)
        except ValueError:
            return None  # not ours, or damaged: everything is written again
        return document if isinstance(document, dict) and document.get("format") == layout.FORMAT else None

    def listing(self) -> dict[str, str]:
        """Every key under the prefix (relative to it) -> its ETag."""
        found: dict[str, str] = {}
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                for item in page.get("Contents", ()):
                    found[item["Key"][len(self.prefix) :]] = item.get("ETag", "")
        except Exception as exc:
            raise self._failed(exc, "listing the prefix") from exc
        return found

    def put(self, key: str, body: bytes, *, cache_control: str | None = None) -> str:
        """Write one object; its ETag."""
        extra = {"CacheControl": cache_control} if cache_control else {}
        try:
            answer = self.client.put_object(
                Bucket=self.bucket,
                Key=self.prefix + key,
                Body=body,
                ContentType=JSON,
                Metadata={"sha256": layout.digest(body)},
                **extra,
            )
        except Exception as exc:
            raise self._failed(exc, f"writing {key}") from exc
        return str(answer.get("ETag", ""))

    def put_all(
        self,
        objects: Mapping[str, bytes],
        *,
        workers: int,
        cache_control: str | None = None,
        progress: Progress | None = None,
        offset: int = 0,
        total: int = 0,
    ) -> dict[str, str]:
        """Write every object, ``workers`` at once; key -> ETag. The first failure stops the rest and raises."""
        etags: dict[str, str] = {}
        if not objects:
            return etags
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(objects)))) as pool:
            futures = {pool.submit(self.put, k, b, cache_control=cache_control): k for k, b in objects.items()}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for future in done:
                    if future.exception() is not None:
                        for other in pending:
                            other.cancel()
                        raise future.exception()  # type: ignore[misc]
                    etags[futures[future]] = future.result()
                if progress is not None:
                    progress("writing", offset + len(etags), total)
        return etags

    def delete(self, keys: Iterable[str]) -> None:
        batch = [{"Key": self.prefix + k} for k in keys]
        for start in range(0, len(batch), 1000):  # S3's limit per DeleteObjects
            try:
                answer = self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch[start : start + 1000], "Quiet": True}
                )
            except Exception as exc:
                raise self._failed(exc, "removing old objects") from exc
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise SourceError(self.url, f"removing {first.get('Key')} failed: {first.get('Message')}")


# -- helpers ------------------------------------------------------------------------------------------------


def _same_catalog(previous: Mapping[str, Any] | None, snap: layout.Snapshot, listed: Mapping[str, str]) -> bool:
    """Whether the current manifest names this very compiled catalog, still in place."""
    if not previous:
        return False
    named = previous.get("catalog", {})
    return all(
        name in named and named[name].get("sha256") == layout.digest(body) and named[name].get("key", "") in listed
        for name, body in snap.catalog.items()
    )


def _stamp(now: dt.datetime, listed: Mapping[str, str]) -> str:
    """A snapshot's name: the UTC time to the millisecond (sorts as it happened), unused under the prefix."""
    while True:
        stamp = now.strftime("%Y%m%dT%H%M%S.") + f"{now.microsecond // 1000:03d}Z"
        if not any(k.startswith(f"{layout.SNAPSHOTS}{stamp}/") for k in listed):
            return stamp
        now += dt.timedelta(milliseconds=1)


def _prunable(listed: Mapping[str, str], current: str, keep: int) -> list[str]:
    """The snapshot prefixes to remove: complete ones (with a manifest) beyond the ``keep`` newest, the
    current one always kept; incomplete ones older than the current one (a publish under way now writes a
    newer one: it stays)."""
    folders: dict[str, bool] = {}
    for key in listed:
        if key.startswith(layout.SNAPSHOTS) and key.count("/") >= 2:
            folder = key[: key.index("/", len(layout.SNAPSHOTS)) + 1]
            folders[folder] = folders.get(folder, False) or key == folder + layout.INDEX_KEY
    complete = sorted((f for f, whole in folders.items() if whole and f != current), reverse=True)
    kept = set(complete[: keep - 1])
    return sorted(f for f, whole in folders.items() if f != current and (f not in kept if whole else f < current))


def _version() -> str:
    from modelreg import __version__

    return __version__
