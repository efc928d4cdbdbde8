"""Every form of a model name that platforms and tools really write, one row per form, and the rules that
keep a name from ever resolving to a model with other version digits or another qualifier."""

from __future__ import annotations

import json
import re
import shutil
import warnings
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import modelreg
from modelreg.catalog import CATALOG_DIR, build
from modelreg.errors import CatalogError
from modelreg.names import identity_key, same_version, version_digits

Row = tuple[str, str, str | None, str | None]  # name, model id, platform of the route (or None), region


def explain(registry: modelreg.Registry, name: str) -> modelreg.Resolution:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", modelreg.DeprecatedModelWarning)  # several rows name retired models
        return registry.explain(name)


FORMS: list[Row] = [
    # OpenRouter's dated response ids keep Anthropic's old word order
    ("anthropic/claude-4.5-sonnet-20250929", "anthropic/claude-sonnet-4-5-20250929", "anthropic", None),
    ("openrouter/anthropic/claude-4.5-sonnet-20250929", "anthropic/claude-sonnet-4-5-20250929", "openrouter", None),
    # claude-4-sonnet-<date> word order, written bare
    ("claude-4-sonnet-20250514", "anthropic/claude-sonnet-4-20250514", None, None),
    ("claude-4-opus-20250514", "anthropic/claude-opus-4-20250514", None, None),
    ("claude-4.1-opus", "anthropic/claude-opus-4-1-20250805", None, None),
    # Bedrock ARNs: inference profiles (the profile's scope is the region) and foundation models
    (
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "anthropic/claude-sonnet-4-5-20250929",
        "bedrock",
        "us",
    ),
    (
        "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-3-7-sonnet-20250219-v1:0",
        "anthropic/claude-3-7-sonnet-20250219",
        "bedrock",
        "eu",
    ),
    (
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0",
        "anthropic/claude-3-5-haiku-20241022",
        "bedrock",
        None,
    ),
    # Vertex resource paths, with and without the project and location
    (
        "projects/my-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929",
        "anthropic/claude-sonnet-4-5-20250929",
        "vertex_ai",
        None,
    ),
    (
        "projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash",
        "google/gemini-2.5-flash",
        "vertex_ai",
        None,
    ),
    ("publishers/google/models/gemini-2.5-pro", "google/gemini-2.5-pro", "vertex_ai", None),
    ("publishers/meta/models/llama-3.3-70b-instruct-maas", "meta/llama-3.3-70b-instruct", "vertex_ai", None),
    # Azure OpenAI's gpt-35 spelling, with and without its prefix
    ("gpt-35-turbo", "openai/gpt-3.5-turbo", "azure", None),
    ("gpt-35-turbo-16k", "openai/gpt-3.5-turbo-16k", "azure", None),
    ("azure/gpt-35-turbo", "openai/gpt-3.5-turbo", "azure", None),
    # xAI's dated ids
    ("grok-4-0709", "xai/grok-4", None, None),
    ("xai/grok-4-0709", "xai/grok-4", None, None),
    # Gemini's -00N stable versions, bare and as Vertex writes them
    ("gemini-1.5-pro-002", "google/gemini-1.5-pro", None, None),
    ("gemini-1.5-flash-002", "google/gemini-1.5-flash", None, None),
    ("gemini-2.0-flash-001", "google/gemini-2.0-flash", None, None),
    ("vertex_ai/gemini-1.5-pro@002", "google/gemini-1.5-pro", None, None),
    ("gemini-1.0-pro-vision-001", "google/gemini-pro-vision", None, None),
    # Ollama tags: name:size is the instruction-tuned model; deepseek-r1's tags are its distillations
    ("llama3.1:8b", "meta/llama-3.1-8b-instruct", None, None),
    ("ollama/llama3.1:8b", "meta/llama-3.1-8b-instruct", None, None),
    ("ollama/llama3:70b", "meta/llama-3-70b-instruct", "ollama", None),
    ("ollama/deepseek-r1:70b", "deepseek/deepseek-r1-distill-llama-70b", None, None),
    ("deepseek-r1:14b", "deepseek/deepseek-r1-distill-qwen-14b", None, None),
    ("gemma3:27b", "google/gemma-3-27b-it", "ollama_cloud", None),
    # tools' prefixes: pydantic-ai's google-gla: / google-vertex:, Genkit's googleai/
    ("google-gla:gemini-2.5-pro", "google/gemini-2.5-pro", "gemini", None),
    ("googleai/gemini-2.5-flash", "google/gemini-2.5-flash", "gemini", None),
    ("google-vertex:gemini-2.5-flash", "google/gemini-2.5-flash", "vertex_ai", None),
    ("anthropic:claude-sonnet-4-5", "anthropic/claude-sonnet-4-5-20250929", None, None),
    # fine-tunes with a provider in front
    ("openai/ft:gpt-4o-2024-08-06:acme::x1", "openai/ft:gpt-4o-2024-08-06", None, None),
    ("azure/ft:gpt-4o-mini-2024-07-18:acme::x2", "openai/gpt-4o-mini-2024-07-18", "azure", None),
    # a platform's own model string written without its platform
    ("llama-3.3-70b-versatile", "meta/llama-3.3-70b-instruct", "groq", None),
    ("Meta-Llama-3.1-405B-Instruct", "meta/llama-3.1-405b-instruct", "azure", None),
    ("accounts/fireworks/models/llama-v3p1-8b-instruct", "meta/llama-3.1-8b-instruct", "fireworks_ai", None),
    ("llama3.1-8b", "meta/llama-3.1-8b-instruct", "cerebras", None),
    # OpenRouter's older Gemini ids; the maker's name written twice
    ("gemini-flash-1.5", "google/gemini-1.5-flash", None, None),
    ("meta-llama-3_3-70b-instruct", "meta/llama-3.3-70b-instruct", None, None),
]


