"""Seed 003's update tool: ``update_models(config_path)`` syncs every upstream source into the store, then
writes ``models.yaml`` from the registry (``export.models_yaml``).

Like the seed's tool it survives any source failing (the others are applied; the failures are reported)
and a missing API key skips that provider with a note. Unlike it, the models come from the whole registry
(catalog, store edits, the sync just applied), so the file is never emptier than the last good sync.

    python -m modelreg.update_models [config_path] [--source NAME] [--database-url URL]

Exit status: 0 done; 3 written, but some sources failed; 1 every source failed (nothing written).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelreg.sync.run import SyncReport

DEFAULT_CONFIG = Path("config/models.yaml")  # the seed's default, relative to the working folder


@dataclass(slots=True)
class Updated:
    path: Path | None  # None: every source failed and nothing was written
    report: SyncReport
    models: int


def update_models(
    config_path: str | Path | None = None,
    *,
    sources: Sequence[str] | None = None,
    database_url: str | None = None,
) -> Updated:
    """Sync ``sources`` (``NAME`` or ``NAME=FILE_OR_URL``; default every source) into the store at
    ``database_url`` (default: $MODELREG_DATABASE_URL, else the data-folder SQLite), then write
    ``config_path`` (default ``config/models.yaml``)."""
    import modelreg
    from modelreg.export import models_yaml
    from modelreg.store import default_url
    from modelreg.sync.run import SourceSpec, Syncer
    from modelreg.sync.sources import default_sources

    path = Path(config_path) if config_path is not None else DEFAULT_CONFIG
    reg = modelreg.load(database_url=database_url or default_url())
    specs = [SourceSpec.parse(s) for s in sources] if sources else [SourceSpec(n) for n in default_sources()]
    report = Syncer(reg).run(specs)
    if report.failed and len(report.failed) == len(report.outcomes):
        return Updated(None, report, 0)
    data = models_yaml.document(reg.view())
    return Updated(models_yaml.save(data, path), report, len(data["models"]))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m modelreg.update_models",
        description="Sync models and prices from upstream into the registry, then write models.yaml.",
    )
    parser.add_argument("config_path", nargs="?", type=Path, default=DEFAULT_CONFIG, help="default: %(default)s")
    parser.add_argument("--source", "-s", action="append", help="NAME or NAME=FILE_OR_URL (repeat; default: all)")
    parser.add_argument("--database-url", help="the store (default: $MODELREG_DATABASE_URL or the data-dir SQLite)")
    args = parser.parse_args(argv)
    from modelreg.errors import ModelregError

    try:
        done = update_models(args.config_path, sources=args.source, database_url=args.database_url)
    except ModelregError as failed:
        print(f"error: {failed}", file=sys.stderr)
        return 1
    for outcome in done.report.outcomes.values():
        line = f"{outcome.source}: {outcome.status}" + (f" ({outcome.message})" if outcome.message else "")
        print(line, file=sys.stderr)
    if done.path is None:
        print("error: every source failed; models.yaml was not written", file=sys.stderr)
        return 1
    print(f"wrote {done.path} ({done.models} models)")
    return 3 if done.report.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
