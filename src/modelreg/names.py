"""Turning the names people and platforms write into comparable keys.

Small pure functions shared by the catalog build (which matches platform model strings to models)
and the registry (which resolves what users type).
"""

from __future__ import annotations

import functools
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


# Digits that are never a model's version: a Bedrock-style maker in front (ai21.jamba), dates (20250929,
# 2024-08-06, and the 4-digit MMDD / YYMM stamps makers append: gpt-4-0613, grok-4-0709,
# mistral-large-2411), Google's stable-version numbers (gemini-1.5-pro-002, @001), context lengths written
# into names (llama3-70b-8192) and the number format weights are served in (-FP8, -bf16).
_VERSION_NOISE = (
    re.compile(r"^(?:[a-z][a-z0-9-]*\.)+(?=[a-z])"),
    re.compile(r"(?<!\d)20\d\d-?[01]\d-?[0-3]\d(?!\d)"),
    re.compile(r"(?<![\d.])(?:(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])|2[3-9](?:0[1-9]|1[0-2]))(?![\d.])"),
    re.compile(r"[-@]00\d$"),
    re.compile(r"(?<![\d.])(?:4096|8192|16384|32768|65536|131072)(?![\d.])"),
    re.compile(r"[-_](?:fp|bf|int|nvfp|mxfp)\d+(?![a-z\d])"),
)
# A serving platform's revision of a model (Bedrock's -v1:0, -1:0, :0): its digits may or may not be the
# model's own version (titan-embed-text-v2:0 is Titan Embeddings V2), so a written name is read both ways.
_REVISION = re.compile(r":\d+$")
_PLATFORM_VERSION = re.compile(r"-v?\d+:\d+$|-v1$|(?<=\d{8})-v\d+$")
_DIGITS = re.compile(r"\d+")


@functools.lru_cache(maxsize=8192)
def version_digits(name: str) -> str:
    """The digits of a model name that say which model (and which version) it is, in order.

    Only the last path segment counts (``bedrock/us-west-2/…``, ``projects/…/models/<id>``), without a
    Bedrock-style ``maker.`` in front; dates, Google's ``-00N`` stable versions, context lengths and number
    formats are left out: ``claude-opus-4-1-20250805`` -> ``41``, ``grok-4-0709`` -> ``4``, ``llama3.1:8b``
    -> ``318``, ``Qwen3-14B-FP8`` -> ``314``. Separators are ignored (``3.5`` = ``35``).
    """
    text = name.lower().rpartition("/")[2]
    for noise in _VERSION_NOISE:
        text = noise.sub("", text)
    return "".join(_DIGITS.findall(text))


def same_version(written: str, known: str) -> bool:
    """True when ``written`` (a name as someone wrote it) may carry the same version digits as ``known`` (a
    model's name or alias): the guard that keeps rules from resolving ``claude-opus-4-1`` to Opus 4.

    A platform version with a revision at the end of ``written`` may be read as the model's
    (``titan-embed-text-v2:0`` is ``titan-embed-text-v2``) or as the platform's (``claude-opus-4-1-20250805-v1:0``
    is ``claude-opus-4-1-…``); without one, only ``-v1`` and a dated id's ``-vN`` are the platform's, and a bare
    ``-1`` is always the model's own (``claude-opus-4-1``).
    """
    target = version_digits(known)
    segment = written.rpartition("/")[2]
    readings = (segment, _REVISION.sub("", segment), _PLATFORM_VERSION.sub("", segment))
    return any(version_digits(reading) == target for reading in readings)


def split_id(model_id: str) -> tuple[str, str]:
    """``provider/model`` -> (provider, model); the model part may itself contain slashes."""
    provider, _, model = model_id.partition("/")
    return provider, model


_TOKENS = re.compile(r"[a-z]+|\d+")


