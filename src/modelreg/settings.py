"""Settings, read once from the environment and passed down (never read deep in the code).

| variable                 | meaning                                                   | default              |
| ------------------------ | --------------------------------------------------------- | -------------------- |
| MODELREG_UPSTREAM_DIR    | folder holding the upstream snapshots for catalog builds  | ../shared/upstream   |
| MODELREG_CATALOG_DIR     | a catalog folder to load instead of the bundled one       | the bundled catalog  |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from modelreg.catalog import CATALOG_DIR


def _default_upstream() -> Path:
    # In a source checkout the snapshots sit beside the repository: <repo>/../shared/upstream
    repo = CATALOG_DIR.parents[2]
    return (repo.parent / "shared" / "upstream").resolve()


@dataclass(frozen=True, slots=True)
class Settings:
    upstream_dir: Path
    catalog_dir: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            upstream_dir=Path(env["MODELREG_UPSTREAM_DIR"])
            if env.get("MODELREG_UPSTREAM_DIR")
            else _default_upstream(),
            catalog_dir=Path(env["MODELREG_CATALOG_DIR"]) if env.get("MODELREG_CATALOG_DIR") else CATALOG_DIR,
        )
