"""`modelreg publish` and `modelreg.load(source=…)`: seed 001's S3 layout written to moto's S3 server (a real
HTTP endpoint on 127.0.0.1, never an in-process mock) and read back: file for file, changed objects only, the
index last, snapshots kept and pruned, a publish killed between two objects, the reader's cache and TTL."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import warnings
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import modelreg
from modelreg import Registry
from modelreg.catalog import CATALOG_DIR
from modelreg.catalog.index import INDEX_FILE, RECORDS_FILE
from modelreg.export import snapshot as layout
from modelreg.export.s3 import parse_url, publish

from .helpers.s3_server import S3Server, s3_server
from .helpers.upstream_server import upstream_server

REPO = Path(__file__).resolve().parents[1]
MODELS = (
    "openai/gpt-4o",
    "openai/gpt-4o-mini",
    "openai/ft:gpt-3.5-turbo-0125",  # a ":" in its name: escaped in every key
    "anthropic/claude-sonnet-4-5-20250929",
    "meta/llama-3.1-8b-instruct",
    "mistral/mistral-large-latest",
)
PRICED = tuple(m for m in MODELS if not m.startswith("meta/"))  # Llama has no maker's price, only routes'
GPT_4O = "openai/gpt-4o"
CALL = {"input_tokens": 1_000_000, "output_tokens": 1_000_000}


# -- fixtures -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


@pytest.fixture()
def url(s3: S3Server) -> str:
    """A publish location in a new bucket."""
    return f"s3://{s3.bucket()}/registry"


@pytest.fixture(autouse=True)
def reader_env(s3: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Readers find moto through MODELREG_S3_ENDPOINT_URL and cache in a folder of this test's own."""
    monkeypatch.setenv("MODELREG_S3_ENDPOINT_URL", s3.endpoint)
    monkeypatch.setenv("MODELREG_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def write_catalog(folder: Path, models: tuple[str, ...]) -> Path:
    """A compiled catalog holding the bundled catalog's ``models``, their routes, and the providers and
    platforms those name: a registry small enough to publish in a second."""
    index = json.loads((CATALOG_DIR / INDEX_FILE).read_bytes())
    records = json.loads((CATALOG_DIR / RECORDS_FILE).read_bytes())
    kept_models = {m: records["models"][m] for m in models}
    kept_routes = {r: raw for r, raw in records["routes"].items() if raw["model"] in kept_models}
    platforms = {raw["platform"] for raw in kept_routes.values()}
    providers = {raw["provider"] for raw in kept_models.values()}
    small_records = {
        "format": records["format"],
        "providers": {p: raw for p, raw in records["providers"].items() if p in providers},
        "platforms": {p: raw for p, raw in records["platforms"].items() if p in platforms},
        "models": kept_models,
        "routes": kept_routes,
    }
    small_index = {
        **index,
        "names": {n: t for n, t in index["names"].items() if t[0] in kept_models and (not t[1] or t[1] in kept_routes)},
        "prices": {s: p for s, p in index["prices"].items() if s.split("@")[0] in kept_models.keys() | kept_routes},
        "lifecycle": {m: v for m, v in index["lifecycle"].items() if m in kept_models},
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / INDEX_FILE).write_text(json.dumps(small_index))
    (folder / RECORDS_FILE).write_text(json.dumps(small_records))
    return folder


@pytest.fixture(scope="module")
def small_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_catalog(tmp_path_factory.mktemp("small"), MODELS)


@pytest.fixture()
def small(small_catalog: Path) -> Registry:
    return Registry.from_catalog(small_catalog)


@pytest.fixture()
def writable_small(small_catalog: Path, tmp_path: Path) -> Iterator[tuple[Registry, str]]:
    """The small registry with an empty SQLite store laid over it, and the store's URL."""
    database = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    reg = modelreg.load(catalog_dir=small_catalog, database_url=database)
    yield reg, database
    assert reg.store is not None
    reg.store.close()


def stored(s3: S3Server, url: str) -> dict[str, bytes]:
    """Every object under ``url`` -> its bytes."""
    bucket, prefix = parse_url(url)
    return s3.objects(bucket, prefix)


def listed(s3: S3Server, url: str) -> dict[str, tuple[str, str]]:
    """Every object under ``url`` -> (ETag, LastModified): any write shows."""
    bucket, prefix = parse_url(url)
    return s3.listing(bucket, prefix)


def manifest_of(objects: dict[str, bytes]) -> dict:
    return json.loads(objects[layout.INDEX_KEY])


def snapshot_folders(objects: dict[str, bytes]) -> dict[str, bool]:
    """Snapshot prefix -> whether it is complete (holds its manifest)."""
    folders: dict[str, bool] = {}
    for key in objects:
        if key.startswith(layout.SNAPSHOTS):
            folder = "/".join(key.split("/")[:2]) + "/"
            folders[folder] = folders.get(folder, False) or key == folder + layout.INDEX_KEY
    return folders


def same_answers(source: Registry, loaded: Registry) -> None:
    """``loaded`` answers every name as ``source`` does: the same model, route and cost."""
    assert len(loaded) == len(source)
    assert sorted(loaded.names()) == sorted(source.names())
    for name in source.names():
        assert loaded.lookup(name).model.id == source.lookup(name).model.id, name
        try:
            expected = source.cost(name, **CALL)
        except modelreg.ModelregError as exc:  # unpriced: the loaded registry says the same
            with pytest.raises(type(exc)):
                loaded.cost(name, **CALL)
        else:
            assert loaded.cost(name, **CALL) == expected, name
    for model in source.models():
        assert loaded.route_ids(model.id) == source.route_ids(model.id)
        assert loaded.get(model.id) == model


def input_price(reg: Registry, model_id: str = GPT_4O) -> Decimal | None:
    """The model's input price in force (USD per 1M tokens)."""
    return reg.pricing(model_id).input


def age_cache(cache: Path, **delta: float) -> None:
    """Make every cached check (and failure) older by ``delta``."""
    for current in cache.glob("published/*/current.json"):
        data = json.loads(current.read_text())
        for key in ("checked_at", "failed_at"):
            if key in data:
                data[key] = (dt.datetime.fromisoformat(data[key]) - dt.timedelta(**delta)).isoformat()
        current.write_text(json.dumps(data))


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


# -- the layout (no S3) -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_id", "key"),
    [
        ("openai/gpt-4o", "models/by-provider/openai/gpt-4o.json"),
        ("openai/ft:gpt-3.5-turbo-0125", "models/by-provider/openai/ft%3Agpt-3.5-turbo-0125.json"),
        ("meta/llama-3.1-8b-instruct", "models/by-provider/meta/llama-3.1-8b-instruct.json"),
        (
            "fireworks_ai/accounts/acme/models/my-llama",
            "models/by-provider/fireworks_ai/accounts%2Facme%2Fmodels%2Fmy-llama.json",
        ),
        ("acme/naïve~v1+beta@2", "models/by-provider/acme/na%C3%AFve%7Ev1%2Bbeta%402.json"),
    ],
)
def test_a_model_key_is_its_id_with_the_name_escaped(model_id: str, key: str) -> None:
    assert layout.model_key(model_id) == key
    assert layout.record_of(key) == ("model", model_id)


