"""The service through HTTP: a real uvicorn server on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest

import modelreg
from modelreg.api import create_app
from tests.conftest import Server

API = "/api/registry"
Service = tuple[Server, modelreg.Registry]


def keys(reg: modelreg.Registry) -> dict[str, dict[str, str]]:
    assert reg.store is not None
    return {
        role: {"Authorization": f"Bearer {reg.store.create_key(f'{role}-key', role)}"}
        for role in ("reader", "editor", "admin")
    }


def test_read_a_model_by_its_slashed_id_with_etag_and_304(service: Service) -> None:
    server, _ = service
    with httpx.Client(base_url=server.url) as http:
        got = http.get(f"{API}/models/openai/gpt-4o")
        assert got.status_code == 200 and got.json()["limits"]["context_window"] == 128000
        assert got.headers["etag"] and got.headers["cache-control"] == "no-cache"
        again = http.get(f"{API}/models/openai/gpt-4o", headers={"If-None-Match": got.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        routes = http.get(f"{API}/models/openai/gpt-4o/routes").json()
        assert {r["platform"] for r in routes["items"]} >= {"openai", "azure", "openrouter"}


def test_list_filters_and_cursor_pages(service: Service) -> None:
    server, _ = service
    seen: list[str] = []
    with httpx.Client(base_url=server.url) as http:
        url = f"{API}/models?provider=anthropic&capability=reasoning&limit=7"
        cursor = None
        while True:
            page = http.get(url + (f"&cursor={cursor}" if cursor else "")).json()
            seen += [m["id"] for m in page["items"]]
            assert all(m["provider"] == "anthropic" and "reasoning" in m["capabilities"] for m in page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
    assert len(seen) == len(set(seen)) > 7 and seen == sorted(seen)


def test_writes_need_the_right_role_and_are_logged_under_the_key(service: Service) -> None:
    server, reg = service
    roles = keys(reg)
    with httpx.Client(base_url=server.url) as http:
        patch = {"description": "ours"}
        assert http.patch(f"{API}/models/openai/gpt-4o", json=patch).status_code == 401
        bad = http.patch(f"{API}/models/openai/gpt-4o", json=patch, headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401 and bad.headers["content-type"] == "application/problem+json"
        assert http.patch(f"{API}/models/openai/gpt-4o", json=patch, headers=roles["reader"]).status_code == 403
        ok = http.patch(f"{API}/models/openai/gpt-4o", json=patch, headers=roles["editor"])
        assert ok.status_code == 200 and ok.json()["description"] == "ours"
        platform = {"id": "acme-cloud", "name": "ACME Cloud", "kind": "cloud"}
        assert http.post(f"{API}/platforms", json=platform, headers=roles["editor"]).status_code == 403
        assert http.post(f"{API}/platforms", json=platform, headers=roles["admin"]).status_code == 201
        history = http.get(f"{API}/history/model/openai/gpt-4o").json()["items"]
        assert [h["actor"] for h in history] == ["editor-key"]


def test_seed_sub_resources_pricing_capabilities_status(service: Service) -> None:
    server, reg = service
    editor = keys(reg)["editor"]
    with httpx.Client(base_url=server.url, headers=editor) as http:
        priced = http.patch(
            f"{API}/models/openai/gpt-4o/pricing", json={"input": "2", "output": "8", "effective_from": "2026-01-01"}
        )
        assert priced.status_code == 200 and priced.json()["pricing"]["input"] == "2"
        added = http.patch(
            f"{API}/models/openai/gpt-4o/capabilities", json={"operation": "add", "capability": "web_search"}
        )
        assert "web_search" in added.json()["capabilities"]
        removed = http.patch(
            f"{API}/models/openai/gpt-4o/capabilities", json={"operation": "remove", "capability": "web_search"}
        )
        assert "web_search" not in removed.json()["capabilities"]
        status = http.patch(
            f"{API}/models/openai/gpt-4o/status",
            json={
                "status": "deprecated",
                "deprecation_date": "2027-01-01",
                "replacement": "openai/gpt-4.1",
                "migration_guide": "Use gpt-4.1",
            },
        )
        assert status.json()["lifecycle"]["replacement"] == "openai/gpt-4.1"
        bad = http.patch(f"{API}/models/openai/gpt-4o/status", json={"status": "gone"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"


def test_stale_if_match_is_412(service: Service) -> None:
    server, reg = service
    editor = keys(reg)["editor"]
    with httpx.Client(base_url=server.url, headers=editor) as http:
        tag = http.get(f"{API}/models/openai/gpt-4o").headers["etag"]
        first = http.patch(f"{API}/models/openai/gpt-4o", json={"description": "a"}, headers={"If-Match": tag})
        assert first.status_code == 200
        stale = http.patch(f"{API}/models/openai/gpt-4o", json={"description": "b"}, headers={"If-Match": tag})
        assert stale.status_code == 412 and stale.json()["title"] == "Precondition failed"
        assert http.get(f"{API}/models/openai/gpt-4o").json()["description"] == "a"


def test_errors_are_problem_documents(service: Service) -> None:
    server, reg = service
    editor = keys(reg)["editor"]
    with httpx.Client(base_url=server.url) as http:
        missing = http.get(f"{API}/models/openai/gpt4o")
        assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
        assert missing.json()["suggestions"][0] == "openai/gpt-4o"
        invalid = http.patch(f"{API}/models/openai/gpt-4o", json={"pricing": {"input": "-3"}}, headers=editor)
        assert invalid.status_code == 422 and invalid.json()["errors"][0]["field"].startswith("pricing")
        garbage = http.post(f"{API}/cost", content=b"{not json", headers={"content-type": "application/json"})
        assert garbage.status_code == 422
        assert http.get(f"{API}/resolve").status_code == 422


def test_discovery_endpoints(service: Service) -> None:
    server, _ = service
    with httpx.Client(base_url=server.url) as http:
        resolved = http.get(f"{API}/resolve", params={"name": "us.anthropic.claude-sonnet-4-5-20250929-v1:0"}).json()
        assert resolved["model"] == "anthropic/claude-sonnet-4-5-20250929" and resolved["route"].startswith("bedrock/")
        assert http.get(f"{API}/search", params={"q": "gpt-4o"}).json()["items"][0]["id"] == "openai/gpt-4o"
        assert "openai/gpt-4o" in http.get(f"{API}/capabilities").json()["vision"]
        prices = http.get(f"{API}/pricing", params={"ids": "gpt-4o,claude-sonnet-4-5"}).json()["items"]
        assert [p["pricing"]["input"] for p in prices] == ["2.5", "3"]
        cost = http.post(f"{API}/cost", json={"model": "gpt-4o", "input_tokens": 1000, "output_tokens": 500})
        assert cost.json()["total"] == "0.0075"
        usage = http.post(
            f"{API}/cost",
            json={
                "model": "claude-sonnet-4-5",
                "usage": {"input_tokens": 100, "output_tokens": 50, "cache_read_input_tokens": 1000},
            },
        ).json()
        assert usage["cache_read"] == "0.0003"
        checked = http.post(f"{API}/validate", json={"model": "o3", "params": {"temperature": 0.5}}).json()
        assert checked["valid"] is False and checked["issues"][0]["code"] == "unsupported_parameter"
        converted = http.post(f"{API}/convert", json={"model": "gemini-2.5-pro", "params": {"max_tokens": 9}})
        assert converted.json()["params"]["max_output_tokens"] == 9
        picks = http.post(
            f"{API}/recommend",
            json={"prompt_tokens": 20000, "output_tokens": 1000, "required": ["tools", "vision"], "limit": 3},
        ).json()["items"]
        assert len(picks) == 3 and float(picks[0]["cost"]["total"]) <= float(picks[-1]["cost"]["total"])
        assert "items" in http.get(f"{API}/deprecations", params={"within_days": 365}).json()


def test_health_readiness_and_metrics(service: Service) -> None:
    server, _ = service
    with httpx.Client(base_url=server.url) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        ready = http.get("/readyz").json()
        assert ready["status"] == "ok" and ready["models"] > 1000
        http.get(f"{API}/models/openai/gpt-4o")
        text = http.get("/metrics").text
        assert 'modelreg_http_requests_total{method="GET"' in text
        assert "modelreg_http_request_duration_seconds_bucket" in text and "modelreg_store_errors_total 0" in text
        assert http.get("/openapi.json").json()["info"]["title"] == "modelreg"


def test_two_instances_on_one_store_see_each_others_writes(database_url: str) -> None:
    first_reg = modelreg.load(database_url=database_url)
    second_reg = modelreg.load(database_url=database_url)
    editor = keys(first_reg)["editor"]
    with Server(create_app(first_reg)) as one, Server(create_app(second_reg)) as two, httpx.Client() as http:
        before = http.get(f"{two.url}{API}/models/openai/gpt-4o")
        written = http.patch(f"{one.url}{API}/models/openai/gpt-4o", json={"description": "from one"}, headers=editor)
        assert written.status_code == 200
        after = http.get(f"{two.url}{API}/models/openai/gpt-4o", headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200 and after.json()["description"] == "from one"
        assert after.headers["etag"] != before.headers["etag"]
    for reg in (first_reg, second_reg):
        assert reg.store is not None
        reg.store.close()


@pytest.mark.parametrize("header", ["Bearer", "Basic abc", "Token x y"])
def test_malformed_authorization_is_401(service: Service, header: str) -> None:
    server, _ = service
    with httpx.Client(base_url=server.url) as http:
        got = http.patch(f"{API}/models/openai/gpt-4o", json={}, headers={"Authorization": header})
        assert got.status_code == 401  # every 401 says which scheme we take (RFC 6750)
        assert got.headers["www-authenticate"].startswith("Bearer ") and "headers" not in got.json()


def test_kept_answers_follow_the_registrys_state(service: Service) -> None:
    server, reg = service
    editor = keys(reg)["editor"]
    with httpx.Client(base_url=server.url) as http:
        first = http.get(f"{API}/models/openai/gpt-4o")
        again = http.get(f"{API}/models/openai/gpt-4o")  # served from the kept answers
        assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
        http.patch(f"{API}/models/openai/gpt-4o", json={"description": "changed"}, headers=editor)
        after = http.get(f"{API}/models/openai/gpt-4o")
        assert after.json()["description"] == "changed" and after.headers["etag"] != first.headers["etag"]
        text = http.get("/metrics").text
        assert 'route="/api/registry/models/{model_id:path}",status="200"' in text or "models/{model_id" in text


def test_reads_can_require_a_key(database_url: str) -> None:
    from modelreg.api.settings import ApiSettings

    reg = modelreg.load(database_url=database_url)
    reader = keys(reg)["reader"]
    settings = ApiSettings(require_read_key=True, cache_control="max-age=60")
    with Server(create_app(reg, settings=settings)) as server, httpx.Client(base_url=server.url) as http:
        assert http.get(f"{API}/models/openai/gpt-4o").status_code == 401
        allowed = http.get(f"{API}/models/openai/gpt-4o", headers=reader)
        assert allowed.status_code == 200 and allowed.headers["cache-control"] == "max-age=60"
        assert http.get("/healthz").status_code == 200  # health stays open for load balancers
    assert reg.store is not None
    reg.store.close()
