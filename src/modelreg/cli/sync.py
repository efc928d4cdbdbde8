"""`modelreg sync`: pull upstream changes into the store, review what was held, diff two snapshots."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import modelreg
from modelreg.cli import output
from modelreg.cli.common import DatabaseOption, JsonOption, SubGroup, app, print_json
from modelreg.cli.store import ActorOption, _actor, store_registry

if TYPE_CHECKING:
    from modelreg.sync.diff import Diff
    from modelreg.sync.run import SyncReport

sync_app = typer.Typer(
    cls=SubGroup,
    invoke_without_command=True,
    rich_markup_mode=None,
)
app.add_typer(sync_app, name="sync")

SourceOption = Annotated[
    list[str] | None,
    typer.Option(
        "--source",
        "-s",
        help="A source to sync, NAME or NAME=FILE_OR_URL (repeat). Default: every source; one without its key "
        "(or local server, or configured ids) is skipped with a note. `modelreg sync sources` lists them.",
    ),
]
MarkdownOption = Annotated[bool, typer.Option("--markdown", help="Print the diff as Markdown (a PR description).")]


@sync_app.callback()
def sync(
    ctx: typer.Context,
    source: SourceOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Fetch, merge and show the diff; change nothing.")] = False,
    json_out: JsonOption = False,
    markdown: MarkdownOption = False,
    max_price_change: Annotated[
        float, typer.Option(min=0, help="Hold a price change larger than this percent for review.")
    ] = 50.0,
    as_of: Annotated[
        str | None,
        typer.Option(
            help="The day the fetched prices were seen (YYYY-MM-DD; default today): new price periods open then."
        ),
    ] = None,
    write_catalog: Annotated[
        Path | None,
        typer.Option(help="Also rewrite the catalog YAML in this source checkout's catalog folder, for review in git."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Merge and diff even when no source changed.")] = False,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to wait for each HTTP response.")] = 30.0,
    database_url: DatabaseOption = None,
) -> None:
    """Pull models and prices from upstream into the store, with a reviewed diff.

    Each source is fetched (conditional requests, retries), merged by the catalog build's evidence rules,
    and diffed against the registry. Safe changes are applied in one transaction (change log actor
    sync:<source>, new price periods); a price moving more than --max-price-change percent, or a model
    disappearing, waits in `modelreg sync review`. A failing source changes nothing; the others go on
    (exit code 3 when some sources failed, 1 when all did).

    \b
    Examples:
      modelreg sync --dry-run                       # what would change
      modelreg sync --source litellm --markdown     # apply, print a PR-ready summary
      modelreg sync --source litellm=./old.json --as-of 2025-01-01
      modelreg sync review --accept 3
      modelreg sync diff old.json new.json
    """
    if ctx.invoked_subcommand is not None:
        return
    from modelreg.sync.run import SourceSpec, Syncer

    day = _day(as_of)
    if write_catalog is not None:
        from modelreg.sync import catalogfiles

        syncer_dir = catalogfiles.catalog_folder(write_catalog)  # merge with the checkout's own curated files
    reg = _registry(database_url, dry_run=dry_run)
    if source:
        specs = [SourceSpec.parse(s) for s in source]
    else:
        from modelreg.sync.sources import default_sources

        specs = [SourceSpec(n) for n in default_sources()]
    syncer = Syncer(reg, max_price_change=max_price_change, as_of=day, timeout=timeout)
    if write_catalog is not None:
        syncer.catalog_dir = syncer_dir
    with _progress([s.name for s in specs]) as progress:
        syncer.progress = progress
        report = syncer.run(specs, dry_run=dry_run, force=force or write_catalog is not None)
    if write_catalog is not None:
        from modelreg.sync import catalogfiles

        written = catalogfiles.write(report.catalog, write_catalog)
        output.note(f"catalog: {len(written)} file(s) rewritten in {write_catalog}")
    _print_report(report, json_out=json_out, markdown=markdown)
    if report.failed:  # 3: some sources failed and the others were applied; 1: every source failed
        raise typer.Exit(code=3 if len(report.failed) < len(report.outcomes) else 1)


@sync_app.command("review")
def review(
    accept: Annotated[
        list[int] | None, typer.Option("--accept", help="Apply the held change with this id (repeat).")
    ] = None,
    reject: Annotated[
        list[int] | None, typer.Option("--reject", help="Drop the held change with this id (repeat).")
    ] = None,
    actor: ActorOption = None,
    json_out: JsonOption = False,
    database_url: DatabaseOption = None,
) -> None:
    """List the changes a sync held for review; accept or reject them.

    \b
    Examples:
      modelreg sync review
      modelreg sync review --accept 3 --accept 4 --reject 5
    """
    from modelreg.sync import review as reviewing

    reg = _registry(database_url, dry_run=False)
    who = _actor(actor)
    for review_id in accept or ():
        reviewing.accept(reg, review_id, by=who)
        output.note(f"accepted held change {review_id}")
    for review_id in reject or ():
        reviewing.reject(reg, review_id, by=who)
        output.note(f"rejected held change {review_id}")
    pending = reviewing.pending(reg)
    if json_out:
        print_json([r.as_json() for r in pending])
        return
    output.table(
        tuple(output.Column(h) for h in ("id", "source", "record", "change", "why held")),
        [(r.id, r.source, r.subject, r.change.get("summary"), r.reason) for r in pending],
        title=f"{len(pending)} change(s) held for review",
    )


@sync_app.command("diff")
def diff(
    old: Annotated[str, typer.Argument(help="The older snapshot: a file or URL.")],
    new: Annotated[str, typer.Argument(help="The newer snapshot: a file or URL.")],
    source: Annotated[
        str | None, typer.Option(help="Which source the snapshots are of (default: told from the first one's content).")
    ] = None,
    json_out: JsonOption = False,
    markdown: MarkdownOption = False,
) -> None:
    """Diff two snapshots of one upstream source, merged as the catalog build merges; no store needed.

    \b
    Example: modelreg sync diff litellm-2025-01.json model_prices_and_context_window.json
    """
    from modelreg.sync import snapshots

    found = snapshots.diff(old, new, source=source)
    _print_diff(found, json_out=json_out, markdown=markdown, title=f"{old} → {new}")


@sync_app.command("status")
def status(json_out: JsonOption = False, database_url: DatabaseOption = None) -> None:
    """Each source's last sync: when, what it did, how long it took."""
    from modelreg.store.syncstate import SyncState

    reg = _registry(database_url, dry_run=False)
    assert reg.store is not None
    runs = SyncState(reg.store).last_runs()
    if json_out:
        print_json({name: run.as_json() for name, run in runs.items()})
        return
    output.table(
        tuple(output.Column(h) for h in ("source", "last run", "status", "applied", "held", "seconds", "message")),
        [
            (
                r.source,
                r.finished_at.isoformat(timespec="seconds"),
                r.status,
                r.applied,
                r.held,
                round((r.finished_at - r.started_at).total_seconds(), 2),
                r.message,
            )
            for r in runs.values()
        ],
        title="last sync per source",
    )


