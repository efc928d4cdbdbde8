"""Price timelines the database guards: a version (and lock row) per priced subject, and at most one open
price per subject (a unique partial index).

Stores written before this revision may hold several open prices of one subject (concurrent price
changes could interleave). They are repaired first, keeping every row: in each subject's timeline, ordered
by start day, a price ends where the next one starts.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "modelreg_timelines",
        sa.Column("subject", sa.String(300), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    conn = op.get_bind()
    prices = sa.table(
        "modelreg_prices",
        sa.column("id", sa.Integer),
        sa.column("subject", sa.String),
        sa.column("effective_from", sa.Date),
        sa.column("effective_until", sa.Date),
    )
    rows = conn.execute(
        sa.select(prices.c.id, prices.c.subject, prices.c.effective_from, prices.c.effective_until).order_by(
            prices.c.subject, prices.c.effective_from, prices.c.id
        )
    ).all()
    counts: dict[str, int] = {}
    for n, row in enumerate(rows):
        following = rows[n + 1] if n + 1 < len(rows) else None
        counts[row.subject] = counts.get(row.subject, 0) + 1
        if following is None or following.subject != row.subject:
            continue
        if row.effective_until is None or row.effective_until > following.effective_from:
            conn.execute(
                sa.update(prices).where(prices.c.id == row.id).values(effective_until=following.effective_from)
            )
    if counts:
        timelines = sa.table("modelreg_timelines", sa.column("subject", sa.String), sa.column("version", sa.Integer))
        conn.execute(sa.insert(timelines), [{"subject": s, "version": n} for s, n in counts.items()])
    op.create_index(
        "ux_modelreg_prices_open",
        "modelreg_prices",
        ["subject"],
        unique=True,
        sqlite_where=sa.text("effective_until IS NULL"),
        postgresql_where=sa.text("effective_until IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ux_modelreg_prices_open", "modelreg_prices")
    op.drop_table("modelreg_timelines")
