"""Database faults: dropped PostgreSQL connections, a SQLite file deleted, replaced or read-only under a
running service, URLs that name no usable database, ids no column can hold. Real servers, real processes."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

import modelreg
from modelreg.api import create_app
from modelreg.errors import StoreError
from modelreg.store import Store
from tests.conftest import PG_ADMIN_URL, Server, _postgres_or_skip, fresh_postgres
from tests.helpers import API, editor_key, serve_process, two_instances

MODEL = "openai/gpt-4o"


def _terminate_backends(database_url: str) -> int:
    admin = _postgres_or_skip()
    name = database_url.rsplit("/", 1)[1]
    killed = admin.execute(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,),
    ).fetchone()
    admin.close()
    return int(killed[0]) if killed else 0


@pytest.fixture()
def postgres_url(tmp_path: Path) -> Iterator[str]:
    """A fresh PostgreSQL database (these faults are PostgreSQL's own)."""
    with fresh_postgres() as url:
        yield url


def test_the_service_answers_again_within_seconds_after_its_postgres_connections_are_terminated(
    postgres_url: str,
) -> None:
    with two_instances(postgres_url) as (one, two, headers), httpx.Client(headers=headers, timeout=30) as http:
        assert http.patch(f"{one.url}{API}/models/{MODEL}", json={"description": "before"}).status_code == 200
        assert http.get(f"{two.url}{API}/models/{MODEL}").json()["description"] == "before"
        assert _terminate_backends(postgres_url) >= 2  # pools and change listeners of both instances
        dropped = time.monotonic()
        # reads keep answering from the view each instance holds, at once
        assert http.get(f"{one.url}{API}/models/{MODEL}").status_code == 200
        while http.get(f"{one.url}/readyz").status_code != 200:
            assert time.monotonic() - dropped < 5, "/readyz still failing 5 s after the connections dropped"
            time.sleep(0.05)
        written = http.patch(f"{one.url}{API}/models/{MODEL}", json={"description": "after"})
        recovered = time.monotonic() - dropped
        assert written.status_code == 200 and recovered < 5
        # the other instance's change listener was re-established: it sees the write
        while http.get(f"{two.url}{API}/models/{MODEL}").json()["description"] != "after":
            assert time.monotonic() - dropped < 5, "the other instance never saw the write made after the drop"
            time.sleep(0.05)
        print(f"recovered {recovered * 1000:.0f} ms after pg_terminate_backend")


def test_a_sqlite_file_deleted_or_replaced_under_the_service_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    reg = modelreg.load(database_url=f"sqlite:///{path}")
    headers = editor_key(reg)
    with Server(create_app(reg)) as server, httpx.Client(base_url=server.url, headers=headers) as http:
        assert http.patch(f"{API}/models/{MODEL}", json={"description": "kept"}).status_code == 200
        assert http.get("/readyz").json()["store"]["writable"] is True
        shutil.copy(path, tmp_path / "copy.sqlite3")
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        refused = http.patch(f"{API}/models/{MODEL}", json={"description": "lost?"})
        assert refused.status_code == 503 and "deleted" in refused.json()["detail"]
        assert "\n" not in refused.json()["detail"]
        ready = http.get("/readyz")
        assert ready.status_code == 503 and ready.json()["store"]["writable"] is False
        assert "deleted" in ready.json()["store"]["reason"] and str(tmp_path) not in ready.text  # no path, no URL
        assert http.get(f"{API}/models/{MODEL}").json()["description"] == "kept"  # reads go on
        os.replace(tmp_path / "copy.sqlite3", path)  # another file where the store was
        replaced = http.patch(f"{API}/models/{MODEL}", json={"description": "lost?"})
        assert replaced.status_code == 503 and "replaced" in replaced.json()["detail"]
    assert reg.store is not None
    reg.store.close()


def test_a_read_only_sqlite_file_is_not_ready_and_takes_writes_again_once_writable(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    url = f"sqlite:///{path}"
    store = Store.open(url)
    headers = {"Authorization": f"Bearer {store.create_key('editor', 'editor')}"}
    store.close()
    path.chmod(0o444)
    wrapper: list[str] = []
    if os.geteuid() == 0:  # root writes read-only files: serve without the capability that allows it
        wrapper = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    with (
        serve_process(url, tmp_path, wrapper=wrapper) as base,
        httpx.Client(base_url=base, headers=headers, timeout=30) as http,
    ):
        ready = http.get("/readyz")
        assert ready.status_code == 503 and ready.json()["store"]["writable"] is False
        assert "read-only" in ready.json()["store"]["reason"]
        refused = http.patch(f"{API}/models/{MODEL}", json={"description": "x"})
        assert refused.status_code == 503 and "read-only" in refused.json()["detail"]
        assert http.get(f"{API}/models/{MODEL}").status_code == 200  # reads go on
        for made in tmp_path.glob("store.sqlite3*"):  # SQLite gave its -wal and -shm files the same mode
            made.chmod(0o644)
        again = http.get("/readyz")
        assert again.status_code == 200, again.text
        written = http.patch(f"{API}/models/{MODEL}", json={"description": "x"})
        assert written.status_code == 200 and written.json()["description"] == "x", written.text


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("garbage", "not a database URL"),
        ("mysql://admin:s3cret@127.0.0.1/db", "unsupported database"),
        ("postgresql://admin:s3cret@127.0.0.1:1/db", "did not answer"),  # nothing listens on port 1
        ("sqlite:////proc/no-such-folder/store.sqlite3", "cannot"),
    ],
)
def test_a_url_naming_no_usable_database_is_one_store_error_without_the_password(url: str, says: str) -> None:
    started = time.monotonic()
    with pytest.raises(StoreError) as info:
        Store.open(url)
    message = str(info.value)
    assert says in message and "s3cret" not in message and "\n" not in message
    assert time.monotonic() - started < 5