def identity_key(name: str) -> str:
    """The key two spellings of one model share: lowercase words and numbers in order, any punctuation,
    and a ``v`` before a version (not at the end) dropped: ``llama-v3.1-8b-instruct``, ``Llama-3.1-8B-Instruct`` and
    ``llama3-1-8b-instruct`` are all ``llama-3-1-8-b-instruct``. Numbers stay apart (``3.1-8b`` is not
    ``31-8b``) and every word counts (``o3`` is not ``o3-pro``). The maker's own name in front is the
    caller's to drop (``Rules.without_maker``)."""
    tokens = _TOKENS.findall(name.lower())
    # a trailing -v1 is a version suffix of its own (a platform's, or the model's): deepseek-r-v1 is not r1
    kept = [t for i, t in enumerate(tokens) if not (t == "v" and i + 2 < len(tokens) and tokens[i + 1].isdigit())]
    return "-".join(kept)


class NameTable:
    """Per maker: which model each name means, exactly (case-blind) or by a looser key.

    The build uses it to match platform strings to models, the registry to resolve what users type. A
    loose match counts only when exactly one model has that key: never a guess. ``key(provider, name)``
    makes the loose key.
    """

    __slots__ = ("_exact", "_key", "_keyed")

    def __init__(self, key: Callable[[str, str], str] = lambda provider, name: fold(name)) -> None:
        self._exact: dict[str, dict[str, str]] = {}
        self._keyed: dict[str, dict[str, set[str]]] = {}
        self._key = key

    def add(self, provider: str, name: str, model_id: str, *, replace: bool = False) -> None:
        """Record that ``name`` (of ``provider``) means ``model_id``; ``replace`` lets it win over an earlier claim."""
        exact = self._exact.setdefault(provider, {})
        if replace:
            exact[name.lower()] = model_id
        else:
            exact.setdefault(name.lower(), model_id)
        self._keyed.setdefault(provider, {}).setdefault(self._key(provider, name), set()).add(model_id)

    def find(self, provider: str, names: tuple[str, ...] | list[str]) -> str | None:
        """The model ``names`` mean at ``provider``: exact names first (best first), then unique loose keys."""
        return self.exact(provider, names) or self.loose(provider, names)

    def exact(self, provider: str, names: tuple[str, ...] | list[str]) -> str | None:
        """The model one of ``names`` names exactly (any letter case), best first."""
        exact = self._exact.get(provider, {})
        for name in names:
            hit = exact.get(name.lower())
            if hit:
                return hit
        return None

    def loose(self, provider: str, names: tuple[str, ...] | list[str]) -> str | None:
        """The one model whose loose key one of ``names`` has, best first (None where two models share it)."""
        keyed = self._keyed.get(provider, {})
        for name in names:
            hits = keyed.get(self._key(provider, name), ())
            if len(hits) == 1:
                return next(iter(hits))
        return None

    def providers(self) -> list[str]:
        return list(self._exact)


_FINE_TUNE = re.compile(r"^(?:(?P<prefix>[A-Za-z0-9_-]+)/)?ft:(?P<base>[^:]+)(:.*)?$")
_LATEST = re.compile(r"[-:@]latest$")
_DATED_STRING = re.compile(r"-20\d{6}(?=[-@:]|$)")


class Match(NamedTuple):
    """What a name resolved to, and the rule that matched (for ``explain``)."""

    model_id: str
    route_id: str
    region: str
    rule: str
    fine_tuned: bool = False


Target = tuple[str, str, str]  # (model id, route id or "", region or "")