@pytest.mark.parametrize(("name", "model_id", "platform", "region"), FORMS)
def test_every_form_of_a_name_resolves(
    registry: modelreg.Registry, name: str, model_id: str, platform: str | None, region: str | None
) -> None:
    found = explain(registry, name)
    assert found.model.id == model_id
    assert (found.route.platform if found.route else None) == platform
    assert found.region == region
    assert found.rule


BEDROCK_VERSIONS: list[Row] = [
    # Bedrock's version suffix is cut; the model's own version digits never are
    ("anthropic.claude-opus-4-1-v1:0", "anthropic/claude-opus-4-1-20250805", "bedrock", None),
    ("anthropic.claude-opus-4-1-20250805-v1:0", "anthropic/claude-opus-4-1-20250805", "bedrock", None),
    ("anthropic.claude-opus-4-20250514-v1:0", "anthropic/claude-opus-4-20250514", "bedrock", None),
    ("anthropic.claude-opus-4-6-v1", "anthropic/claude-opus-4-6-20260205", "bedrock", None),
    # an undated id with a version names the one snapshot Bedrock serves under it: v1:0 was 20240620
    ("anthropic.claude-3-5-sonnet-v1:0", "anthropic/claude-3-5-sonnet-20240620", "bedrock", None),
    ("anthropic.claude-3-5-sonnet-v2:0", "anthropic/claude-3-5-sonnet-20241022", "bedrock", None),
    ("eu.anthropic.claude-3-5-sonnet-v2:0", "anthropic/claude-3-5-sonnet-20241022", "bedrock", "eu"),
    ("anthropic.claude-fable-5-1", "anthropic/claude-fable-5-1", "bedrock", None),  # 5.1, never fable-5
    ("anthropic.claude-mythos-5-1", "anthropic/claude-mythos-5-1", "bedrock", None),
    ("openai.gpt-oss-120b-1:0", "openai/gpt-oss-120b", "bedrock", None),
    ("amazon.titan-embed-text-v2:0", "amazon/titan-embed-text-v2", "bedrock", None),  # Titan's own V2
    ("mistral.mistral-7b-instruct-v0:2", "mistral/mistral-7b-instruct-v0.2", "bedrock", None),  # Mistral's v0.2
    ("meta.llama3-2-11b-instruct-v1:0", "meta/llama-3.2-11b-vision-instruct", "bedrock", None),
]


