"""LiteLLM's cost map (``model_prices_and_context_window.json``) written from the registry, so that
``litellm.register_model(json.load(open(path)))`` takes modelreg's data. The inverse of ``sync/litellm.py``.

Which keys: every LiteLLM key the registry's records name — a ``litellm`` source of a route or of a model
(``SourceRef.key``). A key sits on the deployment of its route whose ``keys`` hold it; a model's key that
no deployment holds goes with the model's own maker route (``direct``), else with the model alone.

What each entry says, from the registry (store edits included):

* prices: what that deployment is billed — a deployment's own prices where its record has them (a region,
  a priced variant, or another spelling the platform prices apart; none on the maker's own route, which
  bills the maker's price), else its route's, else the model's (the maker's own route, or a route with no
  price of its own). USD per 1M tokens become LiteLLM's USD per token exactly (the Decimal moved six
  places), written as the float whose shortest repr has the same digits;
* tiers as ``*_above_<N>k_tokens``, the batch discount as ``input/output_cost_per_token_batches``, the
  price of a web search as ``search_context_cost_per_query.search_context_size_medium``;
* limits: the route's where the platform states its own, else the model's: ``max_input_tokens`` (the
  input limit, else the context window), ``max_output_tokens`` (not for embeddings: an embedding's
  "output" is its vector), and LiteLLM's legacy ``max_tokens`` (the output limit, else the input limit);
* ``mode``, the true ``supports_*`` flags, ``supports_video_input``, ``supported_output_modalities`` (where
  more than text comes out), ``deprecation_date``;
* ``litellm_provider``: LiteLLM's name for the platform, spelled as LiteLLM does for completion models
  (OpenAI, Azure), Cohere's chat models, Vertex AI's partner models and Mistral's ``codestral/`` keys.

Not written, because modelreg keeps none of it: LiteLLM's ``bedrock_converse`` provider (written ``bedrock``,
which LiteLLM matches alike), priority, flex and regional-uplift prices, the low and high web search sizes,
per-second, per-character and per-pixel prices.

``compare(reg, upstream)`` measures the round trip LiteLLM -> modelreg -> LiteLLM, field by field.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from modelreg.registry import Registry
    from modelreg.schema import Conflict, Deployment, Limits, Model, Pricing, Route, SourceRef

SOURCE = "litellm"

PRICE_FIELDS = {
    "input": "input_cost_per_token",
    "output": "output_cost_per_token",
    "cache_read": "cache_read_input_token_cost",
    "cache_write": "cache_creation_input_token_cost",
    "cache_write_1h": "cache_creation_input_token_cost_above_1hr",
    "reasoning": "output_cost_per_reasoning_token",
    "input_audio": "input_cost_per_audio_token",
    "output_audio": "output_cost_per_audio_token",
    "output_image": "output_cost_per_image_token",
}
"""modelreg's per-token price kinds -> LiteLLM's fields (USD per token)."""
TIER_KINDS = ("input", "output", "cache_read", "cache_write", "cache_write_1h")
ITEM_FIELDS = {"image": "input_cost_per_image", "request": "input_cost_per_request"}
"""modelreg's per-item prices -> LiteLLM's fields (the same unit: USD per image, per request)."""
BATCH_FIELDS = {"input": "input_cost_per_token_batches", "output": "output_cost_per_token_batches"}
WEB_SEARCH = "search_context_cost_per_query"
WEB_SEARCH_SIZE = "search_context_size_medium"  # OpenAI's default size: the one modelreg reads and keeps
LIMIT_FIELDS = ("max_input_tokens", "max_output_tokens")  # plus the legacy max_tokens, derived from them

FLAGS = {
    "tools": "supports_function_calling",
    "parallel_tools": "supports_parallel_function_calling",
    "vision": "supports_vision",
    "audio_input": "supports_audio_input",
    "audio_output": "supports_audio_output",
    "pdf_input": "supports_pdf_input",
    "reasoning": "supports_reasoning",
    "structured_output": "supports_response_schema",
    "web_search": "supports_web_search",
    "prompt_caching": "supports_prompt_caching",
    "computer_use": "supports_computer_use",
}
"""modelreg's capabilities -> LiteLLM's ``supports_*`` flags (what ``sync/litellm.py`` reads back)."""

# LiteLLM's provider names for Vertex AI's partner models (``vertex_ai-<name>_models``), by modelreg maker
_VERTEX_PARTNERS = {
    "anthropic": "anthropic",
    "mistral": "mistral",
    "meta": "llama",
    "ai21": "ai21",
    "deepseek": "deepseek",
    "qwen": "qwen",
    "zai": "zai",
    "openai": "openai",
    "minimax": "minimax",
    "moonshotai": "moonshot",
}


class Placement(NamedTuple):
    """Where one LiteLLM key sits: ``model`` served by ``deployment`` of ``route`` (None: the model alone)."""

    model: Model
    route: Route | None
    deployment: Deployment | None


def placements(reg: Registry) -> dict[str, Placement]:
    """Every LiteLLM key the registry's records name, and where it sits (see the module docstring)."""
    models = {model.id: model for model in reg.models()}
    placed: dict[str, Placement] = {}
    direct: dict[str, Route] = {}
    for route in reg.routes():
        model = models[route.model]
        if route.direct:
            direct.setdefault(model.id, route)
        named = _litellm_keys(route.sources) | _litellm_keys(model.sources)
        for deployment in route.deployments:
            for key in deployment.keys:
                if key in named:
                    placed.setdefault(key, Placement(model, route, deployment))
    for model in models.values():
        for key in sorted(_litellm_keys(model.sources) - placed.keys()):
            placed[key] = Placement(model, direct.get(model.id), None)
    return placed


