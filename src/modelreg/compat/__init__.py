"""The names other tools use, each a thin call into the library.

- ``RegistryService`` (``compat.service``): seed 001's ``Service__Model_Registry`` over a ``Registry``:
  CRUD of platforms, providers, models and routes, best and cheapest routes, capability search.
- ``ModelMetadata`` and seed 002's functions (``compat.metadata``): ``get_model_metadata``,
  ``validate_model_parameters``, ``get_parameter_mapping``, ``get_model_defaults``, ``get_family_models``,
  ``get_provider_models``, ``is_model_supported``, ``migrate_to_supported_model``,
  ``calculate_request_cost``, ``convert_request_for_model``.

LiteLLM's cost functions will live in ``compat.litellm``. Nothing here is imported by ``import modelreg``.
"""

from __future__ import annotations

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
    "RegistryService",
    "calculate_request_cost",
    "convert_request_for_model",
    "get_family_models",
    "get_model_defaults",
    "get_model_metadata",
    "get_parameter_mapping",
    "get_provider_models",
    "is_model_supported",
    "migrate_to_supported_model",
    "validate_model_parameters",
]
