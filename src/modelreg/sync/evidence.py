"""Deciding one fact from several sources by evidence (the rules in catalog/merge.yaml).

For one field of one subject (a model or a deployment) each source states at most one value. When they
disagree, the rules narrow the candidates in order — ``override``, ``invariant``, ``majority``,
``precision``, ``fallback`` — and the first rule that leaves one value decides. The decision, every
source's value and the rule's name make the ``Conflict`` that conflicts.yaml keeps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from modelreg.errors import CatalogError
from modelreg.schema import Conflict

OVERRIDES = "overrides"
RULES = ("override", "invariant", "majority", "precision", "fallback")
MIN_ROUNDED_PLACES = 2  # sources round to cents or finer; coarser differences are different prices

Check = Callable[[Any], str | None]
"""An invariant on a candidate value: the invariant's name when the value breaks it, else None."""


@dataclass(slots=True)
class MergeRules:
    """catalog/merge.yaml: the fallback orders, what may be free, priced variants, evidence scopes."""

    fallback: dict[str, tuple[str, ...]]
    invariants: dict[str, str]
    free_variants: tuple[str, ...] = ()
    free_platforms: tuple[str, ...] = ()
    variants: dict[str, tuple[str, ...]] = field(default_factory=dict)
    evidence_regions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    regional_entries: tuple[str, ...] = ()
    evidence_only: dict[str, tuple[str, ...]] = field(default_factory=dict)
    accepted: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path, *, variants: dict[str, tuple[str, ...]] | None = None) -> MergeRules:
        """The rules of ``path``; ``variants`` are the platforms' priced variants (``Rules.variants()``)."""
        from modelreg.catalog.yamlio import load

        try:
            raw: dict[str, Any] = load(path) or {}
        except OSError as exc:
            raise CatalogError(f"cannot read the merge rules {path}: {exc}") from exc
        if tuple(raw.get("rules") or ()) != RULES:
            raise CatalogError(f"{path}: `rules` must list {', '.join(RULES)} in that order (the code applies them so)")
        return cls(
            fallback={group: tuple(order) for group, order in (raw.get("fallback") or {}).items()},
            invariants=dict(raw.get("invariants") or {}),
            free_variants=tuple((raw.get("free") or {}).get("variants") or ()),
            free_platforms=tuple((raw.get("free") or {}).get("platforms") or ()),
            variants=dict(variants or {}),
            evidence_regions={
                p: tuple(str(r or "") for r in v) for p, v in (raw.get("evidence_regions") or {}).items()
            },
            regional_entries=tuple(raw.get("regional_entries") or ()),
            evidence_only={src: tuple(kinds) for src, kinds in (raw.get("evidence_only") or {}).items()},
            accepted=_accepted(path, raw.get("accepted") or []),
        )

    def variant_of(self, platform: str, model_string: str) -> str | None:
        """The priced variant a platform's model string names (``:free``), or None for the base."""
        return next((v for v in self.variants.get(platform, ()) if model_string.endswith(v)), None)

    def is_free(self, platform: str | None, variant: str | None) -> bool:
        """True where a zero price is believed from one source: free variants and free platforms."""
        return (variant is not None and variant in self.free_variants) or platform in self.free_platforms

    def decide(
        self,
        subject: str,
        field_name: str,
        stated: Sequence[tuple[str, Any]],
        *,
        group: str,
        checks: Sequence[Check] = (),
    ) -> tuple[Any, Conflict | None]:
        """The value of ``field_name`` from ``stated`` (label, value) pairs in precedence order (the
        override first, then each source's best entry first), and the Conflict when sources disagree.

        A label is ``overrides`` or ``<source>:<key>``; only each source's first value counts."""
        per_source: dict[str, tuple[str, Any]] = {}
        for label, value in stated:
            if value is not None:
                per_source.setdefault(source_of(label), (label, value))
        if not per_source:
            return None, None
        distinct = {_norm(v) for _, v in per_source.values()}
        if len(per_source) == 1 and OVERRIDES not in per_source:
            label, value = next(iter(per_source.values()))
            broken = _first_broken(checks, value)
            if broken:  # a lone value that breaks an invariant is no evidence: the field stays unknown
                return None, _conflict(subject, field_name, per_source, "", "invariant", f"lone value breaks {broken}")
            return value, None
        if len(distinct) == 1 and OVERRIDES not in per_source:
            return next(iter(per_source.values()))[1], None
        if OVERRIDES in per_source:
            label, value = per_source[OVERRIDES]
            others = {s: lv for s, lv in per_source.items() if s != OVERRIDES}
            if all(_norm(v) == _norm(value) for _, v in others.values()):
                return value, None
            return value, _conflict(subject, field_name, per_source, label, "override", None)
        candidates = dict(per_source)
        notes: list[str] = []
        rule = "fallback"
        for step in ("invariant", "majority", "precision"):
            candidates, note = getattr(self, f"_{step}")(candidates, checks)
            if note:
                notes.append(note)
            if len({_norm(v) for _, v in candidates.values()}) == 1:
                rule = step
                break
        else:
            order = self.fallback.get(group, ())
            ranked = sorted(candidates, key=lambda s: order.index(s) if s in order else len(order))
            candidates = {ranked[0]: candidates[ranked[0]]}
        label, value = self._chosen(candidates, group)
        return value, _conflict(subject, field_name, per_source, label, rule, "; ".join(notes) or None)

    def _chosen(self, candidates: dict[str, tuple[str, Any]], group: str) -> tuple[str, Any]:
        order = self.fallback.get(group, ())
        first = min(candidates, key=lambda s: order.index(s) if s in order else len(order))
        return candidates[first]

    def _invariant(
        self, candidates: dict[str, tuple[str, Any]], checks: Sequence[Check]
    ) -> tuple[dict[str, tuple[str, Any]], str | None]:
        broken = {s: name for s, (_, v) in candidates.items() for name in [_first_broken(checks, v)] if name}
        if not broken or len(broken) == len(candidates):
            return candidates, None
        note = ", ".join(f"{s}'s {candidates[s][1]} breaks {name}" for s, name in sorted(broken.items()))
        return {s: lv for s, lv in candidates.items() if s not in broken}, note

    def _majority(
        self, candidates: dict[str, tuple[str, Any]], checks: Sequence[Check]
    ) -> tuple[dict[str, tuple[str, Any]], str | None]:
        counts: dict[Any, int] = {}
        for _, value in candidates.values():
            counts[_norm(value)] = counts.get(_norm(value), 0) + 1
        top = max(counts.values())
        leaders = [v for v, n in counts.items() if n == top]
        if top < 2 or len(leaders) > 1:
            return candidates, None
        return {s: lv for s, lv in candidates.items() if _norm(lv[1]) == leaders[0]}, None

    def _precision(
        self, candidates: dict[str, tuple[str, Any]], checks: Sequence[Check]
    ) -> tuple[dict[str, tuple[str, Any]], str | None]:
        values = [v for _, v in candidates.values()]
        rounded = {
            s for s, (_, v) in candidates.items() if any(is_rounding(v, of=w) for w in values if _norm(w) != _norm(v))
        }
        if not rounded or len(rounded) == len(candidates):
            return candidates, None
        note = ", ".join(f"{s}'s {candidates[s][1]} is rounded" for s in sorted(rounded))
        return {s: lv for s, lv in candidates.items() if s not in rounded}, note


