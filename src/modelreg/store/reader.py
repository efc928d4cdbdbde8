"""The store's read path through the database driver itself (sqlite3, psycopg): no SQLAlchemy, no Alembic.

Opening a store reads the schema's revision here; when it is the head this code knows, nothing else is
imported: the snapshot and the change counter are read here too, and SQLAlchemy (with Alembic when a
migration is due) is imported by the first write. The same connection notices commits of others with a
check of a few microseconds, per dialect, no query:

    SQLite      ``PRAGMA data_version`` moves when any other connection commits
    PostgreSQL  the connection LISTENs to ``modelreg_changes`` (writers NOTIFY in their transaction)

``changed()`` never raises and never waits for another thread: when it cannot tell (its connection
dropped, the database is away) it answers True, so the caller re-reads the counter, and it reconnects at
most once per ``RETRY`` seconds. The reads raise StoreError, one line, never the URL's password.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from modelreg.errors import ModelregError
from modelreg.store.engine import SQLITE_BUSY_TIMEOUT, as_store_error, masked, sqlite_folder
from modelreg.store.rows import PriceRow, Row, Snapshot, aware

CHANNEL = "modelreg_changes"
RETRY = 1.0  # seconds between attempts to reconnect the poll

_COUNTER = "SELECT value FROM modelreg_counter WHERE name = 'changes'"
_RECORDS = "SELECT kind, id, mode, data, version, updated_at, updated_by FROM modelreg_records"
_PRICES = (
    "SELECT id, subject, effective_from, effective_until, pricing, created_at, created_by FROM modelreg_prices "
    "ORDER BY subject, effective_from, id"
)
_TIMELINES = "SELECT subject, version FROM modelreg_timelines"
_REVISIONS = "SELECT version_num FROM modelreg_alembic_version"


class Target(NamedTuple):
    """What the driver connects to: a SQLite file's path ("" or ":memory:" for a database in memory), or a
    PostgreSQL URI libpq reads; ``shown`` is the URL with its password hidden (for messages)."""

    dialect: str
    address: str
    shown: str
    timeout_in_url: bool = False


def target(url: str) -> Target | None:
    """The target of a plain ``sqlite:///path`` or ``postgresql://…`` URL; None for any other form, which
    SQLAlchemy then reads (and says what is wrong with it)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    if scheme == "sqlite":
        path = rest[1:]
        if not rest.startswith("/") or not path or path == ":memory:" or any(c in path for c in "?%#"):
            return None
        return Target("sqlite", path, url)
    if scheme in ("postgresql", "postgresql+psycopg"):
        query = rest.partition("?")[2]
        timeout_in_url = any(part.partition("=")[0] == "connect_timeout" for part in query.split("&"))
        return Target("postgresql", "postgresql://" + rest, masked(url), timeout_in_url)
    return None


