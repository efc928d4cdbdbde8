"""Writes through HTTP, one at a time: preconditions, price changes, what an update may not change,
readiness. Real server on loopback, SQLite and PostgreSQL."""

from __future__ import annotations

import httpx

import modelreg
from tests.conftest import Server
from tests.helpers import API, editor_key

Service = tuple[Server, modelreg.Registry]
MODEL = "openai/gpt-4o"


def test_preconditions_name_a_record_version(service: Service) -> None:
    server, reg = service
    with httpx.Client(base_url=f"{server.url}{API}", headers=editor_key(reg)) as http:
        tag = http.get(f"/models/{MODEL}").headers["etag"]
        for wrong in ('"garbage"', '"catalog.model.x"', tag.replace(".model.", ".route."), f"W/{tag}x"):
            refused = http.patch(f"/models/{MODEL}", json={"description": "x"}, headers={"If-Match": wrong})
            assert refused.status_code == 412 and refused.json()["current_etag"] == tag
        missing = http.patch("/models/openai/gpt-99", json={"description": "x"}, headers={"If-Match": tag})
        assert missing.status_code == 404
        anything = http.patch(f"/models/{MODEL}", json={"description": "any"}, headers={"If-Match": "*"})
        assert anything.status_code == 200 and anything.headers["etag"] != tag
        several = http.patch(
            f"/models/{MODEL}", json={"description": "b"}, headers={"If-Match": f'"nope", {anything.headers["etag"]}'}
        )
        assert several.status_code == 200
        stale = http.delete(f"/models/{MODEL}", headers={"If-Match": tag})
        assert stale.status_code == 412 and http.get(f"/models/{MODEL}").status_code == 200
        in_use = http.delete(f"/models/{MODEL}", headers={"If-Match": several.headers["etag"]})
        assert in_use.status_code == 409 and in_use.json()["referenced_by"]  # its routes refer to it
        own = {"id": "openai/ours-1", "provider": "openai", "name": "ours-1", "family": "gpt"}
        created = http.post("/models", json=own)
        assert created.status_code == 201
        gone = http.delete("/models/openai/ours-1", headers={"If-Match": created.headers["etag"]})
        assert gone.status_code == 204 and http.get("/models/openai/ours-1").status_code == 404
        provider = http.get("/providers/openai")
        assert provider.headers["etag"].strip('"').split(".")[1:] == ["provider", "0"]


def test_price_changes_through_http(service: Service) -> None:
    server, reg = service
    with httpx.Client(base_url=f"{server.url}{API}", headers=editor_key(reg)) as http:
        empty = http.patch(f"/models/{MODEL}/pricing", json={"effective_from": "2020-01-01"})
        assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "pricing"
        huge = http.patch(f"/models/{MODEL}/pricing", json={"input": "1e1000000000", "effective_from": "2020-01-01"})
        assert huge.status_code == 422 and huge.json()["errors"][0]["field"] == "input"
        assert http.post("/cost", json={"model": "gpt-4o", "input_tokens": 1000}).status_code == 200
        cleared = http.patch(f"/models/{MODEL}/pricing", json={"cache_read": None, "effective_from": "2020-01-01"})
        assert cleared.status_code == 200 and cleared.json()["pricing"]["cache_read"] is None
        assert cleared.json()["pricing"]["input"] == "2.5"  # not named: carried over
        route = http.patch("/models/openai/openai/gpt-4o/pricing", json={"input": "1"})
        assert route.status_code == 404  # a route id is not a model's


def test_an_update_may_repeat_prices_and_sources_but_not_change_them(service: Service) -> None:
    server, reg = service
    with httpx.Client(base_url=f"{server.url}{API}", headers=editor_key(reg)) as http:
        read = http.get(f"/models/{MODEL}").json()
        for field, value in (("pricing", {"input": "0"}), ("sources", []), ("price_history", [{"input": "1"}])):
            refused = http.patch(f"/models/{MODEL}", json={field: value})
            assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == field
        echoed = http.patch(f"/models/{MODEL}", json={**read, "description": "read, changed, sent back"})
        assert echoed.status_code == 200 and echoed.json()["pricing"] == read["pricing"]
        history = http.get(f"/history/model/{MODEL}").json()["items"]
        assert [h["after"]["data"] for h in history] == [{"description": "read, changed, sent back"}]


def test_readiness_says_whether_the_store_takes_writes_without_its_url(service: Service) -> None:
    server, reg = service
    assert reg.store is not None
    with httpx.Client(base_url=server.url) as http:
        ready = http.get("/readyz")
        assert ready.status_code == 200 and ready.json()["store"]["writable"] is True
        assert ready.json()["store"]["database"] in ("sqlite", "postgresql")
        url = reg.store.engine.url
        assert str(url.database) not in ready.text and "postgres@" not in ready.text
