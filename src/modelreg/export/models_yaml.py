"""Seed 003's ``models.yaml``, the update tool's map: ``models: {<id>: {provider, type, size_b, config}}`` with
``preferences``, ``cost_optimized`` and ``performance_optimized``, under an ``# Auto-generated on:`` header.

Which models: every model served on a platform the seed's tool reads (the makers' own APIs, Ollama,
Hugging Face), that writes text and is not retired. Its id is ``<platform>:<model string>``
(``openai:gpt-4o``, ``ollama:llama3.2:1b``); ``size_b`` is the size the sources state, else the one read
from the name (``8x7b`` = 56), else left out — never a guessed default.

The derived lists, by rules (``price`` = USD per 1M tokens, three input tokens to one output, the list
price on that platform):

* ``cost_optimized``: the cheapest priced model of each maker that calls tools, cheapest first (at most 5);
* ``performance_optimized``: each maker's dearest priced model that calls tools — within a maker, price
  tracks the tier — dearest first (at most 5);
* ``preferences.default``: the first of ``cost_optimized``; ``preferences.fallback``: the rest of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelreg.registry import Registry
    from modelreg.schema import Model, Route

PLATFORMS = ("openai", "anthropic", "gemini", "xai", "mistral", "deepseek", "ollama", "huggingface")
LIST_LENGTH = 5


def document(reg: Registry, *, platforms: Iterable[str] = PLATFORMS) -> dict[str, Any]:
    """The models.yaml document for ``reg`` (keys in the seed's order)."""
    wanted = set(platforms)
    models: dict[str, dict[str, Any]] = {}
    priced: list[tuple[Decimal, str, str]] = []  # (price, maker, id) of the tool-calling models
    for model in sorted(reg.models(), key=lambda m: m.id):
        if model.lifecycle.status.value == "retired" or "text" not in model.modalities_out:
            continue
        for route in reg.routes(model.id):
            if route.platform not in wanted or route.status != "active":
                continue
            key = f"{route.platform}:{route.model_string}"
            models[key] = _entry(model, route)
            price = _blended(route)
            if price is not None and "tools" in model.capabilities:
                priced.append((price, model.provider, key))
    cheap = _one_per_maker(sorted(priced))
    dear = _one_per_maker(sorted(priced, key=lambda p: (-p[0], p[1], p[2])))
    return {
        "models": models,
        "preferences": {"default": cheap[0] if cheap else None, "fallback": cheap[1:]},
        "cost_optimized": cheap,
        "performance_optimized": dear,
    }


def write(reg: Registry, path: Path, *, now: dt.datetime | None = None) -> Path:
    """Write ``path`` (atomically; its folder is made) and return it."""
    from modelreg.catalog.yamlio import dumps

    stamp = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    text = dumps(
        document(reg),
        header=f"# Auto-generated on: {stamp}\n# by modelreg (update_models); edit the registry, not this file\n",
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def _entry(model: Model, route: Route) -> dict[str, Any]:
    entry: dict[str, Any] = {"provider": model.provider, "type": route.platform}
    if model.size_b is not None:
        entry["size_b"] = int(model.size_b) if model.size_b == model.size_b.to_integral_value() else model.size_b
    config: dict[str, Any] = {"model_name": route.model_string}
    limits = route.limits or model.limits
    if limits.context_window:
        config["context_window"] = limits.context_window
    if limits.max_output_tokens:
        config["max_tokens"] = limits.max_output_tokens
    entry["config"] = config
    return entry


def _blended(route: Route) -> Decimal | None:
    pricing = route.pricing
    if pricing.input is None or pricing.output is None:
        return None
    return (3 * Decimal(pricing.input) + Decimal(pricing.output)) / 4


def _one_per_maker(ranked: list[tuple[Decimal, str, str]]) -> list[str]:
    seen: set[str] = set()
    out = []
    for _price, maker, key in ranked:
        if maker not in seen:
            seen.add(maker)
            out.append(key)
    return out[:LIST_LENGTH]
