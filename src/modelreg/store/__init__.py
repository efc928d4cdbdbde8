"""The registry's own store: SQLite by default, PostgreSQL for teams (SQLAlchemy Core + Alembic)."""

from modelreg.store.rows import Change, Health, NewPrice, PriceRow, Row, Snapshot, Write
from modelreg.store.store import Store, default_url

__all__ = ["Change", "Health", "NewPrice", "PriceRow", "Row", "Snapshot", "Store", "Write", "default_url"]
