"""A cheap way to learn that another connection committed, polled on every read: per dialect, no query.

SQLite: ``PRAGMA data_version`` on a connection of its own moves when any other connection commits.
PostgreSQL: a connection that LISTENs to ``modelreg_changes`` (writers NOTIFY in their transaction).

``changed()`` never raises and never blocks on another thread: when it cannot tell (its connection
dropped, the database is away) it answers True, so the caller re-reads the counter, and it reconnects
at most once per ``RETRY`` seconds.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

CHANNEL = "modelreg_changes"
RETRY = 1.0


class Watch:
    def __init__(self, engine: Engine, connect_timeout: float) -> None:
        self._engine = engine
        self._timeout = connect_timeout
        self._lock = threading.Lock()
        self._conn: Any = None
        self._poll: Callable[[], bool] = lambda: True
        self._retry_at = 0.0
        dialect = engine.dialect.name
        self._connect: Callable[[], Any] | None = None
        if dialect == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            self._connect = self._sqlite
        elif dialect == "postgresql":
            self._connect = self._postgresql

    def changed(self) -> bool:
        """Whether a write may have been committed since the last call, by any process."""
        if self._connect is None:
            return True
        if not self._lock.acquire(blocking=False):
            return False  # another thread is asking right now; it will see the change and refresh
        try:
            if self._conn is None:
                return self._reconnect()
            try:
                return self._poll()
            except Exception:  # the connection dropped: say "changed", reconnect on a later call
                self._drop()
                return True
        finally:
            self._lock.release()

    def close(self) -> None:
        with self._lock:
            self._drop()

    def reopen(self) -> None:
        """Drop the connection now and open a new one on the next call (SQLite shares one read-only mapping
        of the WAL index among a process's connections while any of them holds it)."""
        with self._lock:
            self._drop()
            self._retry_at = 0.0

    def _reconnect(self) -> bool:
        now = time.monotonic()
        if now >= self._retry_at:
            assert self._connect is not None
            try:
                self._conn = self._connect()
            except Exception:
                self._conn = None
                self._retry_at = now + RETRY
        return True  # a new connection has seen nothing yet: whatever happened meanwhile is unknown

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        self._retry_at = time.monotonic() + RETRY
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def _sqlite(self) -> Any:
        import sqlite3

        raw = sqlite3.connect(self._engine.url.database or "", isolation_level=None, check_same_thread=False)
        seen = [raw.execute("PRAGMA data_version").fetchone()[0]]

        def poll() -> bool:
            now = raw.execute("PRAGMA data_version").fetchone()[0]
            moved, seen[0] = now != seen[0], now
            return bool(moved)

        self._poll = poll
        return raw

    def _postgresql(self) -> Any:
        import psycopg

        url = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        listener = psycopg.connect(url, autocommit=True, connect_timeout=max(2, round(self._timeout)))
        listener.execute(f"LISTEN {CHANNEL}")

        def poll() -> bool:
            pgconn = listener.pgconn
            pgconn.consume_input()  # raises when the server dropped the connection
            if pgconn.status != psycopg.pq.ConnStatus.OK:
                raise psycopg.OperationalError("the listening connection is gone")
            moved = False
            while pgconn.notifies() is not None:
                moved = True
            return moved

        self._poll = poll
        return listener
