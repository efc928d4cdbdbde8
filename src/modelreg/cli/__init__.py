"""`modelreg`: the command line. A thin skin: every command calls the library and formats its answer.

One module per area: ``models`` (reading), ``catalog``, ``store``, ``service``; ``common`` holds the app.
"""

from __future__ import annotations

import sys

from modelreg.cli import catalog, models, service, store  # noqa: F401  (registers the commands)
from modelreg.cli.common import app, out
from modelreg.errors import ModelregError

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except ModelregError as error:  # pragma: no cover - commands handle their own errors
        out().print(f"[red]error:[/red] {error}", highlight=False)
        sys.exit(1)
