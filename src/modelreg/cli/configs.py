"""Configs for other tools: ``export models-yaml``, ``export family-yaml``, ``import family-yaml``,
``generate-config``, ``quickstart`` and ``changelog``. Each calls one library function and writes its
answer (``export.models_yaml``, ``export.family_yaml``, ``export.client_config``, ``changelog``)."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

import modelreg
from modelreg.cli import output
from modelreg.cli.common import app, export_app, import_app
from modelreg.errors import ValidationError

OutFile = Annotated[Path, typer.Argument(help="The file to write; - for stdout.")]
FormatOption = Annotated[
    str, typer.Option("--format", "-f", help="yaml (seed 003's models.yaml), litellm-proxy (config.yaml) or env.")
]


def _current() -> modelreg.Registry:
    """The registry as its store has it now: loaded afresh, as a command may follow an import."""
    return modelreg.load()


def _day(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{option} {text!r} is not a date", [(option, "YYYY-MM-DD")]) from None


def _one_of(values: Iterable[str]) -> Any:
    """The type a prompt takes for a choice: one of ``values`` (typer lists them and refuses others)."""
    return Literal.__getitem__(tuple(values))


def _emit(text: str, out: Path, summary: str) -> None:
    if str(out) == "-":
        sys.stdout.write(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    output.write(f"wrote {out}: {summary}")


@export_app.command("models-yaml")
def export_models_yaml(
    out: Annotated[Path, typer.Argument(help="The models.yaml to write.")],
    shape: Annotated[
        str, typer.Option(help="map (the update tool's: models by id) or list (the loader's: expertise, size).")
    ] = "map",
) -> None:
    """Write seed 003's models.yaml: the map shape (preferences, cost and performance lists) or the list shape.

    \b
    Example: modelreg export models-yaml config/models.yaml --shape list
    """
    from modelreg.export import models_yaml

    if shape not in models_yaml.SHAPES:
        raise ValidationError(f"unknown shape {shape!r}", [("shape", "map or list")])
    path = models_yaml.write(_current(), out, shape="list" if shape == "list" else "map")
    output.write(f"wrote {path} ({shape} shape, {len(models_yaml.read(path).models)} models)")


@export_app.command("family-yaml")
def export_family_yaml(
    folder: Annotated[Path, typer.Argument(help="The folder: DIR/v1/models/<family>.yaml and DIR/v1/schema.json.")],
) -> None:
    """Write one model YAML file per family (seed 004): DIR/v1/models/<family>.yaml, with its JSON Schema.

    \b
    Example: modelreg export family-yaml registry/
    """
    from modelreg.export import family_yaml

    written = family_yaml.write(_current(), folder)
    output.write(f"wrote {len(written) - 1} family files and {written[0]}")


@import_app.command("family-yaml")
def import_family_yaml(
    folder: Annotated[Path, typer.Argument(help="DIR (reads DIR/v1/models/*.yaml, else DIR/*.yaml) or one file.")],
    effective_from: Annotated[
        str | None, typer.Option(help="The day a changed price starts, YYYY-MM-DD (default: today).")
    ] = None,
    message: Annotated[str | None, typer.Option(help="Why, for the change log.")] = None,
) -> None:
    """Read model YAML files (seed 004) into the store in one transaction, as import:family-yaml.

    Models the registry knows get the fields the files state (a changed price opens a new price period);
    unknown ones are added. Nothing is removed. Importing the same files twice changes nothing.

    \b
    Example: modelreg import family-yaml registry/
    """
    from modelreg.cli.store import store_registry
    from modelreg.export import family_yaml

    day = _day(effective_from, "--effective-from")
    done = family_yaml.import_folder(store_registry(), folder, effective_from=day, message=message)
    for key in done.ignored:
        output.note(f"ignored {key}: not a field modelreg reads")
    output.write(", ".join(f"{n} {key}" for key, n in done.counts.items()))


@app.command("generate-config")
def generate_config(
    out: OutFile,
    model: Annotated[str, typer.Option("--model", "-m", help="The model: any name the registry resolves.")],
    backend: Annotated[
        str | None, typer.Option("--backend", "-b", help="The platform to call it on (default: its best route).")
    ] = None,
    format_name: FormatOption = "yaml",
    fallbacks: Annotated[
        bool, typer.Option("--fallbacks/--no-fallbacks", help="Add the other routes of its fallback chain.")
    ] = True,
) -> None:
    """Write a ready client config for one model: its limits, defaults and the env vars for the key.

    \b
    Example: modelreg generate-config --backend openai --model gpt-5 config.yaml
             modelreg generate-config -m claude-sonnet-4-5 -f litellm-proxy litellm.yaml
    """
    from modelreg.export import client_config

    reg = _current()
    text = client_config.render(reg, model, backend=backend, format=format_name, fallbacks=fallbacks)
    _emit(text, out, f"{format_name} config for {model}" + (f" on {backend}" if backend else ""))


@app.command()
def quickstart(
    out: Annotated[Path | None, typer.Argument(help="The file to write (default: config.yaml, or .env).")] = None,
    format_name: FormatOption = "yaml",
    provider: Annotated[str | None, typer.Option(help="The platform; asked when left out.")] = None,
    need: Annotated[
        str | None, typer.Option(help="chat, code, vision, reasoning or cheap; asked when left out.")
    ] = None,
    budget: Annotated[
        float | None, typer.Option(min=0, help="Most USD per 1M output tokens; asked when left out.")
    ] = None,
) -> None:
    """Ask three questions (provider, need, budget), pick a model for them and write its config.

    The pick: the current models on that platform with the need's capabilities, within the budget; for
    cheap the cheapest, otherwise the dearest of the current generation (see export/client_config.py).

    \b
    Example: modelreg quickstart
             modelreg quickstart --provider anthropic --need code --budget 20 config.yaml
    """
    from pydantic import Field

    from modelreg.export import client_config

    reg = _current()
    if provider is None:
        offered = client_config.providers(reg)
        default = "openai" if "openai" in offered else offered[0]
        provider = typer.prompt("Provider", default=default, type=_one_of(offered))
    if need is None:
        need = typer.prompt("Need", default="chat", type=_one_of(client_config.NEEDS))
    if budget is None:
        money = Annotated[Decimal, Field(ge=0)]
        budget = typer.prompt("Budget, most USD per 1M output tokens", default=Decimal(10), type=money)
    chosen = client_config.pick(reg, provider=str(provider), need=str(need), budget=Decimal(str(budget)))
    text = client_config.render(reg, chosen.model, backend=provider, format=format_name, fallbacks=False)
    target = out or Path(".env" if format_name == "env" else "config.yaml")
    price = f"${chosen.output_price:.2f}" if chosen.output_price else "free (local)"
    _emit(text, target, f"{chosen.model} on {provider}, {price} per 1M output tokens")


@app.command()
def changelog(
    since: Annotated[str, typer.Option(help="The first day, YYYY-MM-DD.")],
    until: Annotated[str | None, typer.Option(help="The last day, YYYY-MM-DD (default: today).")] = None,
    format_name: Annotated[str, typer.Option("--format", "-f", help="markdown, json or rss.")] = "markdown",
    link: Annotated[
        str, typer.Option(help="The service's /api/registry URL the RSS items link to.")
    ] = "http://127.0.0.1:8000/api/registry",
) -> None:
    """New models, price changes and deprecations since a day, newest first: Markdown, JSON or RSS.

    \b
    Example: modelreg changelog --since 2025-01-01 --format rss > feed.xml
    """
    from modelreg import changelog as feed

    first = _day(since, "--since")
    last = _day(until, "--until")
    assert first is not None
    if format_name not in feed.FORMATS:
        raise ValidationError(f"unknown format {format_name!r}", [("--format", ", ".join(feed.FORMATS))])
    found = feed.entries(_current(), since=first, until=last)
    sys.stdout.write(feed.render(found, format=format_name, since=first, until=last, link=link))
