"""The store: the registry's own durable data over SQLite (default) or PostgreSQL, one code path for both.

Every write is one transaction that changes a record (or a price), appends to the change log (who, when,
before, after, why) and increments the change counter, so other processes notice it with one small read.

The database guards what must never go wrong, whatever the number of writers and processes:

* a record write names the version it read and updates ``… WHERE version = :read``: a record changed
  since is a ConflictError, never a lost update;
* price writes of one subject lock that subject's timeline row first (``UPDATE modelreg_timelines …``), so
  they run one after the other, and a unique partial index refuses a second open price of one subject.

Database failures surface as StoreError (one line, no password) and refused values as ValidationError.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from modelreg.errors import ConflictError, ModelNotFoundError, StoreError, ValidationError
from modelreg.lazy import LazyModule
from modelreg.store.engine import DEFAULT_TIMEOUT, first_line, make_engine, translated
from modelreg.store.migrations import HEAD
from modelreg.store.reader import Reader, Target, target
from modelreg.store.rows import (
    Change,
    Health,
    NewPrice,
    PriceRow,
    Row,
    Snapshot,
    Write,
    aware,
    change_of,
)

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlalchemy.engine import Connection, Engine

    from modelreg.store import sql, tables
else:  # the write path: imported by the first write, never by a load that only reads (reader.py)
    sa = LazyModule("sqlalchemy")
    sql = LazyModule("modelreg.store.sql")
    tables = LazyModule("modelreg.store.tables")

ROLES = ("reader", "editor", "admin")
MIGRATIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")
__all__ = ["Change", "Health", "NewPrice", "PriceRow", "Row", "Snapshot", "Store", "Write", "default_url"]


def default_url() -> str:
    """$MODELREG_DATABASE_URL, else the SQLite file in the user's data folder (created on first write)."""
    from modelreg.settings import default_sqlite_path

    return os.environ.get("MODELREG_DATABASE_URL") or f"sqlite:///{default_sqlite_path()}"


