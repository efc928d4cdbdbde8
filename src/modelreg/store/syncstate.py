"""What sync keeps in the store: each source's last applied snapshot, every run, the review queue.

All of it lives in the store's database, so every instance sharing a PostgreSQL sees one state: which
snapshot of each source the registry reflects (a later sync that does not fetch a source merges with it),
what each run did, and the changes held for a person to accept or reject. A sync's changes, its run rows,
its held changes and its new baselines are written in ONE transaction (``commit``): all, or nothing.
"""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from modelreg.errors import ConflictError, ValidationError
from modelreg.store.rows import NewPrice, Write, aware

if TYPE_CHECKING:
    from modelreg.store.store import Store

LOCK_KEY = 0x6D6F_6465_6C72  # "modelr": the advisory lock one sync at a time holds on PostgreSQL


class Baseline(NamedTuple):
    source: str
    digest: str
    location: str
    body: bytes  # as fetched (decompressed)
    applied_at: dt.datetime


class Run(NamedTuple):
    source: str
    started_at: dt.datetime
    finished_at: dt.datetime
    status: str  # applied | unchanged | dry-run | failed | skipped
    digest: str | None
    records: int
    applied: int
    held: int
    message: str | None
    id: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "finished_at": self.finished_at.isoformat(timespec="seconds"),
            "seconds": round((self.finished_at - self.started_at).total_seconds(), 3),
            "status": self.status,
            "digest": self.digest,
            "records": self.records,
            "applied": self.applied,
            "held": self.held,
            "message": self.message,
        }


class Review(NamedTuple):
    id: int
    source: str
    kind: str
    subject: str
    change: dict[str, Any]
    reason: str
    status: str  # pending | accepted | rejected
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "kind": self.kind,
            "subject": self.subject,
            "change": self.change,
            "reason": self.reason,
            "status": self.status,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "decided_at": self.decided_at.isoformat(timespec="seconds") if self.decided_at else None,
            "decided_by": self.decided_by,
        }


class NewReview(NamedTuple):
    source: str
    kind: str
    subject: str
    change: dict[str, Any]
    reason: str


