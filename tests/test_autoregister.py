"""Auto-registration (seed 003) against a fake OpenAI-compatible server on loopback: a name the registry does
not know is read with the catalog's rules, probed with one tiny chat completion and stored as a preview
model with its route, flagged for review; a failing probe registers nothing; review keeps or removes it."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from decimal import Decimal

import pytest
from typer.testing import CliRunner

import modelreg
from modelreg.autoregister import REVIEW_TAG, accept, infer, pending, register_unknown, reject
from modelreg.cli import app
from modelreg.errors import ConflictError, SourceError, ValidationError
from modelreg.probe import Endpoint
from tests.helpers.fake_llm import Failure, FakeLLM, add_gpu_box, fake_llm

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

KEY = "sk-test-0123456789"
SERVED = ("llama-9-70b", "Qwen9-7B-Instruct", "gpt-9-mini", "gpt-4o")
ENV = {"GPU_BOX_KEY": KEY}

runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture()
def llm() -> Iterator[FakeLLM]:
    with fake_llm(models=SERVED, api_key=KEY) as server:
        yield server


@pytest.fixture()
def gpu_box(writable: modelreg.Registry, llm: FakeLLM) -> str:
    """A platform of our own: an OpenAI-compatible server (the fake) with its key in $GPU_BOX_KEY."""
    return add_gpu_box(writable, llm)


def chats(llm: FakeLLM) -> list[dict[str, object]]:
    return [r.body for r in llm.requests_to("/chat/completions")]


# -- registering --------------------------------------------------------------------------------------------


def test_a_name_that_answers_is_registered_as_a_preview_model_with_its_route_flagged_for_review(
    writable: modelreg.Registry, llm: FakeLLM, gpu_box: str
) -> None:
    model = register_unknown(writable, "llama-9-70b", gpu_box, env=ENV, actor="alice")

    assert (model.id, model.provider, model.name, model.family) == ("meta/llama-9-70b", "meta", "llama-9-70b", "llama")
    assert model.lifecycle.status == "preview" and model.verification.status == "unverified"
    assert model.verification.last_checked is None and model.verification.verified_capabilities == []
    assert REVIEW_TAG in model.tags
    assert (model.size_b, model.size_estimated) == (Decimal(70), True)
    assert model.capabilities == [] and model.limits.context_window is None and model.pricing.is_empty()
    [source] = [s for s in model.sources if s.source == "autoregister"]
    assert source.by == "alice" and source.key == "gpu-box/llama-9-70b"

    [route] = writable.routes(model.id)
    assert (route.id, route.platform, route.model_string) == ("gpu-box/meta/llama-9-70b", gpu_box, "llama-9-70b")
    assert (route.direct, route.priority, route.status) == (False, 10, "active")
    assert writable.resolve("llama-9-70b").id == model.id
    assert writable.lookup("gpu-box/llama-9-70b").route == route

    [sent] = llm.requests_to("/chat/completions")  # one tiny request, with the platform's key
    assert sent.body["model"] == "llama-9-70b" and sent.body["max_tokens"] == 1
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert [c.actor for c in writable.history("model", model.id)] == ["alice"]
    assert [c.actor for c in writable.history("route", route.id)] == ["alice"]
    assert "probed" in (writable.history("model", model.id)[0].message or "")


def test_a_caller_supplied_client_is_asked_instead_of_the_platforms_own_url(
    writable: modelreg.Registry, llm: FakeLLM
) -> None:
    model = writable.register_unknown("gpt-9-mini", "openai", client=Endpoint(llm.openai_base, KEY))
    assert model.id == "openai/gpt-9-mini" and model.family == "gpt" and model.size_b is None
    [route] = writable.routes(model.id)
    assert (route.id, route.direct, route.priority) == ("openai/openai/gpt-9-mini", True, 1)  # the maker's API
    assert llm.requests_to("/chat/completions")[0].headers["authorization"] == f"Bearer {KEY}"


def test_a_reasoning_model_that_refuses_max_tokens_is_asked_again_with_max_completion_tokens(
    writable: modelreg.Registry, llm: FakeLLM, gpu_box: str
) -> None:
    refusal = "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens'."
    llm.fail(Failure(400, message=refusal))
    register_unknown(writable, "gpt-9-mini", gpu_box, env=ENV)
    first, second = chats(llm)
    assert first["max_tokens"] == 1 and "max_completion_tokens" not in first
    assert second["max_completion_tokens"] == 1 and "max_tokens" not in second


def _closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v1"


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("500", "HTTP 500"),
        ("401", "HTTP 401 (the key was refused)"),
        ("404", "HTTP 404"),  # the server does not serve that model
        ("refused", "could not be reached"),
        ("timeout", "did not answer within 0.3 s"),
    ],
)
def test_a_failing_probe_registers_nothing(
    writable: modelreg.Registry, llm: FakeLLM, gpu_box: str, how: str, expected: str
) -> None:
    before = writable.export_store()
    name, client, env = "llama-9-70b", None, ENV
    if how == "500":
        llm.fail(Failure(500))
    elif how == "401":
        env = {"GPU_BOX_KEY": "sk-wrong-key-42"}
    elif how == "404":
        name = "llama-9-405b"
    elif how == "refused":
        client = Endpoint(_closed_port(), KEY)
    else:
        llm.fail(Failure(timeout=True))
    with pytest.raises(SourceError) as failed:
        register_unknown(writable, name, gpu_box, client=client, env=env, timeout=0.3)
    message = str(failed.value)
    assert expected in message and "nothing was registered" in message and "/chat/completions" in message
    assert KEY not in message and "sk-wrong-key-42" not in message
    assert writable.export_store() == before
    assert f"meta/{name}" not in writable and pending(writable) == []


def test_a_name_the_registry_knows_is_refused_before_anything_is_asked(
    writable: modelreg.Registry, llm: FakeLLM, gpu_box: str
) -> None:
    with pytest.raises(ConflictError, match="already known as openai/gpt-4o"):
        register_unknown(writable, "gpt-4o", gpu_box, env=ENV)
    with pytest.raises(ConflictError, match="already known as openai/gpt-4o"):
        register_unknown(writable, "GPT-4o", "openai", env=ENV)
    register_unknown(writable, "llama-9-70b", gpu_box, env=ENV)
    with pytest.raises(ConflictError, match="already known as meta/llama-9-70b"):
        register_unknown(writable, "llama-9-70b", gpu_box, env=ENV)
    assert len(llm.requests_to("/chat/completions")) == 1  # only the first registration asked


def test_a_platform_without_an_openai_compatible_url_needs_one(writable: modelreg.Registry) -> None:
    with pytest.raises(ValidationError, match="signs its requests"):
        register_unknown(writable, "llama-9-70b", "bedrock")
    with pytest.raises(ValidationError, match="states no base URL"):
        register_unknown(writable, "llama-9-70b", "azure")
    assert "meta/llama-9-70b" not in writable


# -- what a name says ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "platform", "provider", "model_name", "family", "size"),
    [
        ("gpt-9-mini", "openai", "openai", "gpt-9-mini", "gpt", None),
        ("gpt-9-mini", "gpu-box", "openai", "gpt-9-mini", "gpt", None),
        ("claude-9-haiku", "gpu-box", "anthropic", "claude-9-haiku", "claude", None),
        ("llama-9-70b", "gpu-box", "meta", "llama-9-70b", "llama", Decimal(70)),
        ("mixtral-8x9b", "gpu-box", "mistral", "mixtral-8x9b", "mistral", Decimal(72)),
        ("meta-llama/Llama-9-8B-Instruct", "together_ai", "meta", "llama-9-8b-instruct", "llama", Decimal(8)),
        ("Qwen9-7B-Instruct", "gpu-box", "qwen", "qwen9-7b-instruct", "qwen", Decimal(7)),
        ("llama9:70b", "ollama", "meta", "llama9-70b", "llama", Decimal(70)),
        ("frobnicator-2", "mistral", "mistral", "frobnicator-2", "mistral", None),  # the maker's own API
    ],
)
def test_the_maker_family_and_size_are_read_from_the_name(
    writable: modelreg.Registry,
    gpu_box: str,
    name: str,
    platform: str,
    provider: str,
    model_name: str,
    family: str,
    size: Decimal | None,
) -> None:
    guess = infer(writable, name, platform)
    assert (guess.provider, guess.name, guess.family, guess.size_b) == (provider, model_name, family, size)


def test_a_maker_the_name_does_not_tell_must_be_named(writable: modelreg.Registry, gpu_box: str) -> None:
    with pytest.raises(ValidationError, match="cannot tell who makes 'frobnicator-2'"):
        register_unknown(writable, "frobnicator-2", gpu_box, probe=False)
    with pytest.raises(ValidationError, match="not a known provider"):
        register_unknown(writable, "frobnicator-2", gpu_box, probe=False, provider="acme")
    model = register_unknown(writable, "frobnicator-2", gpu_box, probe=False, provider="meta")
    assert (model.id, model.family) == ("meta/frobnicator-2", "meta")  # no family pattern: the maker's


# -- review -------------------------------------------------------------------------------------------------


def test_accepting_keeps_the_model_and_clears_the_flag(writable: modelreg.Registry, llm: FakeLLM, gpu_box: str) -> None:
    model = register_unknown(writable, "llama-9-70b", gpu_box, env=ENV)
    assert [m.id for m in pending(writable)] == [model.id]
    kept = accept(writable, "llama-9-70b", by="bob")
    assert REVIEW_TAG not in kept.tags and kept.lifecycle.status == "preview"
    assert pending(writable) == [] and writable.resolve("llama-9-70b").id == model.id
    assert [c.actor for c in writable.history("model", model.id)] == ["autoregister", "bob"]
    with pytest.raises(ValidationError, match="not waiting for review"):
        accept(writable, model.id, by="bob")
    with pytest.raises(ValidationError, match="not waiting for review"):
        reject(writable, "openai/gpt-4o", by="bob")  # never a way to remove a catalog model


def test_rejecting_removes_the_model_and_its_routes(writable: modelreg.Registry, llm: FakeLLM, gpu_box: str) -> None:
    before = writable.export_store()
    model = register_unknown(writable, "llama-9-70b", gpu_box, env=ENV)
    writable.create(
        "route",
        {"id": "openrouter/meta/llama-9-70b", "platform": "openrouter", "model": model.id, "model_string": "x"},
        actor="alice",
    )
    reject(writable, model.id, by="bob")
    assert model.id not in writable and writable.route_ids("openai/gpt-4o")  # the rest is untouched
    assert not any(r.model == model.id for r in writable.routes())
    assert writable.export_store() == before
    with pytest.raises(modelreg.ModelNotFoundError):
        writable.resolve("llama-9-70b")
    assert register_unknown(writable, "llama-9-70b", gpu_box, env=ENV).id == model.id  # can be registered again


# -- the command line ---------------------------------------------------------------------------------------


def test_modelreg_register_and_registered(database_url: str, llm: FakeLLM, gpu_box: str) -> None:
    env = {"GPU_BOX_KEY": KEY, "MODELREG_ACTOR": "carol"}
    args = ["--database-url", database_url]
    done = runner.invoke(app, ["register", "llama-9-70b", "--platform", gpu_box, *args], env=env)
    assert done.exit_code == 0, done.output
    assert "registered\tmeta/llama-9-70b" in done.stdout and "needs review" in done.stdout

    as_json = runner.invoke(app, ["register", "Qwen9-7B-Instruct", "-p", gpu_box, "--json", *args], env=env)
    assert as_json.exit_code == 0, as_json.output
    created = json.loads(as_json.stdout)
    assert created["id"] == "qwen/qwen9-7b-instruct" and created["lifecycle"]["status"] == "preview"

    listed = runner.invoke(app, ["registered", *args])
    assert listed.exit_code == 0, listed.output
    header, *rows = (line.split("\t") for line in listed.stdout.splitlines())
    assert header[:2] == ["id", "routes"]
    assert [r[:2] for r in rows] == [
        ["meta/llama-9-70b", "gpu-box/meta/llama-9-70b"],
        ["qwen/qwen9-7b-instruct", "gpu-box/qwen/qwen9-7b-instruct"],
    ]

    decided = runner.invoke(
        app, ["registered", "--accept", "llama-9-70b", "--reject", "qwen/qwen9-7b-instruct", "--json", *args], env=env
    )
    assert decided.exit_code == 0, decided.output
    assert json.loads(decided.stdout) == []
    reg = modelreg.load(database_url=database_url)
    assert REVIEW_TAG not in reg.get("meta/llama-9-70b").tags and "qwen/qwen9-7b-instruct" not in reg
    assert reg.history("model", "meta/llama-9-70b")[-1].actor == "carol"


def test_modelreg_register_fails_clearly_and_writes_nothing(database_url: str, llm: FakeLLM, gpu_box: str) -> None:
    args = ["--database-url", database_url]
    llm.fail_always(Failure(503, message="overloaded"))
    failed = runner.invoke(app, ["register", "llama-9-70b", "--platform", gpu_box, *args], env=ENV)
    assert failed.exit_code == 1
    assert (
        "error: gpu-box: the probe of 'llama-9-70b' failed" in failed.output and "HTTP 503: overloaded" in failed.output
    )
    assert "meta/llama-9-70b" not in modelreg.load(database_url=database_url)

    llm.recover()
    other = {"MY_GATEWAY_KEY": KEY}
    through = ["register", "gpt-9-mini", "-p", "openai", "--base-url", llm.openai_base, "--key-env", "MY_GATEWAY_KEY"]
    assert runner.invoke(app, [*through, *args], env=other).exit_code == 0
    unset = runner.invoke(app, ["register", "llama-9-70b", "-p", gpu_box, "--key-env", "NOPE", *args])
    assert unset.exit_code == 1 and "--key-env goes with --base-url" in unset.output
    skipped = runner.invoke(app, ["register", "claude-9-haiku", "-p", gpu_box, "--no-probe", *args])
    assert skipped.exit_code == 0 and len(llm.requests_to("/chat/completions")) == 2  # the 503 and gpt-9-mini
