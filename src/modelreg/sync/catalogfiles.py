"""`modelreg sync --write-catalog DIR`: the merged catalog written back as the catalog's own YAML files in a
source checkout, so maintainers review an upstream change as a git diff (families newest first)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from modelreg.errors import CatalogError

if TYPE_CHECKING:
    from modelreg.sync.merge import Catalog


def catalog_folder(where: Path) -> Path:
    """The catalog folder of a checkout: ``where`` itself when it holds rules.yaml, else
    ``where/src/modelreg/catalog``."""
    for candidate in (where, where / "src" / "modelreg" / "catalog"):
        if (candidate / "rules.yaml").is_file() and (candidate / "overrides.yaml").is_file():
            return candidate
    raise CatalogError(f"{where} is not a modelreg checkout or catalog folder (no rules.yaml and overrides.yaml)")


def write(catalog: Catalog | None, where: Path) -> list[str]:
    """Rewrite the generated files of the catalog at ``where`` from ``catalog``; the paths changed."""
    from modelreg.catalog import build

    if catalog is None:
        raise CatalogError("nothing was merged: every source failed or was skipped")
    folder = catalog_folder(where)
    return build.write_files(folder, build.render(catalog))
