"""The types every face of modelreg speaks: providers, platforms, models, prices, routes.

Units, once for all: prices are USD per 1,000,000 tokens as ``Decimal`` (per image and per request
prices are USD per item); token counts are ints; dates are ISO ``YYYY-MM-DD`` (``YYYY-MM`` where only
the month is known). A model's id is ``provider/model``; a route's id is ``platform/provider/model``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

PartialDate = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}(-\d{2})?$")]
"""An ISO date, or a year and month where the day is not known."""

Price = Annotated[Decimal, Field(ge=0)]
PriceKind = Literal[
    "input",
    "output",
    "cache_read",
    "cache_write",
    "cache_write_1h",
    "reasoning",
    "input_audio",
    "output_audio",
    "output_image",
]
"""The prices per token (USD per 1M tokens): what ``Pricing.per_token`` reads."""
PRICE_FIELDS = (*get_args(PriceKind), "image", "request", "web_search")
"""The amounts a ``Pricing`` can hold (``batch_discount`` is a fraction, not an amount)."""
MILLION = Decimal(1_000_000)


class Capability(StrEnum):
    """What a model can do; a closed set so filters and matrices mean the same everywhere."""

    chat = "chat"
    completion = "completion"
    embedding = "embedding"
    streaming = "streaming"
    tools = "tools"
    parallel_tools = "parallel_tools"
    vision = "vision"
    audio_input = "audio_input"
    audio_output = "audio_output"
    pdf_input = "pdf_input"
    reasoning = "reasoning"
    json_mode = "json_mode"
    structured_output = "structured_output"
    web_search = "web_search"
    code_execution = "code_execution"
    prompt_caching = "prompt_caching"
    batch = "batch"
    fine_tuning = "fine_tuning"
    image_generation = "image_generation"
    agentic = "agentic"
    computer_use = "computer_use"
    rerank = "rerank"


class Modality(StrEnum):
    text = "text"
    image = "image"
    audio = "audio"
    video = "video"
    pdf = "pdf"


class Status(StrEnum):
    """Where a model is in its life. ``deprecated``: still served, going away; ``retired``: gone."""

    active = "active"
    preview = "preview"
    beta = "beta"
    deprecated = "deprecated"
    retired = "retired"


class PlatformKind(StrEnum):
    direct = "direct"
    aggregator = "aggregator"
    cloud = "cloud"
    local = "local"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, use_enum_values=False)


class Provider(_Record):
    """An organisation that makes models (OpenAI, Anthropic, Meta, …)."""

    id: str
    name: str
    description: str | None = None
    website: str | None = None
    api_base_url: str | None = None
    auth_env: list[str] = Field(default_factory=list, description="environment variables holding credentials")
    docs_url: str | None = None
    status: Literal["active", "beta", "deprecated"] = "active"
    aliases: list[str] = Field(default_factory=list, description="other names of this maker (org ids on hubs)")


class Platform(_Record):
    """A place that serves models over an API: a provider's own API, a cloud, an aggregator, a local runtime."""

    id: str
    name: str
    kind: PlatformKind
    description: str | None = None
    base_url: str | None = None
    auth_type: Literal["api_key", "oauth", "aws_sigv4", "gcp_adc", "azure_ad", "none"] = "api_key"
    auth_env: list[str] = Field(default_factory=list)
    docs_url: str | None = None
    supported_providers: list[str] = Field(default_factory=list)
    features: dict[str, bool] = Field(default_factory=dict)
    status: Literal["active", "beta", "deprecated"] = "active"


class PriceTier(_Record):
    """Prices that replace the base prices for the whole request once the prompt exceeds ``above_tokens``."""

    above_tokens: int = Field(gt=0)
    input: Price | None = None
    output: Price | None = None
    cache_read: Price | None = None
    cache_write: Price | None = None
    cache_write_1h: Price | None = None


