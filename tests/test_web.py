"""The page, end to end: a real ``modelreg serve`` on loopback over a fresh SQLite store, read over plain
HTTP (fast checks of the HTML) and driven in a real browser (Playwright with Debian's chromium): filter
and sort the table, resolve a platform string, open a model, compare two, price calls, edit a price with
an editor key and see it in the history, decide held sync changes, and a phone-width view. Screenshots and
the measured timings go to ``test-artifacts/``."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

import modelreg
from modelreg import format
from tests.helpers.browser import chromium

MODELREG = str(Path(sys.executable).with_name("modelreg"))
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
BEDROCK_STRING = "us.anthropic.claude-3-5-sonnet-20241022-v2:0"
EDITED = "openai/gpt-4o-mini"  # the browser edits this model's price; no other test reads it
HELD = "openai/gpt-4.1"  # a held sync change to accept moves this model's price
TIMINGS: dict[str, float] = {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Site:
    def __init__(self, url: str, key: str, database_url: str) -> None:
        self.url, self.key, self.database_url = url, key, database_url

    def get(self, path: str, **options: Any) -> httpx.Response:
        return httpx.get(self.url + path, timeout=30, **options)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """``modelreg serve`` over a fresh SQLite store, and an editor key made by ``modelreg keys create``."""
    folder = tmp_path_factory.mktemp("web")
    database_url = f"sqlite:///{folder / 'store.sqlite3'}"
    env = {**os.environ, "MODELREG_DATABASE_URL": database_url, "XDG_CACHE_HOME": str(folder / "cache")}
    made = subprocess.run(
        [MODELREG, "keys", "create", "web-editor", "--role", "editor"], env=env, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    port = _free_port()
    proc = subprocess.Popen(
        [MODELREG, "serve", "--quiet", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield Site(url, made.stdout.strip(), database_url)
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


@pytest.fixture(scope="module")
def timings(request: pytest.FixtureRequest) -> Iterator[dict[str, float]]:
    """What the browser measured: printed and written to test-artifacts/timings.json at the end."""
    yield TIMINGS
    if TIMINGS:
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "timings.json").write_text(json.dumps(TIMINGS, indent=2, sort_keys=True) + "\n")
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        line = f"\npage timings (ms), also in {ARTIFACTS / 'timings.json'}: {json.dumps(TIMINGS, sort_keys=True)}"
        if capture is not None:
            with capture.global_and_fixture_disabled():  # shown even when output is captured
                print(line)
        else:
            print(line)


def _ids(html: str) -> list[str]:
    """The model ids of the browse table's rows, in order."""
    table = html[html.index('<table class="models"') :]
    return re.findall(r'<input type="checkbox" name="ids" value="([^"]+)" form="pick"', table)


def _server_timing(answer: httpx.Response) -> float:
    """How long the server took to make the page (its ``Server-Timing`` header), in ms."""
    return float(answer.headers["server-timing"].partition("dur=")[2])


def _sorted_by_context(registry: modelreg.Registry, ids: list[str]) -> list[str]:
    """The table's "-context" order: largest first, unknown (0) last, ties by id."""
    context = {row.id: row.context for row in registry.facts()}
    return sorted(ids, key=lambda i: (context[i] == 0, -context[i], i))


# -- plain HTTP: the HTML itself ---------------------------------------------------------------------------


