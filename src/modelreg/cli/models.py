"""Reading commands: list, show, resolve, cost, find, compare, cheapest, deprecations.

``show``, ``resolve`` and ``cost`` print through ``cli.answers`` (the fast path prints the same way).
Filters that name a provider, family, platform or capability match in any letter case; a name that is
not known is an error with suggestions, never a silently empty table.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import Annotated, Any

import typer

from modelreg import format as fmt
from modelreg.cli import answers, output
from modelreg.cli.common import CapabilityList, JsonOption, app, print_json, print_models, registry
from modelreg.errors import ValidationError


@app.command("list")
def list_models(
    provider: Annotated[str | None, typer.Option(help="Only models of this provider, e.g. openai.")] = None,
    family: Annotated[str | None, typer.Option(help="Only models of this family, e.g. claude.")] = None,
    capability: Annotated[str | None, typer.Option(help="Only models with this capability, e.g. vision.")] = None,
    json_out: JsonOption = False,
) -> None:
    """List models as a table: context window, output limit and prices per 1M tokens.

    \b
    Example: modelreg list --provider anthropic --capability reasoning
    """
    reg = registry()
    provider = known("provider", provider, [p.id for p in reg.providers()])
    family = known("family", family, reg.families())
    capability = known("capability", capability, capabilities())
    print_models(reg.models(provider=provider, family=family, capability=capability), json_out)


@app.command()
def show(
    name: Annotated[str, typer.Argument(help="A model id, name, alias or any platform's model string.")],
    json_out: JsonOption = False,
) -> None:
    """Show everything known about one model: limits, prices per 1M tokens, lifecycle, routes, sources.

    \b
    Example: modelreg show openai/gpt-4o     (also: gpt-4o, azure/gpt-4o, openrouter/openai/gpt-4o)
    """
    answers.show(name, json_out=json_out)


@app.command()
def resolve(
    name: Annotated[str, typer.Argument(help="Any model name: an id, alias, LiteLLM key or platform string.")],
    explain: Annotated[bool, typer.Option("--explain", help="Also say which rule matched.")] = False,
    json_out: JsonOption = False,
) -> None:
    """Print the canonical id a name means (and the route, for a platform's string).

    \b
    Example: modelreg resolve us.anthropic.claude-sonnet-4-5-20250929-v1:0 --explain
    """
    answers.resolve(name, explain=explain, json_out=json_out)


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

    \b
    Example: modelreg cost claude-sonnet-4-5 --input 250000 --cached 100000 --output 2000
    """
    answers.cost(
        model,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=cached,
        cache_write_tokens=cache_write,
        reasoning_tokens=reasoning,
        batch=batch,
        json_out=json_out,
    )


@app.command()
def find(
    require: CapabilityList = None,
    exclude: Annotated[list[str] | None, typer.Option(help="A capability the model must not have.")] = None,
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

    \b
    Example: modelreg find -r vision -r tools --max-input-price 1 --min-context 128000 --sort input_price
    """
    reg = registry()
    models = reg.find(
        required=known_all("capability", require, capabilities()),
        excluded=known_all("capability", exclude, capabilities()),
        provider=known("provider", provider, [p.id for p in reg.providers()]),
        platform=known("platform", platform, [p.id for p in reg.platforms()]),
        min_context=min_context,
        max_input_price=max_input_price,
        max_output_price=max_output_price,
        include_deprecated=include_deprecated,
        sort=sort,
    )[:limit]
    print_models(models, json_out)


@app.command()
def compare(
    names: Annotated[list[str], typer.Argument(help="Two or more model names.")],
    json_out: JsonOption = False,
) -> None:
    """Compare models side by side: limits, prices per 1M tokens, capabilities, status.

    \b
    Example: modelreg compare gpt-4o claude-sonnet-4-5 gemini-2.5-pro
    """
    import datetime as dt

    models = registry().compare(names)
    if json_out:
        print_json([m.model_dump(mode="json", exclude_defaults=True) for m in models])
        return
    today = dt.date.today()
    prices = [registry().price_to_compare(m.id) for m in models]  # the maker's, else "from" the cheapest route
    rows: list[tuple[str, Callable[[Any], str], list[Any]]] = [
        ("context", fmt.tokens, [m.limits.context_window for m in models]),
        ("max output", fmt.tokens, [m.limits.max_output_tokens for m in models]),
        ("input $/1M", fmt.usd, [p.input for p in prices]),
        ("output $/1M", fmt.usd, [p.output for p in prices]),
        ("price from", _text, [p.route for p in prices]),
        ("cache read $/1M", fmt.usd, [m.pricing.cache_read for m in models]),
        ("status", _text, [m.lifecycle.status_on(today).value for m in models]),
        ("released", _text, [m.lifecycle.release_date for m in models]),
    ]
    every = sorted({c.value for m in models for c in m.capabilities})
    rows += [(cap, _text, ["yes" if m.has(cap) else "no" for m in models]) for cap in every]
    # one column per model: each row is one fact, read the way people read it only at a terminal
    readable = output.to_terminal()
    output.table(
        [output.Column(""), *(output.Column(m.id) for m in models)],
        [(label, *(human(v) if readable else v for v in values)) for label, human, values in rows],
    )


def _text(value: object) -> str:
    return "-" if value is None else str(value)


@app.command()
def cheapest(
    prompt: Annotated[int, typer.Option("--input", min=0, help="Prompt tokens of the request.")],
    output_tokens: Annotated[int, typer.Option("--output", min=0, help="Output tokens of the request.")] = 0,
    require: CapabilityList = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows.")] = 10,
    json_out: JsonOption = False,
) -> None:
    """The cheapest ways to run one request, over makers' APIs and every platform, with the exact cost.

    \b
    Example: modelreg cheapest --input 20000 --output 1000 -r tools -r vision
    """
    required = known_all("capability", require, capabilities())
    quotes = registry().cheapest(prompt, output_tokens, required=required, limit=limit)
    if json_out:
        print_json(
            [{"model": q.model, "route": q.route, "platform": q.platform, "cost": q.cost.as_dict()} for q in quotes]
        )
        return
    output.table(
        CHEAPEST_COLUMNS,
        [(q.model, q.platform or "maker's API", q.cost.total) for q in quotes],
        title=f"cheapest for {fmt.tokens(prompt)} in / {fmt.tokens(output_tokens)} out",
    )


CHEAPEST_COLUMNS = (output.Column("model"), output.Column("where"), output.Column("USD", justify="right"))
DEPRECATION_COLUMNS = tuple(output.Column(h) for h in ("model", "deprecated", "retired", "replacement"))


@app.command()
def deprecations(
    within: Annotated[str, typer.Option(help="How far ahead to look: 90d, 12w, 6m or a number of days.")] = "90d",
    json_out: JsonOption = False,
) -> None:
    """List models going away (deprecated or retired) soon, with their replacements.

    \b
    Example: modelreg deprecations --within 30d
    """
    days = _days(within)
    going = registry().deprecations(within_days=days)
    if json_out:
        print_json([m._asdict() for m in going])
        return
    output.table(
        DEPRECATION_COLUMNS,
        [(m.model, m.deprecation_date, m.retirement_date, m.replacement) for m in going],
        title=f"{len(going)} models going away within {days} days",
    )


def _days(text: str) -> int:
    unit = {"d": 1, "w": 7, "m": 30, "y": 365}.get(text[-1:].lower())
    number = text[:-1] if unit else text
    if not number.isdigit():
        raise typer.BadParameter(f"{text!r}: write a number of days, or like 90d, 12w, 6m")
    return int(number) * (unit or 1)


def capabilities() -> list[str]:
    from modelreg.schema import Capability

    return [c.value for c in Capability]


def known(kind: str, typed: str | None, names: Iterable[str]) -> str | None:
    """The known ``kind`` name ``typed`` means, in any letter case; a ValidationError with the closest
    names when there is none (so a filter never answers an empty table for a typo)."""
    if typed is None:
        return None
    by_key = {name.lower(): name for name in names}
    found = by_key.get(typed.strip().lower())
    if found is not None:
        return found
    close = difflib.get_close_matches(typed.lower(), by_key, n=5, cutoff=0.6)
    close += [key for key in by_key if typed.lower() in key and key not in close]
    hint = f" Did you mean: {', '.join(by_key[key] for key in close[:5])}?" if close else ""
    raise ValidationError(f"no {kind} named {typed!r}.{hint}")


def known_all(kind: str, typed: Iterable[str] | None, names: Iterable[str]) -> list[str]:
    names = list(names)
    return [name for name in (known(kind, t, names) for t in typed or ()) if name is not None]
