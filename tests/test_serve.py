"""`modelreg serve` as people run it: a real process on loopback; the docs pages work with no internet;
one access log line per request (none with --quiet); several workers keep TCP_NODELAY."""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

import modelreg
from modelreg.api import create_app
from tests.conftest import Server

MODELREG = str(Path(sys.executable).parent / "modelreg")
ROOT = Path(__file__).parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    """A `modelreg serve` process: its base URL, its first stdout line, and (after it stopped) its stderr."""

    def __init__(self, proc: subprocess.Popen[str], url: str, banner: str) -> None:
        self.proc, self.url, self.banner = proc, url, banner
        self.stderr = ""


@contextmanager
def serve(*options: str, tmp_path: Path) -> Iterator[Served]:
    port = _free_port()
    env = {**os.environ, "MODELREG_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}"}
    proc = subprocess.Popen(
        [MODELREG, "serve", "--port", str(port), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    url = f"http://127.0.0.1:{port}"
    served = Served(proc, url, proc.stdout.readline())
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield served
    finally:
        proc.terminate()
        _, served.stderr = proc.communicate(timeout=30)


# -- offline docs --------------------------------------------------------------------------------------------


class _References(HTMLParser):
    """Every URL a page refers to: src, href, action attributes, and URLs written in its text."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href", "action") and value]


@pytest.fixture(scope="module")
def docs_server() -> Iterator[Server]:
    with Server(create_app(modelreg.load())) as server:
        yield server


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_pages_load_nothing_from_outside(docs_server: Server, path: str) -> None:
    page = httpx.get(docs_server.url + path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    parser = _References()
    parser.feed(page.text)
    written = re.findall(r"""(?:https?:)?//[\w.-]+""", page.text)
    assert written == []  # no absolute URL anywhere: no CDN, no font, no analytics
    assert parser.urls, "the page links its OpenAPI document"
    for url in parser.urls:
        assert url.startswith("/"), url
        assert httpx.get(docs_server.url + url).status_code == 200, url
    openapi_url = re.search(r'const OPENAPI_URL = "([^"]+)"', page.text)
    assert openapi_url is not None
    document = httpx.get(docs_server.url + openapi_url.group(1)).json()
    assert "/api/registry/cost" in document["paths"]


def test_the_docs_page_policy_lets_a_browser_run_only_its_own_script(docs_server: Server) -> None:
    page = httpx.get(docs_server.url + "/docs")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    for tag in ("script", "style"):
        (body,) = re.findall(rf"<{tag}>(.*?)</{tag}>", page.text, flags=re.DOTALL)
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{tag}-src 'sha256-{digest}'" in policy


def test_the_run_banners_point_at_urls_that_answer(tmp_path: Path) -> None:
    make_run = (ROOT / "Makefile").read_text(encoding="utf-8").split("\nrun:", 1)[1]
    banner_line = next(line for line in make_run.splitlines() if "@echo" in line)
    with serve("--quiet", tmp_path=tmp_path) as served:
        port = served.url.rsplit(":", 1)[1]
        make_banner = banner_line.replace("$(HOST)", "127.0.0.1").replace("$(PORT)", port)
        urls = re.findall(r"http://[^\s)\"]+", served.banner) + re.findall(r"http://[^\s)\"]+", make_banner)
        assert len(urls) >= 4
        for url in urls:
            assert httpx.get(url).status_code == 200, url


# -- the access log ------------------------------------------------------------------------------------------


def test_serve_logs_one_line_per_request(tmp_path: Path) -> None:
    with serve(tmp_path=tmp_path) as served:
        assert httpx.get(served.url + "/api/registry/models/openai/gpt-4o").status_code == 200
        assert httpx.get(served.url + "/api/registry/models/nobody/nothing").status_code == 404
        cost = {"model": "gpt-4o", "input_tokens": 10}
        assert httpx.post(served.url + "/api/registry/cost", json=cost).status_code == 200
        assert httpx.get(served.url + "/api/registry/providers/a%0Ab").status_code == 404
    lines = served.stderr.splitlines()
    assert re.search(r"^GET /api/registry/models/openai/gpt-4o 200 \d+\.\dms$", served.stderr, re.M)
    assert re.search(r"^GET /api/registry/models/nobody/nothing 404 \d+\.\dms$", served.stderr, re.M)
    assert re.search(r"^POST /api/registry/cost 200 \d+\.\dms$", served.stderr, re.M)
    assert any(line.startswith("GET /api/registry/providers/a\\x0ab 404 ") for line in lines)  # one line


def test_serve_quiet_logs_no_requests(tmp_path: Path) -> None:
    with serve("--quiet", tmp_path=tmp_path) as served:
        assert httpx.get(served.url + "/api/registry/models/openai/gpt-4o").status_code == 200
    assert "/api/registry/models" not in served.stderr


def test_serve_without_the_server_extra_says_what_to_install() -> None:
    script = "import sys; sys.modules['uvicorn'] = None; from modelreg.cli import main; main()"
    result = subprocess.run(
        [sys.executable, "-c", script, "serve"], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: serving needs the server extra (uvicorn is not installed): pip install 'modelreg[server]'"
    ]


# -- TCP_NODELAY ---------------------------------------------------------------------------------------------


def _keep_alive_ms(url: str, path: str, requests: int = 30) -> float:
    """Median milliseconds of sequential requests on one keep-alive connection (Nagle + delayed ACK: ~40)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    took = []
    for _ in range(requests):
        started = time.perf_counter()
        connection.request("GET", path)
        connection.getresponse().read()
        took.append((time.perf_counter() - started) * 1000)
    connection.close()
    return statistics.median(took[1:])


def test_two_workers_answer_keep_alive_requests_without_delay(tmp_path: Path) -> None:
    with serve("--workers", "2", "--quiet", tmp_path=tmp_path) as served:
        assert _keep_alive_ms(served.url, "/api/registry/models/openai/gpt-4o") < 20


async def _hello(scope: dict[str, Any], receive: Any, send: Any) -> None:
    body = b'{"hello": "world"}'
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})


def test_the_protocol_sets_tcp_nodelay_on_a_socket_bound_as_the_worker_supervisor_binds_it() -> None:
    """The cause, on asyncio's loop: a listening socket made by uvicorn's ``bind_socket`` (what every
    worker of ``--workers N`` receives) has proto 0, so asyncio leaves Nagle on; our protocol does not."""
    import uvicorn

    from modelreg.api.launch import PROTOCOL

    config = uvicorn.Config(
        _hello, host="127.0.0.1", port=_free_port(), loop="asyncio", http=PROTOCOL, lifespan="off", log_level="error"
    )
    server = uvicorn.Server(config)
    sock = config.bind_socket()
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert _keep_alive_ms(f"http://127.0.0.1:{config.port}", "/") < 20
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
