"""The log over HTTP: checkpoints and proofs checked as an outsider would (tests/rfc9162.py, `cryptography`),
the sequencer under concurrency, and the server's own upkeep."""

import threading

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.db import build_engine, write_engine
from app.history import checkpoints
from app.history.log import sequence, tree_size
from bench.server import Server
from tests import rfc9162
from tests.log_support import (
    assert_included,
    assert_signed,
    private_key,
    public_key_b64,
    wait_until_signed,
)
from tests.support import assess, make_token, run_cli

CODE = "odf-kz-2015-7.10"
SEEDED = 43
PROBLEM = "application/problem+json"


@pytest.fixture
def data_dir(settings, client):
    """The app's data directory (its signing key created by the app), shared with the command line."""
    return settings.data_dir


def _assess(client, token, count: int, code: str = CODE) -> None:
    for number in range(count):
        status = ["implemented", "regressed", "partially_implemented"][number % 3]
        assess(client, token, code, {"status": status, "summary": f"Synthetic {number}."})


def _feed(client) -> list[dict]:
    items = client.get("/api/v1/history", params={"limit": 1000}).json()["items"]
    assert len(items) < 1000
    return items


def _checkpoints(client) -> list[dict]:
    page = client.get("/api/v1/checkpoints", params={"limit": 1000}).json()
    return page["items"]


def _sign_at(url: str, key, sizes: list[int], monkeypatch) -> None:
    """Grow the log a few leaves at a time and sign a checkpoint at each size (a checkpoint otherwise
    sequences everything pending first, which would skip the small sizes)."""
    monkeypatch.setattr(checkpoints, "sequence", lambda _session: 0)
    engine = build_engine(url)
    with Session(write_engine(engine)) as session:
        for size in sizes:
            sequence(session, limit=size - tree_size(session))
            assert checkpoints.sign_checkpoint(session, key, "rectrack").tree_size == size
            session.commit()
    engine.dispose()


def test_proofs_of_trees_of_1_2_3_7_8_and_the_whole_log_verify(
    client, database, data_dir, monitor_token, monkeypatch
):
    _assess(client, monitor_token, 3)
    sizes = [1, 2, 3, 7, 8, SEEDED + 3]
    _sign_at(database.url, private_key(data_dir), sizes, monkeypatch)
    published = _checkpoints(client)
    assert [checkpoint["tree_size"] for checkpoint in published] == sizes
    for checkpoint in published:
        assert_signed(checkpoint, public_key_b64(data_dir))
    entries = _feed(client)
    assert sorted(entry["leaf_index"] for entry in entries) == list(range(SEEDED + 3))
    leaves = [rfc9162.leaf_of(bytes.fromhex(entry["hash"])) for entry in entries]
    for checkpoint in published:
        size = checkpoint["tree_size"]
        assert checkpoint["root_hash"] == rfc9162.merkle_root(leaves[:size]).hex()
        for entry in entries:
            answer = client.get(f"/api/v1/history/{entry['id']}/proof", params={"checkpoint": size})
            if entry["leaf_index"] < size:
                assert answer.status_code == 200, answer.text
                assert_included(answer.json(), entry, checkpoint)
            else:
                assert answer.status_code == 404 and answer.headers["content-type"] == PROBLEM
    for old in published:
        for new in published:
            if old["tree_size"] > new["tree_size"]:
                continue
            answer = client.get(
                "/api/v1/checkpoints/consistency", params={"from": old["tree_size"], "to": new["tree_size"]}
            )
            assert answer.status_code == 200, answer.text
            proof = answer.json()
            assert (proof["from_checkpoint"], proof["to_checkpoint"]) == (old, new)
            assert rfc9162.verify_consistency(
                old["tree_size"],
                new["tree_size"],
                bytes.fromhex(old["root_hash"]),
                bytes.fromhex(new["root_hash"]),
                [bytes.fromhex(node) for node in proof["proof"]],
            ), (old["tree_size"], new["tree_size"])


def test_checkpoints_are_published_signed_and_paged(client, database, data_dir, monitor_token):
    latest = client.get("/api/v1/checkpoints/latest")
    assert latest.status_code == 404 and latest.headers["content-type"] == PROBLEM
    assert client.get("/api/v1/checkpoints").json() == {"items": [], "next_after": -1}
    assert client.get("/api/v1/history/1/proof", params={"checkpoint": 1}).status_code == 404
    assert client.get("/api/v1/checkpoints/consistency", params={"from": 1, "to": 1}).status_code == 404
    signed = []
    for _ in range(3):
        _assess(client, monitor_token, 1)
        run = run_cli(database.url, "checkpoint", data_dir=data_dir)
        assert run.returncode == 0, run.stderr
        signed.append(run.stdout)
    published = _checkpoints(client)
    assert [checkpoint["tree_size"] for checkpoint in published] == [SEEDED + 1, SEEDED + 2, SEEDED + 3]
    for checkpoint in published:
        assert_signed(checkpoint, public_key_b64(data_dir))
    assert client.get("/api/v1/checkpoints/latest").json() == published[-1]
    first = client.get("/api/v1/checkpoints", params={"limit": 1}).json()
    assert first == {"items": published[:1], "next_after": SEEDED + 1}
    rest = client.get("/api/v1/checkpoints", params={"after": first["next_after"], "limit": 5}).json()
    assert rest == {"items": published[1:], "next_after": SEEDED + 3}
    assert client.get("/api/v1/checkpoints", params={"after": SEEDED + 3}).json() == {
        "items": [],
        "next_after": SEEDED + 3,
    }
    # Not in any checkpoint yet: first without a leaf, then with one after the latest checkpoint.
    newest = assess(client, monitor_token, CODE, {"status": "implemented", "summary": "After."}).json()
    entry_id = newest["entry"]["id"]
    pending = client.get(f"/api/v1/history/{entry_id}/proof", params={"checkpoint": SEEDED + 3})
    assert pending.status_code == 404 and pending.headers["content-type"] == PROBLEM
    engine = build_engine(database.url)
    with Session(write_engine(engine)) as session:
        assert sequence(session) == 1
        session.commit()
    engine.dispose()
    after = client.get(f"/api/v1/history/{entry_id}/proof", params={"checkpoint": SEEDED + 3})
    assert after.status_code == 404 and "later checkpoint" in after.json()["detail"]
    backwards = client.get("/api/v1/checkpoints/consistency", params={"from": SEEDED + 3, "to": SEEDED + 1})
    assert backwards.status_code == 400 and backwards.headers["content-type"] == PROBLEM
    for sizes in ({"from": 3, "to": SEEDED + 3}, {"from": SEEDED + 1, "to": SEEDED + 4}):
        unknown = client.get("/api/v1/checkpoints/consistency", params=sizes)
        assert unknown.status_code == 404 and unknown.headers["content-type"] == PROBLEM
    assert client.get("/api/v1/history/1/proof", params={"checkpoint": 5}).status_code == 404


