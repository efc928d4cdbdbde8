"""Seed 001's S3 layout of a registry, as bytes: what ``modelreg publish`` uploads, worked out without I/O.

Every key is relative to the publish prefix (``s3://bucket/prefix/``)::

    platforms/{platform}.json                                           a Platform
    providers/{provider}.json                                           a Provider
    models/by-provider/{provider}/{name}.json                           a Model
    models/by-platform/{platform}/{provider}/{name}.json                the Model, once per platform serving it
    routes/by-model/{provider}/{name}/route-{priority}-{platform}.json  a Route
    routes/by-platform/{platform}/{provider}/{name}.json                the Route again, by platform
    metadata/capabilities.json    capability -> ids of the current models having it (``capability_matrix``)
    metadata/pricing.json         the prices in force: per model, per route, per deployment (USD per 1M tokens)
    metadata/index.json           the manifest (``manifest``): written last by a publish
    snapshots/{stamp}/catalog/index.json, records.json   the compiled catalog the layout was made from
    snapshots/{stamp}/metadata/index.json                that publish's manifest again

**A model in a key** is its canonical id, ``provider/name``: the provider, a slash, the name ``escape``-d.
``escape`` writes every character outside ``A-Z a-z 0-9 . _ -`` as ``%XX``, one per UTF-8 byte (RFC 3986
percent-encoding), so a name keeps to one segment whatever it holds: ``ollama/llama3:8b`` is
``ollama/llama3%3A8b``, ``fireworks_ai/accounts/x/models/y`` is ``fireworks_ai/accounts%2Fx%2Fmodels%2Fy``.
Platform and provider ids are escaped the same way (no id the catalog has changes). ``unescape`` reverses
it; ``record_of(key)`` tells the record a key holds. A key holding ``%`` is requested over HTTP with the
``%`` itself encoded (``%253A``), as any URL path quotes it.

**Records** are the library's own JSON, the registry's stored form (``model_dump(mode="json",
exclude_defaults=True)``): ``Model.model_validate(json.loads(body))`` gives the record back. An object's
bytes are that JSON with sorted keys, indented, with a final newline: the same record always gives the
same bytes, so a sha256 says whether an object changed. A route's key holds its priority (the default,
10, when the record leaves it out): a new priority is a new key, and the old one goes.

**The manifest** (``metadata/index.json``) is the fast lookup index: ``snapshot`` (the
``snapshots/{stamp}/`` prefix of this publish), ``catalog`` (the compiled catalog's keys, sha256 and sizes:
what ``modelreg.load(source=…)`` reads), ids and aliases (``platforms``, ``providers``, ``routes``: id ->
key; ``models``: id -> ``{key, aliases}``) and ``objects``: key -> ``{sha256, size, etag}`` for every layout
object (the etag the store answered when it was written), so a reader can verify what it reads.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

if TYPE_CHECKING:
    from modelreg.registry import Registry

FORMAT = 1
INDEX_KEY = "metadata/index.json"
CAPABILITIES_KEY = "metadata/capabilities.json"
PRICING_KEY = "metadata/pricing.json"
SNAPSHOTS = "snapshots/"
CATALOG_FOLDER = "catalog/"
LAYOUT_FOLDERS = ("platforms/", "providers/", "models/", "routes/")
"""The folders holding only layout objects: a publish removes any key there the registry no longer has."""
DEFAULT_PRIORITY = 10  # schema.Route.priority's default (checked by the tests): a record at it leaves it out
PRICE_UNIT = "USD per 1,000,000 tokens (per item for images and requests)"
_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One registry, laid out: ``objects`` (seed 001's layout, key -> bytes, the manifest aside),
    ``catalog`` (the compiled catalog, ``index.json`` and ``records.json`` -> bytes) and ``lookup`` (ids
    and aliases -> keys, for the manifest)."""

    objects: dict[str, bytes]
    catalog: dict[str, bytes]
    lookup: dict[str, Any]


def snapshot(reg: Registry) -> Snapshot:
    """``reg`` as it stands now, laid out. The same registry always gives the same bytes (on one day: which
    models are current, in ``metadata/capabilities.json``, depends on the date)."""
    index_doc, records = _documents(reg)
    objects: dict[str, bytes] = {}
    lookup: dict[str, Any] = {"platforms": {}, "providers": {}, "models": {}, "routes": {}}
    for platform_id, raw in sorted(records["platforms"].items()):
        objects[platform_key(platform_id)] = encode(raw)
        lookup["platforms"][platform_id] = platform_key(platform_id)
    for provider_id, raw in sorted(records["providers"].items()):
        objects[provider_key(provider_id)] = encode(raw)
        lookup["providers"][provider_id] = provider_key(provider_id)
    models = records["models"]
    for model_id, raw in sorted(models.items()):
        objects[model_key(model_id)] = encode(raw)
        lookup["models"][model_id] = {"key": model_key(model_id), "aliases": list(raw.get("aliases", ()))}
    for route_id, raw in sorted(records["routes"].items()):
        body = encode(raw)
        key = route_key(raw)
        objects[key] = body
        objects[route_on_platform_key(raw)] = body
        lookup["routes"][route_id] = key
        if raw["model"] in models:
            objects[model_on_platform_key(raw["platform"], raw["model"])] = objects[model_key(raw["model"])]
    objects[CAPABILITIES_KEY] = encode(reg.capability_matrix())
    objects[PRICING_KEY] = encode(_pricing(index_doc.get("prices", {}), records))
    from modelreg.catalog.index import FORMAT as CATALOG_FORMAT
    from modelreg.catalog.index import INDEX_FILE, RECORDS_FILE

    catalog = {
        INDEX_FILE: _compact({**index_doc, "format": CATALOG_FORMAT}),
        RECORDS_FILE: _compact({"format": CATALOG_FORMAT, **records}),
    }
    return Snapshot(dict(sorted(objects.items())), catalog, lookup)


