"""models.dev's ``api.json`` -> SourceRecords.

models.dev states prices in USD per 1M tokens already, limits as ``context``/``input``/``output``,
and capabilities as booleans (``tool_call``, ``reasoning``, ``structured_output``, ``temperature``)
plus input/output modalities. Its key for an entry is ``<provider>/<model id>``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from modelreg.errors import SourceError
from modelreg.sync.records import SourceRecord, decimal, snapshot_id

SOURCE = "models.dev"

_COSTS = {
    "input": "input",
    "output": "output",
    "cache_read": "cache_read",
    "cache_write": "cache_write",
    "reasoning": "reasoning",
    "input_audio": "input_audio",
    "output_audio": "output_audio",
}
_STATUS = {"deprecated": "deprecated", "beta": "beta", "alpha": "preview"}
_MODALITIES = {"text", "image", "audio", "video", "pdf"}


def read(path: Path, *, providers: Collection[str] | None = None) -> list[SourceRecord]:
    """Every model entry (of ``providers``, when given) as SourceRecords, in file order."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(SOURCE, f"cannot read {path}: {exc}") from exc
    return parse(data, as_of=snapshot_id(path), providers=providers, origin=str(path))


def parse(
    data: Any, *, as_of: str, providers: Collection[str] | None = None, origin: str = "api.json"
) -> list[SourceRecord]:
    """``api.json`` already loaded from JSON (``data``) -> every model entry (of ``providers``, when
    given); ``as_of`` identifies the snapshot (``records.snapshot_id``), ``origin`` names it in errors."""
    if not isinstance(data, dict):
        raise SourceError(SOURCE, f"{origin} is not a JSON object of providers")
    return list(_records(data, as_of, providers))


def _records(data: dict[str, Any], as_of: str, providers: Collection[str] | None) -> Iterator[SourceRecord]:
    for provider_id, provider in data.items():
        if providers is not None and provider_id not in providers:
            continue
        for model_id, entry in (provider.get("models") or {}).items():
            yield SourceRecord(
                source=SOURCE,
                key=f"{provider_id}/{model_id}",
                upstream_provider=provider_id,
                model_string=model_id,
                as_of=as_of,
                facts=facts(model_id, entry),
            )


def provider_facts(path: Path) -> dict[str, dict[str, Any]]:
    """Per models.dev provider id: name, api base url, auth env vars, docs url."""
    return providers_of(json.loads(path.read_text(encoding="utf-8")))


def providers_of(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``provider_facts`` of ``api.json`` already loaded from JSON."""
    return {
        pid: {
            k: v
            for k, v in (
                ("name", p.get("name")),
                ("api_base_url", p.get("api")),
                ("auth_env", p.get("env")),
                ("docs_url", p.get("doc")),
            )
            if v
        }
        for pid, p in data.items()
    }


def facts(model_id: str, entry: dict[str, Any]) -> dict[str, Any]:
    """The facts one models.dev entry states, in modelreg's units and names."""
    modalities = entry.get("modalities") or {}
    m_in = [m for m in modalities.get("input") or ["text"] if m in _MODALITIES]
    m_out = [m for m in modalities.get("output") or ["text"] if m in _MODALITIES]
    embedding = "embed" in model_id.lower()
    capabilities: set[str] = {"embedding"} if embedding else set()
    if "text" in m_out and not embedding:
        capabilities |= {"chat", "streaming"}
    for flag, cap in (
        ("tool_call", "tools"),
        ("reasoning", "reasoning"),
        ("structured_output", "structured_output"),
    ):
        if entry.get(flag):
            capabilities.add(cap)
    if "structured_output" in capabilities:
        capabilities.add("json_mode")
    capabilities |= {
        cap
        for modality, cap in (("image", "vision"), ("audio", "audio_input"), ("pdf", "pdf_input"))
        if modality in m_in
    }
    if "audio" in m_out:
        capabilities.add("audio_output")
    if "image" in m_out:
        capabilities.add("image_generation")

    out: dict[str, Any] = {"capabilities": capabilities, "modalities_in": m_in, "modalities_out": m_out}
    if entry.get("name"):
        out["display_name"] = entry["name"]
    limit = entry.get("limit") or {}
    limits = {
        name: int(limit[field])
        for field, name in (
            ("context", "context_window"),
            ("input", "max_input_tokens"),
            ("output", "max_output_tokens"),
        )
        if isinstance(limit.get(field), int | float) and limit[field] > 1
    }
    if limits:
        out["limits"] = limits
    pricing = _pricing(entry.get("cost") or {})
    if pricing:
        out["pricing"] = pricing
    lifecycle = {k: entry[k] for k in ("release_date",) if isinstance(entry.get(k), str) and entry[k]}
    if entry.get("status") in _STATUS:
        lifecycle["status"] = _STATUS[entry["status"]]
    if lifecycle:
        out["lifecycle"] = lifecycle
    if isinstance(entry.get("open_weights"), bool):
        out["open_weights"] = entry["open_weights"]
    if isinstance(entry.get("knowledge"), str) and entry["knowledge"]:
        out["knowledge_cutoff"] = entry["knowledge"]
    if entry.get("temperature") is False:
        out["parameters"] = {"temperature": {"supported": False}}
    return out


def _pricing(cost: dict[str, Any]) -> dict[str, Any]:
    prices: dict[str, Any] = {}
    for field, kind in _COSTS.items():
        value = decimal(cost.get(field))
        if value is not None:
            prices[kind] = value
    tiers = []
    for tier in cost.get("tiers") or ():
        spec = tier.get("tier") or {}
        if spec.get("type") != "context" or not isinstance(spec.get("size"), int | float):
            continue
        kinds = {k: decimal(tier[k]) for k in ("input", "output", "cache_read", "cache_write") if k in tier}
        tiers.append({"above_tokens": int(spec["size"]), **kinds})
    over = cost.get("context_over_200k")  # the older spelling of a 200K context tier
    if isinstance(over, dict) and not any(t["above_tokens"] == 200_000 for t in tiers):
        kinds = {k: decimal(over[k]) for k in ("input", "output", "cache_read", "cache_write") if k in over}
        tiers.append({"above_tokens": 200_000, **kinds})
    if tiers:
        prices["tiers"] = sorted(tiers, key=lambda t: t["above_tokens"])
    return prices
