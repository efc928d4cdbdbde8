"""The compiled index: the whole catalog as one compact JSON document that loads in milliseconds.

Shape (format 1)::

    {"format": 1, "meta": {"conflicts": n, "snapshots": {source: id}},
     "providers": {id: Provider}, "platforms": {id: Platform},
     "models": {id: Model}, "routes": {id: Route},          # fields at their defaults are left out
     "names": {name: [model_id, route_id or "", region or ""]}}   # every name that resolves exactly

``names`` is precomputed so that resolving a name is one dict lookup. When one name could mean two
things, the stronger claim wins: a canonical id, then a model's own name or alias, then a maker's own
API key, then a platform's key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelreg.errors import CatalogError

if TYPE_CHECKING:
    from modelreg.sync.merge import Catalog

INDEX_FILE = "index.json"
FORMAT = 1


def compile_index(catalog: Catalog) -> dict[str, Any]:
    """The index document for ``catalog``."""
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
        own = route.priority == 1
        claim(route.id, route.model, route.id, 1)
        for deployment in route.deployments:
            region = deployment.region or ""
            for key in deployment.keys:
                claim(key, route.model, route.id, 2 if own else 3, region)
            claim(f"{route.platform}/{deployment.model_string}", route.model, route.id, 3, region)

    def dump(record: Any) -> dict[str, Any]:
        dumped: dict[str, Any] = record.model_dump(mode="json", exclude_defaults=True)
        return dumped

    snapshots = {ref.source: ref.as_of for m in catalog.models for ref in m.sources if ref.as_of}
    return {
        "format": FORMAT,
        "meta": {"conflicts": len(catalog.conflicts), "snapshots": dict(sorted(snapshots.items()))},
        "providers": {p.id: dump(p) for p in catalog.providers},
        "platforms": {p.id: dump(p) for p in catalog.platforms},
        "models": {m.id: dump(m) for m in catalog.models},
        "routes": {r.id: dump(r) for r in catalog.routes},
        "names": {
            name: [model_id, route_id, region] for name, (_, model_id, route_id, region) in sorted(names.items())
        },
    }


def load_index(path: Path) -> dict[str, Any]:
    """Read a compiled index, refusing one of another format."""
    try:
        with path.open("rb") as handle:
            document: dict[str, Any] = json.load(handle)
    except FileNotFoundError as exc:
        raise CatalogError(f"no compiled catalog at {path}: run `modelreg catalog build`") from exc
    except ValueError as exc:
        raise CatalogError(f"the compiled catalog {path} is not valid JSON: {exc}") from exc
    if document.get("format") != FORMAT:
        raise CatalogError(f"{path} has index format {document.get('format')!r}; this modelreg reads {FORMAT}")
    return document
