"""What the store and service tests share: API keys, two service instances over one database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import modelreg
from modelreg.api import create_app
from tests.conftest import Server

API = "/api/registry"


def editor_key(reg: modelreg.Registry, name: str = "editor") -> dict[str, str]:
    """Authorization headers of a new editor key in ``reg``'s store."""
    assert reg.store is not None
    return {"Authorization": f"Bearer {reg.store.create_key(name, 'editor')}"}


@contextmanager
def two_instances(database_url: str) -> Iterator[tuple[Server, Server, dict[str, str]]]:
    """Two services, each a registry of its own, over one database (as two processes would be), on real
    servers; and an editor key both accept."""
    first, second = modelreg.load(database_url=database_url), modelreg.load(database_url=database_url)
    headers = editor_key(first)
    try:
        with Server(create_app(first)) as one, Server(create_app(second)) as two:
            yield one, two, headers
    finally:
        for reg in (first, second):
            assert reg.store is not None
            reg.store.close()
