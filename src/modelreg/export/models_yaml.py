"""Seed 003's ``models.yaml``, in both shapes its project reads, and a reader for either.

**Shape "map"** (the update tool's): ``models: {<id>: {provider, type, size_b, config: {model_name,
context_window, max_tokens}}}`` with ``preferences: {default, fallback}``, ``cost_optimized`` and
``performance_optimized``, under an ``# Auto-generated on:`` header.

**Shape "list"** (the loader's): ``models: [{source, name, expertise: [...], size: "8b"}]`` with
``defaults: {expertise_preferences: {<expertise>: [ids, best first]}, fallback_chain: [ids]}``.

Which models: every model served on a platform the seed's project reads (the makers' own APIs, Ollama,
Hugging Face) through an active route, that writes text and is not retired today. Its id is
``<platform>:<model string>`` (``openai:gpt-4o``, ``ollama:llama3.2:1b``,
``huggingface:Qwen/Qwen2.5-1.5B-Instruct``); in the list shape ``source`` is the platform and ``name`` the
model string. The size is the one the sources state, else the one read from the model's name or the
platform's model string (``8x7b`` = 56, ``llama3.2:1b`` = 1), else left out — never a guessed default.
``size`` is written ``"8b"`` (``"1.5b"``; under a billion, ``"270m"``).

The rules (``price`` = USD per 1M tokens on that platform, three input tokens to one output; a
*ranked* model is priced above zero and neither deprecated nor retired today — local and free entries
are left out of every list, because a default must work without a local server or a free tier):

* ``cost_optimized``: the cheapest ranked model of each maker that calls tools, cheapest first (at most 5);
* ``performance_optimized``: each maker's dearest ranked model that calls tools — within a maker, price
  tracks the tier — dearest first (at most 5);
* ``preferences.default``: the first of ``cost_optimized``; ``preferences.fallback``: the rest of it;
  ``defaults.fallback_chain`` (list shape): the same ids, default first.

Expertise (list shape), in this order, each from the registry's facts:

* ``general``: takes chat requests (capability ``chat``);
* ``code``: the name says so (``code``, ``coder``, ``codex``, ``codestral``, ``devstral``);
* ``reasoning``, ``vision``, ``tools``, ``embedding``: the capability of that name;
* ``audio``: audio in or out (``audio_input``, ``audio_output``);
* ``long_context``: a context window of at least 200,000 tokens;
* ``fast``: at most 8B parameters, or a small tier in the name (``mini``, ``nano``, ``flash``, ``haiku``,
  ``lite``, ``small``, ``tiny``, ``fast``, ``instant`` as a word of it);
* ``cheap``: a price of at most $1 per 1M tokens, or served locally (Ollama).

``expertise_preferences``: for each expertise, its ranked chat models (``general``; for ``embedding``, its
embedding models) one per maker — ``cheap`` and ``fast`` cheapest first, the others dearest first — at
most 5.

``read(path)`` reads either shape back as a ``ModelsConfig`` (the same questions answered from both), and
refuses a bad file with a ValidationError naming each bad field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from modelreg.errors import ValidationError
from modelreg.names import size_from_name

if TYPE_CHECKING:
    from modelreg.registry import Registry
    from modelreg.schema import Model, Route

PLATFORMS = ("openai", "anthropic", "gemini", "xai", "mistral", "deepseek", "ollama", "huggingface")
SHAPES = ("map", "list")
LIST_LENGTH = 5
EXPERTISE = (
    "general",
    "code",
    "reasoning",
    "vision",
    "tools",
    "audio",
    "embedding",
    "long_context",
    "fast",
    "cheap",
)
CHEAP_PRICE = Decimal(1)  # USD per 1M tokens, three input to one output
LONG_CONTEXT = 200_000
FAST_SIZE = Decimal(8)  # billions of parameters
CODE_WORDS = ("code", "devstral")  # substrings: code, coder, codex, codestral, starcoder, devstral
SMALL_TIERS = frozenset({"mini", "nano", "flash", "haiku", "lite", "small", "tiny", "fast", "instant"})
HEADER = "# Auto-generated on: {stamp}\n# by modelreg (update_models); edit the registry, not this file\n"

Shape = Literal["map", "list"]


class Served(NamedTuple):
    """One model on one platform, as models.yaml lists it."""

    key: str  # "<platform>:<model string>"
    model: Model
    route: Route
    size: Decimal | None
    price: Decimal | None  # blended, USD per 1M tokens; None when the platform states no price
    local: bool
    going: bool  # deprecated today (retired models are not listed at all)

    @property
    def ranked(self) -> bool:
        return self.price is not None and self.price > 0 and not self.local and not self.going


def served(reg: Registry, *, platforms: Iterable[str] = PLATFORMS, today: dt.date | None = None) -> list[Served]:
    """The models models.yaml lists on ``platforms``, by model id and then route priority; an id two
    routes would share goes to the first."""
    wanted = set(platforms)
    day = today or dt.date.today()
    local = {p.id for p in reg.platforms() if p.kind.value == "local"}
    out: list[Served] = []
    seen: set[str] = set()
    for model in sorted(reg.models(), key=lambda m: m.id):
        status = model.lifecycle.status_on(day).value
        if status == "retired" or "text" not in model.modalities_out:
            continue
        for route in reg.routes(model.id):
            key = f"{route.platform}:{route.model_string}"
            if route.platform not in wanted or route.status != "active" or key in seen:
                continue
            seen.add(key)
            size = model.size_b if model.size_b is not None else size_from_name(route.model_string)
            going = status == "deprecated"
            out.append(Served(key, model, route, size, _blended(route), route.platform in local, going))
    return out


def document(reg: Registry, *, platforms: Iterable[str] = PLATFORMS) -> dict[str, Any]:
    """The models.yaml document for ``reg`` in the map shape (keys in the seed's order)."""
    rows = served(reg, platforms=platforms)
    cheap, dear = _preferences(rows)
    return {
        "models": {row.key: _entry(row) for row in rows},
        "preferences": {"default": cheap[0] if cheap else None, "fallback": cheap[1:]},
        "cost_optimized": cheap,
        "performance_optimized": dear,
    }


def list_document(reg: Registry, *, platforms: Iterable[str] = PLATFORMS) -> dict[str, Any]:
    """The models.yaml document for ``reg`` in the list shape (the loader's)."""
    rows = served(reg, platforms=platforms)
    skills = {row.key: expertise(row) for row in rows}
    models = []
    for row in rows:
        platform, _, name = row.key.partition(":")
        entry: dict[str, Any] = {"source": platform, "name": name, "expertise": skills[row.key]}
        if row.size is not None:
            entry["size"] = size_label(row.size)
        models.append(entry)
    preferences = {}
    for skill in EXPERTISE:
        needs = "embedding" if skill == "embedding" else "general"  # chat models, unless embeddings are asked
        having = [row for row in rows if row.ranked and skill in skills[row.key] and needs in skills[row.key]]
        cheapest_first = skill in ("cheap", "fast")
        ranked = _one_per_maker(sorted(having, key=lambda r: (_price(r) if cheapest_first else -_price(r), r.key)))
        if ranked:
            preferences[skill] = ranked
    cheap, _ = _preferences(rows)
    return {"models": models, "defaults": {"expertise_preferences": preferences, "fallback_chain": cheap}}


def write(reg: Registry, path: Path, *, now: dt.datetime | None = None, shape: Shape = "map") -> Path:
    """Write ``path`` in ``shape`` (atomically; its folder is made) and return it."""
    if shape not in SHAPES:
        raise ValidationError("unknown models.yaml shape", [("shape", f"one of {', '.join(SHAPES)}")])
    return save(document(reg) if shape == "map" else list_document(reg), path, now=now)


def save(data: dict[str, Any], path: Path, *, now: dt.datetime | None = None) -> Path:
    """Write what ``document`` or ``list_document`` made to ``path`` (atomically) under the header."""
    from modelreg.catalog.yamlio import dumps

    stamp = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    text = dumps(data, header=HEADER.format(stamp=stamp))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def expertise(row: Served) -> list[str]:
    """What ``row``'s model is good for, by the rules in this module's docstring, in ``EXPERTISE`` order."""
    model = row.model
    caps = {c.value for c in model.capabilities}
    name = model.name.lower()
    words = set(re.split(r"[-_.:/ ]+", f"{name} {row.route.model_string.lower()}"))
    limits = row.route.limits or model.limits
    found = {
        "general": "chat" in caps,
        "code": any(word in name for word in CODE_WORDS),
        "reasoning": "reasoning" in caps,
        "vision": "vision" in caps,
        "tools": "tools" in caps,
        "audio": bool(caps & {"audio_input", "audio_output"}),
        "embedding": "embedding" in caps,
        "long_context": (limits.context_window or 0) >= LONG_CONTEXT,
        "fast": (row.size is not None and row.size <= FAST_SIZE) or bool(words & SMALL_TIERS),
        "cheap": row.local or (row.price is not None and 0 < row.price <= CHEAP_PRICE),
    }
    return [skill for skill in EXPERTISE if found[skill]]


def size_label(size: Decimal) -> str:
    """A size in billions as the loader writes it: ``8b``, ``1.5b``, ``56b``; under a billion ``270m``."""
    if size < 1:
        return f"{_plain(size * 1000)}m"
    return f"{_plain(size)}b"


def parse_size(value: Any) -> Decimal | None:
    """``"8b"``, ``"1.5B"``, ``"270m"`` or a number (billions) as billions; None when it is not a size."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value) if value >= 0 else None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([bBmM])\s*", value) if isinstance(value, str) else None
    if match is None:
        return None
    number = Decimal(match.group(1))
    return number if match.group(2) in "bB" else number / 1000


# -- reading ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Listed:
    """One model of a models.yaml, whichever the shape: ``source`` is the platform (map shape: ``type``),
    ``name`` what to send as ``model`` (map shape: ``config.model_name``)."""

    id: str
    source: str
    name: str
    provider: str | None = None
    size_b: Decimal | None = None
    expertise: tuple[str, ...] = ()
    config: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ModelsConfig:
    """A models.yaml read back: its models by id and its preferences, the same questions for both shapes
    (a list the shape does not have is empty)."""

    shape: Shape
    models: dict[str, Listed]
    default: str | None = None
    fallback: tuple[str, ...] = ()
    cost_optimized: tuple[str, ...] = ()
    performance_optimized: tuple[str, ...] = ()
    expertise_preferences: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def fallback_chain(self) -> tuple[str, ...]:
        """The default, then its fallbacks."""
        return ((self.default,) if self.default else ()) + self.fallback


MAP_KEYS = ("models", "preferences", "cost_optimized", "performance_optimized")
LIST_KEYS = ("models", "defaults")


def read(path: str | Path) -> ModelsConfig:
    """The models.yaml at ``path``, either shape, checked: a ValidationError names the file and each bad
    field (``models.openai:gpt-4o.config.model_name: required: a text``)."""
    from modelreg.transfer import read_document

    name = str(path)
    data = read_document(path)  # says what is wrong with a file that is not YAML
    try:
        return parse(data)
    except ValidationError as exc:
        raise ValidationError(f"{name}: {exc.args[0]}", exc.errors) from None


def parse(data: Any) -> ModelsConfig:
    """A models.yaml document already loaded, either shape, checked as ``read`` checks a file."""
    if not isinstance(data, dict) or "models" not in data:
        raise ValidationError("not a models.yaml", [("models", "required: a mapping (map shape) or a list")])
    problems: list[tuple[str, str]] = []
    if isinstance(data["models"], list):
        config = _parse_list(data, problems)
    elif isinstance(data["models"], dict):
        config = _parse_map(data, problems)
    else:
        raise ValidationError("not a models.yaml", [("models", "must be a mapping (map shape) or a list")])
    if problems:
        first = f"{problems[0][0]}: {problems[0][1]}"
        raise ValidationError(f"not a valid models.yaml: {len(problems)} problem(s), the first {first}", problems)
    return config


def _parse_map(data: dict[str, Any], problems: list[tuple[str, str]]) -> ModelsConfig:
    problems += [(str(key), "not a key of models.yaml (map shape)") for key in data if key not in MAP_KEYS]
    models: dict[str, Listed] = {}
    for key, entry in data["models"].items():
        where = f"models.{key}"
        if not isinstance(entry, dict):
            problems.append((where, "must be a mapping"))
            continue
        config = entry.get("config")
        if not isinstance(config, dict):
            problems.append((f"{where}.config", "required: a mapping with model_name"))
            continue
        model_name = _text(config, "model_name", f"{where}.config", problems)
        provider = _text(entry, "provider", where, problems)
        kind = _text(entry, "type", where, problems) if "type" in entry else provider
        size = entry.get("size_b")
        size_b = None if size is None else parse_size(size)
        if size is not None and (size_b is None or isinstance(size, str)):
            problems.append((f"{where}.size_b", "must be a number of billions, at least 0"))
        if model_name is not None and provider is not None and kind is not None:
            models[str(key)] = Listed(str(key), kind, model_name, provider, size_b, (), config)
    names = _names(models)
    preferences = data.get("preferences") or {}
    if not isinstance(preferences, dict):
        problems.append(("preferences", "must be a mapping with default and fallback"))
        preferences = {}
    default = preferences.get("default")
    if default is not None and not isinstance(default, str):
        problems.append(("preferences.default", "must be a model of this file"))
        default = None
    if default is not None:
        default = _known(default, names, "preferences.default", problems)
    return ModelsConfig(
        "map",
        models,
        default,
        _ids(preferences.get("fallback"), names, "preferences.fallback", problems),
        _ids(data.get("cost_optimized"), names, "cost_optimized", problems),
        _ids(data.get("performance_optimized"), names, "performance_optimized", problems),
    )


def _parse_list(data: dict[str, Any], problems: list[tuple[str, str]]) -> ModelsConfig:
    problems += [(str(key), "not a key of models.yaml (list shape)") for key in data if key not in LIST_KEYS]
    models: dict[str, Listed] = {}
    for n, entry in enumerate(data["models"]):
        where = f"models[{n}]"
        if not isinstance(entry, dict):
            problems.append((where, "must be a mapping with source and name"))
            continue
        source = _text(entry, "source", where, problems)
        name = _text(entry, "name", where, problems)
        skills = entry.get("expertise") or []
        if not isinstance(skills, list) or not all(isinstance(s, str) for s in skills):
            problems.append((f"{where}.expertise", "must be a list of texts"))
            skills = []
        size = entry.get("size")
        size_b = None if size is None else parse_size(size)
        if size is not None and size_b is None:
            problems.append((f"{where}.size", 'must be a size such as "8b", "1.5b" or "270m"'))
        if source is None or name is None:
            continue
        model_id = f"{source}:{name}"
        if model_id in models:
            problems.append((where, f"{model_id} is listed twice"))
            continue
        config = {k: v for k, v in entry.items() if k not in ("source", "name", "expertise", "size")}
        models[model_id] = Listed(model_id, source, name, None, size_b, tuple(skills), config)
    names = _names(models)
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        problems.append(("defaults", "must be a mapping with expertise_preferences and fallback_chain"))
        defaults = {}
    problems += [
        (f"defaults.{key}", "not a key of defaults")
        for key in defaults
        if key not in ("expertise_preferences", "fallback_chain")
    ]
    wanted = defaults.get("expertise_preferences") or {}
    if not isinstance(wanted, dict):
        problems.append(("defaults.expertise_preferences", "must be a mapping of expertise to model ids"))
        wanted = {}
    preferences = {
        str(skill): _ids(ids, names, f"defaults.expertise_preferences.{skill}", problems)
        for skill, ids in wanted.items()
    }
    chain = _ids(defaults.get("fallback_chain"), names, "defaults.fallback_chain", problems)
    return ModelsConfig("list", models, chain[0] if chain else None, chain[1:], expertise_preferences=preferences)


def _text(entry: dict[str, Any], key: str, where: str, problems: list[tuple[str, str]]) -> str | None:
    value = entry.get(key)
    if isinstance(value, str) and value.strip():
        return value
    problems.append((f"{where}.{key}", "required: a text"))
    return None


def _names(models: dict[str, Listed]) -> dict[str, str]:
    """Every way a preference may name a model of the file -> its id: the id, else the model string (the
    seed's own files write ``default: gpt-4o-mini``)."""
    names = {listed.name: model_id for model_id, listed in models.items()}
    return {**names, **{model_id: model_id for model_id in models}}


def _known(name: str, names: dict[str, str], where: str, problems: list[tuple[str, str]]) -> str | None:
    if name in names:
        return names[name]
    problems.append((where, f"{name!r} is not a model of this file"))
    return None


def _ids(value: Any, names: dict[str, str], where: str, problems: list[tuple[str, str]]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append((where, "must be a list of model ids"))
        return ()
    out = []
    for n, name in enumerate(value):
        if not isinstance(name, str):
            problems.append((f"{where}[{n}]", "must be a model id"))
            continue
        known = _known(name, names, f"{where}[{n}]", problems)
        if known is not None:
            out.append(known)
    return tuple(out)


# -- helpers ---------------------------------------------------------------------------------------------------


def _entry(row: Served) -> dict[str, Any]:
    model, route = row.model, row.route
    entry: dict[str, Any] = {"provider": model.provider, "type": route.platform}
    if row.size is not None:
        entry["size_b"] = _number(row.size)
    config: dict[str, Any] = {"model_name": route.model_string}
    limits = route.limits or model.limits
    if limits.context_window:
        config["context_window"] = limits.context_window
    if limits.max_output_tokens:
        config["max_tokens"] = limits.max_output_tokens
    entry["config"] = config
    return entry


def _preferences(rows: list[Served]) -> tuple[list[str], list[str]]:
    """(cost_optimized, performance_optimized): the ranked tool callers, one per maker."""
    tooled = [row for row in rows if row.ranked and row.model.has("tools")]
    cheap = _one_per_maker(sorted(tooled, key=lambda r: (_price(r), r.key)))
    dear = _one_per_maker(sorted(tooled, key=lambda r: (-_price(r), r.key)))
    return cheap, dear


def _blended(route: Route) -> Decimal | None:
    pricing = route.pricing
    if pricing.input is None or pricing.output is None:
        return None
    return (3 * Decimal(pricing.input) + Decimal(pricing.output)) / 4


def _one_per_maker(ranked: Iterable[Served]) -> list[str]:
    seen: set[str] = set()
    out = []
    for row in ranked:
        if row.model.provider not in seen:
            seen.add(row.model.provider)
            out.append(row.key)
    return out[:LIST_LENGTH]


def _number(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value.normalize()


def _plain(value: Decimal) -> str:
    number = _number(value)
    return str(number) if isinstance(number, int) else format(number, "f")


def _price(row: Served) -> Decimal:
    """A ranked row's price (ranked rows are priced)."""
    return row.price if row.price is not None else Decimal(0)
