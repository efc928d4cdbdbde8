"""The registry in models.dev's layout: one TOML file per model a provider serves, as models.dev keeps them,
so the files can be read by models.dev's tools (and by ``sync/modelsdev.py``, the inverse of this module).

    DIR/providers/<provider>/provider.toml              name, env, doc, api
    DIR/providers/<provider>/models/<model>.toml        one served model

A models.dev "provider" is the API serving the model: each of modelreg's platforms, under models.dev's id
for it where models.dev has one (``amazon-bedrock``, ``google``, ``google-vertex``, …; ``rules.yaml``'s
``upstream_platforms: models.dev``), else the platform's id. ``<model>`` is the route's model string on that
platform (a ``/`` in it makes a folder, as in models.dev: ``openrouter/models/openai/gpt-4o.toml``).

A model file holds::

    name, release_date, last_updated (the price's effective date, else the release date), attachment (a file
    or image goes in), reasoning, tool_call, structured_output, temperature (false where the model refuses
    it), knowledge, open_weights, status (deprecated, beta, or alpha for a preview)
    [cost]        input, output, cache_read, cache_write, reasoning, input_audio, output_audio: USD per 1M
                  tokens, what the route bills (the maker's price on its own API); tiers as
                  [[cost.tiers]] with tier = {type = "context", size = N}
    [limit]       context, input (where it differs from the context), output
    [modalities]  input, output
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelreg.registry import Registry
    from modelreg.schema import Limits, Model, Platform, Pricing, Route

COST_KINDS = ("input", "output", "cache_read", "cache_write", "reasoning", "input_audio", "output_audio")
TIER_KINDS = ("input", "output", "cache_read", "cache_write")
_STATUS = {"deprecated": "deprecated", "retired": "deprecated", "beta": "beta", "preview": "alpha"}


def files(reg: Registry) -> dict[str, dict[str, Any]]:
    """Every file of the layout: path (relative, POSIX) -> its TOML document, in path order. A route whose
    model string cannot be a path inside its folder (an empty or ``..`` part) is left out."""
    names = provider_ids()
    models = {model.id: model for model in reg.models()}
    platforms = {platform.id: platform for platform in reg.platforms()}
    out: dict[str, dict[str, Any]] = {}
    for route in sorted(reg.routes(), key=lambda r: r.id):
        parts = PurePosixPath(route.model_string).parts
        if not parts or any(part in ("", ".", "..") for part in parts) or route.model_string.startswith("/"):
            continue
        provider = names.get(route.platform, route.platform)
        out.setdefault(f"providers/{provider}/provider.toml", provider_document(platforms[route.platform]))
        path = f"providers/{provider}/models/{route.model_string}.toml"
        out.setdefault(path, model_document(models[route.model], route))
    return dict(sorted(out.items()))


def write(reg: Registry, directory: Path) -> dict[str, int]:
    """Write the layout under ``directory`` (made as needed; files written atomically); returns how many
    provider and model files."""
    import tomli_w

    written = files(reg)
    for relative, data in written.items():
        path = directory.joinpath(*relative.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
        tmp.replace(path)
    providers = sum(1 for relative in written if relative.endswith("/provider.toml"))
    return {"providers": providers, "models": len(written) - providers}


def provider_ids() -> dict[str, str]:
    """modelreg platform id -> models.dev's provider id (the first ``rules.yaml`` names for it)."""
    from modelreg.catalog import CATALOG_DIR
    from modelreg.catalog.rules import Rules

    names: dict[str, str] = {}
    for theirs, ours in Rules.load(CATALOG_DIR / "rules.yaml").upstream_platforms["models.dev"].items():
        names.setdefault(ours, theirs)
    return names


def provider_document(platform: Platform) -> dict[str, Any]:
    """A provider.toml: the platform's name, credentials' environment variables, docs and API base URL."""
    data: dict[str, Any] = {"name": platform.name, "env": list(platform.auth_env)}
    if platform.docs_url:
        data["doc"] = platform.docs_url
    if platform.base_url:
        data["api"] = platform.base_url
    return data


def model_document(model: Model, route: Route) -> dict[str, Any]:
    """One model file: ``model`` as ``route`` serves it (see the module docstring)."""
    capabilities = {c.value for c in model.capabilities}
    modalities_in = [m.value for m in model.modalities_in]
    data: dict[str, Any] = {"name": model.display_name or model.name}
    pricing = model.pricing if route.direct or route.pricing.is_empty() else route.pricing
    released = model.lifecycle.release_date
    updated = pricing.effective_from.isoformat() if isinstance(pricing.effective_from, dt.date) else released
    if released:
        data["release_date"] = released
    if updated:
        data["last_updated"] = updated
    data["attachment"] = any(m != "text" for m in modalities_in)
    data["reasoning"] = "reasoning" in capabilities
    data["tool_call"] = "tools" in capabilities
    data["structured_output"] = "structured_output" in capabilities
    temperature = model.parameters.get("temperature")
    data["temperature"] = temperature is None or temperature.supported
    if model.knowledge_cutoff:
        data["knowledge"] = model.knowledge_cutoff
    if model.open_weights is not None:
        data["open_weights"] = model.open_weights
    status = _STATUS.get(model.lifecycle.status.value)
    if status:
        data["status"] = status
    cost = _cost(pricing)
    if cost:
        data["cost"] = cost
    limit = _limit(route.limits or model.limits)
    if limit:
        data["limit"] = limit
    data["modalities"] = {"input": modalities_in, "output": [m.value for m in model.modalities_out]}
    return data


def _cost(pricing: Pricing) -> dict[str, Any]:
    cost: dict[str, Any] = {
        kind: _plain(getattr(pricing, kind)) for kind in COST_KINDS if getattr(pricing, kind) is not None
    }
    tiers = []
    for tier in pricing.tiers:
        prices = {kind: _plain(getattr(tier, kind)) for kind in TIER_KINDS if getattr(tier, kind) is not None}
        tiers.append({"tier": {"type": "context", "size": tier.above_tokens}, **prices})
    if tiers:
        cost["tiers"] = tiers
    return cost


def _limit(limits: Limits) -> dict[str, int]:
    context = limits.context_window or limits.max_input_tokens
    limit = {"context": context} if context else {}
    if limits.max_input_tokens and limits.max_input_tokens != context:
        limit["input"] = limits.max_input_tokens
    if limits.max_output_tokens:
        limit["output"] = limits.max_output_tokens
    return limit


def _plain(value: Decimal) -> Decimal:
    """A price as TOML writes it exactly, as a float literal: a Decimal (tomli-w writes its digits, never through
    a binary float), ``10.0`` rather than ``1E+1``."""
    value = value.normalize()
    return Decimal(f"{int(value)}.0") if value == value.to_integral_value() else value
