"""`modelreg register` (a model the registry does not know, after one probe), `modelreg registered` (the
registrations waiting for review) and `modelreg verify` (a model's claimed capabilities, checked live)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from modelreg.cli import output
from modelreg.cli.common import DatabaseOption, JsonOption, app, print_json
from modelreg.cli.store import ActorOption, _actor, store_registry

if TYPE_CHECKING:
    from modelreg.probe import Endpoint

PlatformOption = Annotated[str, typer.Option("--platform", "-p", help="The platform that serves the model.")]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(help="The OpenAI-compatible API to ask, e.g. http://host:8000/v1 (default: the platform's own)."),
]
KeyEnvOption = Annotated[
    str | None,
    typer.Option(
        help="The environment variable holding the key for --base-url (default: the platform's key variables)."
    ),
]
TimeoutOption = Annotated[float, typer.Option(min=0.1, help="Seconds to wait for each answer.")]


@app.command()
def register(
    model: Annotated[str, typer.Argument(help="The model string the platform serves, e.g. llama-3.3-70b.")],
    platform: PlatformOption,
    provider: Annotated[
        str | None, typer.Option(help="Who makes the model, when its name does not say (e.g. meta).")
    ] = None,
    base_url: BaseUrlOption = None,
    key_env: KeyEnvOption = None,
    probe: Annotated[
        bool, typer.Option("--probe/--no-probe", help="Send one tiny chat completion first (default: yes).")
    ] = True,
    timeout: TimeoutOption = 30.0,
    actor: ActorOption = None,
    json_out: JsonOption = False,
    database_url: DatabaseOption = None,
) -> None:
    """Register a model the registry does not know, from its name and one probe, flagged for review.

    The maker, family and size are read from the name with the catalog's own rules; nothing else is
    guessed. One tiny chat completion is sent to the platform's OpenAI-compatible API (--base-url, else
    the platform's own, with the key in its environment variable); if it fails, nothing is registered.
    The model is stored with status preview, verification unverified and the tag needs-review, with its
    route on the platform; `modelreg registered` lists it until a person accepts or rejects it.

    \b
    Examples:
      modelreg register llama-9-70b --platform gpu-box
      modelreg register gpt-9-mini --platform openai --base-url http://gateway:4000/v1 --key-env GATEWAY_KEY
    """
    from modelreg.autoregister import register_unknown

    reg = store_registry(database_url)
    client = _client(base_url, key_env)
    found = register_unknown(
        reg, model, platform, probe=probe, client=client, provider=provider, actor=_actor(actor), timeout=timeout
    )
    if json_out:
        print_json(found.model_dump(mode="json", exclude_defaults=True))
        return
    output.fields(
        [
            ("registered", found.id),
            ("route", f"{platform}/{found.id}"),
            ("family", found.family),
            ("size", f"{found.size_b}B (from the name)" if found.size_b is not None else None),
            ("status", f"{found.lifecycle.status.value}, {found.verification.status}, needs review"),
        ]
    )


@app.command()
def registered(
    accept: Annotated[
        list[str] | None, typer.Option("--accept", help="Keep this model and clear its review flag (repeat).")
    ] = None,
    reject: Annotated[
        list[str] | None, typer.Option("--reject", help="Remove this model and its routes (repeat).")
    ] = None,
    actor: ActorOption = None,
    json_out: JsonOption = False,
    database_url: DatabaseOption = None,
) -> None:
    """List the auto-registered models waiting for review; accept or reject them.

    \b
    Examples:
      modelreg registered
      modelreg registered --accept meta/llama-9-70b --reject openai/gpt-9-mini
    """
    from modelreg import autoregister

    reg = store_registry(database_url)
    who = _actor(actor)
    for name in accept or ():
        kept = autoregister.accept(reg, name, by=who)
        output.note(f"accepted {kept.id}")
    for name in reject or ():
        autoregister.reject(reg, name, by=who)
        output.note(f"rejected {name}: removed with its routes")
    waiting = autoregister.pending(reg)
    if json_out:
        print_json([m.model_dump(mode="json", exclude_defaults=True) for m in waiting])
        return
    output.table(
        tuple(output.Column(h) for h in ("id", "routes", "family", "size", "status", "verification", "registered")),
        [
            (
                m.id,
                [r.id for r in reg.routes(m.id)],
                m.family,
                m.size_b,
                m.lifecycle.status.value,
                m.verification.status,
                next((s.as_of for s in m.sources if s.source == autoregister.SOURCE), None),
            )
            for m in waiting
        ],
        title=f"{len(waiting)} model(s) waiting for review",
    )


@app.command()
def verify(
    model: Annotated[str, typer.Argument(help="The model, e.g. openai/gpt-4o.")],
    platform: PlatformOption,
    capability: Annotated[
        list[str] | None,
        typer.Option(
            "--capability",
            "-c",
            help="Check only this: chat, streaming, tools, json_mode, vision (repeat; default: those claimed).",
        ),
    ] = None,
    base_url: BaseUrlOption = None,
    key_env: KeyEnvOption = None,
    timeout: TimeoutOption = 30.0,
    actor: ActorOption = None,
    json_out: JsonOption = False,
    database_url: DatabaseOption = None,
) -> None:
    """Check the capabilities the registry claims for a model against its live API, and record the result.

    One minimal request per capability (streaming, tools, json_mode, vision; chat when none is claimed)
    is sent with the model's string on the platform, to the platform's OpenAI-compatible API (--base-url,
    else its own, with the key in its environment variable). The model's verification (status,
    last_checked, verified_capabilities) is updated in the store. Exit code 0 when every check passed,
    1 when one failed.

    \b
    Examples:
      modelreg verify openai/gpt-4o --platform openai
      modelreg verify llama-9-70b --platform gpu-box --capability tools --json
    """
    from modelreg.verify import verify as verifying

    reg = store_registry(database_url)
    report = verifying(
        reg,
        model,
        platform=platform,
        client=_client(base_url, key_env),
        capabilities=capability or None,
        actor=_actor(actor) if actor else "verify",
        timeout=timeout,
    )
    if json_out:
        print_json(report.as_json())
    else:
        v = report.verification
        output.table(
            tuple(output.Column(h) for h in ("capability", "claimed", "result", "detail")),
            [(c.capability, c.claimed, "passed" if c.passed else "failed", c.detail) for c in report.checks],
            title=f"{report.model} on {report.route.split('/', 1)[0]} ({report.url}): {v.status}",
            notes=[f"recorded: verification {v.status}, last checked {v.last_checked}"],
        )
    if not report.ok:
        raise typer.Exit(code=1)


def _client(base_url: str | None, key_env: str | None) -> Endpoint | None:
    """The endpoint --base-url names, with the key in the variable --key-env names (without it, the
    platform's own key variables). A key is never taken on the command line: it would stay in the shell's
    history and in the process list."""
    import os

    from modelreg.errors import ValidationError
    from modelreg.probe import Endpoint

    if base_url is None:
        if key_env is not None:
            raise ValidationError("--key-env goes with --base-url", [("key_env", "name --base-url too")])
        return None
    if key_env is None:
        return Endpoint(base_url)
    key = os.environ.get(key_env, "").strip()
    if not key:
        raise ValidationError(f"${key_env} is not set", [("key_env", "export the key in it first")])
    return Endpoint(base_url, key)
