"""What the hot reading commands print: ``show``, ``resolve``, ``cost`` and ``--version``.

One function per command, called by its typer command and by the fast path (``cli.fast``) alike, so the
two print the same by construction. They read the registry's plain records and ids (``explain_ids``,
``record``, ``route_ids``): no pydantic, typer or rich is imported unless the answer needs it (``--json``
of a whole model, a table drawn at a terminal).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from modelreg import format as fmt
from modelreg.cli import output
from modelreg.lifecycle import status_on
from modelreg.pricing import COST_PARTS

if TYPE_CHECKING:
    import modelreg

PRICE_COLUMNS = (
    output.Column("in $/1M", fmt.usd, "right"),
    output.Column("out $/1M", fmt.usd, "right"),
)
ROUTE_COLUMNS = (
    output.Column("platform"),
    output.Column("model string"),
    *PRICE_COLUMNS,
    output.Column("regions"),
    output.Column("priority", justify="right"),
)
COST_COLUMNS = (output.Column("part"), output.Column("USD", justify="right"))


def registry() -> modelreg.Registry:
    """The registry every command reads: the bundled catalog with the configured store laid over it."""
    import modelreg

    return modelreg.default_registry()


def version() -> None:
    """Print `modelreg <version>`."""
    import modelreg

    output.write(f"modelreg {modelreg.__version__}")


def resolve(name: str, *, explain: bool = False, json_out: bool = False) -> None:
    """Print the canonical id ``name`` means; with ``explain`` the rule, the route and its region."""
    found = registry().explain_ids(name)
    route, region = found.route_id or None, found.region or None
    if json_out:
        output.print_json(
            {
                "name": name,
                "model": found.model_id,
                "route": route,
                "region": region,
                "rule": found.rule,
                "fine_tuned": found.fine_tuned,
            }
        )
        return
    output.write(found.model_id)
    if explain:
        output.write(f"rule:   {found.rule}")
        if route:
            output.write(f"route:  {route}" + (f" (region {region})" if region else ""))
        if found.fine_tuned:
            output.write("note:   a fine-tuned model, priced as its base's fine-tunes")


def show(name: str, *, json_out: bool = False) -> None:
    """Print everything known about the model ``name`` means, and the routes that serve it."""
    reg = registry()
    model_id = reg.explain_ids(name).model_id
    price = reg.price_to_compare(model_id)
    if json_out:
        model = reg.get(model_id)
        routes = [r.model_dump(mode="json") for r in reg.routes(model_id)]
        output.print_json({**model.model_dump(mode="json"), "price_to_compare": price_json(price), "routes": routes})
        return
    facts = list(model_facts(reg.record("model", model_id), dt.date.today()))
    if price.is_from:  # the maker states no price: say what it is compared by, and where that comes from
        line = (
            f"from {fmt.usd(price.input)} in / {fmt.usd(price.output)} out per 1M tokens "
            f"({price.route}; the maker states none)"
        )
        facts.insert(next(i for i, (label, _) in enumerate(facts) if label == "max output") + 1, ("price", line))
    output.fields(facts)
    route_ids = reg.route_ids(model_id)
    if route_ids:
        if not output.to_terminal():
            output.write("")  # a blank line between the facts and the routes table
        routes = [reg.record("route", rid) for rid in route_ids]
        output.table(ROUTE_COLUMNS, [route_row(r) for r in routes], title="routes")


def price_json(price: Any) -> dict[str, Any]:
    """A price to compare (``Registry.price_to_compare``) as JSON: USD per 1M as strings, and the route it
    is "from" (null: the maker's own price)."""
    return {
        "input": None if price.input is None else format(price.input, "f"),
        "output": None if price.output is None else format(price.output, "f"),
        "from_route": price.route,
    }


def cost(
    model: str,
    *,
    input_tokens: int = 0,
    output_tokens: int = 0,
    cache_read_tokens: int = 0,
    cache_write_tokens: int = 0,
    reasoning_tokens: int = 0,
    batch: bool = False,
    json_out: bool = False,
) -> None:
    """Print what one call costs, part by part, in exact USD (the counts are ``Registry.cost``'s)."""
    result = registry().cost(
        model,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=cache_read_tokens,
        cache_write_tokens=cache_write_tokens,
        reasoning_tokens=reasoning_tokens,
        batch=batch,
    )
    parts = result.as_dict()
    if json_out:
        output.print_json(parts)
        return
    rows = [(part.replace("_", " "), getattr(result, part)) for part in COST_PARTS if getattr(result, part)]
    notes = [f"prompt above {fmt.tokens(result.tier)}: long-context prices"] if result.tier else []
    notes += ["batch discount applied"] if batch else []
    output.table(COST_COLUMNS, [*rows, ("total", result.total)], title=result.model, notes=notes)


def model_facts(raw: Mapping[str, Any], today: dt.date) -> Iterator[tuple[str, str | None]]:
    """(label, text) for each fact of a model in its stored form (``Registry.record``), reading the
    schema's defaults where a field is left out; None where nothing is known."""
    limits, price = raw.get("limits") or {}, raw.get("pricing") or {}
    lifecycle = raw.get("lifecycle") or {}
    yield "id", raw["id"]
    yield "name", raw.get("display_name") or raw["name"]
    yield "provider", raw["provider"]
    yield "family", raw["family"]
    yield "aliases", ", ".join(raw.get("aliases", ())) or None
    yield "context window", fmt.tokens(limits.get("context_window"))
    yield "max input", fmt.tokens(limits["max_input_tokens"]) if limits.get("max_input_tokens") else None
    yield "max output", fmt.tokens(limits.get("max_output_tokens"))
    for kind in ("input", "output", "cache_read", "cache_write", "reasoning"):
        yield kind.replace("_", " "), _per_million(price.get(kind))
    discount = price.get("batch_discount")
    yield "batch discount", f"{Decimal(discount) * 100:.0f}%" if discount is not None else None
    for tier in price.get("tiers", ()):
        yield (
            f"above {fmt.tokens(tier['above_tokens'])}",
            f"in {fmt.usd(_decimal(tier.get('input')))} / out {fmt.usd(_decimal(tier.get('output')))} per 1M",
        )
    modalities_in = ", ".join(raw.get("modalities_in", ["text"]))
    yield "modalities", f"{modalities_in} -> {', '.join(raw.get('modalities_out', ['text']))}"
    yield "capabilities", ", ".join(raw.get("capabilities", ())) or None
    yield "status", status_on(lifecycle, today.isoformat())
    for label, key in (("released", "release_date"), ("deprecated", "deprecation_date")):
        yield label, lifecycle.get(key)
    yield "retired", lifecycle.get("retirement_date")
    yield "replacement", lifecycle.get("replacement")
    yield "knowledge cutoff", raw.get("knowledge_cutoff")
    size = raw.get("size_b")
    estimated = " (from the name)" if raw.get("size_estimated") else ""
    yield "size", f"{size}B{estimated}" if size is not None and Decimal(size) else None
    yield "open weights", {True: "yes", False: "no"}.get(raw.get("open_weights"))  # type: ignore[arg-type]
    unsupported = [name for name, rule in raw.get("parameters", {}).items() if not rule.get("supported", True)]
    yield "unsupported parameters", ", ".join(unsupported) or None
    sources = raw.get("sources", ())
    yield "sources", ", ".join(f"{s['source']}:{s['key']}" if s.get("key") else s["source"] for s in sources) or None


def route_row(raw: Mapping[str, Any]) -> tuple[Any, ...]:
    """A route in its stored form as a row under ``ROUTE_COLUMNS``."""
    price = raw.get("pricing") or {}
    return (
        raw["platform"],
        raw["model_string"],
        _decimal(price.get("input")),
        _decimal(price.get("output")),
        raw.get("regions", []),
        raw.get("priority", 10),  # the schema's default priority
    )


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _per_million(value: Any) -> str | None:
    return None if value is None else f"{fmt.usd(Decimal(value))} / 1M tokens"
