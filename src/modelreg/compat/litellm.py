"""LiteLLM's model-info and cost functions by their names, answered from modelreg's data: for code moving
off LiteLLM. Replace ``from litellm import get_model_info, cost_per_token, …`` with
``from modelreg.compat.litellm import …``.

Names are read the way LiteLLM users write them (``gpt-4o``, ``anthropic/claude-…``, ``bedrock/…``,
``azure/…``, or a bare name with ``custom_llm_provider=``) by the registry's resolution; a platform's
string is answered with that platform's (and region's) prices and limits. Each function takes
``registry=`` (default: ``modelreg.default_registry()``).

Where modelreg answers differently from LiteLLM, on purpose:

* a price no source states is ``None`` in ``get_model_info`` (LiteLLM says 0), and ``cost_per_token`` /
  ``completion_cost`` of a model with no price raise ``modelreg.ValidationError`` instead of billing 0;
* costs are worked out exactly (``Registry.cost``, Decimal) and only the result is made a float;
* the ``supports_*`` flags modelreg keeps are True or False; the ones it does not keep
  (``supports_system_messages``, ``supports_tool_choice``, ``supports_assistant_prefill``, …) are None.

An unknown name raises ``ModelNotMappedError``: LiteLLM's name for it (``litellm.exceptions.ModelNotMappedError``,
a plain ``Exception`` subclass; older LiteLLM raises a bare ``Exception``) and LiteLLM's message ("This model
isn't mapped yet. model=…, custom_llm_provider=…."), so code that catches or matches it keeps working; here it
is a ``modelreg.ModelNotFoundError`` too, with ``suggestions`` in the message where modelreg has some.
The ``supports_*`` functions answer False for an unknown name, and ``get_supported_openai_params`` None,
as LiteLLM's do.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from modelreg.errors import ModelNotFoundError, ValidationError
from modelreg.export import litellm as cost_map

if TYPE_CHECKING:
    from modelreg.pricing import Cost
    from modelreg.registry import Registry, Resolution
    from modelreg.schema import Route

__all__ = [
    "ModelNotMappedError",
    "completion_cost",
    "cost_per_token",
    "get_model_info",
    "get_supported_openai_params",
    "supports_audio_input",
    "supports_audio_output",
    "supports_function_calling",
    "supports_parallel_function_calling",
    "supports_pdf_input",
    "supports_prompt_caching",
    "supports_reasoning",
    "supports_response_schema",
    "supports_vision",
    "supports_web_search",
]

_PROMPT_PARTS = (
    "input",
    "cache_read",
    "cache_write",
    "cache_write_1h",
    "audio_input",
    "images",
    "web_search",
    "requests",
)
_COMPLETION_PARTS = ("output", "reasoning", "audio_output", "output_image")
# LiteLLM's ModelInfo keys that modelreg has no fact for: present, None, as LiteLLM gives a key its map lacks
_UNKEPT_FLAGS = (
    "supports_system_messages",
    "supports_tool_choice",
    "supports_assistant_prefill",
    "supports_native_streaming",
    "supports_embedding_image_input",
    "supports_url_context",
)


class ModelNotMappedError(ModelNotFoundError):
    """No model answers to the name: LiteLLM's "This model isn't mapped yet" (``name``, ``suggestions``)."""

    def __init__(self, model: str, custom_llm_provider: str | None, suggestions: Sequence[str] = ()) -> None:
        super().__init__(model, suggestions)
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else " Add it to modelreg's store."
        self.args = (f"This model isn't mapped yet. model={model}, custom_llm_provider={custom_llm_provider}.{hint}",)


