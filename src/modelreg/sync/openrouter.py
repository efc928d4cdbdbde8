"""OpenRouter's model list (``GET /api/v1/models``, no key needed) -> SourceRecords.

One record per entry; its key and model string are OpenRouter's id (``openai/gpt-4o``,
``meta-llama/llama-3.1-8b-instruct:free``). OpenRouter states prices as strings in USD per token
(``"0.0000025"``), per image and per request; ``"-1"`` (a router whose price depends on the model it
picks) or a missing price is unknown, never 0. ``supported_parameters`` lists the OpenAI-style request
parameters each model takes; every listed model is served by OpenRouter's chat completions API, which
streams.

Facts: ``display_name``, ``description``, ``limits`` (``context_window`` from ``context_length``,
``max_output_tokens`` from ``top_provider.max_completion_tokens``), ``modalities_in``/``modalities_out``,
``capabilities``, ``pricing`` (``input``, ``output``, ``cache_read``, ``cache_write``, ``reasoning`` per
1M tokens; ``image`` per image, ``request`` per request, ``web_search`` per search), ``parameters``
(``{name: {"supported": True}}`` per supported parameter), ``default_parameters``, ``lifecycle``
(``release_date`` from ``created``) and, from the name only, ``size_b``/``size_estimated``. A 0 per
image, request or search means no such charge and is left out.
Not mapped: ``hugging_face_id``, ``canonical_slug``, ``architecture.tokenizer``/``instruct_type``,
``per_request_limits``, ``top_provider.is_moderated``, ``pricing.input_audio`` and the like.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from modelreg.sync.records import SourceRecord, decimal, per_million
from modelreg.sync.upstream import Upstream, add_size, obj, positive_int, release_date

SOURCE = "openrouter"

_PER_TOKEN = {
    "prompt": "input",
    "completion": "output",
    "input_cache_read": "cache_read",
    "input_cache_write": "cache_write",
    "internal_reasoning": "reasoning",
}
_PER_UNIT = {"image": "image", "request": "request", "web_search": "web_search"}
_CAPABILITIES = {
    "tools": "tools",
    "response_format": "structured_output",
    "structured_outputs": "structured_output",
    "reasoning": "reasoning",
    "include_reasoning": "reasoning",
    "web_search_options": "web_search",
}
_MODALITIES = {"text": "text", "image": "image", "audio": "audio", "video": "video", "file": "pdf"}
_INPUT_CAPABILITIES = (("image", "vision"), ("audio", "audio_input"), ("pdf", "pdf_input"))
_OPTIONAL = ("name", "context_length", "pricing", "architecture.input_modalities", "supported_parameters")


class OpenRouterSource(Upstream):
    """OpenRouter's ``/api/v1/models``: every model it routes to, with prices."""

    name = SOURCE
    default_url = "https://openrouter.ai"

    def read(self) -> list[SourceRecord]:
        url = self.endpoint("/api/v1/models")
        data = self.get_json(url)
        entries = self.entries(self.expect(data, "data", list, url), url)
        self.note_missing(entries, _OPTIONAL)
        return [
            SourceRecord(
                source=SOURCE,
                key=entry["id"],
                upstream_provider=SOURCE,
                model_string=entry["id"],
                as_of="",
                facts=facts(entry),
            )
            for entry in entries
        ]


def facts(entry: dict[str, Any]) -> dict[str, Any]:
    """The facts one OpenRouter entry states, in modelreg's units and names."""
    out: dict[str, Any] = {}
    for field, key in (("name", "display_name"), ("description", "description")):
        if isinstance(entry.get(field), str) and entry[field]:
            out[key] = entry[field]
    top = obj(entry.get("top_provider"))
    limits = {
        key: value
        for key, value in (
            ("context_window", positive_int(entry.get("context_length"))),
            ("max_output_tokens", positive_int(top.get("max_completion_tokens"))),
        )
        if value is not None
    }
    if limits:
        out["limits"] = limits
    architecture = obj(entry.get("architecture"))
    m_in = _modalities(architecture.get("input_modalities"))
    m_out = _modalities(architecture.get("output_modalities"))
    if m_in:
        out["modalities_in"] = m_in
    if m_out:
        out["modalities_out"] = m_out
    supported = [p for p in entry.get("supported_parameters") or () if isinstance(p, str)]
    capabilities = {_CAPABILITIES[p] for p in supported if p in _CAPABILITIES}
    if "text" in (m_out or ["text"]):
        capabilities |= {"chat", "streaming"}
    if "structured_output" in capabilities or "response_format" in supported:
        capabilities.add("json_mode")
    capabilities |= {cap for m, cap in _INPUT_CAPABILITIES if m in m_in}
    if "image" in m_out:
        capabilities.add("image_generation")
    if "audio" in m_out:
        capabilities.add("audio_output")
    out["capabilities"] = capabilities
    pricing = _pricing(entry.get("pricing"))
    if pricing:
        out["pricing"] = pricing
    if supported:
        out["parameters"] = {p: {"supported": True} for p in supported}
    defaults = entry.get("default_parameters")
    if isinstance(defaults, dict) and any(v is not None for v in defaults.values()):
        out["default_parameters"] = {k: v for k, v in defaults.items() if v is not None}
    lifecycle = release_date(entry.get("created"))
    if lifecycle:
        out["lifecycle"] = lifecycle
    add_size(out, entry["id"].partition("/")[2] or entry["id"])
    return out


def _price(value: Any, per_token: bool) -> Decimal | None:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    if number < 0:  # "-1": priced by whichever model the router picks
        return None
    return per_million(str(value)) if per_token else decimal(str(value))


def _pricing(prices: Any) -> dict[str, Decimal]:
    if not isinstance(prices, dict):
        return {}
    out = {}
    for table, per_token in ((_PER_TOKEN, True), (_PER_UNIT, False)):
        for field, kind in table.items():
            value = _price(prices.get(field), per_token)
            # a 0 per image, request or search means no such charge: the default, not a fact worth keeping
            if value is not None and (per_token or value):
                out[kind] = value
    return out


def _modalities(values: Any) -> list[str]:
    out: list[str] = []
    for value in values or ():
        modality = _MODALITIES.get(value) if isinstance(value, str) else None
        if modality and modality not in out:
            out.append(modality)
    return out