def test_route_keys_name_priority_and_platform() -> None:
    route = {"id": "azure/openai/ft:gpt-4o", "platform": "azure", "model": "openai/ft:gpt-4o", "priority": 2}
    assert layout.route_key(route) == "routes/by-model/openai/ft%3Agpt-4o/route-2-azure.json"
    assert layout.route_on_platform_key(route) == "routes/by-platform/azure/openai/ft%3Agpt-4o.json"
    del route["priority"]  # left out at its default
    assert layout.route_key(route) == "routes/by-model/openai/ft%3Agpt-4o/route-10-azure.json"
    for key in (layout.route_key(route), layout.route_on_platform_key(route)):
        assert layout.record_of(key) == ("route", route["id"])
    from modelreg.schema import Route

    assert Route.model_fields["priority"].default == layout.DEFAULT_PRIORITY


@given(st.text(min_size=1, max_size=40))
def test_escaping_is_reversible_and_keeps_one_segment(name: str) -> None:
    escaped = layout.escape(name)
    assert layout.unescape(escaped) == name
    assert re.fullmatch(r"[A-Za-z0-9._%-]+", escaped)


def test_the_layout_is_seed_001_file_for_file(registry: Registry) -> None:
    objects = layout.snapshot(registry).objects
    expected: dict[str, tuple[str, str]] = {}
    for platform in registry.platforms():
        expected[f"platforms/{platform.id}.json"] = ("platform", platform.id)
    for provider in registry.providers():
        expected[f"providers/{provider.id}.json"] = ("provider", provider.id)
    for model in registry.models():
        provider, _, name = model.id.partition("/")
        path = f"{provider}/{name.replace(':', '%3A')}"
        expected[f"models/by-provider/{path}.json"] = ("model", model.id)
        for route in registry.routes(model.id):
            expected[f"models/by-platform/{route.platform}/{path}.json"] = ("model", model.id)
            expected[f"routes/by-model/{path}/route-{route.priority}-{route.platform}.json"] = ("route", route.id)
            expected[f"routes/by-platform/{route.platform}/{path}.json"] = ("route", route.id)
    assert set(objects) == set(expected) | {layout.CAPABILITIES_KEY, layout.PRICING_KEY}
    for key, (kind, record_id) in expected.items():
        assert json.loads(objects[key]) == registry.record(kind, record_id), key
        assert layout.record_of(key) == (kind, record_id)
    assert all(re.fullmatch(r"[A-Za-z0-9._%/-]+", key) for key in objects)
    assert json.loads(objects[layout.CAPABILITIES_KEY]) == registry.capability_matrix()
    pricing = json.loads(objects[layout.PRICING_KEY])
    assert pricing["models"][GPT_4O] == registry.record("model", GPT_4O)["pricing"]
    assert pricing["routes"]["azure/openai/gpt-4o"] == registry.record("route", "azure/openai/gpt-4o")["pricing"]
    # the records parse back into the library's types
    assert modelreg.Model.model_validate(json.loads(objects["models/by-provider/openai/gpt-4o.json"])) == (
        registry.get(GPT_4O)
    )


