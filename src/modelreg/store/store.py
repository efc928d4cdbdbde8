"""The store: the registry's own durable data over SQLite (default) or PostgreSQL, one code path for both.

Every write is one transaction that changes a record (or a price), appends to the change log (who, when,
before, after, why) and increments the change counter, so other processes notice it with one small read.
Updates name the version they read: a record changed since is a ConflictError, never a lost update.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from modelreg.errors import ConflictError, ModelNotFoundError, StoreError, ValidationError
from modelreg.store.tables import changes, counter, keys, prices, records

KINDS = ("provider", "platform", "model", "route")
ROLES = ("reader", "editor", "admin")
MODES = ("add", "override", "hide")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class Row(NamedTuple):
    """One stored record: ``add`` a new one, ``override`` fields of a catalog one, or ``hide`` one."""

    kind: str
    id: str
    mode: str
    data: dict[str, Any]
    version: int
    updated_at: dt.datetime
    updated_by: str

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "data": self.data,
            "version": self.version,
            "updated_at": self.updated_at.isoformat(),
            "updated_by": self.updated_by,
        }


class PriceRow(NamedTuple):
    id: int
    subject: str
    effective_from: dt.date
    effective_until: dt.date | None
    pricing: dict[str, Any]
    created_at: dt.datetime
    created_by: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "subject": self.subject,
            "effective_from": self.effective_from.isoformat(),
            "effective_until": self.effective_until.isoformat() if self.effective_until else None,
            "pricing": self.pricing,
        }


class Change(NamedTuple):
    """One entry of the change log."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    kind: str
    subject: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    message: str | None


class Snapshot(NamedTuple):
    """Everything the store holds, read in one transaction, and the counter it was read at."""

    counter: int
    records: dict[tuple[str, str], Row]
    prices: dict[str, list[PriceRow]]


CONNECT_TIMEOUT = 10
"""Seconds to wait for a PostgreSQL server to accept a connection."""


