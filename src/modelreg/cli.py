"""`modelreg`: the command line. A thin skin: every command calls the library and formats its answer."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

import modelreg
from modelreg import format as fmt
from modelreg.errors import ModelNotFoundError, ModelregError
from modelreg.pricing import COST_PARTS
from modelreg.schema import Capability, Model, Route

app = typer.Typer(
    name="modelreg",
    help="The single source of truth for LLMs: what a model string means, what it can do, what it costs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
catalog_app = typer.Typer(help="Build, check and inspect the bundled catalog.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")

console = Console()
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.callback()
def _setup() -> None:
    """Each invocation gets a console sized to the terminal it runs in (COLUMNS is honoured)."""
    global console
    console = Console()


def _registry() -> modelreg.Registry:
    return modelreg.default_registry()


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


def _print_models(models: list[Model], json_out: bool) -> None:
    if json_out:
        _print_json([m.model_dump(mode="json", exclude_defaults=True) for m in models])
    else:
        console.print(_model_table(models, f"{len(models)} models"))


def _fail(error: ModelregError) -> typer.Exit:
    console.print(f"[red]error:[/red] {error}", highlight=False)
    return typer.Exit(code=1)


# -- reading ------------------------------------------------------------------------------------------------


@app.command("list")
def list_models(
    provider: Annotated[str | None, typer.Option(help="Only models of this provider, e.g. openai.")] = None,
    family: Annotated[str | None, typer.Option(help="Only models of this family, e.g. claude.")] = None,
    capability: Annotated[
        Capability | None, typer.Option(help="Only models with this capability, e.g. vision.")
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """List models as a table: context window, output limit and prices per 1M tokens.

    Example: modelreg list --provider anthropic --capability reasoning
    """
    _print_models(_registry().models(provider=provider, family=family, capability=capability), json_out)


@app.command()
def show(
    name: Annotated[str, typer.Argument(help="A model id, name, alias or any platform's model string.")],
    json_out: JsonOption = False,
) -> None:
    """Show everything known about one model: limits, prices per 1M tokens, lifecycle, routes, sources.

    Example: modelreg show openai/gpt-4o     (also: gpt-4o, azure/gpt-4o, openrouter/openai/gpt-4o)
    """
    reg = _registry()
    try:
        model = reg.resolve(name)
    except ModelNotFoundError as error:
        raise _fail(error) from None
    routes = reg.routes(model.id)
    if json_out:
        _print_json({**model.model_dump(mode="json"), "routes": [r.model_dump(mode="json") for r in routes]})
        return
    _show_model(model, routes)


@app.command()
def resolve(
    name: Annotated[str, typer.Argument(help="Any model name: an id, alias, LiteLLM key or platform string.")],
    explain: Annotated[bool, typer.Option("--explain", help="Also say which rule matched.")] = False,
    json_out: JsonOption = False,
) -> None:
    """Print the canonical id a name means (and the route, for a platform's string).

    Example: modelreg resolve us.anthropic.claude-sonnet-4-5-20250929-v1:0 --explain
    """
    try:
        found = _registry().explain(name)
    except ModelNotFoundError as error:
        raise _fail(error) from None
    route = found.route.id if found.route else None
    if json_out:
        _print_json(
            {
                "name": name,
                "model": found.model.id,
                "route": route,
                "region": found.region,
                "rule": found.rule,
                "fine_tuned": found.fine_tuned,
            }
        )
        return
    typer.echo(found.model.id)
    if explain:
        typer.echo(f"rule:   {found.rule}")
        if route:
            typer.echo(f"route:  {route}" + (f" (region {found.region})" if found.region else ""))
        if found.fine_tuned:
            typer.echo("note:   a fine-tuned model, priced as its base's fine-tunes")


@app.command()
def cost(
    model: Annotated[str, typer.Argument(help="Any model name; a platform's string prices at that platform.")],
    input_tokens: Annotated[int, typer.Option("--input", min=0, help="Prompt tokens, cached ones included.")] = 0,
    output_tokens: Annotated[int, typer.Option("--output", min=0, help="Generated tokens, reasoning included.")] = 0,
    cached: Annotated[int, typer.Option("--cached", min=0, help="Of the input: tokens read from the cache.")] = 0,
    cache_write: Annotated[int, typer.Option("--cache-write", min=0, help="Of the input: tokens written.")] = 0,
    reasoning: Annotated[int, typer.Option("--reasoning", min=0, help="Of the output: reasoning tokens.")] = 0,
    batch: Annotated[bool, typer.Option("--batch", help="Price with the batch API discount.")] = False,
    json_out: JsonOption = False,
) -> None:
    """Price one call exactly, in USD, by kind of token.

    Example: modelreg cost claude-sonnet-4-5 --input 250000 --cached 100000 --output 2000
    """
    try:
        result = _registry().cost(
            model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cache_read_tokens=cached,
            cache_write_tokens=cache_write,
            reasoning_tokens=reasoning,
            batch=batch,
        )
    except ModelregError as error:
        raise _fail(error) from None
    parts = result.as_dict()
    if json_out:
        _print_json(parts)
        return
    notes = [
        f"prompt above {fmt.tokens(result.tier)}: long-context prices" if result.tier else "",
        "batch discount applied" if batch else "",
    ]
    table = Table(title=result.model, caption="; ".join(n for n in notes if n) or None)
    table.add_column("part")
    table.add_column("USD", justify="right")
    for part in COST_PARTS:
        if getattr(result, part):
            table.add_row(part.replace("_", " "), str(parts[part]))
    table.add_row("[bold]total[/bold]", f"[bold]{parts['total']}[/bold]")
    console.print(table)


CapabilityList = Annotated[
    list[Capability] | None, typer.Option("--require", "-r", help="A capability the model must have (repeat).")
]


def _model_table(models: list[Model], title: str) -> Table:
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
    for m in models:
        table.add_row(
            m.id,
            fmt.tokens(m.limits.context_window),
            fmt.tokens(m.limits.max_output_tokens),
            fmt.usd(m.pricing.input),
            fmt.usd(m.pricing.output),
            m.lifecycle.status.value,
        )
    return table


@app.command()
def find(
    require: CapabilityList = None,
    exclude: Annotated[list[Capability] | None, typer.Option(help="A capability the model must not have.")] = None,
    provider: Annotated[str | None, typer.Option(help="Only this provider's models.")] = None,
    platform: Annotated[str | None, typer.Option(help="Only models served on this platform.")] = None,
    min_context: Annotated[int | None, typer.Option(help="Smallest context window, in tokens.")] = None,
    max_input_price: Annotated[float | None, typer.Option(help="Highest input price, USD per 1M tokens.")] = None,
    max_output_price: Annotated[float | None, typer.Option(help="Highest output price, USD per 1M tokens.")] = None,
    sort: Annotated[str, typer.Option(help="id, input_price, output_price, context or release_date.")] = "id",
    include_deprecated: Annotated[bool, typer.Option(help="Also deprecated and retired models.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows.")] = 50,
    json_out: JsonOption = False,
) -> None:
    """Find models by capabilities, limits, price and where they are served.

    Example: modelreg find -r vision -r tools --max-input-price 1 --min-context 128000 --sort input_price
    """
    try:
        models = _registry().find(
            required=[c.value for c in require or ()],
            excluded=[c.value for c in exclude or ()],
            provider=provider,
            platform=platform,
            min_context=min_context,
            max_input_price=max_input_price,
            max_output_price=max_output_price,
            include_deprecated=include_deprecated,
            sort=sort,
        )[:limit]
    except ModelregError as error:
        raise _fail(error) from None
    _print_models(models, json_out)


@app.command()
def compare(
    names: Annotated[list[str], typer.Argument(help="Two or more model names.")],
    json_out: JsonOption = False,
) -> None:
    """Compare models side by side: limits, prices per 1M tokens, capabilities, status.

    Example: modelreg compare gpt-4o claude-sonnet-4-5 gemini-2.5-pro
    """
    try:
        models = _registry().compare(names)
    except ModelNotFoundError as error:
        raise _fail(error) from None
    if json_out:
        _print_json([m.model_dump(mode="json", exclude_defaults=True) for m in models])
        return
    table = Table()
    table.add_column("")
    for m in models:
        table.add_column(m.id)
    rows = [
        ("context", [fmt.tokens(m.limits.context_window) for m in models]),
        ("max output", [fmt.tokens(m.limits.max_output_tokens) for m in models]),
        ("input $/1M", [fmt.usd(m.pricing.input) for m in models]),
        ("output $/1M", [fmt.usd(m.pricing.output) for m in models]),
        ("cache read $/1M", [fmt.usd(m.pricing.cache_read) for m in models]),
        ("status", [m.lifecycle.status.value for m in models]),
        ("released", [m.lifecycle.release_date or "-" for m in models]),
    ]
    every = sorted({c.value for m in models for c in m.capabilities})
    rows += [(cap, ["yes" if m.has(cap) else "-" for m in models]) for cap in every]
    for label, values in rows:
        table.add_row(label, *values)
    console.print(table)


@app.command()
def cheapest(
    prompt: Annotated[int, typer.Option("--input", min=0, help="Prompt tokens of the request.")],
    output: Annotated[int, typer.Option("--output", min=0, help="Output tokens of the request.")] = 0,
    require: CapabilityList = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows.")] = 10,
    json_out: JsonOption = False,
) -> None:
    """The cheapest ways to run one request, over makers' APIs and every platform, with the exact cost.

    Example: modelreg cheapest --input 20000 --output 1000 -r tools -r vision
    """
    quotes = _registry().cheapest(prompt, output, required=[c.value for c in require or ()], limit=limit)
    if json_out:
        _print_json(
            [{"model": q.model, "route": q.route, "platform": q.platform, "cost": q.cost.as_dict()} for q in quotes]
        )
        return
    table = Table(title=f"cheapest for {fmt.tokens(prompt)} in / {fmt.tokens(output)} out")
    for column in ("model", "where", "USD"):
        table.add_column(column)
    for q in quotes:
        table.add_row(q.model, q.platform or "maker's API", format(q.cost.total.normalize(), "f"))
    console.print(table)


@app.command()
def deprecations(
    within: Annotated[str, typer.Option(help="How far ahead to look: 90d, 12w, 6m or a number of days.")] = "90d",
    json_out: JsonOption = False,
) -> None:
    """List models going away (deprecated or retired) soon, with their replacements.

    Example: modelreg deprecations --within 30d
    """
    days = _days(within)
    going = _registry().deprecations(within_days=days)
    if json_out:
        _print_json([m._asdict() for m in going])
        return
    table = Table(title=f"{len(going)} models going away within {days} days")
    for column in ("model", "deprecated", "retired", "replacement"):
        table.add_column(column)
    for m in going:
        table.add_row(m.model, m.deprecation_date or "-", m.retirement_date or "-", m.replacement or "-")
    console.print(table)


def _days(text: str) -> int:
    unit = {"d": 1, "w": 7, "m": 30, "y": 365}.get(text[-1:].lower())
    number = text[:-1] if unit else text
    if not number.isdigit():
        raise typer.BadParameter(f"{text!r}: write a number of days, or like 90d, 12w, 6m")
    return int(number) * (unit or 1)


def _show_model(model: Model, routes: list[Route]) -> None:
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    lc, limits, price = model.lifecycle, model.limits, model.pricing
    rows: list[tuple[str, str | None]] = [
        ("id", model.id),
        ("name", model.display_name or model.name),
        ("provider", model.provider),
        ("family", model.family),
        ("aliases", ", ".join(model.aliases) or None),
        ("context window", fmt.tokens(limits.context_window)),
        ("max input", fmt.tokens(limits.max_input_tokens) if limits.max_input_tokens else None),
        ("max output", fmt.tokens(limits.max_output_tokens)),
        ("input", f"{fmt.usd(price.input)} / 1M tokens" if price.input is not None else None),
        ("output", f"{fmt.usd(price.output)} / 1M tokens" if price.output is not None else None),
        ("cache read", f"{fmt.usd(price.cache_read)} / 1M tokens" if price.cache_read is not None else None),
        (
            "cache write",
            f"{fmt.usd(price.cache_write)} / 1M tokens" if price.cache_write is not None else None,
        ),
        ("reasoning", f"{fmt.usd(price.reasoning)} / 1M tokens" if price.reasoning is not None else None),
        (
            "batch discount",
            f"{price.batch_discount * 100:.0f}%" if price.batch_discount is not None else None,
        ),
        *(
            (f"above {fmt.tokens(t.above_tokens)}", f"in {fmt.usd(t.input)} / out {fmt.usd(t.output)} per 1M")
            for t in price.tiers
        ),
        (
            "modalities",
            f"{', '.join(m.value for m in model.modalities_in)} -> {', '.join(m.value for m in model.modalities_out)}",
        ),
        ("capabilities", ", ".join(c.value for c in model.capabilities) or None),
        ("status", lc.status.value),
        ("released", lc.release_date),
        ("deprecated", lc.deprecation_date),
        ("retired", lc.retirement_date),
        ("replacement", lc.replacement),
        ("knowledge cutoff", model.knowledge_cutoff),
        (
            "size",
            f"{model.size_b}B{' (from the name)' if model.size_estimated else ''}" if model.size_b else None,
        ),
        ("open weights", {True: "yes", False: "no"}.get(model.open_weights)),  # type: ignore[arg-type]
        (
            "unsupported parameters",
            ", ".join(k for k, v in model.parameters.items() if not v.supported) or None,
        ),
        ("sources", ", ".join(f"{s.source}:{s.key}" if s.key else s.source for s in model.sources)),
    ]
    for label, value in rows:
        if value is not None:
            facts.add_row(label, value)
    console.print(facts)
    if routes:
        table = Table(title="routes", title_justify="left")
        for column in ("platform", "model string", "in $/1M", "out $/1M", "regions", "priority"):
            table.add_column(column)
        for r in routes:
            table.add_row(
                r.platform,
                r.model_string,
                fmt.usd(r.pricing.input),
                fmt.usd(r.pricing.output),
                ", ".join(r.regions) or "-",
                str(r.priority),
            )
        console.print(table)


# -- the store ------------------------------------------------------------------------------------------------

store_app = typer.Typer(help="The registry's own store: export, import, where it is.", no_args_is_help=True)
app.add_typer(store_app, name="store")
ActorOption = Annotated[
    str | None, typer.Option(help="Who makes the change, for the change log (default: $MODELREG_ACTOR or $USER).")
]


def _store_registry() -> modelreg.Registry:
    """The registry with its store; the default SQLite file is created on first use."""
    from modelreg.store import default_url

    return modelreg.load(database_url=default_url())


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

    Example: modelreg history openai/gpt-4o
    """
    try:
        changes = _store_registry().history(kind, record_id)
    except ModelregError as error:
        raise _fail(error) from None
    if json_out:
        _print_json([c._asdict() for c in changes])
        return
    table = Table(title=f"{len(changes)} changes of {kind} {record_id}")
    for column in ("change", "when", "who", "what", "why"):
        table.add_column(column)
    for c in changes:
        table.add_row(str(c.id), c.at.isoformat(timespec="seconds"), c.actor, c.action, c.message or "")
    console.print(table)


@app.command()
def revert(
    change_id: Annotated[int, typer.Argument(help="The change to undo (see `modelreg history`).")],
    actor: ActorOption = None,
    message: Annotated[str | None, typer.Option(help="Why.")] = None,
) -> None:
    """Undo one change by writing a new one that restores what was there before it.

    Example: modelreg revert 42 --message "wrong price"
    """
    try:
        change = _store_registry().revert(change_id, actor=_actor(actor), message=message)
    except ModelregError as error:
        raise _fail(error) from None
    console.print(f"reverted change {change_id} as change {change.id} ({change.kind} {change.subject})")


@store_app.command("export")
def store_export(file: Annotated[Path, typer.Argument(help="YAML file to write.")]) -> None:
    """Write what the store adds, overrides, hides and re-prices, in the catalog's YAML shape."""
    from modelreg.catalog.yamlio import dumps

    try:
        document = _store_registry().export_store()
    except ModelregError as error:
        raise _fail(error) from None
    file.write_text(
        dumps(document, header="# modelreg store export: `modelreg store import` reads it back\n"), encoding="utf-8"
    )
    counts = {key: len(value) for key, value in document.items()}
    console.print(f"wrote {file}: " + ", ".join(f"{n} {key}" for key, n in counts.items() if n))


@store_app.command("import")
def store_import(
    file: Annotated[Path, typer.Argument(help="A YAML file written by `modelreg store export`.", exists=True)],
    actor: ActorOption = None,
    message: Annotated[str | None, typer.Option(help="Why, for the change log.")] = None,
) -> None:
    """Apply a store export. Idempotent: importing the same file twice changes nothing the second time."""
    from modelreg.catalog.yamlio import load

    try:
        counts = _store_registry().import_store(load(file) or {}, actor=_actor(actor), message=message)
    except ModelregError as error:
        raise _fail(error) from None
    console.print(", ".join(f"{n} {key}" for key, n in counts.items()))


@store_app.command("info")
def store_info(json_out: JsonOption = False) -> None:
    """Where the store is and how many changes it has seen."""
    reg = _store_registry()
    assert reg.store is not None
    info = {"url": reg.store.url, "changes": reg.store.counter()}
    if json_out:
        _print_json(info)
        return
    console.print(f"store: {info['url']}\nchanges: {info['changes']}")


# -- the service ----------------------------------------------------------------------------------------------

keys_app = typer.Typer(help="API keys for the service: create, list, revoke.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free port).")] = 8000,
    database_url: Annotated[
        str | None, typer.Option(help="The store: sqlite:///path or postgresql://… (default: the data-dir SQLite).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (each a full registry).")] = 1,
) -> None:
    """Serve the registry over HTTP: the REST API under /api/registry, /docs, /healthz, /readyz, /metrics.

    Example: modelreg serve --port 8000 --database-url postgresql://registry@db/registry
    """
    import os

    import uvicorn

    from modelreg.store import default_url

    os.environ["MODELREG_DATABASE_URL"] = database_url or os.environ.get("MODELREG_DATABASE_URL") or default_url()
    modelreg.load(database_url=os.environ["MODELREG_DATABASE_URL"])  # migrate once, before the workers start
    console.print(f"modelreg registry on http://{host}:{port}/api/registry  (docs: http://{host}:{port}/docs)")
    uvicorn.run("modelreg.api.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="warning")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="Who the key is for: the actor in the change log.")],
    role: Annotated[
        str, typer.Option(help="reader, editor (models, routes, prices) or admin (everything).")
    ] = "editor",
) -> None:
    """Create an API key; it is printed once, and only its hash is stored.

    Example: modelreg keys create ci-bot --role editor
    """
    reg = _store_registry()
    assert reg.store is not None
    try:
        key = reg.store.create_key(name, role)
    except ModelregError as error:
        raise _fail(error) from None
    typer.echo(key)


