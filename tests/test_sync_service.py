"""Sync in the service and for seed 003's users: `serve --sync-every` (one runner per machine and per store),
GET /api/registry/sync/status, the sync counters in /metrics, and `python -m modelreg.update_models`."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

import modelreg
from modelreg.api import create_app
from modelreg.api.settings import ApiSettings
from modelreg.store.syncstate import SyncState
from modelreg.sync.schedule import Scheduler
from tests.conftest import Server, fresh_postgres
from tests.test_serve import MODELREG, _free_port
from tests.test_sync import LITELLM, NEW_MODEL, edited_litellm

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def wait_for(check: Any, *, seconds: float = 90, what: str = "the condition") -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


# -- the scheduler --------------------------------------------------------------------------------------------


@SQLITE_ONLY
def test_a_scheduled_sync_applies_and_is_not_due_again_until_its_interval_has_passed(
    writable: modelreg.Registry, upstream_dir: Path, tmp_path: Path
) -> None:
    source = f"litellm={edited_litellm(upstream_dir, tmp_path / 'litellm.json')}"
    scheduler = Scheduler(writable, every=3600, sources=[source], lock_path=tmp_path / "sync.lock")
    assert scheduler.seconds_until_due() == 0  # never synced: due now
    report = scheduler.run_once()
    assert report is not None and report.outcomes["litellm"].status == "applied"
    assert writable.view().get(NEW_MODEL).id == NEW_MODEL
    assert 3590 < scheduler.seconds_until_due() <= 3600  # the run recorded in the store sets the next one


@SQLITE_ONLY
def test_a_failed_source_is_due_again_sooner_than_the_interval(writable: modelreg.Registry, tmp_path: Path) -> None:
    missing = f"litellm={tmp_path / 'no-such-file.json'}"
    scheduler = Scheduler(writable, every=86400, sources=[missing], lock_path=tmp_path / "l", retry_failed=600)
    report = scheduler.run_once()
    assert report is not None and report.outcomes["litellm"].status == "failed"
    assert 590 < scheduler.seconds_until_due() <= 600


@SQLITE_ONLY
def test_one_scheduler_per_machine_runs_the_schedule_and_another_takes_over_when_it_stops(
    writable: modelreg.Registry, tmp_path: Path
) -> None:
    lock = tmp_path / "sync.lock"
    assert writable.store is not None
    SyncState(writable.store).record_runs([_run("litellm", "unchanged")])  # not due for a day: no sync runs
    first = Scheduler(writable, every=86400, sources=["litellm"], lock_path=lock)
    second = Scheduler(writable, every=86400, sources=["litellm"], lock_path=lock, tick=0.05)
    first.start()
    wait_for(lambda: first.runner, what="the first scheduler to take the lock")
    second.start()
    time.sleep(0.5)
    assert not second.runner and second.status()["next_run_at"] is None
    assert lock.read_text().strip() == str(os.getpid())
    assert first.status()["next_run_at"] is not None
    first.stop()
    assert not first.runner
    wait_for(lambda: second.runner, what="the second scheduler to take over")
    wait_for(lambda: second.status()["next_run_at"] is not None, what="its next run")
    second.stop()
    assert first.runs == second.runs == 0


def test_on_a_shared_postgresql_store_a_scheduled_sync_skips_while_another_instance_syncs(
    upstream_dir: Path, tmp_path: Path
) -> None:
    with fresh_postgres() as url:
        reg = modelreg.load(database_url=url)
        assert reg.store is not None
        source = f"litellm={upstream_dir / LITELLM}"
        # another machine: its own lock file, the same store
        scheduler = Scheduler(reg, every=3600, sources=[source], lock_path=tmp_path / "this-machine.lock")
        with SyncState(reg.store).lock() as held:  # the other instance's sync, under way
            assert held
            assert scheduler.run_once() is None
        assert scheduler.skipped_locked == 1
        with Server(create_app(reg, settings=ApiSettings())) as server:
            server_app_metrics = httpx.get(f"{server.url}/metrics").text
        assert "modelreg_sync_skipped_locked_total 0" in server_app_metrics  # that app has no scheduler
        report = scheduler.run_once()  # the lock is free again
        assert report is not None and report.outcomes["litellm"].status == "applied"
        assert SyncState(reg.store).run_counts() == {("litellm", "applied"): 1}
        reg.store.close()


def _run(source: str, status: str) -> Any:
    from modelreg.store.syncstate import Run

    now = dt.datetime.now(dt.UTC)
    return Run(source, now, now, status, "digest", 0, 0, 0, None)


# -- the service ----------------------------------------------------------------------------------------------


@SQLITE_ONLY
def test_sync_status_is_read_live_and_metrics_count_runs_by_source_and_status(
    writable: modelreg.Registry, upstream_dir: Path, tmp_path: Path
) -> None:
    settings = ApiSettings(sync_every=3600.0, sync_sources=(f"litellm={tmp_path / 'missing.json'}",))
    app = create_app(writable, settings=settings)
    app.state.scheduler.lock_path = tmp_path / "sync.lock"
    with Server(app) as server:
        status = wait_for(
            lambda: httpx.get(f"{server.url}/api/registry/sync/status").json()["sources"].get("litellm"),
            what="the scheduled run",
        )
        assert status["status"] == "failed" and "missing.json" in status["message"]
        answer = httpx.get(f"{server.url}/api/registry/sync/status")
        assert answer.headers["cache-control"] == "no-store" and "etag" not in answer.headers
        schedule = answer.json()["schedule"]
        assert schedule["runner"] is True and schedule["every_seconds"] == 3600
        assert schedule["sources"] == ["litellm"] and schedule["next_run_at"] is not None
        # a run recorded by someone else (`modelreg sync` by hand) shows at once: the answer is not kept
        assert writable.store is not None
        SyncState(writable.store).record_runs([_run("models.dev", "unchanged")])
        again = httpx.get(f"{server.url}/api/registry/sync/status").json()
        assert again["sources"]["models.dev"]["status"] == "unchanged"
        metrics = httpx.get(f"{server.url}/metrics").text
    assert 'modelreg_sync_runs_total{source="litellm",status="failed"} 1' in metrics
    assert 'modelreg_sync_runs_total{source="models.dev",status="unchanged"} 1' in metrics
    assert "modelreg_sync_skipped_locked_total 0" in metrics


@contextmanager
def served(*options: str, database_url: str, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "MODELREG_DATABASE_URL": database_url,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),  # the machine's lock file and HTTP cache: this test's own
    }
    proc = subprocess.Popen(
        [MODELREG, "serve", "--quiet", "--port", str(port), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            assert proc.poll() is None, proc.communicate()[1]
            try:
                return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(up, seconds=60, what="the service")
        yield url
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_serve_sync_every_with_two_workers_syncs_once_and_serves_the_result(upstream_dir: Path, tmp_path: Path) -> None:
    edited = edited_litellm(upstream_dir, tmp_path / "litellm.json")
    database_url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    options = ("--workers", "2", "--sync-every", "1h", "--sync-source", f"litellm={edited}")
    with served(*options, database_url=database_url, tmp_path=tmp_path) as url:
        run = wait_for(
            lambda: httpx.get(f"{url}/api/registry/sync/status").json()["sources"].get("litellm"),
            what="the scheduled sync",
        )
        assert run["status"] == "applied" and run["applied"] > 0
        model = wait_for(lambda: httpx.get(f"{url}/api/registry/models/{NEW_MODEL}").status_code == 200)
        assert model
        time.sleep(2)  # both workers are up: had each run the schedule, there would be two runs by now
        metrics = httpx.get(f"{url}/metrics").text
    assert 'modelreg_sync_runs_total{source="litellm",status="applied"} 1' in metrics
    reg = modelreg.load(database_url=database_url)
    assert reg.store is not None
    assert len(SyncState(reg.store).runs()) == 1
    reg.store.close()


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        (("--sync-every", "soon"), "soon"),
        (("--sync-every", "1h", "--sync-source", "nosuch"), "unknown sync source"),
        (("--sync-source", "litellm"), "needs --sync-every"),
    ],
)
def test_serve_refuses_a_bad_schedule_before_it_starts(options: tuple[str, ...], complaint: str) -> None:
    done = subprocess.run([MODELREG, "serve", "--port", "0", *options], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert complaint in done.stderr


# -- seed 003's update tool ---------------------------------------------------------------------------------


def update_models(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_DATA_HOME": str(tmp_path / "data")}
    return subprocess.run(
        [sys.executable, "-m", "modelreg.update_models", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=tmp_path,
    )


def test_update_models_syncs_then_writes_models_yaml(upstream_dir: Path, tmp_path: Path) -> None:
    edited = edited_litellm(upstream_dir, tmp_path / "litellm.json")
    out = tmp_path / "config" / "models.yaml"
    done = update_models("--source", f"litellm={edited}", tmp_path=tmp_path)  # the seed's default path
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert text.startswith("# Auto-generated on: ")
    document = yaml.safe_load(text)
    models = document["models"]
    assert models["openai:gpt-9-test"]["config"]["model_name"] == "gpt-9-test"  # the sync's new model
    gpt4o = models["openai:gpt-4o"]
    assert gpt4o["provider"] == "openai" and gpt4o["type"] == "openai"
    assert gpt4o["config"]["context_window"] == modelreg.resolve("gpt-4o").limits.context_window
    sized = [m for m in models.values() if "size_b" in m]
    assert sized and all(isinstance(m["size_b"], (int, float)) and m["size_b"] > 0 for m in sized)
    cheap = document["cost_optimized"]
    assert document["preferences"]["default"] == cheap[0] and document["preferences"]["fallback"] == cheap[1:]
    assert set(cheap) <= set(models) and set(document["performance_optimized"]) <= set(models)
    makers = [models[key]["provider"] for key in cheap]
    assert len(makers) == len(set(makers))  # one per maker


def test_update_models_writes_when_some_sources_fail_and_not_when_all_do(upstream_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "models.yaml"
    missing = f"models.dev={tmp_path / 'missing.json'}"
    done = update_models(
        str(out), "--source", f"litellm={upstream_dir / LITELLM}", "--source", missing, tmp_path=tmp_path
    )
    assert done.returncode == 3, done.stderr
    assert "models.dev: failed" in done.stderr and out.is_file()
    out.unlink()
    done = update_models(str(out), "--source", missing, tmp_path=tmp_path)
    assert done.returncode == 1 and not out.exists()
    assert "every source failed" in done.stderr
