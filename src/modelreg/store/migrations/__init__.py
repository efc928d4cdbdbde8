"""The store's Alembic migrations (``versions/``) and the revisions this code knows, oldest first.

``HEAD`` lets a store be opened without importing Alembic: when the database is at ``HEAD`` nothing is due.
A test holds ``REVISIONS`` equal to the scripts' own chain.
"""

REVISIONS = ("0001", "0002", "0003", "0004", "0005")
HEAD = REVISIONS[-1]
