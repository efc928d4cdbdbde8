"""Ready client configs for one model (seed 000's ``--generate-config`` and ``--quickstart``).

``render(reg, "gpt-5", backend="openai", format=…)`` writes the model on the platform ``backend`` (its
best route by priority when left out), with its limits, its default parameters and the environment
variables that hold the platform's credentials — names only, never a key's value. The routes after it in
the registry's fallback chain (``Registry.fallback_chain``: usable routes, by status and priority) are
its fallbacks, unless ``fallbacks=False``. Formats:

* ``yaml`` — seed 003's models.yaml (map shape) for this model: ``models: {<platform>:<model string>:
  {provider, type, size_b, config: {model_name, api_key_env, base_url, context_window, max_tokens,
  <default parameters>}}}``, ``preferences: {default, fallback}``; each fallback route is listed too.
* ``litellm-proxy`` — a LiteLLM proxy ``config.yaml``: one ``model_list`` entry per route, the first
  named as the model (``gpt-5``), the others ``<name>@<platform>``; ``litellm_params.model`` is
  ``<platform>/<model string>`` where LiteLLM names the platform as we do, else ``openai/<model string>``
  with the platform's ``api_base`` (an OpenAI-compatible endpoint); credentials are
  ``os.environ/<VAR>`` references; ``model_info`` carries limits and per-token prices; with fallbacks,
  ``router_settings.fallbacks: [{<name>: [<name>@<platform>, …]}]``.
* ``env`` — ``KEY=VALUE`` lines: ``PROVIDER``, ``MODEL`` (what to send as ``model``), ``MODEL_ID``,
  ``BASE_URL``, ``CONTEXT_WINDOW``, ``MAX_OUTPUT_TOKENS`` and each credential variable, left empty.

``pick(reg, provider=…, need=…, budget=…)`` is ``modelreg quickstart``'s choice, by these rules:

1. candidates: the current models (not deprecated or retired) served on ``provider`` through a usable
   route with the need's capabilities (``NEEDS``: chat, code = chat + tools, vision, reasoning, cheap =
   chat), found with ``Registry.find_ids``; left out: image generators, embedding and rerank models,
   fine-tunes, and a context window known to be under 8,192 tokens;
2. price: that route's output price per 1M tokens; it must be at most ``budget``; an unpriced or
   zero-priced route counts only on a local platform (where it is free);
3. order: for ``cheap``, the lowest price (three input tokens to one output), then the larger context;
   otherwise the current generation first (released within a year of the newest candidate), then the
   dearest (within a platform, price tracks the tier), then the newest; for ``code``, a model whose name
   says code comes first. Ties go to the id.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from modelreg.errors import DeprecatedModelWarning, ValidationError

if TYPE_CHECKING:
    from modelreg.registry import Registry
    from modelreg.schema import Model, Platform, Route

FORMATS = ("yaml", "litellm-proxy", "env")
NEEDS: dict[str, tuple[str, ...]] = {
    "chat": ("chat",),
    "code": ("chat", "tools"),
    "vision": ("chat", "vision"),
    "reasoning": ("chat", "reasoning"),
    "cheap": ("chat",),
}
USABLE = ("active", "degraded")
MILLION = Decimal(1_000_000)
# Platforms LiteLLM names as we do (its provider prefixes, https://docs.litellm.ai/docs/providers); any
# other platform is called as an OpenAI-compatible endpoint at its base URL.
LITELLM_PROVIDERS = frozenset(
    {
        "openai",
        "anthropic",
        "gemini",
        "xai",
        "mistral",
        "deepseek",
        "cohere",
        "openrouter",
        "vertex_ai",
        "bedrock",
        "azure",
        "azure_ai",
        "together_ai",
        "fireworks_ai",
        "groq",
        "cerebras",
        "ollama",
    }
)
# A credential variable -> the litellm_params key that takes it; the first variable of a platform that
# maps to a key wins (Gemini's GEMINI_API_KEY before GOOGLE_API_KEY).
LITELLM_ENV_PARAMS = (
    (re.compile(r"^AWS_ACCESS_KEY_ID$"), "aws_access_key_id"),
    (re.compile(r"^AWS_SECRET_ACCESS_KEY$"), "aws_secret_access_key"),
    (re.compile(r"^AWS_REGION(_NAME)?$"), "aws_region_name"),
    (re.compile(r"^VERTEXAI_PROJECT$"), "vertex_project"),
    (re.compile(r"^VERTEXAI_LOCATION$"), "vertex_location"),
    (re.compile(r"^GOOGLE_APPLICATION_CREDENTIALS$"), "vertex_credentials"),
    (re.compile(r"_API_VERSION$"), "api_version"),
    (re.compile(r"_(API_BASE|BASE_URL|HOST)$"), "api_base"),
    (re.compile(r"_(API_KEY|TOKEN)$"), "api_key"),
)
CODE_WORDS = ("code", "devstral")
NOT_CHAT = ("image_generation", "embedding", "rerank")  # models that answer, but not as a chat model
MIN_CONTEXT = 8192


class Target(NamedTuple):
    """The model a config is for, its route first and then its fallback routes, and their platforms."""

    model: Model
    routes: list[Route]
    platforms: dict[str, Platform]

    @property
    def route(self) -> Route:
        return self.routes[0]


def target(reg: Registry, model: str, *, backend: str | None = None, fallbacks: bool = True) -> Target:
    """What a config for ``model`` (any name) on ``backend`` (a platform id; default: the model's best
    route by priority) holds: a ValidationError says where the model is served when ``backend`` does
    not serve it, or serves it through a route that is not usable."""
    view = reg.view()
    found = view.lookup(model)
    if backend is not None:
        _platform(view, backend, "backend")
        served = [r for r in view.routes(found.model.id) if r.platform == backend]
        if not served:
            where = sorted({r.platform for r in view.routes(found.model.id)})
            raise ValidationError(
                f"{found.model.id} is not served on {backend}",
                [("backend", f"one of {', '.join(where)}" if where else "no platform serves it")],
            )
        usable = [r for r in served if r.status in USABLE]
        if not usable:
            raise ValidationError(
                f"{found.model.id} is {served[0].status} on {backend}", [("backend", "choose a usable route")]
            )
        first: Route | None = usable[0]
    elif found.route is not None and found.route.status in USABLE:
        first = found.route
    else:
        first = None
    with warnings.catch_warnings():  # lookup has warned once about a model going away
        warnings.simplefilter("ignore", DeprecatedModelWarning)
        if first is None:
            first = view.best_route(found.model.id)
        chain = view.fallback_chain(found.model.id) if fallbacks else []
    routes = [first, *(r for r in chain if r.id != first.id)]
    platforms = {r.platform: view.platform(r.platform) for r in routes}
    return Target(found.model, routes, platforms)


def render(
    reg: Registry, model: str, *, backend: str | None = None, format: str = "yaml", fallbacks: bool = True
) -> str:
    """The text of a config for ``model`` on ``backend`` in ``format`` (one of ``FORMATS``)."""
    if format not in FORMATS:
        raise ValidationError("unknown config format", [("format", f"one of {', '.join(FORMATS)}")])
    chosen = target(reg, model, backend=backend, fallbacks=fallbacks)
    if format == "env":
        return env_text(chosen)
    from modelreg.catalog.yamlio import dumps

    data = yaml_config(chosen) if format == "yaml" else litellm_proxy(chosen)
    return dumps(data, header=_header(chosen))


def yaml_config(chosen: Target) -> dict[str, Any]:
    """Seed 003's models.yaml (map shape) for ``chosen``: its route first, the fallbacks after."""
    from modelreg.names import size_from_name

    model = chosen.model
    models: dict[str, Any] = {}
    for route in chosen.routes:
        platform = chosen.platforms[route.platform]
        entry: dict[str, Any] = {"provider": model.provider, "type": route.platform}
        size = model.size_b if model.size_b is not None else size_from_name(route.model_string)
        if size is not None:
            entry["size_b"] = int(size) if size == size.to_integral_value() else size
        config: dict[str, Any] = {"model_name": route.model_string}
        key = _key_variable(platform)
        if key:
            config["api_key_env"] = key
        if len(platform.auth_env) > 1:
            config["env"] = list(platform.auth_env)
        if platform.base_url:
            config["base_url"] = platform.base_url
        limits = route.limits or model.limits
        if limits.context_window:
            config["context_window"] = limits.context_window
        if limits.max_output_tokens:
            config["max_tokens"] = limits.max_output_tokens
        config.update(model.default_parameters)
        entry["config"] = config
        models[f"{route.platform}:{route.model_string}"] = entry
    ids = list(models)
    return {"models": models, "preferences": {"default": ids[0], "fallback": ids[1:]}}


