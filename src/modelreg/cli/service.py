"""The service: serve, and its API keys."""

from __future__ import annotations

from typing import Annotated

import typer

import modelreg
from modelreg.cli import output
from modelreg.cli.common import JsonOption, app, keys_app, print_json
from modelreg.cli.store import store_registry

SERVER_EXTRA = "pip install 'modelreg[server]'"


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free port).")] = 8000,
    database_url: Annotated[
        str | None, typer.Option(help="The store: sqlite:///path or postgresql://… (default: the data-dir SQLite).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (each a full registry).")] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", help="No access log (one line per request on stderr).")] = False,
    sync_every: Annotated[
        str | None,
        typer.Option(
            help="Sync upstream in the background this often (24h, 6h, 30m): one worker per machine runs it, "
            "one instance per PostgreSQL store at a time. Status: GET /api/registry/sync/status."
        ),
    ] = None,
    sync_source: Annotated[
        list[str] | None,
        typer.Option(
            "--sync-source",
            help="A source the schedule syncs, NAME or NAME=FILE_OR_URL (repeat; default: every source).",
        ),
    ] = None,
    health_every: Annotated[
        str | None,
        typer.Option(
            help="Probe each platform's model list this often (5m) with its key, and mark its routes degraded "
            "or down after failures, active again after a success (as `modelreg health`). Each platform is "
            "probed once per interval however many workers and instances share the store."
        ),
    ] = None,
) -> None:
    """Serve the registry over HTTP: the REST API under /api/registry, /docs, /healthz, /readyz, /metrics.

    Each request is logged on stderr as one line (method, path, status, milliseconds) unless --quiet.

    With --sync-every, the service keeps itself current: `modelreg sync` runs in the background when each
    source's last run (by any instance) is that old; failures are retried sooner, and /metrics counts runs.

    With --health-every, it watches the platforms: `modelreg health` runs in the background, in a thread
    of its own, and the audit log names health:<platform> for every route it moves.

    \b
    Examples:
      modelreg serve --port 8000 --database-url postgresql://registry@db/registry
      modelreg serve --sync-every 24h --sync-source litellm --sync-source openrouter
      modelreg serve --health-every 5m
    """
    import os

    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError as missing:
        output.error(f"serving needs the server extra ({missing.name} is not installed): {SERVER_EXTRA}")
        raise typer.Exit(code=1) from None
    from modelreg.store import default_url

    if sync_every is not None:
        from modelreg.durations import parse_duration
        from modelreg.sync.sources import default_sources

        parse_duration(sync_every, field="--sync-every")  # a bad duration is refused here, not in each worker
        unknown = sorted({s.partition("=")[0].strip() for s in sync_source or ()} - set(default_sources()))
        if unknown:
            output.error(f"unknown sync source(s): {', '.join(unknown)} (see `modelreg sync sources`)")
            raise typer.Exit(code=2)
        os.environ["MODELREG_SYNC_EVERY"] = sync_every
        os.environ["MODELREG_SYNC_SOURCES"] = ",".join(sync_source or ())
    elif sync_source:
        output.error("--sync-source needs --sync-every (how often to sync)")
        raise typer.Exit(code=2)
    if health_every is not None:
        from modelreg.durations import parse_duration

        parse_duration(health_every, field="--health-every")  # a bad duration is refused here, not in each worker
        os.environ["MODELREG_HEALTH_EVERY"] = health_every
    os.environ["MODELREG_DATABASE_URL"] = database_url or os.environ.get("MODELREG_DATABASE_URL") or default_url()
    modelreg.load(database_url=os.environ["MODELREG_DATABASE_URL"])  # migrate once, before the workers start
    output.write(f"modelreg registry on http://{host}:{port}/api/registry/models  (docs: http://{host}:{port}/docs)")
    uvicorn.run(
        "modelreg.api.launch:served_app" if quiet else "modelreg.api.launch:logged_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http="modelreg.api.launch:NoDelayProtocol",
        log_level="warning",
    )


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="Who the key is for: the actor in the change log.")],
    role: Annotated[
        str, typer.Option(help="reader, editor (models, routes, prices) or admin (everything).")
    ] = "editor",
) -> None:
    """Create an API key; it is printed once, and only its hash is stored.

    \b
    Example: modelreg keys create ci-bot --role editor
    """
    reg = store_registry()
    assert reg.store is not None
    output.write(reg.store.create_key(name, role))


@keys_app.command("list")
def keys_list(json_out: JsonOption = False) -> None:
    """List API keys (names and roles; never the keys)."""
    reg = store_registry()
    assert reg.store is not None
    listed = reg.store.list_keys()
    if json_out:
        print_json(listed)
        return
    output.table(
        tuple(output.Column(header) for header in ("name", "role", "created", "revoked")),
        [(k["name"], k["role"], k["created_at"], bool(k["revoked"])) for k in listed],
        title="API keys",
    )


@keys_app.command("revoke")
def keys_revoke(name: Annotated[str, typer.Argument(help="The key's name.")]) -> None:
    """Revoke an API key: requests with it get 401 from now on."""
    reg = store_registry()
    assert reg.store is not None
    reg.store.revoke_key(name)
    output.write(f"revoked {name}")
