"""Turning the names people and platforms write into comparable keys.

Small pure functions shared by the catalog build (which matches platform model strings to models)
and the registry (which resolves what users type).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from modelreg.catalog.rules import Rules

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_SEPARATORS = re.compile(r"[-._\s]+")
_MIXTURE = re.compile(r"(?<![a-z0-9.])(\d+)x(\d+(?:\.\d+)?)b(?![a-z])")
_BILLIONS = re.compile(r"(?<![a-z0-9.])(\d+(?:\.\d+)?)b(?![a-z])")
_MILLIONS = re.compile(r"(?<![a-z0-9.])(\d+(?:\.\d+)?)m(?![a-z])")


def fold(name: str) -> str:
    """A key that ignores case and punctuation: ``claude-3.5-sonnet`` and ``Claude-3-5-Sonnet`` agree.

    Loose enough to match platforms' spellings of a model (``llama3-1-70b`` = ``llama-3.1-70b``); the
    build uses it, with curated links for the cases it cannot see.
    """
    return _NOT_ALNUM.sub("", name.lower())


def separators(name: str) -> str:
    """A key that ignores case and which separator is used (``.``, ``_``, ``-``, space), but not their
    presence: ``Claude-Sonnet-4.5`` = ``claude-sonnet-4-5``, while the typo ``gpt4o`` stays apart from
    ``gpt-4o``. The resolver uses it: people's typos get suggestions, not a silent guess."""
    return _SEPARATORS.sub("-", name.lower())


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

    __slots__ = ("_exact", "_fold", "_folded")

    def __init__(self, key: Callable[[str], str] = fold) -> None:
        self._exact: dict[str, dict[str, str]] = {}
        self._folded: dict[str, dict[str, set[str]]] = {}
        self._fold = key

    def add(self, provider: str, name: str, model_id: str, *, replace: bool = False) -> None:
        """Record that ``name`` (of ``provider``) means ``model_id``; ``replace`` lets it win over an earlier claim."""
        exact = self._exact.setdefault(provider, {})
        if replace:
            exact[name.lower()] = model_id
        else:
            exact.setdefault(name.lower(), model_id)
        self._folded.setdefault(provider, {}).setdefault(self._fold(name), set()).add(model_id)

    def find(self, provider: str, names: tuple[str, ...] | list[str]) -> str | None:
        """The model ``names`` mean at ``provider``: exact names first (best first), then unique folded keys."""
        exact = self._exact.get(provider, {})
        for name in names:
            hit = exact.get(name.lower())
            if hit:
                return hit
        folded = self._folded.get(provider, {})
        for name in names:
            hits = folded.get(self._fold(name), ())
            if len(hits) == 1:
                return next(iter(hits))
        return None

    def providers(self) -> list[str]:
        return list(self._exact)


_FINE_TUNE = re.compile(r"^ft:(?P<base>[^:]+)(:.*)?$")
_LATEST = re.compile(r"[-:@]latest$")
_BEDROCK_LIKE = re.compile(r"^((us|eu|apac|global|jp|au|ca|in|us-gov)\.)?[a-z0-9-]+\.[a-z0-9]")


class Match(NamedTuple):
    """What a name resolved to, and the rule that matched (for ``explain``)."""

    model_id: str
    route_id: str
    region: str
    rule: str
    fine_tuned: bool = False


