"""The store's tables (SQLAlchemy Core). Alembic migrations in ``migrations/`` create and change them."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

records = sa.Table(
    "modelreg_records",
    metadata,
    sa.Column("kind", sa.String(16), primary_key=True),  # provider | platform | model | route
    sa.Column("id", sa.String(300), primary_key=True),
    sa.Column("mode", sa.String(16), nullable=False),  # add | override | hide
    sa.Column("data", sa.JSON, nullable=False),  # the whole record (add) or the fields it sets (override)
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
)

prices = sa.Table(
    "modelreg_prices",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("subject", sa.String(300), nullable=False, index=True),  # a model id or a route id
    sa.Column("effective_from", sa.Date, nullable=False),
    sa.Column("effective_until", sa.Date, nullable=True),
    sa.Column("pricing", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    # the database itself refuses a second open price of one subject (migration 0003)
    sa.Index(
        "ux_modelreg_prices_open",
        "subject",
        unique=True,
        sqlite_where=sa.text("effective_until IS NULL"),
        postgresql_where=sa.text("effective_until IS NULL"),
    ),
)

timelines = sa.Table(
    "modelreg_timelines",
    metadata,
    # one row per priced subject: its price timeline's version, and the row every price write of that
    # subject locks first (UPDATE … WHERE version = :expected), so writes of one subject never interleave
    sa.Column("subject", sa.String(300), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)

changes = sa.Table(
    "modelreg_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),  # create | update | delete | price | revert
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("before", sa.JSON, nullable=True),  # the store row before (None: there was none)
    sa.Column("after", sa.JSON, nullable=True),  # the store row after (None: removed)
    sa.Column("message", sa.Text, nullable=True),
    sa.Index("ix_modelreg_changes_subject", "kind", "subject"),
)

counter = sa.Table(
    "modelreg_counter",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

keys = sa.Table(
    "modelreg_keys",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),  # the actor its writes are logged under
    sa.Column("role", sa.String(16), nullable=False),  # reader | editor | admin
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),  # sha256 of the key: never the key
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False, default=False),
)

sync_sources = sa.Table(
    "modelreg_sync_sources",
    metadata,
    # each source's last applied snapshot: what a later sync that does not fetch it merges with
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("digest", sa.String(80), nullable=False),
    sa.Column("location", sa.Text, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),  # gzip of the body as fetched
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)

sync_runs = sa.Table(
    "modelreg_sync_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # applied | unchanged | dry-run | failed | skipped
    sa.Column("digest", sa.String(80), nullable=True),
    sa.Column("records", sa.Integer, nullable=False),
    sa.Column("applied", sa.Integer, nullable=False),
    sa.Column("held", sa.Integer, nullable=False),
    sa.Column("message", sa.Text, nullable=True),
    sa.Index("ix_modelreg_sync_runs_source", "source", "id"),
)

sync_reviews = sa.Table(
    "modelreg_sync_reviews",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("change", sa.JSON, nullable=False),  # the change as sync.diff.Change.as_dict() and how to apply it
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | accepted | rejected
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decided_by", sa.String(200), nullable=True),
    sa.Index("ix_modelreg_sync_reviews_status", "status"),
)

calls = sa.Table(
    "modelreg_calls",
    metadata,
    # one row per call a client made through a route (calls.py): what success rate, latency and spend are
    # worked out from. Not part of the registry's state: recording a call moves no counter.
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),  # UTC
    sa.Column("day", sa.Date, nullable=False),  # at's UTC day: spend groups by it alike on every engine
    sa.Column("route", sa.String(300), nullable=False),
    sa.Column("model", sa.String(300), nullable=False),
    sa.Column("platform", sa.String(300), nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("input_tokens", sa.BigInteger, nullable=False),
    sa.Column("output_tokens", sa.BigInteger, nullable=False),
    # USD x 10^12 as an exact integer (SQLite has no exact decimal type); NULL: the route has no price
    sa.Column("cost_picousd", sa.BigInteger, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Index("ix_modelreg_calls_at", "at"),
    sa.Index("ix_modelreg_calls_route_at", "route", "at"),
)

health = sa.Table(
    "modelreg_health",
    metadata,
    # one row per probed platform (health.py): its consecutive failed probes and the state they put its
    # routes in, kept here so that every instance and every restart agrees
    sa.Column("platform", sa.String(300), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),  # active | degraded | down
    sa.Column("failures", sa.Integer, nullable=False),  # consecutive failed probes (0 after a success)
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),  # a scheduled probe was taken on
    sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),  # the last probe's outcome recorded
    sa.Column("ok_at", sa.DateTime(timezone=True), nullable=True),  # the last successful probe
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),  # the state last changed
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("latency_ms", sa.Float, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
)
