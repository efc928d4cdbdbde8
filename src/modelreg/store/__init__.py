"""The registry's own store: SQLite by default, PostgreSQL for teams (SQLAlchemy Core + Alembic)."""

from modelreg.store.store import Change, PriceRow, Row, Snapshot, Store, default_url

__all__ = ["Change", "PriceRow", "Row", "Snapshot", "Store", "default_url"]
