"""The build's reading rules (rules.yaml) and the parsing they drive.

``Rules.parse(platform, upstream_name)`` answers, for one upstream entry: the region it is scoped to,
the model string the platform takes, the maker (provider id), and the model names to look for. The
registry's resolver reads what people type with the same rules, so a name is read one way everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from modelreg.errors import CatalogError
from modelreg.names import identity_key


@dataclass(frozen=True, slots=True)
class Parsed:
    """One upstream entry read through its platform's rules."""

    region: str | None
    model_string: str
    provider: str | None
    names: tuple[str, ...]  # candidate model names to look for, best first
    new_name: str  # the name of a new model as written, when no candidate is known
    written: str = ""  # the model name as the platform writes it, serving qualifiers rewritten away, its @version kept
    revised: str = ""  # ``written`` without the platform's revision of the model (Bedrock's :0)
    suffix: str = ""  # the platform's version suffix on the name (Bedrock's -v1:0), if any
    variant: str | None = None  # a priced variant of the deployment (OpenRouter's :free), if the name has one


@dataclass(frozen=True, slots=True)
class Form:
    """A whole-string form of a platform's names (a Bedrock ARN, a Vertex resource path): a regex whose
    ``model`` group is the platform's model string and whose optional ``region`` group is a region."""

    platform: str
    pattern: re.Pattern[str]


@dataclass(slots=True)
class PlatformRules:
    key_prefixes: tuple[str, ...] = ()
    regions: tuple[re.Pattern[str], ...] = ()
    org: str = "slash"
    rewrite: tuple[tuple[re.Pattern[str], str], ...] = ()
    version: re.Pattern[str] | None = None
    suffix: re.Pattern[str] | None = None
    revision: re.Pattern[str] | None = None
    tags: tuple[str, ...] = ()
    loose: bool = False
    variants: tuple[str, ...] = ()  # suffixes naming a priced variant of a deployment (OpenRouter's :free)


