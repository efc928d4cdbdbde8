"""The hot answers the ASGI layer gives without FastAPI (POST /cost, GET of one model, /resolve, pages of
/models) are FastAPI's answers, byte for byte: two real servers over one registry, one with the fast
answers and one without (MODELREG_FAST_ANSWERS=0), are asked the same things and must answer alike —
status, headers and body — for good requests and bad ones alike."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

import modelreg
from modelreg.api import create_app
from modelreg.api.routes.models import ModelPage
from modelreg.api.settings import ApiSettings
from tests.conftest import Server

API = "/api/registry"
Pair = tuple[httpx.Client, httpx.Client, modelreg.Registry]
_CURSOR = base64.urlsafe_b64encode(b"anthropic/claude-3-5-sonnet").decode().rstrip("=")

REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/models/openai/gpt-4o", {}),
    ("GET", "/models/openai/gpt-4o?extra=ignored", {}),
    ("GET", "/models/anthropic/claude-sonnet-4-5-20250929", {}),
    ("GET", "/models/openai/no-such-model", {}),
    ("GET", "/models/openai/gpt-4o/", {}),
    ("GET", "/models/openai/gpt-4o/routes", {}),
    ("GET", "/models/x%00y", {}),
    ("HEAD", "/models/openai/gpt-4o", {}),
    ("GET", "/resolve?name=us.anthropic.claude-sonnet-4-5-20250929-v1:0", {}),
    ("GET", "/resolve?name=GPT-4o", {}),
    ("GET", "/resolve?name=gpt-9-ultra", {}),
    ("GET", "/resolve?name=", {}),
    ("GET", "/resolve", {}),
    ("GET", "/resolve?name=gpt-4o&name=o3", {}),
    ("GET", "/models", {}),
    ("GET", "/models?limit=3", {}),
    ("GET", "/models?limit=500&provider=anthropic", {}),
    ("GET", "/models?provider=openai&capability=vision&capability=tools&limit=4", {}),
    ("GET", "/models?status=deprecated&limit=5", {}),
    ("GET", "/models?q=sonnet&limit=2&cursor=" + _CURSOR, {}),
    ("GET", "/models?family=gemini&limit=2", {}),
    ("GET", "/models?limit=0", {}),
    ("GET", "/models?limit=501", {}),
    ("GET", "/models?limit=ten", {}),
    ("GET", "/models?limit=%EF%BC%95", {}),  # a full-width digit five
    ("GET", "/models?capability=telepathy", {}),
    ("GET", "/models?status=gone", {}),
    ("GET", "/models?cursor=%%%", {}),
    ("GET", "/models?cursor=_w", {}),  # not UTF-8 once decoded
    ("GET", "/models?provider=openai&provider=anthropic&limit=2", {}),
    ("GET", "/models?max_input_price=1&limit=3", {}),
    ("GET", "/models?limit=2&min_context=100000", {}),
    ("GET", "/models?limit=2&unknown=7&unknown=8", {}),  # FastAPI ignores what it does not know
    ("POST", "/cost", {"json": {"model": "gpt-4o", "input_tokens": 1000, "output_tokens": 500}}),
    ("POST", "/cost", {"json": {"model": "claude-sonnet-4-5", "input_tokens": 250_000, "cache_read_tokens": 9}}),
    ("POST", "/cost", {"json": {"model": "gpt-4o", "input_tokens": 10, "batch": True}}),
    ("POST", "/cost", {"json": {"model": "gpt-4o", "usage": {"prompt_tokens": 10, "completion_tokens": 4}}}),
    ("POST", "/cost", {"json": {"model": "gpt-4o", "input_tokens": "1000"}}),
    ("POST", "/cost", {"json": {"model": "gpt-4o", "input_tokens": -1}}),
    ("POST", "/cost", {"json": {"model": "gpt-4o", "input_tokens": 1.0}}),
    ("POST", "/cost", {"json": {"model": "gpt-4o", "colour": "red"}}),
    ("POST", "/cost", {"json": {"model": "gpt-9-ultra", "input_tokens": 1}}),
    ("POST", "/cost", {"json": ["gpt-4o"]}),
    (
        "POST",
        "/cost",
        {"content": b'{"model": "gpt-4o", "input_tokens": 5', "headers": {"content-type": "application/json"}},
    ),
    (
        "POST",
        "/cost",
        {"content": b'{"model": "gpt-4o", "input_tokens": NaN}', "headers": {"content-type": "application/json"}},
    ),
    (
        "POST",
        "/cost",
        {"content": b'{"model": "gpt-4o", "input_tokens": 5}', "headers": {"content-type": "text/plain"}},
    ),
    ("POST", "/cost", {"content": b'{"model": "gpt-4o", "input_tokens": 5}'}),
    (
        "POST",
        "/cost",
        {
            "content": b'{"model":"gpt-4o","input_tokens":5}',
            "headers": {"content-type": "application/json; charset=utf-8"},
        },
    ),
]

GOOD = [REQUESTS[0], REQUESTS[8], REQUESTS[14], REQUESTS[31]]  # one good question of each kind


def _pair(reg: modelreg.Registry, **settings: object) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    fast = create_app(reg, settings=ApiSettings(**settings))  # type: ignore[arg-type]
    slow = create_app(reg, settings=ApiSettings(fast_answers=False, **settings))  # type: ignore[arg-type]
    with Server(fast) as a, Server(slow) as b, httpx.Client(base_url=a.url) as x, httpx.Client(base_url=b.url) as y:
        yield x, y


@pytest.fixture()
def pair(database_url: str) -> Iterator[Pair]:
    reg = modelreg.load(database_url=database_url)
    for fast, slow in _pair(reg):
        yield fast, slow, reg
    assert reg.store is not None
    reg.store.close()


def _seen(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = sorted((k, v) for k, v in response.headers.items() if k not in ("date", "server"))
    return response.status_code, headers, response.content


def _both(pair: Pair, method: str, path: str, **options: object) -> tuple[httpx.Response, httpx.Response]:
    fast, slow, _ = pair
    return fast.request(method, API + path, **options), slow.request(method, API + path, **options)  # type: ignore[arg-type]


@pytest.mark.filterwarnings("ignore::modelreg.DeprecatedModelWarning")
def test_the_fast_answers_are_fastapis_answers(pair: Pair) -> None:
    for method, path, options in REQUESTS:
        for _ in range(2):  # the first answer, then the kept one
            fast, slow = _both(pair, method, path, **options)
            assert _seen(fast) == _seen(slow), (method, path, fast.text[:300], slow.text[:300])
    statuses = {_both(pair, method, path, **options)[0].status_code for method, path, options in REQUESTS}
    assert statuses == {200, 400, 404, 422}  # the list above does ask good and bad questions


@pytest.mark.filterwarnings("ignore::modelreg.DeprecatedModelWarning")
def test_etags_and_304s_agree(pair: Pair) -> None:
    for path in ("/models/openai/gpt-4o", "/models?limit=2", "/resolve?name=gpt-4o"):
        fast, slow = _both(pair, "GET", path)
        assert fast.headers["etag"] == slow.headers["etag"]
        for tag in (fast.headers["etag"], f"W/{fast.headers['etag']}", '"other", ' + fast.headers["etag"]):
            again_fast, again_slow = _both(pair, "GET", path, headers={"If-None-Match": tag})
            assert again_fast.status_code == again_slow.status_code == 304
            assert again_fast.headers["etag"] == again_slow.headers["etag"] == fast.headers["etag"]


def test_a_page_is_the_documented_schema_and_the_pages_cover_the_list(pair: Pair) -> None:
    fast, _, reg = pair
    seen: list[str] = []
    cursor = None
    while True:
        body = fast.get(f"{API}/models", params={"limit": 500, **({"cursor": cursor} if cursor else {})}).content
        page = ModelPage.model_validate_json(body)
        seen += [m.id for m in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == sorted(m.id for m in reg.models())  # every model, deprecated ones too
    listed = ModelPage.model_validate_json(fast.get(f"{API}/models", params={"q": "gpt-4o-mini", "limit": 1}).content)
    compared = reg.price_to_compare(listed.items[0].id)
    assert (listed.items[0].price_to_compare.input, listed.items[0].price_to_compare.output) == (
        compared.input,
        compared.output,
    )


@pytest.mark.filterwarnings("ignore::modelreg.DeprecatedModelWarning")
def test_fast_answers_follow_writes_at_once(pair: Pair) -> None:
    fast, slow, reg = pair
    assert reg.store is not None
    editor = {"Authorization": f"Bearer {reg.store.create_key('ed', 'editor')}"}
    before = fast.get(f"{API}/models/openai/gpt-4o")
    cost_before = fast.post(f"{API}/cost", json={"model": "gpt-4o", "input_tokens": 1_000_000}).json()
    listed_before = fast.get(f"{API}/models", params={"provider": "openai", "q": "gpt-4o", "limit": 500}).json()
    changed = fast.patch(
        f"{API}/models/openai/gpt-4o/pricing",
        json={"input": "7.5"},
        headers={**editor, "If-Match": before.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    after = fast.get(f"{API}/models/openai/gpt-4o")
    assert after.headers["etag"] != before.headers["etag"] and after.json()["pricing"]["input"] == "7.5"
    assert fast.post(f"{API}/cost", json={"model": "gpt-4o", "input_tokens": 1_000_000}).json()["total"] == "7.5"
    assert cost_before["total"] != "7.5"
    listed = fast.get(f"{API}/models", params={"provider": "openai", "q": "gpt-4o", "limit": 500}).json()
    row = next(m for m in listed["items"] if m["id"] == "openai/gpt-4o")
    assert row["pricing"]["input"] == "7.5" and listed != listed_before
    assert _seen(after) == _seen(slow.get(f"{API}/models/openai/gpt-4o"))


def test_reads_that_need_a_key_are_refused_before_a_fast_answer(database_url: str) -> None:
    reg = modelreg.load(database_url=database_url)
    assert reg.store is not None
    reader = {"Authorization": f"Bearer {reg.store.create_key('reader', 'reader')}"}
    for fast, slow in _pair(reg, require_read_key=True):
        for method, path, options in GOOD:
            for client in (fast, slow):
                refused = client.request(method, API + path, **options)  # type: ignore[arg-type]
                assert refused.status_code == 401 and "www-authenticate" in refused.headers
                revoked = client.request(method, API + path, headers={"Authorization": "Bearer nope"}, **options)  # type: ignore[arg-type]
                assert revoked.status_code == 401
            answered = [c.request(method, API + path, headers=reader, **options) for c in (fast, slow)]  # type: ignore[arg-type]
            assert answered[0].status_code == 200 and _seen(answered[0]) == _seen(answered[1])
    reg.store.close()


def test_metrics_name_the_route_a_fast_answer_stands_for(pair: Pair) -> None:
    fast, _, _ = pair
    fast.get(f"{API}/models/openai/gpt-4o")
    fast.get(f"{API}/models/openai/gpt-4o")  # kept
    fast.post(f"{API}/cost", json={"model": "gpt-4o", "input_tokens": 1})
    text = fast.get("/metrics").text
    assert 'route="/api/registry/models/{model_id:path}",status="200"} 2' in text
    assert 'route="/api/registry/cost",status="200"} 1' in text


def test_kept_answers_are_bounded_in_bytes_as_well_as_number(registry: modelreg.Registry) -> None:
    from modelreg.api.metrics import Metrics
    from modelreg.api.middleware import ServiceLayer

    layer = ServiceLayer(
        create_app(registry),
        registry=registry,
        prefix=API,
        cache_control="no-cache",
        metrics=Metrics(),
        max_answer_bytes=300_000,
    )
    with Server(layer) as server, httpx.Client(base_url=server.url) as http:
        pages = [http.get(f"{API}/models", params={"limit": 100, "n": n}) for n in range(12)]
        again = [http.get(f"{API}/models", params={"limit": 100, "n": n}) for n in range(12)]
    assert all(page.status_code == 200 for page in pages)
    assert [a.content for a in again] == [p.content for p in pages]
    assert 0 < layer.answer_bytes <= 300_000 < sum(len(p.content) for p in pages)
    assert len(layer.answers) < len(pages)
