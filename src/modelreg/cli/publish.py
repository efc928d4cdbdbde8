"""`modelreg publish`: the registry written to S3 (or any S3-compatible store) in seed 001's layout."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

import modelreg
from modelreg.cli import output
from modelreg.cli.common import DatabaseOption, JsonOption, app, print_json
from modelreg.export.s3 import DEFAULT_KEEP, Progress


@app.command()
def publish(
    url: Annotated[str, typer.Argument(help="Where to publish: s3://bucket or s3://bucket/prefix.")],
    endpoint_url: Annotated[
        str | None,
        typer.Option(
            envvar="MODELREG_S3_ENDPOINT_URL",
            help="An S3-compatible service, e.g. http://127.0.0.1:9000 for MinIO (default: AWS).",
        ),
    ] = None,
    keep: Annotated[
        int, typer.Option(min=1, help="Snapshots to keep for rollback under snapshots/; older ones are removed.")
    ] = DEFAULT_KEEP,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read what is published and say what would change; write nothing.")
    ] = False,
    json_out: JsonOption = False,
    database_url: DatabaseOption = None,
) -> None:
    """Publish the registry to S3 in seed 001's layout: only what changed, the index last, snapshots kept.

    One JSON object per platform, provider, model (by provider and by platform) and route (by model and by
    platform), and metadata/capabilities.json and pricing.json. Objects whose content did not change are
    not written; metadata/index.json, which readers start from, is written last, so a publish cut short
    leaves readers on the previous snapshot. Each publish keeps a snapshot under snapshots/<time>/ (the
    compiled catalog and its index) for rollback. Credentials come from the usual AWS settings.

    \b
    Examples:
      modelreg publish s3://models/registry
      modelreg publish s3://models/registry --endpoint-url http://127.0.0.1:9000 --keep 3
      modelreg publish s3://models/registry --dry-run --json
    Read it back: modelreg.load(source="s3://models/registry")
    """
    from modelreg.export.s3 import publish as publishing

    reg = modelreg.load(database_url=database_url)
    with _progress() as progress:
        report = publishing(reg, url, endpoint_url=endpoint_url, keep=keep, dry_run=dry_run, progress=progress)
    if json_out:
        print_json(report.as_json())
        return
    verb = "would write" if dry_run else "written"
    output.fields(
        [
            ("published", url),
            ("snapshot", report.snapshot),
            ("objects", str(report.objects)),
            (verb, str(len(report.written))),
            ("unchanged", str(report.skipped)),
            ("would delete" if dry_run else "deleted", str(len(report.deleted))),
            ("snapshots pruned", str(len(report.pruned))),
            ("seconds", f"{report.seconds:.2f}"),
        ]
    )


@contextmanager
def _progress() -> Iterator[Progress]:
    """A rich progress bar at a terminal; elsewhere a plain line on stderr at each tenth of the objects."""
    if not sys.stderr.isatty():
        shown: set[tuple[str, int]] = set()

        def log(step: str, done: int, total: int) -> None:
            tenth = done * 10 // total if total else 10
            if (step, tenth) not in shown:
                shown.add((step, tenth))
                print(f"publish: {step} {done}/{total}" if total else f"publish: {step}", file=sys.stderr, flush=True)

        yield log
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True
    ) as bar:
        task = bar.add_task("writing", total=None)

        def show(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total or None)

        yield show
