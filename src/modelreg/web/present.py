"""How values read on the page: prices per 1M, token counts, money, dates, capability icons, links. The
numbers use ``modelreg.format``, as the CLI does, so both faces write them the same."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html import escape as _esc
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from markupsafe import Markup

from modelreg import format

if TYPE_CHECKING:
    from modelreg.web.browse import Row

# One symbol per capability (fonts as common as DejaVu Sans have them all); the name is always there too,
# as a tooltip and as text for screen readers.
CAPABILITY_ICONS = {
    "chat": "❝",
    "completion": "…",
    "embedding": "⋮",
    "streaming": "≋",
    "tools": "⚒",
    "parallel_tools": "⇉",
    "vision": "◉",
    "audio_input": "♪",
    "audio_output": "♫",
    "pdf_input": "▤",
    "reasoning": "∴",
    "json_mode": "{}",
    "structured_output": "⊞",
    "web_search": "⌕",
    "code_execution": "⌨",
    "prompt_caching": "↺",
    "batch": "≡",
    "fine_tuning": "⚙",
    "image_generation": "✦",
    "agentic": "↻",
    "computer_use": "▣",
    "rerank": "⇅",
}
NONE = "—"


def price(value: Decimal | float | str | None) -> str:
    """A price per 1M tokens: ``$2.50``; ``—`` when unknown."""
    if value is None:
        return NONE
    return format.usd(value if isinstance(value, Decimal) else Decimal(str(value)))


def money(value: Decimal | None) -> str:
    """An amount in USD (a cost), every significant digit of a small one kept."""
    return NONE if value is None else format.usd(value)


def tokens(count: int | None) -> str:
    """``128K``; ``—`` when unknown (the facts write an unknown limit as 0)."""
    return format.tokens(count) if count else NONE


def _icons(template: str) -> dict[str, Markup]:
    return {n: Markup(template).format(n.replace("_", " "), icon) for n, icon in CAPABILITY_ICONS.items()}


_NAMED = _icons('<i class="cap" role="img" aria-label="{0}" title="{0}">{1}</i>')  # made once: rows show many
_BARE = _icons('<i class="cap" aria-hidden="true">{1}</i>')


def capability(name: str) -> Markup:
    """A capability's icon, named for tooltips and screen readers."""
    return _NAMED.get(name) or Markup('<i class="cap" role="img" aria-label="{0}" title="{0}">•</i>').format(name)


def icon(name: str) -> Markup:
    """A capability's icon alone, for places that write its name next to it."""
    return _BARE.get(name) or Markup('<i class="cap" aria-hidden="true">•</i>')


def capabilities(names: Any) -> Markup:
    return Markup("".join(capability(n) for n in sorted(names)))


def model_url(model_id: str) -> str:
    return "/models/" + quote(model_id, safe="/")


def model_link(model_id: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(model_url(model_id), model_id)


def web_url(url: str | None) -> str | None:
    """``url`` when it is a web address (http or https), else None: records carry URLs anyone with an editor
    key can write, and only web pages are linked."""
    return url if url and url.lower().startswith(("https://", "http://")) else None


def when(value: dt.datetime | dt.date | str | None) -> str:
    """A timestamp to the minute (UTC), a date as it is."""
    if value is None or value == "":
        return NONE
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def plain(value: Any) -> str:
    """Any stored value (a field of a record) as text: lists joined, nothing as ``—``."""
    if value is None or value == "" or value == [] or value == {}:
        return NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(plain(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {plain(v)}" for k, v in value.items())
    return str(value)


def flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """A record's fields as (dotted name, value) pairs, nested objects opened, in the record's order."""
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and key not in ("values",):
            out += flatten(value, name + ".")
        else:
            out.append((name, value))
    return out


def row(row: Row) -> str:
    """One model's row of the browse table. Written here, not in a template: a table of a thousand rows is
    rendered in a few milliseconds this way, ten times faster than through Jinja2; and with few elements
    (capabilities are one cell's text, named for screen readers and in its tooltip), so a browser lays a
    thousand rows out quickly."""
    f = row.facts
    model_id = _esc(f.id)
    sub = f'<span class="sub">{_esc(row.display_name)}</span>' if row.display_name else ""
    origin = f' title="from the cheapest route: {_esc(f.price_route)}"' if f.price_route else ""
    prices = "".join(
        f'<td class="num"{origin}>{"from " if origin and value is not None else ""}{price(value)}</td>'
        for value in (f.input_price, f.output_price)
    )
    names = ", ".join(sorted(c.replace("_", " ") for c in f.capabilities))
    icons = "".join(CAPABILITY_ICONS.get(c, "•") for c in sorted(f.capabilities))
    status = _esc(f.status)
    return (
        f'<tr><td><input type="checkbox" name="ids" value="{model_id}" form="pick" aria-label="Select {model_id}">'
        f"</td><td>{_esc(f.provider)}</td>"
        f'<th scope="row"><a href="{_esc(model_url(f.id))}">{_esc(row.name)}</a>{sub}</th><td>{_esc(f.family)}</td>'
        f'<td class="num">{tokens(f.context)}</td><td class="num">{tokens(f.max_output)}</td>{prices}'
        f'<td class="num">{price(row.cached)}</td><td class="caps" title="{names}">'
        f'<span aria-hidden="true">{icons}</span><span class="vh">{names or "none stated"}</span></td>'
        f'<td class="date">{_esc(f.release_date or NONE)}</td>'
        f'<td><span class="status s-{status}">{status}</span></td></tr>\n'
    )


FILTERS = {
    "price": price,
    "money": money,
    "tokens": tokens,
    "capability": capability,
    "icon": icon,
    "capabilities": capabilities,
    "model_url": model_url,
    "model_link": model_link,
    "when": when,
    "web_url": web_url,
    "plain": plain,
}
