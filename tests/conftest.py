"""Shared fixtures: the bundled registry, the upstream snapshots, and miniature catalogs built from tests/data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import modelreg
from modelreg.catalog import CATALOG_DIR
from modelreg.settings import Settings

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def registry() -> modelreg.Registry:
    """The registry over the bundled catalog, loaded once."""
    return modelreg.load()


@pytest.fixture(scope="session")
def upstream_dir() -> Path:
    """The real upstream snapshots (../shared/upstream, or $MODELREG_UPSTREAM_DIR)."""
    path = Settings.from_env().upstream_dir
    assert (path / "litellm").is_dir() and (path / "models.dev").is_dir(), f"upstream snapshots missing at {path}"
    return path


@pytest.fixture()
def curated_dir(tmp_path: Path) -> Path:
    """An empty catalog folder holding only the curated inputs (rules.yaml, overrides.yaml)."""
    target = tmp_path / "catalog"
    target.mkdir()
    for name in ("rules.yaml", "overrides.yaml"):
        shutil.copy(CATALOG_DIR / name, target / name)
    return target


@pytest.fixture()
def mini_upstream() -> Path:
    """Hand-written miniature snapshots in the upstream formats (tests/data/mini_upstream)."""
    return DATA / "mini_upstream"
