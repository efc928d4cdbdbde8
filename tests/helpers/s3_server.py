"""A real S3 endpoint on 127.0.0.1: moto's server mode (HTTP, path-style buckets), in a thread of the test
process; and a way to run a command that dies by SIGKILL after its Nth object written (an interrupted
publish):

    python -m tests.helpers.s3_server kill-after N modelreg-args…
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
"""Fake credentials for moto; set in the environment so every client (and subprocess) signs with them."""
UNSET = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")


class S3Server:
    """moto's S3 over HTTP at ``endpoint`` (``http://127.0.0.1:<port>``)."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint = ""

    def start(self) -> S3Server:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        self._server.stop()

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1")

    def bucket(self) -> str:
        """A new, empty bucket's name."""
        name = f"test-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def listing(self, bucket: str, prefix: str = "") -> dict[str, tuple[str, str]]:
        """Every key under ``prefix`` (relative to it) -> (ETag, LastModified): one request per 1,000 keys."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return {
            item["Key"][len(prefix) :]: (item["ETag"], item["LastModified"].isoformat())
            for page in pages
            for item in page.get("Contents", ())
        }

    def objects(self, bucket: str, prefix: str = "") -> dict[str, bytes]:
        """Every object under ``prefix`` (keys relative to it) -> its bytes."""
        from concurrent.futures import ThreadPoolExecutor

        client = self.client()
        keys = [
            item["Key"]
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
            for item in page.get("Contents", ())
        ]
        with ThreadPoolExecutor(8) as pool:
            bodies = pool.map(lambda k: client.get_object(Bucket=bucket, Key=k)["Body"].read(), keys)
            return {k[len(prefix) :]: body for k, body in zip(keys, bodies, strict=True)}


@contextmanager
def credentials() -> Iterator[None]:
    """The fake credentials in the environment for the block, any AWS profile or endpoint unset."""
    saved = {k: os.environ.get(k) for k in (*CREDENTIALS, *UNSET)}
    for key in UNSET:
        os.environ.pop(key, None)
    os.environ.update(CREDENTIALS)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def s3_server() -> Iterator[S3Server]:
    """A moto S3 server on 127.0.0.1 with fake credentials in the environment, for the block."""
    with credentials():
        server = S3Server().start()
        try:
            yield server
        finally:
            server.stop()


def die_after_puts(count: int) -> None:
    """Make every S3 client ``modelreg.export.s3`` creates from now on SIGKILL this process when the
    ``count``th object write has been answered: the process dies between two objects, as a killed
    publish does, with no chance to clean up."""
    from modelreg.export import s3

    made = s3.s3_client
    lock = threading.Lock()
    written = [0]

    def counted(**_: Any) -> None:
        with lock:
            written[0] += 1
            if written[0] >= count:
                os.kill(os.getpid(), signal.SIGKILL)

    def client(*args: Any, **kwargs: Any) -> Any:
        made_client = made(*args, **kwargs)
        made_client.meta.events.register("after-call.s3.PutObject", counted)
        return made_client

    s3.s3_client = client  # type: ignore[assignment]


def _main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[0] != "kill-after":
        sys.exit("usage: python -m tests.helpers.s3_server kill-after N modelreg-args…")
    die_after_puts(int(argv[1]))
    sys.argv = ["modelreg", *argv[2:]]
    from modelreg.cli import main

    main()


if __name__ == "__main__":
    _main(sys.argv[1:])
