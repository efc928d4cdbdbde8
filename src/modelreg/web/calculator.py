"""The cost calculator: one call's cost by ``Registry.cost`` for each chosen model, times the calls a day and
the days of a month, cheapest first."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import NamedTuple

from modelreg.errors import DeprecatedModelWarning, ModelNotFoundError, ModelregError
from modelreg.registry import Registry
from modelreg.schema import Pricing

DAYS_PER_MONTH = 30
DEFAULTS = {"input": 1000, "output": 500, "cached": 0, "calls": 1000}


class Usage(NamedTuple):
    input: int
    output: int
    cached: int  # cache reads: part of input
    calls: int  # a day

    @classmethod
    def parse(cls, params: Iterable[tuple[str, str]]) -> tuple[Usage, list[str]]:
        given = dict(params)
        values, problems = {}, []
        for name, default in DEFAULTS.items():
            text = (given.get(name) or "").strip().replace(",", "").replace("_", "")
            if not text:
                values[name] = default
            elif text.isdigit():
                values[name] = int(text)
            else:
                problems.append(f"{name}: {text!r} is not a whole number of zero or more")
                values[name] = default
        return cls(**values), problems


class Line(NamedTuple):
    name: str  # as asked
    model: str  # the model it means ("" when not found)
    priced_as: str  # the name priced: the one asked, or the route a model without a maker price is priced "from"
    pricing: Pricing | None
    per_call: Decimal | None
    per_day: Decimal | None
    per_month: Decimal | None
    problem: str | None = None


def costs(view: Registry, names: Sequence[str], usage: Usage) -> list[Line]:
    """The cost of ``usage`` for each name (any name the registry resolves), cheapest first; names that
    cannot be priced last, saying why."""
    lines = [_line(view, name, usage) for name in dict.fromkeys(n.strip() for n in names if n.strip())]
    never = Decimal("Infinity")
    return sorted(lines, key=lambda line: (line.per_call is None, line.per_call or never, line.name))


def _line(view: Registry, name: str, usage: Usage) -> Line:
    with warnings.catch_warnings():  # a deprecated model is priced like any other; its page says so
        warnings.simplefilter("ignore", DeprecatedModelWarning)
        try:
            model = view.lookup(name).model.id
        except ModelNotFoundError as exc:
            hint = f"; did you mean {', '.join(exc.suggestions[:3])}?" if exc.suggestions else ""
            return Line(name, "", name, None, None, None, None, f"not found{hint}")
        priced_as = name
        route = view.price_to_compare(model).route
        if route and name == model:  # no maker price: priced where it is cheapest, as the table says "from"
            priced_as = route
        try:
            cost = view.cost(
                priced_as, input_tokens=usage.input, output_tokens=usage.output, cache_read_tokens=usage.cached
            )
            pricing = view.pricing(priced_as)
        except ModelregError as exc:
            return Line(name, model, priced_as, None, None, None, None, str(exc).splitlines()[0])
    per_day = cost.total * usage.calls
    return Line(name, model, priced_as, pricing, cost.total, per_day, per_day * DAYS_PER_MONTH)