def get_model_info(
    model: str, custom_llm_provider: str | None = None, *, registry: Registry | None = None
) -> dict[str, Any]:
    """LiteLLM's ``get_model_info``: the model ``model`` means, as LiteLLM's ModelInfo dict — ``key``, the
    limits (``max_tokens``, ``max_input_tokens``, ``max_output_tokens``), the prices in USD per token (tiers,
    cache, batch, audio, image), ``litellm_provider``, ``mode``, the ``supports_*`` flags and
    ``supported_openai_params``. Prices and limits are the serving platform's where ``model`` names one."""
    reg = _registry(registry)
    found = _resolve(reg, model, custom_llm_provider)
    mode = cost_map.mode_of(found.model)
    route = found.route or next((r for r in reg.routes(found.model.id) if r.direct), None)
    stated = route.limits if route is not None and route.limits else found.model.limits
    name = found.name
    info: dict[str, Any] = {
        "key": _key(found, route),
        **dict.fromkeys(("max_tokens", "max_input_tokens", "max_output_tokens")),
        **dict.fromkeys(cost_map.PRICE_FIELDS.values()),
        **cost_map.limits(stated, mode=mode),
        "litellm_provider": cost_map.litellm_provider(
            _name(model, custom_llm_provider),
            route.platform if route else found.model.provider,
            found.model.provider,
            mode,
        ),
        "mode": mode,
        **{flag: found.model.has(capability) for capability, flag in cost_map.FLAGS.items()},
        **dict.fromkeys(_UNKEPT_FLAGS),
        "tpm": None,
        "rpm": None,
    }
    with contextlib.suppress(ValidationError):  # no price known: None, never 0
        info.update(cost_map.prices(reg.pricing(name)))
    info["supported_openai_params"] = _supported(reg, name)
    return info


def cost_per_token(
    model: str = "",
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    *,
    custom_llm_provider: str | None = None,
    cache_read_input_tokens: int = 0,
    cache_creation_input_tokens: int = 0,
    registry: Registry | None = None,
) -> tuple[float, float]:
    """LiteLLM's ``cost_per_token``: ``(prompt cost, completion cost)`` in USD for ``prompt_tokens`` in (cache
    reads and writes included, as LiteLLM counts them) and ``completion_tokens`` out, long-context tiers
    applied; worked out exactly by ``Registry.cost``, floats at the end."""
    reg = _registry(registry)
    cost = reg.cost(
        _resolve(reg, model, custom_llm_provider).name,
        input_tokens=prompt_tokens,
        output_tokens=completion_tokens,
        cache_read_tokens=cache_read_input_tokens,
        cache_write_tokens=cache_creation_input_tokens,
    )
    return _split(cost)


def completion_cost(
    completion_response: Any = None,
    model: str | None = None,
    *,
    custom_llm_provider: str | None = None,
    registry: Registry | None = None,
) -> float:
    """LiteLLM's ``completion_cost``: the USD cost of one response (a LiteLLM ``ModelResponse``, or any
    object or dict with ``model`` and an OpenAI-shaped ``usage``: ``prompt_tokens``, ``completion_tokens``
    and their ``*_details``, plus LiteLLM's ``cache_creation_input_tokens`` / ``cache_read_input_tokens``).
    ``model`` overrides the response's. Counts are read by ``modelreg.usage``; the cost is ``Registry.cost``'s."""
    from modelreg.usage import normalize

    reg = _registry(registry)
    hidden = _field(completion_response, "_hidden_params") or {}
    name = (
        model or _field(completion_response, "model") or (hidden.get("model") if isinstance(hidden, Mapping) else None)
    )
    if not name:
        raise ValidationError("completion_cost needs a model", [("model", "neither given nor in the response")])
    provider = custom_llm_provider or (hidden.get("custom_llm_provider") if isinstance(hidden, Mapping) else None)
    found = _resolve(reg, str(name), provider)
    usage, extra = _openai_usage(_field(completion_response, "usage"))
    counts: dict[str, Any] = normalize(usage).counts
    counts.update({k: v for k, v in extra.items() if v})
    input_tokens, output_tokens = counts.pop("input_tokens"), counts.pop("output_tokens")
    cost = reg.cost(found.name, input_tokens=input_tokens, output_tokens=output_tokens, **counts)
    return float(cost.total)


def get_supported_openai_params(
    model: str,
    custom_llm_provider: str | None = None,
    request_type: str = "chat_completion",
    *,
    registry: Registry | None = None,
) -> list[str] | None:
    """LiteLLM's ``get_supported_openai_params``: the OpenAI request parameters the API serving ``model``
    accepts (modelreg's parameter rules: the dialect's rejections, the model's own constraints, the capability
    a parameter needs), in OpenAI's names; None for an unknown name. ``request_type`` other than
    "chat_completion" is not modelled: None."""
    if request_type != "chat_completion":
        return None
    reg = _registry(registry)
    try:
        name = _resolve(reg, model, custom_llm_provider).name
    except ModelNotMappedError:
        return None
    return _supported(reg, name)


