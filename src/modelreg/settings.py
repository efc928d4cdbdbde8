"""Settings, read once from the environment and passed down (never read deep in the code).

| variable                  | meaning                                                   | default              |
| ------------------------- | --------------------------------------------------------- | -------------------- |
| MODELREG_UPSTREAM_DIR     | folder holding the upstream snapshots for catalog builds  | ../shared/upstream   |
| MODELREG_CATALOG_DIR      | a catalog folder to load instead of the bundled one       | the bundled catalog  |
| MODELREG_ALIASES          | a YAML file of your own names: `alias: model name`        | none                 |
| MODELREG_DATABASE_URL     | the store: `sqlite:///path` or `postgresql://…`           | the data-dir SQLite  |
| MODELREG_DATABASE_TIMEOUT | seconds to wait for the store's database server to answer | 5                    |
| MODELREG_POLL_INTERVAL_MS | how often, at most, reads ask the store whether another   | 2                    |
|                           | process committed (milliseconds; 0: on every read)        |                      |
| MODELREG_CACHE_DIR        | where `load(refresh=…)` keeps the catalogs it fetched     | user cache/refresh   |

The live upstream sources (``sync/sources.py``) take the environment as a mapping passed to
``make_source``: ``MODELREG_SOURCE_<NAME>_URL`` overrides a source's URL, ``MODELREG_HF_MODELS`` names the
Hugging Face repos to read, and each provider's own ``*_API_KEY`` (``HF_TOKEN``) is its key.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

from modelreg.catalog import CATALOG_PATH

if TYPE_CHECKING:  # pathlib is imported only where a Path is made: loading the registry needs none
    from pathlib import Path

DEFAULT_POLL_INTERVAL_MS = 2.0  # a few milliseconds: fresh for people, a poll per 2 ms is nothing for a process


def _default_upstream() -> Path:
    from pathlib import Path

    # In a source checkout the snapshots sit beside the repository: <repo>/../shared/upstream
    repo = Path(CATALOG_PATH).parents[2]
    return (repo.parent / "shared" / "upstream").resolve()


def catalog_path(env: Mapping[str, str] | None = None) -> str:
    """The catalog folder to load: $MODELREG_CATALOG_DIR, else the bundled one (a string: no pathlib)."""
    env = os.environ if env is None else env
    return env.get("MODELREG_CATALOG_DIR") or CATALOG_PATH


def aliases_path(env: Mapping[str, str] | None = None) -> str | None:
    """The user's alias file ($MODELREG_ALIASES), e.g. Azure deployment names -> the models they run."""
    env = os.environ if env is None else env
    return env.get("MODELREG_ALIASES") or None


def database_url(env: Mapping[str, str] | None = None) -> str | None:
    """The store to open: $MODELREG_DATABASE_URL, else the SQLite file in the user's data folder when it
    exists (writes through the CLI create it); None: no store, a read-only registry."""
    env = os.environ if env is None else env
    if env.get("MODELREG_DATABASE_URL"):
        return env["MODELREG_DATABASE_URL"]
    path = default_sqlite_path()
    return f"sqlite:///{path}" if os.path.exists(path) else None


def database_timeout(env: Mapping[str, str] | None = None) -> float:
    """Seconds to wait for the store's database server to accept a connection ($MODELREG_DATABASE_TIMEOUT)."""
    env = os.environ if env is None else env
    text = env.get("MODELREG_DATABASE_TIMEOUT") or "5"
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < 3600:
        from modelreg.errors import StoreError

        raise StoreError(f"MODELREG_DATABASE_TIMEOUT must be a number of seconds (0 to 3600), not {text!r}")
    return seconds


def poll_interval_ms(env: Mapping[str, str] | None = None) -> float:
    """How often, at most, a registry's reads ask its store whether another process committed
    ($MODELREG_POLL_INTERVAL_MS, milliseconds; 0 asks on every read). Its own writes are seen at once."""
    env = os.environ if env is None else env
    text = env.get("MODELREG_POLL_INTERVAL_MS") or ""
    if not text:
        return DEFAULT_POLL_INTERVAL_MS
    try:
        interval = float(text)
    except ValueError:
        interval = -1.0
    if not 0 <= interval <= 3_600_000:
        from modelreg.errors import StoreError

        raise StoreError(f"MODELREG_POLL_INTERVAL_MS must be a number of milliseconds (0 or more), not {text!r}")
    return interval


def default_sqlite_path() -> str:
    """The store's SQLite file in the user's data folder (platformdirs' user_data_dir)."""
    if sys.platform.startswith("linux"):  # the XDG rule, without importing platformdirs (~10 ms) on every load
        base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
        folder = os.path.join(base, "modelreg")
    else:
        import platformdirs

        folder = platformdirs.user_data_dir("modelreg")
    return os.path.join(folder, "registry.sqlite3")


class Settings(NamedTuple):
    upstream_dir: Path
    catalog_dir: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        from pathlib import Path

        env = os.environ if env is None else env
        return cls(
            upstream_dir=Path(env["MODELREG_UPSTREAM_DIR"])
            if env.get("MODELREG_UPSTREAM_DIR")
            else _default_upstream(),
            catalog_dir=Path(catalog_path(env)),
        )
