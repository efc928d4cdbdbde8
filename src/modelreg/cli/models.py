"""Reading commands: list, show, resolve, cost, find, compare, cheapest, deprecations."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from modelreg import format as fmt
from modelreg.cli.common import (
    CapabilityList,
    JsonOption,
    app,
    fail,
    out,
    price_json,
    print_json,
    print_models,
    registry,
)
from modelreg.errors import ModelNotFoundError, ModelregError
from modelreg.pricing import COST_PARTS
from modelreg.queries import PriceToCompare
from modelreg.schema import Capability, Model, Route


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
    print_models(registry().models(provider=provider, family=family, capability=capability), json_out)


@app.command()
def show(
    name: Annotated[str, typer.Argument(help="A model id, name, alias or any platform's model string.")],
    json_out: JsonOption = False,
) -> None:
    """Show everything known about one model: limits, prices per 1M tokens, lifecycle, routes, sources.

    Example: modelreg show openai/gpt-4o     (also: gpt-4o, azure/gpt-4o, openrouter/openai/gpt-4o)
    """
    reg = registry()
    try:
        model = reg.resolve(name)
    except ModelNotFoundError as error:
        raise fail(error) from None
    routes = reg.routes(model.id)
    price = reg.price_to_compare(model.id)
    if json_out:
        print_json(
            {
                **model.model_dump(mode="json"),
                "price_to_compare": price_json(price),
                "routes": [r.model_dump(mode="json") for r in routes],
            }
        )
        return
    _show_model(model, routes, price)


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
        found = registry().explain(name)
    except ModelNotFoundError as error:
        raise fail(error) from None
    route = found.route.id if found.route else None
    if json_out:
        print_json(
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
        result = registry().cost(
            model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cache_read_tokens=cached,
            cache_write_tokens=cache_write,
            reasoning_tokens=reasoning,
            batch=batch,
        )
    except ModelregError as error:
        raise fail(error) from None
    parts = result.as_dict()
    if json_out:
        print_json(parts)
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
    out().print(table)


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
        models = registry().find(
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
        raise fail(error) from None
    print_models(models, json_out)


@app.command()
def compare(
    names: Annotated[list[str], typer.Argument(help="Two or more model names.")],
    json_out: JsonOption = False,
) -> None:
    """Compare models side by side: limits, prices per 1M tokens, capabilities, status.

    Example: modelreg compare gpt-4o claude-sonnet-4-5 gemini-2.5-pro
    """
    try:
        models = registry().compare(names)
    except ModelNotFoundError as error:
        raise fail(error) from None
    if json_out:
        print_json([m.model_dump(mode="json", exclude_defaults=True) for m in models])
        return
    table = Table()
    table.add_column("")
    for m in models:
        table.add_column(m.id)
    prices = [registry().price_to_compare(m.id) for m in models]  # the maker's, else "from" the cheapest route
    rows = [
        ("context", [fmt.tokens(m.limits.context_window) for m in models]),
        ("max output", [fmt.tokens(m.limits.max_output_tokens) for m in models]),
        ("input $/1M", [("from " if p.is_from else "") + fmt.usd(p.input) for p in prices]),
        ("output $/1M", [("from " if p.is_from else "") + fmt.usd(p.output) for p in prices]),
        ("cache read $/1M", [fmt.usd(m.pricing.cache_read) for m in models]),
        ("status", [m.lifecycle.status.value for m in models]),
        ("released", [m.lifecycle.release_date or "-" for m in models]),
    ]
    every = sorted({c.value for m in models for c in m.capabilities})
    rows += [(cap, ["yes" if m.has(cap) else "-" for m in models]) for cap in every]
    for label, values in rows:
        table.add_row(label, *values)
    out().print(table)


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
    quotes = registry().cheapest(prompt, output, required=[c.value for c in require or ()], limit=limit)
    if json_out:
        print_json(
            [{"model": q.model, "route": q.route, "platform": q.platform, "cost": q.cost.as_dict()} for q in quotes]
        )
        return
    table = Table(title=f"cheapest for {fmt.tokens(prompt)} in / {fmt.tokens(output)} out")
    for column in ("model", "where", "USD"):
        table.add_column(column)
    for q in quotes:
        table.add_row(q.model, q.platform or "maker's API", format(q.cost.total.normalize(), "f"))
    out().print(table)


@app.command()
def deprecations(
    within: Annotated[str, typer.Option(help="How far ahead to look: 90d, 12w, 6m or a number of days.")] = "90d",
    json_out: JsonOption = False,
) -> None:
    """List models going away (deprecated or retired) soon, with their replacements.

    Example: modelreg deprecations --within 30d
    """
    days = _days(within)
    going = registry().deprecations(within_days=days)
    if json_out:
        print_json([m._asdict() for m in going])
        return
    table = Table(title=f"{len(going)} models going away within {days} days")
    for column in ("model", "deprecated", "retired", "replacement"):
        table.add_column(column)
    for m in going:
        table.add_row(m.model, m.deprecation_date or "-", m.retirement_date or "-", m.replacement or "-")
    out().print(table)


def _days(text: str) -> int:
    unit = {"d": 1, "w": 7, "m": 30, "y": 365}.get(text[-1:].lower())
    number = text[:-1] if unit else text
    if not number.isdigit():
        raise typer.BadParameter(f"{text!r}: write a number of days, or like 90d, 12w, 6m")
    return int(number) * (unit or 1)


def _show_model(model: Model, routes: list[Route], price_to_compare: PriceToCompare) -> None:
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
        (
            "price",
            f"from {fmt.usd(price_to_compare.input)} in / {fmt.usd(price_to_compare.output)} out per 1M tokens "
            f"({price_to_compare.route}; the maker states none)"
            if price_to_compare.is_from
            else None,
        ),
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
    out().print(facts)
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
        out().print(table)