def document(reg: Registry) -> dict[str, dict[str, Any]]:
    """The cost map for ``reg``: LiteLLM key -> entry, sorted by key (see the module docstring)."""
    return {key: entry(*where, key=key) for key, where in sorted(placements(reg).items())}


def write(reg: Registry, path: Path) -> int:
    """Write ``reg``'s cost map to ``path`` (atomically; its folder is made); returns how many keys."""
    cost_map = document(reg)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(dumps(cost_map), encoding="utf-8")
    tmp.replace(path)
    return len(cost_map)


def dumps(cost_map: Mapping[str, Any]) -> str:
    """The cost map as JSON text, indented as LiteLLM's own file is."""
    return json.dumps(cost_map, indent=4, ensure_ascii=False) + "\n"


def entry(model: Model, route: Route | None, deployment: Deployment | None, *, key: str) -> dict[str, Any]:
    """One cost-map entry, under the LiteLLM key ``key``: ``model`` served by ``deployment`` of ``route``
    (the model alone when they are None)."""
    mode = mode_of(model)
    out: dict[str, Any] = {
        "litellm_provider": litellm_provider(
            key, route.platform if route else _prefix(key) or model.provider, model.provider, mode
        ),
        "mode": mode,
        **limits(route.limits if route is not None and route.limits else model.limits, mode=mode),
    }
    pricing = billed(model, route, deployment)
    if pricing is not None:
        out.update(prices(pricing))
    capabilities = {c.value for c in model.capabilities}
    out.update({flag: True for capability, flag in FLAGS.items() if capability in capabilities})
    if "video" in {m.value for m in model.modalities_in}:
        out["supports_video_input"] = True
    modalities_out = [m.value for m in model.modalities_out]
    if modalities_out != ["text"]:
        out["supported_output_modalities"] = modalities_out
    if model.lifecycle.deprecation_date:
        out["deprecation_date"] = model.lifecycle.deprecation_date
    return dict(sorted(out.items()))


def billed(model: Model, route: Route | None, deployment: Deployment | None) -> Pricing | None:
    """The prices ``deployment`` of ``route`` is billed at, None when nothing prices it: the deployment's own
    where its record states them (a region's or a variant's; another spelling's only on a platform's route,
    as the maker's own API bills the maker's price); else the route's; else the model's."""
    return _billing(model, route, deployment)[0]


