"""What every command shares: the app, the console, JSON output, the registry, failing clearly."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

import modelreg
from modelreg import format as fmt
from modelreg.errors import ModelregError
from modelreg.schema import Capability, Model

app = typer.Typer(
    name="modelreg",
    help="The single source of truth for LLMs: what a model string means, what it can do, what it costs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
catalog_app = typer.Typer(help="Build, check and inspect the bundled catalog.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
store_app = typer.Typer(help="The registry's own store: export, import, where it is.", no_args_is_help=True)
app.add_typer(store_app, name="store")
keys_app = typer.Typer(help="API keys for the service: create, list, revoke.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
CapabilityList = Annotated[
    list[Capability] | None, typer.Option("--require", "-r", help="A capability the model must have (repeat).")
]
_console = Console()


@app.callback()
def _setup() -> None:
    """Each invocation gets a console sized to the terminal it runs in (COLUMNS is honoured)."""
    global _console
    _console = Console()


def out() -> Console:
    """The console of this invocation."""
    return _console


def registry() -> modelreg.Registry:
    return modelreg.default_registry()


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


def model_table(models: list[Model], title: str) -> Table:
    table = Table(title=title)
    for column, justify in (
        ("id", "left"),
        ("context", "right"),
        ("max out", "right"),
        ("in $/1M", "right"),
        ("out $/1M", "right"),
        ("status", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    reg = registry()
    for m in models:
        price = reg.price_to_compare(m.id)  # the maker's, else "from" the cheapest route
        mark = "from " if price.is_from and price.input is not None else ""
        table.add_row(
            m.id,
            fmt.tokens(m.limits.context_window),
            fmt.tokens(m.limits.max_output_tokens),
            mark + fmt.usd(price.input),
            (mark if price.output is not None else "") + fmt.usd(price.output),
            m.lifecycle.status.value,
        )
    if any(reg.price_to_compare(m.id).is_from for m in models):
        table.caption = "from: the cheapest platform's price, where the maker states none"
    return table


def price_json(price: Any) -> dict[str, Any]:
    """A price to compare as JSON: USD per 1M as strings, and the route it is "from" (null: the maker's)."""
    return {
        "input": None if price.input is None else format(price.input, "f"),
        "output": None if price.output is None else format(price.output, "f"),
        "from_route": price.route,
    }


def print_models(models: list[Model], json_out: bool) -> None:
    if json_out:
        reg = registry()
        print_json(
            [
                {
                    **m.model_dump(mode="json", exclude_defaults=True),
                    "price_to_compare": price_json(reg.price_to_compare(m.id)),
                }
                for m in models
            ]
        )
    else:
        out().print(model_table(models, f"{len(models)} models"))


def fail(error: ModelregError) -> typer.Exit:
    out().print(f"[red]error:[/red] {error}", highlight=False)
    return typer.Exit(code=1)
