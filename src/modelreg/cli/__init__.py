"""`modelreg`: the command line. A thin skin: every command calls the library and formats its answer.

One module per area: ``models`` (reading), ``catalog``, ``store``, ``service``; ``common`` holds the typer
app, ``output`` how answers are printed. The console script answers ``show``, ``resolve``, ``cost``,
``--help`` and ``--version`` on the fast path (``fast``) without importing typer, and hands every other
command line to the typer app, imported only then.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

    app: typer.Typer

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point: the fast path, else the typer app."""
    import gc

    # A fast-path command lives for milliseconds: the cyclic garbage collector would only rescan the
    # catalog's records while they are decoded, and once more at exit (~20 ms together, measured).
    gc.disable()
    from modelreg.cli import fast

    try:
        code = fast.run(sys.argv[1:])
        if code is None:
            gc.enable()
            typer_app()()  # exits with the command's code; click stops quietly on a closed pipe
        sys.stdout.flush()
        gc.freeze()  # what is left is freed at exit without one more full collection
    except BrokenPipeError:  # the reader went away (`modelreg … | head -1`): stop quietly, as click does
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    except KeyboardInterrupt:  # Ctrl-C: no traceback (typer's path says "Aborted!" itself)
        code = 130
    sys.exit(code)


def typer_app() -> typer.Typer:
    """The typer app with every command registered."""
    from modelreg.cli import (  # noqa: F401  (importing a command module registers its commands)
        catalog,
        configs,
        docsgen,
        exports,
        health,
        models,
        publish,
        service,
        store,
        sync,
        verify,
    )
    from modelreg.cli.common import app

    return app


def __getattr__(name: str) -> Any:
    if name == "app":  # `from modelreg.cli import app` (tests, embedding) imports typer only then
        return typer_app()
    raise AttributeError(f"module 'modelreg.cli' has no attribute {name!r}")
