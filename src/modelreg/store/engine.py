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
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from modelreg.errors import ModelregError, StoreError, ValidationError
from modelreg.lazy import LazyModule

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlalchemy.engine import Connection, Engine
else:  # SQLAlchemy is imported by the first write, never by a load that only reads (store/reader.py)
    sa = LazyModule("sqlalchemy")

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
            f"not a database URL: {masked(url)!r}; expected sqlite:///path/to/file or postgresql://user@host/db"
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


def sqlite_folder(path: str | None) -> None:
    """Make the folder of the store's SQLite file ``path`` (None or ":memory:": a database in memory);
    StoreError when the path is a directory or its folder cannot be made."""
    if path and path != ":memory:":
        if os.path.isdir(path):
            raise StoreError(f"the store's SQLite file {path} is a directory")
        try:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder of the store's SQLite file {path}: {exc.strerror}") from None


def _sqlite(url: sa.engine.URL) -> Engine:
    from sqlalchemy import event

    sqlite_folder(url.database)
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
    except Exception as exc:
        error = as_store_error(exc, where)
        if error is None:
            raise
        raise error from None


def as_store_error(exc: Exception, where: str) -> ModelregError | None:
    """The modelreg error a database failure means (None: ``exc`` is no database failure). SQLAlchemy's
    errors are recognised only once it is imported: the read path (sqlite3, psycopg) never imports it."""
    errors = sys.modules.get("sqlalchemy.exc")
    if errors is not None and isinstance(exc, errors.DataError):
        return ValidationError(f"the database refused a value: {first_line(exc.orig)}", [("value", "refused")])
    if errors is not None and isinstance(exc, errors.SQLAlchemyError):
        cause = exc.orig if isinstance(exc, errors.DBAPIError) else exc
        return StoreError(f"the store at {where} did not answer: {first_line(cause)}")
    if isinstance(exc, OSError):
        return StoreError(f"the store at {where} cannot be used: {exc.strerror or exc}")
    if type(exc).__module__.startswith(("psycopg", "sqlite3")):
        return StoreError(f"the store at {where} did not answer: {first_line(exc)}")
    return None


def first_line(error: object) -> str:
    """The first non-empty line of an error's text, without SQLAlchemy's background links."""
    for line in str(error).splitlines():
        line = line.strip()
        if line and not line.startswith("(Background on this error"):
            return line
    return type(error).__name__


def masked(url: str) -> str:
    """``url`` with anything between ``://user:`` and ``@`` hidden (it may be a password)."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.partition(":")[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
