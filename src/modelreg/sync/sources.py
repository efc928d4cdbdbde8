"""The live upstream sources of `modelreg sync`, by name, and ``make_source`` to make one.

    from modelreg.sync.http import Http
    from modelreg.sync.sources import make_source

    with Http(cache_dir) as http:
        source = make_source("openrouter", http=http)
        records = source.fetch()          # raises SourceError; SourceSkipped when it cannot run
        source.digest, source.not_modified, source.notes

| name           | reads                                             | key               |
| -------------- | ------------------------------------------------- | ----------------- |
| `litellm`      | LiteLLM's `model_prices_and_context_window.json`  |                   |
| `models.dev`   | models.dev's `api.json`                           |                   |
| `genai-prices` | pydantic/genai-prices' `prices/data.json`         |                   |
| `openrouter`   | OpenRouter's `/api/v1/models`                     |                   |
| `openai`       | OpenAI's `/v1/models`                             | OPENAI_API_KEY    |
| `anthropic`    | Anthropic's `/v1/models`                          | ANTHROPIC_API_KEY |
| `gemini`       | the Gemini API's `/v1beta/models`                 | GEMINI_API_KEY    |
| `xai`          | xAI's `/v1/models`                                | XAI_API_KEY       |
| `mistral`      | Mistral's `/v1/models`                            | MISTRAL_API_KEY   |
| `groq`         | Groq's `/openai/v1/models`                        | GROQ_API_KEY      |
| `together`     | Together's `/v1/models`                           | TOGETHER_API_KEY  |
| `fireworks`    | Fireworks' `/inference/v1/models`                 | FIREWORKS_API_KEY |
| `deepseek`     | DeepSeek's `/models`                              | DEEPSEEK_API_KEY  |
| `cerebras`     | Cerebras' `/v1/models`                            | CEREBRAS_API_KEY  |
| `ollama`       | a local Ollama server's `/api/tags`, `/api/show`  |                   |
| `huggingface`  | `/api/models/{id}` for $MODELREG_HF_MODELS        | HF_TOKEN (opt.)   |

A source's location is, for the three catalog files, the file's URL; for the APIs, the base URL the
paths above hang from. It defaults to the real one, is overridden by ``$MODELREG_SOURCE_<NAME>_URL``
(upper case, ``-`` and ``.`` as ``_``: ``MODELREG_SOURCE_MODELS_DEV_URL``), and by ``location``. A
location that is a path or ``file://`` URL is read as a saved answer (for the APIs: one saved list
response; no key is needed).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from modelreg.errors import SourceError
from modelreg.sync.files import GenaiPricesSource, LiteLLMSource, ModelsDevSource, build_scope
from modelreg.sync.http import Fetched, Http
from modelreg.sync.huggingface import HuggingFaceSource
from modelreg.sync.ollama import OllamaSource
from modelreg.sync.openrouter import OpenRouterSource
from modelreg.sync.providers import PROVIDERS
from modelreg.sync.upstream import Source, SourceSkipped, Upstream

__all__ = [
    "SOURCES",
    "Fetched",
    "Http",
    "Source",
    "SourceSkipped",
    "build_scope",
    "default_sources",
    "describe",
    "location_of",
    "make_source",
]

Factory = Callable[..., Source]  # (location, *, http, env, config) -> Source

_CLASSES: tuple[type[Upstream], ...] = (
    LiteLLMSource,
    ModelsDevSource,
    GenaiPricesSource,
    OpenRouterSource,
    *PROVIDERS,
    OllamaSource,
    HuggingFaceSource,
)
SOURCES: dict[str, Factory] = {cls.name: cls for cls in _CLASSES}
DEFAULT_URLS: dict[str, str] = {cls.name: cls.default_url for cls in _CLASSES}


def env_variable(name: str) -> str:
    """The variable that overrides a source's URL: ``MODELREG_SOURCE_<NAME>_URL``."""
    return f"MODELREG_SOURCE_{name.upper().replace('-', '_').replace('.', '_')}_URL"


def location_of(name: str, location: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """Where source ``name`` is read from: ``location``, else ``$MODELREG_SOURCE_<NAME>_URL``, else its
    real URL."""
    _known(name)
    env = os.environ if env is None else env
    return location or env.get(env_variable(name)) or DEFAULT_URLS[name]


def make_source(
    name: str,
    location: str | None = None,
    *,
    http: Http,
    env: Mapping[str, str] | None = None,
    config: Mapping[str, Any] | None = None,
) -> Source:
    """The source called ``name``, reading ``location`` (a URL or a file path; default ``location_of``)
    through ``http``. ``env`` holds the API keys and overrides (default ``os.environ``); ``config`` is the
    source's own settings (``{"models": [...]}`` for huggingface, ``{"modes": [...]}`` for litellm,
    ``{"providers": [...]}`` for models.dev and genai-prices). An unknown name raises SourceError."""
    factory = _known(name)
    env = os.environ if env is None else env
    return factory(location_of(name, location, env), http=http, env=env, config=config)


def default_sources() -> list[str]:
    """What `modelreg sync` reads when no source is named: every source. One whose key is not set, whose
    local server does not answer or that has no ids configured is skipped with a note, not failed."""
    return list(SOURCES)


def describe() -> list[tuple[str, str, str]]:
    """(name, default URL, the environment variable holding its key) of every source."""
    return [(cls.name, cls.default_url, str(getattr(cls, "key_env", "") or "")) for cls in _CLASSES]


def _known(name: str) -> Factory:
    if name not in SOURCES:
        raise SourceError(name, f"no such source; the sources are: {', '.join(SOURCES)}")
    return SOURCES[name]