class Resolver:
    """Turns the names people type into (model, route) — by rules, never by blind prefix matching.

    Tried in order, the first hit wins: the exact name; a user-defined alias; the name in any letter case;
    a fine-tuned name (``ft:base:org::id``, ``openai/ft:…``) by its base; a whole-string platform form (a
    Bedrock ARN, a Vertex resource path); a platform or provider prefix read with that platform's rules
    (``openrouter/…``, ``bedrock/…``, ``google-gla:…``); a platform's own model string written bare
    (``llama-3.3-70b-versatile`` is Groq's); a bare string only one platform writes (``rules.yaml``
    ``recognize``: Bedrock ``org.name`` ids, Vertex ``model@version``, Ollama ``name:tag``, hub repo ids);
    the maker's model with that name up to separators, or spelled the maker's other way
    (``claude-4-sonnet``); the name without ``-latest``.

    Every rule-based match keeps the version digits of the name (``same_version``): a rule never turns
    ``claude-opus-4-1`` into Opus 4. A platform's strings are matched as the build matches them
    (``Rules.identity``, for platforms marked ``loose``); a maker's names strictly, so typos get suggestions.
    """

    def __init__(self, names: dict[str, list[str]], rules: Rules, route_ids: Collection[str]) -> None:
        self._names = names
        self.rules = rules
        self._route_ids = route_ids
        self._lower = {name.lower(): target for name, target in reversed(list(names.items()))}
        self.table = NameTable(key=lambda provider, name: separators(rules.without_maker(provider, name)))
        self.loose = NameTable(key=rules.identity)
        self._known: dict[str, list[str]] = {}  # model id -> its own names (name, aliases)
        self._strings: dict[str, set[Target]] = {}  # a platform's model string, lowercase -> what it serves
        self._undated: dict[tuple[str, str], set[Target]] = {}  # (platform, string without its date) -> targets
        self._route_strings: dict[str, set[str]] = {}  # route id -> the platform strings it answers to
        self._route_regions: dict[str, set[str]] = {}  # route id -> the regions it is deployed in
        self._suffixes: dict[str, set[str]] = {}  # route id -> the platform version suffixes of its strings
        for name, (model_id, route_id, region) in names.items():
            if route_id and region:
                self._route_regions.setdefault(route_id, set()).add(region)
            head, slash, rest = name.partition("/")
            if not slash or not rest:
                continue
            if not route_id:
                self.table.add(head, rest, model_id, replace=name == model_id)
                self.loose.add(head, rest, model_id, replace=name == model_id)
                if head == model_id.partition("/")[0]:
                    self._known.setdefault(model_id, []).append(rest)
            elif head in rules.platforms and route_id.startswith(head + "/"):
                target = (model_id, route_id, region)
                self._strings.setdefault(rest.lower(), set()).add(target)
                if "-20" in rest:
                    self._undated.setdefault((head, _DATED_STRING.sub("", rest.lower())), set()).add(target)
                self._route_strings.setdefault(route_id, set()).add(rest)
        prefixes: dict[str, str] = {}
        for platform, spec in rules.platforms.items():
            prefixes.setdefault(f"{platform}/", platform)
            for prefix in spec.key_prefixes:
                prefixes.setdefault(prefix, platform)
        for upstream, platform in rules.upstream_platforms.get("models.dev", {}).items():
            prefixes.setdefault(f"{upstream}/", platform)
        self._prefixes = sorted(prefixes.items(), key=lambda item: -len(item[0]))
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
            base, prefix = fine_tune.group("base"), fine_tune.group("prefix")
            scoped = f"{prefix}/" if prefix else ""
            found = self.resolve(f"{scoped}ft:{base}") if f"{scoped}ft:{base}" != text else None
            if found is None:
                found = self.resolve(f"{scoped}{base}")
            return None if found is None else found._replace(rule=f"fine-tune of {base}", fine_tuned=True)
        return self._by_rules(text)

    def _by_rules(self, text: str) -> Match | None:
        form = self.rules.form_of(text)
        if form is not None:
            platform, model_string, region = form
            return self._on_platform(platform, model_string, region=region or "", rule=f"{platform} resource name")
        for prefix, platform in self._prefixes:
            if text.startswith(prefix) and len(text) > len(prefix):
                found = self._on_platform(platform, text[len(prefix) :])
                if found is not None:
                    return found
                break
        head, slash, rest = text.partition("/")
        if slash and rest:
            provider = self.rules.orgs.get(head.lower(), head.lower())
            hit = self._find(provider, rest)
            if hit is not None:
                return Match(hit, "", "", f"model {rest!r} of provider {provider!r}")
        served = self._served(self._strings.get(text.lower(), set()), f"a platform's model string {text!r}")
        if served is not None:
            return served
        for platform, pattern in self.rules.recognize:
            if pattern.search(text):
                found = self._on_platform(platform, text)
                if found is not None:
                    return found
        maker = self.rules.maker_of(text)
        if maker is not None:
            hit = self._find(maker, text)
            if hit is not None:
                return Match(hit, "", "", f"{maker} model named like {text!r}")
        return None

    def _find(self, provider: str, name: str) -> str | None:
        """The model of ``provider`` a bare ``name`` means: by that name up to separators, without ``-latest``,
        or spelled the maker's other way."""
        candidates = [name]
        latest = _LATEST.sub("", name)
        if latest != name:
            candidates.append(latest)
        candidates += [respelled for candidate in list(candidates) for respelled in self.rules.spelled(candidate)]
        return self._keeping(name, self.table.find(provider, candidates))

    def _keeping(self, written: str, model_id: str | None) -> str | None:
        """``model_id`` when ``written`` carries the version digits of one of its names, else None."""
        if model_id is None:
            return None
        names = self._known.get(model_id) or [model_id.partition("/")[2]]
        return model_id if any(same_version(written, known) for known in names) else None

    @staticmethod
    def _served(targets: set[Target], rule: str) -> Match | None:
        """The match for the (model, route, region) targets a platform string stands for: one model, and its
        route and region where those are one too."""
        if not targets or len({model_id for model_id, _, _ in targets}) != 1:
            return None
        routes = {route_id for _, route_id, _ in targets}
        regions = {region for _, _, region in targets}
        route_id = routes.pop() if len(routes) == 1 else ""
        region = regions.pop() if route_id and len(regions) == 1 else ""
        return Match(next(iter(targets))[0], route_id, region, rule)

    def _on_platform(self, platform: str, string: str, *, region: str = "", rule: str = "") -> Match | None:
        """What ``string`` means on ``platform``: the route serving exactly that string, the dated deployment an
        undated string stands for, else the model its name means by the platform's rules."""
        exact = self._names.get(f"{platform}/{string}") or self._lower.get(f"{platform}/{string}".lower())
        if exact is not None:
            region = exact[2] or (region if region in self._route_regions.get(exact[1], ()) else "")
            return Match(exact[0], exact[1], region, rule or f"{platform} model string {string!r}")
        spec = self.rules.platforms.get(platform)
        if spec is None:
            return None
        parsed = self.rules.parse(platform, string, strip_prefix=False)
        undated = self._undated.get((platform, string.lower()))
        if undated:  # anthropic.claude-3-5-sonnet-v1:0 is the one deployment dated …-20240620-v1:0
            served = self._served(undated, rule or f"{platform} model string {string!r} without its date")
            if served is not None:
                return served
        if parsed.provider is None:
            return None
        candidates = list(parsed.names) + [_LATEST.sub("", n) for n in parsed.names if _LATEST.search(n)]
        table = self.loose if spec.loose else self.table
        hit = self._keeping(parsed.written, table.find(parsed.provider, candidates))
        if hit is None:
            return None
        route_id = f"{platform}/{hit}" if f"{platform}/{hit}" in self._route_ids else ""
        if route_id and parsed.suffix and not self._same_suffix(platform, route_id, parsed.suffix):
            return None  # anthropic.claude-3-5-sonnet-v3:0: Bedrock serves that model under another version
        region = parsed.region or parsed.variant or (region if region in self._route_regions.get(route_id, ()) else "")
        return Match(hit, route_id, region, rule or f"{platform} name {parsed.model_string!r} read by its rules")

    def _same_suffix(self, platform: str, route_id: str, suffix: str) -> bool:
        """Whether the route serves a string with this platform version suffix, when its strings carry one."""
        suffixes = self._suffixes.get(route_id)
        if suffixes is None:
            suffixes = self._suffixes[route_id] = {
                self.rules.parse(platform, string, strip_prefix=False).suffix
                for string in self._route_strings.get(route_id, ())
            }
        return suffix in suffixes or not any(suffixes)
