"""pydantic's genai-prices catalog (``prices/data.json``) -> SourceRecords.

genai-prices is hand-curated from the providers' price pages. Per provider it lists models; each model
has a ``match`` rule (clauses ``equals``, ``starts_with``, ``ends_with``, ``contains``, ``regex``, combined
with ``or``/``and``, all case-blind but the regex) and ``prices`` in USD per 1M tokens — either one set, or
a list of conditional sets:

* ``constraint.start_date``: the set is in force from that day; the list is a real price history, and
  each set becomes a period (``effective_from``/``effective_until``) of the model's price timeline;
* ``constraint.start_time``/``end_time``: a time-of-day price (DeepSeek's off-peak hours). modelreg does
  not model time of day: the price in force for most of the day is kept as the model's price.

A price may be tiered (``{"base": 3, "tiers": [{"start": 200000, "price": 6}]}``). genai-prices bills
tiers by threshold: once the prompt exceeds ``start`` tokens the tier's price applies to every token of
the request (``calc_mtok_price`` in genai-prices), which is exactly modelreg's ``PriceTier.above_tokens``.
``prices: {}`` means the model is not charged (genai-prices bills nothing it has no price for).

An entry's ``match`` rule is evidence for names (``sync.matching.Match``): an ``equals`` clause or the
entry's id is a name it certainly means; a prefix, substring or regex clause is a guess, accepted only
when what it leaves over is a scope or a version.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from modelreg.errors import SourceError
from modelreg.sync.matching import Match
from modelreg.sync.records import SourceRecord, decimal, snapshot_id

SOURCE = "genai-prices"

_PRICES = {
    "input_mtok": "input",
    "output_mtok": "output",
    "cache_read_mtok": "cache_read",
    "cache_write_mtok": "cache_write",
    "input_audio_mtok": "input_audio",
    "output_audio_mtok": "output_audio",
}
_TIERED = ("input", "output", "cache_read", "cache_write")


def read(path: Path, *, providers: Collection[str] | None = None) -> list[SourceRecord]:
    """Every model entry (of ``providers``, when given) as one SourceRecord, in file order.

    ``key`` is ``<provider>/<entry id>``; ``match`` holds the entry's match rule; ``url`` the provider's
    first price page."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(SOURCE, f"cannot read {path}: {exc}") from exc
    return parse(data, as_of=snapshot_id(path), providers=providers, origin=str(path))


def parse(
    data: Any, *, as_of: str, providers: Collection[str] | None = None, origin: str = "data.json"
) -> list[SourceRecord]:
    """``data.json`` already loaded from JSON (``data``) -> one SourceRecord per model entry (of
    ``providers``, when given); ``as_of`` identifies the snapshot, ``origin`` names it in errors."""
    if not isinstance(data, list) or not all(isinstance(p, dict) and "models" in p for p in data):
        raise SourceError(SOURCE, f"{origin} is not a JSON list of providers with models")
    return list(_records(data, as_of, providers))


def _records(data: list[dict[str, Any]], as_of: str, providers: Collection[str] | None) -> Iterator[SourceRecord]:
    for provider in data:
        provider_id = str(provider["id"])
        if providers is not None and provider_id not in providers:
            continue
        urls = provider.get("pricing_urls") or []
        for entry in provider["models"]:
            yield SourceRecord(
                source=SOURCE,
                key=f"{provider_id}/{entry['id']}",
                upstream_provider=provider_id,
                model_string=str(entry["id"]),
                as_of=as_of,
                facts=facts(entry),
                url=str(urls[0]) if urls else None,
                match=Match(entry.get("match") or {"equals": entry["id"]}, str(entry["id"])),
            )


def facts(entry: dict[str, Any]) -> dict[str, Any]:
    """The facts one genai-prices entry states, in modelreg's units and names: ``pricing`` (the latest
    price, with ``effective_from`` when it is dated) and ``price_history`` (earlier dated prices)."""
    out: dict[str, Any] = {}
    if entry.get("name"):
        out["display_name"] = str(entry["name"])
    if entry.get("deprecated") is True:
        out["lifecycle"] = {"status": "deprecated"}
    prices = entry.get("prices")
    if isinstance(prices, dict):
        out["pricing"] = pricing(prices)
        return out
    periods = _periods(prices or [])
    if periods:
        out["pricing"] = periods[-1]
        if len(periods) > 1:
            out["price_history"] = periods[:-1]
    return out


def pricing(prices: dict[str, Any]) -> dict[str, Any]:
    """One genai-prices price set -> a modelreg pricing dict (tiers folded by threshold)."""
    out: dict[str, Any] = {}
    tiers: dict[int, dict[str, Decimal]] = {}
    for field, kind in _PRICES.items():
        value = prices.get(field)
        if isinstance(value, dict):
            base = decimal(value.get("base"))
            if base is not None:
                out[kind] = base
            if kind in _TIERED:
                for tier in value.get("tiers") or ():
                    price = decimal(tier.get("price"))
                    if price is not None and isinstance(tier.get("start"), int):
                        tiers.setdefault(int(tier["start"]), {})[kind] = price
        else:
            price = decimal(value)
            if price is not None:
                out[kind] = price
    requests = decimal(prices.get("requests_kcount"))
    if requests is not None:
        out["request"] = (requests / 1000).normalize()
    if tiers:
        out["tiers"] = [{"above_tokens": above, **kinds} for above, kinds in sorted(tiers.items())]
    if not prices:  # genai-prices charges nothing for a model with no prices
        out = {"input": Decimal(0), "output": Decimal(0)}
    return out


def _periods(conditional: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dated price sets -> periods, oldest first; time-of-day sets -> the one in force most of the day."""
    dated = [c for c in conditional if not (c.get("constraint") or {}).get("start_time")]
    timed = [c for c in conditional if (c.get("constraint") or {}).get("start_time")]
    if timed:
        # the unconstrained set applies outside every window; keep whichever covers more of the day
        window = sum(_minutes(c["constraint"]) for c in timed)
        longest = max(timed, key=lambda c: _minutes(c["constraint"]))
        if window > 12 * 60 or not dated:
            return [pricing(longest.get("prices") or {})]
        return [pricing(dated[0].get("prices") or {})]
    periods: list[dict[str, Any]] = []
    starts = [str((c.get("constraint") or {}).get("start_date") or "") for c in dated]
    for i, (cond, start) in enumerate(zip(dated, starts, strict=True)):
        period = pricing(cond.get("prices") or {})
        if start:
            period["effective_from"] = start
        following = next((s for s in starts[i + 1 :] if s), None)
        if following:
            period["effective_until"] = following
        periods.append(period)
    return periods


def _minutes(constraint: dict[str, Any]) -> int:
    def at(text: str) -> int:
        hours, minutes = text.rstrip("Z").split(":")[:2]
        return int(hours) * 60 + int(minutes)

    start, end = at(str(constraint["start_time"])), at(str(constraint["end_time"]))
    return (end - start) % (24 * 60)
