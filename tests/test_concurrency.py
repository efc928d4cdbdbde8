"""Many writers and readers at once, through real servers on loopback: two instances (two registries, as
two processes would be) over one database, on SQLite and on PostgreSQL. No update is lost, no read fails,
ETags never go backwards, a writer reads its own write, and a price timeline stays one timeline."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

import modelreg
from modelreg.store import Store
from tests.helpers import API, editor_key, serve_process, two_instances

MODEL = "openai/gpt-4o"


def _run(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
        assert not thread.is_alive(), "a worker did not finish"


def increment(headers: dict[str, str], bases: tuple[str, str], n: int, each: int, other: list[int]) -> tuple[int, int]:
    """Read-modify-write the model's counter (its description) with If-Match until ``each`` increments are
    acknowledged, reading on one server and writing on the other in turn; statuses other than 200 and 412
    go into ``other``. Returns (acknowledged, refused with 412)."""
    one, two = bases
    done = conflicts = 0
    with httpx.Client(headers=headers, timeout=60) as http:
        for attempt in itertools.count():
            if done == each:
                break
            read, write = ((one, two), (two, one))[(n + attempt) % 2]
            got = http.get(f"{read}{API}/models/{MODEL}")
            count = int(got.json().get("description") or 0)
            put = http.patch(
                f"{write}{API}/models/{MODEL}",
                json={"description": str(count + 1)},
                headers={"If-Match": got.headers["etag"]},
            )
            if put.status_code == 200:
                done += 1
            elif put.status_code == 412:
                conflicts += 1
            else:
                other.append(put.status_code)
    return done, conflicts


def test_read_modify_write_with_if_match_loses_no_update(database_url: str) -> None:
    writers, each = 8, 4
    acked: list[int] = []
    refused: list[int] = []
    other: list[int] = []
    with two_instances(database_url) as (one, two, headers):

        def writer(n: int) -> None:
            done, conflicts = increment(headers, (one.url, two.url), n, each, other)
            acked.append(done)
            refused.append(conflicts)

        _run([threading.Thread(target=writer, args=(n,)) for n in range(writers)])
        assert other == []
        with httpx.Client() as http:
            for server in (one, two):
                final = http.get(f"{server.url}{API}/models/{MODEL}").json()["description"]
                assert final == str(sum(acked)) == str(writers * each)  # every acknowledged increment is there
            history = http.get(f"{one.url}{API}/history/model/{MODEL}").json()["items"]
        assert len(history) == writers * each
        assert sum(refused) > 0  # the writers really raced, and each stale read was refused with 412


def test_two_server_processes_lose_no_update(database_url: str, tmp_path: Path) -> None:
    """The same read-modify-write race, against two `modelreg serve` processes: no shared memory, no GIL."""
    writers, each = 8, 3
    store = Store.open(database_url)
    headers = {"Authorization": f"Bearer {store.create_key('editor', 'editor')}"}
    store.close()
    acked: list[int] = []
    other: list[int] = []
    with serve_process(database_url, tmp_path) as one, serve_process(database_url, tmp_path) as two:

        def writer(n: int) -> None:
            acked.append(increment(headers, (one, two), n, each, other)[0])

        _run([threading.Thread(target=writer, args=(n,)) for n in range(writers)])
        assert other == []
        for base in (one, two):
            assert httpx.get(f"{base}{API}/models/{MODEL}").json()["description"] == str(sum(acked))
    assert sum(acked) == writers * each


def test_two_patches_naming_one_etag_exactly_one_wins(database_url: str) -> None:
    with (
        two_instances(database_url) as (one, two, headers),
        httpx.Client(headers=headers, timeout=60) as first,
        httpx.Client(headers=headers, timeout=60) as second,
    ):
        for trial in range(10):
            tag = first.get(f"{one.url}{API}/models/{MODEL}").headers["etag"]
            start = threading.Barrier(2)
            answers: list[httpx.Response] = []

            def send(
                http: httpx.Client,
                url: str,
                text: str,
                tag: str = tag,
                start: threading.Barrier = start,
                answers: list[httpx.Response] = answers,
            ) -> None:
                start.wait()
                answers.append(http.patch(url, json={"description": text}, headers={"If-Match": tag}))

            _run(
                [
                    threading.Thread(target=send, args=(first, f"{one.url}{API}/models/{MODEL}", f"a{trial}")),
                    threading.Thread(target=send, args=(second, f"{two.url}{API}/models/{MODEL}", f"b{trial}")),
                ]
            )
            assert sorted(a.status_code for a in answers) == [200, 412]
            won = next(a for a in answers if a.status_code == 200).json()["description"]
            lost = next(a for a in answers if a.status_code == 412)
            assert lost.headers["etag"] == lost.json()["current_etag"] != tag  # the ETag to read again with
            assert first.get(f"{two.url}{API}/models/{MODEL}").json()["description"] == won


def test_concurrent_price_changes_keep_one_timeline(database_url: str) -> None:
    writers, each = 6, 4
    days = itertools.count()
    lock = threading.Lock()
    statuses: list[int] = []
    with two_instances(database_url) as (one, two, headers):

        def writer(n: int) -> None:
            with httpx.Client(headers=headers, timeout=60) as http:
                for k in range(each):
                    with lock:
                        day = dt.date(2030, 1, 1) + dt.timedelta(days=next(days))
                    server = (one, two)[(n + k) % 2]
                    url = f"{server.url}{API}/models/{MODEL}/pricing"
                    extra = {}
                    if n % 2:  # half the writers name the prices they read: a price changed since is 412
                        extra = {"If-Match": http.get(f"{server.url}{API}/models/{MODEL}").headers["etag"]}
                    change = {"input": str(n + k + 1), "effective_from": day.isoformat()}
                    statuses.append(http.patch(url, json=change, headers=extra).status_code)

        _run([threading.Thread(target=writer, args=(n,)) for n in range(writers)])
    # 200; 412 for a stale If-Match; 422 when a later day was written first (history is never rewritten)
    assert set(statuses) <= {200, 412, 422} and statuses.count(200) >= writers
    store = Store.open(database_url)
    rows = store.snapshot().prices[MODEL]
    store.close()
    assert len(rows) == statuses.count(200)  # one price per acknowledged change
    assert [r.effective_until for r in rows].count(None) == 1  # one price open
    for earlier, later in itertools.pairwise(rows):
        assert earlier.effective_from < later.effective_from and earlier.effective_until == later.effective_from
    # each change named only the input price: the cache and batch prices carried over
    assert {(r.pricing["cache_read"], r.pricing["batch_discount"], r.pricing["output"]) for r in rows} == {
        ("1.25", "0.5", "10")
    }
    reg = modelreg.load(database_url=database_url)
    latest = rows[-1]
    billed = reg.cost(MODEL, input_tokens=1_000_000, at=latest.effective_from).total
    assert billed == Decimal(latest.pricing["input"])
    assert reg.store is not None
    reg.store.close()


def test_readers_under_writes_see_no_5xx_their_own_writes_and_etags_that_never_go_back(database_url: str) -> None:
    stop = threading.Event()
    failures: list[str] = []
    reads = itertools.count()
    with two_instances(database_url) as (one, two, headers):

        def reader(base: str, path: str) -> None:
            seen = -1
            with httpx.Client(timeout=60) as http:
                while not stop.is_set():
                    got = http.get(f"{base}{API}{path}")
                    next(reads)
                    if got.status_code != 200:
                        failures.append(f"GET {path}: {got.status_code} {got.text[:200]}")
                        continue
                    state = int(got.headers["etag"].strip('"').rpartition(".")[2])  # catalog.changes
                    if state < seen:
                        failures.append(f"GET {path}: ETag went back from {seen} to {state}")
                    seen = state
                    if path.startswith("/models?"):
                        assert len(got.json()["items"]) > 0

        def coster(base: str) -> None:
            with httpx.Client(timeout=60) as http:
                while not stop.is_set():
                    got = http.post(f"{base}{API}/cost", json={"model": "gpt-4o", "input_tokens": 1000})
                    if got.status_code != 200:
                        failures.append(f"POST /cost: {got.status_code} {got.text[:200]}")

        def writer(n: int) -> None:
            with httpx.Client(headers=headers, timeout=60) as http:
                for k in range(6):
                    server = (one, two)[(n + k) % 2]
                    probe = {
                        "id": f"openai/probe-{n}-{k}",
                        "provider": "openai",
                        "name": f"probe-{n}-{k}",
                        "family": "gpt",
                        "capabilities": ["chat"],
                        "pricing": {"input": "1", "output": "2"},
                    }
                    made = http.post(f"{server.url}{API}/models", json=probe)
                    said = http.patch(f"{server.url}{API}/models/{MODEL}", json={"description": f"w{n}-{k}"})
                    for answer in (made, said):
                        if answer.status_code >= 500:
                            failures.append(f"write: {answer.status_code} {answer.text[:200]}")
                    mine = http.get(f"{server.url}{API}/models/{probe['id']}")  # the instance that wrote it
                    if made.status_code == 201 and mine.status_code != 200:
                        failures.append(f"own create not visible: {mine.status_code}")
                    if k % 2:
                        gone = http.delete(f"{server.url}{API}/models/{probe['id']}")
                        after = http.get(f"{server.url}{API}/models/{probe['id']}")
                        if gone.status_code != 204 or after.status_code != 404:
                            failures.append(f"own delete not visible: {gone.status_code}, then {after.status_code}")

        readers = [
            threading.Thread(target=reader, args=(server.url, path))
            for server in (one, two)
            for path in ("/models?limit=200", "/models?provider=openai&capability=vision", "/capabilities")
        ] + [threading.Thread(target=coster, args=(server.url,)) for server in (one, two)]
        for thread in readers:
            thread.start()
        try:
            _run([threading.Thread(target=writer, args=(n,)) for n in range(3)])
        finally:
            stop.set()
            for thread in readers:
                thread.join(timeout=60)
    assert failures == []
    assert next(reads) > 20


HIDEABLE = "xai/grok-2"  # a catalog model nothing refers to: no route serves it, none names it replacement


def test_library_readers_never_see_half_a_view(database_url: str) -> None:
    reg = modelreg.load(database_url=database_url)
    stop = threading.Event()
    failures: list[BaseException] = []

    def read() -> None:
        while not stop.is_set():
            try:
                ids = reg.find_ids(provider="openai")
                assert ids and all(isinstance(m.id, str) for m in reg.models(provider="openai")[:50])
                assert reg.cost("gpt-4o", input_tokens=1000).total > 0
                reg.capability_matrix()
                reg.search("gpt")
            except BaseException as exc:
                failures.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(3)]
    for thread in readers:
        thread.start()
    try:
        for _ in range(12):
            version = reg.version("model", HIDEABLE)
            if version % 2:
                reg.reset("model", HIDEABLE, version=version, actor="test")  # back from hidden
            else:
                reg.delete("model", HIDEABLE, version=version, actor="test")
            seen = HIDEABLE in reg
            assert seen == bool(version % 2)  # the writer sees its own write at once
    finally:
        stop.set()
        for thread in readers:
            thread.join(timeout=60)
        assert reg.store is not None
        reg.store.close()
    assert failures == []


def test_library_update_with_one_version_lets_exactly_one_writer_through(database_url: str) -> None:
    regs = [modelreg.load(database_url=database_url) for _ in range(2)]
    outcomes: list[Any] = []
    start = threading.Barrier(2)

    def write(reg: modelreg.Registry, text: str) -> None:
        start.wait()
        try:
            reg.update("model", MODEL, {"description": text}, version=0, actor=text)
            outcomes.append("written")
        except modelreg.ConflictError as exc:
            outcomes.append(exc)

    _run([threading.Thread(target=write, args=(reg, f"w{n}")) for n, reg in enumerate(regs)])
    assert outcomes.count("written") == 1 and sum(isinstance(o, modelreg.ConflictError) for o in outcomes) == 1
    assert regs[0].version("model", MODEL) == 1 and len(regs[1].history("model", MODEL)) == 1
    for reg in regs:
        assert reg.store is not None
        reg.store.close()


def test_a_record_etag_moves_with_the_record_and_the_prices_it_shows(database_url: str) -> None:
    reg = modelreg.load(database_url=database_url)
    headers = editor_key(reg)
    from modelreg.api import create_app
    from tests.conftest import Server

    route = "openai/openai/gpt-4o"  # the maker's own route: billed at its model's prices
    with Server(create_app(reg)) as server, httpx.Client(base_url=f"{server.url}{API}", headers=headers) as http:
        model_tag = http.get(f"/models/{MODEL}").headers["etag"]
        route_tag = http.get(f"/routes/{route}").headers["etag"]
        other_tag = http.get("/models/openai/gpt-4.1").headers["etag"]
        assert http.get(f"/models/{MODEL}", headers={"If-None-Match": model_tag}).status_code == 304
        assert http.patch("/models/openai/gpt-4.1", json={"description": "x"}).status_code == 200
        assert http.get(f"/models/{MODEL}").headers["etag"] == model_tag  # another record's write: unchanged
        assert http.get("/models/openai/gpt-4.1").headers["etag"] != other_tag
        priced = http.patch(f"/models/{MODEL}/pricing", json={"input": "2", "effective_from": "2020-01-01"})
        assert priced.status_code == 200 and priced.headers["etag"] != model_tag
        assert http.get(f"/models/{MODEL}").headers["etag"] == priced.headers["etag"]
        followed = http.get(f"/routes/{route}")
        assert followed.headers["etag"] != route_tag and followed.json()["pricing"]["input"] == "2"
        assert followed.json()["pricing"]["cache_read"] == "1.25"  # carried over: only input was named
        stale = http.patch(f"/models/{MODEL}", json={"description": "y"}, headers={"If-Match": model_tag})
        assert stale.status_code == 412 and stale.headers["etag"] == priced.headers["etag"]
        fresh = http.patch(f"/models/{MODEL}", json={"description": "y"}, headers={"If-Match": priced.headers["etag"]})
        assert fresh.status_code == 200
        assert http.get(f"/models/{MODEL}", headers={"If-None-Match": priced.headers["etag"]}).status_code == 200
    assert reg.store is not None
    reg.store.close()
