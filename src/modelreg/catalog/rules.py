"""The build's reading rules (rules.yaml) and the parsing they drive.

``Rules.parse(platform, upstream_name)`` answers, for one upstream entry: the region it is scoped to,
the model string the platform takes, the maker (provider id), and the model names to look for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from modelreg.errors import CatalogError


@dataclass(frozen=True, slots=True)
class Parsed:
    """One upstream entry read through its platform's rules."""

    region: str | None
    model_string: str
    provider: str | None
    names: tuple[str, ...]  # candidate model names to look for, best first
    new_name: str  # the name of a new model, when no candidate is known


@dataclass(slots=True)
class PlatformRules:
    key_prefixes: tuple[str, ...] = ()
    regions: tuple[re.Pattern[str], ...] = ()
    org: str = "slash"
    rewrite: tuple[tuple[re.Pattern[str], str], ...] = ()
    version: re.Pattern[str] | None = None
    match_strip: tuple[re.Pattern[str], ...] = ()


@dataclass(slots=True)
class Rules:
    litellm_modes: tuple[str, ...]
    upstream_platforms: dict[str, dict[str, str]]
    platform_order: tuple[str, ...]
    platforms: dict[str, PlatformRules]
    orgs: dict[str, str]
    makers: tuple[tuple[re.Pattern[str], str], ...]
    families: tuple[tuple[re.Pattern[str], str], ...]
    _cache: dict[tuple[str, str, bool], Parsed] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Rules:
        try:
            raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise CatalogError(f"cannot read build rules {path}: {exc}") from exc
        platforms = {
            pid: PlatformRules(
                key_prefixes=tuple(spec.get("key_prefixes", ())),
                regions=tuple(re.compile(p) for p in spec.get("regions", ())),
                org=spec.get("org", "slash"),
                rewrite=tuple((re.compile(p), r) for p, r in spec.get("rewrite", ())),
                version=re.compile(spec["version"]) if spec.get("version") else None,
                match_strip=tuple(re.compile(p) for p in spec.get("match_strip", ())),
            )
            for pid, spec in raw["platforms"].items()
        }
        return cls(
            litellm_modes=tuple(raw["litellm_modes"]),
            upstream_platforms=raw["upstream_platforms"],
            platform_order=tuple(raw["platform_order"]),
            platforms=platforms,
            orgs={k.lower(): v for k, v in raw["orgs"].items()},
            makers=tuple((re.compile(p), provider) for p, provider in raw["makers"]),
            families=tuple((re.compile(p), family) for p, family in raw["families"]),
        )

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
        names: list[str] = []
        if version and version not in ("default", "latest"):
            names.append(f"{name}-{version}")
        names.append(name)
        stripped = name
        for pattern in spec.match_strip:
            stripped = pattern.sub("", stripped)
        if stripped != name:
            names.insert(0, stripped)  # bedrock's claude-opus-4-6-v1 is claude-opus-4-6
        if org and provider and not name.lower().startswith(provider):
            names.append(f"{provider}-{stripped}")  # bedrock's deepseek.r1 is deepseek-r1
        new_name = names[1] if stripped != name else names[0]
        return Parsed(
            region=region, model_string=model_string, provider=provider, names=tuple(names), new_name=new_name
        )
