"""The store's rows as plain tuples: records, prices, change-log entries, snapshots, bulk writes."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple


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
    """Everything the store holds, read in one transaction, and the counter it was read at.
    ``timelines``: each priced subject's price-timeline version."""

    counter: int
    records: dict[tuple[str, str], Row]
    prices: dict[str, list[PriceRow]]
    timelines: dict[str, int]


class Write(NamedTuple):
    """One record of a bulk write: ``mode`` add, override or hide; None removes the stored row.
    ``version`` is the version the writer read (0: no stored row); ``actor``, when set, is who the change
    log names for this write instead of the whole write's actor (a sync logs each change under its source)."""

    kind: str
    id: str
    mode: str | None
    data: dict[str, Any]
    version: int
    action: str
    actor: str | None = None


class NewPrice(NamedTuple):
    """One price of a bulk write, opened on ``effective_from`` after every price the subject has;
    ``actor`` as for ``Write``."""

    subject: str
    kind: str
    effective_from: dt.date
    pricing: dict[str, Any]
    actor: str | None = None


class Health(NamedTuple):
    """Whether the store answers and takes writes; ``reason`` says why not (no URL, no password)."""

    reachable: bool
    writable: bool
    reason: str | None = None


def aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # SQLite hands back naive datetimes


def row_of(r: Any) -> Row:
    return Row(r.kind, r.id, r.mode, r.data, r.version, aware(r.updated_at), r.updated_by)


def price_of(p: Any) -> PriceRow:
    return PriceRow(p.id, p.subject, p.effective_from, p.effective_until, p.pricing, aware(p.created_at), p.created_by)


def change_of(c: Any) -> Change:
    return Change(c.id, aware(c.at), c.actor, c.action, c.kind, c.subject, c.before, c.after, c.message)
