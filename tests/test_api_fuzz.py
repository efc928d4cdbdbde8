"""schemathesis against the service's own OpenAPI document: no request it can build gets a 5xx, and every
answer matches the schema. Bounded: a few cases per operation, a few hundred in all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

import modelreg
from modelreg.api import create_app
from tests.conftest import Server

EXAMPLES_PER_OPERATION = 12


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    store = tmp_path_factory.mktemp("fuzz") / "store.sqlite3"
    reg = modelreg.load(database_url=f"sqlite:///{store}")
    assert reg.store is not None
    key = reg.store.create_key("fuzzer", "admin")  # so that writes are exercised too, not only refused
    with Server(create_app(reg)) as server:
        yield server, key
    reg.store.close()


def test_no_server_errors_and_answers_match_the_schema(fuzzed: tuple[Server, str]) -> None:
    server, key = fuzzed
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def exercise(case: schemathesis.Case) -> None:
            case.call_and_validate(
                headers={"Authorization": f"Bearer {key}"},
                checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
            )

        try:
            exercise()
        except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failure, report them all
            failures[operation.label] = str(exc)[:2000]
    assert operations >= 20
    assert failures == {}


def test_the_schema_is_written_down(fuzzed: tuple[Server, str], tmp_path: Path) -> None:
    import httpx

    server, _ = fuzzed
    document = httpx.get(f"{server.url}/openapi.json").json()
    assert len(document["paths"]) >= 20
    assert "/api/registry/models/{model_id}" in document["paths"]