def _supports(capability: str, model: str, custom_llm_provider: str | None, registry: Registry | None) -> bool:
    try:
        return _resolve(_registry(registry), model, custom_llm_provider).model.has(capability)
    except ModelNotMappedError:
        return False


def supports_vision(model: str, custom_llm_provider: str | None = None, *, registry: Registry | None = None) -> bool:
    """True when ``model`` takes images in (the ``vision`` capability); False for an unknown name."""
    return _supports("vision", model, custom_llm_provider, registry)


def supports_function_calling(
    model: str, custom_llm_provider: str | None = None, *, registry: Registry | None = None
) -> bool:
    """True when ``model`` calls tools (the ``tools`` capability); False for an unknown name."""
    return _supports("tools", model, custom_llm_provider, registry)


def supports_parallel_function_calling(
    model: str, custom_llm_provider: str | None = None, *, registry: Registry | None = None
) -> bool:
    """True when ``model`` makes several tool calls in one turn (``parallel_tools``); False for an unknown name."""
    return _supports("parallel_tools", model, custom_llm_provider, registry)


def supports_response_schema(
    model: str, custom_llm_provider: str | None = None, *, registry: Registry | None = None
) -> bool:
    """True when ``model`` follows a JSON schema (``structured_output``); False for an unknown name."""
    return _supports("structured_output", model, custom_llm_provider, registry)


def supports_reasoning(model: str, custom_llm_provider: str | None = None, *, registry: Registry | None = None) -> bool:
    """True when ``model`` reasons before answering (``reasoning``); False for an unknown name."""
    return _supports("reasoning", model, custom_llm_provider, registry)


def supports_prompt_caching(
    model: str, custom_llm_provider: str | None = None, *, registry: Registry | None = None
) -> bool:
    """True when ``model`` caches prompts (``prompt_caching``); False for an unknown name."""
    return _supports("prompt_caching", model, custom_llm_provider, registry)


def supports_audio_input(
    model: str, custom_llm_provider: str | None = None, *, registry: Registry | None = None
) -> bool:
    """True when ``model`` takes audio in (``audio_input``); False for an unknown name."""
    return _supports("audio_input", model, custom_llm_provider, registry)


def supports_audio_output(
    model: str, custom_llm_provider: str | None = None, *, registry: Registry | None = None
) -> bool:
    """True when ``model`` speaks (``audio_output``); False for an unknown name."""
    return _supports("audio_output", model, custom_llm_provider, registry)


def supports_pdf_input(model: str, custom_llm_provider: str | None = None, *, registry: Registry | None = None) -> bool:
    """True when ``model`` reads PDF files (``pdf_input``); False for an unknown name."""
    return _supports("pdf_input", model, custom_llm_provider, registry)


def supports_web_search(
    model: str, custom_llm_provider: str | None = None, *, registry: Registry | None = None
) -> bool:
    """True when ``model`` searches the web itself (``web_search``); False for an unknown name."""
    return _supports("web_search", model, custom_llm_provider, registry)


# -- shared ----------------------------------------------------------------------------------------------------


def _name(model: str, custom_llm_provider: str | None) -> str:
    """``model`` as LiteLLM reads it with ``custom_llm_provider``: ``<provider>/<model>``."""
    if custom_llm_provider and not model.startswith(f"{custom_llm_provider}/"):
        return f"{custom_llm_provider}/{model}"
    return model


def _resolve(reg: Registry, model: str, custom_llm_provider: str | None) -> Resolution:
    """What ``model`` (with ``custom_llm_provider``) means; the name as resolved is ``Resolution.name``."""
    name = _name(model, custom_llm_provider)
    try:
        return reg.lookup(name)
    except ModelNotFoundError as error:
        if name != model:  # LiteLLM tries the bare name too
            try:
                return reg.lookup(model)
            except ModelNotFoundError:
                pass
        raise ModelNotMappedError(model, custom_llm_provider, error.suggestions) from None