def test_a_missing_postgres_database_is_one_store_error() -> None:
    _postgres_or_skip().close()
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/modelreg_no_such_database"
    with pytest.raises(StoreError, match="does not exist"):
        modelreg.load(database_url=url)


def test_a_database_server_that_never_answers_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("psycopg")
    with socket.socket() as silent:  # accepts connections (the kernel does) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        monkeypatch.setenv("MODELREG_DATABASE_TIMEOUT", "2")
        started = time.monotonic()
        with pytest.raises(StoreError, match="did not answer"):
            modelreg.load(database_url=f"postgresql://someone@127.0.0.1:{port}/db")
        assert 1.5 < time.monotonic() - started < 10


def test_the_cli_says_what_is_wrong_with_a_store_url_in_one_line(tmp_path: Path) -> None:
    url = "postgresql://a:s3cret@127.0.0.1:1/x"
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path), "MODELREG_DATABASE_URL": url, "COLUMNS": "400"}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("modelreg")), "store", "info"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    said = (done.stdout + done.stderr).strip()
    assert done.returncode != 0 and "Traceback" not in said and "s3cret" not in said
    assert "did not answer" in said and len(said.splitlines()) == 1


def test_ids_no_column_can_hold_never_reach_the_database(database_url: str) -> None:
    reg = modelreg.load(database_url=database_url)
    assert reg.store is not None
    long_id = "openai/" + "x" * 400
    for bad in ("x\x00", long_id):  # refused by name before any query
        with pytest.raises(modelreg.ValidationError, match="record_id"):
            reg.history("model", bad)
    assert reg.store.row("model", "x\x00") is None and reg.store.row("model", long_id) is None
    with pytest.raises(modelreg.ValidationError):
        reg.store.put("model", "acme/x\x00", "add", {}, version=0, actor="test", action="create")
    with pytest.raises(modelreg.ValidationError):
        reg.store.put("model", long_id, "add", {}, version=0, actor="test", action="create")
    with pytest.raises(modelreg.ValidationError):
        reg.store.put("model", "acme/x", "add", {}, version=0, actor="te\x00st", action="create")
    with Server(create_app(reg)) as server, httpx.Client(base_url=f"{server.url}{API}") as http:
        assert http.get("/history/model/x%00").status_code == 422
        assert http.get(f"/history/model/{long_id}").status_code == 422
        assert http.get("/models/openai/x%00").status_code == 404
        assert http.get(f"/models/{long_id}").status_code == 404
        assert http.get("/routes/a/b%00").status_code == 404
    assert reg.store.counter() == 0
    reg.store.close()


def test_an_older_store_with_overlapping_open_prices_is_repaired_on_open(database_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from modelreg.store.engine import make_engine
    from modelreg.store.store import MIGRATIONS

    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0002")  # the schema before timelines were guarded
        for day, until in (
            ("2026-01-01", None),
            ("2026-02-01", None),
            ("2026-03-01", "2026-12-01"),
            ("2026-03-01", None),
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO modelreg_prices (subject, effective_from, effective_until, pricing, created_at, "
                    "created_by) VALUES ('openai/gpt-4o', :day, :until, '{\"input\": \"1\"}', CURRENT_TIMESTAMP, 'old')"
                ),
                {"day": day, "until": until},
            )
    engine.dispose()
    store = Store.open(database_url)
    rows = store.snapshot().prices["openai/gpt-4o"]
    assert len(rows) == 4  # every row kept
    assert [r.effective_until for r in rows].count(None) == 1
    assert [str(r.effective_until) for r in rows] == ["2026-02-01", "2026-03-01", "2026-03-01", "None"]
    assert store.snapshot().timelines == {"openai/gpt-4o": 4}
    with engine.connect() as conn, pytest.raises(sa.exc.IntegrityError):  # the database refuses a second open one
        conn.execute(sa.text("UPDATE modelreg_prices SET effective_until = NULL"))
    store.close()
