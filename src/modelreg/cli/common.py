"""What every typer command shares: the app, its option types, the models table, failing clearly.

The app's group turns every ModelregError into one ``error:`` line on stderr with exit code 1, and every
warning into one ``warning:`` line; its top-level help is ``cli.helptext``'s text. Help and usage errors are
plain text (no rich panels): they read the same at a terminal and in a pipe, and need no rich import.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from modelreg import format as fmt
from modelreg.cli import answers, helptext, output
from modelreg.errors import ModelregError

if TYPE_CHECKING:
    from modelreg.schema import Model


class Group(TyperGroup):
    """The ``modelreg`` group: errors and warnings as single lines on stderr; ``cli.helptext``'s help."""

    def invoke(self, ctx: Any) -> Any:
        with output.plain_warnings():
            try:
                return super().invoke(ctx)
            except ModelregError as error:
                output.error(error)
                raise typer.Exit(code=1) from None

    def format_help(self, ctx: Any, formatter: Any) -> None:
        formatter.write(helptext.text())


class SubGroup(TyperGroup):
    """A group of commands (``catalog``, ``store``, ``keys``): each listed with its whole first help line."""

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = [(name, (command.help or "").strip().splitlines()[0]) for name, command in self.commands.items()]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _version(value: bool) -> None:
    if value:
        answers.version()
        raise typer.Exit()


app = typer.Typer(
    name="modelreg",
    cls=Group,
    help=helptext.SUMMARY,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _group(name: str, summary: str) -> typer.Typer:
    group = typer.Typer(cls=SubGroup, help=summary, no_args_is_help=True, rich_markup_mode=None)
    app.add_typer(group, name=name)
    return group


DatabaseOption = Annotated[
    str | None, typer.Option(help="The store: sqlite:///path or postgresql://… (default: the data-dir SQLite).")
]


catalog_app = _group("catalog", "Build, check and inspect the bundled catalog.")
store_app = _group("store", "The registry's own store: export, import, where it is.")
keys_app = _group("keys", "API keys for the service: create, list, revoke.")
export_app = _group("export", "Write the registry in another tool's format: LiteLLM, models.dev, api.json, CSV, YAML.")
import_app = _group("import", "Read another tool's files into the store (model YAML per family).")
docs_app = _group("docs", "Generate the documentation tables from the registry.")


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """The single source of truth for LLMs."""


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
CapabilityList = Annotated[
    list[str] | None, typer.Option("--require", "-r", help="A capability the model must have (repeat).")
]

registry = answers.registry
print_json = output.print_json

MODEL_COLUMNS = (
    output.Column("id"),
    output.Column("context", fmt.tokens, "right"),
    output.Column("max out", fmt.tokens, "right"),
    *answers.PRICE_COLUMNS,
    output.Column("price from"),  # "-": the maker's price; else the route the price is "from"
    output.Column("status"),
)
FROM_NOTE = "price from: the cheapest platform's price, where the maker states none"


def model_row(model: Model, today: dt.date) -> tuple[Any, ...]:
    """A model as a row under ``MODEL_COLUMNS``: the price is the one it is compared by (its maker's, else
    "from" its cheapest route, which the row names)."""
    price = registry().price_to_compare(model.id)
    return (
        model.id,
        model.limits.context_window,
        model.limits.max_output_tokens,
        price.input,
        price.output,
        price.route,
        model.lifecycle.status_on(today).value,
    )


def print_models(models: list[Model], json_out: bool) -> None:
    """Models as a table (tab-separated in a pipe), or as JSON with ``json_out``; each with the price it is
    compared by."""
    reg = registry()
    if json_out:
        print_json(
            [
                {
                    **m.model_dump(mode="json", exclude_defaults=True),
                    "price_to_compare": answers.price_json(reg.price_to_compare(m.id)),
                }
                for m in models
            ]
        )
        return
    today = dt.date.today()
    rows = [model_row(m, today) for m in models]
    notes = [FROM_NOTE] if any(row[5] for row in rows) else []
    output.table(MODEL_COLUMNS, rows, title=f"{len(models)} models", notes=notes)