class Pricing(_Record):
    """Prices in USD per 1M tokens (``image`` per image, ``request`` per request, ``web_search`` per search),
    from ``effective_from``.

    ``cache_write`` is the price of a cache write with the default lifetime (Anthropic's 5 minutes),
    ``cache_write_1h`` of a 1-hour one; ``reasoning`` is set only where reasoning tokens are billed apart
    from output; ``output_image`` prices generated image tokens (never folded into ``output``);
    ``batch_discount`` is the fraction taken off token prices by the provider's batch API (0.5 = half price).
    """

    input: Price | None = None
    output: Price | None = None
    cache_read: Price | None = None
    cache_write: Price | None = None
    cache_write_1h: Price | None = Field(default=None, description="USD per 1M tokens written to a 1-hour cache")
    reasoning: Price | None = None
    input_audio: Price | None = None
    output_audio: Price | None = None
    output_image: Price | None = Field(default=None, description="USD per 1M generated image tokens")
    image: Price | None = Field(default=None, description="USD per input image")
    request: Price | None = Field(default=None, description="USD per request")
    web_search: Price | None = Field(default=None, description="USD per web search the model runs")
    batch_discount: Annotated[Decimal, Field(ge=0, le=1)] | None = None
    tiers: list[PriceTier] = Field(default_factory=list)
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None

    def per_token(self, kind: PriceKind = "input") -> Decimal | None:
        """The price of one token of ``kind`` in USD, or None where there is no such price."""
        value = getattr(self, kind)
        return None if value is None else value / MILLION

    def per_1k(self, kind: PriceKind = "input") -> Decimal | None:
        """The price of 1,000 tokens of ``kind`` in USD, or None where there is no such price."""
        value = getattr(self, kind)
        return None if value is None else value / 1000

    def is_empty(self) -> bool:
        """True when no price at all is known."""
        return all(getattr(self, name) is None for name in PRICE_FIELDS) and not self.tiers


class Limits(_Record):
    context_window: int | None = Field(default=None, gt=0, description="input + output tokens")
    max_input_tokens: int | None = Field(default=None, gt=0)
    max_output_tokens: int | None = Field(default=None, gt=0)


class ParameterConstraint(_Record):
    """How a model treats one request parameter.

    ``supported: false`` means the API rejects it; ``fixed`` is the only value accepted (e.g. reasoning
    models that accept only temperature 1); ``min``/``max`` bound numbers; ``allowed`` lists choices.
    """

    supported: bool = True
    min: float | None = None
    max: float | None = None
    allowed: list[Any] | None = None
    fixed: Any = None


class Lifecycle(_Record):
    status: Status = Status.active
    release_date: PartialDate | None = None
    deprecation_date: PartialDate | None = Field(default=None, description="announced end: still served")
    retirement_date: PartialDate | None = Field(default=None, description="no longer served")
    replacement: str | None = Field(default=None, description="id of the model to move to")
    migration_guide: str | None = None

    def status_on(self, day: dt.date) -> Status:
        """The status on ``day``: dates that have passed move a model to deprecated, then retired."""
        from modelreg.lifecycle import status_on

        stated = {
            "status": self.status.value,
            "retirement_date": self.retirement_date,
            "deprecation_date": self.deprecation_date,
        }
        return Status(status_on(stated, day.isoformat()))


class Verification(_Record):
    status: Literal["unverified", "verified", "failed"] = "unverified"
    last_checked: dt.date | None = None
    verified_capabilities: list[Capability] = Field(default_factory=list)


class Performance(_Record):
    latency_ms: float | None = Field(default=None, ge=0)
    tokens_per_second: float | None = Field(default=None, ge=0)
    success_rate: float | None = Field(default=None, ge=0, le=1)


class SourceRef(_Record):
    """One source that supplied facts: which source, under which key, as of when, which fields; for the
    store (``source: store``), ``by`` names who made the change and ``as_of`` when."""

    source: str
    key: str | None = None
    as_of: str | None = None
    by: str | None = None
    url: str | None = Field(default=None, description="the page the facts were taken from (a price page)")
    fields: list[str] = Field(default_factory=list)


