"""How many real model names resolve: a corpus from the three upstream snapshots, before/after a change.

The corpus is every name another project writes for a model: each genai-prices ``equals`` match rule
(the model strings providers' APIs return), every LiteLLM key and every models.dev ``provider/model`` key.
For each name: does ``resolve`` find a model, and does the model it finds carry the same version digits
(``modelreg.names.version_digits``: dates and platform version suffixes aside)? A name whose digits
differ from every name of the model it resolved to is reported as suspect (a wrong model is worse than
"not found"), unless a curated link in overrides.yaml says which model it is.

Run: ``.venv/bin/python bench/names_corpus.py [--misses SOURCE] [--suspects]``
"""

from __future__ import annotations

import argparse
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import modelreg
from modelreg.settings import Settings


def _equals(rule: Any) -> Iterator[str]:
    if isinstance(rule, dict):
        for key, value in rule.items():
            if key == "equals":
                yield value
            elif key in ("or", "and"):
                for part in value:
                    yield from _equals(part)


def corpus(upstream: Path) -> dict[str, list[str]]:
    """Source -> the names it writes, deduplicated, in file order."""
    genai = json.loads((upstream / "genai-prices/data.json").read_text(encoding="utf-8"))
    litellm = json.loads((upstream / "litellm/model_prices_and_context_window.json").read_text(encoding="utf-8"))
    modelsdev = json.loads((upstream / "models.dev/api.json").read_text(encoding="utf-8"))
    names = {
        "genai-prices equals": [n for p in genai for m in p["models"] for n in _equals(m.get("match"))],
        "litellm keys": [k for k in litellm if k != "sample_spec"],
        "models.dev keys": [f"{pid}/{mid}" for pid, p in modelsdev.items() for mid in p.get("models", {})],
    }
    return {source: list(dict.fromkeys(found)) for source, found in names.items()}


def curated() -> set[str]:
    """The platform strings overrides.yaml links to their model by hand."""
    from modelreg.catalog import CATALOG_DIR
    from modelreg.catalog.yamlio import load

    links = (load(CATALOG_DIR / "overrides.yaml") or {}).get("links") or {}
    return {string for table in links.values() for string in table}


def check(reg: modelreg.Registry, name: str, linked: set[str]) -> tuple[str, str | None]:
    """("resolved" | "suspect" | "missing", model id)."""
    from modelreg.names import same_version

    match = reg.resolver.resolve(name)  # what resolve() does, without making suggestions for misses
    if match is None:
        return "missing", None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = reg.get(match.model_id)
    known = [model.name, *model.aliases]
    segment = name.rpartition("/")[2]
    by_hand = segment in linked or segment.partition(".")[2] in linked  # us.meta.llama… is meta.llama…
    return ("resolved" if by_hand or any(same_version(name, k) for k in known) else "suspect"), model.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", metavar="SOURCE", help="list the names of SOURCE that do not resolve")
    parser.add_argument("--suspects", action="store_true", help="list resolutions whose version digits differ")
    args = parser.parse_args()
    reg = modelreg.load()
    linked = curated()
    print("| corpus | names | resolve | not found | suspect (digits differ) |\n|---|---|---|---|---|")
    for source, names in corpus(Settings.from_env().upstream_dir).items():
        results = [(name, *check(reg, name, linked)) for name in names]
        counts = {kind: sum(1 for _, k, _ in results if k == kind) for kind in ("resolved", "missing", "suspect")}
        print(
            f"| {source} | {len(names)} | {counts['resolved'] + counts['suspect']} | {counts['missing']} "
            f"| {counts['suspect']} |"
        )
        if args.misses and args.misses in source:
            print("\n".join(f"    miss: {n}" for n, k, _ in results if k == "missing"))
        if args.suspects:
            print("\n".join(f"    suspect: {n} -> {m}" for n, k, m in results if k == "suspect"))


if __name__ == "__main__":
    main()