def _key(found: Resolution, route: Route | None) -> str:
    """The LiteLLM key of what ``found`` means (served by ``route``): the name given when it is one, else (on
    the maker's own API) the model's own name when it is one, else a LiteLLM key of its deployment (unprefixed
    and shortest first), else the model's canonical id."""
    refs = (*found.model.sources, *(route.sources if route is not None else ()))
    named = {ref.key for ref in refs if ref.source == "litellm" and ref.key}
    for key in (found.name, found.model.name) if found.route is None else (found.name,):
        if key in named:
            return key
    for deployment in route.deployments if route is not None else ():
        if found.region in (deployment.region, deployment.variant):
            keys = sorted((key for key in deployment.keys if key in named), key=lambda k: ("/" in k, len(k), k))
            if keys:
                return keys[0]
    return found.model.id


def _supported(reg: Registry, name: str) -> list[str]:
    """The parameters ``Registry.validate`` does not refuse for ``name`` (neither unsupported by its API or
    the model, nor needing a capability the model lacks), in OpenAI's names."""
    rules = reg._parameter_rules()  # the registry's parameter table is not public yet (as compat.metadata)
    probe = object()  # a value of no type: only the unsupported and missing-capability verdicts are read
    refused = {
        issue.param
        for issue in reg.validate(name, dict.fromkeys(rules.parameters, probe))
        if issue.code in ("unsupported_parameter", "missing_capability", "unknown_parameter")
    }
    return [param for param in rules.parameters if param not in refused]


def _split(cost: Cost) -> tuple[float, float]:
    """A cost's parts summed exactly into LiteLLM's (prompt, completion) pair, then made floats."""
    prompt = sum((getattr(cost, part) for part in _PROMPT_PARTS), start=Decimal(0))
    completion = sum((getattr(cost, part) for part in _COMPLETION_PARTS), start=Decimal(0))
    return float(prompt), float(completion)


def _field(response: Any, name: str) -> Any:
    """``response[name]`` or ``response.name``, None when neither."""
    if isinstance(response, Mapping):
        return response.get(name)
    return getattr(response, name, None)


def _as_dict(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    dump = getattr(value, "model_dump", None)  # LiteLLM's Usage is a pydantic model
    if callable(dump):
        dumped: dict[str, Any] = dump()
        return dumped
    return {k: v for k, v in vars(value).items() if not k.startswith("_")}


def _openai_usage(usage: Any) -> tuple[dict[str, Any], dict[str, int]]:
    """LiteLLM's usage (OpenAI's chat shape with Anthropic's cache counts beside it, which LiteLLM already
    counts in ``prompt_tokens``) as the chat shape ``modelreg.usage`` reads, and the counts that shape has no
    field for: 1-hour cache writes, web searches, generated image tokens."""
    shaped = _as_dict(usage)
    if not shaped:
        raise ValidationError("the response has no usage", [("usage", "missing")])
    prompt = _as_dict(shaped.get("prompt_tokens_details"))
    completion = _as_dict(shaped.get("completion_tokens_details"))
    read = shaped.pop("cache_read_input_tokens", None)
    written = shaped.pop("cache_creation_input_tokens", None)
    written = prompt.pop("cache_creation_tokens", None) or written
    lifetimes = _as_dict(prompt.pop("cache_creation_token_details", None))
    if read and not prompt.get("cached_tokens"):
        prompt["cached_tokens"] = read
    if written and not prompt.get("cache_write_tokens"):
        prompt["cache_write_tokens"] = written
    tools = _as_dict(shaped.pop("server_tool_use", None))
    extra = {
        "cache_write_1h_tokens": int(lifetimes.get("ephemeral_1h_input_tokens") or 0),
        "web_searches": int(tools.get("web_search_requests") or prompt.pop("web_search_requests", None) or 0),
        "image_output_tokens": int(completion.pop("image_tokens", None) or 0),
    }
    shaped["prompt_tokens_details"] = {k: v for k, v in prompt.items() if v is not None} or None
    shaped["completion_tokens_details"] = {k: v for k, v in completion.items() if v is not None} or None
    return {k: v for k, v in shaped.items() if v is not None}, extra


def _registry(registry: Registry | None) -> Registry:
    if registry is not None:
        return registry
    import modelreg

    return modelreg.default_registry()
