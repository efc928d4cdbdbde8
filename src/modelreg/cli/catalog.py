"""The bundled catalog: build, check, conflicts, stats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from modelreg.cli.common import JsonOption, catalog_app, fail, out, print_json, registry
from modelreg.errors import ModelregError

UpstreamOption = Annotated[
    Path | None,
    typer.Option(
        "--upstream",
        help="Folder with litellm/ and models.dev/ snapshots (default: $MODELREG_UPSTREAM_DIR or ../shared/upstream).",
    ),
]


@catalog_app.command("build")
def catalog_build(
    upstream: UpstreamOption = None,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; fail if any generated file is stale.")] = False,
) -> None:
    """Rebuild the catalog YAML, conflicts and compiled index from the upstream snapshots and overrides.yaml.

    With --check nothing is written and the exit code is 1 when a file would change (run in CI).
    """
    from modelreg.catalog import build

    upstream_dir = upstream or build.default_upstream_dir()
    try:
        with out().status("building the catalog…") as status:
            progress = status.update
            if check:
                stale = build.check(upstream_dir, progress=progress)
            else:
                result = build.build(upstream_dir, progress=progress)
    except ModelregError as error:
        raise fail(error) from None
    if check:
        if stale:
            out().print(f"[red]the catalog is stale:[/red] {len(stale)} file(s) differ: {', '.join(stale[:10])}")
            out().print("run `modelreg catalog build` and commit the result")
            raise typer.Exit(code=1)
        out().print("the catalog is fresh")
        return
    c = result.catalog
    out().print(
        f"{len(c.models)} models, {len(c.routes)} routes, {len(c.providers)} providers, "
        f"{len(c.platforms)} platforms, {len(c.conflicts)} conflicts; "
        f"{len(result.written)} file(s) written"
    )


@catalog_app.command("check")
def catalog_check(upstream: UpstreamOption = None) -> None:
    """Fail when the generated catalog files are stale (same as `catalog build --check`)."""
    catalog_build(upstream=upstream, check=True)


@catalog_app.command("conflicts")
def catalog_conflicts(
    subject: Annotated[str | None, typer.Option(help="Only conflicts about this model or route id.")] = None,
    json_out: JsonOption = False,
) -> None:
    """Print where the upstream sources disagree, and which value the build kept."""
    from modelreg.catalog.files import read_conflicts

    conflicts = [c for c in read_conflicts() if subject is None or c.subject.startswith(subject)]
    if json_out:
        print_json([c.model_dump(mode="json") for c in conflicts])
        return
    table = Table(title=f"{len(conflicts)} conflicts")
    for column in ("subject", "field", "values", "kept"):
        table.add_column(column)
    for c in conflicts:
        values = "\n".join(f"{source}: {value}" for source, value in c.values.items())
        table.add_row(c.subject, c.field, values, c.chosen)
    out().print(table)


@catalog_app.command("stats")
def catalog_stats(json_out: JsonOption = False) -> None:
    """Count what the catalog holds: models, routes, providers, platforms, families, conflicts."""
    stats = registry().stats()
    if json_out:
        print_json(stats)
        return
    table = Table(title="catalog")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key in ("models", "routes", "providers", "platforms", "families", "names", "conflicts"):
        table.add_row(key, str(stats[key]))
    out().print(table)
    per_platform = Table(title="routes per platform")
    per_platform.add_column("platform")
    per_platform.add_column("routes", justify="right")
    for platform, count in stats["routes_per_platform"].items():
        per_platform.add_row(platform, str(count))
    out().print(per_platform)
