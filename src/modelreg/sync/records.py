"""The one shape every importer produces: partial facts about one upstream entry."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any


@dataclass(slots=True)
class SourceRecord:
    """One upstream entry, as facts in modelreg's own units and names.

    ``key`` is the exact name the upstream uses (a LiteLLM key, or ``provider/model`` for models.dev);
    ``model_string`` is the name the serving API takes. ``facts`` holds only what the source states:
    ``display_name``, ``modalities_in``/``modalities_out``, ``capabilities`` (a set), ``limits`` and
    ``pricing`` (dicts of schema field names), ``lifecycle``, ``open_weights``, ``knowledge_cutoff``,
    ``parameters``, ``api_requirements``, ``tags``, ``base_model``; a source with dated prices adds
    ``price_history`` (earlier pricing dicts with ``effective_from``/``effective_until``).

    ``url`` is the page the facts were taken from, where the source names one (genai-prices' price
    pages). ``match`` is the source's own rule for which names the entry means, where it has one
    (genai-prices: ``sync.genai_prices.Match``); such a record is placed by asking it about known names.
    """

    source: str
    key: str
    upstream_provider: str
    model_string: str
    as_of: str
    facts: dict[str, Any] = field(default_factory=dict)
    url: str | None = None
    match: Any = None


def snapshot_id(path: Path) -> str:
    """A short content hash that identifies one snapshot of an upstream file."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return f"sha256:{digest[:12]}"


def per_million(per_token: float | int | str | None) -> Decimal | None:
    """USD per token (as upstream floats) -> USD per 1M tokens, exact to 1e-9 USD."""
    if per_token is None or isinstance(per_token, bool):
        return None
    return _tidy(Decimal(repr(per_token) if isinstance(per_token, float) else str(per_token)).scaleb(6))


def decimal(value: float | int | str | None) -> Decimal | None:
    """An upstream number as an exact Decimal (floats through their shortest repr)."""
    if value is None or isinstance(value, bool):
        return None
    return _tidy(Decimal(repr(value) if isinstance(value, float) else str(value)))


def _tidy(value: Decimal) -> Decimal:
    value = value.quantize(Decimal("1e-9")).normalize()
    # normalize() writes 10 as 1E+1; keep plain notation for people and YAML alike
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value
