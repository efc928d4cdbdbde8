"""Alembic environment: migrations run on the connection the store hands over (never from an .ini)."""

from __future__ import annotations

from alembic import context

from modelreg.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, version_table="modelreg_alembic_version")
with context.begin_transaction():
    context.run_migrations()