def layout(reg: Registry) -> dict[str, bytes]:
    """Seed 001's layout of ``reg``: key -> bytes, every object but the manifest (``snapshot(reg).objects``)."""
    return snapshot(reg).objects


def manifest(
    snap: Snapshot,
    *,
    stamp: str,
    published_at: dt.datetime,
    etags: Mapping[str, str] | None = None,
    generator: str = "",
) -> dict[str, Any]:
    """The manifest of ``snap`` published as ``snapshots/{stamp}/`` at ``published_at``; ``etags`` are the
    store's ETags of the layout objects (key -> ETag), recorded beside each object's sha256."""
    prefix = f"{SNAPSHOTS}{stamp}/"
    etags = etags or {}
    objects = {
        key: {"sha256": digest(body), "size": len(body), **({"etag": etags[key]} if key in etags else {})}
        for key, body in snap.objects.items()
    }
    return {
        "format": FORMAT,
        "generator": generator,
        "published_at": published_at.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "snapshot": prefix,
        "catalog": {
            name: {"key": f"{prefix}{CATALOG_FOLDER}{name}", "sha256": digest(body), "size": len(body)}
            for name, body in snap.catalog.items()
        },
        "counts": {kind: len(ids) for kind, ids in snap.lookup.items()} | {"objects": len(objects)},
        **snap.lookup,
        "objects": objects,
    }


# -- keys ---------------------------------------------------------------------------------------------------


def escape(segment: str) -> str:
    """``segment`` as one key segment: every character outside ``A-Z a-z 0-9 . _ -`` as ``%XX``."""
    if _SAFE.issuperset(segment):
        return segment
    # quote leaves the unreserved characters of RFC 3986 as they are: "~" too, which is not in the set
    return quote(segment, safe="").replace("~", "%7E")


def unescape(segment: str) -> str:
    """What ``escape`` was given."""
    return unquote(segment) if "%" in segment else segment


def model_path(model_id: str) -> str:
    """The two segments a model is named by in a key: ``provider/escaped-name``."""
    provider, _, name = model_id.partition("/")
    return f"{escape(provider)}/{escape(name)}"


def platform_key(platform_id: str) -> str:
    return f"platforms/{escape(platform_id)}.json"


def provider_key(provider_id: str) -> str:
    return f"providers/{escape(provider_id)}.json"


def model_key(model_id: str) -> str:
    return f"models/by-provider/{model_path(model_id)}.json"


def model_on_platform_key(platform_id: str, model_id: str) -> str:
    return f"models/by-platform/{escape(platform_id)}/{model_path(model_id)}.json"


def route_key(route: Mapping[str, Any]) -> str:
    """``routes/by-model/{model}/route-{priority}-{platform}.json`` for a route record."""
    priority = route.get("priority", DEFAULT_PRIORITY)
    return f"routes/by-model/{model_path(route['model'])}/route-{priority}-{escape(route['platform'])}.json"


def route_on_platform_key(route: Mapping[str, Any]) -> str:
    return f"routes/by-platform/{escape(route['platform'])}/{model_path(route['model'])}.json"


_KEY_FORMS = (
    (re.compile(r"platforms/([^/]+)\.json"), "platform"),
    (re.compile(r"providers/([^/]+)\.json"), "provider"),
    (re.compile(r"models/by-provider/([^/]+)/([^/]+)\.json"), "model"),
    (re.compile(r"models/by-platform/[^/]+/([^/]+)/([^/]+)\.json"), "model"),
    (re.compile(r"routes/by-model/([^/]+)/([^/]+)/route-\d+-([^/]+)\.json"), "route"),
    (re.compile(r"routes/by-platform/([^/]+)/([^/]+)/([^/]+)\.json"), "route"),
)


def record_of(key: str) -> tuple[str, str] | None:
    """``(kind, id)`` of the record a layout key holds (kind: platform, provider, model, route), or None
    for any other key."""
    for pattern, kind in _KEY_FORMS:
        found = pattern.fullmatch(key)
        if found is None:
            continue
        parts = [unescape(p) for p in found.groups()]
        if kind == "route" and key.startswith("routes/by-model/"):
            parts = [parts[2], parts[0], parts[1]]  # platform/provider/name
        return kind, "/".join(parts)
    return None


# -- bytes --------------------------------------------------------------------------------------------------


def encode(document: Any) -> bytes:
    """A layout object's bytes: sorted keys, indented, a final newline (the same data, the same bytes)."""
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n").encode()


def digest(body: bytes) -> str:
    """The sha256 of ``body``, in hex: what the manifest and ``x-amz-meta-sha256`` record."""
    return hashlib.sha256(body).hexdigest()


def _compact(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def _documents(reg: Registry) -> tuple[dict[str, Any], dict[str, Any]]:
    """The compiled index and the records ``reg`` answers from now (the catalog with its store laid over):
    a ``Registry`` over the two answers as ``reg`` does."""
    view = reg.view()
    return view._base_index, view._all()


def _pricing(prices: Mapping[str, Any], records: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"unit": PRICE_UNIT, "models": {}, "routes": {}, "deployments": {}}
    for subject, pricing in prices.items():
        if "@" in subject:
            out["deployments"][subject] = pricing
        elif subject in records["models"]:
            out["models"][subject] = pricing
        else:
            out["routes"][subject] = pricing
    return out