def _billing(model: Model, route: Route | None, deployment: Deployment | None) -> tuple[Pricing | None, str]:
    """``billed``, and the subject (as conflicts.yaml names it) whose prices those are."""
    if route is not None and deployment is not None and deployment.pricing is not None:
        tag = deployment.region or deployment.variant
        if tag or not route.direct:
            subject = f"{route.id}@{tag}" if tag else f"{route.id} ({deployment.model_string})"
            return (None if deployment.pricing.is_empty() else deployment.pricing), subject
    if route is not None and not route.direct and not route.pricing.is_empty():
        return route.pricing, route.id
    return (None if model.pricing.is_empty() else model.pricing), model.id


def prices(pricing: Pricing) -> dict[str, Any]:
    """``pricing`` in LiteLLM's fields: per token, per item, tiers, batch and web search."""
    out: dict[str, Any] = {}
    for kind, name in PRICE_FIELDS.items():
        value = getattr(pricing, kind)
        if value is not None:
            out[name] = per_token(value)
    for kind, name in ITEM_FIELDS.items():
        value = getattr(pricing, kind)
        if value is not None:
            out[name] = float(value)
    for tier in pricing.tiers:
        if tier.above_tokens % 1000:  # LiteLLM names a threshold in whole thousands; the catalog has no other
            continue
        for kind in TIER_KINDS:
            value = getattr(tier, kind)
            if value is not None:
                out[tier_field(kind, tier.above_tokens)] = per_token(value)
    if pricing.batch_discount is not None:
        for kind, name in BATCH_FIELDS.items():
            value = getattr(pricing, kind)
            if value is not None:
                out[name] = per_token(value * (1 - pricing.batch_discount))
    if pricing.web_search is not None:
        out[WEB_SEARCH] = {WEB_SEARCH_SIZE: float(pricing.web_search)}
    return out


def limits(stated: Limits, *, mode: str = "chat") -> dict[str, int]:
    """``stated`` in LiteLLM's fields (see the module docstring)."""
    max_input = stated.max_input_tokens or stated.context_window
    max_output = stated.max_output_tokens if mode != "embedding" else None
    out = {"max_input_tokens": max_input, "max_output_tokens": max_output, "max_tokens": max_output or max_input}
    return {name: value for name, value in out.items() if value}


def tier_field(kind: str, above_tokens: int) -> str:
    """LiteLLM's field for the ``kind`` price above ``above_tokens`` prompt tokens
    (``input_cost_per_token_above_200k_tokens``)."""
    return f"{PRICE_FIELDS[kind]}_above_{above_tokens // 1000}k_tokens"


def per_token(per_million: Decimal) -> float:
    """USD per 1M tokens -> USD per token, as the float whose shortest repr is the exact Decimal (exact to
    15 significant digits; the catalog keeps prices to 1e-9 USD per 1M, far fewer)."""
    return float(per_million.scaleb(-6))


def litellm_provider(key: str, platform: str, maker: str, mode: str) -> str:
    """LiteLLM's ``litellm_provider`` for ``key`` on ``platform`` (a model of ``maker``, in ``mode``)."""
    prefix = _prefix(key)
    if platform == "openai":
        return "text-completion-openai" if mode == "completion" else "openai"
    if platform == "azure":
        return "azure_text" if mode == "completion" else "azure"
    if platform == "cohere":
        return "cohere_chat" if mode == "chat" else "cohere"
    if platform == "mistral":
        return prefix if prefix in ("codestral", "text-completion-codestral") else "mistral"
    if platform == "fireworks_ai" and mode == "embedding":
        return "fireworks_ai-embedding-models"
    if platform == "vertex_ai" and maker == "google":
        if prefix == "vertex_ai":  # LiteLLM's newer Gemini-on-Vertex keys
            return "vertex_ai"
        if mode == "embedding":
            return "vertex_ai-embedding-models"
        return "vertex_ai-text-models" if mode == "completion" else "vertex_ai-language-models"
    if platform == "vertex_ai":
        return f"vertex_ai-{_VERTEX_PARTNERS[maker]}_models" if maker in _VERTEX_PARTNERS else "vertex_ai"
    return platform  # the other platforms' ids are LiteLLM's provider names


