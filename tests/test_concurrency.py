"""Concurrent monitors through a real uvicorn: one write wins, the rest are told to re-read, nothing forks."""

import threading
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlmodel import Session

from app.assessments.schemas import AssessmentIn
from app.assessments.service import record_assessment
from app.auth import authenticate
from app.db import build_engine, write_engine
from app.history.log import sequence
from app.recommendations.write_protocol import read_for_write
from bench.server import Server
from tests.support import TestDatabase, bearer, copy_database, make_token

CLIENTS = 20


def _race(base_url: str, token: str, targets: list[tuple[str, str]]) -> list[httpx.Response]:
    """Post one assessment per (code, etag) target, all released at the same instant."""
    barrier = threading.Barrier(len(targets))
    responses: list[httpx.Response | None] = [None] * len(targets)

    def post(index: int, code: str, etag: str) -> None:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            barrier.wait()
            responses[index] = client.post(
                f"/api/v1/recommendations/{code}/assessments",
                json={"status": "partially_implemented", "summary": f"Synthetic concurrent write {index}."},
                headers=bearer(token) | {"If-Match": etag},
            )

    threads = [threading.Thread(target=post, args=(i, code, etag)) for i, (code, etag) in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [response for response in responses if response is not None]


@pytest.fixture(scope="module")
def launched(request, backend, seeded_template, postgres_server, tmp_path_factory, run_id) -> Iterator[dict]:
    """For each test of this module about to run on this backend: its own fresh database, and uvicorn on it.

    uvicorn runs 2 workers on PostgreSQL (the production shape), 1 on SQLite. All are launched at once,
    before the first test: starting is mostly importing the app, and the starts overlap.
    """
    workers = 2 if backend == "postgresql" else 1
    directory = tmp_path_factory.mktemp("concurrency")
    tests = [
        item.nodeid
        for item in request.session.items
        if item.module is request.module and getattr(item, "callspec", None)
        if item.callspec.params.get("backend") == backend
    ]
    ready: dict[str, tuple[TestDatabase, Server]] = {}
    try:
        for nodeid in tests:
            name = f"rectrack_{run_id}_{uuid.uuid4().hex[:8]}"
            database = TestDatabase(backend, copy_database(seeded_template, directory, name, postgres_server))
            uvicorn = Server(workers=workers, env={"RECTRACK_DATABASE_URL": database.url})
            ready[nodeid] = (database, uvicorn.launch())
        yield ready
    finally:
        for nodeid in list(ready):
            _stop(ready.pop(nodeid), postgres_server)


def _stop(launched: tuple[TestDatabase, Server], postgres_server) -> None:
    database, uvicorn = launched
    uvicorn.stop()
    if database.backend == "postgresql":
        postgres_server.drop(database.url)


@pytest.fixture
def database(request, launched) -> TestDatabase:
    """Here a test's own database is the one its server was launched on."""
    return launched[request.node.nodeid][0]


@pytest.fixture
def server(request, launched, postgres_server) -> Iterator[str]:
    """The test's uvicorn, once ready; stopped, and its database dropped, when the test ends."""
    yield launched[request.node.nodeid][1].wait().base_url
    _stop(launched.pop(request.node.nodeid), postgres_server)


def test_same_if_match_race_has_one_winner(server, database):
    token = make_token(database.url, "monitor")
    code = "odf-kz-2015-2.3"
    with httpx.Client(base_url=server) as client:
        etag = client.get(f"/api/v1/recommendations/{code}").headers["etag"]
        responses = _race(server, token, [(code, etag)] * CLIENTS)
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [201] + [412] * (CLIENTS - 1), statuses
        assert all(
            r.headers["content-type"] == "application/problem+json" for r in responses if r.status_code == 412
        )
        history = client.get(f"/api/v1/recommendations/{code}/history").json()["items"]
        assert [entry["seq"] for entry in history] == [1, 2]
        assert history[1]["prev_hash"] == history[0]["hash"]
        assert client.get(f"/api/v1/recommendations/{code}").json()["version"] == 2
        assert _verify(client, database).json()["ok"] is True


def test_different_recommendations_all_succeed(server, database):
    token = make_token(database.url, "monitor")
    with httpx.Client(base_url=server) as client:
        codes = [
            item["code"]
            for item in client.get("/api/v1/recommendations", params={"limit": CLIENTS}).json()["items"]
        ]
        targets = [(code, client.get(f"/api/v1/recommendations/{code}").headers["etag"]) for code in codes]
        responses = _race(server, token, targets)
        assert [r.status_code for r in responses] == [201] * CLIENTS
        report = client.get(
            "/api/v1/history/verify", headers=bearer(make_token(database.url, "admin"))
        ).json()
        assert report["ok"] is True and report["entries"] == 43 + CLIENTS
        feed = [entry["id"] for entry in _follow(client, after=0, limit=1000)]
        # Each entry once; paging from any entry's id continues the same sequence (on PostgreSQL the order
        # is the writing transactions', not the ids': see app/history/feed_order.py).
        assert len(feed) == len(set(feed)) == 43 + CLIENTS
        assert [entry["id"] for entry in _follow(client, after=0, limit=7)] == feed


def test_the_feed_never_serves_past_an_open_write(server, database):
    """A write that commits while an older one is still open is not served before it: a follower that read
    in between continues from its cursor and misses neither (PostgreSQL: no global lock, the horizon)."""
    token = make_token(database.url, "monitor")
    older, newer = "odf-kz-2015-3.1", "odf-kz-2015-3.2"
    engine = build_engine(database.url)
    with httpx.Client(base_url=server, timeout=60) as client:
        cursor = _follow(client, after=0, limit=1000)[-1]["id"]
        etags = {
            code: client.get(f"/api/v1/recommendations/{code}").headers["etag"] for code in (older, newer)
        }
        # The older write, in this process: claimed and appended, not committed.
        open_write = Session(write_engine(engine), expire_on_commit=False)
        found = authenticate(open_write, token)
        assert found is not None
        target = read_for_write(open_write, older, etags[older])
        data = AssessmentIn(status="implemented", summary="Synthetic write left open.")
        held = record_assessment(open_write, target, found[0], data)
        responses: list[httpx.Response] = []
        writer = threading.Thread(
            target=lambda: responses.append(
                client.post(
                    f"/api/v1/recommendations/{newer}/assessments",
                    json={"status": "implemented", "summary": "Synthetic write behind an open one."},
                    headers=bearer(token) | {"If-Match": etags[newer]},
                )
            )
        )
        writer.start()
        if database.backend == "postgresql":
            writer.join(timeout=60)  # no lock to wait for: it commits at once
            assert [response.status_code for response in responses] == [201]
            # Committed, yet behind the open write: neither the feed nor the sequencer takes it yet.
            assert _follow(client, after=cursor, limit=1000) == []
            with Session(write_engine(engine)) as sequencer:
                # Leaves for every entry served (the seed's), none for the one held back.
                assert sequence(sequencer) == len(_follow(client, after=0, limit=1000))
                sequencer.commit()
        else:
            writer.join(timeout=1)  # SQLite: it waits for the open write's lock
            assert writer.is_alive() and not responses
        open_write.commit()
        open_write.close()
        writer.join(timeout=60)
        assert [response.status_code for response in responses] == [201]
        newest = responses[0].json()["entry"]["id"]
        assert [entry["id"] for entry in _follow(client, after=cursor, limit=1000)] == [held.id, newest]
        assert _verify(client, database).json()["ok"] is True
    engine.dispose()


def _follow(client: httpx.Client, *, after: int, limit: int) -> list[dict]:
    """Every feed entry after `after`, read page by page as a follower does."""
    items: list[dict] = []
    while page := client.get("/api/v1/history", params={"after": after, "limit": limit}).json()["items"]:
        items += page
        after = page[-1]["id"]
    return items


def _verify(client: httpx.Client, database) -> httpx.Response:
    """Full verification, which is for admins."""
    return client.get("/api/v1/history/verify", headers=bearer(make_token(database.url, "admin")))


def test_racing_corrections_of_one_entry_have_one_winner(server, database):
    token = make_token(database.url, "monitor")
    code = "odf-kz-2015-2.4"
    url = f"/api/v1/recommendations/{code}"
    with httpx.Client(base_url=server, timeout=60) as client:
        etag = client.get(url).headers["etag"]
        assessed = client.post(
            f"{url}/assessments",
            json={"status": "implemented", "summary": "Synthetic wrong status."},
            headers=bearer(token) | {"If-Match": etag},
        )
        assert assessed.status_code == 201, assessed.text
        seq, etag = assessed.json()["entry"]["seq"], assessed.headers["etag"]
        barrier = threading.Barrier(CLIENTS // 2)
        responses: list[httpx.Response] = []

        def correct(index: int) -> None:
            with httpx.Client(base_url=server, timeout=60) as racer:
                barrier.wait()
                responses.append(
                    racer.post(
                        f"{url}/entries/{seq}/corrections",
                        json={"reason": f"Synthetic correction {index}.", "status": "not_implemented"},
                        headers=bearer(token) | {"If-Match": etag},
                    )
                )

        threads = [threading.Thread(target=correct, args=(i,)) for i in range(CLIENTS // 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses = sorted(response.status_code for response in responses)
        # A loser that read the entry after the winner committed is told it was corrected already (409).
        assert statuses[0] == 201 and set(statuses[1:]) <= {409, 412}, statuses
        assert len(statuses) == CLIENTS // 2
        history = client.get(f"{url}/history").json()["items"]
        assert [entry["kind"] for entry in history[-2:]] == ["assessment", "correction"]
        assert client.get(url).json()["status"] == "not_implemented"
        assert _verify(client, database).json()["ok"] is True


def test_a_title_translation_racing_recommendation_writes_forks_no_chain(server, database):
    """Two monitors translate section 2's title while others assess its recommendations, all at once."""
    token = make_token(database.url, "monitor")
    title_url = "/api/v1/sources/odf-kz-2015/sections/2/translations"
    with httpx.Client(base_url=server, timeout=60) as client:
        title_etag = client.get(title_url).headers["etag"]
        codes = [
            item["code"]
            for item in client.get("/api/v1/recommendations", params={"section": 2}).json()["items"]
        ]
        etags = {code: client.get(f"/api/v1/recommendations/{code}").headers["etag"] for code in codes}
        # The title's writes start between the assessments, so that some of these come first and some after.
        writes = [(code, index) for code in codes for index in range(2)]
        writes[len(writes) // 2 : len(writes) // 2] = [("title", 0), ("title", 1)]
        barrier = threading.Barrier(len(writes))
        results: dict[tuple[str, int], httpx.Response] = {}

        def write(target: str, index: int) -> None:
            with httpx.Client(base_url=server, timeout=60) as racer:
                barrier.wait()
                if target == "title":
                    body = {"language": "kk", "text": f"Заң шаралары {index}", "provenance": "official"}
                    results[(target, index)] = racer.post(
                        title_url, json=body, headers=bearer(token) | {"If-Match": title_etag}
                    )
                else:
                    results[(target, index)] = racer.post(
                        f"/api/v1/recommendations/{target}/assessments",
                        json={"status": "implemented", "summary": f"Synthetic racing write {index}."},
                        headers=bearer(token) | {"If-Match": etags[target]},
                    )

        threads = [threading.Thread(target=write, args=key) for key in writes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(results) == len(writes)
        titles = sorted(results[("title", index)].status_code for index in range(2))
        assert titles == [201, 412], titles
        for code in codes:
            statuses = sorted(results[(code, index)].status_code for index in range(2))
            # Each assessment either came before the title's claim (one of the two wins) or after it (412).
            assert statuses in ([201, 412], [412, 412]), (code, statuses)
            history = client.get(f"/api/v1/recommendations/{code}/history").json()["items"]
            assert [entry["seq"] for entry in history] == list(range(1, len(history) + 1))
            kinds = [entry["kind"] for entry in history]
            assert kinds.count("translation_recorded") == 1
            assert kinds.count("assessment") == statuses.count(201)
            assert client.get(f"/api/v1/recommendations/{code}").json()["version"] == len(history)
        assert _verify(client, database).json()["ok"] is True
        # The feed serves every entry once (in the writing transactions' order on PostgreSQL, not the ids').
        feed = [entry["id"] for entry in _follow(client, after=0, limit=1000)]
        assert len(feed) == len(set(feed)) == _verify(client, database).json()["entries"]