class Reader:
    """One connection of the store's own for reading and noticing changes; thread-safe."""

    def __init__(self, target: Target, connect_timeout: float, *, connect: Callable[[], Any] | None = None) -> None:
        """``connect``: how to get a connection when the target is a database in memory, which only the
        engine's own connection sees (then every read takes one, and ``changed`` is always True)."""
        self.dialect = target.dialect
        self.where = target.shown
        self.path = target.address if target.dialect == "sqlite" else None  # the SQLite file
        self._target = target
        self._timeout = connect_timeout
        self._shared = connect
        self._lock = threading.Lock()
        self._conn: Any = None
        self._poll: Callable[[], bool] = lambda: True
        self._retry_at = 0.0
        self._notified = False  # a PostgreSQL notification arrived while a read ran

    # -- reads ----------------------------------------------------------------------------------------------

    def revisions(self) -> tuple[str, ...]:
        """The schema revisions the database is at (Alembic's version table): () for an empty database."""
        exists = (
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'modelreg_alembic_version'"
            if self.dialect == "sqlite"
            else "SELECT to_regclass('modelreg_alembic_version') IS NOT NULL"
        )
        with self._using() as conn:
            if not conn.execute(exists).fetchone()[0]:
                return ()
            return tuple(sorted(str(r[0]) for r in conn.execute(_REVISIONS).fetchall()))

    def counter(self) -> int:
        """The change counter: it moves on every committed write, whichever process made it."""
        with self._using() as conn:
            found = conn.execute(_COUNTER).fetchone()
        return int(found[0]) if found and found[0] else 0

    def snapshot(self) -> Snapshot:
        """Every record and price row and each timeline's version, read in one transaction (REPEATABLE READ
        on PostgreSQL; one read transaction of the WAL on SQLite), and the counter they were read at."""
        sqlite = self.dialect == "sqlite"
        loads: Callable[[Any], Any] = json.loads if sqlite else _same
        stamp: Callable[[Any], dt.datetime] = _sqlite_stamp if sqlite else aware
        day: Callable[[Any], Any] = _sqlite_day if sqlite else _same
        with self._using() as conn:
            conn.execute("BEGIN" if sqlite else "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            try:
                found = conn.execute(_COUNTER).fetchone()
                rows = {
                    (kind, rid): Row(kind, rid, mode, loads(data), version, stamp(at), by)
                    for kind, rid, mode, data, version, at, by in conn.execute(_RECORDS).fetchall()
                }
                prices: dict[str, list[PriceRow]] = {}
                for pid, subject, since, until, pricing, at, by in conn.execute(_PRICES).fetchall():
                    row = PriceRow(pid, subject, day(since), day(until), loads(pricing), stamp(at), by)
                    prices.setdefault(subject, []).append(row)
                timelines = {subject: version for subject, version in conn.execute(_TIMELINES).fetchall()}
            finally:
                conn.execute("COMMIT")
        return Snapshot(int(found[0]) if found and found[0] else 0, rows, prices, timelines)

    # -- noticing changes -----------------------------------------------------------------------------------

    def changed(self) -> bool:
        """Whether a write may have been committed since the last call, by any process."""
        if self._shared is not None:
            return True
        if not self._lock.acquire(blocking=False):
            return False  # another thread is reading or asking right now; a change stays to be seen
        try:
            if self._conn is None:
                now = time.monotonic()
                if now >= self._retry_at:
                    try:
                        self._open()
                    except Exception:
                        self._retry_at = now + RETRY
                return True  # a new connection has seen nothing yet: whatever happened meanwhile is unknown
            try:
                return self._poll()
            except Exception:  # the connection dropped: say "changed", reconnect on a later call
                self._drop()
                return True
        finally:
            self._lock.release()

    def reopen(self) -> None:
        """Drop the connection now and open a new one on next use (SQLite: a connection opened while the file
        was read-only stays read-only)."""
        with self._lock:
            self._drop()
            self._retry_at = 0.0

    def close(self) -> None:
        with self._lock:
            self._drop()

    # -- the connection -------------------------------------------------------------------------------------

    @contextmanager
    def _using(self) -> Iterator[Any]:
        """The connection, under the lock, for one read; any failure is a StoreError and drops it."""
        with self._lock:
            try:
                if self._shared is not None:
                    conn = self._shared()
                    try:
                        yield _Cursorless(conn)
                    finally:
                        conn.close()
                    return
                if self._conn is None:
                    self._open()
                yield self._conn
            except ModelregError:
                raise
            except Exception as exc:
                self._drop()
                error = as_store_error(exc, self.where)
                if error is None:
                    raise
                raise error from None

    def _open(self) -> None:
        self._conn = self._sqlite() if self.dialect == "sqlite" else self._postgresql()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        self._poll = lambda: True
        if conn is not None:
            with contextlib.suppress(Exception):  # closing a connection that is already gone
                conn.close()

    def _sqlite(self) -> Any:
        import sqlite3

        path = self._target.address
        sqlite_folder(path)
        raw = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
        seen = [raw.execute("PRAGMA data_version").fetchone()[0]]

        def poll() -> bool:
            now = raw.execute("PRAGMA data_version").fetchone()[0]
            moved, seen[0] = now != seen[0], now
            return bool(moved)

        self._poll = poll
        return raw

    def _postgresql(self) -> Any:
        import psycopg

        address = self._target.address
        if not self._target.timeout_in_url:  # libpq's minimum is 2 s
            address += ("&" if "?" in address else "?") + f"connect_timeout={max(2, round(self._timeout))}"
        conn = psycopg.connect(address, autocommit=True)
        conn.add_notify_handler(self._note)  # notifications that arrive while a read runs
        conn.execute(f"LISTEN {CHANNEL}")
        self._notified = False
        ok = psycopg.pq.ConnStatus.OK

        def poll() -> bool:
            pgconn = conn.pgconn
            pgconn.consume_input()  # raises when the server dropped the connection
            if pgconn.status != ok:
                raise psycopg.OperationalError("the listening connection is gone")
            moved, self._notified = self._notified, False
            while pgconn.notifies() is not None:
                moved = True
            return moved

        self._poll = poll
        return conn

    def _note(self, _: Any) -> None:
        self._notified = True


class _Cursorless:
    """A DB-API connection (the engine's, for a database in memory) with ``execute`` returning the cursor,
    as sqlite3's and psycopg's connections do."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str) -> Any:
        cursor = self._conn.cursor()
        cursor.execute(sql)
        return cursor


def _same(value: Any) -> Any:
    return value


def _sqlite_stamp(text: str) -> dt.datetime:
    return aware(dt.datetime.fromisoformat(text))  # SQLAlchemy stores UTC in SQLite, without the zone


def _sqlite_day(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)
