"""What changed between two states of the registry's records: new and removed models and routes, price
changes (old -> new, percent), limit and capability changes, new deprecations, other facts.

``diff(old, new, sources=…)`` compares records (JSON-shaped, as ``catalog.index.compile_records`` and a
registry's view hold them) field by field. Each change is credited to the source whose facts moved it (a
record's ``sources`` say which source supplied which field); with ``sources`` given, only changes some of
those sources supplied are kept, so a sync of one source never reports another's drift as its own.
Renderers: ``as_json``, ``as_markdown`` (a pull-request description) and ``rich_tables``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

MODEL_FIELDS = (
    "pricing",
    "limits",
    "capabilities",
    "lifecycle",
    "modalities_in",
    "modalities_out",
    "display_name",
    "knowledge_cutoff",
    "open_weights",
    "size_b",
)
ROUTE_FIELDS = ("pricing", "limits", "model_string")
FIELDS = {"model": MODEL_FIELDS, "route": ROUTE_FIELDS}
KINDS = {"model": "models", "route": "routes"}
COUNTED = {
    "price": "price changes",
    "limits": "limit changes",
    "capabilities": "capability changes",
    "deprecation": "new deprecations",
    "fact": "other facts",
}


@dataclass(frozen=True, slots=True)
class Change:
    """One change of one record. ``what``: added | removed | price | limits | capabilities | deprecation |
    fact. ``field`` is the record's top-level field (None for added/removed); ``old``/``new`` its whole
    value (the whole record for added/removed). ``items`` the parts that moved: (name, old, new)."""

    kind: str
    subject: str
    what: str
    field: str | None
    old: Any
    new: Any
    source: str | None
    items: tuple[tuple[str, Any, Any], ...] = ()

    @property
    def largest_percent(self) -> float | None:
        """For a price change: the largest relative move of one price, in percent (None: none compares)."""
        moves = [abs(p) for _, old, new in self.items for p in [percent(old, new)] if p is not None]
        return max(moves) if moves else None

    def summary(self) -> str:
        if self.what == "added":
            return "new"
        if self.what == "removed":
            return "gone upstream"
        if self.what == "price":
            return ", ".join(_price_item(name, old, new) for name, old, new in self.items)
        if self.what == "capabilities":
            gained = sorted(set(self.new or ()) - set(self.old or ()))
            lost = sorted(set(self.old or ()) - set(self.new or ()))
            return ", ".join([*(f"+{c}" for c in gained), *(f"-{c}" for c in lost)])
        return ", ".join(f"{name}: {_shown(old)} → {_shown(new)}" for name, old, new in self.items)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "subject": self.subject,
            "what": self.what,
            "field": self.field,
            "source": self.source,
            "summary": self.summary(),
        }
        if self.what == "price":
            out["prices"] = [
                {"price": name, "old": old, "new": new, "percent": _rounded(percent(old, new))}
                for name, old, new in self.items
            ]
        elif self.items:
            out["items"] = [{"name": name, "old": old, "new": new} for name, old, new in self.items]
        out["old"], out["new"] = self.old, self.new
        return out


@dataclass(slots=True)
class Diff:
    changes: list[Change] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.changes)

    def __iter__(self) -> Any:
        return iter(self.changes)

    def of(self, what: str, kind: str | None = None) -> list[Change]:
        return [c for c in self.changes if c.what == what and (kind is None or c.kind == kind)]

    def counts(self) -> dict[str, int]:
        counted = Counter(f"{c.kind}s {c.what}" if c.what in ("added", "removed") else COUNTED[c.what] for c in self)
        return dict(sorted(counted.items()))

    def as_json(self) -> dict[str, Any]:
        return {"counts": self.counts(), "changes": [c.as_dict() for c in self.changes]}

    def as_markdown(self, title: str = "Upstream changes") -> str:
        lines = [f"## {title}", ""]
        if not self.changes:
            return "\n".join([*lines, "No changes.", ""])
        lines.append(", ".join(f"{n} {what}" for what, n in self.counts().items()))
        for heading, picked in _sections(self):
            if not picked:
                continue
            lines += ["", f"### {heading} ({len(picked)})", "", "| record | change | source |", "| --- | --- | --- |"]
            lines += [f"| `{c.subject}` | {_md(c.summary())} | {c.source or ''} |" for c in picked]
        return "\n".join(lines) + "\n"

    def rich_tables(self) -> list[Any]:
        """One rich Table per kind of change (rich is imported here only)."""
        from rich.table import Table

        tables = []
        for heading, picked in _sections(self):
            if not picked:
                continue
            table = Table(title=f"{heading} ({len(picked)})", title_justify="left")
            table.add_column("record", overflow="fold")
            table.add_column("change", overflow="fold")
            table.add_column("source")
            for c in picked:
                table.add_row(c.subject, c.summary(), c.source or "")
            tables.append(table)
        return tables


def diff(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    *,
    sources: Collection[str] | None = None,
    kinds: Iterable[str] = ("model", "route"),
) -> Diff:
    """The changes from records ``old`` to records ``new`` ({"models": {id: raw}, "routes": {id: raw}}).
    With ``sources``, only the changes one of them supplied (by the records' ``sources``)."""
    out = Diff()
    for kind in kinds:
        before, after = old.get(KINDS[kind]) or {}, new.get(KINDS[kind]) or {}
        for subject in sorted(before.keys() | after.keys()):
            was, now = before.get(subject), after.get(subject)
            if was == now:
                continue
            if was is None:
                assert now is not None
                credit = _credit(now, None, sources)
                if credit is not _OUT:
                    out.changes.append(Change(kind, subject, "added", None, None, _plain(now), credit))
                continue
            if now is None:
                credit = _credit(was, None, sources)
                if credit is not _OUT:
                    out.changes.append(Change(kind, subject, "removed", None, _plain(was), None, credit))
                continue
            for name in FIELDS[kind]:
                a, b = was.get(name), now.get(name)
                if name == "pricing":  # a price's period is the store's bookkeeping, not a fact that moved
                    if kind == "route" and was.get("direct") and now.get("direct"):
                        continue  # a maker's own route bills its model's price: the model's change says it
                    a, b = _unperiod(a), _unperiod(b)
                if _norm(a) == _norm(b):
                    continue
                credit = _credit(now, name, sources, was)
                if credit is _OUT:
                    continue
                out.changes.append(_field_change(kind, subject, name, a, b, credit))
    return out


def _unperiod(pricing: Any) -> Any:
    if not isinstance(pricing, dict) or not ({"effective_from", "effective_until"} & pricing.keys()):
        return pricing
    return {k: v for k, v in pricing.items() if k not in ("effective_from", "effective_until")}


def percent(old: Any, new: Any) -> float | None:
    """(new - old) / old in percent, for two numbers with a non-zero old; else None."""
    a, b = _dec(old), _dec(new)
    if a is None or b is None or a == 0:
        return None
    return float((b - a) / a * 100)


_OUT = object()  # a change none of the given sources supplied


def _credit(record: Mapping[str, Any], name: str | None, sources: Collection[str] | None, *more: Any) -> Any:
    """The source that supplied ``name`` of the record (any field when None); _OUT when ``sources`` are
    given and none of them did."""
    refs = [ref for rec in (record, *more) if rec for ref in rec.get("sources") or ()]
    for ref in refs:
        if (name is None or name in (ref.get("fields") or ())) and (sources is None or ref.get("source") in sources):
            return ref.get("source")
    if sources is None:
        return next((ref.get("source") for ref in refs if ref.get("source") != "store"), None)
    return _OUT


def _field_change(kind: str, subject: str, name: str, old: Any, new: Any, source: str | None) -> Change:
    if name == "pricing":
        a, b = old or {}, new or {}
        items = tuple(
            (k, a.get(k), b.get(k))
            for k in sorted(a.keys() | b.keys())
            if not isinstance(a.get(k) or b.get(k), list | dict) and _norm(a.get(k)) != _norm(b.get(k))
        )
        if not items:  # only tiers moved
            items = (("tiers", len(a.get("tiers") or ()), len(b.get("tiers") or ())),)
        return Change(kind, subject, "price", name, old, new, source, items)
    if name == "capabilities":
        return Change(kind, subject, "capabilities", name, old, new, source)
    if name in ("limits", "lifecycle") and isinstance(old or {}, dict) and isinstance(new or {}, dict):
        a, b = old or {}, new or {}
        items = tuple(
            (k, a.get(k), b.get(k)) for k in sorted(a.keys() | b.keys()) if _norm(a.get(k)) != _norm(b.get(k))
        )
        if name == "limits":
            return Change(kind, subject, "limits", name, old, new, source, items)
        newly = any(k in ("deprecation_date", "retirement_date") and o is None and n for k, o, n in items) or any(
            k == "status" and n in ("deprecated", "retired") and o != n for k, o, n in items
        )
        return Change(kind, subject, "deprecation" if newly else "fact", name, old, new, source, items)
    return Change(kind, subject, "fact", name, old, new, source, ((name, old, new),))


def _sections(d: Diff) -> list[tuple[str, list[Change]]]:
    return [
        ("New models", d.of("added", "model")),
        ("Removed models", d.of("removed", "model")),
        ("New routes", d.of("added", "route")),
        ("Removed routes", d.of("removed", "route")),
        ("Price changes", d.of("price")),
        ("Limit changes", d.of("limits")),
        ("Capability changes", d.of("capabilities")),
        ("New deprecations", d.of("deprecation")),
        ("Other facts", d.of("fact")),
    ]


def _plain(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ("sources", "price_history")}


def _norm(value: Any) -> Any:
    """A value as compared: numbers by value (1.50 == 1.5), lists as sets where order means nothing."""
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        normed = [_norm(v) for v in value]
        try:
            return tuple(sorted(normed))
        except TypeError:
            return tuple(map(repr, normed))
    number = _dec(value)
    return number.normalize() if number is not None else value


def _dec(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _price_item(name: str, old: Any, new: Any) -> str:
    moved = percent(old, new)
    shown = f" ({moved:+.1f}%)" if moved is not None else ""
    return f"{name} {_shown(old)} → {_shown(new)}{shown}"


def _shown(value: Any) -> str:
    return "—" if value is None else str(value)


def _md(text: str) -> str:
    return text.replace("|", "\\|")