ODD_REQUESTS = [
    "/api/v1/checkpoints?after=-2",
    "/api/v1/checkpoints?after=99999999999999999999999",
    "/api/v1/checkpoints?limit=0",
    "/api/v1/checkpoints?limit=1001",
    "/api/v1/checkpoints?after=abc",
    "/api/v1/checkpoints?after=1.5",
    "/api/v1/checkpoints/consistency",
    "/api/v1/checkpoints/consistency?from=1",
    "/api/v1/checkpoints/consistency?from=-1&to=3",
    "/api/v1/checkpoints/consistency?from=0&to=0",
    "/api/v1/checkpoints/consistency?from=4611686018427387904&to=4611686018427387904",
    "/api/v1/checkpoints/consistency?from=4611686018427387905&to=1",
    "/api/v1/checkpoints/consistency?from=%00&to=1",
    "/api/v1/history/1/proof",
    "/api/v1/history/1/proof?checkpoint=-1",
    "/api/v1/history/1/proof?checkpoint=0",
    "/api/v1/history/1/proof?checkpoint=4611686018427387905",
    "/api/v1/history/0/proof?checkpoint=1",
    "/api/v1/history/-1/proof?checkpoint=1",
    "/api/v1/history/9223372036854775807/proof?checkpoint=1",
    "/api/v1/history/9223372036854775808/proof?checkpoint=1",
    "/api/v1/history/abc/proof?checkpoint=1",
    "/api/v1/history/1/proof?checkpoint=1&checkpoint=2",
]


@pytest.mark.parametrize("path", ODD_REQUESTS)
def test_odd_requests_get_a_problem_not_a_500(shared_client, path):
    answer = shared_client.get(path)
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text)
    assert answer.headers["content-type"] == PROBLEM


def test_two_sequencers_at_once_never_give_an_index_twice_nor_leave_a_gap(client, database, monitor_token):
    engine = build_engine(database.url)
    failures: list[BaseException] = []

    def sequencer(start: threading.Barrier) -> None:
        try:
            start.wait(timeout=30)
            while True:
                with Session(write_engine(engine)) as session:
                    given = sequence(session, limit=4)
                    session.commit()
                if not given:
                    return
        except BaseException as error:  # noqa: BLE001  # reported by the test thread
            failures.append(error)

    for round_ in range(3):
        if round_:
            _assess(client, monitor_token, 5, code=["odf-kz-2015-2.2", "odf-kz-2015-3.1"][round_ - 1])
        start = threading.Barrier(2)
        threads = [threading.Thread(target=sequencer, args=(start,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not failures, failures
    with engine.connect() as connection:
        leaves = connection.execute(
            text("SELECT leaf_index, entry_id FROM log_leaves ORDER BY leaf_index")
        ).all()
        entry_ids = connection.execute(text("SELECT id FROM history_entries ORDER BY id")).scalars().all()
    engine.dispose()
    assert [index for index, _ in leaves] == list(range(SEEDED + 10))
    assert [entry_id for _, entry_id in leaves] == entry_ids


def test_the_server_sequences_and_signs_after_writes(database, tmp_path):
    token = make_token(database.url, "monitor", "Upkeep Monitor")
    env = {
        "RECTRACK_DATABASE_URL": database.url,
        "RECTRACK_DATA_DIR": str(tmp_path / "data"),
        "RECTRACK_SEQUENCE_INTERVAL_SECONDS": "0.2",
        "RECTRACK_CHECKPOINT_INTERVAL_MINUTES": "0.001",
    }
    with Server(env=env) as server, httpx.Client(base_url=server.base_url, timeout=30) as api:
        for number in range(2):
            assess(api, token, CODE, {"status": "implemented", "summary": f"Upkeep {number}."})
            newest = _feed(api)[-1]
            entry, latest = wait_until_signed(api, newest["id"])
            assert latest["tree_size"] > entry["leaf_index"]
            assert_signed(latest, public_key_b64(tmp_path / "data"))
            proof = api.get(
                f"/api/v1/history/{entry['id']}/proof", params={"checkpoint": latest["tree_size"]}
            )
            assert proof.status_code == 200, proof.text
            assert_included(proof.json(), entry, latest)
    assert entry["leaf_index"] == SEEDED + 1
