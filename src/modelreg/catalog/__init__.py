"""The bundled catalog: curated inputs (rules.yaml, overrides.yaml), generated YAML and the index."""

from __future__ import annotations

import os
from typing import Any

CATALOG_PATH = os.path.dirname(os.path.realpath(__file__))
"""The bundled catalog folder, as a string (what the fast load path uses: no pathlib)."""


def __getattr__(name: str) -> Any:
    # CATALOG_DIR is a pathlib.Path for the build and tests; made on first use so that loading the
    # registry does not import pathlib.
    if name == "CATALOG_DIR":
        from pathlib import Path

        return Path(CATALOG_PATH)
    raise AttributeError(name)
