"""Seed 001's ``Service__Model_Registry``, by its names, over a ``Registry``.

Each method is one library call. Where the seed returns one of its schema records, this returns the
library's own (``Platform``, ``Provider``, ``Model``, ``Route`` from ``modelreg.schema``), whose fields
carry modelreg's names (``id`` for ``platform_id``, ``provider`` for ``provider_id``, ...). Where it
returns an id (``create_*``) or a flag (``update_*``, ``delete_*``), so does this; a failure is never
``False`` but the library's own error: ``ModelNotFoundError`` for an unknown id, ``ValidationError`` for
a bad record, ``ConflictError`` for a stale ``version``, ``InUseError`` for a removal others depend on,
``StoreError`` for a write to a registry loaded without a store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelreg.registry import Registry
    from modelreg.schema import Model, Platform, Provider, Route

_FILTER_NAMES = {"provider_id": "provider", "platform_id": "platform", "capabilities": "required"}
"""Seed 001's names for ``list_models`` filters -> ``Registry.find``'s."""


class RegistryService:
    """Seed 001's registry service over ``registry``; writes are logged in the store as ``actor``.

    Methods that take a ``model_id`` accept any name the registry resolves (canonical ids included), except
    the writes, which name the record exactly. Writes take an optional keyword ``version``: the version you
    read (``registry.version(kind, id)``), so that a change made since is a ``ConflictError``; without it the
    write applies to the record as it is now.
    """

    def __init__(self, registry: Registry, *, actor: str = "compat") -> None:
        self.registry = registry
        self.actor = actor

    # -- platforms ---------------------------------------------------------------------------------------

    def create_platform(self, platform: Platform | Mapping[str, Any]) -> str:
        """Add a platform; returns its id."""
        return self._create("platform", platform)

    def get_platform(self, platform_id: str) -> Platform:
        """The platform with this id."""
        return self.registry.platform(platform_id)

    def update_platform(self, platform_id: str, updates: Mapping[str, Any], *, version: int | None = None) -> bool:
        """Change the fields ``updates`` names (nested objects merge); True once written."""
        return self._update("platform", platform_id, updates, version)

    def delete_platform(self, platform_id: str, *, version: int | None = None) -> bool:
        """Remove a platform (a catalog one is hidden); True once done."""
        return self._delete("platform", platform_id, version)

    def list_platforms(self, status: str | None = None) -> list[Platform]:
        """Every platform, or those with this ``status`` (active, beta, deprecated)."""
        return [p for p in self.registry.platforms() if status is None or p.status == status]

    # -- providers ---------------------------------------------------------------------------------------

    def create_provider(self, provider: Provider | Mapping[str, Any]) -> str:
        """Add a provider (a maker of models); returns its id."""
        return self._create("provider", provider)

    def get_provider(self, provider_id: str) -> Provider:
        """The provider with this id."""
        return self.registry.provider(provider_id)

    def update_provider(self, provider_id: str, updates: Mapping[str, Any], *, version: int | None = None) -> bool:
        """Change the fields ``updates`` names; True once written."""
        return self._update("provider", provider_id, updates, version)

    def delete_provider(self, provider_id: str, *, version: int | None = None) -> bool:
        """Remove a provider (refused while models or platforms name it); True once done."""
        return self._delete("provider", provider_id, version)

    def list_providers(self, platform_id: str | None = None) -> list[Provider]:
        """Every provider, or those ``platform_id`` serves (its ``supported_providers``)."""
        providers = self.registry.providers()
        if platform_id is None:
            return providers
        served = set(self.registry.platform(platform_id).supported_providers)
        return [p for p in providers if p.id in served]

    # -- models --------------------------------------------------------------------------------------------

    def create_model(self, model: Model | Mapping[str, Any]) -> str:
        """Add a model (a fine-tune, a private one); returns its canonical id."""
        return self._create("model", model)

    def get_model(self, model_id: str) -> Model:
        """The model ``model_id`` means."""
        return self.registry.resolve(model_id)

    def update_model(self, model_id: str, updates: Mapping[str, Any], *, version: int | None = None) -> bool:
        """Change the fields ``updates`` names (prices change through ``Registry.set_price``); True once written."""
        return self._update("model", model_id, updates, version)

    def delete_model(self, model_id: str, *, version: int | None = None) -> bool:
        """Remove a model (refused while routes serve it); True once done."""
        return self._delete("model", model_id, version)

    def list_models(self, filters: Mapping[str, Any] | None = None) -> list[Model]:
        """The models matching every filter, by id: ``Registry.find``'s conditions (``provider``, ``family``,
        ``platform``, ``status``, ``required``, ``min_context``, ...; also the seed's ``provider_id``,
        ``platform_id`` and ``capabilities``). Deprecated and retired models are listed unless
        ``include_deprecated`` is False."""
        conditions = {_FILTER_NAMES.get(name, name): value for name, value in (filters or {}).items()}
        return self.registry.find(**{"include_deprecated": True, **conditions})

    # -- routes ----------------------------------------------------------------------------------------------

    def create_route(self, route: Route | Mapping[str, Any]) -> str:
        """Add a route (a model served on a platform); returns its id."""
        return self._create("route", route)

    def get_routes_for_model(self, model_id: str) -> list[Route]:
        """The routes serving the model, best priority first."""
        return self.registry.routes(self.registry.resolve(model_id).id)

    def update_route_priority(self, route_id: str, priority: int, *, version: int | None = None) -> bool:
        """Set a route's priority (1 = first choice, the maker's own API); True once written."""
        self.registry.update_route_priority(route_id, priority, actor=self.actor, version=version)
        return True

    def get_best_route(self, model_id: str) -> Route:
        """The usable route of the model with the lowest priority number (``NoRouteError`` when none)."""
        return self.registry.best_route(model_id)

    # -- queries -------------------------------------------------------------------------------------------------

    def find_models_with_capabilities(
        self,
        required: Iterable[str] = (),
        optional: Iterable[str] = (),
        excluded: Iterable[str] = (),
        *,
        include_deprecated: bool = False,
    ) -> list[Model]:
        """Models with every ``required`` capability and none of ``excluded``, those with more of
        ``optional`` first, then by id; deprecated and retired models only with ``include_deprecated``."""
        return self.registry.find(
            required=required, optional=optional, excluded=excluded, include_deprecated=include_deprecated
        )

    def find_cheapest_route_for_prompt(
        self, prompt_tokens: int, max_output_tokens: int, required_capabilities: Iterable[str] = ()
    ) -> tuple[Route, Decimal]:
        """The cheapest usable, priced route whose model has ``required_capabilities`` and holds the request,
        and the request's cost there in USD (``Registry.cheapest_route`` gives the whole ``Cost``)."""
        route, cost = self.registry.cheapest_route(prompt_tokens, max_output_tokens, required_capabilities)
        return route, cost.total

    def get_model_availability(self, model_id: str) -> dict[str, list[Route]]:
        """Platform id -> the routes serving the model there."""
        return self.registry.availability(model_id)

    # -- writes, shared ----------------------------------------------------------------------------------------

    def _create(self, kind: str, record: Any) -> str:
        created: str = self.registry.create(kind, record, actor=self.actor).id
        return created

    def _update(self, kind: str, record_id: str, updates: Mapping[str, Any], version: int | None) -> bool:
        current = self.registry.version(kind, record_id) if version is None else version
        self.registry.update(kind, record_id, updates, version=current, actor=self.actor)
        return True

    def _delete(self, kind: str, record_id: str, version: int | None) -> bool:
        current = self.registry.version(kind, record_id) if version is None else version
        self.registry.delete(kind, record_id, version=current, actor=self.actor)
        return True
