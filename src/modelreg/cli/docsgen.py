"""Seed 000's generated files: `docs tables` (Markdown pages), `export capabilities-py`, `export pricing-table`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from modelreg.cli import output
from modelreg.cli.common import docs_app, export_app, registry

if TYPE_CHECKING:
    from modelreg.registry import Registry

FileArgument = Annotated[Path, typer.Argument(help="The file to write; - prints it.", allow_dash=True)]


@docs_app.command("tables")
def docs_tables(
    out: Annotated[Path, typer.Option("--out", help="The folder of the pages.")] = Path("docs/models"),
    check: Annotated[bool, typer.Option("--check", help="Write nothing; fail if any page is stale.")] = False,
    with_store: Annotated[
        bool, typer.Option("--with-store", help="Lay the configured store over the catalog (default: the catalog).")
    ] = False,
) -> None:
    """Write the Markdown model tables: a page per provider, the capability matrix, MassGen's backend tables.

    The pages document the bundled catalog (or $MODELREG_CATALOG_DIR's), so they are the same on every
    machine; running twice changes nothing. With --check nothing is written and the exit code is 1 when a
    page would change (run in CI).
    """
    from modelreg.export import docs_tables

    reg = registry() if with_store else _catalog()
    if check:
        stale = docs_tables.stale(reg, out)
        if stale:
            output.error(
                f"{out} is stale: {len(stale)} page(s) differ: {', '.join(stale[:10])}; "
                f"run `modelreg docs tables --out {out}` and commit the result"
            )
            raise typer.Exit(code=1)
        output.write(f"{out} is fresh")
        return
    changed = docs_tables.write(reg, out)
    output.write(f"{len(changed)} page(s) written or removed in {out}" if changed else f"{out} was already fresh")


@export_app.command("capabilities-py")
def export_capabilities_py(file: FileArgument) -> None:
    """Write MassGen's capabilities.py: BACKEND_CAPABILITIES per backend and its helpers, from the registry."""
    from modelreg.export import capabilities_py

    backends = capabilities_py.backends(registry())
    summary = f"{len(backends)} backends, {sum(len(b.models) for b in backends)} models"
    _emit(file, capabilities_py.render(backends), summary)


@export_app.command("pricing-table")
def export_pricing_table(
    file: FileArgument,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="json or py (default: from the file's suffix; json for -)."),
    ] = None,
) -> None:
    """Write MassGen's pricing table: per provider, model name -> (input, output per 1K, context, max output).

    Every model its maker prices, under its name and its aliases; MassGen matches the longest key a name starts
    with, so a new dated snapshot finds its undated alias.
    """
    from modelreg.errors import ValidationError
    from modelreg.export import pricing_table

    chosen = fmt or ("py" if file.suffix == ".py" else "json")
    if chosen not in ("json", "py"):
        raise ValidationError(f"unknown format {chosen!r}", [("--format", "use json or py")])
    prices = pricing_table.table(registry())
    text = pricing_table.render_py(prices) if chosen == "py" else pricing_table.render_json(prices)
    _emit(file, text, f"{len(prices)} providers, {sum(len(rows) for rows in prices.values())} names")


def _emit(file: Path, text: str, summary: str) -> None:
    """``text`` to ``file`` (atomically), or to stdout for ``-`` (the summary then on stderr)."""
    from modelreg.export.capabilities_py import write_text

    if str(file) == "-":
        output.write(text.rstrip("\n"))
        output.note(summary)
        return
    write_text(file, text)
    output.write(f"wrote {file}: {summary}")


def _catalog() -> Registry:
    """The catalog alone, with no store laid over it."""
    from modelreg import settings
    from modelreg.registry import Registry

    return Registry.from_catalog(settings.catalog_path())