# -- publishing ---------------------------------------------------------------------------------------------


def test_publish_writes_the_layout_and_the_index_names_every_object(s3: S3Server, url: str, small: Registry) -> None:
    report = publish(small, url, endpoint_url=s3.endpoint)
    snap = layout.snapshot(small)
    objects = stored(s3, url)
    for key, body in snap.objects.items():
        assert objects[key] == body, key
    manifest = manifest_of(objects)
    assert report.snapshot == manifest["snapshot"]
    assert len(report.written) == len(snap.objects) + 4  # + the compiled catalog (2) and the manifest twice
    assert report.skipped == 0
    assert objects[manifest["snapshot"] + layout.INDEX_KEY] == objects[layout.INDEX_KEY]
    for name, entry in manifest["catalog"].items():
        assert objects[entry["key"]] == snap.catalog[name]
        assert hashlib.sha256(objects[entry["key"]]).hexdigest() == entry["sha256"]
    assert set(manifest["objects"]) == set(snap.objects)
    bucket, prefix = parse_url(url)
    client = s3.client()
    for key, entry in manifest["objects"].items():
        head = client.head_object(Bucket=bucket, Key=prefix + key)
        assert head["ETag"] == entry["etag"]
        assert head["Metadata"]["sha256"] == entry["sha256"] == hashlib.sha256(objects[key]).hexdigest()
        assert head["ContentType"] == "application/json"
    assert manifest["models"][GPT_4O] == {
        "key": "models/by-provider/openai/gpt-4o.json",
        "aliases": small.record("model", GPT_4O).get("aliases", []),
    }
    assert manifest["routes"]["azure/openai/gpt-4o"] == layout.route_key(small.record("route", "azure/openai/gpt-4o"))
    assert manifest["counts"]["models"] == len(MODELS)


