"""Bad input is refused cleanly through every face — the library, the CLI (a real `modelreg` process) and the
service (a real uvicorn server) — on SQLite and PostgreSQL. Each row is a case a user could file; each
asserts the error names what was wrong AND that nothing was written (the store's change log is unchanged)."""

from __future__ import annotations

import datetime as dt
import math
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

import modelreg
from modelreg.api import create_app
from tests.conftest import Server, fresh_postgres

API = "/api/registry"
MODELREG = str(Path(sys.executable).parent / "modelreg")
GPT_4O = "openai/gpt-4o"


def _model(model_id: str, **fields: Any) -> dict[str, Any]:
    provider, _, name = model_id.partition("/")
    return {"id": model_id, "provider": provider, "name": name, "family": "test", **fields}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One fresh store per engine for the whole table: bad input never writes, so rows cannot disturb each other."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('bad-input') / 'store.sqlite3'}"
        return
    with fresh_postgres() as url:
        yield url


@pytest.fixture(scope="module")
def reg(store_url: str) -> Iterator[modelreg.Registry]:
    registry = modelreg.load(database_url=store_url)
    yield registry
    assert registry.store is not None
    registry.store.close()


def change_log(registry: modelreg.Registry) -> list[Any]:
    assert registry.store is not None
    return registry.store.changes()


# -- the library ----------------------------------------------------------------------------------------------

Call = Callable[[modelreg.Registry], object]
WRITE = {"version": 0, "actor": "alice"}

LIBRARY = [
    # (call, the argument or field the error names)
    (lambda r: r.cost("gpt-4o", input_tokens=None), "input_tokens"),
    (lambda r: r.cost("gpt-4o", input_tokens="1000"), "input_tokens"),
    (lambda r: r.cost("gpt-4o", input_tokens=math.nan), "input_tokens"),
    (lambda r: r.cost("gpt-4o", input_tokens=1000.0), "input_tokens"),
    (lambda r: r.cost("gpt-4o", input_tokens=True), "input_tokens"),
    (lambda r: r.cost("gpt-4o", input_tokens=100, output_tokens=-5), "output_tokens"),
    (lambda r: r.cost("gpt-4o", input_tokens=100, output_tokens=50, reasoning_tokens=1.5), "reasoning_tokens"),
    (lambda r: r.cost("gpt-4o", input_tokens=100, batch="yes"), "batch"),
    (lambda r: r.cost("gpt-4o", input_tokens=100, at="2025-01-01"), "at"),
    (lambda r: r.cost(None, input_tokens=100), "model"),
    (lambda r: r.cost(["gpt-4o"], input_tokens=100), "model"),
    (lambda r: r.cost_from_usage("gpt-4o", {"prompt_tokens": "12", "completion_tokens": 3}), "prompt_tokens"),
    (lambda r: r.resolve(None), "name"),
    (lambda r: r.resolve(["gpt-4o"]), "name"),
    (lambda r: r.get(None), "model_id"),
    (lambda r: r.route(None), "route_id"),
    (lambda r: r.provider(42), "provider_id"),
    (lambda r: r.validate("gpt-4o", "temperature=2"), "params"),
    (lambda r: r.pricing("gpt-4o", at="2025-01-01"), "at"),
    (lambda r: r.update("widget", GPT_4O, {"description": "x"}, **WRITE), "kind"),
    (lambda r: r.update("model", GPT_4O, "description", **WRITE), "patch"),
    (lambda r: r.update("model", GPT_4O, {"description": "x"}, version="0", actor="alice"), "version"),
    (lambda r: r.update("model", GPT_4O, {"description": "x"}, version=0, actor=""), "actor"),
    (
        lambda r: r.update("model", GPT_4O, {"lifecycle": {"retirement_date": "2026-02-30"}}, **WRITE),
        "lifecycle.retirement_date",
    ),
    (
        lambda r: r.update("model", GPT_4O, {"lifecycle": {"retirement_date": "0000-00-00"}}, **WRITE),
        "lifecycle.retirement_date",
    ),
    (
        lambda r: r.update(
            "model", GPT_4O, {"lifecycle": {"deprecation_date": "2027-06-01", "retirement_date": "2027-01-01"}}, **WRITE
        ),
        "lifecycle.retirement_date",
    ),
    (
        lambda r: r.update("model", GPT_4O, {"lifecycle": {"deprecation_date": "2020-01-01"}}, **WRITE),
        "lifecycle.deprecation_date",
    ),
    (lambda r: r.update("model", GPT_4O, {"lifecycle": {"replacement": GPT_4O}}, **WRITE), "lifecycle.replacement"),
    (
        lambda r: r.update("model", GPT_4O, {"lifecycle": {"replacement": "openai/gpt-9"}}, **WRITE),
        "lifecycle.replacement",
    ),
    (lambda r: r.update("model", GPT_4O, {"description": "x" * 10_001}, **WRITE), "description"),
    (lambda r: r.update("model", GPT_4O, {"aliases": ["gpt 4o"]}, **WRITE), "aliases.0"),
    (lambda r: r.update("model", GPT_4O, {"knowledge_cutoff": "2024-13"}, **WRITE), "knowledge_cutoff"),
    (lambda r: r.create("model", _model("nobody/bot"), actor="alice"), "provider"),
    (lambda r: r.create("model", _model("openai/bot/routes"), actor="alice"), "id"),
    (lambda r: r.create("model", _model("openai/bot/pricing"), actor="alice"), "id"),
    (lambda r: r.create("model", _model("openai/bot\x00"), actor="alice"), "id"),
    (lambda r: r.create("model", _model("openai/" + "b" * 300), actor="alice"), "id"),
    (lambda r: r.create("model", _model("openai/bot", description="\ud800"), actor="alice"), "description"),
    (lambda r: r.create("provider", {"id": "acme/labs", "name": "ACME"}, actor="alice"), "id"),
    (
        lambda r: r.create(
            "route",
            {"id": "nowhere/openai/gpt-4o", "platform": "nowhere", "model": GPT_4O, "model_string": "x"},
            actor="a",
        ),
        "platform",
    ),
    (lambda r: r.set_price(GPT_4O, {"input": "1"}, effective_from="2027-01-01", actor="alice"), "effective_from"),
    (lambda r: r.history("widget", GPT_4O), "kind"),
    (lambda r: r.history("model", "openai/gpt-4o\x00"), "record_id"),
]


