"""Usage objects from provider responses -> modelreg's token counts.

Providers count differently; modelreg's convention is that ``input_tokens`` counts every prompt token
(cache reads and writes included) and ``output_tokens`` every generated token (reasoning included).
  * OpenAI chat completions: ``prompt_tokens`` includes ``prompt_tokens_details.cached_tokens``;
    ``completion_tokens`` includes ``completion_tokens_details.reasoning_tokens``.
  * OpenAI responses: ``input_tokens`` includes ``input_tokens_details.cached_tokens``; ``output_tokens``
    includes ``output_tokens_details.reasoning_tokens``.
  * Anthropic messages: ``input_tokens`` EXCLUDES ``cache_read_input_tokens`` and
    ``cache_creation_input_tokens``, which are added here.
  * Gemini: ``candidatesTokenCount`` EXCLUDES ``thoughtsTokenCount``, which is added here;
    ``promptTokenCount`` includes ``cachedContentTokenCount``. Both camelCase and snake_case are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelreg.errors import ValidationError


def normalize(usage: Mapping[str, Any]) -> dict[str, int]:
    """Token counts in modelreg's convention from an OpenAI, Anthropic or Gemini usage dict."""
    if not isinstance(usage, Mapping):
        raise ValidationError("usage must be a mapping (a provider response's usage object as a dict)")
    if "prompt_tokens" in usage or "completion_tokens" in usage:
        return _openai_chat(usage)
    if _get(usage, "promptTokenCount", "prompt_token_count") is not None:
        return _gemini(usage)
    if "cache_read_input_tokens" in usage or "cache_creation_input_tokens" in usage:
        return _anthropic(usage)
    if "input_tokens" in usage:
        # OpenAI responses and Anthropic messages share the field names; without cache fields the counts agree
        return _openai_responses(usage)
    raise ValidationError(
        "unrecognised usage object",
        [("usage", "expected OpenAI (prompt_tokens / input_tokens), Anthropic or Gemini (promptTokenCount) fields")],
    )


def _get(usage: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if name in usage and usage[name] is not None:
            return usage[name]
    return None


def _count(value: Any, field: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError("bad token count in usage", [(field, f"expected a whole number >= 0, got {value!r}")])
    return value


def _openai_chat(usage: Mapping[str, Any]) -> dict[str, int]:
    prompt = usage.get("prompt_tokens_details") or {}
    completion = usage.get("completion_tokens_details") or {}
    return {
        "input_tokens": _count(usage.get("prompt_tokens"), "prompt_tokens"),
        "output_tokens": _count(usage.get("completion_tokens"), "completion_tokens"),
        "cache_read_tokens": _count(prompt.get("cached_tokens"), "prompt_tokens_details.cached_tokens"),
        "audio_input_tokens": _count(prompt.get("audio_tokens"), "prompt_tokens_details.audio_tokens"),
        "reasoning_tokens": _count(completion.get("reasoning_tokens"), "completion_tokens_details.reasoning_tokens"),
        "audio_output_tokens": _count(completion.get("audio_tokens"), "completion_tokens_details.audio_tokens"),
    }


def _openai_responses(usage: Mapping[str, Any]) -> dict[str, int]:
    inputs = usage.get("input_tokens_details") or {}
    outputs = usage.get("output_tokens_details") or {}
    return {
        "input_tokens": _count(usage.get("input_tokens"), "input_tokens"),
        "output_tokens": _count(usage.get("output_tokens"), "output_tokens"),
        "cache_read_tokens": _count(inputs.get("cached_tokens"), "input_tokens_details.cached_tokens"),
        "reasoning_tokens": _count(outputs.get("reasoning_tokens"), "output_tokens_details.reasoning_tokens"),
    }


def _anthropic(usage: Mapping[str, Any]) -> dict[str, int]:
    read = _count(usage.get("cache_read_input_tokens"), "cache_read_input_tokens")
    write = _count(usage.get("cache_creation_input_tokens"), "cache_creation_input_tokens")
    return {
        "input_tokens": _count(usage.get("input_tokens"), "input_tokens") + read + write,
        "output_tokens": _count(usage.get("output_tokens"), "output_tokens"),
        "cache_read_tokens": read,
        "cache_write_tokens": write,
    }


def _gemini(usage: Mapping[str, Any]) -> dict[str, int]:
    thoughts = _count(_get(usage, "thoughtsTokenCount", "thoughts_token_count"), "thoughtsTokenCount")
    candidates = _count(_get(usage, "candidatesTokenCount", "candidates_token_count"), "candidatesTokenCount")
    return {
        "input_tokens": _count(_get(usage, "promptTokenCount", "prompt_token_count"), "promptTokenCount"),
        "output_tokens": candidates + thoughts,
        "cache_read_tokens": _count(
            _get(usage, "cachedContentTokenCount", "cached_content_token_count"), "cachedContentTokenCount"
        ),
        "reasoning_tokens": thoughts,
    }
