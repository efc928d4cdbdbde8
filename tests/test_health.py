"""Health checks and probes against a fake OpenAI-compatible server on loopback: the state machine
(fail, fail, fail: degraded, then down; one success: active), its count kept in the store, routes a person
set apart left alone, the audit log, the CLI, and the service's schedule."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

import modelreg
from modelreg.api import create_app
from modelreg.api.settings import ApiSettings
from modelreg.cli import app
from modelreg.errors import ModelNotFoundError, ValidationError
from modelreg.health import HealthChecker, HealthRunner, next_state, platform_states
from modelreg.probe import probe_chat, probe_models
from modelreg.sync.providers import PROVIDERS
from tests.conftest import Server
from tests.helpers.fake_llm import Failure, FakeLLM, fake_llm

KEY = "sk-test-0123456789"
PLATFORM = "cerebras"  # an OpenAI-style model list, and only 9 routes to move
WATCHED = "cerebras/openai/gpt-oss-120b"  # health moves it
PAUSED = "cerebras/meta/llama-3.3-70b-instruct"  # a person set it inactive: health never touches it
OTHER = "anthropic/anthropic/claude-sonnet-4-5-20250929"  # another platform's

runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture()
def llm() -> Iterator[FakeLLM]:
    with fake_llm(models=("gpt-4o", "gpt-4o-mini"), api_key=KEY) as server:
        yield server


def pointed(llm: FakeLLM, **more: str) -> dict[str, str]:
    """An environment that points the platform at the fake server, with its key."""
    return {"CEREBRAS_API_KEY": KEY, "MODELREG_SOURCE_CEREBRAS_URL": llm.base_url, **more}


def status(reg: modelreg.Registry, route_id: str) -> str:
    return reg.view().route(route_id).status


# -- the state machine ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failures", "ok", "to_degrade", "to_down", "expected"),
    [
        (0, True, 1, 3, ("active", 0)),
        (0, False, 1, 3, ("degraded", 1)),
        (1, False, 1, 3, ("degraded", 2)),
        (2, False, 1, 3, ("down", 3)),
        (7, False, 1, 3, ("down", 8)),
        (7, True, 1, 3, ("active", 0)),  # one success is enough
        (0, False, 2, 2, ("active", 1)),  # a single failure tolerated
        (1, False, 2, 2, ("down", 2)),  # straight to down when both thresholds meet
    ],
)
def test_next_state(failures: int, ok: bool, to_degrade: int, to_down: int, expected: tuple[str, int]) -> None:
    assert next_state(failures, ok=ok, to_degrade=to_degrade, to_down=to_down) == expected


def test_thresholds_are_checked(writable: modelreg.Registry) -> None:
    for wrong in ({"failures_to_degrade": 0}, {"failures_to_down": True}, {"failures_to_degrade": 4}):
        with pytest.raises(ValidationError):
            HealthChecker(writable, **wrong)


def test_failures_degrade_then_take_down_the_platforms_routes_and_one_success_restores_them(
    writable: modelreg.Registry, llm: FakeLLM
) -> None:
    writable.update("route", PAUSED, {"status": "inactive"}, version=0, actor="alice", message="paused by hand")
    checker = HealthChecker(writable, platforms=[PLATFORM, "anthropic"], env=pointed(llm))
    llm.fail_always(Failure(500))

    first = {h.platform: h for h in checker.check_once()}
    assert first["anthropic"].outcome == "skipped" and "ANTHROPIC_API_KEY" in (first["anthropic"].note or "")
    assert (first[PLATFORM].outcome, first[PLATFORM].state, first[PLATFORM].failures) == ("failed", "degraded", 1)
    assert WATCHED in first[PLATFORM].routes_changed and PAUSED not in first[PLATFORM].routes_changed
    assert status(writable, WATCHED) == "degraded" and status(writable, PAUSED) == "inactive"
    assert status(writable, OTHER) == "active"

    second = checker.check_once()[1]
    assert (second.state, second.failures, second.routes_changed) == ("degraded", 2, ())  # nothing more to move
    third = checker.check_once()[1]
    assert (third.state, third.failures) == ("down", 3) and WATCHED in third.routes_changed
    assert status(writable, WATCHED) == "down" and status(writable, PAUSED) == "inactive"
    assert "HTTP 500" in (third.probe.error if third.probe else "")

    llm.recover()
    back = checker.check_once()[1]
    assert (back.outcome, back.state, back.failures) == ("ok", "active", 0) and back.probe is not None
    assert set(back.probe.model_ids) == {"gpt-4o", "gpt-4o-mini"}
    assert status(writable, WATCHED) == "active" and status(writable, PAUSED) == "inactive"

    history = writable.history("route", WATCHED)
    assert [(c.actor, c.after["data"]["status"]) for c in history] == [  # type: ignore[index]
        ("health:cerebras", "degraded"),
        ("health:cerebras", "down"),
        ("health:cerebras", "active"),
    ]
    assert "3 failed probe(s) in a row" in (history[1].message or "")
    assert [c.actor for c in writable.history("route", PAUSED)] == ["alice"]
    assert len(llm.requests_to("/v1/models")) == 4
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in llm.seen)


def test_the_count_is_kept_in_the_store_so_a_restart_remembers(database_url: str, llm: FakeLLM) -> None:
    llm.fail_always(Failure(503))
    first = modelreg.load(database_url=database_url)
    for _ in range(2):
        HealthChecker(first, platforms=[PLATFORM], env=pointed(llm)).check_once()
    assert platform_states(first)[PLATFORM].failures == 2 and status(first, WATCHED) == "degraded"
    assert first.store is not None
    first.store.close()

    restarted = modelreg.load(database_url=database_url)  # another process, or the same after a restart
    found = HealthChecker(restarted, platforms=[PLATFORM], env=pointed(llm)).check_once()[0]
    assert (found.state, found.failures) == ("down", 3) and status(restarted, WATCHED) == "down"
    saved = platform_states(restarted)[PLATFORM]
    assert saved.state == "down" and saved.status_code == 503 and saved.ok_at is None
    assert restarted.store is not None
    restarted.store.close()


def test_a_refused_key_and_a_timeout_are_failures(writable: modelreg.Registry, llm: FakeLLM) -> None:
    wrong_key = HealthChecker(writable, platforms=[PLATFORM], env=pointed(llm, CEREBRAS_API_KEY="sk-wrong"))
    refused = wrong_key.check_once()[0]
    assert refused.outcome == "failed" and refused.probe is not None and refused.probe.status_code == 401
    assert "the key was refused" in (refused.probe.error or "") and "sk-wrong" not in (refused.probe.error or "")
    llm.fail(Failure(timeout=True))
    slow = HealthChecker(writable, platforms=[PLATFORM], env=pointed(llm), timeout=0.3).check_once()[0]
    assert slow.outcome == "failed" and slow.probe is not None and slow.probe.status_code is None
    assert "did not answer within 0.3 s" in (slow.probe.error or "")
    assert (slow.state, slow.failures) == ("degraded", 2)


def test_a_platform_without_its_key_is_skipped_and_nothing_is_asked(writable: modelreg.Registry, llm: FakeLLM) -> None:
    env = {"MODELREG_SOURCE_CEREBRAS_URL": llm.base_url}
    everything = HealthChecker(writable, env=env).check_once()
    assert {h.outcome for h in everything} == {"skipped"}
    assert {h.platform for h in everything} == {cls.platform for cls in PROVIDERS}  # platforms with a known list
    assert llm.seen == [] and platform_states(writable) == {}
    named = HealthChecker(writable, platforms=["bedrock"], env=env).check_once()
    assert named[0].outcome == "skipped" and "no model-list endpoint" in (named[0].note or "")
    with pytest.raises(ModelNotFoundError):
        HealthChecker(writable, platforms=["openaii"], env=env).check_once()


def test_scheduled_checks_claim_each_platform_once_per_interval(writable: modelreg.Registry, llm: FakeLLM) -> None:
    one = HealthRunner(writable, every=300, checker=HealthChecker(writable, platforms=[PLATFORM], env=pointed(llm)))
    other = HealthRunner(writable, every=300, checker=HealthChecker(writable, platforms=[PLATFORM], env=pointed(llm)))
    assert one.seconds_until_due() == 0  # never probed
    assert [h.platform for h in one.run_once()] == [PLATFORM]
    assert other.run_once() == []  # claimed by the first: another instance does not probe it again
    assert len(llm.requests_to("/models")) == 1
    assert 290 < other.seconds_until_due() <= 300
    manual = HealthChecker(writable, platforms=[PLATFORM], env=pointed(llm)).check_once()  # `modelreg health`
    assert manual[0].outcome == "ok" and len(llm.requests_to("/models")) == 2


def test_a_platform_registered_as_openai_compatible_is_checked_the_same_way(
    writable: modelreg.Registry, llm: FakeLLM
) -> None:
    platform = {
        "id": "gpu-box",
        "name": "Our GPU box",
        "kind": "local",
        "base_url": llm.openai_base,
        "auth_env": ["GPU_BOX_KEY"],
        "features": {"openai_compatible": True},
    }
    writable.create("platform", platform, actor="alice")
    route = {"id": "gpu-box/openai/gpt-4o", "platform": "gpu-box", "model": "openai/gpt-4o", "model_string": "gpt-4o"}
    writable.create("route", route, actor="alice")
    llm.fail_always(Failure(500))
    found = HealthChecker(writable, platforms=["gpu-box"], env={"GPU_BOX_KEY": KEY}).check_once()[0]
    assert (found.outcome, found.state, found.routes_changed) == ("failed", "degraded", ("gpu-box/openai/gpt-4o",))
    assert llm.seen[-1].path == "/v1/models" and llm.seen[-1].headers["authorization"] == f"Bearer {KEY}"
    everything = {h.platform: h for h in HealthChecker(writable, env={}).check_once()}
    assert "set $GPU_BOX_KEY" in (everything["gpu-box"].note or "")  # one of the platforms checked by default


# -- probes ---------------------------------------------------------------------------------------------------


def test_probes_speak_each_providers_dialect_as_sync_knows_it(llm: FakeLLM) -> None:
    anthropic = probe_models("anthropic", api_key=KEY, env={"MODELREG_SOURCE_ANTHROPIC_URL": llm.base_url})
    assert anthropic.ok and anthropic.url == f"{llm.base_url}/v1/models"
    sent = llm.seen[-1].headers
    assert sent["x-api-key"] == KEY and sent["anthropic-version"] and "authorization" not in sent
    gemini = probe_models("gemini", api_key=KEY, env={"MODELREG_SOURCE_GEMINI_URL": llm.base_url})
    assert gemini.ok and llm.seen[-1].path == "/v1beta/models" and llm.seen[-1].headers["x-goog-api-key"] == KEY
    assert KEY not in gemini.url  # the key travels in a header, never in the URL
    groq = probe_models("groq", api_key=KEY, env={"MODELREG_SOURCE_GROQ_URL": llm.base_url})
    assert groq.ok and llm.seen[-1].path == "/openai/v1/models"
    compatible = probe_models(None, base_url=llm.openai_base, api_key=KEY)
    assert compatible.ok and compatible.model_ids == ("gpt-4o", "gpt-4o-mini") and compatible.latency_ms > 0
    with pytest.raises(ValidationError):
        probe_models("bedrock", api_key=KEY)


def test_a_probe_never_shows_the_key_even_when_the_server_echoes_it(llm: FakeLLM) -> None:
    llm.fail(Failure(401, message=f"Incorrect API key provided: {KEY}"))
    refused = probe_models(None, base_url=llm.openai_base, api_key=KEY)
    assert not refused.ok and refused.status_code == 401
    assert KEY not in (refused.error or "") and "***" in (refused.error or "")


def test_a_chat_probe_sends_one_tiny_completion(llm: FakeLLM) -> None:
    answered = probe_chat(llm.openai_base, KEY, "gpt-4o")
    assert answered.ok and answered.model_ids == ("gpt-4o",)
    assert answered.usage is not None and answered.usage["completion_tokens"] == 1
    body = llm.requests_to("/chat/completions")[-1].body
    assert body["max_tokens"] == 1 and body["model"] == "gpt-4o" and body["messages"]
    newer = probe_chat(llm.openai_base, KEY, "gpt-4o", max_tokens=None, max_completion_tokens=1)
    assert newer.ok and "max_tokens" not in llm.requests_to("/chat/completions")[-1].body
    missing = probe_chat(llm.openai_base, KEY, "gpt-9")
    assert not missing.ok and missing.status_code == 404 and "does not exist" in (missing.error or "")
    llm.fail(Failure(502))
    failed = probe_chat(llm.openai_base, KEY, "gpt-4o")
    assert not failed.ok and failed.status_code == 502 and failed.url == f"{llm.openai_base}/chat/completions"


# -- the faces ------------------------------------------------------------------------------------------------


def test_modelreg_health_probes_and_prints_a_table(database_url: str, llm: FakeLLM) -> None:
    env = {**pointed(llm), **{cls.key_env: None for cls in PROVIDERS if cls.platform != PLATFORM}}
    args = ["health", "--platform", PLATFORM, "--database-url", database_url]
    ok = runner.invoke(app, args, env=env)
    assert ok.exit_code == 0, ok.output
    header, row = (line.split("\t") for line in ok.stdout.splitlines())
    assert header[:4] == ["platform", "probe", "state", "failures"]
    assert row[:5] == [PLATFORM, "ok", "active", "0", "200"] and row[6] == "2"

    llm.fail_always(Failure(500))
    failed = runner.invoke(app, [*args, "--json"], env=env)
    assert failed.exit_code == 0, failed.output
    [found] = json.loads(failed.stdout)
    assert (found["outcome"], found["state"], found["failures"], found["status_code"]) == ("failed", "degraded", 1, 500)
    assert WATCHED in found["routes_changed"]

    no_key = runner.invoke(app, ["health", "--database-url", database_url], env={**env, "CEREBRAS_API_KEY": None})
    assert no_key.exit_code == 0 and "set $CEREBRAS_API_KEY" in no_key.output
    unknown = runner.invoke(app, ["health", "--platform", "cerebra", "--database-url", database_url], env=env)
    assert unknown.exit_code == 1 and "cerebras" in unknown.output


def _without_other_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for cls in PROVIDERS:
        monkeypatch.delenv(cls.key_env, raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_service_checks_health_in_the_background(
    writable: modelreg.Registry, llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    _without_other_keys(monkeypatch)
    for name, value in pointed(llm).items():
        monkeypatch.setenv(name, value)
    llm.fail_always(Failure(500))
    application = create_app(writable, settings=ApiSettings(health_every=3600.0))
    assert application.state.health_runner is not None and application.state.scheduler is None
    with Server(application) as server:
        deadline = time.monotonic() + 30
        while status(writable, WATCHED) != "degraded":
            assert time.monotonic() < deadline, "the background check never ran"
            time.sleep(0.05)
        served = httpx.get(f"{server.url}/api/registry/routes/{WATCHED}").json()
        assert served["status"] == "degraded"
    assert application.state.health_runner._thread is None  # stopped with the app
    assert len(llm.requests_to("/models")) == 1  # not due again for an hour


def test_serve_health_every_with_two_workers_probes_each_platform_once(
    tmp_path: Path, llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_sync_service import served, wait_for

    _without_other_keys(monkeypatch)
    for name, value in pointed(llm).items():
        monkeypatch.setenv(name, value)
    database_url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    with served("--workers", "2", "--health-every", "1h", database_url=database_url, tmp_path=tmp_path) as url:
        wait_for(lambda: llm.requests_to("/models"), seconds=60, what="the first probe")
        time.sleep(2)  # both workers are up: had each probed, there would be two requests by now
        assert httpx.get(f"{url}/healthz").status_code == 200
    assert len(llm.requests_to("/models")) == 1
    bad = CliRunner().invoke(app, ["serve", "--health-every", "soon"])
    assert bad.exit_code == 1 and "--health-every" in bad.output