def default_url() -> str:
    """$MODELREG_DATABASE_URL, else the SQLite file in the user's data folder (created on first write)."""
    from modelreg.settings import default_sqlite_path

    return os.environ.get("MODELREG_DATABASE_URL") or f"sqlite:///{default_sqlite_path()}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Store:
    """Open with ``Store.open(url)``; it migrates itself and refuses a database newer than the code."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._poll: Connection | None = None
        self._watch: _Watch | None = None

    @classmethod
    def open(cls, url: str | None = None, *, migrate: bool = True) -> Store:
        """The store at ``url`` (a SQLAlchemy URL; default: ``default_url()``), migrated to the latest schema."""
        url = url or default_url()
        scheme, found, _ = url.partition("://")
        if not found or scheme.partition("+")[0] not in ("sqlite", "postgresql"):
            shown = repr(scheme) if found else "a URL with no scheme"
            raise StoreError(f"cannot use {shown} as the store: give sqlite:///path or postgresql://…")
        try:
            store = cls(_engine(url))
            if migrate:
                store.migrate()
        except (sa.exc.SQLAlchemyError, OSError, ImportError) as exc:  # no driver, no server, no database
            reason = getattr(exc, "orig", None) or exc
            raise StoreError(f"cannot open the store at {_safe(url)}: {' '.join(str(reason).split())}") from exc
        return store

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()
            self._watch = None
        if self._poll is not None:
            self._poll.close()
            self._poll = None
        self.engine.dispose()

    # -- schema ---------------------------------------------------------------------------------------------

    def migrate(self) -> None:
        """Bring the schema to the latest revision; refuse a database migrated by a newer modelreg."""
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        script = ScriptDirectory.from_config(config)
        with self._write() as conn:
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
        if self._poll is None:
            self._poll = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        value = self._poll.execute(sa.select(counter.c.value).where(counter.c.name == "changes")).scalar()
        return int(value or 0)

    def changed(self) -> bool:
        """Whether a write may have been committed since the last call, by any process: a check of a few
        microseconds (SQLite's data_version; PostgreSQL's LISTEN/NOTIFY), no query. True on the first call."""
        if self._watch is None:
            self._watch = _Watch.of(self.engine)
            return True
        return self._watch.changed()

    def snapshot(self) -> Snapshot:
        """Every record and price row, consistent with one counter value."""
        with self.engine.connect() as conn, conn.begin():
            value = conn.execute(sa.select(counter.c.value).where(counter.c.name == "changes")).scalar()
            rows = {(r.kind, r.id): _row(r) for r in conn.execute(sa.select(records))}
            by_subject: dict[str, list[PriceRow]] = {}
            for p in conn.execute(sa.select(prices).order_by(prices.c.subject, prices.c.effective_from, prices.c.id)):
                by_subject.setdefault(p.subject, []).append(_price(p))
        return Snapshot(int(value or 0), rows, by_subject)

    def row(self, kind: str, record_id: str) -> Row | None:
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(records).where(records.c.kind == kind, records.c.id == record_id)).first()
        return None if found is None else _row(found)

    def changes(self, kind: str | None = None, subject: str | None = None) -> list[Change]:
        """The change log, oldest first, optionally for one record."""
        query = sa.select(changes).order_by(changes.c.id)
        if kind is not None:
            query = query.where(changes.c.kind == kind)
        if subject is not None:
            query = query.where(changes.c.subject == subject)
        with self.engine.connect() as conn:
            return [_change(c) for c in conn.execute(query)]

    def change(self, change_id: int) -> Change:
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(changes).where(changes.c.id == change_id)).first()
        if found is None:
            raise ModelNotFoundError(f"change {change_id}")
        return _change(found)

    # -- writing --------------------------------------------------------------------------------------------

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
        """Write one record. ``version`` is the version the writer read (0: there was no stored row)."""
        _check(kind, mode, actor)
        with self._write() as conn:
            before = _current(conn, kind, record_id)
            actual = before.version if before else 0
            if actual != version:
                raise ConflictError(
                    f"{kind} {record_id} is at version {actual}, not {version}: re-read and retry",
                    expected=version,
                    actual=actual,
                )
            stamp = _now()
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
            _log(conn, actor, action, kind, record_id, before.as_json() if before else None, after.as_json(), message)
            return after

    def remove(self, kind: str, record_id: str, *, version: int, actor: str, message: str | None = None) -> None:
        """Remove a stored row (an override goes, and the catalog's values come back)."""
        _check(kind, "add", actor)
        with self._write() as conn:
            before = _current(conn, kind, record_id)
            if before is None:
                raise ModelNotFoundError(f"{kind}/{record_id} (no stored record)")
            if before.version != version:
                raise ConflictError(
                    f"{kind} {record_id} is at version {before.version}, not {version}",
                    expected=version,
                    actual=before.version,
                )
            conn.execute(
                sa.delete(records).where(
                    records.c.kind == kind, records.c.id == record_id, records.c.version == version
                )
            )
            _log(conn, actor, "delete", kind, record_id, before.as_json(), None, message)

    def add_price(
        self,
        subject: str,
        pricing: dict[str, Any],
        *,
        effective_from: dt.date,
        actor: str,
        message: str | None = None,
        kind: str = "model",
    ) -> PriceRow:
        """Open a new price from ``effective_from``; the price in force then is closed on that day, never
        overwritten. A price dated before the latest one is refused (history is appended, not rewritten)."""
        _check(kind, "add", actor)
        with self._write() as conn:
            rows = [
                _price(p)
                for p in conn.execute(
                    sa.select(prices).where(prices.c.subject == subject).order_by(prices.c.effective_from, prices.c.id)
                )
            ]
            latest = rows[-1] if rows else None
            if latest is not None and effective_from <= latest.effective_from:
                raise ValidationError(
                    f"a price of {subject} already starts on {latest.effective_from}",
                    [("effective_from", f"must be after {latest.effective_from}")],
                )
            closed = None
            if latest is not None and latest.effective_until is None:
                conn.execute(sa.update(prices).where(prices.c.id == latest.id).values(effective_until=effective_from))
                closed = latest.as_json()
            created = _now()
            inserted = conn.execute(
                sa.insert(prices).values(
                    subject=subject,
                    effective_from=effective_from,
                    effective_until=None,
                    pricing=pricing,
                    created_at=created,
                    created_by=actor,
                )
            ).inserted_primary_key
            assert inserted is not None
            row = PriceRow(int(inserted[0]), subject, effective_from, None, pricing, created, actor)
            _log(conn, actor, "price", kind, subject, {"closed": closed}, {"opened": row.as_json()}, message)
            return row

    def revert(self, change_id: int, *, actor: str, message: str | None = None) -> Change:
        """Undo one change by writing a new one that restores the state before it."""
        target = self.change(change_id)
        note = message or f"revert change {change_id}"
        if target.action == "price":
            with self._write() as conn:
                opened = (target.after or {}).get("opened") or {}
                closed = (target.before or {}).get("closed")
                conn.execute(sa.delete(prices).where(prices.c.id == opened.get("id")))
                if closed:
                    conn.execute(sa.update(prices).where(prices.c.id == closed["id"]).values(effective_until=None))
                _log(conn, actor, "revert", target.kind, target.subject, target.after, target.before, note)
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

    # -- API keys -------------------------------------------------------------------------------------------

    def create_key(self, name: str, role: str) -> str:
        """A new API key for ``name`` with ``role``; the key is returned once and only its hash is kept."""
        import secrets

        if role not in ROLES:
            raise ValidationError("unknown role", [("role", f"one of {', '.join(ROLES)}")])
        from modelreg.validation import actor_problems

        problems = actor_problems(name, "name")
        if problems:
            raise ValidationError("a key needs a name (it is the actor in the change log)", problems)
        key = "mr_" + secrets.token_urlsafe(32)
        try:
            with self._write() as conn:
                conn.execute(sa.delete(keys).where(keys.c.name == name, keys.c.revoked.is_(True)))  # its name is free
                conn.execute(
                    sa.insert(keys).values(name=name, role=role, key_hash=_hash(key), created_at=_now(), revoked=False)
                )
        except sa.exc.IntegrityError as exc:
            raise ConflictError(f"a key named {name!r} exists: revoke it first") from exc
        return key

    def key_owner(self, key: str) -> tuple[str, str] | None:
        """(name, role) of a valid key, or None."""
        with self.engine.connect() as conn:
            found = conn.execute(
                sa.select(keys.c.name, keys.c.role).where(keys.c.key_hash == _hash(key), keys.c.revoked.is_(False))
            ).first()
        return None if found is None else (found.name, found.role)

    def revoke_key(self, name: str) -> None:
        with self._write() as conn:
            done = conn.execute(sa.update(keys).where(keys.c.name == name).values(revoked=True))
        if done.rowcount == 0:
            raise ModelNotFoundError(f"key {name}")

    def list_keys(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [
                {"name": k.name, "role": k.role, "created_at": _aware(k.created_at).isoformat(), "revoked": k.revoked}
                for k in conn.execute(sa.select(keys).order_by(keys.c.name))
            ]

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.connect().execution_options(modelreg_write=True) as conn, conn.begin():
            yield conn


def _hash(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode("utf-8")).hexdigest()  # keys are 256 random bits: no salt or stretch needed


def _check(kind: str, mode: str, actor: str) -> None:
    if kind not in KINDS:
        raise ValidationError("unknown record kind", [("kind", f"one of {', '.join(KINDS)}")])
    if mode not in MODES:
        raise ValidationError("unknown record mode", [("mode", f"one of {', '.join(MODES)}")])
    if not actor or not actor.strip():
        raise ValidationError("every write names who made it", [("actor", "required")])


def _current(conn: Connection, kind: str, record_id: str) -> Row | None:
    found = conn.execute(sa.select(records).where(records.c.kind == kind, records.c.id == record_id)).first()
    return None if found is None else _row(found)


def _log(
    conn: Connection,
    actor: str,
    action: str,
    kind: str,
    subject: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    message: str | None,
) -> None:
    conn.execute(
        sa.insert(changes).values(
            at=_now(),
            actor=actor,
            action=action,
            kind=kind,
            subject=subject,
            before=before,
            after=after,
            message=message,
        )
    )
    conn.execute(sa.update(counter).where(counter.c.name == "changes").values(value=counter.c.value + 1))
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"NOTIFY {_CHANNEL}")  # delivered to listeners when the transaction commits


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # SQLite hands back naive datetimes


def _row(r: Any) -> Row:
    return Row(r.kind, r.id, r.mode, r.data, r.version, _aware(r.updated_at), r.updated_by)


def _price(p: Any) -> PriceRow:
    return PriceRow(p.id, p.subject, p.effective_from, p.effective_until, p.pricing, _aware(p.created_at), p.created_by)


def _change(c: Any) -> Change:
    return Change(c.id, _aware(c.at), c.actor, c.action, c.kind, c.subject, c.before, c.after, c.message)


_CHANNEL = "modelreg_changes"


class _Watch:
    """A cheap way to learn that another connection committed: per dialect, no SQL round trip."""

    def __init__(self, check: Any, close: Any) -> None:
        self._check = check
        self._close = close

    @classmethod
    def of(cls, engine: Engine) -> _Watch:
        if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            import sqlite3

            raw = sqlite3.connect(engine.url.database, isolation_level=None, check_same_thread=False)
            seen = [raw.execute("PRAGMA data_version").fetchone()[0]]

            def sqlite_changed() -> bool:
                now = raw.execute("PRAGMA data_version").fetchone()[0]
                moved, seen[0] = now != seen[0], now
                return bool(moved)

            return cls(sqlite_changed, raw.close)
        if engine.dialect.name == "postgresql":
            import psycopg

            url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            listener = psycopg.connect(url, autocommit=True)
            listener.execute(f"LISTEN {_CHANNEL}")

            def pg_changed() -> bool:
                pgconn = listener.pgconn
                pgconn.consume_input()
                moved = False
                while pgconn.notifies() is not None:
                    moved = True
                return moved

            return cls(pg_changed, listener.close)
        return cls(lambda: True, lambda: None)

    def changed(self) -> bool:
        return bool(self._check())

    def close(self) -> None:
        self._close()


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            options = conn.get_execution_options()
            if options.get("isolation_level") == "AUTOCOMMIT":
                return  # the counter poll: every read sees the latest commit
            # a writer takes the write lock up front: two writers never deadlock upgrading a read lock
            conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("modelreg_write") else "BEGIN")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("postgresql"):
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise StoreError("a PostgreSQL store needs psycopg: pip install 'modelreg[postgres]'") from None
    # a server that never answers must not hang a command: libpq's connect_timeout, unless the URL sets one
    timeout = {} if "connect_timeout" in sa.engine.make_url(url).query else {"connect_timeout": CONNECT_TIMEOUT}
    return sa.create_engine(url, pool_pre_ping=True, connect_args=timeout)


def _safe(url: str) -> str:
    """The URL to show in a message: its password hidden."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url.partition("://")[0] + "://…"
