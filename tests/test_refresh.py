"""``modelreg.load(refresh=…)``: a catalog rebuilt from the live LiteLLM cost map and models.dev at most once
per interval, with an offline fallback. Real HTTP servers on 127.0.0.1 play the two upstreams, serving the
real snapshot files the bundled catalog was built from (or edited copies of them)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import socket
import warnings
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

import modelreg
from modelreg import settings
from modelreg.catalog import CATALOG_DIR
from modelreg.durations import parse_duration
from modelreg.refresh import RETRY_AFTER_FAILURE, RefreshWarning, refreshed_catalog

from .helpers.upstream_server import Fault, Upstream, upstream_server

LITELLM = "litellm/model_prices_and_context_window.json"
MODELS_DEV = "models.dev/api.json"
PATHS = {"litellm": "/litellm.json", "models.dev": "/models.dev/api.json"}


def env_for(base_url: str) -> dict[str, str]:
    """The environment pointing both sources at a server (as a user would point them at a mirror)."""
    return {
        "MODELREG_SOURCE_LITELLM_URL": base_url + PATHS["litellm"],
        "MODELREG_SOURCE_MODELS_DEV_URL": base_url + PATHS["models.dev"],
    }


def serve_snapshots(server: Upstream, upstream_dir: Path) -> None:
    """Forget every route, fault and request, and serve the real snapshots again."""
    server.routes, server.faults, server.always, server.seen = [], {}, {}, []
    server.serve(PATHS["litellm"], upstream_dir / LITELLM)
    server.serve(PATHS["models.dev"], upstream_dir / MODELS_DEV)


def replace(server: Upstream, path: str, body: bytes) -> None:
    """Serve ``body`` at ``path`` from now on (the upstream published a new version)."""
    server.routes = [r for r in server.routes if r.path != path]
    server.serve(path, body)


def statuses(server: Upstream) -> list[tuple[str, int]]:
    return [(s.path, s.status) for s in server.seen]


def catalogs(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.glob("catalog-*"))


def current(cache: Path) -> dict:
    return json.loads((cache / "current.json").read_text())


def age(cache: Path, **delta: float) -> None:
    """Make the cache's last check (and any failed attempt) older by ``delta``."""
    data = current(cache)
    for key in ("checked_at", "failed_at"):
        if key in data:
            data[key] = (dt.datetime.fromisoformat(data[key]) - dt.timedelta(**delta)).isoformat()
    (cache / "current.json").write_text(json.dumps(data))


def closed_port_url() -> str:
    """The URL of a port nothing listens on: every connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def gpt_4o_input_at(data: dict, litellm: bool) -> None:
    """Raise gpt-4o's input price from $2.50 to $3.00 per million tokens in a LiteLLM or models.dev document."""
    if litellm:
        assert data["gpt-4o"]["input_cost_per_token"] == 2.5e-06
        data["gpt-4o"]["input_cost_per_token"] = 3e-06
    else:
        assert data["openai"]["models"]["gpt-4o"]["cost"]["input"] == 2.5
        data["openai"]["models"]["gpt-4o"]["cost"]["input"] = 3


@pytest.fixture(scope="module")
def server() -> Iterator[Upstream]:
    with upstream_server() as running:
        yield running


@pytest.fixture()
def upstream(server: Upstream, upstream_dir: Path) -> Upstream:
    """The two upstreams, serving the real snapshots, with no requests seen yet."""
    serve_snapshots(server, upstream_dir)
    return server


