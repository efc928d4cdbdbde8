"""Request parameters: is this request valid for this model, and what does its API call them?

The facts are data (catalog/parameters.yaml): each parameter's type and range, and each API dialect's
renames, rejections, narrower ranges and required defaults. A model adds its own constraints
(``Model.parameters``, e.g. reasoning models that reject temperature), mappings and defaults.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, NamedTuple

from modelreg.errors import ValidationError

if TYPE_CHECKING:
    from modelreg.schema import Model

_TYPES: dict[str, tuple[type, ...]] = {
    "number": (int, float),
    "integer": (int,),
    "string": (str,),
    "array": (list, tuple),
    "object": (dict,),
    "boolean": (bool,),
}


class Issue(NamedTuple):
    """One problem with a request: a stable ``code``, the ``param`` concerned, and a message for people.

    ``severity`` is "error" (the API would reject the request) or "warning" (it would work, but).
    """

    code: str
    param: str | None
    message: str
    severity: str = "error"


class ParameterRules:
    """The contents of parameters.yaml, read once."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.parameters: dict[str, dict[str, Any]] = data["parameters"]
        self.dialects: dict[str, dict[str, Any]] = data["dialects"]
        self.platforms: dict[str, str] = data["platforms"]
        self.makers: dict[str, str] = data["makers"]

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ParameterRules:
        import yaml

        with open(path, encoding="utf-8") as handle:
            return cls(yaml.safe_load(handle))

    def dialect(self, model: Model, platform: str | None) -> tuple[str, dict[str, Any]]:
        """The dialect ``model`` is spoken in on ``platform`` (its maker's own API when None), merged with
        the dialect's ``reasoning`` part for reasoning models."""
        name = self.platforms.get(platform or "", "maker") if platform else "maker"
        if name == "maker":
            name = self.makers.get(model.provider, "openai_compatible")
        spec = dict(self.dialects.get(name, {}))
        if model.has("reasoning") and "reasoning" in spec:
            extra = spec.pop("reasoning")
            spec["rename"] = {**spec.get("rename", {}), **extra.get("rename", {})}
            spec["unsupported"] = [*spec.get("unsupported", ()), *extra.get("unsupported", ())]
        spec.pop("reasoning", None)
        return name, spec


def validate(
    rules: ParameterRules,
    model: Model,
    params: dict[str, Any],
    *,
    platform: str | None = None,
    prompt_tokens: int | None = None,
    status: str = "active",
) -> list[Issue]:
    """Every problem with sending ``params`` to ``model`` (on ``platform``), as Issues."""
    issues: list[Issue] = []
    if status in ("deprecated", "retired"):
        replacement = model.lifecycle.replacement
        hint = f"; move to {replacement}" if replacement else ""
        severity = "error" if status == "retired" else "warning"
        issues.append(Issue(f"{status}_model", None, f"{model.id} is {status}{hint}", severity))
    dialect_name, dialect = rules.dialect(model, platform)
    unsupported = set(dialect.get("unsupported", ()))
    ranges = dialect.get("ranges", {})
    for param, value in params.items():
        spec = rules.parameters.get(param)
        if spec is None:
            issues.append(Issue("unknown_parameter", param, f"{param!r} is not a parameter modelreg knows"))
            continue
        constraint = model.parameters.get(param)
        if (constraint is not None and not constraint.supported) or param in unsupported:
            where = f"the {dialect_name} API" if param in unsupported else model.id
            issues.append(Issue("unsupported_parameter", param, f"{where} does not accept {param!r}"))
            continue
        issues.extend(_check_value(param, value, spec, ranges.get(param, {}), constraint))
        capability = spec.get("capability")
        if capability and value not in (None, False, [], {}) and not model.has(capability):
            issues.append(Issue("missing_capability", param, f"{param!r} needs {capability}, which {model.id} lacks"))
    issues.extend(_check_tokens(model, params, prompt_tokens))
    return issues


def _check_value(
    param: str, value: Any, spec: dict[str, Any], narrower: dict[str, Any], constraint: Any
) -> list[Issue]:
    kinds = spec.get("type")
    if kinds is not None:
        allowed_types = tuple(t for kind in ([kinds] if isinstance(kinds, str) else kinds) for t in _TYPES[kind])
        if (isinstance(value, bool) and bool not in allowed_types) or not isinstance(value, allowed_types):
            return [
                Issue(
                    "wrong_type",
                    param,
                    f"{param!r} must be {' or '.join([kinds] if isinstance(kinds, str) else kinds)}, "
                    f"not {type(value).__name__}",
                )
            ]
    low = narrower.get("min", spec.get("min"))
    high = narrower.get("max", spec.get("max"))
    if constraint is not None:
        low = constraint.min if constraint.min is not None else low
        high = constraint.max if constraint.max is not None else high
        if constraint.fixed is not None and value != constraint.fixed:
            return [Issue("fixed_value", param, f"{param!r} must be {constraint.fixed!r} for this model")]
    allowed = (constraint.allowed if constraint is not None and constraint.allowed else None) or spec.get("allowed")
    if allowed is not None and value not in allowed:
        return [Issue("not_allowed", param, f"{param!r} must be one of {', '.join(map(str, allowed))}")]
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if numeric and ((low is not None and value < low) or (high is not None and value > high)):
        return [Issue("out_of_range", param, f"{param!r} is {value}; allowed from {low} to {high}")]
    return []


def _check_tokens(model: Model, params: dict[str, Any], prompt_tokens: int | None) -> list[Issue]:
    issues = []
    max_tokens = params.get("max_tokens")
    limit = model.limits.max_output_tokens
    if isinstance(max_tokens, int) and limit and max_tokens > limit:
        issues.append(
            Issue(
                "max_tokens_above_limit",
                "max_tokens",
                f"max_tokens {max_tokens} exceeds {model.id}'s output limit {limit}",
            )
        )
    window = model.limits.context_window
    if prompt_tokens is not None and window:
        wanted = prompt_tokens + (max_tokens if isinstance(max_tokens, int) else 0)
        if wanted > window:
            issues.append(
                Issue(
                    "context_overflow",
                    None,
                    f"prompt ({prompt_tokens}) plus output ({wanted - prompt_tokens}) is {wanted} tokens; "
                    f"{model.id}'s context window is {window}",
                )
            )
    return issues


def convert(
    rules: ParameterRules,
    model: Model,
    params: dict[str, Any],
    *,
    platform: str | None = None,
    model_string: str | None = None,
    strict: bool = False,
) -> dict[str, Any]:
    """``params`` as ``model``'s API on ``platform`` takes them: renamed, defaults applied, and parameters
    it rejects dropped (or, with ``strict``, a ValidationError listing every problem)."""
    issues = [i for i in validate(rules, model, params, platform=platform) if i.severity == "error"]
    if strict and issues:
        raise ValidationError(f"request not valid for {model.id}", [(i.param or "request", i.message) for i in issues])
    dropped = {i.param for i in issues if i.code in ("unsupported_parameter", "unknown_parameter")}
    _, dialect = rules.dialect(model, platform)
    renames = {**dialect.get("rename", {}), **model.parameter_mappings}
    out: dict[str, Any] = {}
    for name, value in {**dialect.get("defaults", {}), **model.default_parameters, **params}.items():
        if name in dropped:
            continue
        out[renames.get(name, name)] = value
    if model_string is not None:
        out["model"] = model_string
    return out