def _accepted(path: Path, entries: list[Any]) -> list[dict[str, str]]:
    """merge.yaml ``accepted``: audit violations known and explained, each with a ``reason``."""
    out = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not {"subject", "invariant", "reason"} <= set(entry) or not entry["reason"]:
            raise CatalogError(f"{path}: accepted[{i}] needs subject, invariant and a reason")
        out.append({k: str(v) for k, v in entry.items()})
    return out


def source_of(label: str) -> str:
    """The source named by a contribution label (``litellm:gpt-4o`` -> ``litellm``)."""
    return label.partition(":")[0]


def is_rounding(value: Any, *, of: Any) -> bool:
    """True when ``value`` is ``of`` rounded to fewer decimal places, two or more (models.dev's 0.08 for
    0.075, 0.01 for 0.005); a whole or one-decimal price (3 against 3.3) is a price of its own."""
    if not isinstance(value, int | float | Decimal) or not isinstance(of, int | float | Decimal):
        return False
    short, long = Decimal(str(value)).normalize(), Decimal(str(of)).normalize()
    places = max(0, -int(short.as_tuple().exponent))
    if places < MIN_ROUNDED_PLACES or places >= max(0, -int(long.as_tuple().exponent)):
        return False
    step = Decimal(1).scaleb(-places)
    return any(long.quantize(step, rounding=mode) == short for mode in (ROUND_HALF_UP, ROUND_HALF_EVEN))


def _first_broken(checks: Sequence[Check], value: Any) -> str | None:
    return next((name for check in checks for name in [check(value)] if name), None)


def _conflict(
    subject: str,
    field_name: str,
    per_source: dict[str, tuple[str, Any]],
    chosen: str,
    rule: str,
    reason: str | None,
) -> Conflict:
    return Conflict(
        subject=subject,
        field=field_name,
        values={label: value for label, value in per_source.values()},
        chosen=chosen,
        rule=rule,
        reason=reason,
    )


def _norm(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    return Decimal(str(value)).normalize() if isinstance(value, int | float | Decimal) else repr(value)