@pytest.mark.parametrize(("name", "model_id", "platform", "region"), BEDROCK_VERSIONS)
def test_bedrock_versions_never_change_the_model(
    registry: modelreg.Registry, name: str, model_id: str, platform: str | None, region: str | None
) -> None:
    found = explain(registry, name)
    assert (found.model.id, found.route.platform if found.route else None, found.region) == (
        model_id,
        platform,
        region,
    )


@pytest.mark.parametrize(
    "name",
    [
        "anthropic.claude-3-5-sonnet-v3:0",  # Bedrock serves Claude 3.5 Sonnet as v1:0 and v2:0 only
        "anthropic.claude-opus-4-2-v1:0",
        "claude-4.9-sonnet",
        "gemini-1.5-pro-0002",
        "grok-4-0709-mini",
        "llama3.1:9b",
        "o3-pro-max",
        "gpt-5.6-sol-2",
        "claude-haiku-4-5@20251001.1",  # a Vertex version's digits are part of the name
    ],
)
def test_near_misses_are_not_found_but_suggested(registry: modelreg.Registry, name: str) -> None:
    with pytest.raises(modelreg.ModelNotFoundError) as info:
        explain(registry, name)
    assert info.value.suggestions


@pytest.mark.parametrize(
    ("short", "long"),
    [
        ("o3", "o3-pro"),
        ("gpt-5", "gpt-5.6-sol"),
        ("o1", "o1-pro"),
        ("gpt-4o", "gpt-4o-mini"),
        ("o4-mini", "o4-mini-deep-research"),
    ],
)
def test_names_that_differ_by_a_qualifier_never_meet(registry: modelreg.Registry, short: str, long: str) -> None:
    for dress in ("{}", "openai/{}", "openrouter/openai/{}", "azure/{}", "{}-latest"):
        a, b = dress.format(short), dress.format(long)
        try:
            found_a, found_b = explain(registry, a).model, explain(registry, b).model
        except modelreg.ModelNotFoundError:
            continue  # not every platform serves both
        assert found_a.id != found_b.id
        assert found_b.name.startswith(long) or long in found_b.aliases


@pytest.mark.parametrize(
    ("duplicate", "canonical", "platform"),
    [
        ("meta/llama-v3.1-8b-instruct", "meta/llama-3.1-8b-instruct", "fireworks_ai"),
        ("meta/meta-llama-3.1-8b-instruct", "meta/llama-3.1-8b-instruct", "together_ai"),
        ("meta/llama-v3.3-70b-instruct", "meta/llama-3.3-70b-instruct", "fireworks_ai"),
        ("meta/meta-llama-3-70b-instruct", "meta/llama-3-70b-instruct", "together_ai"),
        ("mistral/mistral-medium-3-5", "mistral/mistral-medium-3.5", "mistral"),
        ("zai/zai-glm-5", "zai/glm-5", "bedrock"),
        ("zai/glm-5-3", "zai/glm-5.3", "fireworks_ai"),
        ("qwen/qwen-qwq-32b", "qwen/qwq-32b", "groq"),
        ("nvidia/nvidia-nemotron-nano-9b-v2", "nvidia/nemotron-nano-9b-v2", "together_ai"),
        ("meta/llama-v2-13b-chat", "meta/llama2-13b-chat", "fireworks_ai"),
    ],
)
def test_duplicates_are_one_model_whose_routes_moved_to_it(
    registry: modelreg.Registry, duplicate: str, canonical: str, platform: str
) -> None:
    assert duplicate not in registry and canonical in registry
    assert registry.resolve(duplicate).id == canonical
    assert duplicate.partition("/")[2] in registry.get(canonical).aliases
    assert platform in registry.availability(canonical)


def test_no_two_models_of_a_maker_spell_one_name(registry: modelreg.Registry) -> None:
    rules = registry.resolver.rules
    distinct = {frozenset(g) for g in yaml.safe_load((CATALOG_DIR / "overrides.yaml").read_text())["distinct"]}
    seen: dict[tuple[str, str], str] = {}
    for model in registry.models():
        key = (model.provider, rules.identity(model.provider, model.name))
        assert key not in seen or frozenset({seen[key], model.id}) in distinct, (seen.get(key), model.id)
        seen[key] = model.id


