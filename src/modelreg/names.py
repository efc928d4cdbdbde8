"""Turning the names people and platforms write into comparable keys.

Small pure functions shared by the catalog build (which matches platform model strings to models)
and the registry (which resolves what users type).
"""

from __future__ import annotations

import re
from decimal import Decimal

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_MIXTURE = re.compile(r"(?<![a-z0-9.])(\d+)x(\d+(?:\.\d+)?)b(?![a-z])")
_BILLIONS = re.compile(r"(?<![a-z0-9.])(\d+(?:\.\d+)?)b(?![a-z])")
_MILLIONS = re.compile(r"(?<![a-z0-9.])(\d+(?:\.\d+)?)m(?![a-z])")


def fold(name: str) -> str:
    """A key that ignores case and punctuation: ``claude-3.5-sonnet`` and ``Claude-3-5-Sonnet`` agree."""
    return _NOT_ALNUM.sub("", name.lower())


def size_from_name(name: str) -> Decimal | None:
    """Parameters in billions as written in a model name: ``8x7b`` -> 56, ``70b`` -> 70, ``22m`` -> 0.022.

    Active-parameter counts (``a22b``) and effective sizes (``e2b``) are not the model's size and are
    skipped. Returns None when the name states no size.
    """
    lowered = name.lower().replace("_", "-")
    mixture = _MIXTURE.search(lowered)
    if mixture:
        return (Decimal(mixture.group(1)) * Decimal(mixture.group(2))).normalize()
    billions = _BILLIONS.search(lowered)
    if billions:
        return Decimal(billions.group(1)).normalize()
    millions = _MILLIONS.search(lowered)
    if millions:
        return (Decimal(millions.group(1)) / 1000).normalize()
    return None


def split_id(model_id: str) -> tuple[str, str]:
    """``provider/model`` -> (provider, model); the model part may itself contain slashes."""
    provider, _, model = model_id.partition("/")
    return provider, model


class NameTable:
    """Per maker: which model each name means, exactly (case-blind) or by its punctuation-blind key.

    The build uses it to match platform strings to models, the registry to resolve what users type. A
    punctuation-blind match counts only when exactly one model has that key: never a guess.
    """

    __slots__ = ("_exact", "_folded")

    def __init__(self) -> None:
        self._exact: dict[str, dict[str, str]] = {}
        self._folded: dict[str, dict[str, set[str]]] = {}

    def add(self, provider: str, name: str, model_id: str, *, replace: bool = False) -> None:
        """Record that ``name`` (of ``provider``) means ``model_id``; ``replace`` lets it win over an earlier claim."""
        exact = self._exact.setdefault(provider, {})
        if replace:
            exact[name.lower()] = model_id
        else:
            exact.setdefault(name.lower(), model_id)
        self._folded.setdefault(provider, {}).setdefault(fold(name), set()).add(model_id)

    def find(self, provider: str, names: tuple[str, ...] | list[str]) -> str | None:
        """The model ``names`` mean at ``provider``: exact names first (best first), then unique folded keys."""
        exact = self._exact.get(provider, {})
        for name in names:
            hit = exact.get(name.lower())
            if hit:
                return hit
        folded = self._folded.get(provider, {})
        for name in names:
            hits = folded.get(fold(name), ())
            if len(hits) == 1:
                return next(iter(hits))
        return None

    def providers(self) -> list[str]:
        return list(self._exact)
