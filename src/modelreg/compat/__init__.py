"""The names other tools use, each a thin call into the library.

- ``RegistryService`` (``compat.service``): seed 001's ``Service__Model_Registry`` over a ``Registry``:
  CRUD of platforms, providers, models and routes, best and cheapest routes, capability search.
- ``ModelMetadata`` and seed 002's functions (``compat.metadata``): ``get_model_metadata``,
  ``validate_model_parameters``, ``get_parameter_mapping``, ``get_model_defaults``, ``get_family_models``,
  ``get_provider_models``, ``is_model_supported``, ``migrate_to_supported_model``,
  ``calculate_request_cost``, ``convert_request_for_model``.

- LiteLLM's model-info and cost functions (``compat.litellm``): ``get_model_info``, ``cost_per_token``,
  ``completion_cost``, ``get_supported_openai_params``, the ``supports_*`` checks (vision, function calling,
  parallel function calling, response schema, reasoning, prompt caching, audio in and out, PDF input, web
  search) and ``ModelNotMappedError``.

Nothing here is imported by ``import modelreg``.
"""

from __future__ import annotations

from modelreg.compat.litellm import (
    ModelNotMappedError,
    completion_cost,
    cost_per_token,
    get_model_info,
    get_supported_openai_params,
    supports_audio_input,
    supports_audio_output,
    supports_function_calling,
    supports_parallel_function_calling,
    supports_pdf_input,
    supports_prompt_caching,
    supports_reasoning,
    supports_response_schema,
    supports_vision,
    supports_web_search,
)
from modelreg.compat.metadata import (
    ModelMetadata,
    calculate_request_cost,
    convert_request_for_model,
    get_family_models,
    get_model_defaults,
    get_model_metadata,
    get_parameter_mapping,
    get_provider_models,
    is_model_supported,
    migrate_to_supported_model,
    validate_model_parameters,
)
from modelreg.compat.service import RegistryService

__all__ = [
    "ModelMetadata",
    "ModelNotMappedError",
    "RegistryService",
    "calculate_request_cost",
    "completion_cost",
    "convert_request_for_model",
    "cost_per_token",
    "get_family_models",
    "get_model_defaults",
    "get_model_info",
    "get_model_metadata",
    "get_parameter_mapping",
    "get_provider_models",
    "get_supported_openai_params",
    "is_model_supported",
    "migrate_to_supported_model",
    "supports_audio_input",
    "supports_audio_output",
    "supports_function_calling",
    "supports_parallel_function_calling",
    "supports_pdf_input",
    "supports_prompt_caching",
    "supports_reasoning",
    "supports_response_schema",
    "supports_vision",
    "supports_web_search",
    "validate_model_parameters",
]