def _clashing_overrides(curated_dir: Path, distinct: list[list[str]] | None) -> None:
    overrides = yaml.safe_load((curated_dir / "overrides.yaml").read_text())
    overrides["models"]["acme/rocket-v2-8b"] = {"display_name": "Rocket v2 8B", "reason": "test: one spelling"}
    overrides["models"]["acme/rocket-2-8b"] = {"display_name": "Rocket 2 8B, another model", "reason": "test: another"}
    overrides["distinct"] = distinct or []
    (curated_dir / "overrides.yaml").write_text(yaml.safe_dump(overrides), encoding="utf-8")


def test_the_build_fails_on_two_spellings_of_one_name(curated_dir: Path, mini_upstream: Path) -> None:
    _clashing_overrides(curated_dir, None)
    with pytest.raises(CatalogError, match="acme/rocket-2-8b = acme/rocket-v2-8b"):
        build.build(mini_upstream, curated_dir)


def test_models_listed_distinct_on_purpose_may_spell_alike(curated_dir: Path, mini_upstream: Path) -> None:
    _clashing_overrides(curated_dir, [["acme/rocket-2-8b", "acme/rocket-v2-8b"]])
    build.build(mini_upstream, curated_dir)
    assert {"acme/rocket-2-8b", "acme/rocket-v2-8b"} <= {m.id for m in modelreg.load(curated_dir).models()}


def test_identity_key_and_version_digits() -> None:
    assert identity_key("llama-v3.1-8b-instruct") == identity_key("Llama-3.1-8B-Instruct") == "llama-3-1-8-b-instruct"
    assert identity_key("llama-3.1-8b") != identity_key("llama-31-8b") and identity_key("o3") != identity_key("o3-pro")
    assert version_digits("us.anthropic.claude-opus-4-1-20250805-v1:0") == "4110"
    assert same_version("anthropic.claude-opus-4-1-v1:0", "claude-opus-4-1-20250805")
    assert not same_version("anthropic.claude-opus-4-1-v1:0", "claude-opus-4-20250514")
    assert not same_version("anthropic.claude-fable-5-1", "claude-fable-5")
    assert same_version("amazon.titan-embed-text-v2:0", "titan-embed-text-v2")
    assert not same_version("amazon.titan-embed-text-v2", "titan-embed-text")


# -- the property: no resolution changes a model's version digits ----------------------------------------------

_DATES = re.compile(r"(?<!\d)(?:\d{8}|\d{4}-\d{2}-\d{2})(?!\d)")


# A number format at the end (-fp8, -bf16, -int4) says how a platform serves the model, not which model it is
_NUMBER_FORMAT = re.compile(r"[-_](?:fp|bf|int|nvfp|mxfp)\d+$")


def runs(name: str) -> list[str]:
    """The digit runs of a model name, dates and a trailing number format left out: written independently of
    modelreg.names on purpose."""
    return re.findall(r"\d+", _NUMBER_FORMAT.sub("", _DATES.sub("", name.lower())))


DRESSES = [
    "{name}",
    "{NAME}",
    "{provider}/{name}",
    "openrouter/{provider}/{name}",
    "{name}-latest",
    "bedrock/{provider}.{name}-v1:0",
    "us.{provider}.{name}-v1:0",
    "arn:aws:bedrock:us-east-1::foundation-model/{provider}.{name}-v1:0",
    "projects/p/locations/us-central1/publishers/{provider}/models/{name}",
    "vertex_ai/{name}@001",
    "ollama/{name}",
    "together_ai/{provider}/{name}",
    "fireworks_ai/accounts/fireworks/models/{name}",
]