class SyncState:
    """The sync tables of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def baselines(self, sources: Sequence[str] | None = None) -> dict[str, Baseline]:
        import sqlalchemy as sa

        from modelreg.store.tables import sync_sources as table

        query = sa.select(table)
        if sources is not None:
            query = query.where(table.c.source.in_(list(sources)))
        with self.store.engine.connect() as conn:
            rows = list(conn.execute(query))
        return {
            r.source: Baseline(r.source, r.digest, r.location, gzip.decompress(r.body), aware(r.applied_at))
            for r in rows
        }

    def digests(self) -> dict[str, str]:
        import sqlalchemy as sa

        from modelreg.store.tables import sync_sources as table

        with self.store.engine.connect() as conn:
            return {r.source: r.digest for r in conn.execute(sa.select(table.c.source, table.c.digest))}

    def runs(self, *, source: str | None = None, limit: int = 100) -> list[Run]:
        """The latest runs, newest first."""
        import sqlalchemy as sa

        from modelreg.store.tables import sync_runs as table

        query = sa.select(table).order_by(table.c.id.desc()).limit(limit)
        if source is not None:
            query = query.where(table.c.source == source)
        with self.store.engine.connect() as conn:
            return [_run(r) for r in conn.execute(query)]

    def last_runs(self) -> dict[str, Run]:
        """Each source's latest run."""
        import sqlalchemy as sa

        from modelreg.store.tables import sync_runs as table

        latest = sa.select(sa.func.max(table.c.id)).group_by(table.c.source).scalar_subquery()
        with self.store.engine.connect() as conn:
            rows = [_run(r) for r in conn.execute(sa.select(table).where(table.c.id.in_(latest)))]
        return {r.source: r for r in sorted(rows, key=lambda r: r.source)}

    def run_counts(self) -> dict[tuple[str, str], int]:
        """How many runs each (source, status) has had: the counters /metrics exposes, the same in every
        instance sharing the store."""
        import sqlalchemy as sa

        from modelreg.store.tables import sync_runs as table

        query = sa.select(table.c.source, table.c.status, sa.func.count()).group_by(table.c.source, table.c.status)
        with self.store.engine.connect() as conn:
            return {(source, status): n for source, status, n in conn.execute(query)}

    def pending_reviews(self) -> int:
        import sqlalchemy as sa

        from modelreg.store.tables import sync_reviews as table

        query = sa.select(sa.func.count()).where(table.c.status == "pending")
        with self.store.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def reviews(self, status: str | None = "pending") -> list[Review]:
        import sqlalchemy as sa

        from modelreg.store.tables import sync_reviews as table

        query = sa.select(table).order_by(table.c.id)
        if status is not None:
            query = query.where(table.c.status == status)
        with self.store.engine.connect() as conn:
            return [_review(r) for r in conn.execute(query)]

    def review(self, review_id: int) -> Review:
        import sqlalchemy as sa

        from modelreg.store.tables import sync_reviews as table

        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(table).where(table.c.id == review_id)).first()
        if row is None:
            raise ValidationError(f"no held change {review_id}", [("id", "see `modelreg sync review`")])
        return _review(row)

    def commit(
        self,
        *,
        writes: Sequence[Write],
        new_prices: Sequence[NewPrice],
        runs: Sequence[Run],
        reviews: Sequence[NewReview],
        baselines: Sequence[Baseline],
        actor: str,
        message: str | None,
    ) -> int:
        """Apply a sync in ONE transaction: its record writes and prices (store.bulk: version checks, one
        change-log entry each), its run rows, its held changes and its sources' new baselines. Returns the
        number of changes logged."""
        import sqlalchemy as sa

        from modelreg.store import bulk, sql, tables

        for w in writes:
            sql.check_write(w.kind, w.mode or "add", w.actor or actor, w.id)
        for p in new_prices:
            sql.check_write(p.kind, "add", p.actor or actor, p.subject)
        with self.store._write() as conn:
            logged = bulk.write_many(conn, writes, new_prices, actor=actor, message=message)
            stamp = sql.now()
            if reviews:
                # a change waiting for review, or rejected before, is not queued again
                table = tables.sync_reviews
                pending = {
                    (r.source, r.kind, r.subject, _key(r.change))
                    for r in map(_review, conn.execute(sa.select(table).where(table.c.status != "accepted")))
                }
                fresh = [r for r in reviews if (r.source, r.kind, r.subject, _key(r.change)) not in pending]
                if fresh:
                    conn.execute(
                        sa.insert(tables.sync_reviews),
                        [{**r._asdict(), "status": "pending", "created_at": stamp} for r in fresh],
                    )
            for b in baselines:
                values = {
                    "digest": b.digest,
                    "location": b.location,
                    "body": gzip.compress(b.body, compresslevel=6, mtime=0),
                    "applied_at": stamp,
                }
                table = tables.sync_sources
                done = conn.execute(sa.update(table).where(table.c.source == b.source).values(**values))
                if done.rowcount == 0:
                    conn.execute(sa.insert(table).values(source=b.source, **values))
            if runs:
                conn.execute(sa.insert(tables.sync_runs), [_run_values(r) for r in runs])
        return logged

    def record_runs(self, runs: Sequence[Run]) -> None:
        """Runs that changed nothing (failed, skipped, unchanged, dry runs): their rows alone."""
        if not runs:
            return
        import sqlalchemy as sa

        from modelreg.store import tables

        with self.store._write() as conn:
            conn.execute(sa.insert(tables.sync_runs), [_run_values(r) for r in runs])

    def decide(
        self,
        review_id: int,
        status: str,
        *,
        by: str,
        writes: Sequence[Write] = (),
        new_prices: Sequence[NewPrice] = (),
        message: str | None = None,
    ) -> int:
        """Close a held change as ``accepted`` (its writes and prices applied in the same transaction) or
        ``rejected``; a change decided before is a ConflictError. Returns the changes logged."""
        import sqlalchemy as sa

        from modelreg.store import bulk, sql, tables

        if status not in ("accepted", "rejected"):
            raise ValidationError("a review is accepted or rejected", [("status", status)])
        table = tables.sync_reviews
        with self.store._write() as conn:
            done = conn.execute(
                sa.update(table)
                .where(table.c.id == review_id, table.c.status == "pending")
                .values(status=status, decided_at=sql.now(), decided_by=by)
            )
            if done.rowcount == 0:
                found = conn.execute(sa.select(table.c.status).where(table.c.id == review_id)).first()
                if found is None:
                    raise ValidationError(f"no held change {review_id}", [("id", "see `modelreg sync review`")])
                raise ConflictError(f"held change {review_id} was already {found.status}")
            if status == "accepted":
                return bulk.write_many(conn, writes, new_prices, actor=by, message=message)
        return 0

    @contextmanager
    def lock(self) -> Iterator[bool]:
        """Hold the one-sync-at-a-time lock while the block runs: True when this process holds it, False
        when another instance does (PostgreSQL: a session advisory lock). On SQLite, one machine's
        processes share the file, and its write transaction serializes them: always True."""
        if self.store.dialect != "postgresql":
            yield True
            return
        import sqlalchemy as sa

        with self.store.engine.connect() as conn:
            held = bool(conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar())
            conn.commit()
            try:
                yield held
            finally:
                if held:
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                    conn.commit()


def _key(change: dict[str, Any]) -> str:
    """What makes two held changes the same: what they would do (not when they were found)."""
    import json

    spec = change.get("apply") or change
    return json.dumps([spec.get("what"), spec.get("field"), spec.get("new")], sort_keys=True, default=str)


def _run(r: Any) -> Run:
    return Run(
        r.source,
        aware(r.started_at),
        aware(r.finished_at),
        r.status,
        r.digest,
        r.records,
        r.applied,
        r.held,
        r.message,
        r.id,
    )


def _run_values(r: Run) -> dict[str, Any]:
    values = r._asdict()
    values.pop("id")
    return values


def _review(r: Any) -> Review:
    return Review(
        r.id,
        r.source,
        r.kind,
        r.subject,
        r.change,
        r.reason,
        r.status,
        aware(r.created_at),
        aware(r.decided_at) if r.decided_at else None,
        r.decided_by,
    )