def litellm_proxy(chosen: Target) -> dict[str, Any]:
    """A LiteLLM proxy ``config.yaml`` for ``chosen``: ``model_list`` and, with fallbacks, ``router_settings``."""
    model = chosen.model
    names = [model.name] + [f"{model.name}@{route.platform}" for route in chosen.routes[1:]]
    entries = []
    for name, route in zip(names, chosen.routes, strict=True):
        platform = chosen.platforms[route.platform]
        native = route.platform in LITELLM_PROVIDERS
        params: dict[str, Any] = {"model": f"{route.platform if native else 'openai'}/{route.model_string}"}
        params.update({key: f"os.environ/{variable}" for key, variable in _litellm_auth(platform).items()})
        if platform.base_url and "api_base" not in params and (not native or platform.kind.value == "local"):
            params["api_base"] = platform.base_url
        params.update(model.default_parameters)
        entries.append({"model_name": name, "litellm_params": params, "model_info": _model_info(model, route)})
    config: dict[str, Any] = {"model_list": entries}
    if len(names) > 1:
        config["router_settings"] = {"num_retries": 2, "fallbacks": [{names[0]: names[1:]}]}
    return config


def env_text(chosen: Target) -> str:
    """``KEY=VALUE`` lines (dotenv) for ``chosen``'s first route; credential variables are left empty."""
    model, route = chosen.model, chosen.route
    platform = chosen.platforms[route.platform]
    limits = route.limits or model.limits
    pairs = [("PROVIDER", route.platform), ("MODEL", route.model_string), ("MODEL_ID", model.id)]
    if platform.base_url:
        pairs.append(("BASE_URL", platform.base_url))
    if limits.context_window:
        pairs.append(("CONTEXT_WINDOW", str(limits.context_window)))
    if limits.max_output_tokens:
        pairs.append(("MAX_OUTPUT_TOKENS", str(limits.max_output_tokens)))
    lines = [_header(chosen).rstrip("\n"), *(f"{key}={_quoted(value)}" for key, value in pairs)]
    if platform.auth_env:
        lines.append("# your credentials (never commit them):")
        lines += [f"{variable}=" for variable in platform.auth_env]
    return "\n".join(lines) + "\n"


