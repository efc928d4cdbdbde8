"""`Registry`: every question about models, answered from an in-memory view of the catalog.

The view is built once from the compiled index. Lookups are dict reads; a ``Model`` is validated the
first time it is asked for and kept, so repeated ``get``/``resolve`` calls allocate nothing.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelreg.catalog import index
from modelreg.errors import ModelNotFoundError
from modelreg.names import fold
from modelreg.schema import Capability, Model, Platform, Provider, Route


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a name means: the model, and the route when the name is a platform's string for it."""

    model: Model
    route: Route | None
    name: str


class Registry:
    """The catalog in memory. Build one with ``modelreg.load()``."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._raw_models: dict[str, dict[str, Any]] = document["models"]
        self._raw_routes: dict[str, dict[str, Any]] = document["routes"]
        self._names: dict[str, list[str]] = document["names"]
        self._meta: dict[str, Any] = document.get("meta", {})
        self._providers = {pid: Provider.model_validate(p) for pid, p in document["providers"].items()}
        self._platforms = {pid: Platform.model_validate(p) for pid, p in document["platforms"].items()}
        self._models: dict[str, Model] = {}
        self._routes: dict[str, Route] = {}
        self._routes_by_model: dict[str, list[str]] | None = None
        self._folded: dict[str, str] | None = None

    @classmethod
    def from_catalog(cls, catalog_dir: Path) -> Registry:
        """A registry over the compiled index in ``catalog_dir``."""
        return cls(index.load_index(catalog_dir / index.INDEX_FILE))

    # -- single records ---------------------------------------------------------------------------------

    def get(self, model_id: str) -> Model:
        """The model whose canonical id is ``model_id`` (``provider/model``), exactly."""
        model = self._models.get(model_id)
        if model is not None:
            return model
        raw = self._raw_models.get(model_id)
        if raw is None:
            raise ModelNotFoundError(model_id, self.suggest(model_id))
        model = self._models[model_id] = Model.model_validate(raw)
        return model

    def resolve(self, name: str) -> Model:
        """The model ``name`` means: a canonical id, a model's name or alias, or any upstream key
        (LiteLLM's ``azure/gpt-4o``, models.dev's ``amazon-bedrock/anthropic.claude-…``)."""
        return self.lookup(name).model

    def lookup(self, name: str) -> Resolution:
        """Like ``resolve``, but also returns the route when ``name`` is a platform's string."""
        target = self._names.get(name)
        if target is None:
            target = self._names.get(name.strip())
        if target is None:
            raise ModelNotFoundError(name, self.suggest(name))
        model_id, route_id = target
        return Resolution(self.get(model_id), self.route(route_id) if route_id else None, name)

    def route(self, route_id: str) -> Route:
        """The route whose id is ``route_id`` (``platform/provider/model``)."""
        route = self._routes.get(route_id)
        if route is None:
            raw = self._raw_routes.get(route_id)
            if raw is None:
                raise ModelNotFoundError(route_id, difflib.get_close_matches(route_id, self._raw_routes, n=5))
            route = self._routes[route_id] = Route.model_validate(raw)
        return route

    def provider(self, provider_id: str) -> Provider:
        return self._providers[provider_id]

    def platform(self, platform_id: str) -> Platform:
        return self._platforms[platform_id]

    # -- collections ------------------------------------------------------------------------------------

    def models(
        self,
        *,
        provider: str | None = None,
        family: str | None = None,
        capability: Capability | str | None = None,
    ) -> list[Model]:
        """Every model, optionally only those of ``provider``, of ``family`` or having ``capability``."""
        wanted = Capability(capability) if capability is not None else None
        out = []
        for model_id, raw in self._raw_models.items():
            if provider is not None and raw.get("provider") != provider:
                continue
            if family is not None and raw.get("family") != family:
                continue
            if wanted is not None and wanted.value not in raw.get("capabilities", ()):
                continue
            out.append(self.get(model_id))
        return out

    def providers(self) -> list[Provider]:
        return list(self._providers.values())

    def platforms(self) -> list[Platform]:
        return list(self._platforms.values())

    def families(self) -> list[str]:
        """Every family name, sorted."""
        return sorted({raw["family"] for raw in self._raw_models.values()})

    def routes(self, model_id: str | None = None) -> list[Route]:
        """The routes serving ``model_id`` (best priority first), or every route when None."""
        if model_id is None:
            return [self.route(rid) for rid in self._raw_routes]
        if self._routes_by_model is None:
            by_model: dict[str, list[str]] = defaultdict(list)
            for rid, raw in self._raw_routes.items():
                by_model[raw["model"]].append(rid)
            self._routes_by_model = dict(by_model)
        if model_id not in self._raw_models:
            raise ModelNotFoundError(model_id, self.suggest(model_id))
        routes = [self.route(rid) for rid in self._routes_by_model.get(model_id, ())]
        return sorted(routes, key=lambda r: (r.priority, r.platform))

    def names(self) -> Iterable[str]:
        """Every name that resolves exactly."""
        return self._names.keys()

    def stats(self) -> dict[str, Any]:
        """Counts of what the registry holds, for people and dashboards."""
        per_platform: dict[str, int] = defaultdict(int)
        for raw in self._raw_routes.values():
            per_platform[raw["platform"]] += 1
        per_provider: dict[str, int] = defaultdict(int)
        for raw in self._raw_models.values():
            per_provider[raw["provider"]] += 1
        return {
            "models": len(self._raw_models),
            "routes": len(self._raw_routes),
            "providers": len(self._providers),
            "platforms": len(self._platforms),
            "families": len(self.families()),
            "names": len(self._names),
            "conflicts": self._meta.get("conflicts", 0),
            "snapshots": self._meta.get("snapshots", {}),
            "routes_per_platform": dict(sorted(per_platform.items(), key=lambda kv: -kv[1])),
            "models_per_provider": dict(sorted(per_provider.items(), key=lambda kv: -kv[1])),
        }

    def __len__(self) -> int:
        return len(self._raw_models)

    def __contains__(self, model_id: object) -> bool:
        return model_id in self._raw_models

    # -- help for people --------------------------------------------------------------------------------

    def suggest(self, name: str, *, limit: int = 5) -> list[str]:
        """Canonical ids close to ``name``, best first: for "did you mean" messages."""
        if self._folded is None:
            folded: dict[str, str] = {}
            for known, (model_id, _) in self._names.items():
                folded.setdefault(fold(known), model_id)
                folded.setdefault(fold(known.rpartition("/")[2]), model_id)
            self._folded = folded
        key = fold(name)
        hits: list[str] = []
        exact = self._folded.get(key) or self._folded.get(fold(name.rpartition("/")[2]))
        if exact:
            hits.append(exact)
        for close in difflib.get_close_matches(key, self._folded.keys(), n=limit * 3, cutoff=0.75):
            hits.append(self._folded[close])
        seen: dict[str, None] = dict.fromkeys(hits)
        return list(seen)[:limit]
