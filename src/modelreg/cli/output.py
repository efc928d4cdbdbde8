"""How the CLI speaks: answers on stdout, errors, warnings and notes on stderr, one line each.

At a terminal a table is drawn with rich (imported only then). Anywhere else (a pipe, a file, a test
runner) it is tab-separated text with a header line: full values, never cut with "…" nor wrapped, numbers
as plain numbers — ready for ``cut``, ``sort -n`` or ``awk``; ``--json`` gives every field.

Nothing here imports typer, pydantic or rich at import time: the fast path (``cli.fast``) prints through it.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Literal, NamedTuple


def to_terminal() -> bool:
    """Whether stdout is a terminal a person reads (looked up on every call: test runners swap it)."""
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty and isatty())


def plain(value: Any) -> str:
    """A value as a tab-separated cell: exact numbers, empty for nothing, lists joined by ", ", one line."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(plain(v) for v in value)
    return " ".join(str(value).split("\t")).replace("\r", " ").replace("\n", " ")


def _human(value: Any) -> str:
    return "-" if value is None or value == "" or value == [] else plain(value)


class Column(NamedTuple):
    """One column of a table: its header, how people read a cell at a terminal, and its alignment."""

    header: str
    human: Callable[[Any], str] = _human
    justify: Literal["left", "right"] = "left"


def table(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    title: str | None = None,
    notes: Sequence[str] = (),
) -> None:
    """Print rows of raw values under ``columns``: a rich table at a terminal (``title`` above it, ``notes``
    below), else tab-separated lines under a header line (notes go to stderr)."""
    if not to_terminal():
        lines = ["\t".join(c.header for c in columns)]
        lines += ["\t".join(plain(value) for value in row) for row in rows]
        write("\n".join(lines))
        for text in notes:
            note(text)
        return
    from rich.table import Table
    from rich.text import Text  # cells are text, never rich markup: a "[" in an id prints as itself

    drawn = Table()
    for column in columns:
        drawn.add_column(Text(column.header), justify=column.justify, overflow="fold")
    for row in rows:
        drawn.add_row(*(Text(column.human(value)) for column, value in zip(columns, row, strict=True)))
    terminal = console()
    if title:  # above the table, not its title: a long model id is never folded to the table's width
        terminal.print(Text(title, style="bold"))
    terminal.print(drawn)
    if notes:
        terminal.print(Text("; ".join(notes), style="dim"))


def fields(pairs: Iterable[tuple[str, str | None]]) -> None:
    """Print ``label: value`` facts about one thing, leaving out those with no value: aligned at a
    terminal, ``label<TAB>value`` lines elsewhere."""
    shown = [(label, value) for label, value in pairs if value is not None]
    if not to_terminal():
        write("\n".join(f"{label}\t{plain(value)}" for label, value in shown))
        return
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    for label, value in shown:
        grid.add_row(Text(label), Text(value or ""))
    console().print(grid)


def console() -> Any:
    """A rich console on the current stdout, sized to the terminal (COLUMNS is honoured)."""
    from rich.console import Console

    return Console(file=sys.stdout, highlight=False)


def write(text: str) -> None:
    """Print ``text`` and a newline on stdout."""
    sys.stdout.write(text + "\n")


def print_json(data: Any) -> None:
    import json

    write(json.dumps(data, indent=2, default=str))


def one_line(text: str) -> str:
    """A message of several lines (a headline, then one line per field) as one line."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    if len(lines) <= 1:
        return lines[0] if lines else ""
    return f"{lines[0]} ({'; '.join(lines[1:])})"


def error(message: object) -> None:
    """``error: …`` on stderr, one line."""
    _stderr(f"error: {one_line(str(message))}")


def warning(message: object) -> None:
    """``warning: …`` on stderr, one line."""
    _stderr(f"warning: {one_line(str(message))}")


def note(message: object) -> None:
    """``note: …`` on stderr: something true about the answer that is not part of it."""
    _stderr(f"note: {one_line(str(message))}")


def _stderr(line: str) -> None:
    sys.stdout.flush()  # keep the order a person sees when both streams go to one terminal
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


@contextmanager
def plain_warnings() -> Iterator[None]:
    """Within: every warning (a model going away, …) is one ``warning: …`` line on stderr, with no file
    path or source line of the library."""

    def show(message: Warning | str, *_: Any, **__: Any) -> None:
        warning(message)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield
