"""What the store and service tests share: API keys, two service instances over one database, a service
in a process of its own."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

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


@contextmanager
def serve_process(database_url: str, data_home: Path, *, wrapper: Sequence[str] = ()) -> Iterator[str]:
    """`modelreg serve` in a process of its own (``wrapper`` goes before it, e.g. setpriv), on a free port;
    its base URL once /healthz answers. The process is terminated afterwards."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(Path(sys.executable).with_name("modelreg")), "serve", "--port", str(port)]
    env = {**os.environ, "XDG_DATA_HOME": str(data_home)}
    proc = subprocess.Popen(
        [*wrapper, *command, "--database-url", database_url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"modelreg serve exited: {proc.stdout.read() if proc.stdout else ''}")
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("modelreg serve did not start within 60 s")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
