"""Verification (seed 004) against a fake OpenAI-compatible server on loopback: one minimal request per claimed
capability (streaming, tools, json_mode, vision), the outcome recorded on the model as verification {status,
last_checked, verified_capabilities}, a refusal reported with its reason, and the CLI's exit codes."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

import modelreg
from modelreg.autoregister import register_unknown
from modelreg.cli import app
from modelreg.errors import ModelNotFoundError, ValidationError
from modelreg.probe import Endpoint, probe_chat
from modelreg.verify import CAPABILITIES, verify
from tests.helpers.fake_llm import Failure, FakeLLM, add_gpu_box, fake_llm

on_sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

KEY = "sk-test-0123456789"
MODEL = "openai/gpt-4o"  # claims chat, streaming, tools, json_mode and vision (and more that no probe checks)
CLAIMED = ["chat", "streaming", "tools", "vision", "json_mode"]  # in the schema's order
ENV = {"GPU_BOX_KEY": KEY}

runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture()
def llm() -> Iterator[FakeLLM]:
    with fake_llm(models=("gpt-4o", "llama-9-70b"), api_key=KEY) as server:
        yield server


@pytest.fixture()
def gpu_box(writable: modelreg.Registry, llm: FakeLLM) -> str:
    """An OpenAI-compatible platform of our own (the fake) serving openai/gpt-4o as "gpt-4o"."""
    add_gpu_box(writable, llm)
    route = {"id": f"gpu-box/{MODEL}", "platform": "gpu-box", "model": MODEL, "model_string": "gpt-4o"}
    writable.create("route", route, actor="alice")
    return "gpu-box"


def capabilities(verification: modelreg.Verification) -> list[str]:
    return [c.value for c in verification.verified_capabilities]


# -- checking and recording -----------------------------------------------------------------------------------


@on_sqlite
def test_every_claimed_capability_is_checked_with_one_minimal_request_and_recorded(
    writable: modelreg.Registry, llm: FakeLLM, gpu_box: str
) -> None:
    report = writable.verify(MODEL, platform=gpu_box, env=ENV)

    assert report.ok and [c.capability for c in report.checks] == list(CAPABILITIES)
    assert all(c.claimed and c.passed for c in report.checks)
    assert (report.model, report.route, report.url) == (MODEL, f"gpu-box/{MODEL}", llm.openai_base)
    stored = writable.get(MODEL).verification
    assert stored == report.verification
    assert (stored.status, stored.last_checked, capabilities(stored)) == ("verified", dt.date.today(), CLAIMED)
    [change] = writable.history("model", MODEL)
    assert change.actor == "verify" and "streaming ok" in (change.message or "")

    chat, stream, tools, json_mode, vision = (r.body for r in llm.requests_to("/chat/completions"))
    assert all(body["model"] == "gpt-4o" for body in (chat, stream, tools, json_mode, vision))
    assert chat["max_tokens"] == 1 and "stream" not in chat and "tools" not in chat
    assert stream["stream"] is True
    assert len(tools["tools"]) == 1 and tools["tool_choice"] == "required"
    assert json_mode["response_format"] == {"type": "json_object"}
    assert "JSON" in json_mode["messages"][0]["content"]  # OpenAI refuses JSON mode unless a message says JSON
    [text, image] = vision["messages"][0]["content"]
    assert text["type"] == "text" and image["type"] == "image_url"
    head, _, data = image["image_url"]["url"].partition(",")
    assert head == "data:image/png;base64" and base64.b64decode(data).startswith(b"\x89PNG")
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in llm.seen)


@on_sqlite
@pytest.mark.parametrize(
    ("refused", "ignored", "failing", "reason"),
    [
        ({"vision"}, set(), "vision", "HTTP 400: This model does not support image input."),
        ({"tools"}, set(), "tools", "HTTP 400: This model does not support tools"),
        (set(), {"tools"}, "tools", "answered without calling the tool"),
        (set(), {"streaming"}, "streaming", "answered one body (application/json), not a stream of events"),
        (set(), {"json_mode"}, "json_mode", "the content is not JSON: 'OK'"),
        ({"json_mode"}, set(), "json_mode", "HTTP 400: This model does not support response_format"),
    ],
)
def test_a_capability_the_endpoint_refuses_or_ignores_fails_with_its_reason(
    writable: modelreg.Registry,
    llm: FakeLLM,
    gpu_box: str,
    refused: set[str],
    ignored: set[str],
    failing: str,
    reason: str,
) -> None:
    llm.unsupported, llm.ignored = refused, ignored
    report = verify(writable, MODEL, platform=gpu_box, env=ENV)
    assert not report.ok
    [failed] = [c for c in report.checks if not c.passed]
    assert failed.capability == failing and reason in failed.detail
    stored = writable.get(MODEL).verification
    assert stored.status == "failed" and capabilities(stored) == [c for c in CLAIMED if c != failing]


@on_sqlite
def test_checking_a_subset_keeps_what_was_verified_before(
    writable: modelreg.Registry, llm: FakeLLM, gpu_box: str
) -> None:
    verify(writable, MODEL, platform=gpu_box, env=ENV)
    llm.unsupported = {"vision"}
    report = verify(writable, MODEL, platform=gpu_box, env=ENV, capabilities=["vision"])
    assert [(c.capability, c.passed) for c in report.checks] == [("vision", False)]
    assert len(llm.requests_to("/chat/completions")) == 6  # five, then one
    stored = writable.get(MODEL).verification
    assert stored.status == "failed" and capabilities(stored) == ["chat", "streaming", "tools", "json_mode"]
    llm.unsupported = set()
    again = verify(writable, MODEL, platform=gpu_box, env=ENV, capabilities=["vision", "vision"])
    assert len(again.checks) == 1 and capabilities(again.verification) == CLAIMED
    assert again.verification.status == "verified"


@on_sqlite
def test_a_model_that_claims_none_of_them_is_checked_for_chat(writable: modelreg.Registry, llm: FakeLLM) -> None:
    model = register_unknown(writable, "llama-9-70b", "openai", client=Endpoint(llm.openai_base, KEY), provider="meta")
    report = verify(writable, model.id, platform="openai", client=Endpoint(llm.openai_base, KEY))
    assert [(c.capability, c.claimed, c.passed) for c in report.checks] == [("chat", False, True)]
    found = writable.get(model.id)
    assert found.verification.status == "verified" and capabilities(found.verification) == ["chat"]
    assert "needs-review" in found.tags and found.lifecycle.status == "preview"  # review is a person's


@on_sqlite
def test_what_cannot_be_checked_is_refused_before_anything_is_asked(
    writable: modelreg.Registry, llm: FakeLLM, gpu_box: str
) -> None:
    with pytest.raises(ValidationError, match="has no route on gpu-box"):
        verify(writable, "anthropic/claude-sonnet-4-5-20250929", platform=gpu_box, env=ENV)
    with pytest.raises(ValidationError, match="cannot verify 'telepathy'"):
        verify(writable, MODEL, platform=gpu_box, env=ENV, capabilities=["tools", "telepathy"])
    with pytest.raises(ModelNotFoundError):
        verify(writable, "gpt-9o", platform=gpu_box, env=ENV)
    with pytest.raises(ValidationError, match="signs its requests"):
        verify(writable, "anthropic/claude-sonnet-4-5-20250929", platform="bedrock")
    assert llm.seen == [] and writable.history("model", MODEL) == []


@on_sqlite
def test_a_server_that_fails_fails_every_check_and_never_shows_the_key(
    writable: modelreg.Registry, llm: FakeLLM, gpu_box: str
) -> None:
    llm.fail_always(Failure(401, message=f"Incorrect API key provided: {KEY}"))
    report = verify(writable, MODEL, platform=gpu_box, env=ENV)
    assert not any(c.passed for c in report.checks)
    assert all("HTTP 401 (the key was refused)" in c.detail and KEY not in c.detail for c in report.checks)
    assert report.verification.status == "failed" and report.verification.verified_capabilities == []
    assert KEY not in (writable.history("model", MODEL)[0].message or "")


# -- the probe underneath --------------------------------------------------------------------------------------


def test_a_streamed_probe_reads_the_events(llm: FakeLLM) -> None:
    llm.content = "one two three"
    streamed = probe_chat(
        llm.openai_base, KEY, "gpt-4o", stream=True, max_tokens=None, stream_options={"include_usage": True}
    )
    assert streamed.ok and streamed.chunks == 6  # role, three words, finish, usage
    assert streamed.message == {"role": "assistant", "content": "one two three"}
    assert streamed.usage is not None and streamed.usage["completion_tokens"] == 3
    assert streamed.model_ids == ("gpt-4o",)
    llm.ignored = {"streaming"}
    plain = probe_chat(llm.openai_base, KEY, "gpt-4o", stream=True)
    assert not plain.ok and plain.status_code == 200 and "not a stream of events" in (plain.error or "")


# -- the command line -------------------------------------------------------------------------------------------


@on_sqlite
def test_modelreg_verify_prints_each_check_and_exits_1_when_one_failed(
    database_url: str, llm: FakeLLM, gpu_box: str
) -> None:
    args = ["verify", MODEL, "--platform", gpu_box, "--database-url", database_url]
    ok = runner.invoke(app, args, env=ENV)
    assert ok.exit_code == 0, ok.output
    header, *rows = (line.split("\t") for line in ok.stdout.splitlines())
    assert header == ["capability", "claimed", "result", "detail"]
    assert [r[:3] for r in rows] == [[c, "yes", "passed"] for c in CAPABILITIES]

    llm.unsupported = {"vision"}
    failed = runner.invoke(app, [*args, "--json"], env=ENV)
    assert failed.exit_code == 1, failed.output
    found = json.loads(failed.stdout)
    assert (
        found["verification"]["status"] == "failed" and "vision" not in found["verification"]["verified_capabilities"]
    )
    [vision] = [c for c in found["checks"] if c["capability"] == "vision"]
    assert (vision["passed"], vision["status_code"]) == (False, 400) and "image input" in vision["detail"]
    assert modelreg.load(database_url=database_url).get(MODEL).verification.status == "failed"

    one = runner.invoke(
        app, [*args, "-c", "tools", "--base-url", llm.openai_base, "--key-env", "OTHER_KEY"], env={"OTHER_KEY": KEY}
    )
    assert one.exit_code == 0, one.output
    assert [line.split("\t")[0] for line in one.stdout.splitlines()[1:]] == ["tools"]
    wrong = runner.invoke(app, [*args, "-c", "telepathy"], env=ENV)
    assert wrong.exit_code == 1 and "cannot verify 'telepathy'" in wrong.output
