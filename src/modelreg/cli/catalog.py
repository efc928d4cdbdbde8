"""The bundled catalog: build, check, conflicts, stats."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from modelreg.cli import output
from modelreg.cli.common import JsonOption, catalog_app, print_json, registry
from modelreg.errors import CatalogError

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
    with _progress("building the catalog…") as progress:
        if check:
            stale = build.check(upstream_dir, progress=progress)
        else:
            result = build.build(upstream_dir, progress=progress)
    if check:
        if stale:
            raise CatalogError(
                f"the catalog is stale: {len(stale)} file(s) differ: {', '.join(stale[:10])}; "
                "run `modelreg catalog build` and commit the result"
            )
        output.write("the catalog is fresh")
        return
    c = result.catalog
    output.write(
        f"{len(c.models)} models, {len(c.routes)} routes, {len(c.providers)} providers, "
        f"{len(c.platforms)} platforms, {len(c.conflicts)} conflicts; "
        f"{len(result.written)} file(s) written"
    )


@contextmanager
def _progress(first: str) -> Iterator[Callable[[str], None]]:
    """A spinner with the build's current step at a terminal; silence in a pipe."""
    if not output.to_terminal():
        yield lambda _step: None
        return
    with output.console().status(first) as status:
        yield status.update


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
    output.table(
        CONFLICT_COLUMNS,
        [
            (c.subject, c.field, [f"{source}: {value}" for source, value in c.values.items()], c.chosen)
            for c in conflicts
        ],
        title=f"{len(conflicts)} conflicts",
    )


CONFLICT_COLUMNS = (
    output.Column("subject"),
    output.Column("field"),
    output.Column("values", "\n".join),  # one source per line at a terminal; "a: 1, b: 2" in a pipe
    output.Column("kept"),
)


@catalog_app.command("stats")
def catalog_stats(json_out: JsonOption = False) -> None:
    """Count what the catalog holds: models, routes, providers, platforms, families, conflicts."""
    stats = registry().stats()
    if json_out:
        print_json(stats)
        return
    counts = ("models", "routes", "providers", "platforms", "families", "names", "conflicts")
    output.table(
        (output.Column("what"), output.Column("count", justify="right")),
        [(key, stats[key]) for key in counts],
        title="catalog",
    )
    if not output.to_terminal():
        output.write("")
    output.table(
        (output.Column("platform"), output.Column("routes", justify="right")),
        list(stats["routes_per_platform"].items()),
        title="routes per platform",
    )
