"""Models side by side (``Registry.compare``): one row per fact, rows where the models differ marked; and
the points of the price-against-context plot of a filtered set."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import NamedTuple

from modelreg.errors import DeprecatedModelWarning, ModelNotFoundError
from modelreg.registry import Registry
from modelreg.schema import Model
from modelreg.web import browse, charts, present

MOST = 5


class Line(NamedTuple):
    label: str
    cells: list[str]
    differs: bool


class Comparison(NamedTuple):
    models: list[Model]
    names: list[str]  # as asked, one per model
    lines: list[Line]
    problems: list[str]


def comparison(view: Registry, names: Sequence[str]) -> Comparison:
    """The models ``names`` mean (at most ``MOST``; unknown names and repeats are reported, not fatal)."""
    models: list[Model] = []
    asked: list[str] = []
    problems: list[str] = []
    for name in dict.fromkeys(n.strip() for n in names if n.strip()):
        if len(models) == MOST:
            problems.append(f"at most {MOST} models side by side: {name} left out")
            continue
        try:
            with warnings.catch_warnings():  # a deprecated model is compared like any other; the page says so
                warnings.simplefilter("ignore", DeprecatedModelWarning)
                (model,) = view.compare([name])
        except ModelNotFoundError as exc:
            hint = f"; did you mean {', '.join(exc.suggestions[:3])}?" if exc.suggestions else ""
            problems.append(f"{name}: not found{hint}")
            continue
        if any(m.id == model.id for m in models):
            problems.append(f"{name} is {model.id}, already compared")
            continue
        models.append(model)
        asked.append(name)
    return Comparison(models, asked, lines(view, models), problems)


def lines(view: Registry, models: Sequence[Model]) -> list[Line]:
    """The facts of each model, row by row; capabilities one row each (the union of theirs)."""

    def line(label: str, cells: list[str]) -> Line:
        return Line(label, cells, len(set(cells)) > 1)

    compared = [view.price_to_compare(m.id) for m in models]
    facts = [view.facts_of(m.id) for m in models]

    def priced(value: object, route: str | None) -> str:
        text = present.price(value)  # type: ignore[arg-type]
        return f"from {text} ({route})" if route and text != present.NONE else text

    out = [
        line("Provider", [m.provider for m in models]),
        line("Family", [m.family for m in models]),
        line("Name", [m.display_name or m.name for m in models]),
        line("Status", [f.status for f in facts]),
        line("Released", [present.plain(m.lifecycle.release_date) for m in models]),
        line("Context window", [present.tokens(m.limits.context_window) for m in models]),
        line("Max input", [present.tokens(m.limits.max_input_tokens) for m in models]),
        line("Max output", [present.tokens(m.limits.max_output_tokens) for m in models]),
        line("Input $/1M", [priced(c.input, c.route) for c in compared]),
        line("Output $/1M", [priced(c.output, c.route) for c in compared]),
        line("Cached input $/1M", [present.price(m.pricing.cache_read) for m in models]),
        line("Cache write $/1M", [present.price(m.pricing.cache_write) for m in models]),
        line("Batch discount", [present.plain(m.pricing.batch_discount) for m in models]),
        line("Input modalities", [present.plain([x.value for x in m.modalities_in]) for m in models]),
        line("Output modalities", [present.plain([x.value for x in m.modalities_out]) for m in models]),
    ]
    every = sorted({c.value for m in models for c in m.capabilities})
    out += [line(f"Capability: {c.replace('_', ' ')}", ["yes" if m.has(c) else "no" for m in models]) for c in every]
    out += [
        line("Knowledge cutoff", [present.plain(m.knowledge_cutoff) for m in models]),
        line("Open weights", [present.plain(m.open_weights) for m in models]),
        line("Size (B parameters)", [present.plain(m.size_b) for m in models]),
        line("Served on", [present.plain(sorted(f.platforms)) for f in facts]),
        line("Replacement", [present.plain(m.lifecycle.replacement) for m in models]),
    ]
    return out


def points(view: Registry, filters: browse.Filters, selected: Sequence[str]) -> list[charts.Point]:
    """Every model the filters match, as a dot at (context window, input price to compare)."""
    table = browse.rows(view)
    chosen = set(selected)
    out = []
    for model_id in browse.listing(view, filters._replace(page=1, per=len(table) or 1)).ids:
        facts = table[model_id].facts
        if facts.input_price is not None:
            out.append(charts.Point(model_id, facts.context, facts.input_price, model_id in chosen))
    return out
