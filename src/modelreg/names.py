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