@sync_app.command("sources")
def sources() -> None:
    """List the sources sync knows, their default URLs and the key each needs."""
    from modelreg.sync.sources import describe

    output.table(
        tuple(output.Column(h) for h in ("source", "default URL", "key")),
        describe(),
        title="sources",
    )


# -- helpers ---------------------------------------------------------------------------------------------


def _registry(database_url: str | None, *, dry_run: bool) -> modelreg.Registry:
    """The store to apply to (the data-dir SQLite is created); a dry run reads one only where it exists."""
    if not dry_run:
        return store_registry(database_url)
    from modelreg.settings import database_url as configured

    return modelreg.load(database_url=database_url or configured())


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)", param_hint="--as-of") from None


@contextmanager
def _progress(names: list[str]) -> Iterator[Any]:
    """A rich progress bar per source at a terminal; one plain line per step on stderr otherwise."""
    if not sys.stderr.isatty():

        def log(source: str, message: str) -> None:
            print(f"sync: {source}: {message}", file=sys.stderr, flush=True)

        yield log
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    steps = {"fetching": 1, "merging": 2}
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.fields[source]:<14}"),
        BarColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        transient=False,
    ) as bar:
        tasks = {n: bar.add_task("waiting", total=3, source=n) for n in names}

        def show(source: str, message: str) -> None:
            task = tasks.get(source)
            if task is not None:
                bar.update(task, description=message, completed=steps.get(message, 3))

        yield show


def _print_report(report: SyncReport, *, json_out: bool, markdown: bool) -> None:
    if json_out:
        print_json(report.as_dict())
        return
    for o in report.outcomes.values():
        line = f"{o.source}: {o.status}" + (f" ({o.message})" if o.message else "")
        if o.status in ("applied", "dry-run", "unchanged"):
            line += f", {o.records} records, {o.applied} applied, {o.held} held, {o.seconds:.2f}s"
        (output.error if o.status == "failed" else output.note)(line)
        for n in o.notes:
            output.note(f"  {o.source}: {n}")
    verb = "would apply" if report.dry_run else "applied"
    title = f"sync: {verb} {len(report.applied)}, held {len(report.held)}, kept local {len(report.kept)}, " + (
        f"rejected {len(report.rejected)}, new conflicts {len(report.conflicts)}"
    )
    _print_diff(report.found, json_out=False, markdown=markdown, title=title)
    for label, pairs in (
        ("held for review", report.held),
        ("kept (local edit)", report.kept),
        ("rejected", report.rejected),
    ):
        for change, why in pairs:
            output.note(f"{label}: {change.subject} {change.what}: {why}")
    for conflict in report.conflicts:
        values = ", ".join(f"{k}={v}" for k, v in conflict["values"].items())
        kept = f"kept {conflict['chosen']} ({conflict['rule']})"
        output.note(f"conflict: {conflict['subject']} {conflict['field']}: {values}; {kept}")


def _print_diff(found: Diff, *, json_out: bool, markdown: bool, title: str) -> None:
    if json_out:
        print_json(found.as_json())
    elif markdown:
        sys.stdout.write(found.as_markdown(title))
    elif output.to_terminal():
        from rich.console import Console

        console = Console()
        console.print(title)
        for table in found.rich_tables():
            console.print(table)
        if not len(found):
            console.print("no changes")
    elif not len(found):
        output.note(f"{title}: no changes")
    else:
        output.note(title)
        output.table(
            tuple(output.Column(h) for h in ("kind", "record", "what", "change", "source")),
            [(c.kind, c.subject, c.what, c.summary(), c.source) for c in found],
            title=title,
        )