@pytest.mark.parametrize(("call", "field"), LIBRARY, ids=[f"{n}-{f}" for n, (_, f) in enumerate(LIBRARY)])
def test_library_calls_with_bad_input_name_the_argument(reg: modelreg.Registry, call: Call, field: str) -> None:
    before = change_log(reg)
    with pytest.raises(modelreg.ValidationError) as refused:
        call(reg)
    assert field in [f for f, _ in refused.value.errors], refused.value
    assert field in str(refused.value)
    assert change_log(reg) == before


@pytest.mark.parametrize(
    ("kind", "record_id", "referrer"),
    [
        ("provider", "openai", {"kind": "model", "id": GPT_4O, "field": "provider"}),
        ("model", GPT_4O, {"kind": "route", "id": "azure/openai/gpt-4o", "field": "model"}),
        ("platform", "azure", {"kind": "route", "id": "azure/openai/gpt-4o", "field": "platform"}),
    ],
)
def test_removing_what_others_refer_to_is_refused(
    reg: modelreg.Registry, kind: str, record_id: str, referrer: dict[str, str]
) -> None:
    before = change_log(reg)
    with pytest.raises(modelreg.InUseError) as refused:
        reg.delete(kind, record_id, version=0, actor="alice")
    assert referrer in refused.value.referrers and record_id in str(refused.value)
    assert isinstance(refused.value, modelreg.ConflictError)
    assert change_log(reg) == before
    assert reg.get(GPT_4O).provider == "openai"