# -- quickstart ------------------------------------------------------------------------------------------------


class Pick(NamedTuple):
    """The model quickstart chose, the route on the asked platform, and its output price per 1M tokens."""

    model: str
    route: str
    output_price: Decimal


def providers(reg: Registry) -> list[str]:
    """The platforms quickstart offers: active ones serving at least one current chat model, sorted."""
    view = reg.view()
    served = {p for row in view.facts() if "chat" in row.capabilities for p in row.platforms}
    return sorted(p.id for p in view.platforms() if p.status == "active" and p.id in served)


def pick(reg: Registry, *, provider: str, need: str, budget: Decimal) -> Pick:
    """The model for ``need`` on the platform ``provider`` at most ``budget`` USD per 1M output tokens, by
    the rules in this module's docstring; a ValidationError says why none qualifies."""
    if need not in NEEDS:
        raise ValidationError("unknown need", [("need", f"one of {', '.join(NEEDS)}")])
    view = reg.view()
    local = _platform(view, provider, "provider").kind.value == "local"
    candidates = []
    over: list[Decimal] = []
    for model_id in view.find_ids(platform=provider, required=NEEDS[need], excluded=NOT_CHAT):
        model = view.get(model_id)
        if "fine-tuned" in model.tags or model.name.startswith("ft:"):
            continue
        if (model.limits.context_window or MIN_CONTEXT) < MIN_CONTEXT:
            continue
        route = next((r for r in view.routes(model_id) if r.platform == provider and r.status in USABLE), None)
        if route is None:
            continue
        price_in, price_out = route.pricing.input, route.pricing.output
        if not price_out and not local:
            continue  # unpriced, or a zero price on a hosted platform: no real price
        price = price_out or Decimal(0)
        if price > budget:
            over.append(price)
            continue
        blended = (3 * (price_in or Decimal(0)) + price) / 4
        candidates.append((model, route, price, blended))
    if not candidates:
        hint = f"; the cheapest costs ${min(over)} per 1M output tokens" if over else ""
        raise ValidationError(
            f"no {need} model on {provider} within ${budget} per 1M output tokens{hint}",
            [("budget", "raise it, or choose another need or provider")],
        )
    if need == "cheap":
        candidates.sort(key=lambda c: (c[3], -(c[0].limits.context_window or 0), c[0].id))
    else:
        newest = max(_released(c[0]) for c in candidates)
        cutoff = newest - dt.timedelta(days=365) if newest > dt.date.min else newest

        def order(c: tuple[Model, Route, Decimal, Decimal]) -> tuple[Any, ...]:
            model, _, price, _ = c
            coding = need == "code" and any(word in model.name for word in CODE_WORDS)
            released = _released(model)
            return (not coding, released < cutoff, -price, -released.toordinal(), model.id)

        candidates.sort(key=order)
    model, route, price, _ = candidates[0]
    return Pick(model.id, route.id, price)


