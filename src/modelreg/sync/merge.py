"""Merge SourceRecords and curated overrides into models, routes and conflicts.

Every upstream entry becomes one of two things:
  * a fact about a model, when it comes from the maker's own API (OpenAI's ``gpt-4o``), and
  * a deployment of a route: that model served on a platform, with the platform's string and prices.

Naming (``declare``, ``place``, ``rename``, ``check_identities``): one model per identity key
(``Rules.identity``); other spellings become aliases, an entry whose version digits differ from every
name of the model its names find becomes a model of its own, and two models sharing a key fail the
build unless overrides.yaml lists them as ``distinct``.

Sources whose entries carry their own match rule (genai-prices) are placed last, by asking each rule
about the names the other sources made known (``place_matched``): they are evidence for models and
deployments that exist, and add only priced variants (OpenRouter's ``:free``) of deployments that exist.

Values are decided field by field by evidence (sync/evidence.py, catalog/merge.yaml): a curated override
wins; otherwise a value that breaks an invariant loses, two sources beat one, a precise value beats its
rounding, and a measured fallback order settles the rest. Within a source, the entry named exactly like
the model beats one reaching it through an alias. Platforms never set a maker's price. Every
disagreement becomes a Conflict with every source's value, the value kept and the rule that kept it.
Nothing is dropped silently: entries that cannot be placed are returned in ``unplaced``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from modelreg.catalog.rules import Parsed, Rules
from modelreg.errors import CatalogError
from modelreg.names import NameTable, same_version, size_from_name
from modelreg.schema import (
    PRICE_FIELDS,
    Conflict,
    Deployment,
    Limits,
    Model,
    Platform,
    PriceTier,
    Pricing,
    Provider,
    Route,
    SourceRef,
)
from modelreg.sync.evidence import Check, MergeRules
from modelreg.sync.matching import CERTAIN
from modelreg.sync.records import SourceRecord

# Precedence among sources for one subject: curated overrides, then the makers' and platforms' own APIs
# (live sync only), then models.dev, LiteLLM, genai-prices, OpenRouter's list, local servers and hubs.
API_SOURCES = (
    "openai",
    "anthropic",
    "gemini",
    "xai",
    "mistral",
    "deepseek",
    "groq",
    "together",
    "fireworks",
    "cerebras",
)
SOURCE_RANK = {
    "overrides": 0,
    **dict.fromkeys(API_SOURCES, 1),
    "models.dev": 2,
    "litellm": 3,
    "genai-prices": 4,
    "openrouter": 5,
    "ollama": 6,
    "huggingface": 7,
}
PRICE_KINDS = (*PRICE_FIELDS, "batch_discount")
KEPT = "(kept)"  # the decided value, beside each source's, in Catalog.observed
TIER_KINDS = ("input", "output", "cache_read", "cache_write", "cache_write_1h")
MEDIA_OUTPUT = ("output_image", "output_audio")
LIMIT_KINDS = ("context_window", "max_input_tokens", "max_output_tokens")
_DATED = re.compile(r"^(?P<base>.+)-(?P<date>\d{8})$")
_DIRECT_ROUTE_PRIORITY = 1
_PLATFORM_ROUTE_PRIORITY = 10


@dataclass(slots=True)
class Contribution:
    """One record's facts about one model or deployment, with its precedence."""

    rank: tuple[int, int, int]
    label: str  # "models.dev:openai/gpt-4o"
    record: SourceRecord | None
    facts: dict[str, Any]


@dataclass(slots=True)
class Catalog:
    """Everything the build produced, ready to be written as files and compiled into the index."""

    providers: list[Provider]
    platforms: list[Platform]
    models: list[Model]
    routes: list[Route]
    conflicts: list[Conflict]
    unplaced: list[str] = field(default_factory=list)
    # every field two or more sources state: (subject, field, {source: value, KEPT: the value kept})
    observed: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # curated platform strings no upstream entry has -> model