def test_load_from_s3_answers_as_the_published_registry(s3: S3Server, url: str, small: Registry) -> None:
    publish(small, url, endpoint_url=s3.endpoint)
    loaded = modelreg.load(source=url)
    same_answers(small, loaded)


def test_publishing_again_without_a_change_writes_nothing(s3: S3Server, url: str, small: Registry) -> None:
    publish(small, url, endpoint_url=s3.endpoint)
    before = listed(s3, url)
    again = publish(small, url, endpoint_url=s3.endpoint)
    assert again.written == [] and again.deleted == [] and again.pruned == []
    assert again.skipped == again.objects
    assert listed(s3, url) == before


def test_a_price_change_rewrites_only_the_objects_it_touches(
    s3: S3Server, url: str, writable_small: tuple[Registry, str]
) -> None:
    reg, _ = writable_small
    first = publish(reg, url, endpoint_url=s3.endpoint)
    before = layout.snapshot(reg).objects
    old_price = input_price(reg)
    reg.set_price(GPT_4O, {"input": "2"}, effective_from=dt.date.today(), actor="test")
    after = layout.snapshot(reg).objects
    touched = {key for key, body in after.items() if before.get(key) != body}
    assert layout.model_key(GPT_4O) in touched and layout.PRICING_KEY in touched
    assert len(touched) < len(after) // 5

    report = publish(reg, url, endpoint_url=s3.endpoint)
    top = [k for k in report.written if not k.startswith(layout.SNAPSHOTS) and k != layout.INDEX_KEY]
    assert set(top) == touched
    assert len(report.written) == len(touched) + 4
    objects = stored(s3, url)
    assert all(objects[k] == after[k] for k in after)
    assert input_price(modelreg.load(source=url)) == Decimal(2) != old_price
    # the earlier snapshot is still there, whole: loading its manifest is a rollback
    bucket, prefix = parse_url(url)
    rollback = modelreg.load(source=f"s3://{bucket}/{prefix}{first.snapshot}{layout.INDEX_KEY}")
    assert input_price(rollback) == old_price


def test_objects_of_records_gone_are_removed(s3: S3Server, url: str, small: Registry, tmp_path: Path) -> None:
    publish(small, url, endpoint_url=s3.endpoint)
    fewer = Registry.from_catalog(write_catalog(tmp_path / "fewer", MODELS[1:]))
    gone = set(layout.snapshot(small).objects) - set(layout.snapshot(fewer).objects)
    assert layout.model_key(GPT_4O) in gone
    report = publish(fewer, url, endpoint_url=s3.endpoint)
    assert set(report.deleted) == gone
    objects = stored(s3, url)
    assert not gone & set(objects)
    assert set(manifest_of(objects)["objects"]) == set(layout.snapshot(fewer).objects)


def test_keep_prunes_the_oldest_snapshots(s3: S3Server, url: str, writable_small: tuple[Registry, str]) -> None:
    reg, _ = writable_small
    published = [publish(reg, url, endpoint_url=s3.endpoint, keep=2).snapshot]
    for model_id in MODELS[:3]:
        reg.set_price(model_id, {"input": "0.5"}, effective_from=dt.date.today(), actor="test")
        published.append(publish(reg, url, endpoint_url=s3.endpoint, keep=2).snapshot)
    assert len(set(published)) == 4
    objects = stored(s3, url)
    assert snapshot_folders(objects) == {published[-2]: True, published[-1]: True}
    assert manifest_of(objects)["snapshot"] == published[-1]


def test_dry_run_writes_nothing(s3: S3Server, url: str, small: Registry) -> None:
    report = publish(small, url, endpoint_url=s3.endpoint, dry_run=True)
    assert len(report.written) == report.objects + 4
    assert listed(s3, url) == {}