class Resolver:
    """Turns the names people type into (model, route) — by rules, never by blind prefix matching.

    Tried in order, the first hit wins: the exact name; a user-defined alias; the name in any letter case;
    a fine-tuned name (``ft:base:org::id``) by its base; a platform or provider prefix read with that
    platform's rules (``openrouter/…``, ``bedrock/…``, ``vertex_ai/…``, ``models/…``); a bare platform
    string (Bedrock ids, Vertex ``model@version``, Ollama ``name:tag``, hub repo ids); the maker's model
    with that name or punctuation-blind key; the name without ``-latest``.
    """

    def __init__(self, names: dict[str, list[str]], rules: Rules, route_ids: Collection[str]) -> None:
        self._names = names
        self._rules = rules
        self._route_ids = route_ids
        self._lower = {name.lower(): target for name, target in reversed(list(names.items()))}
        self.table = NameTable(key=separators)
        for name, (model_id, route_id, _) in names.items():
            if not route_id and "/" in name:
                provider, _, bare = name.partition("/")
                self.table.add(provider, bare, model_id, replace=name == model_id)
        self._prefixes: dict[str, str] = {}
        for platform, spec in rules.platforms.items():
            self._prefixes[platform] = platform
            for prefix in spec.key_prefixes:
                self._prefixes.setdefault(prefix.rstrip("/").split("/")[0], platform)
        for upstream, platform in rules.upstream_platforms.get("models.dev", {}).items():
            self._prefixes.setdefault(upstream, platform)
        self.user_aliases: dict[str, str] = {}

    def resolve(self, name: str) -> Match | None:
        """The match for ``name``, or None when no rule finds one."""
        target = self._names.get(name)
        if target is not None:
            return Match(target[0], target[1], target[2], "exact name")
        text = name.strip()
        aliased = self.user_aliases.get(text) or self.user_aliases.get(text.lower())
        if aliased is not None:
            found = self.resolve(aliased)
            return None if found is None else found._replace(rule=f"user alias for {aliased!r}")
        target = self._lower.get(text.lower())
        if target is not None:
            return Match(target[0], target[1], target[2], "name in another letter case")
        fine_tune = _FINE_TUNE.match(text)
        if fine_tune:
            base = fine_tune.group("base")
            found = self.resolve(f"ft:{base}") if f"ft:{base}" != text else None
            if found is None:
                found = self.resolve(base)
            return None if found is None else found._replace(rule=f"fine-tune of {base}", fine_tuned=True)
        return self._by_rules(text)

    def _by_rules(self, text: str) -> Match | None:
        head, slash, rest = text.partition("/")
        platform = self._prefixes.get(head) if slash else None
        if platform is not None:
            found = self._on_platform(platform, text, rest)
            if found is not None:
                return found
        if slash and rest:
            provider = self._rules.orgs.get(head.lower(), head.lower())
            hit = self._find(provider, rest)
            if hit is not None:
                return Match(hit, "", "", f"model {rest!r} of provider {provider!r}")
        for guess in self._platform_guesses(text):
            found = self._on_platform(guess, text, text)
            if found is not None:
                return found
        maker = self._rules.maker_of(text)
        if maker is not None:
            hit = self._find(maker, text)
            if hit is not None:
                return Match(hit, "", "", f"{maker} model named like {text!r}")
        return None

    def _find(self, provider: str, name: str) -> str | None:
        candidates = [name]
        latest = _LATEST.sub("", name)
        if latest != name:
            candidates.append(latest)
        return self.table.find(provider, candidates)

    def _on_platform(self, platform: str, text: str, rest: str) -> Match | None:
        spec = self._rules.platforms.get(platform)
        with_prefix = spec is not None and any(text.startswith(p) for p in spec.key_prefixes)
        parsed = self._rules.parse(platform, text if with_prefix else rest, strip_prefix=with_prefix)
        route = self._names.get(f"{platform}/{parsed.model_string}")
        if route is not None and route[1]:
            return Match(route[0], route[1], route[2], f"{platform} model string {parsed.model_string!r}")
        if parsed.provider is None:
            return None
        hit = self.table.find(parsed.provider, list(parsed.names))
        if hit is None:
            latest = [_LATEST.sub("", n) for n in parsed.names if _LATEST.search(n)]
            hit = self.table.find(parsed.provider, latest) if latest else None
        if hit is None:
            return None
        route_id = f"{platform}/{hit}" if f"{platform}/{hit}" in self._route_ids else ""
        return Match(hit, route_id, parsed.region or "", f"{platform} name {parsed.model_string!r} read by its rules")

    @staticmethod
    def _platform_guesses(text: str) -> list[str]:
        guesses = []
        if "@" in text:
            guesses.append("vertex_ai")
        if text.startswith("models/"):
            guesses.append("gemini")
        if text.startswith("accounts/"):
            guesses.append("fireworks_ai")
        if _BEDROCK_LIKE.match(text):
            guesses.append("bedrock")
        if ":" in text:
            guesses.append("ollama")
        if "/" in text:
            guesses += ["together_ai", "openrouter"]
        return guesses