def mutate(name: str, how: int, amount: int) -> str:
    """Change the version a name carries: bump a digit run, add a minor version, add or drop a run."""
    spans = [m.span() for m in re.finditer(r"\d+", name)]
    if how == 0 and spans:
        start, end = spans[amount % len(spans)]
        return f"{name[:start]}{int(name[start:end]) + 1 + amount % 3}{name[end:]}"
    if how == 1 and spans:
        _, end = spans[-1]
        return f"{name[:end]}.{1 + amount % 9}{name[end:]}"
    if how == 2:
        return f"{name}-{1 + amount % 9}"
    if how == 3 and spans:
        start, end = spans[-1]
        return (name[:start] + name[end:]).replace("--", "-").strip("-.")
    return name


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), dress=st.sampled_from(DRESSES), how=st.integers(0, 4), amount=st.integers(0, 50))
def test_no_resolution_changes_the_version_digits(
    registry: modelreg.Registry, data: st.DataObject, dress: str, how: int, amount: int
) -> None:
    model = data.draw(st.sampled_from(registry.models()))
    written = mutate(data.draw(st.sampled_from([model.name, *model.aliases])), how, amount)
    assume(written and "/" not in written)
    name = dress.format(name=written, NAME=written.upper(), provider=model.provider)
    try:
        found = explain(registry, name).model
    except modelreg.ModelNotFoundError:
        return
    assert runs(written) in [runs(known) for known in (found.name, *found.aliases)], (name, found.id)


# -- the corpus: every name three other projects write ----------------------------------------------------------


def _corpus(upstream_dir: Path) -> list[str]:
    def equals(rule: object) -> list[str]:
        if not isinstance(rule, dict):
            return []
        out = [rule["equals"]] if "equals" in rule else []
        return out + [n for part in rule.get("or", []) + rule.get("and", []) for n in equals(part)]

    genai = json.loads((upstream_dir / "genai-prices/data.json").read_text(encoding="utf-8"))
    litellm = json.loads((upstream_dir / "litellm/model_prices_and_context_window.json").read_text(encoding="utf-8"))
    modelsdev = json.loads((upstream_dir / "models.dev/api.json").read_text(encoding="utf-8"))
    names = [n for p in genai for m in p["models"] for n in equals(m.get("match"))]
    names += [k for k in litellm if k != "sample_spec"]
    names += [f"{pid}/{mid}" for pid, p in modelsdev.items() for mid in p.get("models", {})]
    return list(dict.fromkeys(names))


def test_real_names_never_resolve_to_a_model_with_other_digits(registry: modelreg.Registry, upstream_dir: Path) -> None:
    """Over every genai-prices match name, LiteLLM key and models.dev key (about 10,000): what resolves keeps
    its version digits, unless overrides.yaml links that string to its model by hand."""
    links = yaml.safe_load((CATALOG_DIR / "overrides.yaml").read_text())["links"]
    curated = {string for table in links.values() for string in table}
    wrong, resolved = [], 0
    for name in _corpus(upstream_dir):
        match = registry.resolver.resolve(name)
        if match is None:
            continue
        resolved += 1
        segment = name.rpartition("/")[2]
        if segment in curated or segment.partition(".")[2] in curated:
            continue
        model = registry.get(match.model_id)
        if not any(same_version(name, known) for known in (model.name, *model.aliases)):
            wrong.append(f"{name} -> {model.id}")
    assert resolved > 5000
    assert wrong == []


@pytest.fixture()
def bedrock_only(tmp_path: Path, mini_upstream: Path) -> Path:
    """The miniature snapshots plus two Bedrock entries whose names differ only in a trailing -1."""
    upstream = tmp_path / "upstream"
    shutil.copytree(mini_upstream, upstream)
    path = upstream / "litellm/model_prices_and_context_window.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in ("anthropic.claude-rocket-5", "anthropic.claude-rocket-5-1"):
        data[key] = {"litellm_provider": "bedrock_converse", "mode": "chat", "input_cost_per_token": 3e-06}
    path.write_text(json.dumps(data), encoding="utf-8")
    return upstream


def test_the_build_never_merges_a_version_into_another(curated_dir: Path, bedrock_only: Path) -> None:
    build.build(bedrock_only, curated_dir)
    reg = modelreg.load(curated_dir)
    assert reg.resolve("anthropic.claude-rocket-5").id == "anthropic/claude-rocket-5"
    assert reg.resolve("anthropic.claude-rocket-5-1").id == "anthropic/claude-rocket-5-1"