@keys_app.command("list")
def keys_list(json_out: JsonOption = False) -> None:
    """List API keys (names and roles; never the keys)."""
    reg = _store_registry()
    assert reg.store is not None
    listed = reg.store.list_keys()
    if json_out:
        _print_json(listed)
        return
    table = Table(title="API keys")
    for column in ("name", "role", "created", "revoked"):
        table.add_column(column)
    for k in listed:
        table.add_row(k["name"], k["role"], k["created_at"], "yes" if k["revoked"] else "")
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(name: Annotated[str, typer.Argument(help="The key's name.")]) -> None:
    """Revoke an API key: requests with it get 401 from now on."""
    reg = _store_registry()
    assert reg.store is not None
    try:
        reg.store.revoke_key(name)
    except ModelregError as error:
        raise _fail(error) from None
    console.print(f"revoked {name}")


# -- the catalog ----------------------------------------------------------------------------------------------

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
        with console.status("building the catalog…") as status:
            progress = status.update
            if check:
                stale = build.check(upstream_dir, progress=progress)
            else:
                result = build.build(upstream_dir, progress=progress)
    except ModelregError as error:
        raise _fail(error) from None
    if check:
        if stale:
            console.print(f"[red]the catalog is stale:[/red] {len(stale)} file(s) differ: {', '.join(stale[:10])}")
            console.print("run `modelreg catalog build` and commit the result")
            raise typer.Exit(code=1)
        console.print("the catalog is fresh")
        return
    c = result.catalog
    console.print(
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
        _print_json([c.model_dump(mode="json") for c in conflicts])
        return
    table = Table(title=f"{len(conflicts)} conflicts")
    for column in ("subject", "field", "values", "kept"):
        table.add_column(column)
    for c in conflicts:
        values = "\n".join(f"{source}: {value}" for source, value in c.values.items())
        table.add_row(c.subject, c.field, values, c.chosen)
    console.print(table)


@catalog_app.command("stats")
def catalog_stats(json_out: JsonOption = False) -> None:
    """Count what the catalog holds: models, routes, providers, platforms, families, conflicts."""
    stats = _registry().stats()
    if json_out:
        _print_json(stats)
        return
    table = Table(title="catalog")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key in ("models", "routes", "providers", "platforms", "families", "names", "conflicts"):
        table.add_row(key, str(stats[key]))
    console.print(table)
    per_platform = Table(title="routes per platform")
    per_platform.add_column("platform")
    per_platform.add_column("routes", justify="right")
    for platform, count in stats["routes_per_platform"].items():
        per_platform.add_row(platform, str(count))
    console.print(per_platform)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except ModelregError as error:  # pragma: no cover - commands handle their own errors
        console.print(f"[red]error:[/red] {error}", highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