def _prefix(key: str) -> str:
    return key.split("/", 1)[0] if "/" in key else ""


def mode_of(model: Model) -> str:
    capabilities = {c.value for c in model.capabilities}
    if "embedding" in capabilities:
        return "embedding"
    if "image_generation" in capabilities and "image" in {m.value for m in model.modalities_out}:
        return "image_generation"
    if "chat" in capabilities:
        return "responses" if model.api_requirements.get("endpoint") == "responses" else "chat"
    if "completion" in capabilities:
        return "completion"
    return "rerank" if "rerank" in capabilities else "chat"


def _litellm_keys(sources: Iterable[SourceRef]) -> set[str]:
    return {ref.key for ref in sources if ref.source == SOURCE and ref.key}


# -- the round trip: LiteLLM -> modelreg -> LiteLLM ----------------------------------------------------------

CONFLICT = "conflict"
"""conflicts.yaml records that the catalog decided this field against LiteLLM (another source's value kept,
or LiteLLM's dropped as breaking an invariant), for this key or for the subject the key's entry takes it from."""
SIBLING = "sibling"
"""The catalog took the field from another LiteLLM key of the same subject (its entry named like the model),
which states exactly the exported value: LiteLLM's own entries disagree."""
UNITS = "units"
"""modelreg holds the figure otherwise: this very entry, read by sync/litellm.py and written back, gives the
exported value (a batch price kept as one discount to 4 decimals, for input and output alike; prices to 1e-9
USD per 1M; no output limit for an embedding)."""
SOURCES = "sources"
"""The exported value is none of LiteLLM's: another source (SourceRef.fields of the subject) supplied the
field, and LiteLLM's entry for this key was not among the candidates (the merge weighs each source's best
entry, and only the maker's own facts for a model's limits) — a choice conflicts.yaml does not record."""
REASONS = (CONFLICT, SIBLING, UNITS, SOURCES)


class Difference(NamedTuple):
    """One price or limit LiteLLM states for ``key`` that the export does not give back exactly (``exported``
    None: not written). ``reason`` is one of ``REASONS`` with its ``detail``, or None: unexplained."""

    key: str
    field: str
    upstream: Decimal
    exported: Decimal | None
    reason: str | None
    detail: str = ""


@dataclass
class RoundTrip:
    """The round trip measured over the keys the registry covers: the LiteLLM keys its records name."""

    keys: int = 0  # covered keys upstream has
    fields: int = 0  # prices and limits upstream states for them, each compared with the export
    equal: int = 0
    differences: list[Difference] = field(default_factory=list)
    added: int = 0  # prices and limits the export states where upstream states none for that key
    not_read: Counter[str] = field(default_factory=Counter)  # upstream's price fields modelreg does not keep
    missing: list[str] = field(default_factory=list)  # covered keys upstream lacks

    @property
    def unexplained(self) -> list[Difference]:
        return [d for d in self.differences if d.reason is None]

    def reasons(self) -> Counter[str]:
        """How many differences each reason explains ("unexplained": none does)."""
        return Counter(d.reason or "unexplained" for d in self.differences)


