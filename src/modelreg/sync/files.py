"""The upstream catalogs published as one JSON file: LiteLLM's cost map, models.dev's ``api.json`` and
genai-prices' ``data.json``, read live (or from a file) and parsed by the same importers the catalog
build uses (``litellm.parse``, ``modelsdev.parse``, ``genai_prices.parse``).

Scope: by default a source returns what its importer's ``read(path)`` returns by default: LiteLLM's
chat, completion, responses and embedding entries, every provider of the other two. The build reads a
different scope; ``build_scope(rules, merge_rules)`` gives it as each source's ``config``
(``{"modes": …, "evidence_modes": …}`` for LiteLLM; ``{"providers": …}`` for the others).
The caller still places the records as the build does (``catalog.build.read_sources``: the platform
filter, the sort order, LiteLLM's evidence-only entries).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from modelreg.sync import genai_prices, litellm, modelsdev
from modelreg.sync.http import Http
from modelreg.sync.records import SourceRecord
from modelreg.sync.upstream import Upstream

if TYPE_CHECKING:
    from modelreg.catalog.rules import Rules
    from modelreg.sync.evidence import MergeRules


class _CatalogFile(Upstream):
    def __init__(
        self,
        location: str,
        *,
        http: Http,
        env: Mapping[str, str] | None = None,
        config: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(location, http=http, env=env, config=config)
        self.providers: Collection[str] | None = self.config.get("providers")

    def _load(self) -> Any:
        return self.get_json(self.location)


class LiteLLMSource(_CatalogFile):
    """LiteLLM's ``model_prices_and_context_window.json``; ``config["modes"]`` limits the modes read, and
    ``config["evidence_modes"]`` adds entries of other modes, listed after ``fetch()`` in ``evidence``
    (the keys of entries that are evidence for other entries' deployments, never models of their own)."""

    name = litellm.SOURCE
    default_url = "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
    evidence: frozenset[str] = frozenset()

    def read(self) -> list[SourceRecord]:
        data = self._load()
        modes = self.config.get("modes", litellm.MODES)
        as_of = self._fetched[-1].digest
        records = litellm.parse(data, as_of=as_of, modes=modes, origin=self.location)
        evidence_modes = self.config.get("evidence_modes") or ()
        extra = litellm.parse(data, as_of=as_of, modes=evidence_modes, origin=self.location) if evidence_modes else []
        self.evidence = frozenset(r.key for r in extra)
        return records + extra


class ModelsDevSource(_CatalogFile):
    """models.dev's ``api.json``; after ``fetch()``, ``provider_facts`` holds its providers' facts
    (name, API base URL, auth env vars, docs URL), as ``modelsdev.provider_facts`` reads them."""

    name = modelsdev.SOURCE
    default_url = "https://models.dev/api.json"

    def read(self) -> list[SourceRecord]:
        data = self._load()
        records = modelsdev.parse(data, as_of=self._fetched[-1].digest, providers=self.providers, origin=self.location)
        self.provider_facts = modelsdev.providers_of(data)
        return records


class GenaiPricesSource(_CatalogFile):
    """pydantic/genai-prices' ``prices/data.json``."""

    name = genai_prices.SOURCE
    default_url = "https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/data.json"

    def read(self) -> list[SourceRecord]:
        data = self._load()
        return genai_prices.parse(data, as_of=self._fetched[-1].digest, providers=self.providers, origin=self.location)


def build_scope(rules: Rules, merge_rules: MergeRules) -> dict[str, dict[str, Any]]:
    """The catalog build's filters, per source name, as ``config`` for ``make_source``: LiteLLM's modes
    (the build's plus its evidence-only ones), and the providers models.dev and genai-prices are read for."""
    return {
        litellm.SOURCE: {
            "modes": tuple(rules.litellm_modes),
            "evidence_modes": tuple(merge_rules.evidence_only.get(litellm.SOURCE, ())),
        },
        modelsdev.SOURCE: {"providers": tuple(rules.upstream_platforms.get(modelsdev.SOURCE, {}))},
        genai_prices.SOURCE: {"providers": tuple(rules.upstream_platforms.get(genai_prices.SOURCE, {}))},
    }