def test_good_counts_still_cost_exactly(reg: modelreg.Registry) -> None:
    """The checks refuse only what is wrong: ints of any size, zero and the default arguments pass."""
    assert reg.cost("gpt-4o", input_tokens=1000, output_tokens=500).total == Decimal("0.0075")
    assert reg.cost("gpt-4o", input_tokens=0).total == 0
    assert reg.cost("gpt-4o", input_tokens=10**12, batch=False).total > 0
    assert reg.cost("gpt-4o", input_tokens=100, at=dt.date(2025, 6, 1)).total > 0


# -- the CLI --------------------------------------------------------------------------------------------------


def _cli(store_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MODELREG_DATABASE_URL": store_url, "COLUMNS": "200"}
    return subprocess.run([MODELREG, *args], capture_output=True, text=True, env=env, timeout=120)


IMPORTS = [
    # (a store export holding one bad record, what the error says: the field and the rule)
    ({"models": [_model("openai/bot", lifecycle={"retirement_date": "2026-02-30"})]}, ["retirement_date", "calendar"]),
    ({"models": [_model("openai/bot", lifecycle={"retirement_date": "0000-00-00"})]}, ["retirement_date", "calendar"]),
    ({"models": [_model("openai/bot", lifecycle={"replacement": "openai/bot"})]}, ["replacement", "own replacement"]),
    (
        {"models": [_model("openai/bot", lifecycle={"replacement": "openai/nothing"})]},
        ["replacement", "openai/nothing"],
    ),
    ({"models": [_model("nobody/bot")]}, ["provider", "'nobody'"]),
    ({"models": [_model("openai/bot/status")]}, ["id", "must not end in /status"]),
    ({"models": [_model("openai/bot", description="x" * 10_001)]}, ["description", "10,000"]),
    ({"models": [{**_model(GPT_4O), "lifecycle": {"deprecation_date": "2019-01-01"}}]}, ["deprecation_date", "before"]),
]


@pytest.mark.parametrize(("document", "said"), IMPORTS, ids=[f"{n}-{w[0]}" for n, (_, w) in enumerate(IMPORTS)])
def test_store_import_of_a_bad_record_names_the_field(
    reg: modelreg.Registry, store_url: str, tmp_path: Path, document: dict[str, Any], said: list[str]
) -> None:
    before = change_log(reg)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    done = _cli(store_url, "store", "import", str(path), "--actor", "alice")
    output = done.stdout + done.stderr
    assert done.returncode == 1 and all(w in output for w in said) and "Traceback" not in output, output
    assert change_log(reg) == before


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["cost", "gpt-4o", "--input", "-5"], ["--input"]),
        (["cost", "gpt-4o", "--input", "many"], ["--input"]),
        (["history", GPT_4O, "--kind", "widget"], ["kind", "widget"]),
        (["keys", "create", "bad\x01name"], ["name", "control characters"]),
        (["revert", "not-a-number"], ["change_id"]),
    ],
)
def test_cli_arguments_that_make_no_sense_are_refused(
    reg: modelreg.Registry, store_url: str, args: list[str], said: list[str]
) -> None:
    before = change_log(reg)
    done = _cli(store_url, *args)
    output = done.stdout + done.stderr
    assert done.returncode != 0 and all(w.lower() in output.lower() for w in said), output
    assert "Traceback" not in output
    assert change_log(reg) == before


# -- the service ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def http(reg: modelreg.Registry) -> Iterator[httpx.Client]:
    assert reg.store is not None
    admin = reg.store.create_key(f"admin-{uuid.uuid4().hex[:6]}", "admin")
    with (
        Server(create_app(reg)) as server,
        httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {admin}"}) as client,
    ):
        yield client