def compare(reg: Registry, upstream: Mapping[str, Any], *, conflicts: Iterable[Conflict] = ()) -> RoundTrip:
    """Each price and limit ``upstream`` (LiteLLM's cost map, loaded) states for a key ``reg`` covers, against
    ``reg``'s export, as exact Decimals; each difference with the reason the catalog gives for it (``REASONS``),
    from ``conflicts`` (the catalog's ``conflicts.yaml``) and the records' sources. The legacy ``max_tokens``
    is not compared: the export derives it from the two limits, which are."""
    where = placements(reg)
    by_key, by_subject = _decisions(conflicts)
    stated = {key: comparable(upstream[key]) for key in where if isinstance(upstream.get(key), Mapping)}
    holders = {key: _Holders.of(placed) for key, placed in where.items()}
    sharing: dict[str, list[str]] = {}  # subject -> the keys whose prices or limits it gives
    for key, held in holders.items():
        sharing.setdefault(held.prices, []).append(key)
        sharing.setdefault(held.limits, []).append(key)
    report = RoundTrip()
    for key, placed in sorted(where.items()):
        if key not in stated:
            report.missing.append(key)
            continue
        report.keys += 1
        theirs, ours = stated[key], comparable(entry(*placed, key=key))
        report.not_read.update(name for name in upstream[key] if _unkept(name))
        report.added += len(ours.keys() - theirs.keys())
        for name, value in sorted(theirs.items()):
            report.fields += 1
            mine = ours.get(name)
            if mine == value:
                report.equal += 1
                continue
            held, group = holders[key], "limits" if name in LIMIT_FIELDS else "pricing"
            subject = held.limits if group == "limits" else held.prices
            reason, detail = _decided(key, name, held.subjects(group), by_key, by_subject)
            if reason is None:
                twin = next((k for k in sharing[subject] if k != key and stated.get(k, {}).get(name) == mine), None)
                reason, detail = (SIBLING, twin) if twin else (None, "")
            if reason is None and mine == comparable(_rewritten(key, upstream[key], placed)).get(name):
                reason, detail = UNITS, "read and written back, upstream's entry gives the exported value"
            others = held.others(group) if reason is None and mine is not None else []
            if others:
                reason, detail = SOURCES, f"{subject} {group} from " + ", ".join(others)
            report.differences.append(Difference(key, name, value, mine, reason, detail))
    return report


def comparable(entry: Mapping[str, Any]) -> dict[str, Decimal]:
    """The prices and limits of one cost-map entry that modelreg reads and writes, as exact Decimals by LiteLLM
    field name (DeepSeek's ``input_cost_per_token_cache_hit`` as ``cache_read_input_token_cost``; the web search
    price as ``search_context_cost_per_query.search_context_size_medium``); not the legacy ``max_tokens``."""
    out: dict[str, Decimal] = {}
    for name, value in entry.items():
        exact = _exact(value) if name in _READ or _TIER.match(name) else None
        if exact is not None:
            out.setdefault(_READ.get(name, name), exact)
    search = entry.get(WEB_SEARCH)
    exact = _exact(search.get(WEB_SEARCH_SIZE)) if isinstance(search, Mapping) else None
    if exact is not None:
        out[_SEARCH] = exact
    return out


_SEARCH = f"{WEB_SEARCH}.{WEB_SEARCH_SIZE}"
_READ = {
    **{name: name for name in (*PRICE_FIELDS.values(), *ITEM_FIELDS.values(), *BATCH_FIELDS.values(), *LIMIT_FIELDS)},
    "input_cost_per_token_cache_hit": PRICE_FIELDS["cache_read"],  # DeepSeek's spelling, read the same
}
_TIER = re.compile(
    "^(" + "|".join(sorted((PRICE_FIELDS[k] for k in TIER_KINDS), key=len, reverse=True)) + r")_above_(\d+)k_tokens$"
)
_KINDS = {name: kind for kind, name in PRICE_FIELDS.items()}


