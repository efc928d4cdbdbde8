"""Opening a database for the store: which URLs we take, connect timeouts, and database failures turned
into modelreg's own errors, each one line (the driver's first line; never the URL's password).

    sqlalchemy / driver error                 ->  modelreg error
    connection refused, dropped, timed out,   ->  StoreError   "the store at <url> did not answer: <first line>"
      read-only file, disk full, …
    a value the database refuses (too long,   ->  ValidationError
      a NUL character)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from modelreg.errors import ModelregError, StoreError, ValidationError

DEFAULT_TIMEOUT = 5.0  # seconds to wait for a database server to accept a connection
SQLITE_BUSY_TIMEOUT = 30.0  # seconds a SQLite writer waits for another writer's transaction to end
SCHEMES = ("sqlite", "postgresql")

P = ParamSpec("P")
T = TypeVar("T")


def make_engine(url: str, *, connect_timeout: float = DEFAULT_TIMEOUT) -> Engine:
    """An engine for a SQLite or PostgreSQL URL, with a connect timeout; StoreError for anything else."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise StoreError(
            f"not a database URL: {_masked(url)!r}; expected sqlite:///path/to/file or postgresql://user@host/db"
        ) from None
    scheme = parsed.get_backend_name()
    if scheme not in SCHEMES:
        raise StoreError(f"unsupported database {scheme!r} in the store URL: modelreg stores in SQLite or PostgreSQL")
    if scheme == "sqlite":
        return _sqlite(parsed)
    if parsed.drivername in ("postgresql", "postgresql+psycopg"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise StoreError("a PostgreSQL store needs psycopg: pip install 'modelreg[postgres]'") from None
    timeout = parsed.query.get("connect_timeout") or max(2, round(connect_timeout))  # libpq's minimum is 2 s
    return sa.create_engine(
        parsed.difference_update_query(["connect_timeout"]),
        pool_pre_ping=True,  # a connection the server dropped is replaced, not handed out
        connect_args={"connect_timeout": int(str(timeout))},
    )


def _sqlite(url: sa.engine.URL) -> Engine:
    path = url.database
    if path and path != ":memory:":
        if os.path.isdir(path):
            raise StoreError(f"the store's SQLite file {path} is a directory")
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder of the store's SQLite file {path}: {exc.strerror}") from None
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        # a writer takes the write lock up front: two writers never deadlock upgrading a read lock, and
        # writers are serialized (what keeps each price timeline in order on SQLite)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("modelreg_write") else "BEGIN")

    return engine


def translated(method: Callable[P, T]) -> Callable[P, T]:
    """Run a Store method with every database failure raised as a StoreError or ValidationError."""

    @wraps(method)
    def running(*args: P.args, **kwargs: P.kwargs) -> T:
        with failures_translated(getattr(args[0], "url", "the store")):
            return method(*args, **kwargs)

    return running


@contextmanager
def failures_translated(where: str) -> Iterator[None]:
    try:
        yield
    except ModelregError:
        raise
    except sa.exc.DataError as exc:
        raise ValidationError(f"the database refused a value: {first_line(exc.orig)}", [("value", "refused")]) from None
    except sa.exc.SQLAlchemyError as exc:
        cause = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
        raise StoreError(f"the store at {where} did not answer: {first_line(cause)}") from None
    except OSError as exc:
        raise StoreError(f"the store at {where} cannot be used: {exc.strerror or exc}") from None
    except Exception as exc:
        if type(exc).__module__.startswith(("psycopg", "sqlite3")):
            raise StoreError(f"the store at {where} did not answer: {first_line(exc)}") from None
        raise


def first_line(error: object) -> str:
    """The first non-empty line of an error's text, without SQLAlchemy's background links."""
    for line in str(error).splitlines():
        line = line.strip()
        if line and not line.startswith("(Background on this error"):
            return line
    return type(error).__name__


def _masked(url: str) -> str:
    """``url`` with anything between ``://user:`` and ``@`` hidden (it may be a password)."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.partition(":")[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
