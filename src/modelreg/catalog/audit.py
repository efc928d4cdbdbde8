"""The catalog's invariants, checked over every model, route and deployment.

`modelreg catalog build` refuses to write a catalog that breaks one (unless merge.yaml `accepted` lists
the subject with a reason), and `modelreg catalog audit` lists every violation of the committed catalog.
The checks read records in their JSON form (records.json), so the build and the CLI run the same code:

  cache_read_above_input     a cache read costs more than plain input
  cache_write_below_input    a cache write costs less than plain input
  zero_without_evidence      a zero input or output price that fewer than two sources state, on a model or
                             deployment that is neither a free variant nor on a free platform
  media_output_as_text       the text output price equals the image or audio output price
  vision_without_image       ``vision`` without image input, or image input without ``vision``
  missing_long_context_tier  a route billing the maker's base prices without the maker's long-context tier
  regional_inconsistent      a regional deployment's prices are not the same multiple of the route's in
                             every tier (Bedrock's 1.1x profiles: base and long-context alike)
  lifecycle_order            deprecation after retirement
  bad_replacement            a replacement that is the model itself or no model at all
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from modelreg.sync.evidence import MergeRules

KINDS = ("input", "output", "cache_read", "cache_write")


@dataclass(frozen=True, slots=True)
class Violation:
    """One subject (model, route or ``route@region``) breaking one invariant, said plainly."""

    subject: str
    invariant: str
    detail: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.invariant}: {self.detail}"


def audit(records: dict[str, Any], merge_rules: MergeRules) -> list[Violation]:
    """Every violation in ``records`` (the records document), sorted; accepted ones left out."""
    found = {(v.subject, v.invariant, v.detail): v for v in [*_models(records), *_routes(records, merge_rules)]}
    return sorted(
        (v for v in found.values() if not _accepted(v, merge_rules.accepted)),
        key=lambda v: (v.subject, v.invariant, v.detail),
    )


def _accepted(violation: Violation, accepted: list[dict[str, str]]) -> bool:
    return any(
        a["invariant"] == violation.invariant and fnmatch.fnmatchcase(violation.subject, a["subject"]) for a in accepted
    )


def _models(records: dict[str, Any]) -> Iterator[Violation]:
    models = records["models"]
    for mid, model in models.items():
        yield from _prices(mid, model.get("pricing") or {}, free=False, priced_by=_pricers(model))
        capabilities = set(model.get("capabilities") or ())
        modalities = set(model.get("modalities_in") or ["text"])
        if ("vision" in capabilities) != ("image" in modalities):
            has = "claims vision without" if "vision" in capabilities else "takes images without"
            yield Violation(mid, "vision_without_image", f"{has} the other")
        lifecycle = model.get("lifecycle") or {}
        deprecated, retired = lifecycle.get("deprecation_date"), lifecycle.get("retirement_date")
        if deprecated and retired and str(deprecated) > str(retired):
            yield Violation(mid, "lifecycle_order", f"deprecated {deprecated} after retired {retired}")
        replacement = lifecycle.get("replacement")
        if replacement is not None and (replacement == mid or replacement not in models):
            why = "is the model itself" if replacement == mid else "is no model of the catalog"
            yield Violation(mid, "bad_replacement", f"replacement {replacement} {why}")


def _routes(records: dict[str, Any], merge_rules: MergeRules) -> Iterator[Violation]:
    models = records["models"]
    for rid, route in records["routes"].items():
        if route.get("direct"):
            continue  # the maker's own API bills the model's price, checked above
        platform = route["platform"]
        route_pricing = route.get("pricing") or {}
        free_platform = merge_rules.is_free(platform, None)
        yield from _prices(rid, route_pricing, free=free_platform, priced_by=_pricers(route))
        maker = (models.get(route["model"]) or {}).get("pricing") or {}
        if maker.get("tiers") and not route_pricing.get("tiers") and _same_base(route_pricing, maker):
            yield Violation(rid, "missing_long_context_tier", "bills the maker's base prices but not its tiers")
        for deployment in route.get("deployments") or ():
            tag = deployment.get("region") or deployment.get("variant")
            pricing = deployment.get("pricing")
            if not tag or not pricing:
                continue
            subject = f"{rid}@{tag}"
            free = merge_rules.is_free(platform, deployment.get("variant"))
            yield from _prices(subject, pricing, free=free, priced_by=2)
            if deployment.get("region") and route_pricing:
                yield from _regional(subject, pricing, route_pricing)


def _prices(subject: str, pricing: dict[str, Any], *, free: bool, priced_by: int) -> Iterator[Violation]:
    levels = [("", pricing)] + [(f" above {t['above_tokens']}", {**pricing, **t}) for t in pricing.get("tiers") or ()]
    for where, level in levels:
        price = {k: _dec(level.get(k)) for k in KINDS}
        if price["input"] is not None and price["cache_read"] is not None and price["cache_read"] > price["input"]:
            yield Violation(subject, "cache_read_above_input", f"cache read {price['cache_read']}{where} > input")
        if price["input"] is not None and price["cache_write"] is not None and price["cache_write"] < price["input"]:
            yield Violation(subject, "cache_write_below_input", f"cache write {price['cache_write']}{where} < input")
    if not free and priced_by < 2:
        for kind in ("input", "output"):
            if _dec(pricing.get(kind)) == 0:
                yield Violation(subject, "zero_without_evidence", f"{kind} is 0 and only one source says so")
    output = _dec(pricing.get("output"))
    for kind in ("output_image", "output_audio"):
        media = _dec(pricing.get(kind))
        if output is not None and media is not None and output == media and output != _dec(pricing.get("input")):
            yield Violation(subject, "media_output_as_text", f"output equals {kind} ({media})")


def _regional(subject: str, regional: dict[str, Any], reference: dict[str, Any]) -> Iterator[Violation]:
    """A region bills each price at one multiple of the route's, in the base and in every tier: the same
    uplift for long prompts as for short ones (and a region priced apart carries the route's tiers)."""
    ratios = {k: _ratio(regional.get(k), reference.get(k)) for k in KINDS}
    tiers = {t["above_tokens"]: t for t in reference.get("tiers") or ()}
    own = {t["above_tokens"]: t for t in regional.get("tiers") or ()}
    if tiers and not own and any(r is not None and r != 1 for r in ratios.values()):
        yield Violation(subject, "regional_inconsistent", "priced apart from the route but without its tiers")
        return
    for above, tier in own.items():
        reference_tier = tiers.get(above)
        for kind, base in ratios.items():
            if base is None or reference_tier is None:
                continue
            ratio = _ratio(tier.get(kind), reference_tier.get(kind))
            if ratio is not None and abs(ratio - base) > base / 100:
                yield Violation(
                    subject, "regional_inconsistent", f"{kind} is {base}x the route's, but {ratio}x above {above}"
                )


def _ratio(mine: Any, theirs: Any) -> Decimal | None:
    mine, theirs = _dec(mine), _dec(theirs)
    return None if mine is None or not theirs else (mine / theirs).quantize(Decimal("0.001"))


def _pricers(record: dict[str, Any]) -> int:
    """How many distinct upstream sources stated prices for a record (overrides count twice: curated)."""
    sources = {ref["source"] for ref in record.get("sources") or () if "pricing" in ref.get("fields", ())}
    return 2 if "overrides" in sources else len(sources)


def _same_base(pricing: dict[str, Any], maker: dict[str, Any]) -> bool:
    return all(_dec(pricing.get(k)) == _dec(maker.get(k)) and maker.get(k) is not None for k in ("input", "output"))


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))
