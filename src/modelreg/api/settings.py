"""The service's settings, read once from the environment.

| variable                     | meaning                                           | default     |
| ---------------------------- | ------------------------------------------------- | ----------- |
| MODELREG_REQUIRE_READ_KEY    | "1": reads need an API key too (any role)         | open reads  |
| MODELREG_CACHE_CONTROL       | the Cache-Control header on GET answers           | no-cache    |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple


class ApiSettings(NamedTuple):
    require_read_key: bool = False
    cache_control: str = "no-cache"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ApiSettings:
        env = os.environ if env is None else env
        return cls(
            require_read_key=env.get("MODELREG_REQUIRE_READ_KEY", "").lower() in ("1", "true", "yes"),
            cache_control=env.get("MODELREG_CACHE_CONTROL", "no-cache"),
        )
