"""Seed 002's model metadata, by its names, over a ``Registry``.

``get_model_metadata(name)`` is one model as a flat ``ModelMetadata`` with exactly the seed's fields; the
other functions answer the seed's questions (validate, map, default, cost, convert, migrate). Every answer
comes from the library: the facts from the model's record, parameter support and names from
``Registry.convert`` (the same rules it converts requests by), problems from ``Registry.validate`` in the
seed's wording, costs from ``Registry.cost``, replacements from ``Registry.migrate``. Each function takes
``registry=`` (default: ``modelreg.default_registry()``).

Where the seed and modelreg differ: ``provider`` is the model's maker (``openai``), not the API serving it;
``model_family`` is modelreg's family (``gpt``); media types and limits are what the catalog knows (None
for a limit no source states, never a guess); prices are ``Decimal`` USD, None when unknown, never 0.
A platform's string (``azure/gpt-4o``, ``bedrock/anthropic.claude-...``) is read for that platform: its
prices, its API's parameter names.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from modelreg.errors import ModelNotFoundError, ValidationError
from modelreg.lifecycle import GOING

if TYPE_CHECKING:
    from modelreg.params import Issue
    from modelreg.registry import Registry
    from modelreg.schema import Model, Pricing

_RANGE = re.compile(r"allowed from (?P<low>\S+) to (?P<high>\S+)$")  # params.py's out_of_range message


@dataclass(frozen=True)
class ModelMetadata:
    """One model as seed 002's ``ModelMetadata`` describes it (the seed's field names, modelreg's facts)."""

    model_name: str  # the canonical id
    provider: str  # the maker
    model_family: str
    display_name: str

    supported_input_types: frozenset[str]  # modalities: text, image, audio, video, pdf
    supported_output_types: frozenset[str]
    supports_streaming: bool
    supports_function_calling: bool  # the tools capability
    supports_vision: bool
    supports_json_mode: bool

    max_context_length: int | None  # the context window (input + output)
    max_output_tokens: int | None
    max_input_tokens: int | None

    supports_temperature: bool  # the serving API accepts the parameter (Registry.convert keeps it)
    supports_top_p: bool
    supports_frequency_penalty: bool
    supports_presence_penalty: bool
    supports_stop_sequences: bool

    parameter_mappings: dict[str, str]  # our name -> the serving API's, where they differ
    default_parameters: dict[str, Any]  # what Registry.convert adds to every request, in our names
    api_requirements: dict[str, Any]
    converter_fn: Callable[[Mapping[str, Any]], dict[str, Any]]  # Registry.convert for this name

    cost_per_1k_input_tokens: Decimal | None  # USD, from the price in force; None when unpriced
    cost_per_1k_output_tokens: Decimal | None

    is_deprecated: bool  # deprecated or retired today
    deprecation_date: str | None
    replacement_model: str | None  # where Registry.migrate leads (the end of the replacement chain)


def get_model_metadata(name: str, *, registry: Registry | None = None) -> ModelMetadata | None:
    """The metadata of the model ``name`` means (any name the registry resolves), or None when no model
    answers to it (the seed's ``Optional``; ``is_model_supported`` asks the same)."""
    reg = _registry(registry)
    try:
        model = reg.resolve(name)
    except ModelNotFoundError:
        return None
    shape = _request_shape(reg, name)
    pricing = _pricing(reg, name)
    migration = reg.migrate(name)
    return ModelMetadata(
        model_name=model.id,
        provider=model.provider,
        model_family=model.family,
        display_name=model.display_name or model.name,
        supported_input_types=frozenset(m.value for m in model.modalities_in),
        supported_output_types=frozenset(m.value for m in model.modalities_out),
        supports_streaming=model.has("streaming"),
        supports_function_calling=model.has("tools"),
        supports_vision=model.has("vision"),
        supports_json_mode=model.has("json_mode"),
        max_context_length=model.limits.context_window,
        max_output_tokens=model.limits.max_output_tokens,
        max_input_tokens=model.limits.max_input_tokens,
        supports_temperature="temperature" in shape.names,
        supports_top_p="top_p" in shape.names,
        supports_frequency_penalty="frequency_penalty" in shape.names,
        supports_presence_penalty="presence_penalty" in shape.names,
        supports_stop_sequences="stop" in shape.names,
        parameter_mappings=shape.mappings,
        default_parameters=shape.defaults,
        api_requirements=dict(model.api_requirements),
        converter_fn=functools.partial(reg.convert, name),
        cost_per_1k_input_tokens=pricing.per_1k("input") if pricing else None,
        cost_per_1k_output_tokens=pricing.per_1k("output") if pricing else None,
        is_deprecated=migration.status in GOING,
        deprecation_date=migration.deprecation_date,
        replacement_model=migration.replacement,
    )


def validate_model_parameters(name: str, params: Mapping[str, Any], *, registry: Registry | None = None) -> list[str]:
    """Every problem with sending ``params`` to ``name``'s model, as the seed words them
    (``max_tokens 20000 exceeds model limit 16384``, ``Model x does not support temperature parameter``);
    problems the seed has no wording for keep ``Registry.validate``'s message. Warnings (a deprecated
    model) are listed too. An unknown name is one problem: ``Model x not found in registry``."""
    reg = _registry(registry)
    try:
        model = reg.resolve(name)
    except ModelNotFoundError:
        return [f"Model {name} not found in registry"]
    return [_seed_wording(name, model, params, issue) for issue in reg.validate(name, params)]


