"""Registering a model the registry does not know, from its name and one probe (seed 003's "Automatic
Model Registration").

    from modelreg.autoregister import register_unknown, accept, reject
    from modelreg.probe import Endpoint

    model = register_unknown(reg, "llama-9-70b", "gpu-box")          # the platform's base URL and key
    model = register_unknown(reg, "gpt-9-mini", "openai", client=Endpoint("http://gw:4000/v1", key))
    accept(reg, model.id, by="alice")                                # or reject(...): removes it again

What a name says is read with the catalog build's own rules (``catalog/rules.yaml``, through
``Rules.parse``: the platform's org prefix, the makers' name patterns, the families) and the size with
``names.size_from_name`` (``8x7b`` = 56). Nothing else is guessed: limits, prices and capabilities are
left out until a source or a person states them (``modelreg verify`` checks capabilities).

With ``probe`` (the default) one tiny chat completion is sent to the platform's OpenAI-compatible API
(``probe.Endpoint.chat``, the code path health checks and verification use); when it fails nothing is
written and a ``SourceError`` names the URL, the HTTP status and the server's message (never the key).
On success the model and its route on the platform are created in one transaction (``import_store``):
the model with status ``preview``, verification ``unverified``, a ``SourceRef`` of source
``autoregister``, and the tag ``needs-review``.

**Review.** The tag ``needs-review`` is the flag: ``pending`` lists the models carrying it, ``accept``
keeps a model and clears the tag, ``reject`` removes the model and its routes in one transaction. (The
sync review queue, ``modelreg sync review``, cannot hold these: its reject drops a held change and never
writes, while rejecting a registration must remove records.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from modelreg.errors import ConflictError, InUseError, ModelNotFoundError, SourceError, ValidationError

if TYPE_CHECKING:
    from modelreg.probe import Endpoint, ProbeResult
    from modelreg.registry import Registry
    from modelreg.schema import Model, Platform

SOURCE = "autoregister"
REVIEW_TAG = "needs-review"
ACTOR = "autoregister"


class Client(Protocol):
    """What ``client`` may be: anything with an OpenAI-compatible ``base_url`` and an ``api_key``
    (``probe.Endpoint``, an ``openai.OpenAI`` client)."""

    @property
    def base_url(self) -> Any: ...

    @property
    def api_key(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class Guess:
    """What a name says about a model: its maker, its name there, its family and, when the name states
    it, its size in billions of parameters."""

    provider: str
    name: str
    family: str
    size_b: Decimal | None


def infer(reg: Registry, name: str, platform: str, *, provider: str | None = None) -> Guess:
    """Read ``name`` as ``platform`` writes it: the maker from an org prefix (``meta-llama/…``) or the makers'
    name patterns (``claude-…`` is Anthropic's), else the platform's own maker when it is a maker's API
    (``provider`` overrides all of these); the model's name lowercased, the maker's own name in front and
    the platform's scopes and tags removed; its family; its size from the name. A ValidationError when the
    maker cannot be told or is not a known provider."""
    from modelreg.names import size_from_name

    record = reg.platform(platform)
    rules = reg.resolver.rules
    parsed = rules.parse(record.id, name, strip_prefix=False)
    maker = provider or parsed.provider or _own_maker(record)
    if maker is None:
        raise ValidationError(
            f"cannot tell who makes {name!r}: no maker's name pattern matches and {record.id} serves many makers",
            [("provider", "name the maker (provider=…, --provider)")],
        )
    known = {p.id for p in reg.providers()}
    if maker not in known:
        raise ValidationError(
            f"{name!r} reads as a model of {maker!r}, which is not a known provider",
            [("provider", "create the provider first, or name a known one (provider=…, --provider)")],
        )
    bare = rules.without_maker(maker, parsed.new_name).lower()
    return Guess(maker, bare, rules.family_of(maker, bare), size_from_name(bare))


def register_unknown(
    reg: Registry,
    name: str,
    platform: str,
    *,
    probe: bool = True,
    client: Client | None = None,
    provider: str | None = None,
    actor: str = ACTOR,
    timeout: float = 30.0,
    env: Mapping[str, str] | None = None,
) -> Model:
    """Register ``name``, a model string ``platform`` serves that the registry does not know, and return
    the new model.

    ``probe``: first send one tiny chat completion for ``name`` to the platform's OpenAI-compatible API —
    ``client`` (its ``base_url`` and ``api_key``) when given, else the platform's own base URL with the key
    in its ``auth_env`` variables (read from ``env``, default ``os.environ``); ``timeout`` in seconds. A
    failed probe registers nothing: ``SourceError`` with the URL, HTTP status and the server's message.
    ``provider``: the maker, when the name does not say (see ``infer``). ``actor``: who the change log
    names.

    Creates, in one transaction, the model (``preview``, verification ``unverified``, tag
    ``needs-review``, size read from the name, nothing else guessed) and its route on ``platform``
    (model string ``name``). A name the registry already resolves is a ConflictError naming the model."""
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise ValidationError("a model name is needed", [("name", "a model string, e.g. llama-3.3-70b")])
    _refuse_known(reg, name)
    record = reg.platform(platform)
    guess = infer(reg, name, record.id, provider=provider)
    model_id = f"{guess.provider}/{guess.name}"
    if model_id in reg:
        raise ConflictError(f"{name!r} reads as {model_id}, which already exists: add a route to it instead")
    found: ProbeResult | None = None
    if probe:
        found = endpoint(record, client, env).chat(name, timeout=timeout)
        if not found.ok:
            raise SourceError(record.id, f"the probe of {name!r} failed, so nothing was registered: {found.error}")
    today = dt.date.today().isoformat()
    stated = ["provider", "name", "family", *(["size_b"] if guess.size_b is not None else [])]
    source = {"source": SOURCE, "key": f"{record.id}/{name}", "as_of": today, "by": actor, "fields": stated}
    model: dict[str, Any] = {
        "id": model_id,
        "provider": guess.provider,
        "name": guess.name,
        "family": guess.family,
        "description": f"Registered automatically from {record.id} on {today}.",
        "lifecycle": {"status": "preview"},
        "verification": {"status": "unverified"},
        "tags": [REVIEW_TAG],
        "sources": [source],
    }
    if guess.size_b is not None:
        model["size_b"] = format(guess.size_b, "f")  # 70, not 7E+1
        model["size_estimated"] = True
    direct = _own_maker(record) == guess.provider
    route: dict[str, Any] = {
        "id": f"{record.id}/{model_id}",
        "platform": record.id,
        "model": model_id,
        "model_string": name,
        "priority": 1 if direct else 10,
        "direct": direct,
        "sources": [{**source, "fields": ["platform", "model", "model_string"]}],
    }
    how = f"probed {found.url}: HTTP {found.status_code} in {found.latency_ms:.0f} ms" if found else "not probed"
    reg.import_store(
        {"models": [model], "routes": [route]}, actor=actor, message=f"auto-registered {name!r} on {record.id} ({how})"
    )
    return reg.get(model_id)


def endpoint(platform: Platform, client: Client | None, env: Mapping[str, str] | None = None) -> Endpoint:
    """Where to send ``platform``'s probes: ``client``'s base URL and key (a key of None: the platform's,
    from its ``auth_env`` variables in ``env``), else the platform's own (``probe.chat_endpoint``)."""
    from modelreg.probe import chat_endpoint

    if client is None:
        return chat_endpoint(platform, env=env)
    key = client.api_key
    return chat_endpoint(platform, base_url=str(client.base_url), api_key=None if key is None else str(key), env=env)


def pending(reg: Registry) -> list[Model]:
    """The models waiting for review (tagged ``needs-review``), by id."""
    return sorted((m for m in reg.models() if REVIEW_TAG in m.tags), key=lambda m: m.id)


def accept(reg: Registry, model: str, *, by: str) -> Model:
    """Keep an auto-registered model: clear its ``needs-review`` tag (its status and verification stay as
    they are: set them with ``update`` and ``modelreg verify``). Returns the model."""
    found = _flagged(reg, model)
    reg.update(
        "model",
        found.id,
        {"tags": [t for t in found.tags if t != REVIEW_TAG]},
        version=reg.version("model", found.id),
        actor=by,
        message=f"auto-registration reviewed and accepted by {by}",
    )
    return reg.get(found.id)


def reject(reg: Registry, model: str, *, by: str) -> None:
    """Remove an auto-registered model and every route serving it, in one transaction. Refused
    (``InUseError``) while another model names it as its replacement."""
    found = _flagged(reg, model)
    naming = [m.id for m in reg.models() if m.lifecycle.replacement == found.id]
    if naming:
        referrers = [{"kind": "model", "id": m, "field": "lifecycle.replacement"} for m in naming]
        raise InUseError(f"{found.id} is the replacement named by {', '.join(naming)}: change them first", referrers)
    hidden = [{"kind": "route", "id": r.id} for r in reg.routes(found.id)] + [{"kind": "model", "id": found.id}]
    reg.import_store({"hidden": hidden}, actor=by, message=f"auto-registration reviewed and rejected by {by}")


# -- helpers ----------------------------------------------------------------------------------------------


def _refuse_known(reg: Registry, name: str) -> None:
    try:
        known = reg.lookup(name)
    except ModelNotFoundError:
        return
    served = f" (route {known.route.id})" if known.route is not None else ""
    raise ConflictError(
        f"{name!r} is already known as {known.model.id}{served}: nothing to register; "
        "to serve it on another platform, create a route"
    )


def _own_maker(platform: Platform) -> str | None:
    """The maker whose own API ``platform`` is (a direct platform serving one maker), else None."""
    from modelreg.schema import PlatformKind

    if platform.kind == PlatformKind.direct and len(platform.supported_providers) == 1:
        return platform.supported_providers[0]
    return None


def _flagged(reg: Registry, model: str) -> Model:
    found = reg.get(model) if model in reg else reg.resolve(model)
    if REVIEW_TAG not in found.tags:
        raise ValidationError(
            f"{found.id} is not waiting for review", [("model", "see `modelreg registered` for those that are")]
        )
    return found
