"""A folder of compiled catalogs fetched from elsewhere, shared by ``load(refresh=…)`` (``refresh.py``) and
``load(source=…)`` (``published.py``): ``current.json`` names the catalog in use, each ``catalog-<digest>/``
holds ``index.json`` and ``records.json``.

A catalog folder is written aside and renamed into place, so it appears whole or not at all; ``current.json``
is replaced atomically, last. Two processes writing the same catalog at once both succeed (the second finds
the first's folder, as good as its own). The two newest catalog folders are kept, and leftovers of a crashed
write are removed once they are an hour old.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CURRENT_FILE = "current.json"
CATALOG_FILES = ("index.json", "records.json")
KEEP_CATALOGS = 2


class CatalogCache:
    def __init__(self, root: Path) -> None:
        self.root = root

    def current(self) -> dict[str, Any]:
        """``current.json``, or {} when there is none (or it cannot be read)."""
        try:
            data = json.loads((self.root / CURRENT_FILE).read_bytes())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def catalog(self, current: Mapping[str, Any]) -> Path | None:
        """The catalog folder ``current`` names, when it holds a whole compiled catalog."""
        name = current.get("catalog")
        if not isinstance(name, str) or not name.startswith("catalog-") or "/" in name or "\\" in name:
            return None
        folder = self.root / name
        return folder if all((folder / f).is_file() for f in CATALOG_FILES) else None

    def write_catalog(self, folder: Path, documents: Mapping[str, bytes]) -> None:
        """Write the compiled files into ``folder``, which appears whole or not at all."""
        self.root.mkdir(parents=True, exist_ok=True)
        aside = self.root / f".{folder.name}.{os.getpid()}.tmp"
        shutil.rmtree(aside, ignore_errors=True)
        aside.mkdir()
        try:
            for file, body in documents.items():
                (aside / file).write_bytes(body)
            try:
                os.rename(aside, folder)
            except OSError:
                if not folder.is_dir():  # another process wrote the same catalog first: theirs is as good
                    raise
        finally:
            shutil.rmtree(aside, ignore_errors=True)

    def write_current(self, data: Mapping[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        aside = self.root / f".{CURRENT_FILE}.{os.getpid()}.tmp"
        aside.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(aside, self.root / CURRENT_FILE)

    def prune(self, *, keep: Path) -> None:
        """Remove all but the newest catalog folders (``keep`` always stays), and leftovers of crashed writes."""
        folders = sorted(
            (p for p in self.root.glob("catalog-*") if p.is_dir() and p != keep),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in folders[KEEP_CATALOGS - 1 :]:
            shutil.rmtree(old, ignore_errors=True)
        hour_ago = time.time() - 3600
        for leftover in self.root.glob(".*.tmp"):
            if leftover.stat().st_mtime >= hour_ago:
                continue  # perhaps another process, writing now
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


def age(stamp: Any, now: dt.datetime) -> float:
    """Seconds since ISO time ``stamp``; infinite for none, a bad one, or one in the future."""
    try:
        then = dt.datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return float("inf")
    if then.tzinfo is None:
        then = then.replace(tzinfo=dt.UTC)
    seconds = (now - then).total_seconds()
    return seconds if seconds >= 0 else float("inf")


def without_failure(current: Mapping[str, Any]) -> dict[str, Any]:
    """``current`` without the record of a failed check."""
    return {k: v for k, v in current.items() if k not in ("failed_at", "failure")}
