"""The service's edges through HTTP on a real uvicorn server (SQLite and PostgreSQL): the order of refusals
(401, then 412, then 422), body limits (413), HEAD, read-key mode with the answer cache, key names,
metric labels, the lifecycle rules a status change keeps."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import modelreg
from modelreg.api import create_app
from modelreg.api.settings import ApiSettings
from modelreg.errors import ValidationError
from tests.conftest import Server

API = "/api/registry"
GPT_4O = f"{API}/models/openai/gpt-4o"
Service = tuple[Server, modelreg.Registry]


def key(reg: modelreg.Registry, name: str, role: str) -> dict[str, str]:
    assert reg.store is not None
    return {"Authorization": f"Bearer {reg.store.create_key(name, role)}"}


@pytest.fixture()
def served(database_url: str) -> Iterator[modelreg.Registry]:
    reg = modelreg.load(database_url=database_url)
    yield reg
    assert reg.store is not None
    reg.store.close()


def test_auth_comes_before_preconditions_before_body_validation(service: Service) -> None:
    server, reg = service
    editor, reader = key(reg, "editor", "editor"), key(reg, "reader", "reader")
    stale = {"If-Match": '"not-the-current-state"'}
    not_json = {"Content-Type": "application/json"}
    with httpx.Client(base_url=server.url) as http:
        current = {"If-Match": http.get(GPT_4O).headers["etag"]}
        for body in ({"json": {"capabilities": "many"}}, {"content": b"{not json", "headers": not_json}):
            extra = body.pop("headers", {})
            anonymous = http.patch(GPT_4O, headers={**stale, **extra}, **body)  # type: ignore[arg-type]
            assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"].startswith("Bearer")
            assert "current_etag" not in anonymous.json()  # the state is not told to strangers
            weak = http.patch(GPT_4O, headers={**stale, **reader, **extra}, **body)  # type: ignore[arg-type]
            assert weak.status_code == 403
            moved = http.patch(GPT_4O, headers={**stale, **editor, **extra}, **body)  # type: ignore[arg-type]
            assert moved.status_code == 412 and moved.json()["current_etag"] == current["If-Match"]
            invalid = http.patch(GPT_4O, headers={**current, **editor, **extra}, **body)  # type: ignore[arg-type]
            assert invalid.status_code == 422 and invalid.headers["content-type"] == "application/problem+json"
            assert {e["field"] for e in invalid.json()["errors"]} & {"capabilities", "body"}
        # no If-Match at all: still who first, then the body
        assert http.post(f"{API}/models", content=b"{", headers=not_json).status_code == 401
        assert http.post(f"{API}/models", content=b"{", headers={**not_json, **editor}).status_code == 422
    assert reg.history("model", "openai/gpt-4o") == []


def test_every_401_says_how_to_authenticate(service: Service) -> None:
    server, reg = service
    assert reg.store is not None
    gone = key(reg, "gone", "editor")
    reg.store.revoke_key("gone")
    with httpx.Client(base_url=server.url) as http:
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic YTpi"}, gone):
            refused = http.delete(GPT_4O, headers=headers)
            assert refused.status_code == 401, headers
            assert refused.headers["www-authenticate"].startswith("Bearer realm=")
            assert refused.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("content_length", [True, False], ids=["content-length", "chunked"])
def test_bodies_over_the_limit_get_413_before_parsing(served: modelreg.Registry, content_length: bool) -> None:
    limit = 4096
    settings = ApiSettings(max_body_bytes=limit)
    big = b'{"model": "gpt-4o", "input_tokens": 1' + b" " * limit + b"}"
    fits = b'{"model": "gpt-4o", "input_tokens": 1000}'.ljust(limit, b" ")

    def chunks(body: bytes) -> Iterator[bytes]:  # a generator: httpx sends it chunked, without Content-Length
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    with Server(create_app(served, settings=settings)) as server, httpx.Client(base_url=server.url) as http:
        for body, status in ((big, 413), (fits, 200)):
            sent = http.post(
                f"{API}/cost",
                content=body if content_length else chunks(body),
                headers={"Content-Type": "application/json"},
            )
            assert sent.status_code == status, sent.text
            if status == 413:
                assert sent.json()["title"] == "Content too large" and f"{limit:,} bytes" in sent.json()["detail"]
        assert http.get("/metrics").text.count('status="413"') == 1


def test_a_50_mb_declared_body_is_refused_without_reading_it(service: Service) -> None:
    """The default limit (1 MiB): a client announcing 50 MB gets 413 while it has sent almost nothing."""
    server, _ = service
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        raw.sendall(
            b"POST /api/registry/cost HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b"Content-Length: 52428800\r\n\r\n{"
        )
        answer = raw.recv(4096).decode("latin-1")
    assert answer.startswith("HTTP/1.1 413") and "application/problem+json" in answer.lower()


def test_the_body_limit_comes_from_the_environment() -> None:
    assert ApiSettings.from_env({}).max_body_bytes == 1024 * 1024
    assert ApiSettings.from_env({"MODELREG_MAX_BODY_BYTES": "2048"}).max_body_bytes == 2048
    with pytest.raises(ValidationError, match="MODELREG_MAX_BODY_BYTES"):
        ApiSettings.from_env({"MODELREG_MAX_BODY_BYTES": "1MB"})


@pytest.mark.parametrize(
    "path",
    [
        GPT_4O,
        f"{API}/models?provider=anthropic&limit=3",
        f"{API}/resolve?name=gpt-4o",
        f"{API}/models/openai/gpt-9",  # a 404 too
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        "/docs",
        "/redoc",
    ],
)
def test_head_answers_like_get_without_the_body(service: Service, path: str) -> None:
    server, _ = service
    with httpx.Client(base_url=server.url) as http:
        got = http.get(path)
        head = http.head(path)
    assert head.status_code == got.status_code and head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    if path.startswith(API) and got.status_code == 200:
        assert head.headers["etag"] == got.headers["etag"]
    if path != "/metrics":  # metrics grow between the two requests
        assert int(head.headers["content-length"]) == len(got.content)


def test_read_key_mode_covers_every_read_path_and_the_kept_answers(served: modelreg.Registry) -> None:
    reader = key(served, "reader", "reader")
    settings = ApiSettings(require_read_key=True, cache_control="max-age=60")
    with Server(create_app(served, settings=settings)) as server, httpx.Client(base_url=server.url) as http:
        allowed = http.get(GPT_4O, headers=reader)  # kept for the next asker...
        assert allowed.status_code == 200 and allowed.headers["cache-control"] == "max-age=60"
        assert http.get(GPT_4O, headers=reader).content == allowed.content
        for path in (GPT_4O, f"{API}/models", "/metrics", "/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
            for method in ("GET", "HEAD"):
                refused = http.request(method, path)  # ...but only after they said who they are
                assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer"), path
        unchanged = http.get(GPT_4O, headers={"If-None-Match": allowed.headers["etag"]})
        assert unchanged.status_code == 401  # not a 304 from the cache
        assert http.post(f"{API}/cost", json={"model": "gpt-4o", "input_tokens": 1}).status_code == 401
        assert http.post(f"{API}/cost", json={"model": "gpt-4o", "input_tokens": 1}, headers=reader).status_code == 200
        for path in ("/metrics", "/openapi.json", "/docs"):
            assert http.get(path, headers=reader).status_code == 200
        for path in ("/healthz", "/readyz"):  # load balancers probe these without a key
            assert http.get(path).status_code == 200


def test_readyz_tells_the_engine_not_the_url(service: Service) -> None:
    server, reg = service
    assert reg.store is not None
    with httpx.Client(base_url=server.url) as http:
        ready = http.get("/readyz")
    assert ready.json()["store"]["database"] == reg.store.engine.dialect.name
    url = reg.store.engine.url
    assert str(url.database) not in ready.text and "://" not in ready.text


def test_a_revoked_keys_name_can_be_used_again(database_url: str) -> None:
    modelreg_cli = str(Path(sys.executable).parent / "modelreg")
    env = {**os.environ, "MODELREG_DATABASE_URL": database_url}

    def cli(*args: str) -> str:
        done = subprocess.run([modelreg_cli, *args], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout.strip()

    first = cli("keys", "create", "ci-bot", "--role", "editor")
    cli("keys", "revoke", "ci-bot")
    second = cli("keys", "create", "ci-bot", "--role", "editor")
    assert second != first
    reg = modelreg.load(database_url=database_url)
    with Server(create_app(reg)) as server, httpx.Client(base_url=server.url) as http:
        old = http.patch(GPT_4O, json={"description": "old key"}, headers={"Authorization": f"Bearer {first}"})
        assert old.status_code == 401
        new = http.patch(GPT_4O, json={"description": "new key"}, headers={"Authorization": f"Bearer {second}"})
        assert new.status_code == 200
    assert [c.actor for c in reg.history("model", "openai/gpt-4o")] == ["ci-bot"]
    assert reg.store is not None
    reg.store.close()


def test_made_up_methods_add_no_metric_series(service: Service) -> None:
    server, _ = service
    with httpx.Client(base_url=server.url) as http:
        # methods the HTTP parser passes (llhttp knows WebDAV's) but no route takes; a method it does not know
        # never reaches the app (400 from the server)
        for method in ("PURGE", "LOCK", "PROPFIND", "MKCOL"):
            assert http.request(method, f"{API}/models").status_code == 405
        http.get(GPT_4O)
        text = http.get("/metrics").text
    methods = {line.split('method="')[1].split('"')[0] for line in text.splitlines() if 'method="' in line}
    assert methods == {"GET", "other"}
    other = [line for line in text.splitlines() if line.startswith('modelreg_http_requests_total{method="other"')]
    assert len(other) == 1 and 'status="405"' in other[0] and other[0].endswith(" 4")


def test_a_status_change_keeps_what_it_does_not_name(service: Service) -> None:
    server, reg = service
    editor = key(reg, "editor", "editor")
    with httpx.Client(base_url=server.url, headers=editor) as http:
        http.patch(
            f"{GPT_4O}/status",
            json={"status": "deprecated", "deprecation_date": "2027-01-01", "replacement": "openai/gpt-4.1"},
        ).raise_for_status()
        retired = http.patch(f"{GPT_4O}/status", json={"status": "retired", "retirement_date": "2027-06-01"})
        assert retired.status_code == 200
        lifecycle = retired.json()["lifecycle"]
        assert lifecycle["replacement"] == "openai/gpt-4.1" and lifecycle["deprecation_date"] == "2027-01-01"
        patched = http.patch(GPT_4O, json={"lifecycle": {"migration_guide": "Use gpt-4.1"}}).json()["lifecycle"]
        assert patched["replacement"] == "openai/gpt-4.1" and patched["status"] == "retired"


def test_a_record_is_removed_once_nothing_refers_to_it(service: Service) -> None:
    server, reg = service
    admin = key(reg, "admin", "admin")
    bot = {"id": "acme/bot", "provider": "acme", "name": "bot", "family": "acme"}
    with httpx.Client(base_url=server.url, headers=admin) as http:
        assert http.post(f"{API}/models", json=bot).status_code == 422  # no provider acme yet
        assert http.post(f"{API}/providers", json={"id": "acme", "name": "ACME"}).status_code == 201
        assert http.post(f"{API}/models", json=bot).status_code == 201
        held = http.delete(f"{API}/providers/acme")
        assert held.status_code == 409 and held.json()["referenced_by"] == [
            {"kind": "model", "id": "acme/bot", "field": "provider"}
        ]
        assert http.delete(f"{API}/models/acme/bot").status_code == 204
        assert http.delete(f"{API}/providers/acme").status_code == 204
        assert http.get(f"{API}/providers/acme").status_code == 404
