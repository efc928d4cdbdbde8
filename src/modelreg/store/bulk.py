"""Many writes in one transaction (``store import``): all or nothing, linear in the number of writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from modelreg.errors import ConflictError, ModelNotFoundError, ValidationError
from modelreg.store.rows import NewPrice, PriceRow, Row, Write, price_of, row_of
from modelreg.store.sql import bump_counter, entry, now
from modelreg.store.tables import changes, prices, records, timelines


def write_many(
    conn: Connection, writes: Sequence[Write], new_prices: Sequence[NewPrice], *, actor: str, message: str | None
) -> int:
    """Write records and open prices in the caller's transaction: a ConflictError when a record is no longer
    at the version the writer read, a ValidationError when a price does not start after its subject's
    latest one (the caller's transaction then writes nothing). One change-log entry each, one counter
    increment; returns how many changes were logged."""
    stamp = now()
    if conn.dialect.name == "postgresql":  # nobody else writes records or prices until this commits
        conn.exec_driver_sql("LOCK TABLE modelreg_records, modelreg_timelines IN SHARE ROW EXCLUSIVE MODE")
    stored = _rows_written(conn, writes)
    log: list[dict[str, Any]] = []
    inserts, updates, deletes = [], [], []
    for w in writes:
        before = stored.get((w.kind, w.id))
        actual = before.version if before else 0
        if actual != w.version:
            raise ConflictError(
                f"{w.kind} {w.id} is at version {actual}, not {w.version}: nothing was written; retry",
                expected=w.version,
                actual=actual,
            )
        after, by = None, w.actor or actor
        if w.mode is None:
            if before is None:
                raise ModelNotFoundError(f"{w.kind}/{w.id} (no stored record)")
            deletes.append({"b_kind": w.kind, "b_id": w.id})
            stored.pop((w.kind, w.id))
        else:
            row = Row(w.kind, w.id, w.mode, w.data, actual + 1, stamp, by)
            values = {"mode": w.mode, "data": w.data, "version": row.version, "updated_at": stamp, "updated_by": by}
            if before is None:
                inserts.append({"kind": w.kind, "id": w.id, **values})
            else:
                updates.append({"b_kind": w.kind, "b_id": w.id, **values})
            stored[(w.kind, w.id)] = row
            after = row.as_json()
        log.append(entry(stamp, by, w.action, w.kind, w.id, before.as_json() if before else None, after))
    by_key = (records.c.kind == sa.bindparam("b_kind"), records.c.id == sa.bindparam("b_id"))
    if inserts:
        conn.execute(sa.insert(records), inserts)
    if updates:
        conn.execute(sa.update(records).where(*by_key), updates)
    if deletes:
        conn.execute(sa.delete(records).where(*by_key), deletes)
    log += append_prices(conn, new_prices, stamp, actor)
    if log:
        conn.execute(sa.insert(changes), [{**change, "message": message} for change in log])
        bump_counter(conn)
    return len(log)


def _rows_written(conn: Connection, writes: Sequence[Write]) -> dict[tuple[str, str], Row]:
    """The stored rows of the records ``writes`` names (two scans: every key and version, then the rows)."""
    wanted = {(w.kind, w.id) for w in writes}
    present = [key for key in conn.execute(sa.select(records.c.kind, records.c.id)) if tuple(key) in wanted]
    rows: dict[tuple[str, str], Row] = {}
    for kind in {kind for kind, _ in present}:
        ids = [record_id for k, record_id in present if k == kind]
        for start in range(0, len(ids), 500):
            query = sa.select(records).where(records.c.kind == kind, records.c.id.in_(ids[start : start + 500]))
            rows.update({(r.kind, r.id): row_of(r) for r in conn.execute(query)})
    return rows


def append_prices(
    conn: Connection, new_prices: Sequence[NewPrice], stamp: dt.datetime, actor: str
) -> list[dict[str, Any]]:
    """Append prices to their subjects' timelines, each after the subject's latest; the log entries."""
    if not new_prices:
        return []
    by_subject: dict[str, list[NewPrice]] = {}
    for p in new_prices:
        by_subject.setdefault(p.subject, []).append(p)
    latest: dict[str, PriceRow] = {}
    for stored in conn.execute(sa.select(prices).order_by(prices.c.effective_from, prices.c.id)):
        if stored.subject in by_subject:
            latest[stored.subject] = price_of(stored)
    closing: list[dict[str, Any]] = []
    opening: list[tuple[NewPrice, dt.date | None, dict[str, Any] | None]] = []
    for subject, wanted in by_subject.items():
        wanted.sort(key=lambda p: p.effective_from)
        old = latest.get(subject)
        previous = old.effective_from if old is not None else None
        for new in wanted:
            if previous is not None and new.effective_from <= previous:
                raise ValidationError(
                    f"a price of {subject} starting {new.effective_from} is not after its price of {previous}",
                    [(f"prices ({subject}).effective_from", f"must be after {previous}")],
                )
            previous = new.effective_from
        if old is not None and old.effective_until is None:
            closing.append({"b_id": old.id, "effective_until": wanted[0].effective_from})
        for n, new in enumerate(wanted):
            until = wanted[n + 1].effective_from if n + 1 < len(wanted) else None
            opening.append((new, until, old.as_json() if old is not None and n == 0 else None))
    _move_timelines(conn, {subject: len(wanted) for subject, wanted in by_subject.items()})
    if closing:
        conn.execute(sa.update(prices).where(prices.c.id == sa.bindparam("b_id")), closing)
    values = [
        {
            "subject": new.subject,
            "effective_from": new.effective_from,
            "effective_until": until,
            "pricing": new.pricing,
            "created_at": stamp,
            "created_by": new.actor or actor,
        }
        for new, until, _ in opening
    ]
    ids = list(conn.execute(sa.insert(prices).returning(prices.c.id, sort_by_parameter_order=True), values).scalars())
    entries = []
    for (new, until, closed), price_id in zip(opening, ids, strict=True):
        by = new.actor or actor
        opened = PriceRow(price_id, new.subject, new.effective_from, until, new.pricing, stamp, by).as_json()
        entries.append(entry(stamp, by, "price", new.kind, new.subject, {"closed": closed}, {"opened": opened}))
    return entries


def _move_timelines(conn: Connection, moves: dict[str, int]) -> None:
    """Move each subject's timeline version on by its count (the tables are the writer's alone here)."""
    versions = {t.subject: t.version for t in conn.execute(sa.select(timelines))}
    known = [{"b_subject": s, "version": versions[s] + n} for s, n in moves.items() if s in versions]
    new = [{"subject": s, "version": n} for s, n in moves.items() if s not in versions]
    if known:
        conn.execute(sa.update(timelines).where(timelines.c.subject == sa.bindparam("b_subject")), known)
    if new:
        conn.execute(sa.insert(timelines), new)
