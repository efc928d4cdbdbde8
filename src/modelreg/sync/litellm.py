"""LiteLLM's model cost map (``model_prices_and_context_window.json``) -> SourceRecords.

LiteLLM states prices per token as floats and capabilities as ``supports_*`` flags; tiered prices
appear as ``*_above_<N>k_tokens`` fields. We keep the standard (on-demand) prices and the batch
discount; priority, flex and regional-uplift prices are not modelled yet. A 1-hour cache write is
``cache_creation_input_token_cost_above_1hr``; generated image tokens ``output_cost_per_image_token``;
a web search ``search_context_cost_per_query`` (its ``medium`` context size: OpenAI's default).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from modelreg.errors import SourceError
from modelreg.sync.records import SourceRecord, decimal, per_million, snapshot_id

SOURCE = "litellm"

_FLAGS = {
    "supports_function_calling": "tools",
    "supports_parallel_function_calling": "parallel_tools",
    "supports_vision": "vision",
    "supports_audio_input": "audio_input",
    "supports_audio_output": "audio_output",
    "supports_pdf_input": "pdf_input",
    "supports_reasoning": "reasoning",
    "supports_response_schema": "structured_output",
    "supports_web_search": "web_search",
    "supports_prompt_caching": "prompt_caching",
    "supports_computer_use": "computer_use",
}
_MODES = {"chat": "chat", "responses": "chat", "completion": "completion", "embedding": "embedding"}
_PRICES = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
    "input_cost_per_token_cache_hit": "cache_read",
    "cache_creation_input_token_cost": "cache_write",
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h",
    "output_cost_per_reasoning_token": "reasoning",
    "input_cost_per_audio_token": "input_audio",
    "output_cost_per_audio_token": "output_audio",
    "output_cost_per_image_token": "output_image",
}
_TIER_FIELD = re.compile(
    r"^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost"
    r"|cache_creation_input_token_cost_above_1hr|cache_creation_input_token_cost)"
    r"_above_(\d+)k_tokens$"
)
_TIER_KIND = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
    "cache_creation_input_token_cost": "cache_write",
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h",
}
_MODALITIES = {"text", "image", "audio", "video", "pdf"}
MODES = tuple(_MODES)  # every mode read unless told otherwise


def read(path: Path, *, modes: Collection[str] = MODES) -> list[SourceRecord]:
    """Every entry of the cost map whose ``mode`` is in ``modes``, as SourceRecords, in file order."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(SOURCE, f"cannot read {path}: {exc}") from exc
    return parse(data, as_of=snapshot_id(path), modes=modes, origin=str(path))


def parse(data: Any, *, as_of: str, modes: Collection[str] = MODES, origin: str = "the cost map") -> list[SourceRecord]:
    """The cost map already loaded from JSON (``data``) -> its entries whose ``mode`` is in ``modes``;
    ``as_of`` identifies the snapshot (``records.snapshot_id``), ``origin`` names it in errors."""
    if not isinstance(data, dict):
        raise SourceError(SOURCE, f"{origin} is not a JSON object of model entries")
    return list(_records(data, as_of, set(modes)))


def _records(data: dict[str, Any], as_of: str, modes: set[str]) -> Iterator[SourceRecord]:
    for key, entry in data.items():
        if key == "sample_spec" or not isinstance(entry, dict) or entry.get("mode") not in modes:
            continue
        yield SourceRecord(
            source=SOURCE,
            key=key,
            upstream_provider=str(entry.get("litellm_provider", "")),
            model_string=key,
            as_of=as_of,
            facts=facts(key, entry),
        )


def facts(key: str, entry: dict[str, Any]) -> dict[str, Any]:
    """The facts one LiteLLM entry states, in modelreg's units and names."""
    mode = entry.get("mode")
    capabilities = {_MODES[mode]} if mode in _MODES else set()
    capabilities |= {cap for flag, cap in _FLAGS.items() if entry.get(flag)}
    if "structured_output" in capabilities:
        capabilities.add("json_mode")
    if mode in ("chat", "responses", "completion"):
        capabilities.add("streaming")  # every chat/completion API LiteLLM lists streams
    pricing = _pricing(entry)
    if pricing.get("batch_discount") is not None:
        capabilities.add("batch")

    out: dict[str, Any] = {"capabilities": capabilities}
    if pricing:
        out["pricing"] = pricing
    limits = {
        name: int(entry[field])
        for field, name in (
            ("max_input_tokens", "max_input_tokens"),
            ("max_output_tokens", "max_output_tokens"),
        )
        if isinstance(entry.get(field), int | float) and not isinstance(entry.get(field), bool) and entry[field] > 0
    }
    if limits:
        out["limits"] = limits
    modalities_in = [m for m in entry.get("supported_modalities") or () if m in _MODALITIES]
    if modalities_in:
        out["modalities_in"] = modalities_in
    else:
        derived = ["text"] + [
            m for cap, m in (("vision", "image"), ("audio_input", "audio"), ("pdf_input", "pdf")) if cap in capabilities
        ]
        if entry.get("supports_video_input"):
            derived.append("video")
        out["modalities_in"] = derived
    modalities_out = [m for m in entry.get("supported_output_modalities") or () if m in _MODALITIES]
    if modalities_out:
        out["modalities_out"] = modalities_out
    elif "audio_output" in capabilities:
        out["modalities_out"] = ["text", "audio"]
    if isinstance(entry.get("deprecation_date"), str):
        out["lifecycle"] = {"deprecation_date": entry["deprecation_date"]}
    if mode == "responses":
        out["api_requirements"] = {"endpoint": "responses"}
    if key.startswith("ft:"):
        out["tags"] = ["fine-tuned"]
        out["base_model"] = key[3:]
    return out


def _pricing(entry: dict[str, Any]) -> dict[str, Any]:
    prices: dict[str, Any] = {}
    for field, kind in _PRICES.items():
        value = per_million(entry.get(field))
        if value is not None and kind not in prices:
            prices[kind] = value
    for field, kind in (("input_cost_per_image", "image"), ("input_cost_per_request", "request")):
        value = decimal(entry.get(field))
        if value is not None:
            prices[kind] = value
    search = entry.get("search_context_cost_per_query")
    if isinstance(search, dict):
        value = decimal(search.get("search_context_size_medium"))
        if value is not None:
            prices["web_search"] = value
    tiers: dict[int, dict[str, Decimal]] = {}
    for field, value in entry.items():
        match = _TIER_FIELD.match(field)
        price = per_million(value) if match else None
        if match and price is not None:
            tiers.setdefault(int(match.group(2)) * 1000, {})[_TIER_KIND[match.group(1)]] = price
    if tiers:
        prices["tiers"] = [{"above_tokens": above, **kinds} for above, kinds in sorted(tiers.items())]
    batch_in, base_in = per_million(entry.get("input_cost_per_token_batches")), prices.get("input")
    if batch_in is not None and base_in:
        prices["batch_discount"] = (1 - batch_in / base_in).quantize(Decimal("0.0001")).normalize()
    return prices
