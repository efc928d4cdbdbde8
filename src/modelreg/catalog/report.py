"""What the build decided, in numbers and lists: conflicts filtered and counted, and how often the sources
agree (the measurement behind merge.yaml's fallback order). Shared by `modelreg catalog conflicts`,
`catalog stats --agreement` and the tests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from modelreg.schema import Conflict


def subject_owner(subject: str, records: dict[str, Any]) -> tuple[str | None, str | None]:
    """(maker, platform) of a conflict's subject: a model id, a route id, ``route@region`` (or variant), or
    ``route (model string)`` where a platform takes several strings for one route."""
    route_id = subject.partition("@")[0].partition(" (")[0]
    route = records["routes"].get(route_id)
    if route is not None:
        return route["model"].partition("/")[0], route["platform"]
    if subject in records["models"]:
        return subject.partition("/")[0], None
    return None, None


def filter_conflicts(
    conflicts: Iterable[Conflict],
    records: dict[str, Any],
    *,
    rule: str | None = None,
    provider: str | None = None,
    platform: str | None = None,
    subject: str | None = None,
) -> list[Conflict]:
    """The conflicts decided by ``rule``, about models of ``provider`` (the maker) or served on
    ``platform``, whose subject starts with ``subject``; each filter left out matches everything."""
    out = []
    for conflict in conflicts:
        if rule is not None and conflict.rule != rule:
            continue
        if subject is not None and not conflict.subject.startswith(subject):
            continue
        if provider is not None or platform is not None:
            maker, served_on = subject_owner(conflict.subject, records)
            if provider is not None and (maker or "").lower() != provider.lower():
                continue
            if platform is not None and (served_on or "").lower() != platform.lower():
                continue
        out.append(conflict)
    return out


def count_by_rule(conflicts: Iterable[Conflict]) -> dict[str, int]:
    """How many conflicts each merge rule decided, most first."""
    return dict(Counter(c.rule for c in conflicts).most_common())


def agreement(observed: Iterable[tuple[str, str, dict[str, Any]]]) -> dict[str, Any]:
    """How the sources' prices agree, over every price two or more of them state for one subject.

    ``pairs``: per pair of sources, fields where they agree and differ; ``three_way``: over fields all
    three state, how often all agree, and when not, who sides with whom (``odd_one_out`` per source);
    ``kept``: per source, the fields where the value kept is its value (of the fields it states)."""
    from modelreg.sync.merge import KEPT

    pairs: Counter[tuple[str, str, str]] = Counter()
    odd: Counter[str] = Counter()
    kept: Counter[tuple[str, bool]] = Counter()
    three = together = split = 0
    for _, field, stated in observed:
        if not field.startswith("pricing"):
            continue
        decided = stated.get(KEPT)
        values = {
            source: Decimal(str(v)).normalize() for source, v in stated.items() if source not in ("overrides", KEPT)
        }
        for source, value in values.items():
            kept[(source, decided is not None and value == Decimal(str(decided)).normalize())] += 1
        names = sorted(values)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                pairs[(a, b, "agree" if values[a] == values[b] else "differ")] += 1
        if len(values) == 3:
            three += 1
            distinct = set(values.values())
            if len(distinct) == 1:
                together += 1
            elif len(distinct) == 3:
                split += 1
            else:
                odd.update(s for s, v in values.items() if list(values.values()).count(v) == 1)
    return {
        "pairs": {
            f"{a} & {b}": {"agree": pairs[(a, b, "agree")], "differ": pairs[(a, b, "differ")]}
            for a, b in sorted({(a, b) for a, b, _ in pairs})
        },
        "three_way": {"fields": three, "all_agree": together, "all_differ": split, "odd_one_out": dict(odd)},
        "kept": {
            source: {"kept": kept[(source, True)], "stated": kept[(source, True)] + kept[(source, False)]}
            for source in sorted({s for s, _ in kept})
        },
    }