# -- helpers ---------------------------------------------------------------------------------------------------


def _platform(view: Registry, platform_id: str, field: str) -> Platform:
    """The platform ``platform_id``; a ValidationError naming the closest ones when there is none."""
    import difflib

    known = {p.id: p for p in view.platforms()}
    if platform_id not in known:
        close = difflib.get_close_matches(platform_id, known, n=3, cutoff=0.6)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise ValidationError(
            f"no platform named {platform_id!r}.{hint}", [(field, f"one of {', '.join(sorted(known))}")]
        )
    return known[platform_id]


def _header(chosen: Target) -> str:
    variables = [v for p in chosen.platforms.values() for v in p.auth_env]
    wanted = f"; set {', '.join(dict.fromkeys(variables))}" if variables else ""
    return f"# modelreg generate-config: {chosen.model.id} on {chosen.route.platform}{wanted}\n"


def _key_variable(platform: Platform) -> str | None:
    """The variable holding the platform's API key, if it takes one."""
    return _litellm_auth(platform).get("api_key")


def _litellm_auth(platform: Platform) -> dict[str, str]:
    found: dict[str, str] = {}
    for variable in platform.auth_env:
        for pattern, key in LITELLM_ENV_PARAMS:
            if pattern.search(variable):
                found.setdefault(key, variable)
                break
    return found


def _model_info(model: Model, route: Route) -> dict[str, Any]:
    caps = {c.value for c in model.capabilities}
    mode = (
        "embedding" if "embedding" in caps else "completion" if "chat" not in caps and "completion" in caps else "chat"
    )
    info: dict[str, Any] = {"id": route.id, "mode": mode}
    limits = route.limits or model.limits
    for key, value in (
        ("max_input_tokens", limits.max_input_tokens or limits.context_window),
        ("max_output_tokens", limits.max_output_tokens),
    ):
        if value:
            info[key] = value
    pricing = route.pricing if not route.pricing.is_empty() else model.pricing
    for key, kind in (("input_cost_per_token", "input"), ("output_cost_per_token", "output")):
        per_million = getattr(pricing, kind)
        if per_million is not None:
            info[key] = (Decimal(per_million) / MILLION).normalize()
    return info


def _released(model: Model) -> dt.date:
    text = model.lifecycle.release_date
    if not text:
        return dt.date.min
    try:
        return dt.date.fromisoformat(text if len(text) == 10 else f"{text}-01")
    except ValueError:
        return dt.date.min


def _quoted(value: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_./:@+-]*", value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