def test_filter_and_sort_are_the_registrys_find(site: Site, registry: modelreg.Registry) -> None:
    found = registry.find_ids(provider="anthropic", required=["tools"], include_deprecated=True)
    expected = _sorted_by_context(registry, found)
    assert len(expected) > 10
    page = site.get("/?provider=anthropic&cap=tools&sort=-context&per=1000")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert _ids(page.text) == expected
    second = site.get("/?provider=anthropic&cap=tools&sort=-context&page=2&per=10")
    assert _ids(second.text) == expected[10:20]
    past = site.get("/?provider=anthropic&cap=tools&sort=-context&page=99&per=10")  # the last page, not nothing
    assert _ids(past.text) == expected[(len(expected) - 1) // 10 * 10 :]
    excluded = site.get("/?provider=anthropic&cap=tools&nocap=vision&status=current&max_input=5")
    assert (
        _ids(excluded.text)
        == registry.find_ids(provider="anthropic", required=["tools"], excluded=["vision"], max_input_price=5)[:50]
    )


def test_the_whole_catalog_pages_and_renders_fast(site: Site, registry: modelreg.Registry) -> None:
    everything = registry.find_ids(include_deprecated=True)
    first = site.get("/")
    assert _ids(first.text) == everything[:50]
    assert f"of {len(everything)}" in first.text
    cold = site.get("/?per=1000")  # every row written for this state
    started = time.perf_counter()
    full = site.get("/?per=1000&sort=input")  # the rows written before, sorted anew
    TIMINGS["http_full_table_1000_rows_ms"] = round((time.perf_counter() - started) * 1000, 1)
    TIMINGS["server_full_table_1000_rows_first_ms"] = _server_timing(cold)
    TIMINGS["server_full_table_1000_rows_ms"] = _server_timing(full)
    assert len(_ids(full.text)) == min(1000, len(everything))


def test_search_resolves_any_platform_string(site: Site) -> None:
    page = site.get("/", params={"q": BEDROCK_STRING})
    assert _ids(page.text)[0] == "anthropic/claude-3-5-sonnet-20241022"
    assert "bedrock/anthropic/claude-3-5-sonnet-20241022" in page.text
    assert _ids(site.get("/?q=claude-3-5-sonnet").text)  # and plain text still searches


def test_unreadable_filters_are_said_not_fatal(site: Site, registry: modelreg.Registry) -> None:
    page = site.get("/?min_context=lots&sort=colour&cap=telepathy&provider=nobody")
    assert page.status_code == 200
    assert page.text.count('class="problem"') == 4
    assert _ids(page.text) == registry.find_ids(include_deprecated=True)[:50]
    spelled = site.get("/?provider=Anthropic")  # any letter case, as the CLI takes it
    assert 'class="problem"' not in spelled.text
    assert _ids(spelled.text) == registry.find_ids(provider="anthropic", include_deprecated=True)[:50]


def test_pages_carry_an_etag_and_answer_304(site: Site) -> None:
    first = site.get("/?provider=openai")
    tag = first.headers["etag"]
    again = site.get("/?provider=openai", headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert "default-src 'self'" in first.headers["content-security-policy"]


def test_a_model_by_another_name_redirects_and_an_unknown_one_is_404(site: Site) -> None:
    moved = site.get("/models/gpt-4o")
    assert moved.status_code == 307 and moved.headers["location"] == "/models/openai/gpt-4o"
    missing = site.get("/models/openai/gpt-9-ultra")
    assert missing.status_code == 404 and "No model is called" in missing.text


class _Audit(HTMLParser):
    """What an accessibility check reads: labels, controls, images, the document's language."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.labelled: set[str] = set()
        self.controls: list[dict[str, str | None]] = []
        self.images: list[dict[str, str | None]] = []
        self.svgs: list[dict[str, str | None]] = []
        self.h1 = 0
        self._in_label = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "label":
            self._in_label += 1
            if a.get("for"):
                self.labelled.add(a["for"] or "")
        elif tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append({**a, "wrapped": "yes" if self._in_label else None})
        elif tag == "img":
            self.images.append(a)
        elif tag == "svg":
            self.svgs.append(a)
        elif tag == "h1":
            self.h1 += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._in_label -= 1


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?q=gpt-4o",
        "/models/openai/gpt-4o",
        "/compare?ids=openai/gpt-4o&ids=anthropic/claude-sonnet-4-5-20250929",
        "/cost?ids=openai/gpt-4o",
        "/status",
    ],
)
def test_every_page_has_the_accessibility_basics(site: Site, path: str) -> None:
    page = site.get(path)
    assert page.status_code == 200
    audit = _Audit()
    audit.feed(page.text)
    assert audit.lang == "en"
    assert audit.h1 == 1
    unlabelled = [
        c for c in audit.controls if not (c.get("aria-label") or c.get("wrapped") or c.get("id") in audit.labelled)
    ]
    assert unlabelled == []
    assert all(image.get("alt") for image in audit.images)
    assert all(svg.get("role") == "img" and svg.get("aria-label") for svg in audit.svgs)
    assert 'class="skip" href="#main"' in page.text


def test_the_stylesheet_and_script_are_the_packages_own(site: Site) -> None:
    page = site.get("/").text
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', page):
        answer = site.get(asset)
        assert answer.status_code == 200 and "immutable" in answer.headers["cache-control"]
    assert "http://" not in page.split("<body>")[0] and "https://" not in page.split("<body>")[0]


# -- in the browser ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], errors


def _shot(page: Any, name: str, *, full: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full)


def _use_key(page: Any, key: str) -> None:
    """Type the editor key into the header's panel (opening it unless it is open)."""
    if not page.evaluate("() => document.getElementById('key-panel').open"):
        page.click("#key-panel summary")
    page.fill("#key-input", key)
    page.click("#key-form button[type=submit]")


def _query(page: Any) -> dict[str, list[str]]:
    pairs: dict[str, list[str]] = {}
    for name, value in parse_qsl(urlsplit(page.url).query):
        pairs.setdefault(name, []).append(value)
    return pairs


def _table_ids(page: Any) -> list[str]:
    return page.eval_on_selector_all("#models tbody input[name=ids]", "boxes => boxes.map(b => b.value)")


def _wait_for_results(page: Any, fragment: str) -> None:
    page.wait_for_function(
        "fragment => document.querySelector('#results').dataset.query.includes(fragment)", arg=fragment
    )


MEASURE_FILTER = """fragment => {
  window.filtered = new Promise(resolve => {
    let started = 0;
    document.getElementById("filters").addEventListener("change", () => { started = performance.now(); },
      { capture: true, once: true });
    new MutationObserver((_, observer) => {
      const results = document.getElementById("results");
      if (results && results.dataset.query.includes(fragment)) {
        observer.disconnect();
        requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started)));
      }
    }).observe(document.getElementById("main"), { childList: true, subtree: true });
  });
}"""


def test_browser_filters_and_sorts_the_table(
    site: Site, page: Any, registry: modelreg.Registry, timings: dict[str, float]
) -> None:
    first_paint = "() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime"
    page.goto(site.url + "/")  # the first page of a fresh browser: its start-up is in this one
    timings["first_contentful_paint_cold_ms"] = round(page.wait_for_function(first_paint).json_value(), 1)
    page.goto(site.url + "/?")
    timings["first_contentful_paint_ms"] = round(page.wait_for_function(first_paint).json_value(), 1)
    navigation = page.evaluate("() => performance.getEntriesByType('navigation')[0].toJSON()")
    timings["dom_content_loaded_ms"] = round(navigation["domContentLoadedEventEnd"], 1)
    timings["server_first_page_ms"] = navigation["serverTiming"][0]["duration"]
    assert _table_ids(page) == registry.find_ids(include_deprecated=True)[:50]
    _shot(page, "browse")

    page.keyboard.press("Tab")  # the first stop is the skip link
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"

    # a filter over the whole catalog, applied as it changes: from the change event to the filtered table
    # painted (measured in the page, so the test's own round trips do not count)
    page.evaluate(MEASURE_FILTER, "provider=anthropic")
    page.select_option("#provider", "anthropic")
    timings["filter_full_catalog_ms"] = round(page.evaluate("() => window.filtered"), 1)
    _wait_for_results(page, "provider=anthropic")
    page.click(".caps-filter summary")
    page.check("input[name=cap][value=tools]")
    _wait_for_results(page, "cap=tools")
    page.click("#models thead a:text('Context')")
    _wait_for_results(page, "sort=context")
    page.click("#models thead a:text('Context')")
    _wait_for_results(page, "sort=-context")
    expected = _sorted_by_context(
        registry, registry.find_ids(provider="anthropic", required=["tools"], include_deprecated=True)
    )
    assert _table_ids(page) == expected[:50]
    assert page.get_attribute("#models th[aria-sort=descending] a", "href") is not None
    assert _query(page) == {"provider": ["anthropic"], "cap": ["tools"], "sort": ["-context"]}
    _shot(page, "browse-filtered")

    # the URL is the view: opened afresh (and without the script's help) it shows the same rows
    shared = page.url
    page.goto(shared)
    assert _table_ids(page) == expected[:50]
    started = time.perf_counter()
    page.goto(site.url + "/?per=1000&sort=-input")
    timings["navigate_full_table_1000_rows_ms"] = round((time.perf_counter() - started) * 1000, 1)
    assert len(_table_ids(page)) == 1000


def test_browser_search_resolves_a_bedrock_profile(site: Site, page: Any) -> None:
    page.goto(site.url + "/")
    page.fill("#q", BEDROCK_STRING)
    page.wait_for_selector("#resolution")
    assert _table_ids(page)[0] == "anthropic/claude-3-5-sonnet-20241022"
    assert "region or variant us" in page.inner_text("#resolution")
    _shot(page, "search")


def test_browser_model_page(site: Site, page: Any) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(site.url + "/models/anthropic/claude-3-5-sonnet-20241022")
    assert page.inner_text("h1").startswith("Claude Sonnet 3.5 v2")
    notice = page.inner_text("#deprecation")
    assert "Retired" in notice and "anthropic/claude-sonnet-4-5-20250929" in notice
    assert page.locator("#sources tbody tr").count() >= 3
    assert "genai-prices" in page.inner_text("#sources")
    routes = page.inner_text("#routes")
    assert "anthropic.claude-3-5-sonnet-20241022-v2:0" in routes and "Bedrock" in routes
    assert page.locator("#history svg.chart polyline").count() >= 2
    assert page.locator("#conflicts").count() == 1
    snippets = page.inner_text("#snippets")
    assert "anthropic.claude-3-5-sonnet-20241022-v2:0" in snippets and "LiteLLM" in snippets
    page.click("button[data-copy='#model-id']")
    assert page.evaluate("() => navigator.clipboard.readText()") == "anthropic/claude-3-5-sonnet-20241022"
    _shot(page, "model", full=True)


def test_browser_compares_two_models(site: Site, page: Any) -> None:
    page.goto(site.url + "/?q=gpt-4o")
    page.check("input[name=ids][value='openai/gpt-4o']")
    page.goto(site.url + "/?q=claude-sonnet-4-5")  # the selection is kept from page to page
    page.check("input[name=ids][value='anthropic/claude-sonnet-4-5-20250929']")
    assert "2 selected" in page.inner_text("#picked")
    page.click("#pick button:text('Compare selected')")
    page.wait_for_url("**/compare?**")
    assert _query(page)["ids"] == ["openai/gpt-4o", "anthropic/claude-sonnet-4-5-20250929"]
    headings = page.eval_on_selector_all("#compare thead th", "cells => cells.map(c => c.innerText)")
    assert len(headings) == 3
    differing = page.eval_on_selector_all("#compare tr.differs th", "cells => cells.map(c => c.innerText)")
    assert any("Provider" in text for text in differing)
    assert not any("Capability: chat" in text for text in differing)  # both chat: the same, not marked
    page.check("#only-diff")
    assert page.locator("#compare tbody tr:not(.differs)").first.is_hidden()
    assert page.locator("#plot svg.chart circle").count() > 100  # the whole catalog's price against context
    _shot(page, "compare", full=True)


def test_browser_cost_calculator_matches_registry_cost(site: Site, page: Any, registry: modelreg.Registry) -> None:
    names = ["openai/gpt-4o", "anthropic/claude-sonnet-4-5-20250929", BEDROCK_STRING, "meta/llama-3.1-8b-instruct"]
    page.goto(site.url + "/cost?" + "&".join(f"ids={n}" for n in names))
    for field, value in (("#input", "12000"), ("#cached", "2000"), ("#output", "800"), ("#calls", "250")):
        page.fill(field, value)
    page.wait_for_function("() => document.querySelector('#cost-results').innerText.includes('250 calls a day')")
    page.wait_for_function("() => document.querySelector('#cost-results').innerText.includes('12000 input tokens')")

    def expected(name: str) -> Any:
        priced = registry.price_to_compare(name).route if name == "meta/llama-3.1-8b-instruct" else name
        return registry.cost(priced, input_tokens=12000, output_tokens=800, cache_read_tokens=2000).total

    totals = {name: expected(name) for name in names}
    rows = page.eval_on_selector_all(
        "#costs tbody tr",
        "rows => rows.map(r => [r.dataset.name, ...['.per-call', '.per-day', '.per-month']"
        ".map(c => r.querySelector(c).innerText)])",
    )
    assert [r[0] for r in rows] == sorted(names, key=lambda n: (totals[n], n))
    for name, per_call, per_day, per_month in rows:
        assert per_call == format.usd(totals[name])
        assert per_day == format.usd(totals[name] * 250)
        assert per_month == format.usd(totals[name] * 250 * 30)
    _shot(page, "cost")


def test_browser_edits_a_price_with_an_editor_key(site: Site, page: Any) -> None:
    before = site.get(f"/api/registry/models/{EDITED}").json()["pricing"]
    page.goto(site.url + f"/models/{EDITED}")
    page.fill("#price-input-new", "0.2")
    page.click("#edit-price button[type=submit]")
    assert "editor key first" in page.inner_text("#edit-price output")  # no key yet: nothing sent

    _use_key(page, site.key)
    assert page.inner_text("#key-state") == "(set)"
    with page.expect_navigation():
        page.click("#edit-price button[type=submit]")
    page.wait_for_selector("#changes")
    changes = page.inner_text("#changes")
    assert "web-editor" in changes and "price" in changes and "input $0.2" in changes
    periods = page.eval_on_selector_all("#periods tbody tr", "rows => rows.map(r => r.innerText)")
    assert len(periods) == 2 and "$0.20" in periods[-1]
    assert page.inner_text("#price-input") == "$0.20"
    after = site.get(f"/api/registry/models/{EDITED}").json()["pricing"]
    assert after["input"] == "0.2" and after["output"] == before["output"]
    assert site.get(f"/api/registry/history/model/{EDITED}").json()["items"][-1]["actor"] == "web-editor"

    with page.expect_navigation():  # a capability, through the same API
        page.select_option("#capability-new", "web_search")
        page.click("#edit-capability button[type=submit]")
    page.wait_for_selector("#changes")
    assert "web search" in page.inner_text("#overview")
    _shot(page, "model-edited", full=True)


def test_browser_status_page_shows_runs_and_decides_reviews(site: Site, page: Any) -> None:
    from modelreg.store import Store
    from modelreg.store.syncstate import NewReview, Run, SyncState

    now = dt.datetime.now(dt.UTC)
    run = Run("litellm", now - dt.timedelta(seconds=4), now, "applied", "sha256:feed", 2500, 3, 2, None)
    new_price = {"input": "2.5", "output": "9"}
    change = {
        "kind": "model",
        "subject": HELD,
        "what": "price",
        "field": "pricing",
        "source": "litellm",
        "summary": "input: 2 → 2.5, output: 8 → 9",
        "old": {"input": "2", "output": "8"},
        "new": new_price,
        "apply": {"what": "price", "field": "pricing", "new": new_price, "as_of": ""},
    }
    dropped = {**change, "subject": "openai/gpt-4.1-mini", "summary": "gone upstream", "what": "removed"}
    store = Store.open(site.database_url)
    try:
        SyncState(store).commit(
            writes=[],
            new_prices=[],
            runs=[run],
            reviews=[
                NewReview("litellm", "model", HELD, change, "price moved 25%"),
                NewReview("litellm", "model", "openai/gpt-4.1-mini", dropped, "gone upstream"),
            ],
            baselines=[],
            actor="sync:litellm",
            message=None,
        )
        reviews = {r.subject: r.id for r in SyncState(store).reviews("pending")}
    finally:
        store.close()

    page.goto(site.url + "/status")
    runs = page.inner_text("#runs")
    assert "litellm" in runs and "applied" in runs and "2500" in runs
    assert "Review queue (2 waiting)" in page.inner_text("#reviews")
    assert "route-health" in page.content()
    _shot(page, "status", full=True)

    _use_key(page, site.key)
    reject = f"form[data-url='/api/registry/sync/reviews/{reviews['openai/gpt-4.1-mini']}/reject'] button"
    with page.expect_navigation():
        page.click(reject)
    assert "Review queue (1 waiting)" in page.inner_text("#reviews")
    accept = f"form[data-url='/api/registry/sync/reviews/{reviews[HELD]}/accept'] button"
    with page.expect_navigation():
        page.click(accept)
    assert "Review queue (0 waiting)" in page.inner_text("#reviews")
    assert site.get(f"/api/registry/models/{HELD}").json()["pricing"]["input"] == "2.5"
    assert "openai/gpt-4.1-mini" in site.get("/?q=gpt-4.1-mini").text  # rejected: nothing removed


def test_review_decisions_need_an_editor_key_and_a_held_change(site: Site) -> None:
    assert httpx.post(f"{site.url}/api/registry/sync/reviews/1/reject").status_code == 401
    auth = {"Authorization": f"Bearer {site.key}"}
    missing = httpx.post(f"{site.url}/api/registry/sync/reviews/999999/accept", headers=auth)
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


def test_browsing_works_without_javascript(site: Site, browser: Any, registry: modelreg.Registry) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1360, "height": 900})
    plain = context.new_page()
    try:
        plain.goto(site.url + "/")
        plain.select_option("#provider", "mistral")
        with plain.expect_navigation():
            plain.click("button:text('Apply filters')")
        with plain.expect_navigation():
            plain.click("#models thead a:text('Input $/1M')")
        assert _query(plain) == {"provider": ["mistral"], "sort": ["input"]}
        found = registry.find_ids(provider="mistral", include_deprecated=True)
        assert set(_table_ids(plain)) <= set(found) and _table_ids(plain)
        plain.check(f"input[name=ids][value='{_table_ids(plain)[0]}']")
        plain.check(f"input[name=ids][value='{_table_ids(plain)[1]}']")
        with plain.expect_navigation():
            plain.click("#pick button:text('Price selected')")
        assert plain.locator("#costs tbody tr").count() == 2
    finally:
        context.close()


def test_browser_phone_width(site: Site, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        phone.goto(site.url + "/")
        assert phone.evaluate("() => document.documentElement.scrollWidth") <= 391  # no sideways page scroll
        wrap = phone.locator(".table-wrap").first
        assert wrap.evaluate("w => w.scrollWidth > w.clientWidth")  # the table scrolls inside its box
        assert not phone.evaluate("() => document.getElementById('more-filters').open")  # the table comes sooner
        _shot(phone, "phone")
        phone.goto(site.url + "/models/openai/gpt-4o")
        assert phone.evaluate("() => document.documentElement.scrollWidth") <= 391
        _shot(phone, "phone-model", full=True)
    finally:
        context.close()
