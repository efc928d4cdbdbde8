"""`modelreg export api-json | litellm | models-dev | csv`: the registry in other tools' formats.

Each command reads the registry with its store laid over the catalog (``--database-url``, else the configured
store), calls one writer of ``modelreg.export`` and prints one summary line (on stderr when the export itself
goes to stdout, with ``-`` as FILE).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

import modelreg
from modelreg.cli import output
from modelreg.cli.common import export_app

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        help="The store whose edits to include: sqlite:///path or postgresql://… (default: the configured one)."
    ),
]
FileArgument = Annotated[Path, typer.Argument(help="The file to write, or - for stdout.")]


def _registry(database_url: str | None) -> modelreg.Registry:
    """The registry: the catalog with the store at ``database_url`` (else the configured one) laid over it."""
    return modelreg.load(database_url=database_url)


def _emit(file: Path, text: str, summary: str) -> None:
    """``text`` to ``file`` (atomically), or to stdout for ``-``; then ``summary``."""
    if str(file) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        output.note(summary)
        return
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_name(file.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    tmp.replace(file)
    output.write(f"wrote {file}: {summary}")


@export_app.command("api-json")
def api_json(
    file: FileArgument,
    schema: Annotated[
        Path | None, typer.Option("--schema", help="Also write the document's JSON Schema to this file.")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Write the whole registry as one JSON document for web clients, optionally with its JSON Schema.

    Providers, platforms, models and routes keyed by id, aliases, a generation time and the registry's state
    tag; prices as exact decimal strings in USD per 1M tokens. With --schema, the JSON Schema (draft
    2020-12) is written too and named in the document's $schema.

    \b
    Examples:
      modelreg export api-json site/api.json --schema site/api.schema.json
      modelreg export api-json - | jq '.models["openai/gpt-4o"].pricing'
    """
    from modelreg.export import api_json as writer

    ref = None
    if schema is not None:
        _emit(schema, writer.dumps(writer.schema()), "JSON Schema (draft 2020-12)")
        ref = schema.as_posix() if str(file) == "-" else writer.relative(schema, file.parent)
    data = writer.document(_registry(database_url), schema_ref=ref)
    counts = ", ".join(f"{len(data[kind])} {kind}" for kind in ("models", "routes", "providers", "platforms"))
    _emit(file, writer.dumps(data), counts)


@export_app.command("litellm")
def litellm(file: FileArgument, database_url: DatabaseOption = None) -> None:
    """Write LiteLLM's model_prices_and_context_window.json format, for litellm.register_model().

    One entry per LiteLLM key the registry's records name (the maker's own API and each platform's
    deployments), with the prices that deployment is billed (USD per token), its limits, mode, provider and
    supports_* flags.

    \b
    Examples:
      modelreg export litellm prices.json
      python -c "import json, litellm; litellm.register_model(json.load(open('prices.json')))"
    """
    from modelreg.export import litellm as writer

    cost_map = writer.document(_registry(database_url))
    _emit(file, writer.dumps(cost_map), f"{len(cost_map)} LiteLLM keys")


@export_app.command("models-dev")
def models_dev(
    directory: Annotated[Path, typer.Argument(help="The folder to write providers/ into (made as needed).")],
    database_url: DatabaseOption = None,
) -> None:
    """Write models.dev's layout: providers/<provider>/models/<model>.toml for every served model.

    One provider.toml per platform (under models.dev's id for it) and one TOML file per route: name, dates,
    capabilities, [cost] in USD per 1M tokens, [limit] and [modalities], as models.dev keeps them.

    \b
    Example: modelreg export models-dev ../models.dev
    """
    from modelreg.export import models_dev as writer

    counts = writer.write(_registry(database_url), directory)
    output.write(f"wrote {directory}/providers: {counts['providers']} providers, {counts['models']} model files")


@export_app.command("csv")
def csv(
    file: FileArgument,
    routes: Annotated[bool, typer.Option("--routes", help="One row per route instead of one per model.")] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Write a CSV table for spreadsheets: one row per model (or per route with --routes).

    Columns: id, provider, family, context, max output, input/output/cache prices in USD per 1M tokens,
    capabilities, status and release date (routes add platform and model string).

    \b
    Examples:
      modelreg export csv models.csv
      modelreg export csv - --routes | grep ^bedrock/
    """
    from modelreg.export import csvfile as writer

    content, count = writer.text(_registry(database_url), routes=routes)
    _emit(file, content, f"{count} {'routes' if routes else 'models'}")
