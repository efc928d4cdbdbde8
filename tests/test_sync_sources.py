"""The live upstream sources of `modelreg sync`, each against a real HTTP server on 127.0.0.1 that answers
with saved responses shaped like the real API's (tests/data/sync/<source>/), and fails on request."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from modelreg.catalog import CATALOG_DIR
from modelreg.catalog.build import GENAI_PRICES_FILE, LITELLM_FILE, MODELSDEV_FILE
from modelreg.catalog.rules import Rules
from modelreg.errors import SourceError
from modelreg.sync import genai_prices, litellm, modelsdev
from modelreg.sync.evidence import MergeRules
from modelreg.sync.http import Http
from modelreg.sync.records import SourceRecord, snapshot_id
from modelreg.sync.sources import SOURCES, Source, SourceSkipped, build_scope, location_of, make_source
from tests.helpers.upstream_server import Fault, Upstream, upstream_server

DATA = Path(__file__).parent / "data"
SYNC = DATA / "sync"
MINI = DATA / "mini_upstream"


@dataclass(frozen=True)
class Case:
    """How one source is served: its mount (the location's path), the path of its first request, the
    fixture files per (path, query, method), and the environment it needs."""

    name: str
    mount: str
    first: str
    routes: tuple[tuple[str, Path, dict[str, str], str], ...]  # (path, file, query holds, method)
    key_env: str | None = None
    config: dict[str, Any] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return {self.key_env: "sk-test-key"} if self.key_env else {}


def _api(name: str, path: str, key_env: str | None, file: str = "models.json", **kw: Any) -> Case:
    return Case(name, f"/{name}", f"/{name}{path}", ((f"/{name}{path}", SYNC / name / file, {}, "GET"),), key_env, **kw)


CASES = {
    case.name: case
    for case in (
        Case(
            "litellm",
            "/litellm/model_prices_and_context_window.json",
            "/litellm/model_prices_and_context_window.json",
            (("/litellm/model_prices_and_context_window.json", MINI / LITELLM_FILE, {}, "GET"),),
        ),
        Case(
            "models.dev",
            "/models.dev/api.json",
            "/models.dev/api.json",
            (("/models.dev/api.json", MINI / MODELSDEV_FILE, {}, "GET"),),
        ),
        Case(
            "genai-prices",
            "/genai-prices/data.json",
            "/genai-prices/data.json",
            (("/genai-prices/data.json", MINI / GENAI_PRICES_FILE, {}, "GET"),),
        ),
        _api("openrouter", "/api/v1/models", None),
        _api("openai", "/v1/models", "OPENAI_API_KEY"),
        Case(
            "anthropic",
            "/anthropic",
            "/anthropic/v1/models",
            (
                ("/anthropic/v1/models", SYNC / "anthropic/models-1.json", {}, "GET"),
                (
                    "/anthropic/v1/models",
                    SYNC / "anthropic/models-2.json",
                    {"after_id": "claude-opus-4-1-20250805"},
                    "GET",
                ),
            ),
            "ANTHROPIC_API_KEY",
        ),
        Case(
            "gemini",
            "/gemini",
            "/gemini/v1beta/models",
            (
                ("/gemini/v1beta/models", SYNC / "gemini/models-1.json", {}, "GET"),
                (
                    "/gemini/v1beta/models",
                    SYNC / "gemini/models-2.json",
                    {"pageToken": "Ch1tb2RlbHMvZ2VtaW5pLWVtYmVkZGluZy0wMDE="},
                    "GET",
                ),
            ),
            "GEMINI_API_KEY",
        ),
        _api("xai", "/v1/models", "XAI_API_KEY"),
        _api("mistral", "/v1/models", "MISTRAL_API_KEY"),
        _api("groq", "/openai/v1/models", "GROQ_API_KEY"),
        _api("together", "/v1/models", "TOGETHER_API_KEY"),
        _api("fireworks", "/inference/v1/models", "FIREWORKS_API_KEY"),
        _api("deepseek", "/models", "DEEPSEEK_API_KEY"),
        _api("cerebras", "/v1/models", "CEREBRAS_API_KEY"),
        Case(
            "ollama",
            "/ollama",
            "/ollama/api/tags",
            (
                ("/ollama/api/tags", SYNC / "ollama/tags.json", {}, "GET"),
                ("/ollama/api/show", SYNC / "ollama/show-llama3.2.json", {}, "POST"),
                ("/ollama/api/show", SYNC / "ollama/show-nomic-embed-text.json", {}, "POST"),
            ),
        ),
        Case(
            "huggingface",
            "/hf",
            "/hf/api/models/Qwen/Qwen2.5-1.5B-Instruct",
            (
                (
                    "/hf/api/models/Qwen/Qwen2.5-1.5B-Instruct",
                    SYNC / "huggingface/Qwen2.5-1.5B-Instruct.json",
                    {},
                    "GET",
                ),
                ("/hf/api/models/BAAI/bge-small-en-v1.5", SYNC / "huggingface/bge-small-en-v1.5.json", {}, "GET"),
            ),
            config={"models": ["Qwen/Qwen2.5-1.5B-Instruct", "BAAI/bge-small-en-v1.5"]},
        ),
    )
}
KEYED = [name for name, case in CASES.items() if case.key_env]


@pytest.fixture(scope="module")
def server() -> Iterator[Upstream]:
    with upstream_server() as upstream:
        for case in CASES.values():
            for path, file, when, method in case.routes:
                # each /api/show answer is for the model its request body names
                body_has = f'"{file.stem.removeprefix("show-")}'.encode() if method == "POST" else b""
                upstream.serve(path, file, when=when, method=method, body_has=body_has)
        yield upstream


@pytest.fixture()
def upstream(server: Upstream) -> Iterator[Upstream]:
    """The shared server, its faults and request log cleared for each test."""
    server.faults.clear()
    server.always.clear()
    server.seen.clear()
    yield server
    server.faults.clear()
    server.always.clear()


@pytest.fixture()
def waits() -> list[float]:
    """The waits the client asked for between attempts (it never really sleeps in these tests)."""
    return []


@pytest.fixture()
def http(tmp_path: Path, waits: list[float]) -> Iterator[Http]:
    with Http(tmp_path / "cache", timeout=0.3, retries=2, backoff=0.01, max_wait=5, sleep=waits.append) as client:
        yield client


def source(upstream: Upstream, http: Http, name: str, **env: str) -> Source:
    case = CASES[name]
    return make_source(name, upstream.base_url + case.mount, http=http, env={**case.env(), **env}, config=case.config)


def by_key(records: list[SourceRecord]) -> dict[str, SourceRecord]:
    return {r.key: r for r in records}


def comparable(records: list[SourceRecord]) -> list[tuple[Any, ...]]:
    """Records as tuples, a genai-prices match rule as what it says (Match has no equality of its own)."""
    return [
        (r.source, r.key, r.upstream_provider, r.model_string, r.as_of, r.facts, r.url, r.match and r.match.rule)
        for r in records
    ]


# -- each source reads its API into records in modelreg's units ---------------------------------------


def test_every_source_has_a_case() -> None:
    assert set(CASES) == set(SOURCES)


def test_openrouter_prices_per_token_strings_become_prices_per_million(upstream: Upstream, http: Http) -> None:
    src = source(upstream, http, "openrouter")
    records = by_key(src.fetch())
    gpt = records["openai/gpt-4o"]
    assert (gpt.source, gpt.upstream_provider, gpt.model_string) == ("openrouter", "openrouter", "openai/gpt-4o")
    assert gpt.facts["pricing"] == {
        "input": Decimal("2.5"),
        "output": Decimal("10"),
        "cache_read": Decimal("1.25"),
        "reasoning": Decimal("0"),
        "image": Decimal("0.003613"),
    }
    assert gpt.facts["limits"] == {"context_window": 128000, "max_output_tokens": 16384}
    assert gpt.facts["display_name"] == "OpenAI: GPT-4o"
    assert gpt.facts["modalities_in"] == ["text", "image", "pdf"] and gpt.facts["modalities_out"] == ["text"]
    assert {"chat", "streaming", "tools", "structured_output", "json_mode", "vision", "pdf_input", "web_search"} == (
        gpt.facts["capabilities"]
    )
    assert gpt.facts["parameters"]["tools"] == {"supported": True} and "top_k" not in gpt.facts["parameters"]
    assert gpt.facts["lifecycle"] == {"release_date": "2024-05-10"}
    assert gpt.as_of == src.digest and src.digest is not None and src.digest.startswith("sha256:")
    free = records["meta-llama/llama-3.1-8b-instruct:free"]
    assert free.facts["pricing"] == {"input": Decimal(0), "output": Decimal(0), "reasoning": Decimal(0)}
    assert free.facts["limits"] == {"context_window": 131072}  # max_completion_tokens: null
    assert free.facts["default_parameters"] == {"temperature": 0.6}
    assert free.facts["size_b"] == Decimal(8) and free.facts["size_estimated"] is True
    assert "reasoning" in records["deepseek/deepseek-r1"].facts["capabilities"]
    assert "pricing" not in records["openrouter/auto"].facts  # "-1": priced by the model it routes to
    assert src.notes == [] and src.not_modified is False


def test_openai_list_states_ids_and_release_dates(upstream: Upstream, http: Http) -> None:
    records = by_key(source(upstream, http, "openai").fetch())
    assert list(records) == [
        "gpt-4o-2024-08-06",
        "gpt-4o-mini",
        "text-embedding-3-small",
        "ft:gpt-4o-mini-2024-07-18:acme::9zXyAbC1",
    ]
    gpt = records["gpt-4o-2024-08-06"]
    assert (gpt.source, gpt.upstream_provider, gpt.model_string) == ("openai", "openai", "gpt-4o-2024-08-06")
    assert gpt.facts == {"lifecycle": {"release_date": "2024-08-04"}}
    sent = upstream.requests_to("/openai/v1/models")[0]
    assert sent.headers["authorization"] == "Bearer sk-test-key"


def test_anthropic_pages_through_the_list(upstream: Upstream, http: Http) -> None:
    src = source(upstream, http, "anthropic")
    records = by_key(src.fetch())
    assert list(records) == ["claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-3-5-haiku-20241022"]
    sonnet = records["claude-sonnet-4-5-20250929"]
    assert sonnet.upstream_provider == "anthropic"
    assert sonnet.facts == {"display_name": "Claude Sonnet 4.5", "lifecycle": {"release_date": "2025-09-29"}}
    pages = upstream.requests_to("/anthropic/v1/models")
    assert [p.query.get("after_id") for p in pages] == [None, "claude-opus-4-1-20250805"]
    assert pages[0].headers["x-api-key"] == "sk-test-key" and pages[0].headers["anthropic-version"] == "2023-06-01"
    assert len({r.as_of for r in records.values()}) == 1 and sonnet.as_of == src.digest


def test_gemini_pages_keeps_chat_and_embedding_models(upstream: Upstream, http: Http) -> None:
    src = source(upstream, http, "gemini")
    records = by_key(src.fetch())
    assert list(records) == ["gemini-2.5-flash", "gemini-embedding-001"]
    flash = records["gemini-2.5-flash"].facts
    assert flash["display_name"] == "Gemini 2.5 Flash"
    assert flash["limits"] == {"context_window": 1048576, "max_input_tokens": 1048576, "max_output_tokens": 65536}
    assert flash["capabilities"] == {"chat", "streaming", "prompt_caching", "batch", "reasoning"}
    assert flash["parameters"] == {"temperature": {"supported": True, "min": 0, "max": 2}}
    assert records["gemini-embedding-001"].facts["capabilities"] == {"embedding"}
    assert src.notes == ["left out 1 model(s) that neither generate content nor embed: imagen-4.0-generate-001"]
    first = upstream.requests_to("/gemini/v1beta/models")[0]
    assert first.headers["x-goog-api-key"] == "sk-test-key" and "key" not in first.query


def test_mistral_capabilities_limits_and_deprecation(upstream: Upstream, http: Http) -> None:
    records = by_key(source(upstream, http, "mistral").fetch())
    large = records["mistral-large-2411"].facts
    assert large["capabilities"] == {"chat", "streaming", "tools", "fine_tuning"}
    assert large["limits"] == {"context_window": 131072} and large["description"].startswith("Our top-tier")
    pixtral = records["pixtral-12b-2409"].facts
    assert pixtral["modalities_in"] == ["text", "image"] and "vision" in pixtral["capabilities"]
    assert pixtral["lifecycle"] == {"release_date": "2025-08-28", "deprecation_date": "2025-11-30"}
    assert pixtral["size_b"] == Decimal(12) and pixtral["size_estimated"] is True
    assert "completion" in records["codestral-2501"].facts["capabilities"]


def test_groq_together_fireworks_limits_prices_and_kinds(upstream: Upstream, http: Http) -> None:
    groq = by_key(source(upstream, http, "groq").fetch())
    assert groq["openai/gpt-oss-120b"].facts["limits"] == {"context_window": 131072, "max_output_tokens": 65536}
    assert groq["openai/gpt-oss-120b"].upstream_provider == "groq"
    assert groq["llama-3.1-8b-instant"].facts["size_b"] == Decimal(8)

    together = by_key(source(upstream, http, "together").fetch())
    llama = together["meta-llama/Llama-3.3-70B-Instruct-Turbo"]
    assert llama.upstream_provider == "together_ai"
    assert llama.facts["pricing"] == {"input": Decimal("0.88"), "output": Decimal("0.88")}
    assert llama.facts["limits"] == {"context_window": 131072} and llama.facts["capabilities"] == {"chat", "streaming"}
    assert llama.facts["display_name"] == "Meta Llama 3.3 70B Instruct Turbo"
    assert together["BAAI/bge-large-en-v1.5"].facts["capabilities"] == {"embedding"}
    flux = together["black-forest-labs/FLUX.1-schnell"].facts
    assert "pricing" not in flux and flux["modalities_out"] == ["image"]

    fireworks = by_key(source(upstream, http, "fireworks").fetch())
    qwen = fireworks["accounts/fireworks/models/qwen2p5-vl-32b-instruct"]
    assert qwen.upstream_provider == "fireworks_ai" and qwen.model_string == qwen.key
    assert qwen.facts["capabilities"] == {"chat", "streaming", "tools", "vision"}
    assert qwen.facts["limits"] == {"context_window": 128000} and qwen.facts["size_b"] == Decimal(32)


def test_lists_that_state_only_ids(upstream: Upstream, http: Http) -> None:
    deepseek = by_key(source(upstream, http, "deepseek").fetch())
    assert deepseek["deepseek-chat"].facts == {} and deepseek["deepseek-chat"].upstream_provider == "deepseek"
    cerebras = by_key(source(upstream, http, "cerebras").fetch())
    assert cerebras["llama3.1-8b"].facts == {"size_b": Decimal(8), "size_estimated": True}  # created: 0 is no date
    assert cerebras["qwen-3-235b-a22b-instruct-2507"].facts["size_b"] == Decimal(235)
    xai = by_key(source(upstream, http, "xai").fetch())
    assert xai["grok-4-0709"].facts == {"lifecycle": {"release_date": "2025-07-09"}}


def test_ollama_reads_tags_then_shows_each(upstream: Upstream, http: Http) -> None:
    records = by_key(source(upstream, http, "ollama").fetch())
    llama = records["llama3.2:latest"].facts
    assert llama["capabilities"] == {"chat", "completion", "streaming", "tools"}
    assert llama["limits"] == {"context_window": 131072}
    assert llama["size_b"] == Decimal("3.213") and "size_estimated" not in llama
    assert (llama["quantization"], llama["architecture"], llama["file_size_bytes"]) == ("Q4_K_M", "llama", 2019393189)
    shows = upstream.requests_to("/ollama/api/show")
    assert [s.body for s in shows] == [b'{"model":"llama3.2:latest"}', b'{"model":"nomic-embed-text:latest"}']
    nomic = records["nomic-embed-text:latest"].facts
    assert nomic["capabilities"] == {"embedding"} and nomic["limits"] == {"context_window": 2048}
    assert nomic["size_b"] == Decimal("0.137") and nomic["architecture"] == "nomic-bert"


def test_ollama_sizes_from_the_tag_when_show_states_none(upstream: Upstream, http: Http) -> None:
    upstream.fail("/ollama/api/show", Fault(200, body=b"{}"), Fault(200, body=b"{}"))
    records = by_key(source(upstream, http, "ollama").fetch())
    assert records["nomic-embed-text:latest"].facts["size_b"] == Decimal("0.137")
    assert records["llama3.2:latest"].facts["size_b"] == Decimal("3.2")
    assert "capabilities" not in records["llama3.2:latest"].facts


def test_ollama_keeps_a_model_whose_show_fails_with_a_note(upstream: Upstream, http: Http) -> None:
    upstream.fail("/ollama/api/show", Fault(404, body=b'{"error":"model not found"}'))
    src = source(upstream, http, "ollama")
    records = by_key(src.fetch())
    assert set(records) == {"llama3.2:latest", "nomic-embed-text:latest"}
    assert "llama3.2:latest: /api/show failed" in src.notes[0]


def test_ollama_not_running_is_skipped_at_once(http: Http, waits: list[float]) -> None:
    started = time.monotonic()
    with pytest.raises(SourceSkipped, match=r"no Ollama server at http://127\.0\.0\.1:9"):
        make_source("ollama", "http://127.0.0.1:9", http=http, env={}).fetch()
    assert waits == [] and time.monotonic() - started < 2


def test_huggingface_reads_the_configured_cards(upstream: Upstream, http: Http) -> None:
    records = by_key(source(upstream, http, "huggingface").fetch())
    qwen = records["Qwen/Qwen2.5-1.5B-Instruct"]
    assert (qwen.upstream_provider, qwen.url) == ("huggingface", "https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct")
    assert qwen.facts["size_b"] == Decimal("1.544") and "size_estimated" not in qwen.facts
    assert qwen.facts["capabilities"] == {"chat", "completion", "streaming"}
    assert qwen.facts["base_model"] == "Qwen/Qwen2.5-1.5B" and qwen.facts["license"] == "apache-2.0"
    assert qwen.facts["pipeline_tag"] == "text-generation" and qwen.facts["open_weights"] is True
    assert qwen.facts["lifecycle"] == {"release_date": "2024-09-17"} and "limits" not in qwen.facts
    bge = records["BAAI/bge-small-en-v1.5"].facts
    assert bge["capabilities"] == {"embedding"} and bge["limits"] == {"context_window": 512}
    assert "authorization" not in upstream.requests_to("/hf/api/models/Qwen/Qwen2.5-1.5B-Instruct")[0].headers


def test_huggingface_sends_hf_token_and_reads_ids_from_the_environment(upstream: Upstream, http: Http) -> None:
    env = {"HF_TOKEN": "hf_abc", "MODELREG_HF_MODELS": " BAAI/bge-small-en-v1.5 ,"}
    records = make_source("huggingface", upstream.base_url + "/hf", http=http, env=env).fetch()
    assert [r.key for r in records] == ["BAAI/bge-small-en-v1.5"]
    assert upstream.requests_to("/hf/api/models/BAAI/bge-small-en-v1.5")[0].headers["authorization"] == "Bearer hf_abc"


def test_huggingface_without_ids_is_skipped(http: Http) -> None:
    with pytest.raises(SourceSkipped, match="MODELREG_HF_MODELS"):
        make_source("huggingface", http=http, env={}).fetch()


@pytest.mark.parametrize(
    ("name", "importer", "file", "config"),
    [
        ("litellm", lambda p: litellm.read(p), LITELLM_FILE, {}),
        ("models.dev", lambda p: modelsdev.read(p), MODELSDEV_FILE, {}),
        ("genai-prices", lambda p: genai_prices.read(p), GENAI_PRICES_FILE, {}),
    ],
)
def test_catalog_files_over_http_parse_as_the_snapshots_do(
    upstream: Upstream, http: Http, name: str, importer: Any, file: Path, config: dict[str, Any]
) -> None:
    src = source(upstream, http, name)
    records = src.fetch()
    assert comparable(records) == comparable(importer(MINI / file))
    assert src.digest == snapshot_id(MINI / file)


def test_file_locations_read_the_real_snapshots_like_the_build(upstream_dir: Path, http: Http) -> None:
    path = upstream_dir / LITELLM_FILE
    src = make_source("litellm", str(path), http=http, env={})
    assert src.fetch() == litellm.read(path)
    assert src.digest == snapshot_id(path) and src.not_modified is False
    as_url = make_source("litellm", path.as_uri(), http=http, env={})
    assert as_url.fetch() == litellm.read(path)


def test_build_scope_gives_the_build_filters(mini_upstream: Path, http: Http) -> None:
    rules = Rules.load(CATALOG_DIR / "rules.yaml")
    merge_rules = MergeRules.load(CATALOG_DIR / "merge.yaml", variants=rules.variants())
    scope = build_scope(rules, merge_rules)
    assert "image_generation" in scope["litellm"]["evidence_modes"] and "chat" in scope["litellm"]["modes"]
    path = mini_upstream / MODELSDEV_FILE
    src = make_source("models.dev", str(path), http=http, env={}, config=scope["models.dev"])
    assert src.fetch() == modelsdev.read(path, providers=rules.upstream_platforms["models.dev"].keys())


def test_an_api_source_reads_a_saved_answer_without_a_key(http: Http) -> None:
    records = make_source("openai", str(SYNC / "openai/models.json"), http=http, env={}).fetch()
    assert records[0].key == "gpt-4o-2024-08-06"


def test_a_missing_file_is_a_source_error(tmp_path: Path, http: Http) -> None:
    with pytest.raises(SourceError, match=r"cannot read .*missing\.json"):
        make_source("litellm", str(tmp_path / "missing.json"), http=http, env={}).fetch()


# -- locations, names and keys -------------------------------------------------------------------------


def test_locations_default_to_the_real_apis_and_env_overrides_them() -> None:
    assert location_of("openrouter", env={}) == "https://openrouter.ai"
    assert location_of("models.dev", env={}) == "https://models.dev/api.json"
    env = {"MODELREG_SOURCE_MODELS_DEV_URL": "http://mirror/api.json", "MODELREG_SOURCE_GENAI_PRICES_URL": "/x.json"}
    assert location_of("models.dev", env=env) == "http://mirror/api.json"
    assert location_of("genai-prices", env=env) == "/x.json"
    assert location_of("models.dev", "file:///y.json", env=env) == "file:///y.json"


def test_an_unknown_source_lists_the_known_ones(http: Http) -> None:
    with pytest.raises(SourceError, match=r"no such source; the sources are: litellm, models\.dev, .*huggingface"):
        make_source("openroutr", http=http, env={})


@pytest.mark.parametrize("name", KEYED)
def test_a_missing_key_skips_the_source(name: str, http: Http, upstream: Upstream) -> None:
    src = make_source(name, upstream.base_url + CASES[name].mount, http=http, env={})
    with pytest.raises(SourceSkipped, match=rf"skipped: set \${CASES[name].key_env} to read"):
        src.fetch()
    assert upstream.seen == []


# -- what every source shares: refusals, retries, timeouts, broken answers, 304 ------------------------


@pytest.mark.parametrize("name", list(CASES))
def test_401_names_the_key(name: str, upstream: Upstream, http: Http, waits: list[float]) -> None:
    upstream.fail(CASES[name].first, Fault(401, body=b'{"error": {"message": "Incorrect API key provided"}}'))
    with pytest.raises(SourceError) as info:
        source(upstream, http, name).fetch()
    key_env = CASES[name].key_env
    message = str(info.value)
    assert info.value.source == name and "HTTP 401" in message
    if key_env:
        assert f"rejected the key in ${key_env}" in message
    assert waits == [] and len(upstream.requests_to(CASES[name].first)) == 1  # a 4xx is never retried


@pytest.mark.parametrize("name", list(CASES))
def test_429_waits_as_told_then_succeeds(name: str, upstream: Upstream, http: Http, waits: list[float]) -> None:
    upstream.fail(CASES[name].first, Fault(429, {"Retry-After": "2"}), Fault(429, {"Retry-After": "60"}))
    records = source(upstream, http, name).fetch()
    assert records
    assert waits == [2.0, 5.0]  # Retry-After honoured, capped at max_wait
    assert [s.status for s in upstream.requests_to(CASES[name].first)][:3] == [429, 429, 200]


@pytest.mark.parametrize("name", ["openrouter", "anthropic", "ollama"])
def test_429_that_never_ends_is_rate_limited(name: str, upstream: Upstream, http: Http, waits: list[float]) -> None:
    upstream.fail_always(CASES[name].first, Fault(429, {"Retry-After": "1"}))
    with pytest.raises(SourceError, match=r"rate limited by .* \(HTTP 429\).*gave up after 3 attempts"):
        source(upstream, http, name).fetch()
    assert waits == [1.0, 1.0]


@pytest.mark.parametrize("name", list(CASES))
def test_500_is_retried_with_backoff_then_fails(name: str, upstream: Upstream, http: Http, waits: list[float]) -> None:
    upstream.fail_always(CASES[name].first, Fault(500, body=b"Internal Server Error"))
    with pytest.raises(SourceError, match=r"answered HTTP 500 \(a server error\): Internal Server Error.*3 attempts"):
        source(upstream, http, name).fetch()
    assert waits == [0.01, 0.02]
    assert len(upstream.requests_to(CASES[name].first)) == 3


@pytest.mark.parametrize("name", ["openrouter", "gemini", "together", "huggingface", "models.dev"])
def test_500_then_200_succeeds(name: str, upstream: Upstream, http: Http) -> None:
    upstream.fail(CASES[name].first, Fault(502), Fault(503))
    assert source(upstream, http, name).fetch()


@pytest.mark.parametrize("name", list(CASES))
def test_a_slow_server_times_out(name: str, upstream: Upstream, tmp_path: Path) -> None:
    upstream.fail_always(CASES[name].first, Fault(200, delay=0.6))
    started = time.monotonic()
    with Http(tmp_path, timeout=0.15, retries=1, backoff=0.01) as quick, pytest.raises(SourceError) as info:
        source(upstream, quick, name).fetch()
    assert "timed out after 0.15 s" in str(info.value) and "2 attempts" in str(info.value)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("name", list(CASES))
def test_truncated_json_is_not_valid_json(name: str, upstream: Upstream, http: Http) -> None:
    case = CASES[name]
    whole = case.routes[0][1].read_bytes()
    upstream.fail(case.first, Fault(200, {"Content-Type": "application/json"}, whole[: len(whole) // 2]))
    with pytest.raises(SourceError, match=rf"is not valid JSON: .* at byte \d+ \(of {len(whole) // 2}\)"):
        source(upstream, http, name).fetch()


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("openrouter", {"models": []}, "data"),
        ("openai", {"object": "list", "models": []}, "data"),
        ("anthropic", {"models": [], "has_more": False}, "data"),
        ("gemini", {"data": []}, "models"),
        ("mistral", {"object": "list", "data": {"id": "x"}}, "data"),
        ("together", {"models": []}, "data"),
        ("ollama", {"data": []}, "models"),
        ("huggingface", {"modelId": "Qwen/Qwen2.5-1.5B-Instruct"}, "id"),
        ("groq", {"object": "list", "data": [{"name": "llama-3.1-8b-instant"}]}, "id"),
    ],
)
def test_a_renamed_required_field_names_it(
    name: str, body: dict[str, Any], field: str, upstream: Upstream, http: Http
) -> None:
    import json

    upstream.fail(CASES[name].first, Fault(200, {"Content-Type": "application/json"}, json.dumps(body).encode()))
    with pytest.raises(SourceError, match=rf"expected field '{field}' \(a (list|string)\)"):
        source(upstream, http, name).fetch()


@pytest.mark.parametrize("name", ["litellm", "models.dev", "genai-prices"])
def test_a_catalog_file_of_the_wrong_shape_says_so(name: str, upstream: Upstream, http: Http) -> None:
    upstream.fail(CASES[name].first, Fault(200, body=b'"a string"'))
    with pytest.raises(SourceError, match=r"is not a JSON (object|list) of"):
        source(upstream, http, name).fetch()


def test_a_renamed_optional_field_leaves_the_fact_out_with_a_note(upstream: Upstream, http: Http) -> None:
    body = (SYNC / "openrouter/models.json").read_text().replace('"context_length"', '"ctx"')
    upstream.fail("/openrouter/api/v1/models", Fault(200, body=body.encode()))
    src = source(upstream, http, "openrouter")
    records = by_key(src.fetch())
    assert records["openai/gpt-4o"].facts["limits"] == {"max_output_tokens": 16384}
    assert src.notes == ["no entry states 'context_length': the API may have renamed it; the records lack that fact"]


@pytest.mark.parametrize("name", list(CASES))
def test_an_unchanged_upstream_answers_304_and_the_cached_body_is_reused(
    name: str, upstream: Upstream, http: Http
) -> None:
    first_source = source(upstream, http, name)
    first = first_source.fetch()
    assert first_source.not_modified is False
    upstream.seen.clear()
    again = source(upstream, http, name)
    second = again.fetch()
    assert again.not_modified is True
    assert again.digest == first_source.digest and comparable(second) == comparable(first)
    gets = [s for s in upstream.seen if s.method == "GET"]
    assert gets and all(s.headers.get("if-none-match") and s.status == 304 for s in gets)


def test_the_cache_never_keeps_a_key(upstream: Upstream, http: Http, tmp_path: Path) -> None:
    for name in ("openai", "anthropic", "gemini"):
        source(upstream, http, name).fetch()
    http.close()
    stored = b"".join(path.read_bytes() for path in (tmp_path / "cache").iterdir())
    assert b"gpt-4o-mini" in stored  # the bodies are there
    assert b"sk-test-key" not in stored


def test_a_changed_upstream_is_read_again(upstream: Upstream, http: Http) -> None:
    first = source(upstream, http, "deepseek")
    first.fetch()
    changed = b'{"object": "list", "data": [{"id": "deepseek-v4", "object": "model", "owned_by": "deepseek"}]}'
    upstream.fail("/deepseek/models", Fault(200, {"ETag": '"v4"'}, changed))
    again = source(upstream, http, "deepseek")
    assert [r.key for r in again.fetch()] == ["deepseek-v4"]
    assert again.not_modified is False and again.digest != first.digest


def test_connection_refused_is_retried_then_reported(http: Http, waits: list[float]) -> None:
    src = make_source("openrouter", "http://127.0.0.1:9", http=http, env={})
    with pytest.raises(SourceError, match=r"cannot connect to http://127\.0\.0\.1:9/api/v1/models.*3 attempts"):
        src.fetch()
    assert waits == [0.01, 0.02]


def test_import_modelreg_does_not_import_httpx() -> None:
    import subprocess
    import sys

    code = "import sys, modelreg; print(sorted(m for m in ('httpx', 'hishel', 'tenacity') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