def test_bad_locations_and_keep_are_refused(s3: S3Server, small: Registry) -> None:
    with pytest.raises(modelreg.ValidationError, match="not an S3 location"):
        publish(small, "https://example.com/x", endpoint_url=s3.endpoint)
    with pytest.raises(modelreg.ValidationError, match="keep"):
        publish(small, "s3://bucket/x", endpoint_url=s3.endpoint, keep=0)
    with pytest.raises(modelreg.SourceError, match="bucket does not exist"):
        publish(small, "s3://no-such-bucket-here/x", endpoint_url=s3.endpoint)


# -- a publish killed between two objects -------------------------------------------------------------------


def test_an_interrupted_publish_leaves_readers_on_the_previous_snapshot(
    s3: S3Server, url: str, writable_small: tuple[Registry, str], small_catalog: Path
) -> None:
    reg, database = writable_small
    publish(reg, url, endpoint_url=s3.endpoint)
    old = stored(s3, url)
    old_manifest = manifest_of(old)
    old_prices = {m: input_price(reg, m) for m in PRICED}
    for model_id in PRICED:
        reg.set_price(model_id, {"input": "0.25"}, effective_from=dt.date.today(), actor="test")
    new_layout = layout.snapshot(reg).objects
    changing = [k for k, body in new_layout.items() if old.get(k) != body]
    # far more than are written before the kill: 2 + 3, and at most one more per worker (16) under way then
    assert len(changing) > 25

    # the compiled catalog (2 objects), then 3 layout objects: killed
    publish_args = ["publish", url, "--endpoint-url", s3.endpoint, "--database-url", database]
    killed = subprocess.run(
        [sys.executable, "-m", "tests.helpers.s3_server", "kill-after", "5", *publish_args],
        cwd=REPO,
        env={**os.environ, "MODELREG_CATALOG_DIR": str(small_catalog)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    half = stored(s3, url)
    assert half[layout.INDEX_KEY] == old[layout.INDEX_KEY]  # readers' entry point untouched
    rewritten = [k for k in changing if half.get(k) == new_layout[k]]
    assert 1 <= len(rewritten) < len(changing)  # killed half-way through the layout
    assert [f for f, whole in snapshot_folders(half).items() if not whole]  # the new snapshot, incomplete

    # a reader sees the previous snapshot, whole and verified
    for entry in old_manifest["catalog"].values():
        assert hashlib.sha256(half[entry["key"]]).hexdigest() == entry["sha256"]
    loaded = modelreg.load(source=url)
    assert {m: input_price(loaded, m) for m in PRICED} == old_prices

    # publishing again completes the job; the leftover of the killed run goes
    report = publish(reg, url, endpoint_url=s3.endpoint)
    assert set(rewritten) <= set(report.written)  # overwritten without the manifest knowing: written again
    done = stored(s3, url)
    manifest = manifest_of(done)
    for key, entry in manifest["objects"].items():
        assert hashlib.sha256(done[key]).hexdigest() == entry["sha256"], key
    assert all(snapshot_folders(done).values())
    assert report.pruned == [f for f, whole in snapshot_folders(half).items() if not whole]
    age_cache(Path(os.environ["MODELREG_CACHE_DIR"]), minutes=10)  # past the TTL: the new manifest is read
    assert {m: input_price(modelreg.load(source=url), m) for m in PRICED} == dict.fromkeys(PRICED, Decimal("0.25"))


# -- reading: HTTP, cache, TTL, offline ---------------------------------------------------------------------


def test_load_over_https_style_urls_with_a_ttl(s3: S3Server, url: str, small: Registry, reader_env: Path) -> None:
    publish(small, url, endpoint_url=s3.endpoint)
    objects = stored(s3, url)
    manifest = manifest_of(objects)
    with upstream_server() as web:
        web.serve("/pub/" + layout.INDEX_KEY, objects[layout.INDEX_KEY])
        for entry in manifest["catalog"].values():
            web.serve("/pub/" + entry["key"], objects[entry["key"]])
        source = f"{web.base_url}/pub/{layout.INDEX_KEY}"

        same_answers(small, modelreg.load(source=source))
        assert sorted(s.path for s in web.seen) == sorted(
            ["/pub/" + layout.INDEX_KEY, *("/pub/" + e["key"] for e in manifest["catalog"].values())]
        )

        web.seen.clear()
        modelreg.load(source=source, refresh="1h")  # within the TTL: no request at all
        assert web.seen == []

        age_cache(reader_env, hours=2)  # past it: the manifest is asked again, unchanged: a 304, nothing more
        same_answers(small, modelreg.load(source=source, refresh="1h"))
        assert [(s.path, s.status) for s in web.seen] == [("/pub/" + layout.INDEX_KEY, 304)]


def test_offline_the_cached_snapshot_is_used_with_a_warning(
    s3: S3Server, url: str, small: Registry, reader_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(small, url, endpoint_url=s3.endpoint)
    modelreg.load(source=url)
    monkeypatch.setenv("MODELREG_S3_ENDPOINT_URL", closed_port_url())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # within the TTL nothing is asked, so nothing can fail
        modelreg.load(source=url)
    age_cache(reader_env, minutes=10)
    with pytest.warns(modelreg.RefreshWarning, match="could not check the snapshot published at"):
        offline = modelreg.load(source=url)
    same_answers(small, offline)
    shutil.rmtree(reader_env)  # no cache at all: an error that says what could not be read
    with pytest.raises(modelreg.SourceError, match=f"{url}: cannot read the published snapshot"):
        modelreg.load(source=url)


def test_a_catalog_whose_digest_does_not_match_is_refused(s3: S3Server, url: str, small: Registry) -> None:
    publish(small, url, endpoint_url=s3.endpoint)
    manifest = manifest_of(stored(s3, url))
    bucket, prefix = parse_url(url)
    records = manifest["catalog"][RECORDS_FILE]["key"]
    s3.client().put_object(Bucket=bucket, Key=prefix + records, Body=b'{"format": 2}')
    with pytest.raises(modelreg.SourceError, match="sha256"):
        modelreg.load(source=url)


def test_load_from_a_local_copy_of_the_prefix(s3: S3Server, url: str, small: Registry, tmp_path: Path) -> None:
    publish(small, url, endpoint_url=s3.endpoint)
    mirror = tmp_path / "mirror"
    for key, body in stored(s3, url).items():
        (mirror / key).parent.mkdir(parents=True, exist_ok=True)
        (mirror / key).write_bytes(body)
    same_answers(small, modelreg.load(source=mirror))
    same_answers(small, modelreg.load(source=str(mirror / layout.INDEX_KEY)))
    with pytest.raises(modelreg.ValidationError, match="catalog_dir or source"):
        modelreg.load(mirror, source=mirror)


# -- the command line ---------------------------------------------------------------------------------------


def test_cli_publish(s3: S3Server, url: str, small: Registry, small_catalog: Path) -> None:
    from modelreg.cli import app

    runner = CliRunner(env={"MODELREG_CATALOG_DIR": str(small_catalog), "MODELREG_S3_ENDPOINT_URL": s3.endpoint})
    dry = runner.invoke(app, ["publish", url, "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["written"] == len(layout.snapshot(small).objects) + 4
    assert listed(s3, url) == {}

    first = runner.invoke(app, ["publish", url, "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["written"] == len(layout.snapshot(small).objects) + 4

    again = runner.invoke(app, ["publish", url, "--keep", "3"])
    assert again.exit_code == 0, again.output
    lines = dict(line.split("\t") for line in again.stdout.splitlines())
    assert lines["written"] == "0" and lines["unchanged"] == lines["objects"]

    bad = runner.invoke(app, ["publish", "bucket/prefix"])
    assert bad.exit_code == 1
    assert "not an S3 location" in bad.output
