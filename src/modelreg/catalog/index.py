"""The compiled catalog: two compact JSON documents that load in milliseconds.

``index.json`` holds what the hot paths need (resolving a name, pricing a call, warning about a model
that is going away), with no pydantic anywhere on the way::

    {"format": 2, "meta": {"conflicts": n, "snapshots": {source: id}},
     "names": {name: [model_id, route_id or "", deployment or ""]},   # every name that resolves exactly
     "prices": {model_id | route_id | "route_id@deployment": Pricing},  # where a price is known; {} =
     "lifecycle": {model_id: Lifecycle}}                                #   a deployment no source prices

A deployment is named by its region (``us``, ``eu-west-1``) or its priced variant (``:free``); a name of a
deployment with prices of its own is billed at those, and one whose prices are unknown ({}) is unpriced:
never billed at the route's or the maker's price.

``records.json`` holds every record in full, read the first time a whole record is asked for::

    {"format": 2, "providers": {id: Provider}, "platforms": {id: Platform},
     "models": {id: Model}, "routes": {id: Route}}                  # fields at their defaults left out

``names`` is precomputed so that resolving a name is one dict lookup. When one name could mean two
things, the stronger claim wins: a canonical id, then a model's own name or alias, then a maker's own
API key, then a platform's key.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from modelreg.collector import paused
from modelreg.errors import CatalogError

if TYPE_CHECKING:
    from modelreg.sync.merge import Catalog

INDEX_FILE = "index.json"
RECORDS_FILE = "records.json"
FORMAT = 2


def compile_records(catalog: Catalog) -> dict[str, Any]:
    """The records document for ``catalog``: every record in full."""
    return {
        "format": FORMAT,
        "providers": {p.id: _dump(p) for p in catalog.providers},
        "platforms": {p.id: _dump(p) for p in catalog.platforms},
        "models": {m.id: _dump(m) for m in catalog.models},
        "routes": {r.id: _dump(r) for r in catalog.routes},
    }


def _dump(record: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = record.model_dump(mode="json", exclude_defaults=True)
    return dumped


def deployment_tag(deployment: dict[str, Any]) -> str:
    """What names one deployment of a route: its region, else its priced variant, else ""."""
    return str(deployment.get("region") or deployment.get("variant") or "")


def prices_of(records: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The index's ``prices`` table from records (raw, JSON-shaped): every maker price, every platform
    route's price, and each deployment's own price (``{}`` where a deployment's price is unknown)."""
    prices = {mid: raw["pricing"] for mid, raw in records["models"].items() if raw.get("pricing")}
    for rid, raw in records["routes"].items():
        if raw.get("pricing") and not raw.get("direct"):  # a maker's own route bills the model's price
            prices[rid] = raw["pricing"]
        for deployment in raw.get("deployments", ()):
            tag = deployment_tag(deployment)
            if tag and "pricing" in deployment:
                prices[f"{rid}@{tag}"] = deployment["pricing"]
    return prices


def lifecycles_of(records: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The index's ``lifecycle`` table from records: every model whose lifecycle says anything."""
    return {mid: raw["lifecycle"] for mid, raw in records["models"].items() if raw.get("lifecycle")}


def compile_index(catalog: Catalog, records: dict[str, Any] | None = None) -> dict[str, Any]:
    """The index document for ``catalog`` (whose records document may be passed when already made)."""
    names: dict[str, tuple[int, str, str, str]] = {}

    def claim(name: str, model_id: str, route_id: str, strength: int, region: str = "") -> None:
        held = names.get(name)
        if held is None or strength < held[0]:
            names[name] = (strength, model_id, route_id, region)
        elif held[1] == model_id and not held[2] and route_id and strength == held[0]:
            names[name] = (strength, model_id, route_id, region)  # same model, and now we know the route too

    for model in catalog.models:
        claim(model.id, model.id, "", 0)
        claim(model.name, model.id, "", 2)
        for alias in model.aliases:
            claim(f"{model.provider}/{alias}", model.id, "", 1)
            claim(alias, model.id, "", 2)
    for route in catalog.routes:
        own = route.direct
        claim(route.id, route.model, route.id, 1)
        for deployment in route.deployments:
            region = deployment.region or deployment.variant or ""
            for key in deployment.keys:
                claim(key, route.model, route.id, 2 if own else 3, region)
            claim(f"{route.platform}/{deployment.model_string}", route.model, route.id, 3, region)
        claim(f"{route.platform}/{route.model_string}", route.model, route.id, 3)  # a store's overlay relies on it
    for name, model_id in catalog.names.items():  # curated platform strings no upstream entry carries
        claim(name, model_id, "", 3)

    records = records if records is not None else compile_records(catalog)
    snapshots = {ref.source: ref.as_of for m in catalog.models for ref in m.sources if ref.as_of}
    return {
        "format": FORMAT,
        "meta": {"conflicts": len(catalog.conflicts), "snapshots": dict(sorted(snapshots.items()))},
        "prices": prices_of(records),
        "lifecycle": lifecycles_of(records),
        "names": {
            name: [model_id, route_id, region] for name, (_, model_id, route_id, region) in sorted(names.items())
        },
    }


def load_index(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a compiled document (index or records), refusing one of another format."""
    try:
        with open(path, "rb") as handle, paused():  # every dict it makes lives on: nothing to collect
            document: dict[str, Any] = json.load(handle)
    except FileNotFoundError as exc:
        raise CatalogError(f"no compiled catalog at {path}: run `modelreg catalog build`") from exc
    except ValueError as exc:
        raise CatalogError(f"the compiled catalog {path} is not valid JSON: {exc}") from exc
    if document.get("format") != FORMAT:
        raise CatalogError(f"{path} has index format {document.get('format')!r}; this modelreg reads {FORMAT}")
    return document
