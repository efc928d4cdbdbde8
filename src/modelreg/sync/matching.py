"""A source's own rule for which names one of its entries means, asked about names other sources made known.

genai-prices writes such rules (clauses ``equals``, ``starts_with``, ``ends_with``, ``contains``, ``regex``
combined with ``or``/``and``; case-blind but the regex); an entry that only prices models other entries
name (LiteLLM's image-generation entries) gets the rule ``{"equals": <its model string>}``.
"""

from __future__ import annotations

import re
from typing import Any

CERTAIN = "certain"
GUESS = "guess"

# What a prefix or substring clause may leave over and still mean the same model: a platform scope or org
# in front (``us.``, ``anthropic.``, ``publishers/google/models/``), a version behind: a dated or
# three-digit version (-20241022, -001), a ``-v1:0``/``:0`` API version, a ``@…`` Vertex version, -latest.
# Never a bare digit or two: ``claude-opus-4`` does not match ``claude-opus-4-1``.
_LEFT_OVER_BEFORE = re.compile(r"^(|.*[./])$")
_LEFT_OVER_AFTER = re.compile(r"^((-|@)(v\d+(:\d+)?|\d{3,}|latest)|:\d+|@[A-Za-z0-9.-]+)*$")


class Match:
    """One entry's match rule, evaluated the way genai-prices does (case-blind; a regex as written)."""

    __slots__ = ("_certain", "entry_id", "rule")

    def __init__(self, rule: dict[str, Any], entry_id: str) -> None:
        self.rule = rule
        self.entry_id = entry_id
        names = [entry_id]
        for name in _equals(rule):
            if name.lower() not in {n.lower() for n in names}:
                names.append(name)
        self._certain = tuple(names)

    def test(self, name: str) -> str | None:
        """``CERTAIN`` when ``name`` is the entry's id or one of its ``equals`` names, ``GUESS`` when
        another clause matches and leaves over only a scope or a version, else None."""
        return self.explain(name)[0]

    def explain(self, name: str) -> tuple[str | None, str | None]:
        """Like ``test``, with the text of the clause that matched (the id for the id)."""
        if name.lower() == self.entry_id.lower():
            return CERTAIN, self.entry_id
        return _test(self.rule, name)

    def certain_names(self) -> tuple[str, ...]:
        """The entry's id and every ``equals`` name (the names the entry certainly means)."""
        return self._certain


def _test(rule: dict[str, Any], name: str) -> tuple[str | None, str | None]:
    lowered = name.lower()
    if "or" in rule:
        results = [_test(clause, name) for clause in rule["or"]]
        return next((r for r in results if r[0] == CERTAIN), next((r for r in results if r[0] == GUESS), (None, None)))
    if "and" in rule:
        results = [_test(clause, name) for clause in rule["and"]]
        if any(r[0] is None for r in results):
            return None, None
        return (CERTAIN if all(r[0] == CERTAIN for r in results) else GUESS), results[0][1]
    if "equals" in rule:
        return (CERTAIN, str(rule["equals"])) if lowered == str(rule["equals"]).lower() else (None, None)
    if "regex" in rule:
        return (GUESS, str(rule["regex"])) if re.search(str(rule["regex"]), name) else (None, None)
    for kind in ("starts_with", "ends_with", "contains"):
        if kind not in rule:
            continue
        part = str(rule[kind]).lower()
        if kind == "starts_with":
            at = 0 if lowered.startswith(part) else -1
        elif kind == "ends_with":
            at = len(lowered) - len(part) if lowered.endswith(part) else -1
        else:
            at = lowered.find(part)
        while at >= 0:
            before, after = lowered[:at], lowered[at + len(part) :]
            # a clause that ends inside a version (gemini-2.0-flash-0 of -001) is read with its last piece
            piece = re.search(r"[-@:][^-@:]*$", part) if part[-1:].isalnum() and after[:1].isalnum() else None
            if _LEFT_OVER_BEFORE.match(before) and _LEFT_OVER_AFTER.match((piece.group() if piece else "") + after):
                return GUESS, str(rule[kind])
            at = lowered.find(part, at + 1) if kind == "contains" else -1
        return None, None
    return None, None


def _equals(rule: dict[str, Any]) -> list[str]:
    if "equals" in rule:
        return [str(rule["equals"])]
    return [name for clause in rule.get("or", ()) for name in _equals(clause)]