class Model(_Record):
    """Everything known about one model, as its maker offers it."""

    id: str = Field(description="canonical id: provider/model")
    provider: str
    name: str = Field(description="the model's own name at its provider")
    display_name: str | None = None
    family: str
    description: str | None = None
    aliases: list[str] = Field(default_factory=list, description="other names that mean exactly this model")
    base_model: str | None = Field(default=None, description="for fine-tunes and variants: the model built on")
    modalities_in: list[Modality] = Field(default_factory=lambda: [Modality.text])
    modalities_out: list[Modality] = Field(default_factory=lambda: [Modality.text])
    capabilities: list[Capability] = Field(default_factory=list)
    limits: Limits = Field(default_factory=Limits)
    pricing: Pricing = Field(default_factory=Pricing, description="the prices in force now")
    price_history: list[Pricing] = Field(default_factory=list, description="earlier prices, oldest first")
    parameters: dict[str, ParameterConstraint] = Field(default_factory=dict)
    parameter_mappings: dict[str, str] = Field(default_factory=dict, description="our name -> provider name")
    default_parameters: dict[str, Any] = Field(default_factory=dict)
    api_requirements: dict[str, Any] = Field(default_factory=dict)
    lifecycle: Lifecycle = Field(default_factory=Lifecycle)
    tags: list[str] = Field(default_factory=list)
    size_b: Decimal | None = Field(default=None, ge=0, description="parameters, in billions")
    size_estimated: bool = Field(default=False, description="size_b was read from the name, not published")
    open_weights: bool | None = None
    knowledge_cutoff: PartialDate | None = None
    verification: Verification = Field(default_factory=Verification)
    performance: Performance = Field(default_factory=Performance)
    sources: list[SourceRef] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id_has_provider(cls, value: str) -> str:
        if "/" not in value:
            raise ValueError("a model id is 'provider/model', e.g. 'openai/gpt-4o'")
        return value

    def has(self, capability: Capability | str) -> bool:
        """True when the model has ``capability``."""
        return Capability(capability) in self.capabilities


class Deployment(_Record):
    """One way a platform serves a route: a region or scope, or a priced variant (OpenRouter's ``:free``),
    its model string, and prices where they differ. A variant always states its own price (empty when
    none is known: such a variant is unpriced, never billed at the route's price)."""

    model_string: str
    region: str | None = Field(default=None, description="region or data zone, e.g. us-west-2, eu, global")
    variant: str | None = Field(default=None, description="a priced variant of the route, e.g. :free, :extended")
    pricing: Pricing | None = Field(default=None, description="only when it differs from the route's")
    keys: list[str] = Field(default_factory=list, description="upstream names of this deployment")


class Route(_Record):
    """A model served on a platform, with that platform's model string and prices."""

    id: str = Field(description="platform/provider/model")
    platform: str
    model: str = Field(description="the model id this route serves")
    model_string: str = Field(description="what to send as `model` on this platform")
    pricing: Pricing = Field(default_factory=Pricing)
    limits: Limits | None = Field(default=None, description="only where the platform's limits differ")
    priority: int = Field(default=10, ge=1, description="1 = first choice in a fallback chain")
    direct: bool = Field(
        default=False, description="the maker's own API: billed at the model's prices, not a price of its own"
    )
    status: Literal["active", "degraded", "down", "inactive", "maintenance", "deprecated"] = "active"
    regions: list[str] = Field(default_factory=list)
    deployments: list[Deployment] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list, description="names that mean this route")
    performance: Performance = Field(default_factory=Performance)
    sources: list[SourceRef] = Field(default_factory=list)


class Conflict(_Record):
    """Two sources that disagree on one fact, and which value the build kept."""

    subject: str = Field(description="model or route id")
    field: str
    values: dict[str, Any] = Field(description="source -> value")
    chosen: str = Field(description="the source whose value was kept")
    rule: str = Field(description="the merge rule that decided: override, invariant, majority, precision, fallback")
    reason: str | None = Field(default=None, description="why values lost (an invariant broken, a rounding)")


class ProvidersFile(_Record):
    providers: list[Provider]


class PlatformsFile(_Record):
    platforms: list[Platform]


class ModelsFile(_Record):
    family: str
    models: list[Model]


class RoutesFile(_Record):
    platform: str
    routes: list[Route]


class ConflictsFile(_Record):
    conflicts: list[Conflict]
