"""A sync over HTTP, end to end: real test servers on 127.0.0.1 play LiteLLM, OpenRouter and the providers'
APIs (some of them failing), and the store gets exactly what the sources that answered said."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

import modelreg
from modelreg.store.syncstate import SyncState
from modelreg.sync.run import SourceSpec, Syncer

from .helpers.upstream_server import Fault, Upstream, upstream_server
from .test_sync import LITELLM, NEW_MODEL, NUDGED, SQLITE_ONLY, edited_litellm

SYNC_DATA = Path(__file__).parent / "data" / "sync"


@pytest.fixture()
def upstream(upstream_dir: Path, tmp_path: Path) -> Iterator[Upstream]:
    with upstream_server() as server:
        server.serve("/litellm.json", edited_litellm(upstream_dir, tmp_path / "litellm.json").read_bytes())
        server.serve("/openrouter/api/v1/models", SYNC_DATA / "openrouter" / "models.json")
        server.serve("/openai/v1/models", SYNC_DATA / "openai" / "models.json")
        server.fail_always("/anthropic/v1/models", Fault(500))
        server.fail_always("/gemini/v1beta/models", Fault(401, body=b'{"error": {"message": "API key not valid"}}'))
        yield server


def specs(base: str) -> list[SourceSpec]:
    return [
        SourceSpec("litellm", f"{base}/litellm.json"),
        SourceSpec("openrouter", f"{base}/openrouter"),
        SourceSpec("openai", f"{base}/openai"),
        SourceSpec("anthropic", f"{base}/anthropic"),
        SourceSpec("gemini", f"{base}/gemini"),
        SourceSpec("xai", f"{base}/xai"),
    ]


@SQLITE_ONLY
def test_a_live_sync_applies_what_answered_and_reports_what_failed(
    writable: modelreg.Registry, upstream: Upstream, tmp_path: Path
) -> None:
    env = {"OPENAI_API_KEY": "sk-openai", "ANTHROPIC_API_KEY": "sk-ant", "GEMINI_API_KEY": "bad"}
    syncer = Syncer(writable, env=env, cache_dir=tmp_path / "cache", retries=1, timeout=5)
    report = syncer.run(specs(upstream.base_url))

    status = {name: o.status for name, o in report.outcomes.items()}
    assert status == {
        "litellm": "applied",
        "openrouter": "applied",
        "openai": "applied",
        "anthropic": "failed",
        "gemini": "failed",
        "xai": "skipped",
    }
    assert "500" in (report.outcomes["anthropic"].message or "")
    assert "GEMINI_API_KEY" in (report.outcomes["gemini"].message or "")
    assert "XAI_API_KEY" in (report.outcomes["xai"].message or "")
    assert {c.source for c in report.applied} <= {"litellm", "openrouter", "openai"}

    fresh = modelreg.load(database_url=writable.store.url)  # type: ignore[union-attr]
    assert fresh.get(NEW_MODEL).pricing.input == Decimal("2.5")
    assert fresh.pricing(NUDGED).input == Decimal("11")
    # OpenAI's own list names a fine-tune the catalog does not know: a new model, unpriced (never guessed)
    tuned = [m for m in fresh.models() if m.id.startswith("openai/ft:gpt-4o-mini-2024-07-18:acme")]
    assert len(tuned) == 1 and tuned[0].pricing.input is None
    state = SyncState(fresh.store)  # type: ignore[arg-type]
    assert set(state.baselines()) == {"litellm", "openrouter", "openai"}  # failures keep no snapshot
    runs = state.last_runs()
    assert runs["anthropic"].status == "failed" and runs["litellm"].status == "applied"


@SQLITE_ONLY
def test_a_second_live_sync_revalidates_and_does_no_work(
    writable: modelreg.Registry, upstream: Upstream, tmp_path: Path
) -> None:
    env = {"OPENAI_API_KEY": "sk-openai"}
    syncer = Syncer(writable, env=env, cache_dir=tmp_path / "cache", retries=1, timeout=5)
    first = syncer.run(specs(upstream.base_url)[:3])
    assert {o.status for o in first.outcomes.values()} == {"applied"}
    upstream.seen.clear()
    second = syncer.run(specs(upstream.base_url)[:3])
    assert {o.status for o in second.outcomes.values()} == {"unchanged"}
    assert second.logged == 0 and len(second.found) == 0
    litellm_requests = upstream.requests_to("/litellm.json")
    assert [r.status for r in litellm_requests] == [304]
    assert litellm_requests[0].headers.get("if-none-match")


@SQLITE_ONLY
def test_a_malformed_answer_fails_only_its_source(
    writable: modelreg.Registry, tmp_path: Path, upstream_dir: Path
) -> None:
    with upstream_server() as server:
        server.serve("/litellm.json", edited_litellm(upstream_dir, tmp_path / "litellm.json").read_bytes())
        server.serve("/openrouter/api/v1/models", json.dumps({"models": []}).encode())  # a renamed field
        server.serve("/models.dev/api.json", (upstream_dir / "models.dev/api.json").read_bytes()[:20000])  # cut short
        report = Syncer(writable, cache_dir=tmp_path / "cache", retries=1, timeout=5).run(
            [
                SourceSpec("litellm", f"{server.base_url}/litellm.json"),
                SourceSpec("openrouter", f"{server.base_url}/openrouter"),
                SourceSpec("models.dev", f"{server.base_url}/models.dev/api.json"),
            ]
        )
    assert report.outcomes["litellm"].status == "applied"
    assert report.outcomes["openrouter"].status == "failed" and "data" in (report.outcomes["openrouter"].message or "")
    assert report.outcomes["models.dev"].status == "failed"
    assert "JSON" in (report.outcomes["models.dev"].message or "")
    assert NEW_MODEL in modelreg.load(database_url=writable.store.url)  # type: ignore[union-attr]
    _ = LITELLM


@SQLITE_ONLY
def test_a_local_ollama_server_adds_its_models_with_the_sizes_it_states(
    writable: modelreg.Registry, tmp_path: Path
) -> None:
    with upstream_server() as server:
        server.serve("/api/tags", SYNC_DATA / "ollama" / "tags.json")
        for name in ("llama3.2", "nomic-embed-text"):
            show = SYNC_DATA / "ollama" / f"show-{name}.json"
            server.serve("/api/show", show, method="POST", body_has=f'"{name}'.encode())
        report = Syncer(writable, cache_dir=tmp_path / "cache").run([SourceSpec("ollama", server.base_url)])
    assert report.outcomes["ollama"].status == "applied"
    fresh = modelreg.load(database_url=writable.store.url)  # type: ignore[union-attr]
    route = next(r for r in fresh.routes() if r.platform == "ollama" and r.model_string == "llama3.2:latest")
    model = fresh.get(route.model)
    assert model.size_b == Decimal("3.213") and model.size_estimated is False  # stated beats the name's "3.2"
    assert model.limits.context_window == 131072
    assert route.pricing.input == Decimal("0")  # a local server is a free platform (merge.yaml `free`)
    assert {c.actor for c in fresh.history("route", route.id)} == {"sync:ollama"}
