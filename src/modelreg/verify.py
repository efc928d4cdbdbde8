"""Verification (seed 004): check, against a live endpoint, the capabilities the registry claims for a
model, with one minimal request each, and record what was found on the model.

    from modelreg.verify import verify

    report = verify(reg, "openai/gpt-4o", platform="openai")            # the platform's base URL and key
    report.verification        # Verification(status="verified", last_checked=today, verified_capabilities=[…])
    for check in report.checks:
        print(check.capability, check.passed, check.detail)

Each capability is one chat completion through ``probe.Endpoint.chat`` (the code path health checks and
auto-registration use), sent to the model's route on the platform with the route's model string:

* ``chat``: a plain completion of one token;
* ``streaming``: ``stream: true``; the answer must be server-sent events carrying chunks;
* ``tools``: one function and ``tool_choice: "required"``; the answer must call it (``tool_calls``);
* ``json_mode``: ``response_format: {"type": "json_object"}``; the content must parse as a JSON object;
* ``vision``: an image part holding a tiny PNG as a base64 data URL; the answer must be a 2xx.

By default the capabilities checked are those among these the model claims (``chat`` alone when it
claims none); ``capabilities`` names others. A capability the endpoint refuses fails with the server's
reason. What was found is written on the model (``update``, actor ``verify``): ``verification.status``
``verified`` when every check passed, ``failed`` when one did not; ``last_checked`` today;
``verified_capabilities`` those that passed, with those verified before and not checked this time kept.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelreg.errors import ConflictError, ValidationError

if TYPE_CHECKING:
    from modelreg.autoregister import Client
    from modelreg.probe import Endpoint, ProbeResult
    from modelreg.registry import Registry
    from modelreg.schema import Capability, Model, Route, Verification

ACTOR = "verify"
CAPABILITIES = ("chat", "streaming", "tools", "json_mode", "vision")
"""What ``verify`` can check, in the order it checks them."""

_TOOL_NAME = "get_time"
_TOOL = {
    "type": "function",
    "function": {
        "name": _TOOL_NAME,
        "description": "The current time in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
_PNG = (  # an 8x8 red PNG: small enough for any limit, a real image for any decoder
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR42mP4z8CAFTEMLQkAKP8/wc53yE8AAAAASUVORK5CYII="
)
_REQUESTS: dict[str, dict[str, Any]] = {
    "chat": {},
    "streaming": {"stream": True, "max_tokens": 5},
    "tools": {
        "messages": [{"role": "user", "content": "What time is it in Paris? Use the tool."}],
        "tools": [_TOOL],
        "tool_choice": "required",
        "max_tokens": 64,
    },
    "json_mode": {
        "messages": [{"role": "user", "content": 'Answer with this JSON object and nothing else: {"ok": true}'}],
        "response_format": {"type": "json_object"},
        "max_tokens": 32,
    },
    "vision": {
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What colour is this image? One word."},
                    {"type": "image_url", "image_url": {"url": _PNG}},
                ],
            }
        ],
        "max_tokens": 5,
    },
}


@dataclass(frozen=True, slots=True)
class CapabilityCheck:
    """One capability checked: whether the registry ``claimed`` it, whether the check ``passed``, what was
    seen (``detail``: the failure's reason, or what the answer showed) and the probe itself."""

    capability: str
    claimed: bool
    passed: bool
    detail: str
    probe: ProbeResult

    def as_json(self) -> dict[str, Any]:
        return {
            "capability": self.capability,
            "claimed": self.claimed,
            "passed": self.passed,
            "detail": self.detail,
            "status_code": self.probe.status_code,
            "latency_ms": self.probe.latency_ms,
        }


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """What ``verify`` did: the model, the route and URL it asked, each check, and the ``verification``
    now recorded on the model."""

    model: str
    route: str
    url: str
    checks: tuple[CapabilityCheck, ...]
    verification: Verification

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return all(c.passed for c in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "route": self.route,
            "url": self.url,
            "checks": [c.as_json() for c in self.checks],
            "verification": self.verification.model_dump(mode="json"),
        }


def verify(
    reg: Registry,
    model: str,
    *,
    platform: str,
    client: Client | None = None,
    capabilities: Iterable[str] | None = None,
    actor: str = ACTOR,
    timeout: float = 30.0,
    env: Mapping[str, str] | None = None,
) -> VerificationReport:
    """Check ``model``'s capabilities on ``platform`` (see the module docstring) and record the outcome on
    the model; return what was checked and found.

    ``model``: any name the registry resolves; it needs a route on ``platform``, whose model string is
    sent. ``client``: where to send the requests (its ``base_url`` and ``api_key``), else the platform's
    own base URL with the key in its ``auth_env`` variables (read from ``env``, default ``os.environ``).
    ``capabilities``: which to check (of ``CAPABILITIES``); default: those the model claims. ``actor``:
    who the change log names. ``timeout``: seconds per request."""
    from modelreg.autoregister import endpoint

    found = reg.resolve(model)
    record = reg.platform(platform)
    route = _route(reg, found, record.id)
    claimed = {c.value for c in found.capabilities}
    asked = _asked(claimed, capabilities)
    target = endpoint(record, client, env)
    checks = tuple(_check(target, route.model_string, c, c in claimed, timeout) for c in asked)
    verification = _record(reg, found.id, checks, actor=actor, where=f"{record.id} ({target.base_url})")
    return VerificationReport(found.id, route.id, target.base_url, checks, verification)


# -- the checks -------------------------------------------------------------------------------------------


def _check(endpoint: Endpoint, model_string: str, capability: str, claimed: bool, timeout: float) -> CapabilityCheck:
    probe = endpoint.chat(model_string, timeout=timeout, **_REQUESTS[capability])
    if not probe.ok:
        return CapabilityCheck(capability, claimed, False, probe.error or "no answer", probe)
    why_not = _JUDGES[capability](probe)
    if why_not is not None:
        return CapabilityCheck(capability, claimed, False, why_not, probe)
    return CapabilityCheck(capability, claimed, True, _seen(capability, probe), probe)


def _answered(probe: ProbeResult) -> str | None:
    """Why an answer does not show the capability (None: it does). An ``ok`` probe is enough for ``chat``,
    ``vision`` (a model without image input refuses the image part) and ``streaming`` (``probe_chat`` is
    ``ok`` only for a stream of chunks)."""
    return None


def _called(probe: ProbeResult) -> str | None:
    calls = (probe.message or {}).get("tool_calls")
    if not isinstance(calls, list) or not calls:
        return "answered without calling the tool (no tool_calls)"
    function = calls[0].get("function") if isinstance(calls[0], dict) else None
    name = function.get("name") if isinstance(function, dict) else None
    if name != _TOOL_NAME:
        return f"called {name!r}, not the tool it was given"
    return None


def _json_object(probe: ProbeResult) -> str | None:
    content = (probe.message or {}).get("content")
    if not isinstance(content, str):
        return "answered without content"
    try:
        parsed = json.loads(content)
    except ValueError:
        return f"the content is not JSON: {content[:80]!r}"
    return None if isinstance(parsed, dict) else f"the content is JSON but not an object: {content[:80]!r}"


_JUDGES: dict[str, Callable[[ProbeResult], str | None]] = {
    "chat": _answered,
    "streaming": _answered,  # the probe is ok only for a stream of chunks
    "tools": _called,
    "json_mode": _json_object,
    "vision": _answered,
}


def _seen(capability: str, probe: ProbeResult) -> str:
    took = f"HTTP {probe.status_code} in {probe.latency_ms:.0f} ms"
    if capability == "streaming":
        return f"{probe.chunks} chunk(s), {took}"
    if capability == "tools":
        return f"called {_TOOL_NAME}, {took}"
    if capability == "json_mode":
        return f"a JSON object, {took}"
    return took


# -- helpers ----------------------------------------------------------------------------------------------


def _route(reg: Registry, model: Model, platform: str) -> Route:
    routes = reg.routes(model.id)
    for route in routes:
        if route.platform == platform:
            return route
    served = ", ".join(sorted({r.platform for r in routes})) or "none"
    raise ValidationError(f"{model.id} has no route on {platform}", [("platform", f"one that serves it: {served}")])


def _asked(claimed: set[str], capabilities: Iterable[str] | None) -> list[str]:
    if capabilities is None:
        return [c for c in CAPABILITIES if c in claimed] or ["chat"]
    if isinstance(capabilities, str):
        capabilities = [capabilities]
    asked = list(dict.fromkeys(capabilities))
    unknown = [c for c in asked if c not in CAPABILITIES]
    if unknown or not asked:
        raise ValidationError(
            f"cannot verify {', '.join(map(repr, unknown)) or 'nothing'}",
            [("capabilities", f"any of {', '.join(CAPABILITIES)}")],
        )
    return [c for c in CAPABILITIES if c in asked]


def _record(
    reg: Registry, model_id: str, checks: tuple[CapabilityCheck, ...], *, actor: str, where: str
) -> Verification:
    """Write the outcome on the model; when another write slips in between, read the model again and
    write once more (at most three times in all)."""
    from modelreg.schema import Verification

    checked = {c.capability for c in checks}
    passed = {c.capability for c in checks if c.passed}
    summary = "; ".join(f"{c.capability} {'ok' if c.passed else 'failed: ' + c.detail}" for c in checks)
    attempts = 3
    while True:
        version = reg.version("model", model_id)
        before = {c.value for c in reg.get(model_id).verification.verified_capabilities}
        verification = Verification(
            status="verified" if passed == checked else "failed",
            last_checked=dt.date.today(),
            verified_capabilities=_in_schema_order((before - checked) | passed),
        )
        try:
            reg.update(
                "model",
                model_id,
                {"verification": verification.model_dump(mode="json")},
                version=version,
                actor=actor,
                message=f"verified on {where}: {summary}"[:1000],
            )
            return verification
        except ConflictError:
            attempts -= 1
            if attempts == 0:
                raise


def _in_schema_order(capabilities: set[str]) -> list[Capability]:
    """The capabilities in the schema's order (stable output, whatever the order checked)."""
    from modelreg.schema import Capability

    return [c for c in Capability if c.value in capabilities]
