"""Two charts as inline SVG, drawn here (no chart library): a model's prices over time as steps, and the
price against the context window of a set of models (both axes logarithmic). Colours come from the page's
stylesheet (classes only: the page's Content-Security-Policy allows no inline style)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from decimal import ROUND_CEILING, Decimal
from typing import NamedTuple

from markupsafe import Markup, escape

from modelreg import format
from modelreg.web import present

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 36


class Period(NamedTuple):
    start: dt.date
    end: dt.date
    prices: dict[str, Decimal]  # series name -> USD per 1M tokens


class Point(NamedTuple):
    id: str
    context: int
    price: Decimal
    selected: bool = False


def _svg(label: str, body: list[str], *, css: str) -> Markup:
    title = escape(label)
    return Markup(
        f'<svg class="chart {css}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{title}" '
        f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg"><title>{title}</title>'
        + "".join(body)
        + "</svg>"
    )


def steps(periods: Sequence[Period], series: Sequence[str], *, label: str) -> Markup:
    """Each series (``input``, ``output``, …) as a line that steps where its price changed."""
    periods = [p for p in periods if p.end >= p.start]
    top = max((v for p in periods for s in series if (v := p.prices.get(s)) is not None), default=Decimal(0))
    if not periods or top <= 0:
        return _svg(label + ": no prices known", [_note("no prices known")], css="steps")
    first, last = periods[0].start.toordinal(), max(p.end for p in periods).toordinal()
    span = max(1, last - first)
    ticks = _nice_ticks(top * Decimal("1.05"))  # a little room above the highest price
    high = float(ticks[-1])

    def x(day: dt.date) -> float:
        return LEFT + (day.toordinal() - first) / span * (WIDTH - LEFT - RIGHT)

    def y(value: Decimal) -> float:
        return TOP + (1 - float(value) / high) * (HEIGHT - TOP - BOTTOM)

    body = _frame()
    body += [_ytick(y(value), format.usd(value)) for value in ticks]
    days = sorted({periods[0].start, *(p.start for p in periods[1:]), periods[-1].end})
    placed: list[float] = []
    for day in reversed(days):  # the last day first: a label too close to one already placed is left out
        if all(abs(x(day) - other) >= 80 for other in placed):
            placed.append(x(day))
            body.append(_xtick(x(day), day.isoformat()))
    for name in series:
        points: list[str] = []
        marks: list[str] = []
        for period in periods:
            if name not in period.prices:
                continue
            value = period.prices[name]
            points += [f"{x(period.start):.1f},{y(value):.1f}", f"{x(period.end):.1f},{y(value):.1f}"]
            tip = escape(f"{name}: {format.usd(value)} per 1M from {period.start.isoformat()}")
            marks.append(
                f'<circle class="mark s-{name}" cx="{x(period.start):.1f}" cy="{y(value):.1f}" r="3.5">'
                f"<title>{tip}</title></circle>"
            )
        if points:
            body.append(f'<polyline class="line s-{name}" points="{" ".join(points)}"/>')
            body += marks
    return _svg(label, body, css="steps")


def scatter(points: Sequence[Point], *, label: str) -> Markup:
    """Each model a dot at (context window, input price), both axes logarithmic; selected models stand out
    and are named."""
    shown = [p for p in points if p.context > 0 and p.price > 0]
    if not shown:
        empty = label + ": no model has both a price and a context window"
        return _svg(empty, [_note("nothing to plot")], css="scatter")
    xs = [math.log10(p.context) for p in shown]
    ys = [math.log10(float(p.price)) for p in shown]
    x0, x1 = math.floor(min(xs)), math.ceil(max(xs))
    y0, y1 = math.floor(min(ys)), math.ceil(max(ys))
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)

    def x(value: float) -> float:
        return LEFT + (value - x0) / (x1 - x0) * (WIDTH - LEFT - RIGHT)

    def y(value: float) -> float:
        return TOP + (1 - (value - y0) / (y1 - y0)) * (HEIGHT - TOP - BOTTOM)

    body = _frame()
    body += [_xtick(x(math.log10(v)), format.tokens(int(v))) for v in _log_ticks(x0, x1)]
    body += [_ytick(y(math.log10(v)), _dollars(v)) for v in _log_ticks(y0, y1)]
    body.append(f'<text class="axis-label" x="{WIDTH - RIGHT}" y="{HEIGHT - 4}" text-anchor="end">context</text>')
    body.append('<text class="axis-label" x="4" y="12">input $/1M</text>')
    dots: list[str] = []
    chosen: list[str] = []
    labels: list[tuple[float, float, float]] = []  # (left, right, baseline) of each label placed
    for point, px, py in zip(shown, xs, ys, strict=True):
        tip = escape(f"{point.id}: {format.usd(point.price)} per 1M input, {format.tokens(point.context)} context")
        href = escape(present.model_url(point.id))
        dot = (
            f'<a href="{href}" tabindex="-1"><circle class="dot{" sel" if point.selected else ""}" '
            f'cx="{x(px):.1f}" cy="{y(py):.1f}" r="{6 if point.selected else 3.5}"><title>{tip}</title></circle></a>'
        )
        (chosen if point.selected else dots).append(dot)
        if point.selected:
            right = x(px) > WIDTH * 0.6  # a label near the right edge goes to the dot's left
            at, anchor = (x(px) - 8, "end") if right else (x(px) + 8, "start")
            width = 7.2 * len(point.id)  # about: 12px bold text
            left = at - width if right else at
            baseline = y(py) - 8
            while any(left < r and left + width > lft and abs(baseline - b) < 15 for lft, r, b in labels):
                baseline += 16  # below a label already there
            labels.append((left, left + width, baseline))
            chosen.append(
                f'<text class="dot-label" x="{at:.1f}" y="{baseline:.1f}" text-anchor="{anchor}">'
                f"{escape(point.id)}</text>"
            )
    return _svg(label, [*body, *dots, *chosen], css="scatter")


def _dollars(value: float) -> str:
    """A price on a log axis, short: $0.001, $0.10, $1, $100, $10K."""
    amount = Decimal(str(value)).normalize()
    if amount >= 1000:
        return f"${amount / 1000:f}K"
    return f"${amount:f}" if amount >= 1 else format.usd(amount)


def _nice_ticks(top: Decimal) -> list[Decimal]:
    """0 and steps of 1, 2 or 5 times a power of ten up to the first at or above ``top`` (4 to 6 ticks)."""
    magnitude = Decimal(10) ** (top.adjusted() - 1)
    for factor in (1, 2, 5, 10, 20, 50):
        step = magnitude * factor
        if top / step <= 5:
            break
    count = max(1, int((top / step).to_integral_value(rounding=ROUND_CEILING)))
    return [step * i for i in range(count + 1)]


def _log_ticks(low: int, high: int) -> list[float]:
    """Ticks from 10**low to 10**high: the powers of ten, and 2x and 5x between them over a short range."""
    steps = (1, 2, 5) if high - low <= 2 else (1,)
    return [m * 10.0**e for e in range(low, high + 1) for m in steps if m * 10.0**e <= 10.0**high]


def _frame() -> list[str]:
    return [
        f'<rect class="plot" x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" height="{HEIGHT - TOP - BOTTOM}"/>'
    ]


def _xtick(at: float, text: str) -> str:
    anchor = "end" if at > WIDTH - RIGHT - 40 else "start" if at < LEFT + 40 else "middle"  # kept inside
    return (
        f'<line class="grid" x1="{at:.1f}" x2="{at:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}"/>'
        f'<text class="tick" x="{at:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="{anchor}">{escape(text)}</text>'
    )


def _ytick(at: float, text: str) -> str:
    return (
        f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{at:.1f}" y2="{at:.1f}"/>'
        f'<text class="tick" x="{LEFT - 6}" y="{at + 4:.1f}" text-anchor="end">{escape(text)}</text>'
    )


def _note(text: str) -> str:
    return f'<text class="tick" x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">{escape(text)}</text>'