def get_parameter_mapping(name: str, param_name: str, *, registry: Registry | None = None) -> str:
    """What the API serving ``name``'s model calls ``param_name`` (``max_tokens`` -> ``max_output_tokens``
    on Gemini); ``param_name`` itself where the names agree."""
    return _request_shape(_registry(registry), name).mappings.get(param_name, param_name)


def get_model_defaults(name: str, *, registry: Registry | None = None) -> dict[str, Any]:
    """The parameters ``Registry.convert`` adds to every request for ``name`` (the model's defaults and those
    its API requires, e.g. Anthropic's ``max_tokens``), in our names."""
    return _request_shape(_registry(registry), name).defaults


def get_family_models(family: str, *, registry: Registry | None = None) -> list[str]:
    """The ids of the models of ``family`` (``gpt``, ``claude``, ``gemini``, ...; ``Registry.families()``)."""
    return [model.id for model in _registry(registry).models(family=family)]


def get_provider_models(provider: str, *, registry: Registry | None = None) -> list[str]:
    """The ids of the models ``provider`` makes (``openai``, ``anthropic``, ...)."""
    return [model.id for model in _registry(registry).models(provider=provider)]


def is_model_supported(name: str, *, registry: Registry | None = None) -> bool:
    """True when some model answers to ``name`` (deprecated and retired ones too)."""
    try:
        _registry(registry).explain_ids(name)
    except ModelNotFoundError:
        return False
    return True


def migrate_to_supported_model(name: str, *, registry: Registry | None = None) -> str:
    """The model to use instead of ``name``'s when it is deprecated or retired (following the replacement
    chain to one that is not), else ``name`` unchanged."""
    migration = _registry(registry).migrate(name)
    return migration.replacement if migration.status in GOING and migration.replacement else name


def calculate_request_cost(
    name: str, input_tokens: int, output_tokens: int, *, registry: Registry | None = None
) -> Decimal:
    """What a request of ``input_tokens`` in and ``output_tokens`` out costs on ``name``, in USD
    (``Registry.cost(...).total``; an unknown or unpriced model is an error, never 0)."""
    return _registry(registry).cost(name, input_tokens=input_tokens, output_tokens=output_tokens).total


def convert_request_for_model(
    messages: Sequence[Mapping[str, Any]] | None,
    model_name: str,
    parameters: Mapping[str, Any],
    *,
    registry: Registry | None = None,
) -> dict[str, Any]:
    """``parameters`` as the API serving ``model_name`` takes them (``Registry.convert``: renamed, required
    defaults added, rejected ones dropped). As in the seed, ``messages`` are not part of the answer."""
    return _registry(registry).convert(model_name, parameters)


# -- shared shaping ------------------------------------------------------------------------------------------


class _RequestShape(NamedTuple):
    names: dict[str, str]  # every parameter the serving API accepts -> its name there
    mappings: dict[str, str]  # the ones it names differently
    defaults: dict[str, Any]  # added to every request, in our names


def _request_shape(reg: Registry, name: str) -> _RequestShape:
    """How ``Registry.convert`` treats each known parameter for ``name``: one call with a distinct token per
    parameter shows which are kept and under which name, one with none shows the defaults it adds."""
    # the registry's parameter table is not public yet; Registry.convert is the only reader of it
    tokens = {param: object() for param in reg._parameter_rules().parameters}
    sent_as = {id(value): key for key, value in reg.convert(name, tokens).items()}
    names = {param: sent_as[id(token)] for param, token in tokens.items() if id(token) in sent_as}
    ours = {theirs: param for param, theirs in names.items()}
    defaults = {ours.get(key, key): value for key, value in reg.convert(name, {}).items() if key != "model"}
    return _RequestShape(names, {p: n for p, n in names.items() if p != n}, defaults)


def _pricing(reg: Registry, name: str) -> Pricing | None:
    """The prices ``name`` is billed at today, or None when nothing prices it."""
    try:
        return reg.pricing(name, at=dt.date.today())
    except ValidationError:  # "no price known", "unpriced deployment"
        return None


def _seed_wording(name: str, model: Model, params: Mapping[str, Any], issue: Issue) -> str:
    """``issue`` in the seed's words where the seed has words for it."""
    value: Any = params.get(issue.param) if issue.param else None
    if issue.code == "unsupported_parameter":
        return f"Model {name} does not support {issue.param} parameter"
    if issue.code == "max_tokens_above_limit":
        return f"max_tokens {value} exceeds model limit {model.limits.max_output_tokens}"
    bounds = _RANGE.search(issue.message) if issue.code == "out_of_range" else None
    if bounds is not None:
        low, high = bounds["low"], bounds["high"]
        if high != "None" and value > Decimal(high):
            return f"{issue.param} {value} exceeds model limit {high}"
        return f"{issue.param} {value} is below model minimum {low}"
    return issue.message


def _registry(registry: Registry | None) -> Registry:
    if registry is not None:
        return registry
    import modelreg

    return modelreg.default_registry()
