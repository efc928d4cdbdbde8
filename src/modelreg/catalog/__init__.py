"""The bundled catalog: curated inputs (rules.yaml, overrides.yaml), generated YAML and the index."""

from pathlib import Path

CATALOG_DIR = Path(__file__).resolve().parent
