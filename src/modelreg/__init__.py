"""modelreg: the single source of truth for large language models.

    >>> import modelreg
    >>> reg = modelreg.load()
    >>> reg.resolve("azure/gpt-4o").id
    'openai/gpt-4o'

The public API is what ``__all__`` lists; everything else may change between releases.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from modelreg.errors import (
    CatalogError,
    ConflictError,
    DeprecatedModelWarning,
    InUseError,
    ModelNotFoundError,
    ModelregError,
    RefreshWarning,
    SourceError,
    ValidationError,
)

if TYPE_CHECKING:
    import datetime as dt

    from modelreg.params import Issue
    from modelreg.queries import Migration, Quote
    from modelreg.schema import (
        Capability,
        Conflict,
        Deployment,
        Lifecycle,
        Limits,
        Modality,
        Model,
        ParameterConstraint,
        Performance,
        Platform,
        PlatformKind,
        PriceTier,
        Pricing,
        Provider,
        Route,
        SourceRef,
        Status,
        Verification,
    )
from modelreg.pricing import Cost
from modelreg.registry import Registry, Resolution

__version__ = "0.1.0"

__all__ = [
    "Capability",
    "CatalogError",
    "Conflict",
    "ConflictError",
    "Cost",
    "Deployment",
    "DeprecatedModelWarning",
    "InUseError",
    "Issue",
    "Lifecycle",
    "Limits",
    "Migration",
    "Modality",
    "Model",
    "ModelNotFoundError",
    "ModelregError",
    "ParameterConstraint",
    "Performance",
    "Platform",
    "PlatformKind",
    "PriceTier",
    "Pricing",
    "Provider",
    "Quote",
    "RefreshWarning",
    "Registry",
    "Resolution",
    "Route",
    "SourceError",
    "SourceRef",
    "Status",
    "ValidationError",
    "Verification",
    "__version__",
    "cheapest",
    "convert",
    "cost",
    "cost_from_usage",
    "default_registry",
    "explain",
    "find",
    "get",
    "load",
    "migrate",
    "resolve",
    "validate",
]

_SCHEMA = frozenset(
    {
        "Capability",
        "Conflict",
        "Deployment",
        "Lifecycle",
        "Limits",
        "Modality",
        "Model",
        "ParameterConstraint",
        "Performance",
        "Platform",
        "PlatformKind",
        "PriceTier",
        "Pricing",
        "Provider",
        "Route",
        "SourceRef",
        "Status",
        "Verification",
    }
)


_ELSEWHERE = {"Issue": "modelreg.params", "Migration": "modelreg.queries", "Quote": "modelreg.queries"}


def __getattr__(name: str) -> Any:
    # The schema types (pydantic) and the query and request types load on first use, so that
    # `import modelreg` and pricing a call stay fast.
    if name in _SCHEMA or name in _ELSEWHERE:
        import importlib

        return getattr(importlib.import_module(_ELSEWHERE.get(name, "modelreg.schema")), name)
    raise AttributeError(f"module 'modelreg' has no attribute {name!r}")


_default: Registry | None = None


def load(
    catalog_dir: str | os.PathLike[str] | None = None,
    *,
    aliases: str | os.PathLike[str] | None = None,
    database_url: str | None = None,
    poll_interval_ms: float | None = None,
    refresh: str | float | dt.timedelta | None = None,
    source: str | os.PathLike[str] | None = None,
) -> Registry:
    """A Registry over the bundled catalog (or the compiled catalog in ``catalog_dir``) with the store laid
    over it.

    The store is the database at ``database_url`` (any SQLAlchemy URL: ``sqlite:///path`` or
    ``postgresql://…``), else ``$MODELREG_DATABASE_URL``, else the SQLite file in your data folder when it
    exists; with none, the registry is read-only. Reads see what other processes commit to the store
    within ``poll_interval_ms`` milliseconds (else ``$MODELREG_POLL_INTERVAL_MS``, default 2; 0: on the
    next read), and this registry's own writes at once. ``aliases`` names a YAML file of your own names
    (``prod-chat: azure/gpt-4o``), else ``$MODELREG_ALIASES``.

    ``refresh`` (``"1d"``, ``"6h"``, seconds, a timedelta) loads instead a catalog rebuilt from the live
    LiteLLM cost map and models.dev at most once per that interval, cached in ``$MODELREG_CACHE_DIR`` (else
    the user's cache folder); when a refresh fails it warns (``modelreg.RefreshWarning``) and loads
    the last refreshed catalog, else the bundled one. It cannot be combined with ``catalog_dir``.

    ``source`` loads instead a snapshot ``modelreg publish`` wrote: ``"s3://bucket/prefix"``,
    ``"https://host/prefix/metadata/index.json"`` or a local copy of the prefix. It is cached (in
    ``$MODELREG_CACHE_DIR/published``, else the user's cache folder) and asked again at most once per
    ``refresh`` (default 5 minutes); when it cannot be read it warns (``RefreshWarning``) and loads the
    snapshot fetched last, and with none raises ``SourceError``. It cannot be combined with ``catalog_dir``.
    """
    from modelreg import settings

    if source is not None:
        if catalog_dir is not None:
            raise ValidationError(
                "pass catalog_dir or source, not both",
                [("source", "a published snapshot replaces the catalog in catalog_dir: leave one of them out")],
            )
        from modelreg.durations import parse_duration
        from modelreg.published import DEFAULT_TTL, published_catalog

        ttl = DEFAULT_TTL if refresh is None else parse_duration(refresh, field="refresh")
        catalog_dir = published_catalog(source, ttl=ttl)
    elif refresh is not None:
        if catalog_dir is not None:
            raise ValidationError(
                "pass catalog_dir or refresh, not both",
                [("refresh", "a refreshed catalog replaces the one in catalog_dir: leave one of them out")],
            )
        from modelreg.refresh import refreshed_catalog

        catalog_dir = refreshed_catalog(refresh)

    store = None
    url = database_url or settings.database_url()
    interval = settings.poll_interval_ms() if poll_interval_ms is None else poll_interval_ms
    if url is not None:
        from modelreg.store import Store

        store = Store.open(url, connect_timeout=settings.database_timeout())
    registry = Registry.from_catalog(
        catalog_dir if catalog_dir is not None else settings.catalog_path(), store=store, poll_interval_ms=interval
    )
    alias_file = aliases if aliases is not None else settings.aliases_path()
    if alias_file is not None:
        registry.add_aliases_from(alias_file)
    return registry


def default_registry() -> Registry:
    """The process-wide registry the module-level shortcuts use, loaded on first use."""
    global _default
    if _default is None:
        _default = load()
    return _default


def get(model_id: str) -> Model:
    """``default_registry().get(model_id)``: the model with this canonical id."""
    return default_registry().get(model_id)


def resolve(name: str) -> Model:
    """``default_registry().resolve(name)``: the model any known name means."""
    return default_registry().resolve(name)


def explain(name: str) -> Resolution:
    """``default_registry().explain(name)``: what a name means and which rule matched."""
    return default_registry().explain(name)


def cost(model: str, **usage: Any) -> Cost:
    """``default_registry().cost(model, input_tokens=…, output_tokens=…, …)``: exact USD for one call."""
    return default_registry().cost(model, **usage)


def cost_from_usage(model: str, usage: Mapping[str, Any], **options: Any) -> Cost:
    """``default_registry().cost_from_usage(model, usage)``: cost from a provider response's usage dict."""
    return default_registry().cost_from_usage(model, usage, **options)


def validate(model: str, params: Mapping[str, Any], **options: Any) -> list[Issue]:
    """``default_registry().validate(model, params)``: every problem with this request for this model."""
    return default_registry().validate(model, params, **options)


def convert(model: str, params: Mapping[str, Any], **options: Any) -> dict[str, Any]:
    """``default_registry().convert(model, params)``: the request in the serving API's own names."""
    return default_registry().convert(model, params, **options)


def find(**conditions: Any) -> list[Model]:
    """``default_registry().find(...)``: models matching every condition."""
    return default_registry().find(**conditions)


def cheapest(prompt_tokens: int, output_tokens: int, **conditions: Any) -> list[Quote]:
    """``default_registry().cheapest(...)``: the cheapest ways to run one request."""
    return default_registry().cheapest(prompt_tokens, output_tokens, **conditions)


def migrate(name: str) -> Migration:
    """``default_registry().migrate(name)``: where a deprecated or retired model leads."""
    return default_registry().migrate(name)