@dataclass(slots=True)
class Rules:
    litellm_modes: tuple[str, ...]
    upstream_platforms: dict[str, dict[str, str]]
    platform_order: tuple[str, ...]
    platforms: dict[str, PlatformRules]
    orgs: dict[str, str]
    makers: tuple[tuple[re.Pattern[str], str], ...]
    families: tuple[tuple[re.Pattern[str], str], ...]
    spellings: tuple[tuple[re.Pattern[str], str], ...] = ()
    forms: tuple[Form, ...] = ()
    recognize: tuple[tuple[str, re.Pattern[str]], ...] = ()
    _cache: dict[tuple[str, str, bool], Parsed] = field(default_factory=dict)
    _maker_names: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Rules:
        try:
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it: 5x faster
            raw: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        except (OSError, yaml.YAMLError) as exc:
            raise CatalogError(f"cannot read build rules {path}: {exc}") from exc

        def optional(spec: dict[str, Any], key: str) -> re.Pattern[str] | None:
            return re.compile(spec[key]) if spec.get(key) else None

        platforms = {
            pid: PlatformRules(
                key_prefixes=tuple(spec.get("key_prefixes", ())),
                regions=tuple(re.compile(p) for p in spec.get("regions", ())),
                org=spec.get("org", "slash"),
                rewrite=tuple((re.compile(p), r) for p, r in spec.get("rewrite", ())),
                version=optional(spec, "version"),
                suffix=optional(spec, "suffix"),
                revision=optional(spec, "revision"),
                tags=tuple(spec.get("tags", ())),
                loose=bool(spec.get("loose", False)),
                variants=tuple(spec.get("variants", ())),
            )
            for pid, spec in raw["platforms"].items()
        }
        orgs = {k.lower(): v for k, v in raw["orgs"].items()}
        maker_names: dict[str, set[str]] = {}
        for org, provider in orgs.items():
            maker_names.setdefault(provider, {provider}).add(org)
        return cls(
            litellm_modes=tuple(raw["litellm_modes"]),
            upstream_platforms=raw["upstream_platforms"],
            platform_order=tuple(raw["platform_order"]),
            platforms=platforms,
            orgs=orgs,
            makers=tuple((re.compile(p), provider) for p, provider in raw["makers"]),
            families=tuple((re.compile(p), family) for p, family in raw["families"]),
            spellings=tuple((re.compile(p), r) for p, r in raw.get("spellings", ())),
            forms=tuple(Form(platform, re.compile(p)) for platform, p in raw.get("forms", ())),
            recognize=tuple((platform, re.compile(p)) for platform, p in raw.get("recognize", ())),
            _maker_names={provider: frozenset(names) for provider, names in maker_names.items()},
        )

    def variants(self) -> dict[str, tuple[str, ...]]:
        """Per platform, the suffixes that name a priced variant of a deployment."""
        return {pid: spec.variants for pid, spec in self.platforms.items() if spec.variants}

    def platform_of(self, source: str, upstream_provider: str) -> str | None:
        """Our platform id for an upstream provider, or None when the entry is out of scope."""
        return self.upstream_platforms.get(source, {}).get(upstream_provider)

    def maker_of(self, name: str) -> str | None:
        """The provider a bare model name belongs to, by the ``makers`` patterns."""
        lowered = name.lower()
        return next((provider for pattern, provider in self.makers if pattern.search(lowered)), None)

    def family_of(self, provider: str, name: str) -> str:
        """The family (catalog file) of a model; the provider id when no family pattern matches."""
        lowered = name.lower()
        return next((family for pattern, family in self.families if pattern.search(lowered)), provider)

    def without_maker(self, provider: str, name: str) -> str:
        """``name`` without its maker's own name in front, where what is left is still that maker's model
        name: ``meta-llama-3.1-8b`` -> ``llama-3.1-8b``, ``zai-glm-5`` -> ``glm-5``, while ``mistral-large``
        and ``qwen-max`` keep theirs (``large`` and ``max`` name nothing)."""
        lowered = name.lower()
        for maker_name in sorted(self._maker_names.get(provider, ()), key=len, reverse=True):
            if lowered.startswith(maker_name) and lowered[len(maker_name) : len(maker_name) + 1] in ("-", "_", "."):
                rest = name[len(maker_name) + 1 :]
                if rest and self.maker_of(rest) == provider:
                    return rest
        return name

    def identity(self, provider: str, name: str) -> str:
        """The key every spelling of one ``provider`` model shares (see ``names.identity_key``)."""
        return identity_key(self.without_maker(provider, name))

    def spelled(self, name: str) -> list[str]:
        """The other ways makers' names are written (``spellings``): ``claude-4-sonnet`` -> ``claude-sonnet-4``."""
        out = []
        for pattern, replacement in self.spellings:
            respelled = pattern.sub(replacement, name)
            if respelled != name:
                out.append(respelled)
        return out

    def form_of(self, text: str) -> tuple[str, str, str | None] | None:
        """(platform, model string, region) when ``text`` is a whole-string form of a platform's names."""
        for form in self.forms:
            found = form.pattern.match(text)
            if found:
                groups = found.groupdict()
                return form.platform, groups["model"], groups.get("region")
        return None

    def parse(self, platform: str, upstream_name: str, *, strip_prefix: bool) -> Parsed:
        """Read one upstream name served on ``platform``.

        ``strip_prefix`` is true for LiteLLM keys, which carry the platform's own prefix
        (``azure/…``); models.dev ids carry none.
        """
        cache_key = (platform, upstream_name, strip_prefix)
        cached = self._cache.get(cache_key)
        if cached is None:
            cached = self._cache[cache_key] = self._parse(platform, upstream_name, strip_prefix)
        return cached

    def _parse(self, platform: str, name: str, strip_prefix: bool) -> Parsed:
        spec = self.platforms.get(platform, PlatformRules())
        if strip_prefix:
            for prefix in spec.key_prefixes:
                if name.startswith(prefix):
                    name = name[len(prefix) :]
                    break
        region = None
        matched = True
        while matched:
            matched = False
            for pattern in spec.regions:
                found = pattern.match(name)
                if found:
                    region = found.group("region") if region is None else f"{region}/{found.group('region')}"
                    if name[found.end("region") : found.end("region") + 1] == "/":
                        name = name[found.end() :]  # a path scope (bedrock/us-west-2/…): cut it off
                        matched = True
                    break
        model_string = name
        variant = next((v for v in spec.variants if name.endswith(v)), None)
        if variant is not None:
            name = name[: -len(variant)]  # a variant serves the base model; its price stays its own
        found_version = spec.version.search(name) if spec.version else None
        version = found_version.group("version") if found_version else None
        for pattern, replacement in spec.rewrite:
            name = pattern.sub(replacement, name)
        org = None
        if spec.org == "slash" and "/" in name:
            org, _, name = name.rpartition("/")
        elif spec.org == "dot" and "." in name:
            head, _, rest = name.partition(".")
            if head.lower() in self.orgs or re.fullmatch(r"[a-z0-9-]+", head):
                org, name = head, rest
        provider = None
        if org:
            org_key = org.lower().rsplit("/", 1)[-1]
            provider = self.orgs.get(org_key, org_key)
        provider = self.maker_of(name) if provider is None else provider
        # The platform's own version of a model (Bedrock's -v1:0) is cut off; its revision alone (:0) is
        # never part of a model's name. A version the model itself carries (titan-embed-text-v2) stays.
        suffix_found = spec.suffix.search(name) if spec.suffix else None
        suffix = suffix_found.group(0) if suffix_found else ""
        bases = [name[: suffix_found.start()]] if suffix_found else []
        revised = spec.revision.sub("", name) if spec.revision else name
        if revised not in bases:
            bases.append(revised)
        names: list[str] = []
        dated = version and version not in ("default", "latest")
        if dated:
            names.append(f"{revised}-{version}")
        for base in bases:
            names += [template.format(name=base) for template in spec.tags]  # ollama: llama3:8b is the instruct
            names.append(base)
        names += [respelled for candidate in list(names) for respelled in self.spelled(candidate)]
        if org and provider and not bases[0].lower().startswith(provider):
            names.append(f"{provider}-{bases[0]}")  # bedrock's deepseek.r1 is deepseek-r1
        new_name = names[0] if dated else bases[0]
        return Parsed(
            region=region,
            model_string=model_string,
            provider=provider,
            names=tuple(dict.fromkeys(names)),
            new_name=new_name,
            written=f"{name}-{version}" if dated else name,  # its digits count: …@20251001.1 is no model
            revised=revised,
            suffix=suffix,
            variant=variant,
        )