REQUESTS = [
    # (method, path, JSON body or raw bytes, status, the field the problem's `errors` name)
    ("PATCH", f"/models/{GPT_4O}", {"lifecycle": {"retirement_date": "2026-02-30"}}, 422, "lifecycle.retirement_date"),
    ("PATCH", f"/models/{GPT_4O}", {"lifecycle": {"retirement_date": "0000-00-00"}}, 422, "lifecycle.retirement_date"),
    (
        "PATCH",
        f"/models/{GPT_4O}",
        {"lifecycle": {"deprecation_date": "2027-06-01", "retirement_date": "2027-01-01"}},
        422,
        "lifecycle.retirement_date",
    ),
    (
        "PATCH",
        f"/models/{GPT_4O}/status",
        {"status": "deprecated", "replacement": GPT_4O},
        422,
        "lifecycle.replacement",
    ),
    (
        "PATCH",
        f"/models/{GPT_4O}/status",
        {"status": "retired", "replacement": "openai/gpt-9"},
        422,
        "lifecycle.replacement",
    ),
    (
        "PATCH",
        f"/models/{GPT_4O}/status",
        {"status": "retired", "retirement_date": "2026-02-30"},
        422,
        "lifecycle.retirement_date",
    ),
    ("PATCH", f"/models/{GPT_4O}", {"description": "x" * 10_001}, 422, "description"),
    ("PATCH", f"/models/{GPT_4O}", {"aliases": ["gpt\t4o"]}, 422, "aliases.0"),
    ("POST", "/models", _model("nobody/bot"), 422, "provider"),
    ("POST", "/models", _model("openai/bot/routes"), 422, "id"),
    ("POST", "/models", _model("openai/bot/capabilities"), 422, "id"),
    ("POST", "/models", _model("openai/bot\u0001"), 422, "id"),
    ("POST", "/models", _model("openai/" + "b" * 300), 422, "id"),
    (
        "POST",
        "/models",
        b'{"id": "openai/bot", "provider": "openai", "name": "bot", "family": "t", "description": "\\ud800"}',
        422,
        "description",
    ),
    ("POST", "/providers", {"id": "acme/labs", "name": "ACME"}, 422, "id"),
    (
        "POST",
        "/routes",
        {"id": "nowhere/openai/gpt-4o", "platform": "nowhere", "model": GPT_4O, "model_string": "x"},
        422,
        "platform",
    ),
    (
        "POST",
        "/routes",
        {"id": "azure/openai/gpt-9", "platform": "azure", "model": "openai/gpt-9", "model_string": "x"},
        422,
        "model",
    ),
    ("POST", "/cost", {"model": "gpt-4o", "input_tokens": "1000"}, 422, "input_tokens"),
    ("POST", "/cost", {"model": "gpt-4o", "input_tokens": True}, 422, "input_tokens"),
    ("POST", "/cost", {"model": "gpt-4o", "input_tokens": -1}, 422, "input_tokens"),
    ("POST", "/cost", {"model": "gpt-4o", "input_tokens": 1.5}, 422, "input_tokens"),
    ("POST", "/cost", b'{"model": "gpt-4o", "input_tokens": NaN}', 422, "input_tokens"),
    ("POST", "/cost", {"model": None, "input_tokens": 1}, 422, "model"),
    ("GET", "/history/model/x%00", None, 422, "record_id"),
    ("DELETE", "/providers/openai", None, 409, None),
    ("DELETE", f"/models/{GPT_4O}", None, 409, None),
    ("DELETE", "/platforms/azure", None, 409, None),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    REQUESTS,
    ids=[f"{n}-{m}-{f or s}" for n, (m, _, _, s, f) in enumerate(REQUESTS)],
)
def test_requests_with_bad_input_get_a_problem_naming_the_field(
    reg: modelreg.Registry, http: httpx.Client, method: str, path: str, body: Any, status: int, field: str | None
) -> None:
    before = change_log(reg)
    if isinstance(body, bytes):
        answer = http.request(method, API + path, content=body, headers={"Content-Type": "application/json"})
    else:
        answer = http.request(method, API + path, json=body)
    problem = answer.json()
    assert answer.status_code == status and answer.headers["content-type"] == "application/problem+json", problem
    if field is not None:
        assert field in [e["field"] for e in problem["errors"]], problem
    else:  # a refused removal names what still refers to the record
        assert problem["referenced_by"] and all({"kind", "id", "field"} <= set(r) for r in problem["referenced_by"])
    assert change_log(reg) == before