class Store:
    """Open with ``Store.open(url)``; it migrates itself and refuses a database newer than the code.

    Reads (``snapshot``, ``counter``, ``changed``) go through the driver on a connection of their own
    (``reader.py``); writes through SQLAlchemy Core, whose engine is made on first use."""

    def __init__(
        self, url: str, reader: Reader, *, connect_timeout: float = DEFAULT_TIMEOUT, engine: Engine | None = None
    ) -> None:
        self.dialect = reader.dialect  # "sqlite" or "postgresql"
        self._address = url
        self._reader = reader
        self._timeout = connect_timeout
        self._engine = engine
        self._engine_lock = threading.Lock()
        path = reader.path
        self._file = path if path and path != ":memory:" else None
        self._identity: tuple[int, int] | None = None  # the SQLite file's (device, inode) when opened
        self._file_writable = True  # whether the SQLite file could be written at the last write

    @classmethod
    def open(cls, url: str | None = None, *, migrate: bool = True, connect_timeout: float = DEFAULT_TIMEOUT) -> Store:
        """The store at ``url`` (``sqlite:///path`` or ``postgresql://…``, any SQLAlchemy URL of those; default:
        ``default_url()``), migrated to the latest schema. ``connect_timeout``: seconds to wait for a database
        server. StoreError when it cannot be used.

        Opening a store at the latest schema imports neither SQLAlchemy nor Alembic: the reader compares the
        database's revision with ``migrations.HEAD``, and Alembic runs only when they differ."""
        url = url or default_url()
        found, engine = target(url), None
        if found is None:  # a form only SQLAlchemy reads (or refuses: StoreError)
            engine = make_engine(url, connect_timeout=connect_timeout)
            found = _target_of(engine)
        in_memory = found.dialect == "sqlite" and found.address in ("", ":memory:")
        reader = Reader(found, connect_timeout, connect=engine.raw_connection if engine and in_memory else None)
        store = cls(url, reader, connect_timeout=connect_timeout, engine=engine)
        try:
            if migrate and reader.revisions() != (HEAD,):
                store.migrate()
            store._remember_file()
        except BaseException:
            store.close()
            raise
        return store

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine the writes use, made (and SQLAlchemy imported) on first use."""
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None:
                    self._engine = make_engine(self._address, connect_timeout=self._timeout)
        return self._engine

    @property
    def url(self) -> str:
        """The store's URL with its password hidden."""
        return self._reader.where

    def close(self) -> None:
        self._reader.close()
        if self._engine is not None:
            self._engine.dispose()

    # -- schema ---------------------------------------------------------------------------------------------

    @translated
    def migrate(self) -> None:
        """Bring the schema to the latest revision; refuse a database migrated by a newer modelreg."""
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", MIGRATIONS)
        script = ScriptDirectory.from_config(config)
        with self._write() as conn:
            if conn.dialect.name == "postgresql":  # two processes starting at once migrate one after the other
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4242001)")
            current = MigrationContext.configure(conn, opts={"version_table": "modelreg_alembic_version"})
            revision = current.get_current_revision()
            known = {rev.revision for rev in script.walk_revisions()}
            if revision is not None and revision not in known:
                raise StoreError(
                    f"the database at {self.url} was migrated by a newer modelreg (schema revision {revision!r}); "
                    "upgrade modelreg to use it"
                )
            if revision != script.get_current_head():
                from alembic import command

                config.attributes["connection"] = conn
                command.upgrade(config, "head")

    # -- reading --------------------------------------------------------------------------------------------

    def counter(self) -> int:
        """The change counter: it moves on every committed write, whichever process made it."""
        return self._reader.counter()

    def changed(self) -> bool:
        """Whether a write may have been committed since the last call, by any process: a check of a few
        microseconds (SQLite's data_version; PostgreSQL's LISTEN/NOTIFY), no query. True on the first call
        and whenever it cannot tell (the database dropped the connection); never raises."""
        return self._reader.changed()

    def snapshot(self) -> Snapshot:
        """Every record and price row, consistent with one counter value."""
        return self._reader.snapshot()

    @translated
    def row(self, kind: str, record_id: str) -> Row | None:
        if not sql.storable(record_id):
            return None  # no such id can have been stored
        with self.engine.connect() as conn:
            return sql.current_row(conn, kind, record_id)

    @translated
    def changes(self, kind: str | None = None, subject: str | None = None) -> list[Change]:
        """The change log, oldest first, optionally for one record."""
        if subject is not None and not sql.storable(subject):
            return []
        log = tables.changes
        query = sa.select(log).order_by(log.c.id)
        if kind is not None:
            query = query.where(log.c.kind == kind)
        if subject is not None:
            query = query.where(log.c.subject == subject)
        with self.engine.connect() as conn:
            return [change_of(c) for c in conn.execute(query)]

    @translated
    def change(self, change_id: int) -> Change:
        log = tables.changes
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(log).where(log.c.id == change_id)).first()
        if found is None:
            raise ModelNotFoundError(f"change {change_id}")
        return change_of(found)

    @translated
    def health(self) -> Health:
        """Whether the store answers and takes writes now (the SQLite file still the one opened, writable;
        PostgreSQL reachable, not a read-only replica, the tables writable by this user)."""
        problem = self._file_problem()
        if problem is not None:
            return Health(True, False, f"the SQLite file was {problem} while open: writes are refused")
        counter = tables.counter
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.select(counter.c.value).where(counter.c.name == "changes")).scalar()
                if conn.dialect.name == "postgresql":
                    read_only, allowed = conn.execute(
                        sa.text(
                            "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on', "
                            "has_table_privilege('modelreg_records', 'INSERT') "
                            "AND has_table_privilege('modelreg_records', 'UPDATE') "
                            "AND has_table_privilege('modelreg_prices', 'INSERT')"
                        )
                    ).one()
                    if read_only:
                        return Health(True, False, "the database is read-only (a replica, or read-only mode)")
                    if not allowed:
                        return Health(True, False, "this database user may not write the store's tables")
        except sa.exc.SQLAlchemyError as exc:
            cause = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
            return Health(False, False, f"the database did not answer: {first_line(cause)}")
        if self._file is not None:
            wal = self._file + "-wal"
            target = wal if os.path.exists(wal) else os.path.dirname(os.path.abspath(self._file))
            if not os.access(self._file, os.W_OK) or not os.access(target, os.W_OK):
                return Health(True, False, "the SQLite file (or its folder) is read-only")
        return Health(True, True)

    # -- writing --------------------------------------------------------------------------------------------

    @translated
    def put(
        self,
        kind: str,
        record_id: str,
        mode: str,
        data: dict[str, Any],
        *,
        version: int,
        actor: str,
        action: str,
        message: str | None = None,
    ) -> Row:
        """Write one record. ``version`` is the version the writer read (0: there was no stored row); the
        write happens only if the record is still at it (``UPDATE … WHERE version = :version``)."""
        sql.check_write(kind, mode, actor, record_id)
        with self._write() as conn:
            before = sql.current_row(conn, kind, record_id)
            actual = before.version if before else 0
            if actual != version:
                raise ConflictError(
                    f"{kind} {record_id} is at version {actual}, not {version}: re-read and retry",
                    expected=version,
                    actual=actual,
                )
            stamp, records = sql.now(), tables.records
            values = {"mode": mode, "data": data, "version": actual + 1, "updated_at": stamp, "updated_by": actor}
            if before is None:
                try:
                    conn.execute(sa.insert(records).values(kind=kind, id=record_id, **values))
                except sa.exc.IntegrityError as exc:  # another writer inserted first
                    raise ConflictError(
                        f"{kind} {record_id} was just created by someone else: re-read and retry",
                        expected=version,
                        actual=version + 1,
                    ) from exc
            else:
                done = conn.execute(
                    sa.update(records)
                    .where(records.c.kind == kind, records.c.id == record_id, records.c.version == version)
                    .values(**values)
                )
                if done.rowcount != 1:
                    raise ConflictError(
                        f"{kind} {record_id} changed while writing: re-read and retry", expected=version, actual=None
                    )
            after = Row(kind, record_id, mode, data, actual + 1, stamp, actor)
            sql.log_change(
                conn, actor, action, kind, record_id, before.as_json() if before else None, after.as_json(), message
            )
            return after

    @translated
    def remove(self, kind: str, record_id: str, *, version: int, actor: str, message: str | None = None) -> None:
        """Remove a stored row (an override goes, and the catalog's values come back)."""
        sql.check_write(kind, "add", actor, record_id)
        with self._write() as conn:
            before = sql.current_row(conn, kind, record_id)
            if before is None:
                raise ModelNotFoundError(f"{kind}/{record_id} (no stored record)")
            if before.version != version:
                raise ConflictError(
                    f"{kind} {record_id} is at version {before.version}, not {version}",
                    expected=version,
                    actual=before.version,
                )
            records = tables.records
            stored = (records.c.kind == kind, records.c.id == record_id, records.c.version == version)
            done = conn.execute(sa.delete(records).where(*stored))
            if done.rowcount != 1:
                raise ConflictError(f"{kind} {record_id} changed while writing: re-read and retry", expected=version)
            sql.log_change(conn, actor, "delete", kind, record_id, before.as_json(), None, message)

    @translated
    def add_price(
        self,
        subject: str,
        change: Mapping[str, Any],
        *,
        effective_from: dt.date,
        actor: str,
        message: str | None = None,
        kind: str = "model",
        base: Mapping[str, Any] | None = None,
        check: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        version: int | None = None,
    ) -> PriceRow:
        """Open a new price of ``subject`` from ``effective_from``; the price in force then is closed on that
        day, never overwritten. A price dated on or before the latest one is refused (history is appended,
        not rewritten).

        ``change`` names only the fields that change (None clears one); every other field carries over from
        the latest price (``base``, the catalog's price, when the store has none). ``check`` validates the
        result. ``version``: the timeline version the writer read (0: never priced in the store); a
        timeline changed since is a ConflictError. Price writes of one subject never interleave."""
        sql.check_write(kind, "add", actor, subject)
        with self._write() as conn:
            sql.lock_timeline(conn, subject, version)
            rows = sql.timeline(conn, subject)
            latest = rows[-1] if rows else None
            if latest is not None and effective_from <= latest.effective_from:
                raise ValidationError(
                    f"a price of {subject} already starts on {latest.effective_from}: a new price starts later",
                    [("effective_from", f"must be after {latest.effective_from}")],
                )
            pricing = dict(latest.pricing) if latest is not None else dict(base or {})
            for field, value in change.items():
                if value is None:
                    pricing.pop(field, None)
                else:
                    pricing[field] = value
            if check is not None:
                pricing = check(pricing)
            closed = None
            if latest is not None and latest.effective_until is None:
                prices = tables.prices
                conn.execute(sa.update(prices).where(prices.c.id == latest.id).values(effective_until=effective_from))
                closed = latest.as_json()
            row = sql.open_price(conn, subject, effective_from, pricing, actor)
            sql.log_change(conn, actor, "price", kind, subject, {"closed": closed}, {"opened": row.as_json()}, message)
            return row

    @translated
    def revert(self, change_id: int, *, actor: str, message: str | None = None) -> Change:
        """Undo one change by writing a new one that restores the state before it. A price change can be
        undone while it is the subject's latest price."""
        target = self.change(change_id)
        note = message or f"revert change {change_id}"
        if target.action == "price":
            sql.check_write(target.kind, "add", actor, target.subject)
            with self._write() as conn:
                sql.lock_timeline(conn, target.subject, None)
                opened = (target.after or {}).get("opened") or {}
                closed = (target.before or {}).get("closed")
                rows = sql.timeline(conn, target.subject)
                if not rows or rows[-1].id != opened.get("id"):
                    raise ConflictError(
                        f"change {change_id} opened a price of {target.subject} that is no longer its latest one "
                        "(already reverted, or a later price exists: revert that first)"
                    )
                prices = tables.prices
                conn.execute(sa.delete(prices).where(prices.c.id == opened["id"]))
                if closed and len(rows) > 1 and rows[-2].id == closed["id"]:
                    conn.execute(sa.update(prices).where(prices.c.id == closed["id"]).values(effective_until=None))
                sql.log_change(conn, actor, "revert", target.kind, target.subject, target.after, target.before, note)
        else:
            current = self.row(target.kind, target.subject)
            version = current.version if current else 0
            if target.before is None:
                self.remove(target.kind, target.subject, version=version, actor=actor, message=note)
            else:
                self.put(
                    target.kind,
                    target.subject,
                    target.before["mode"],
                    target.before["data"],
                    version=version,
                    actor=actor,
                    action="revert",
                    message=note,
                )
        return self.changes(target.kind, target.subject)[-1]

    @translated
    def write_many(
        self, writes: Sequence[Write], new_prices: Sequence[NewPrice], *, actor: str, message: str | None = None
    ) -> int:
        """Many record writes and new prices in ONE transaction: all are written, or none (a ConflictError
        when a record is no longer at the version the writer read, a ValidationError when a price does not
        start after its subject's latest one). One change-log entry each, one counter increment. Linear in
        the number of writes; returns how many changes were logged."""
        from modelreg.store import bulk

        for w in writes:
            sql.check_write(w.kind, w.mode or "add", w.actor or actor, w.id)
        for p in new_prices:
            sql.check_write(p.kind, "add", p.actor or actor, p.subject)
        if not writes and not new_prices:
            return 0
        with self._write() as conn:
            return bulk.write_many(conn, writes, new_prices, actor=actor, message=message)

    # -- API keys -------------------------------------------------------------------------------------------

    @translated
    def create_key(self, name: str, role: str) -> str:
        """A new API key for ``name`` with ``role``; the key is returned once and only its hash is kept."""
        import secrets

        if role not in ROLES:
            raise ValidationError("unknown role", [("role", f"one of {', '.join(ROLES)}")])
        from modelreg.validation import actor_problems

        problems = actor_problems(name, "name")
        if problems:
            raise ValidationError("a key needs a name (it is the actor in the change log)", problems)
        key, keys = "mr_" + secrets.token_urlsafe(32), tables.keys
        try:
            with self._write() as conn:
                conn.execute(sa.delete(keys).where(keys.c.name == name, keys.c.revoked.is_(True)))  # its name is free
                made = {"created_at": sql.now(), "revoked": False}
                conn.execute(sa.insert(keys).values(name=name, role=role, key_hash=_hash(key), **made))
        except sa.exc.IntegrityError as exc:
            raise ConflictError(f"a key named {name!r} exists: revoke it first") from exc
        return key

    @translated
    def key_owner(self, key: str) -> tuple[str, str] | None:
        """(name, role) of a valid key, or None."""
        keys = tables.keys
        with self.engine.connect() as conn:
            found = conn.execute(
                sa.select(keys.c.name, keys.c.role).where(keys.c.key_hash == _hash(key), keys.c.revoked.is_(False))
            ).first()
        return None if found is None else (found.name, found.role)

    @translated
    def revoke_key(self, name: str) -> None:
        if not sql.storable(name, sql.MAX_NAME):
            raise ModelNotFoundError(f"key {name}")
        keys = tables.keys
        with self._write() as conn:
            done = conn.execute(sa.update(keys).where(keys.c.name == name).values(revoked=True))
        if done.rowcount == 0:
            raise ModelNotFoundError(f"key {name}")

    @translated
    def list_keys(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [
                {"name": k.name, "role": k.role, "created_at": aware(k.created_at).isoformat(), "revoked": k.revoked}
                for k in conn.execute(sa.select(tables.keys).order_by(tables.keys.c.name))
            ]

    # -- connections ----------------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        problem = self._file_problem()
        if problem is not None:
            raise StoreError(
                f"the store's SQLite file {self._file} was {problem} while open: writes are refused (they would "
                "be lost); restart modelreg to use the file there now"
            )
        if self._file is not None and self._identity is not None:
            writable = os.access(self._file, os.W_OK)
            if writable and not self._file_writable:  # connections opened while it was read-only stay read-only
                self.engine.dispose()
                self._reader.reopen()
            self._file_writable = writable
            if not writable:
                raise StoreError(f"the store's SQLite file {self._file} is read-only: writes are refused")
        try:
            with self.engine.connect().execution_options(modelreg_write=True) as conn, conn.begin():
                yield conn
        except sa.exc.OperationalError:
            if self._file is not None:
                # a SQLite connection opened while the file was read-only stays read-only: open fresh ones
                self.engine.dispose()
            raise
        self._remember_file()

    def _remember_file(self) -> None:
        if self._file is not None and self._identity is None and os.path.exists(self._file):
            st = os.stat(self._file)
            self._identity = (st.st_dev, st.st_ino)
            self._file_writable = os.access(self._file, os.W_OK)

    def _file_problem(self) -> str | None:
        """Why the SQLite file opened can no longer take writes: "deleted", or "replaced" by another file."""
        if self._file is None or self._identity is None:
            return None
        try:
            st = os.stat(self._file)
        except FileNotFoundError:
            return "deleted"
        if (st.st_dev, st.st_ino) != self._identity:
            return "replaced"
        return None


def _hash(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode("utf-8")).hexdigest()  # keys are 256 random bits: no salt or stretch needed


def _target_of(engine: Engine) -> Target:
    """What the reader connects to for a URL SQLAlchemy read (an unusual form of a SQLite or PostgreSQL URL)."""
    url = engine.url
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite":
        return Target("sqlite", url.database or "", shown)
    address = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return Target("postgresql", address, shown)
