"""Reading the catalog's YAML files back, validated against the schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from modelreg.catalog import CATALOG_DIR
from modelreg.catalog.yamlio import load
from modelreg.schema import Conflict, ConflictsFile, ModelsFile, PlatformsFile, ProvidersFile, RoutesFile


def document_type(rel: str) -> type[BaseModel] | None:
    """The schema type of a generated catalog file, by its path relative to the catalog dir."""
    if rel.startswith("models/"):
        return ModelsFile
    if rel.startswith("routes/"):
        return RoutesFile
    named: dict[str, type[BaseModel]] = {
        "providers.yaml": ProvidersFile,
        "platforms.yaml": PlatformsFile,
        "conflicts.yaml": ConflictsFile,
    }
    return named.get(rel)


def generated_files(catalog_dir: Path = CATALOG_DIR) -> Iterator[tuple[str, type[BaseModel]]]:
    """Every generated YAML file in ``catalog_dir`` with its schema type."""
    for path in sorted(catalog_dir.rglob("*.yaml")):
        rel = path.relative_to(catalog_dir).as_posix()
        kind = document_type(rel)
        if kind is not None:
            yield rel, kind


def read_document(rel: str, catalog_dir: Path = CATALOG_DIR) -> BaseModel:
    """Parse and validate one generated file; raises pydantic's ValidationError when it breaks the schema."""
    kind = document_type(rel)
    if kind is None:
        raise ValueError(f"{rel} is not a generated catalog file")
    return kind.model_validate(load(catalog_dir / rel))


def read_conflicts(catalog_dir: Path = CATALOG_DIR) -> list[Conflict]:
    """The disagreements between upstream sources recorded by the last build."""
    document = read_document("conflicts.yaml", catalog_dir)
    assert isinstance(document, ConflictsFile)
    return document.conflicts