class Merger:
    """Collects records in platform order, then ``finish()`` returns the merged Catalog."""

    def __init__(
        self,
        rules: Rules,
        overrides: dict[str, Any],
        provider_meta: dict[str, dict[str, Any]],
        merge_rules: MergeRules,
    ) -> None:
        self.rules = rules
        self.merge_rules = merge_rules
        self.overrides = overrides
        self.provider_meta = provider_meta
        self.platforms = {pid: dict(spec) for pid, spec in (overrides.get("platforms") or {}).items()}
        self.links = {platform: dict(table) for platform, table in (overrides.get("links") or {}).items()}
        self.uplifts = {route: spec for spec in overrides.get("uplifts") or () for route in spec.get("routes") or ()}
        self.model_facts: dict[str, list[Contribution]] = defaultdict(list)
        self.deployments: dict[tuple[str, str], dict[tuple[str | None, str], list[Contribution]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.aliases: dict[str, str] = {}  # "provider/alias" -> model id
        self.alias_names: dict[str, list[str]] = defaultdict(list)  # model id -> its aliases (bare)
        self.names = NameTable(key=rules.identity)
        self.unplaced: list[str] = []
        self.observed: list[tuple[str, str, dict[str, Any]]] = []  # (subject, field, source -> value, KEPT)
        self.linked: set[tuple[str, str]] = set()  # (platform, model string) placed by a curated link
        self.declared: set[str] = set()  # models named by their makers (or overrides): never renamed

    # -- naming -----------------------------------------------------------------------------------------

    def direct_provider(self, platform: str) -> str | None:
        spec = self.platforms.get(platform, {})
        if spec.get("kind") == "direct" and spec.get("supported_providers"):
            return str(spec["supported_providers"][0])
        return None

    def add_model(self, model_id: str) -> None:
        provider, _, name = model_id.partition("/")
        if model_id not in self.model_facts:
            self.model_facts[model_id] = []
        self.names.add(provider, name, model_id)

    def add_alias(self, alias_id: str, model_id: str) -> None:
        provider, _, alias = alias_id.partition("/")
        self.aliases[alias_id] = model_id
        self.alias_names[model_id].append(alias)
        self.names.add(provider, alias, model_id, replace=True)

    def declare(self, records: list[SourceRecord]) -> None:
        """First pass: the makers' own names define models; undated names become aliases of dated ones."""
        for model_id, spec in (self.overrides.get("models") or {}).items():
            self.add_model(model_id)
            for alias in spec.get("aliases") or ():
                self.add_alias(f"{model_id.partition('/')[0]}/{alias}", model_id)
        own: dict[str, set[str]] = defaultdict(set)
        for record in records:
            platform = self.rules.platform_of(record.source, record.upstream_provider)
            maker = self.direct_provider(platform) if platform else None
            if maker is None or platform is None:
                continue
            parsed = self.parse(record, platform)
            if (parsed.provider or maker) == maker:
                own[maker].add(parsed.new_name)
        for alias_id, model_id in (self.overrides.get("aliases") or {}).items():
            self.add_alias(alias_id, model_id)
        for provider, names in own.items():
            for spelling, canonical in self._spellings(provider, names).items():
                if f"{provider}/{spelling}" not in self.aliases:
                    self.add_alias(f"{provider}/{spelling}", f"{provider}/{canonical}")
            names = {name for name in names if f"{provider}/{name}" not in self.aliases}
            dated = defaultdict(list)
            for name in names:
                match = _DATED.match(name)
                if match:
                    dated[match.group("base")].append(name)
            for name in sorted(names):
                target = f"{provider}/{name}"
                if target in self.aliases:
                    continue
                if name in dated and len(dated[name]) == 1:
                    # Anthropic's undated names (claude-sonnet-4-5) are aliases of one dated snapshot
                    self.add_alias(target, f"{provider}/{dated[name][0]}")
                else:
                    self.add_model(target)
        for alias_id, model_id in self.aliases.items():
            self.add_model(model_id)
            provider, _, alias = alias_id.partition("/")
            self.names.add(provider, alias, model_id, replace=True)
        self.declared = set(self.model_facts)

    def _spellings(self, provider: str, names: set[str]) -> dict[str, str]:
        """A maker's own names that spell one model two ways (``mistral-medium-3-5`` and ``-3.5``): each
        spelling -> the canonical name (versions written with dots, then the shorter, then the first)."""
        by_key: dict[str, list[str]] = defaultdict(list)
        for name in names:
            by_key[self.rules.identity(provider, name)].append(name)
        out = {}
        for group in by_key.values():
            if len(group) > 1:
                canonical = min(group, key=lambda n: ("." not in n, len(n), n))
                out.update({name: canonical for name in group if name != canonical})
        return out

    def parse(self, record: SourceRecord, platform: str) -> Parsed:
        name = record.key if record.source == "litellm" else record.model_string
        return self.rules.parse(platform, name, strip_prefix=record.source == "litellm")

    def find(self, provider: str, names: tuple[str, ...]) -> str | None:
        """The model a platform's names mean, following aliases to their model."""
        hit = self.names.find(provider, names)
        return None if hit is None else self.aliases.get(hit, hit)

    def link(self, platform: str, parsed: Parsed) -> str | None:
        table = self.links.get(platform)
        if not table:
            return None
        core = parsed.model_string
        if parsed.region and core.startswith(parsed.region + "."):
            core = core[len(parsed.region) + 1 :]
        return table.get(parsed.model_string) or table.get(core)

    def place(self, provider: str, parsed: Parsed) -> str:
        """The model a platform's entry serves: a known model its names mean and whose version digits it
        carries (``anthropic.claude-fable-5-1`` is never ``claude-fable-5``), else a new model."""
        model_id = self.find(provider, parsed.names)
        if model_id is not None and not any(same_version(parsed.written, n) for n in self._names_of(model_id)):
            model_id = None
        new_name = self.rules.without_maker(provider, parsed.new_name).lower()
        if model_id is None:
            model_id = f"{provider}/{new_name}"
            self.add_model(model_id)
            for spelling in {parsed.new_name.lower(), parsed.revised.lower()} - {new_name}:
                # zai-glm-5 is glm-5, llama2-13b-chat-v1 is llama2-13b-chat: the spelling stays a name
                if f"{provider}/{spelling}" not in self.aliases and f"{provider}/{spelling}" not in self.model_facts:
                    self.add_alias(f"{provider}/{spelling}", model_id)
        else:
            alias_id = f"{provider}/{parsed.new_name.lower()}"
            spelled_apart = alias_id != model_id and alias_id not in self.aliases and alias_id not in self.model_facts
            canonical = model_id.partition("/")[2]
            if spelled_apart and self.rules.identity(provider, new_name) == self.rules.identity(provider, canonical):
                # another spelling of the model's name (llama-v3.1-8b-instruct): an alias, never a model of its own
                self.add_alias(alias_id, model_id)
        return model_id

    def _names_of(self, model_id: str) -> list[str]:
        return [model_id.partition("/")[2], *self.alias_names.get(model_id, ())]

    # -- collecting -------------------------------------------------------------------------------------

    def add(self, record: SourceRecord) -> None:
        """Place one record as a model fact and a route deployment."""
        platform = self.rules.platform_of(record.source, record.upstream_provider)
        if platform is None:
            return
        parsed = self.parse(record, platform)
        maker = self.direct_provider(platform)
        model_id = self.link(platform, parsed)
        if model_id is not None:
            self.linked.add((platform, parsed.model_string))
        else:
            model_id = self.place(parsed.provider or maker or platform, parsed)
        provider, _, name = model_id.partition("/")
        own = maker is not None and maker == provider
        exact = 0 if name.lower() in (parsed.new_name.lower(), parsed.names[0].lower()) else 1
        label = f"{record.source}:{record.key}"
        tier = 1 if own else 2
        self.model_facts[model_id].append(
            Contribution((tier, SOURCE_RANK[record.source], exact), label, record, record.facts)
        )
        deployment = (parsed.region, parsed.model_string)
        self.deployments[(platform, model_id)][deployment].append(
            Contribution((tier, SOURCE_RANK[record.source], exact), label, record, record.facts)
        )

    def place_matched(self, records: list[SourceRecord]) -> None:
        """Place records that carry their own match rule (genai-prices), after every other record.

        Each known name is asked of the records of the platforms their upstream provider prices
        (``upstream_platforms`` in rules.yaml): a model's own names on its maker's API, each deployment's
        model string on a platform. A record is never a model or a route of its own; its certain names
        that are priced variants of a known deployment become that variant's deployment."""
        by_platform: dict[str, list[SourceRecord]] = defaultdict(list)
        table = self.rules.upstream_platforms.get(records[0].source, {}) if records else {}
        for record in records:
            targets = table.get(record.upstream_provider)
            for target in [targets] if isinstance(targets, str) else targets or ():
                by_platform[str(target)].append(record)
        regional = self.merge_rules.regional_entries
        matchers = {platform: _Matcher(recs, regional) for platform, recs in by_platform.items()}
        direct = {maker: p for p in self.platforms for maker in [self.direct_provider(p)] if maker is not None}
        for model_id in sorted(self.model_facts):
            provider, _, name = model_id.partition("/")
            own_api = direct.get(provider)
            if own_api is None or own_api not in matchers:
                continue
            names = [name, *sorted(a.partition("/")[2] for a, t in self.aliases.items() if t == model_id)]
            names += sorted(ms for _, ms in self.deployments.get((own_api, model_id), {}))
            hit = matchers[own_api].best(names)
            if hit is not None:
                self.model_facts[model_id].append(_contribution(1, *hit))
        for (platform, model_id), deployments in sorted(self.deployments.items(), key=lambda kv: kv[0]):
            matcher = matchers.get(platform)
            if matcher is None or direct.get(model_id.partition("/")[0]) == platform:
                continue
            regions = self.merge_rules.evidence_regions.get(platform)
            for (region, model_string), contribs in deployments.items():
                if regions is not None and (region or "") not in regions:
                    continue
                hit = matcher.best([model_string], region=None if regions is not None else region)
                if hit is not None:
                    contribs.append(_contribution(2, *hit))
            self._add_variants(platform, deployments, matcher)

    def _add_variants(
        self,
        platform: str,
        deployments: dict[tuple[str | None, str], list[Contribution]],
        matcher: _Matcher,
    ) -> None:
        """A matched record's certain names that are priced variants of a known deployment (a base string
        plus ``:free``, ``:extended``…) become deployments of their own, with that record's prices."""
        variants = matcher.variants(platform, self.merge_rules)
        if not variants:
            return
        for region, model_string in list(deployments):
            if region is not None or self._variant(platform, model_string):
                continue
            lowered = model_string.lower()
            for base in (lowered, lowered.rpartition("/")[2]):  # an org-less name means the same string
                for variant, record in variants.get(base, ()):
                    if (None, model_string + variant) not in deployments:
                        deployments[(None, model_string + variant)] = [_contribution(2, record, CERTAIN)]

    def _variant(self, platform: str, model_string: str) -> str | None:
        return self.merge_rules.variant_of(platform, model_string)

    # -- merging ----------------------------------------------------------------------------------------

    def rename(self) -> None:
        """Give each model only platforms name its best spelling among those seen: without the maker's name
        in front, then with versions written with dots (``zai/glm-5-3`` -> ``zai/glm-5.3``), else the name the
        first platform gave it; the others stay aliases. Makers' own names are never changed."""
        for model_id in sorted(set(self.model_facts) - self.declared):
            provider, _, name = model_id.partition("/")
            key = self.rules.identity(provider, name)
            aliases = self.alias_names.get(model_id, ())
            spellings = [name] + [a for a in aliases if self.rules.identity(provider, a) == key]
            best = min(spellings, key=lambda n: (self.rules.without_maker(provider, n) != n, "." not in n))
            target = f"{provider}/{best}"
            if best == name or target in self.model_facts:
                continue
            self.model_facts[target] = self.model_facts.pop(model_id)
            for platform, mid in [k for k in self.deployments if k[1] == model_id]:
                self.deployments[(platform, target)] = self.deployments.pop((platform, mid))
            del self.aliases[target]
            for alias_id, aliased in list(self.aliases.items()):
                if aliased == model_id:
                    self.aliases[alias_id] = target
            self.aliases[model_id] = target
            self.alias_names[target] = [a for a in self.alias_names.pop(model_id) if a != best] + [name]

    def finish(self) -> Catalog:
        conflicts: list[Conflict] = []
        self.rename()
        for model_id, spec in (self.overrides.get("models") or {}).items():
            self.model_facts[model_id].insert(0, Contribution((0, 0, 0), "overrides", None, spec))
        models = {mid: self._model(mid, contribs, conflicts) for mid, contribs in sorted(self.model_facts.items())}
        routes = [
            self._route(platform, mid, deps, models[mid], conflicts)
            for (platform, mid), deps in sorted(self.deployments.items())
        ]
        used_providers = sorted({m.provider for m in models.values()})
        platforms = self._platforms(routes)
        self.check_identities(models)
        return Catalog(
            providers=[self._provider(pid) for pid in used_providers],
            platforms=platforms,
            models=list(models.values()),
            routes=routes,
            conflicts=sorted(conflicts, key=lambda c: (c.subject, c.field)),
            unplaced=self.unplaced,
            observed=self.observed,
            names={
                f"{platform}/{string}": model_id
                for platform, table in sorted(self.links.items())
                for string, model_id in sorted(table.items())
                if (platform, string) not in self.linked and model_id in models
            },
        )

    def check_identities(self, models: dict[str, Model]) -> None:
        """Fail the build when two models of one maker spell the same name (the identity key of
        ``Rules.identity``), unless overrides.yaml lists them as ``distinct`` on purpose."""
        distinct = {frozenset(group) for group in self.overrides.get("distinct") or ()}
        by_key: dict[tuple[str, str], list[str]] = defaultdict(list)
        for model in models.values():
            by_key[(model.provider, self.rules.identity(model.provider, model.name))].append(model.id)
        clashes = [sorted(ids) for ids in by_key.values() if len(ids) > 1 and frozenset(ids) not in distinct]
        if clashes:
            listed = "; ".join(" = ".join(ids) for ids in sorted(clashes))
            raise CatalogError(
                f"{len(clashes)} groups of models spell one name: {listed}. Make one canonical (an alias or a link "
                "in overrides.yaml), or list the group under `distinct:` when they are different models"
            )

    def _model(self, model_id: str, contribs: list[Contribution], conflicts: list[Conflict]) -> Model:
        provider, _, name = model_id.partition("/")
        contribs = sorted(contribs, key=lambda c: c.rank)
        maker_facts = [c for c in contribs if c.rank[0] <= 1]
        # records placed by a match rule are evidence for prices only: they never decide whose other
        # facts (modalities, capabilities, limits) describe the model
        described = [c for c in contribs if c.record is None or c.record.match is None]
        best_tier = min((c.rank[0] for c in described if c.rank[0] > 0), default=2)
        fact_pool = [c for c in described if c.rank[0] == 0 or c.rank[0] == best_tier]
        data: dict[str, Any] = {
            "id": model_id,
            "provider": provider,
            "name": name,
            "family": self.rules.family_of(provider, name),
        }
        for key in (
            "display_name",
            "description",
            "base_model",
            "open_weights",
            "knowledge_cutoff",
            "modalities_in",
            "modalities_out",
        ):
            value = _first(fact_pool, key)
            if value is not None:
                data[key] = value
        overrides = contribs[0].facts if contribs and contribs[0].rank[0] == 0 else {}
        if "capabilities" in overrides:
            data["capabilities"] = sorted(set(overrides["capabilities"]))
        else:
            claimed = set().union(*(c.facts.get("capabilities", ()) for c in fact_pool))
            data["capabilities"] = sorted(_consistent(claimed, data.get("modalities_in")))
        # Only the maker's own facts can disagree about the model; platforms that cap a model's limits
        # differently do not contradict each other (their routes record what each serves).
        model_conflicts = conflicts if best_tier <= 1 else []
        data["limits"] = self._merge_fields(model_id, "limits", LIMIT_KINDS, fact_pool, model_conflicts)
        if not data["limits"].get("context_window") and data["limits"].get("max_input_tokens"):
            data["limits"]["context_window"] = data["limits"]["max_input_tokens"]
        platform = next((p for p in self.platforms if self.direct_provider(p) == provider), None)
        pricing = self._pricing(model_id, maker_facts, conflicts, platform=platform, variant=None)
        data["pricing"], history = self._timeline(pricing, maker_facts)
        if history:
            data["price_history"] = history
        lifecycle: dict[str, Any] = {}
        for c in reversed(fact_pool):
            lifecycle.update(c.facts.get("lifecycle") or {})
        if lifecycle.get("status") is None and re.search(r"(preview|-exp\b|experimental)", name):
            lifecycle["status"] = "preview"
        data["lifecycle"] = lifecycle
        parameters: dict[str, Any] = {}
        for c in reversed(fact_pool):
            parameters.update(c.facts.get("parameters") or {})
        data["parameters"] = parameters
        for key in ("api_requirements", "default_parameters", "parameter_mappings"):
            merged: dict[str, Any] = {}
            for c in reversed(fact_pool):
                merged.update(c.facts.get(key) or {})
            if merged:
                data[key] = merged
        data["tags"] = sorted(set().union(*(c.facts.get("tags", ()) for c in fact_pool)))
        data["aliases"] = sorted(
            {a.partition("/")[2] for a, target in self.aliases.items() if target == model_id}
            | set(overrides.get("aliases") or ())
        )
        for key in (
            "verification",
            "performance",
            "description",
            "price_history",
            "size_b",
            "size_estimated",
        ):
            if key in overrides:
                data[key] = overrides[key]
        if "size_b" not in data:  # a size a source states (Hugging Face, Ollama), else the name's (8x7b = 56)
            facts = [c.facts for c in contribs]
            stated = [f["size_b"] for f in facts if f.get("size_b") and not f.get("size_estimated")]
            if stated:
                data["size_b"], data["size_estimated"] = stated[0], False
        if "size_b" not in data:
            size = size_from_name(name)
            if size is not None:
                data["size_b"], data["size_estimated"] = size, True
        data["sources"] = _sources(_contributors(fact_pool, maker_facts))
        return Model.model_validate(data)

    def _route(
        self,
        platform: str,
        model_id: str,
        deployments: dict[tuple[str | None, str], list[Contribution]],
        model: Model,
        conflicts: list[Conflict],
    ) -> Route:
        route_id = f"{platform}/{model_id}"
        maker = self.direct_provider(platform)
        own = maker == model.provider
        if own:  # the maker's own API bills the model's price: its disagreements are recorded once, on the model
            conflicts, observed, self.observed = [], self.observed, []
        uplift = self.uplifts.get(route_id)
        if uplift is not None:
            deployments = self._uplifted(route_id, platform, deployments, uplift)
        built: list[tuple[Deployment, Pricing, dict[str, Any]]] = []
        spelled = [(region, ms) for region, ms in deployments if region is None and not self._variant(platform, ms)]
        spellings = len(spelled)
        # several strings the platform takes for one offering: one route, one price, decided over every
        # spelling's sources (their disagreements are the route's conflicts), never a price per spelling
        pooled = (
            self._pricing(
                route_id,
                sorted((c for s in spelled for c in deployments[s]), key=lambda c: c.rank),
                conflicts,
                platform=platform,
                variant=None,
            )
            if spellings > 1
            else None
        )
        for (region, model_string), contribs in sorted(deployments.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
            contribs = sorted(contribs, key=lambda c: c.rank)
            variant = None if own else self._variant(platform, model_string)
            tag = region or variant
            subject = f"{route_id}@{tag}" if tag else route_id
            if tag is None and spellings > 1:
                subject = f"{route_id} ({model_string})"  # one of several strings the platform takes for it
            if tag is None and pooled is not None:
                pricing = pooled.model_copy(deep=True)
            else:
                pricing = self._pricing(subject, contribs, conflicts, platform=platform, variant=variant)
            stated_limits = self._merge_fields(subject, "limits", LIMIT_KINDS, contribs, conflicts)
            keys = sorted({c.record.key for c in contribs if c.record is not None and c.record.match is None})
            deployment = Deployment(model_string=model_string, region=region, variant=variant, keys=keys)
            built.append((deployment, pricing, stated_limits))
        bases = [b for b in built if b[0].variant is None] or built
        primary = min(
            bases,
            key=lambda b: (
                b[0].region is not None,
                b[0].model_string.lower() != model.name.lower(),
                b[0].model_string,
            ),
        )
        # the maker's own API bills the maker's price, curated corrections included; a route that only
        # serves priced variants has no price of its own (each variant has its own)
        route_pricing = model.pricing if own else primary[1] if primary[0].variant is None else Pricing()
        if not own and model.pricing.tiers and not route_pricing.tiers and _same_base(route_pricing, model.pricing):
            route_pricing = route_pricing.model_copy(update={"tiers": model.pricing.tiers})  # the maker's tiers
        for deployment, pricing, _ in built:
            if deployment.region is not None and route_pricing.tiers and not pricing.tiers and not pricing.is_empty():
                pricing.tiers = _scaled_tiers(route_pricing, pricing)
            if deployment.variant is not None:
                deployment.pricing = pricing  # its own price, or none known: never the route's
            elif deployment.region is not None and pricing != route_pricing and not pricing.is_empty():
                deployment.pricing = pricing  # a region's own price; a spelling has none (it bills the route's)
            elif deployment.region is not None and pricing.is_empty() and not own:
                deployment.pricing = pricing  # a region no source prices is unpriced, not billed as another
        limits = Limits.model_validate(primary[2])
        if limits.context_window is None and limits.max_input_tokens:
            limits.context_window = limits.max_input_tokens
        if own:
            self.observed = observed
        all_contribs = [c for contribs in deployments.values() for c in contribs]
        return Route(
            id=route_id,
            platform=platform,
            model=model_id,
            model_string=primary[0].model_string,
            pricing=route_pricing,
            limits=limits if limits != model.limits and limits != Limits() else None,
            priority=_DIRECT_ROUTE_PRIORITY if own else _PLATFORM_ROUTE_PRIORITY,
            direct=own,
            regions=sorted({d.region for d, _, _ in built if d.region}),
            deployments=[d for d, _, _ in built],
            sources=_sources(sorted(all_contribs, key=lambda c: c.rank)),
        )

    def _uplifted(
        self,
        route_id: str,
        platform: str,
        deployments: dict[tuple[str | None, str], list[Contribution]],
        uplift: dict[str, Any],
    ) -> dict[tuple[str | None, str], list[Contribution]]:
        """Deployments with a curated uplift (overrides.yaml ``uplifts``): each listed region (``""``: the
        model id called in one region) is priced at ``times`` the ``of`` deployment's prices, every tier
        included, as a curated override that wins over the sources (which stay in conflicts.yaml)."""
        reference = [c for (region, _), cs in deployments.items() if region == uplift["of"] for c in cs]
        if not reference:
            return deployments  # the route is not served there (a smaller catalog): nothing to multiply
        saved, self.observed = self.observed, []
        base = self._pricing(route_id, sorted(reference, key=lambda c: c.rank), [], platform=platform, variant=None)
        self.observed = saved
        factor = Decimal(str(uplift["times"]))
        priced = _times(base, factor)
        spec = {"pricing": priced, "source": uplift.get("source"), "reason": uplift.get("reason")}
        out = {}
        for (region, model_string), contribs in deployments.items():
            if (region or "") in uplift["deployments"] and not self._variant(platform, model_string):
                contribs = [Contribution((0, 0, 0), "overrides", None, spec), *contribs]
            out[(region, model_string)] = contribs
        return out

    def _provider(self, provider_id: str) -> Provider:
        data: dict[str, Any] = {"id": provider_id, "name": provider_id}
        data.update(self.provider_meta.get(provider_id, {}))
        data.update((self.overrides.get("providers") or {}).get(provider_id, {}))
        return Provider.model_validate(data)

    def _platforms(self, routes: list[Route]) -> list[Platform]:
        served: dict[str, set[str]] = defaultdict(set)
        for route in routes:
            served[route.platform].add(route.model.partition("/")[0])
        out = []
        for pid in self.rules.platform_order:
            spec = {"id": pid, **self.platforms.get(pid, {"name": pid, "kind": "aggregator"})}
            if not spec.get("supported_providers"):
                spec["supported_providers"] = sorted(served.get(pid, ()))
            out.append(Platform.model_validate(spec))
        return out

    # -- values ------------------------------------------------------------------------------------------

    def _merge_fields(
        self,
        subject: str,
        group: str,
        kinds: tuple[str, ...],
        contribs: list[Contribution],
        conflicts: list[Conflict],
        checks: dict[str, list[Check]] | None = None,
        *,
        field_prefix: str | None = None,
    ) -> dict[str, Any]:
        """Each field of ``group`` decided by evidence over ``contribs`` (in precedence order)."""
        merged: dict[str, Any] = {}
        order = "limits" if group == "limits" else "pricing"
        for kind in kinds:
            stated = [(c.label, (c.facts.get(group) or {}).get(kind)) for c in contribs]
            by_source: dict[str, Any] = {}
            for label, stated_value in stated:
                if stated_value is not None:
                    by_source.setdefault(label.partition(":")[0], stated_value)
            value, conflict = self.merge_rules.decide(
                subject,
                f"{field_prefix or group}.{kind}",
                stated,
                group=order,
                checks=(checks or {}).get(kind, ()),
            )
            if len(by_source) > 1:
                self.observed.append((subject, f"{field_prefix or group}.{kind}", {**by_source, KEPT: value}))
            if conflict is not None:
                conflicts.append(conflict)
            if value is not None:
                merged[kind] = value
        return merged

    def _pricing(
        self,
        subject: str,
        contribs: list[Contribution],
        conflicts: list[Conflict],
        *,
        platform: str | None,
        variant: str | None,
    ) -> Pricing:
        """The prices of one model or deployment, decided field by field; tiers by threshold."""
        free = self.merge_rules.is_free(platform, variant)
        priced = [c for c in contribs if c.facts.get("pricing")]
        media = {
            Decimal(str(value))
            for c in priced
            for kind in MEDIA_OUTPUT
            for value in [c.facts["pricing"].get(kind)]
            if value is not None
        }
        superseded = _superseded(priced)
        merged: dict[str, Any] = {}
        for kind in PRICE_KINDS:
            checks = _price_checks(kind, merged.get("input"), media, free, superseded.get(kind, set()))
            merged.update(self._merge_fields(subject, "pricing", (kind,), priced, conflicts, {kind: checks}))
        tiers = self._tiers(subject, priced, conflicts, merged, media, free)
        if tiers:
            merged["tiers"] = tiers
        if free and not merged:
            merged = {"input": Decimal(0), "output": Decimal(0)}  # a free variant is free by its name
        return Pricing.model_validate(merged)

    def _tiers(
        self,
        subject: str,
        priced: list[Contribution],
        conflicts: list[Conflict],
        base: dict[str, Any],
        media: set[Decimal],
        free: bool,
    ) -> list[dict[str, Any]]:
        """Long-context tiers: the thresholds by evidence (any source's tier counts where no other source
        states different ones), then each tier's prices like base prices."""
        tiered = [c for c in priced if c.facts["pricing"].get("tiers")]
        if not tiered:
            return []
        shapes = [(c.label, tuple(sorted(int(t["above_tokens"]) for t in c.facts["pricing"]["tiers"]))) for c in tiered]
        thresholds, conflict = self.merge_rules.decide(subject, "pricing.tiers", shapes, group="pricing")
        if conflict is not None:
            conflict.values = {label: list(shape) for label, shape in conflict.values.items()}
            conflicts.append(conflict)
        out = []
        for above in thresholds:
            holders = [
                Contribution(c.rank, c.label, c.record, {"tier": t})
                for c in tiered
                for t in c.facts["pricing"]["tiers"]
                if int(t["above_tokens"]) == above
            ]
            tier: dict[str, Any] = {"above_tokens": above}
            for kind in TIER_KINDS:
                checks = {kind: _price_checks(kind, tier.get("input") or base.get("input"), media, free)}
                prefix = f"pricing.tiers[{above}]"
                decided = self._merge_fields(subject, "tier", (kind,), holders, conflicts, checks, field_prefix=prefix)
                tier.update(decided)
            out.append(tier)
        return out

    def _timeline(self, pricing: Pricing, contribs: list[Contribution]) -> tuple[Pricing, list[Pricing]]:
        """The current price with the day it took effect, and the earlier prices, from a source that dates
        its prices (genai-prices), when that source's current price is the one kept."""
        for c in contribs:
            stated = c.facts.get("pricing") or {}
            if not stated.get("effective_from") or not c.facts.get("price_history"):
                continue
            if any(_dec(stated.get(k)) != _dec(getattr(pricing, k)) for k in ("input", "output")):
                return pricing, []
            pricing.effective_from = dt.date.fromisoformat(str(stated["effective_from"]))
            return pricing, [Pricing.model_validate(p) for p in c.facts["price_history"]]
        return pricing, []


class _Matcher:
    """The records that price one platform, answering "which record prices this name, how surely"."""

    def __init__(self, records: list[SourceRecord], regional_entries: tuple[str, ...] = ()) -> None:
        self.records = records
        self.regional_entries = tuple(prefix.lower() for prefix in regional_entries)
        self.certain: dict[str, SourceRecord] = {}
        for record in records:
            for name in record.match.certain_names():
                self.certain.setdefault(name.lower(), record)
        self._variants: dict[str, list[tuple[str, SourceRecord]]] | None = None

    def variants(self, platform: str, rules: MergeRules) -> dict[str, list[tuple[str, SourceRecord]]]:
        """Certain names that are a priced variant of a base string: base (lowercase) -> (variant, record)."""
        if self._variants is None:
            self._variants = defaultdict(list)
            for name, record in self.certain.items():
                variant = rules.variant_of(platform, name)
                if variant is not None:
                    self._variants[name[: -len(variant)]].append((variant, record))
        return self._variants

    def best(self, names: list[str], *, region: str | None = None) -> tuple[SourceRecord, str] | None:
        """The record that certainly means one of ``names`` (earlier names first), else the first whose
        rule guesses the first name it can. For a deployment scoped to ``region`` a guess counts only when
        the clause names the region (``us.anthropic…``) or the record prices every regional profile; a
        region the names do not carry (a path scope) is never matched."""
        if region is not None and not any(n.lower().startswith(region.lower() + ".") for n in names):
            return None
        for name in names:
            record = self.certain.get(name.lower())
            if record is not None:
                return record, CERTAIN
        for name in names:
            for record in self.records:
                verdict, clause = record.match.explain(name)
                if verdict is None:
                    continue
                if region is not None and not (
                    (clause or "").lower().startswith(region.lower() + ".")
                    or record.model_string.lower().startswith(self.regional_entries)
                ):
                    continue
                return record, verdict
        return None


def _contribution(tier: int, record: SourceRecord, verdict: str) -> Contribution:
    rank = (tier, SOURCE_RANK.get(record.source, len(SOURCE_RANK)), 0 if verdict == CERTAIN else 1)
    return Contribution(rank, f"{record.source}:{record.key}", record, record.facts)


def _price_checks(
    kind: str, input_price: Any, media: set[Decimal], free: bool, superseded: set[Decimal] | None = None
) -> list[Check]:
    """The invariants a candidate price of ``kind`` is checked against (names from merge.yaml)."""
    checks: list[Check] = []
    if superseded:
        checks.append(lambda v: "superseded" if _dec(v) in superseded else None)
    if not free:
        checks.append(lambda v: "zero_without_evidence" if _dec(v) == 0 else None)
    if input_price is not None and kind == "cache_read":
        ceiling = Decimal(str(input_price))
        checks.append(lambda v: "cache_read_above_input" if Decimal(str(v)) > ceiling else None)
    if input_price is not None and kind == "cache_write":
        floor = Decimal(str(input_price))
        checks.append(lambda v: "cache_write_below_input" if Decimal(str(v)) < floor else None)
    if kind == "output" and media:
        checks.append(lambda v: "media_output_as_text" if _dec(v) in media else None)
    return checks


def _same_base(pricing: Pricing, maker: Pricing) -> bool:
    """True when a route bills the maker's base prices (and so, by evidence of every such reseller, its
    long-context tiers)."""
    return maker.input is not None and (pricing.input, pricing.output) == (maker.input, maker.output)


def _scaled_tiers(reference: Pricing, regional: Pricing) -> list[PriceTier]:
    """A region's long-context tiers where no source states them: the route's tiers at the region's own
    multiple of each base price (a regional uplift applies to long prompts as to short ones)."""
    tiers = []
    for tier in reference.tiers:
        scaled: dict[str, Any] = {"above_tokens": tier.above_tokens}
        for kind in TIER_KINDS:
            mine, theirs, value = getattr(regional, kind), getattr(reference, kind), getattr(tier, kind)
            if mine is not None and theirs and value is not None:
                scaled[kind] = _tidy(value * mine / theirs)
        tiers.append(PriceTier.model_validate(scaled))
    return tiers


def _times(pricing: Pricing, factor: Decimal) -> dict[str, Any]:
    """Every price of ``pricing`` (tiers included) times ``factor``; the batch discount stays a fraction."""
    out: dict[str, Any] = {}
    for kind in PRICE_KINDS:
        value = getattr(pricing, kind)
        if value is not None:
            out[kind] = value if kind == "batch_discount" else _tidy(value * factor)
    if pricing.tiers:
        out["tiers"] = [
            {
                "above_tokens": t.above_tokens,
                **{k: _tidy(getattr(t, k) * factor) for k in TIER_KINDS if getattr(t, k) is not None},
            }
            for t in pricing.tiers
        ]
    return out


def _tidy(value: Decimal) -> Decimal:
    value = value.quantize(Decimal("1e-9")).normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def _superseded(priced: list[Contribution]) -> dict[str, set[Decimal]]:
    """Per price kind, the values a dated source shows were replaced (its earlier periods' prices that
    differ from its current one): another source stating one of them is stale."""
    out: dict[str, set[Decimal]] = defaultdict(set)
    for c in priced:
        current = c.facts["pricing"]
        for period in c.facts.get("price_history") or ():
            for kind, value in period.items():
                if kind in PRICE_KINDS and value is not None and _dec(value) != _dec(current.get(kind)):
                    out[kind].add(Decimal(str(value)))
    return out


def _consistent(capabilities: set[str], modalities_in: list[str] | None) -> set[str]:
    """Input capabilities agree with the input modalities kept: ``vision`` exactly when images go in (a
    source claiming vision for a text-only model loses to the modalities); audio and pdf input are added
    where the modalities say so (sources list PDF support without the modality, so it is not taken away)."""
    if modalities_in is None:
        return capabilities
    out = set(capabilities)
    if "image" in modalities_in:
        out.add("vision")
    else:
        out.discard("vision")
    out |= {cap for modality, cap in (("audio", "audio_input"), ("pdf", "pdf_input")) if modality in modalities_in}
    return out


def _first(contribs: list[Contribution], key: str) -> Any:
    return next((c.facts[key] for c in contribs if c.facts.get(key) is not None), None)


def _contributors(fact_pool: list[Contribution], maker_facts: list[Contribution]) -> list[Contribution]:
    seen = {id(c) for c in fact_pool}
    return sorted([*fact_pool, *(c for c in maker_facts if id(c) not in seen)], key=lambda c: c.rank)


def _sources(contribs: list[Contribution]) -> list[SourceRef]:
    refs = []
    for c in contribs:
        fields = sorted(k for k, v in c.facts.items() if v not in (None, {}, [], set()) and k not in _CURATION)
        if c.record is None:
            refs.append(SourceRef(source="overrides", url=c.facts.get("source"), fields=fields))
        else:
            ref = SourceRef(source=c.record.source, key=c.record.key, as_of=c.record.as_of, fields=fields)
            ref.url = c.record.url
            refs.append(ref)
    return refs


_CURATION = ("source", "reason")  # an override's provenance, not a fact about the model


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))