@pytest.fixture(scope="module")
def refreshed_once(server: Upstream, upstream_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache after one refresh from the real snapshots (copied by ``cache`` for each test)."""
    serve_snapshots(server, upstream_dir)
    folder = tmp_path_factory.mktemp("refreshed") / "cache"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RefreshWarning)
        refreshed_catalog("1h", cache_dir=folder, env=env_for(server.base_url))
    return folder


@pytest.fixture()
def cache(refreshed_once: Path, tmp_path: Path) -> Path:
    """This test's own copy of a cache holding one refreshed catalog (and the HTTP cache's validators)."""
    return Path(shutil.copytree(refreshed_once, tmp_path / "cache"))


@pytest.fixture()
def load_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """``modelreg.load`` reading its refresh cache from ``tmp_path/env-cache`` (returned)."""
    folder = tmp_path / "env-cache"
    monkeypatch.setenv("MODELREG_CACHE_DIR", str(folder))
    yield folder


# -- the first load, and the loads within the interval ------------------------------------------------------


def test_the_first_load_fetches_both_sources_and_the_next_within_the_interval_asks_nothing(
    upstream: Upstream, load_env: Path, monkeypatch: pytest.MonkeyPatch, registry: modelreg.Registry
) -> None:
    for name, value in env_for(upstream.base_url).items():
        monkeypatch.setenv(name, value)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RefreshWarning)
        reg = modelreg.load(refresh="1h")
        assert statuses(upstream) == [(PATHS["litellm"], 200), (PATHS["models.dev"], 200)]

        [folder] = catalogs(load_env)
        assert current(load_env)["catalog"] == folder
        assert set(current(load_env)["sources"]) == {"litellm", "models.dev"}
        # the same snapshots and the same merge make the same prices as the bundled catalog
        refreshed = json.loads((load_env / folder / "index.json").read_text())
        bundled = json.loads((CATALOG_DIR / "index.json").read_text())
        assert refreshed["prices"] == bundled["prices"]
        assert refreshed["names"] == bundled["names"]

        assert reg.resolve("gpt-4o").id == "openai/gpt-4o"
        assert reg.pricing("gpt-4o").input == Decimal("2.5")
        usage = {"input_tokens": 1_000_000, "output_tokens": 200_000, "cache_read_tokens": 400_000}
        assert reg.cost("gpt-4o", **usage).total == registry.cost("gpt-4o", **usage).total

        upstream.seen.clear()
        again = modelreg.load(refresh="1h")
        assert upstream.seen == []  # checked less than an hour ago: no HTTP at all
        assert again.cost("gpt-4o", **usage).total == registry.cost("gpt-4o", **usage).total
        assert catalogs(load_env) == [folder]


def test_after_the_interval_a_load_revalidates_and_keeps_the_catalog_when_nothing_changed(
    upstream: Upstream, cache: Path
) -> None:
    before = current(cache)
    age(cache, hours=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RefreshWarning)
        folder = refreshed_catalog("1h", cache_dir=cache, env=env_for(upstream.base_url))

    assert statuses(upstream) == [(PATHS["litellm"], 304), (PATHS["models.dev"], 304)]
    assert all(s.headers.get("if-none-match") for s in upstream.seen)  # conditional requests
    assert folder == cache / before["catalog"]
    assert catalogs(cache) == [before["catalog"]]  # no new catalog made
    after = current(cache)
    assert after["sources"] == before["sources"]
    assert dt.datetime.fromisoformat(after["checked_at"]) > dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)


# -- upstream changes -----------------------------------------------------------------------------------


def test_a_changed_upstream_price_reaches_the_registry_when_the_sources_agree_on_it(
    upstream: Upstream, cache: Path, upstream_dir: Path
) -> None:
    first, first_sources = current(cache)["catalog"], current(cache)["sources"]
    env = env_for(upstream.base_url)
    litellm = json.loads((upstream_dir / LITELLM).read_text())
    gpt_4o_input_at(litellm, litellm=True)
    replace(upstream, PATHS["litellm"], json.dumps(litellm).encode())
    age(cache, hours=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RefreshWarning)
        lone = modelreg.Registry.from_catalog(refreshed_catalog("1h", cache_dir=cache, env=env))
    # a lone LiteLLM change is outvoted: models.dev and the bundled genai-prices snapshot still say $2.50, and
    # the merge keeps the majority (the disagreement is kept as a conflict, as in the catalog build)
    assert lone.pricing("gpt-4o").input == Decimal("2.5")
    second = current(cache)["catalog"]
    assert second != first
    assert current(cache)["sources"]["litellm"] != first_sources["litellm"]
    assert current(cache)["sources"]["models.dev"] == first_sources["models.dev"]

    models_dev = json.loads((upstream_dir / MODELS_DEV).read_text())
    gpt_4o_input_at(models_dev, litellm=False)
    replace(upstream, PATHS["models.dev"], json.dumps(models_dev).encode())
    age(cache, hours=2)
    upstream.seen.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RefreshWarning)
        agreed = modelreg.Registry.from_catalog(refreshed_catalog("1h", cache_dir=cache, env=env))
    # LiteLLM unchanged since the last refresh (304) is still read, so the merge weighs its new price
    assert (PATHS["litellm"], 304) in statuses(upstream) and (PATHS["models.dev"], 200) in statuses(upstream)
    assert agreed.pricing("gpt-4o").input == Decimal("3")
    assert agreed.cost("gpt-4o", input_tokens=1_000_000).total == Decimal("3")
    assert agreed.pricing("gpt-4o").output == Decimal("10")  # the rest as before
    third = current(cache)["catalog"]
    assert catalogs(cache) == sorted([second, third])  # the two newest catalogs kept, the first removed


# -- failures: warn, and fall back ----------------------------------------------------------------------


def test_an_unreachable_upstream_falls_back_to_the_last_refreshed_catalog(cache: Path) -> None:
    last = cache / current(cache)["catalog"]
    age(cache, hours=2)
    with pytest.warns(RefreshWarning, match=r"litellm: cannot connect .*using the catalog refreshed at") as caught:
        folder = refreshed_catalog("1h", cache_dir=cache, env=env_for(closed_port_url()), timeout=2)
    assert len(caught) == 1
    assert folder == last
    assert modelreg.Registry.from_catalog(folder).pricing("gpt-4o").input == Decimal("2.5")
    assert "litellm" in current(cache)["failure"]


def test_an_unreachable_upstream_with_an_empty_cache_falls_back_to_the_bundled_catalog(
    load_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env_for(closed_port_url()).items():
        monkeypatch.setenv(name, value)
    with pytest.warns(RefreshWarning, match=r"litellm: .*using the bundled catalog"):
        assert refreshed_catalog("1d", timeout=2) == Path(settings.catalog_path())
    with pytest.warns(RefreshWarning, match="using the bundled catalog"):
        reg = modelreg.load(refresh="1d")
    assert reg.resolve("gpt-4o").id == "openai/gpt-4o"
    assert catalogs(load_env) == []


def test_a_failed_refresh_is_not_tried_again_on_every_load(upstream: Upstream, cache: Path) -> None:
    upstream.fail_always(PATHS["litellm"], Fault(503))
    age(cache, hours=2)
    env = env_for(upstream.base_url)
    with pytest.warns(RefreshWarning, match="litellm: .*HTTP 503"):
        refreshed_catalog("1h", cache_dir=cache, env=env)
    assert [s for s in statuses(upstream) if s[1] == 503] == [(PATHS["litellm"], 503)] * 2  # one retry
    upstream.seen.clear()
    with pytest.warns(RefreshWarning, match="the refresh at .* failed: litellm: .*HTTP 503"):
        folder = refreshed_catalog("1h", cache_dir=cache, env=env)
    assert upstream.seen == []  # within RETRY_AFTER_FAILURE of the failed attempt: not asked again
    assert folder == cache / current(cache)["catalog"]

    age(cache, seconds=RETRY_AFTER_FAILURE + 1)
    upstream.always.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RefreshWarning)
        refreshed_catalog("1h", cache_dir=cache, env=env)
    assert statuses(upstream) == [(PATHS["litellm"], 304), (PATHS["models.dev"], 304)]
    assert "failure" not in current(cache)


@pytest.mark.parametrize("source", ["litellm", "models.dev"])
def test_a_malformed_answer_falls_back_with_a_warning_naming_the_source(
    upstream: Upstream, cache: Path, upstream_dir: Path, source: str
) -> None:
    before = current(cache)
    snapshot = upstream_dir / (LITELLM if source == "litellm" else MODELS_DEV)
    replace(upstream, PATHS[source], snapshot.read_bytes()[:30_000])  # cut short
    age(cache, hours=2)
    with pytest.warns(RefreshWarning, match=rf"{source}: .*not valid JSON") as caught:
        folder = refreshed_catalog("1h", cache_dir=cache, env=env_for(upstream.base_url))
    assert "using the catalog refreshed at" in str(caught[0].message)
    assert folder == cache / before["catalog"]
    assert catalogs(cache) == [before["catalog"]]
    assert current(cache)["sources"] == before["sources"]


def test_a_merge_that_breaks_an_invariant_builds_nothing(
    upstream: Upstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelreg.catalog import audit

    broken = audit.Violation("openai/gpt-4o", "cache_read_above_input", "cache read 9 costs more than input 2.5")
    monkeypatch.setattr(audit, "audit", lambda records, merge_rules: [broken])
    with pytest.warns(RefreshWarning, match="breaks 1 invariant.*openai/gpt-4o.*using the bundled catalog"):
        folder = refreshed_catalog("1h", cache_dir=tmp_path / "cache", env=env_for(upstream.base_url))
    assert folder == Path(settings.catalog_path())
    assert catalogs(tmp_path / "cache") == []


# -- the interval ----------------------------------------------------------------------------------------


def test_load_refuses_a_bad_interval_and_a_catalog_dir_with_refresh() -> None:
    with pytest.raises(modelreg.ValidationError, match="'soon' is not a duration"):
        modelreg.load(refresh="soon")
    with pytest.raises(modelreg.ValidationError, match="catalog_dir or refresh"):
        modelreg.load(CATALOG_DIR, refresh="1h")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("1h", 3600),
        ("30m", 1800),
        ("90s", 90),
        ("1d", 86_400),
        ("1h30m", 5400),
        ("1d12h", 129_600),
        ("2w", 1_209_600),
        ("1.5h", 5400),
        (" 24H ", 86_400),
        ("3600", 3600),
        ("0.5", 0.5),
        (90, 90),
        (0.25, 0.25),
        (dt.timedelta(hours=1, minutes=30), 5400),
    ],
)
def test_parse_duration_reads(value: str | float | dt.timedelta, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    "value",
    ["", "h", "1x", "1 h", "30m1h", "1h1h", "-1h", "1h-30m", "one hour", "0", "0s", "1h30", -5, 0, float("nan")],
)
def test_parse_duration_refuses(value: str | float) -> None:
    with pytest.raises(modelreg.ValidationError, match="is not a duration") as raised:
        parse_duration(value, field="refresh")
    assert raised.value.errors[0][0] == "refresh"


def test_parse_duration_refuses_what_is_not_a_duration() -> None:
    for value in (True, None, [1], dt.timedelta(0)):
        with pytest.raises(modelreg.ValidationError):
            parse_duration(value)  # type: ignore[arg-type]
