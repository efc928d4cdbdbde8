"""The statements every write is made of, inside the writer's transaction: checks, the record and the
timeline rows, and the change log with its counter."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from modelreg.errors import ConflictError, ValidationError
from modelreg.store.reader import CHANNEL
from modelreg.store.rows import PriceRow, Row, price_of, row_of
from modelreg.store.tables import changes, counter, prices, records, timelines

KINDS = ("provider", "platform", "model", "route")
MODES = ("add", "override", "hide")
MAX_ID = 300  # the id columns' length
MAX_NAME = 200  # the actor and key-name columns' length


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def storable(text: str, limit: int = MAX_ID) -> bool:
    """Whether ``text`` fits an id column: PostgreSQL refuses NUL characters, and the columns are bounded."""
    return isinstance(text, str) and 0 < len(text) <= limit and "\x00" not in text


def check_write(kind: str, mode: str, actor: str, record_id: str) -> None:
    if kind not in KINDS:
        raise ValidationError("unknown record kind", [("kind", f"one of {', '.join(KINDS)}")])
    if mode not in MODES:
        raise ValidationError("unknown record mode", [("mode", f"one of {', '.join(MODES)}")])
    if not actor or not actor.strip():
        raise ValidationError("every write names who made it", [("actor", "required")])
    if not storable(actor, MAX_NAME):
        raise ValidationError("an actor is at most 200 characters, without NUL", [("actor", "invalid")])
    if not storable(record_id):
        raise ValidationError(
            f"a stored id is 1 to {MAX_ID} characters, without NUL", [("id", f"{len(record_id)} characters")]
        )


def current_row(conn: Connection, kind: str, record_id: str) -> Row | None:
    found = conn.execute(sa.select(records).where(records.c.kind == kind, records.c.id == record_id)).first()
    return None if found is None else row_of(found)


def lock_timeline(conn: Connection, subject: str, expected: int | None, *, by: int = 1) -> int:
    """Lock ``subject``'s timeline row for this transaction and move its version on by ``by``; with
    ``expected``, only if the timeline is still at that version (ConflictError otherwise). Returns the
    new version."""
    # a first price creates the row; a concurrent creator waits for this transaction, then finds it
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        conn.execute(postgresql.insert(timelines).values(subject=subject, version=0).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects import sqlite

        conn.execute(sqlite.insert(timelines).values(subject=subject, version=0).on_conflict_do_nothing())
    bump = sa.update(timelines).where(timelines.c.subject == subject)
    if expected is not None:
        bump = bump.where(timelines.c.version == expected)
    done = conn.execute(bump.values(version=timelines.c.version + by))
    if done.rowcount != 1:
        actual = conn.execute(sa.select(timelines.c.version).where(timelines.c.subject == subject)).scalar()
        raise ConflictError(
            f"the prices of {subject} are at version {actual}, not {expected}: re-read and retry",
            expected=expected,
            actual=actual,
        )
    return int(conn.execute(sa.select(timelines.c.version).where(timelines.c.subject == subject)).scalar_one())


def timeline(conn: Connection, subject: str) -> list[PriceRow]:
    query = sa.select(prices).where(prices.c.subject == subject).order_by(prices.c.effective_from, prices.c.id)
    return [price_of(p) for p in conn.execute(query)]


def open_price(
    conn: Connection, subject: str, effective_from: dt.date, pricing: dict[str, Any], actor: str
) -> PriceRow:
    created = now()
    values = {
        "subject": subject,
        "effective_from": effective_from,
        "effective_until": None,
        "pricing": pricing,
        "created_at": created,
        "created_by": actor,
    }
    inserted = conn.execute(sa.insert(prices).values(**values)).inserted_primary_key
    assert inserted is not None
    return PriceRow(int(inserted[0]), subject, effective_from, None, pricing, created, actor)


def entry(
    at: dt.datetime,
    actor: str,
    action: str,
    kind: str,
    subject: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "at": at,
        "actor": actor,
        "action": action,
        "kind": kind,
        "subject": subject,
        "before": before,
        "after": after,
    }


def log_change(
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
        sa.insert(changes).values(**entry(now(), actor, action, kind, subject, before, after), message=message)
    )
    bump_counter(conn)


def bump_counter(conn: Connection) -> None:
    conn.execute(sa.update(counter).where(counter.c.name == "changes").values(value=counter.c.value + 1))
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"NOTIFY {CHANNEL}")  # delivered to listeners when the transaction commits
