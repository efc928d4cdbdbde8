"""The service: serve, and its API keys."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

import modelreg
from modelreg.cli.common import JsonOption, app, fail, keys_app, out, print_json
from modelreg.cli.store import store_registry
from modelreg.errors import ModelregError


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free port).")] = 8000,
    database_url: Annotated[
        str | None, typer.Option(help="The store: sqlite:///path or postgresql://… (default: the data-dir SQLite).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (each a full registry).")] = 1,
) -> None:
    """Serve the registry over HTTP: the REST API under /api/registry, /docs, /healthz, /readyz, /metrics.

    Example: modelreg serve --port 8000 --database-url postgresql://registry@db/registry
    """
    import os

    import uvicorn

    from modelreg.store import default_url

    os.environ["MODELREG_DATABASE_URL"] = database_url or os.environ.get("MODELREG_DATABASE_URL") or default_url()
    modelreg.load(database_url=os.environ["MODELREG_DATABASE_URL"])  # migrate once, before the workers start
    out().print(f"modelreg registry on http://{host}:{port}/api/registry  (docs: http://{host}:{port}/docs)")
    uvicorn.run("modelreg.api.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="warning")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="Who the key is for: the actor in the change log.")],
    role: Annotated[
        str, typer.Option(help="reader, editor (models, routes, prices) or admin (everything).")
    ] = "editor",
) -> None:
    """Create an API key; it is printed once, and only its hash is stored.

    Example: modelreg keys create ci-bot --role editor
    """
    reg = store_registry()
    assert reg.store is not None
    try:
        key = reg.store.create_key(name, role)
    except ModelregError as error:
        raise fail(error) from None
    typer.echo(key)


@keys_app.command("list")
def keys_list(json_out: JsonOption = False) -> None:
    """List API keys (names and roles; never the keys)."""
    reg = store_registry()
    assert reg.store is not None
    listed = reg.store.list_keys()
    if json_out:
        print_json(listed)
        return
    table = Table(title="API keys")
    for column in ("name", "role", "created", "revoked"):
        table.add_column(column)
    for k in listed:
        table.add_row(k["name"], k["role"], k["created_at"], "yes" if k["revoked"] else "")
    out().print(table)


@keys_app.command("revoke")
def keys_revoke(name: Annotated[str, typer.Argument(help="The key's name.")]) -> None:
    """Revoke an API key: requests with it get 401 from now on."""
    reg = store_registry()
    assert reg.store is not None
    try:
        reg.store.revoke_key(name)
    except ModelregError as error:
        raise fail(error) from None
    out().print(f"revoked {name}")