@dataclass(frozen=True)
class _Holders:
    """The subjects (as conflicts.yaml names them) a key's entry takes its prices and its limits from."""

    prices: str
    limits: str
    route: Route | None
    model: Model

    @classmethod
    def of(cls, placed: Placement) -> _Holders:
        model, route, deployment = placed
        limits_at = route.id if route is not None and route.limits else model.id
        return cls(_billing(model, route, deployment)[1], limits_at, route, model)

    def subjects(self, group: str) -> list[str]:
        """Where a decision about ``group`` may be recorded: the subject itself; for limits also the route's
        other spellings and the model (a route's limits equal to the model's are not repeated on it)."""
        if group == "pricing":
            return [self.prices]
        if self.route is None:
            return [self.model.id]
        spellings = [f"{self.route.id} ({d.model_string})" for d in self.route.deployments]
        return [self.route.id, *spellings, self.model.id]

    def others(self, group: str) -> list[str]:
        """The sources other than LiteLLM that supplied ``group`` to the subject's record."""
        subject = self.prices if group == "pricing" else self.limits
        record = self.model if subject == self.model.id or self.route is None else self.route
        return sorted({f"{r.source}:{r.key}" for r in record.sources if r.source != SOURCE and group in r.fields})


def _decided(
    key: str,
    name: str,
    subjects: list[str],
    by_key: dict[tuple[str, str], str],
    by_subject: dict[tuple[str, str], str],
) -> tuple[str | None, str]:
    fields = _catalog_fields(name)
    for catalog_field in fields:
        if (key, catalog_field) in by_key:
            return CONFLICT, by_key[key, catalog_field]
    for subject in subjects:  # decided for the subject against LiteLLM's entry for it (its best entry)
        for catalog_field in fields:
            if (subject, catalog_field) in by_subject:
                return CONFLICT, by_subject[subject, catalog_field]
    return None, ""


def _rewritten(key: str, theirs: Mapping[str, Any], placed: Placement) -> dict[str, Any]:
    """One upstream entry read into modelreg's units (``sync.litellm.facts``) and written back."""
    from pydantic import ValidationError

    from modelreg.schema import Limits, Pricing
    from modelreg.sync.litellm import facts

    read = facts(key, dict(theirs))
    try:
        out = prices(Pricing.model_validate(read.get("pricing", {})))
        out.update(limits(Limits.model_validate(read.get("limits", {})), mode=mode_of(placed.model)))
    except ValidationError:  # an entry modelreg's schema refuses: nothing of it comes back
        return {}
    return out


def _exact(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _unkept(name: str) -> bool:
    """A price field of LiteLLM's that modelreg neither reads nor writes (priority, flex, per second, …)."""
    return "cost" in name and name not in _READ and name != WEB_SEARCH and not _TIER.match(name)


def _catalog_fields(name: str) -> list[str]:
    """The catalog fields (conflicts.yaml's ``field``) an exported LiteLLM field is made from."""
    if name in _KINDS:
        return [f"pricing.{_KINDS[name]}"]
    tier = _TIER.match(name)
    if tier:
        return [f"pricing.tiers[{int(tier.group(2)) * 1000}].{_KINDS[tier.group(1)]}", "pricing.tiers"]
    batch = {field_name: kind for kind, field_name in BATCH_FIELDS.items()}
    if name in batch:
        return ["pricing.batch_discount", f"pricing.{batch[name]}"]
    items = {field_name: kind for kind, field_name in ITEM_FIELDS.items()}
    if name in items:
        return [f"pricing.{items[name]}"]
    if name == _SEARCH:
        return ["pricing.web_search"]
    if name == "max_input_tokens":
        return ["limits.max_input_tokens", "limits.context_window"]
    return ["limits.max_output_tokens"]


def _decisions(conflicts: Iterable[Conflict]) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    """Where the catalog decided a field against LiteLLM (kept another source's value, or dropped LiteLLM's), by
    (LiteLLM key, field) and by (subject, field): what was decided, for people."""
    by_key: dict[tuple[str, str], str] = {}
    by_subject: dict[tuple[str, str], str] = {}
    for conflict in conflicts:
        kept = conflict.chosen or "nothing (dropped)"
        text = f"{conflict.subject} {conflict.field}: {conflict.rule} kept {kept}"
        for source_key in conflict.values:
            source, _, key = source_key.partition(":")
            if source == SOURCE and conflict.chosen != source_key:
                by_key.setdefault((key, conflict.field), text)
                by_subject.setdefault((conflict.subject, conflict.field), text)
    return by_key, by_subject
