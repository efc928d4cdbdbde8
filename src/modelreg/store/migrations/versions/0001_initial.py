"""The first tables: records (add, override, hide), price history, the change log and the change counter.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "modelreg_records",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("id", sa.String(300), primary_key=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "modelreg_prices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("effective_until", sa.Date, nullable=True),
        sa.Column("pricing", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    op.create_index("ix_modelreg_prices_subject", "modelreg_prices", ["subject"])
    op.create_table(
        "modelreg_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("before", sa.JSON, nullable=True),
        sa.Column("after", sa.JSON, nullable=True),
        sa.Column("message", sa.Text, nullable=True),
    )
    op.create_index("ix_modelreg_changes_subject", "modelreg_changes", ["kind", "subject"])
    op.create_table(
        "modelreg_counter",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.execute("INSERT INTO modelreg_counter (name, value) VALUES ('changes', 0)")


def downgrade() -> None:
    op.drop_table("modelreg_counter")
    op.drop_index("ix_modelreg_changes_subject", "modelreg_changes")
    op.drop_table("modelreg_changes")
    op.drop_index("ix_modelreg_prices_subject", "modelreg_prices")
    op.drop_table("modelreg_prices")
    op.drop_table("modelreg_records")
