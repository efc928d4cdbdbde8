"""Merge SourceRecords and curated overrides into models, routes and conflicts.

Every upstream entry becomes one of two things:
  * a fact about a model, when it comes from the maker's own API (OpenAI's ``gpt-4o``), and
  * a deployment of a route: that model served on a platform, with the platform's string and prices.

Naming (``declare``, ``place``, ``rename``, ``check_identities``): one model per identity key
(``Rules.identity``); other spellings become aliases, an entry whose version digits differ from every
name of the model its names find becomes a model of its own, and two models sharing a key fail the
build unless overrides.yaml lists them as ``distinct``.

Precedence, field by field: overrides > models.dev > LiteLLM; within a source, the entry named
exactly like the model beats one reaching it through an alias. Platforms never set a maker's price.
Where two sources state different prices or limits for the same thing, a Conflict records both
values and which was kept. Nothing is dropped silently: entries that cannot be placed are returned
in ``unplaced``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from modelreg.catalog.rules import Parsed, Rules
from modelreg.errors import CatalogError
from modelreg.names import NameTable, same_version, size_from_name
from modelreg.schema import (
    Conflict,
    Deployment,
    Limits,
    Model,
    Platform,
    Pricing,
    Provider,
    Route,
    SourceRef,
)
from modelreg.sync.records import SourceRecord

SOURCE_RANK = {"overrides": 0, "models.dev": 1, "litellm": 2}
PRICE_KINDS = (
    "input",
    "output",
    "cache_read",
    "cache_write",
    "reasoning",
    "input_audio",
    "output_audio",
    "image",
    "request",
    "batch_discount",
)
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
    names: dict[str, str] = field(default_factory=dict)  # curated platform strings no upstream entry has -> model


class Merger:
    """Collects records in platform order, then ``finish()`` returns the merged Catalog."""

    def __init__(self, rules: Rules, overrides: dict[str, Any], provider_meta: dict[str, dict[str, Any]]) -> None:
        self.rules = rules
        self.overrides = overrides
        self.provider_meta = provider_meta
        self.platforms = {pid: dict(spec) for pid, spec in (overrides.get("platforms") or {}).items()}
        self.links = {platform: dict(table) for platform, table in (overrides.get("links") or {}).items()}
        self.model_facts: dict[str, list[Contribution]] = defaultdict(list)
        self.deployments: dict[tuple[str, str], dict[tuple[str | None, str], list[Contribution]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.aliases: dict[str, str] = {}  # "provider/alias" -> model id
        self.alias_names: dict[str, list[str]] = defaultdict(list)  # model id -> its aliases (bare)
        self.names = NameTable(key=rules.identity)
        self.unplaced: list[str] = []
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
        best_tier = min((c.rank[0] for c in contribs if c.rank[0] > 0), default=2)
        maker_facts = [c for c in contribs if c.rank[0] <= 1]
        fact_pool = [c for c in contribs if c.rank[0] == 0 or c.rank[0] == best_tier]
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
            data["capabilities"] = sorted(set().union(*(c.facts.get("capabilities", ()) for c in fact_pool)))
        # Only the maker's own facts can disagree about the model; platforms that cap a model's limits
        # differently do not contradict each other (their routes record what each serves).
        model_conflicts = conflicts if best_tier <= 1 else []
        data["limits"] = _merge_fields(model_id, "limits", LIMIT_KINDS, fact_pool, model_conflicts)
        if not data["limits"].get("context_window") and data["limits"].get("max_input_tokens"):
            data["limits"]["context_window"] = data["limits"]["max_input_tokens"]
        data["pricing"] = _pricing(model_id, maker_facts, conflicts)
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
        if "size_b" not in data:
            size = size_from_name(name)
            if size is not None:
                data["size_b"], data["size_estimated"] = size, True
        data["sources"] = _sources(fact_pool)
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
        if maker == model.provider:
            conflicts = []  # the maker's own API: its disagreements are recorded once, on the model
        built: list[tuple[Deployment, Pricing, dict[str, Any]]] = []
        for (region, model_string), contribs in sorted(deployments.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
            contribs = sorted(contribs, key=lambda c: c.rank)
            subject = f"{route_id}@{region}" if region else route_id
            pricing = _pricing(subject, contribs, conflicts)
            stated_limits = _merge_fields(subject, "limits", LIMIT_KINDS, contribs, conflicts)
            keys = sorted({c.record.key for c in contribs if c.record is not None})
            built.append((Deployment(model_string=model_string, region=region, keys=keys), pricing, stated_limits))
        primary = min(
            built,
            key=lambda b: (
                b[0].region is not None,
                b[0].model_string.lower() != model.name.lower(),
                b[0].model_string,
            ),
        )
        # the maker's own API bills the maker's price, curated corrections included
        route_pricing = model.pricing if maker == model.provider else primary[1]
        for deployment, pricing, _ in built:
            if pricing != route_pricing and not pricing.is_empty():
                deployment.pricing = pricing
        limits = Limits.model_validate(primary[2])
        if limits.context_window is None and limits.max_input_tokens:
            limits.context_window = limits.max_input_tokens
        all_contribs = [c for contribs in deployments.values() for c in contribs]
        return Route(
            id=route_id,
            platform=platform,
            model=model_id,
            model_string=primary[0].model_string,
            pricing=route_pricing,
            limits=limits if limits != model.limits and limits != Limits() else None,
            priority=_DIRECT_ROUTE_PRIORITY if maker == model.provider else _PLATFORM_ROUTE_PRIORITY,
            regions=sorted({d.region for d, _, _ in built if d.region}),
            deployments=[d for d, _, _ in built],
            sources=_sources(sorted(all_contribs, key=lambda c: c.rank)),
        )

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


def _first(contribs: list[Contribution], key: str) -> Any:
    return next((c.facts[key] for c in contribs if c.facts.get(key) is not None), None)


def _merge_fields(
    subject: str, group: str, kinds: tuple[str, ...], contribs: list[Contribution], conflicts: list[Conflict]
) -> dict[str, Any]:
    """Field-by-field first-wins over ``contribs`` (already in precedence order), recording disagreements."""
    merged: dict[str, Any] = {}
    for kind in kinds:
        stated = [(c.label, (c.facts.get(group) or {}).get(kind)) for c in contribs]
        stated = [(label, value) for label, value in stated if value is not None]
        if not stated:
            continue
        merged[kind] = stated[0][1]
        values: dict[str, Any] = {}
        for label, value in stated:
            values.setdefault(label, value)
        if len({_norm(v) for v in values.values()}) > 1:
            conflicts.append(
                Conflict(
                    subject=subject,
                    field=f"{group}.{kind}",
                    values=values,
                    chosen=stated[0][0],
                    rule="overrides > models.dev > litellm; exact name > alias",
                )
            )
    return merged


def _pricing(subject: str, contribs: list[Contribution], conflicts: list[Conflict]) -> Pricing:
    merged = _merge_fields(subject, "pricing", PRICE_KINDS, contribs, conflicts)
    tiers = _first([c for c in contribs if (c.facts.get("pricing") or {}).get("tiers")], "pricing")
    if tiers:
        merged["tiers"] = tiers["tiers"]
    return Pricing.model_validate(merged)


def _sources(contribs: list[Contribution]) -> list[SourceRef]:
    refs = []
    for c in contribs:
        fields = sorted(k for k, v in c.facts.items() if v not in (None, {}, [], set()))
        if c.record is None:
            refs.append(SourceRef(source="overrides", fields=fields))
        else:
            refs.append(SourceRef(source=c.record.source, key=c.record.key, as_of=c.record.as_of, fields=fields))
    return refs


def _norm(value: Any) -> Any:
    return Decimal(str(value)) if isinstance(value, int | float | Decimal) else value
