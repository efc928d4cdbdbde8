"""The store: history, revert, export, import, info."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import modelreg
from modelreg.cli import output
from modelreg.cli.common import JsonOption, app, print_json, store_app

ActorOption = Annotated[
    str | None, typer.Option(help="Who makes the change, for the change log (default: $MODELREG_ACTOR or $USER).")
]


def store_registry(database_url: str | None = None) -> modelreg.Registry:
    """The registry with its store: ``database_url``, else $MODELREG_DATABASE_URL, else the data-dir SQLite
    file (created on first use)."""
    from modelreg.store import default_url

    return modelreg.load(database_url=database_url or default_url())


def _actor(actor: str | None) -> str:
    import os

    return actor or os.environ.get("MODELREG_ACTOR") or os.environ.get("USER") or "cli"


@app.command()
def history(
    record_id: Annotated[str, typer.Argument(help="The record's id, e.g. openai/gpt-4o.")],
    kind: Annotated[str, typer.Option(help="model, route, provider or platform.")] = "model",
    json_out: JsonOption = False,
) -> None:
    """Show every stored change of one record: who, when, what, why.

    \b
    Example: modelreg history openai/gpt-4o
    """
    changes = store_registry().history(kind, record_id)
    if json_out:
        print_json([c._asdict() for c in changes])
        return
    output.table(
        HISTORY_COLUMNS,
        [(c.id, c.at.isoformat(timespec="seconds"), c.actor, c.action, c.message) for c in changes],
        title=f"{len(changes)} changes of {kind} {record_id}",
    )


HISTORY_COLUMNS = (
    output.Column("change", justify="right"),
    *(output.Column(header) for header in ("when", "who", "what", "why")),
)


@app.command()
def revert(
    change_id: Annotated[int, typer.Argument(help="The change to undo (see `modelreg history`).")],
    actor: ActorOption = None,
    message: Annotated[str | None, typer.Option(help="Why.")] = None,
) -> None:
    """Undo one change by writing a new one that restores what was there before it.

    \b
    Example: modelreg revert 42 --message "wrong price"
    """
    change = store_registry().revert(change_id, actor=_actor(actor), message=message)
    output.write(f"reverted change {change_id} as change {change.id} ({change.kind} {change.subject})")


@store_app.command("export")
def store_export(
    file: Annotated[Path, typer.Argument(help="File to write: YAML, or JSON if it ends in .json.")],
) -> None:
    """Write what the store adds, overrides, hides and re-prices, in the catalog's shape (YAML, or JSON for
    a file ending in .json: much faster to import for large stores)."""
    from modelreg.transfer import export_text

    document = store_registry().export_store()
    file.write_text(export_text(document, json=file.suffix.lower() == ".json"), encoding="utf-8")
    counts = {key: len(value) for key, value in document.items()}
    output.write(f"wrote {file}: " + ", ".join(f"{n} {key}" for key, n in counts.items() if n))


@store_app.command("import")
def store_import(
    file: Annotated[
        Path, typer.Argument(help="A file written by `modelreg store export` (YAML or JSON).", exists=True)
    ],
    actor: ActorOption = None,
    message: Annotated[str | None, typer.Option(help="Why, for the change log.")] = None,
) -> None:
    """Apply a store export in one transaction: all of it, or nothing when one item is wrong (each problem
    is named by its place, id and field). Idempotent: importing the same file twice changes nothing the
    second time."""
    from modelreg.transfer import read_document

    document = read_document(file)
    counts = store_registry().import_store(document or {}, actor=_actor(actor), message=message)
    output.write(", ".join(f"{n} {key}" for key, n in counts.items()))


@store_app.command("info")
def store_info(json_out: JsonOption = False) -> None:
    """Where the store is and how many changes it has seen."""
    reg = store_registry()
    assert reg.store is not None
    info = {"url": reg.store.url, "changes": reg.store.counter()}
    if json_out:
        print_json(info)
        return
    output.fields([("store", str(info["url"])), ("changes", str(info["changes"]))])
