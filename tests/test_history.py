"""The history: gapless chains, the global feed, verification and tamper detection."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.db import build_engine
from app.history import verify
from tests.support import CliRun, assess, bearer, run_cli, tamper

CODE = "odf-kz-2015-7.10"


def _write_some(client, token, n: int = 3, code: str = CODE) -> None:
    for i in range(n):
        status = ["implemented", "regressed", "not_implemented"][i % 3]
        assess(client, token, code, {"status": status, "summary": f"Synthetic {i}."})


def test_chain_links_every_entry_to_the_previous(client, monitor_token):
    _write_some(client, monitor_token)
    items = client.get(f"/api/v1/recommendations/{CODE}/history").json()["items"]
    assert [e["seq"] for e in items] == [1, 2, 3, 4]
    assert items[0]["prev_hash"] is None
    for previous, entry in zip(items, items[1:], strict=False):
        assert entry["prev_hash"] == previous["hash"]


def test_feed_pages_in_recording_order(client, monitor_token):
    _write_some(client, monitor_token, 2)
    _write_some(client, monitor_token, 2, code="odf-kz-2015-2.2")
    seen, after = [], 0
    while True:
        page = client.get("/api/v1/history", params={"after": after, "limit": 10}).json()
        if not page["items"]:
            assert page["next_after"] == after
            break
        seen += page["items"]
        after = page["next_after"]
    assert len(seen) == 43 + 4
    ids = [e["id"] for e in seen]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert [e["recommendation"] for e in seen[-4:]] == [CODE, CODE, "odf-kz-2015-2.2", "odf-kz-2015-2.2"]
    tail = client.get("/api/v1/history", params={"after": seen[-3]["id"]}).json()["items"]
    assert [e["id"] for e in tail] == ids[-2:]


def test_verify_reports_ok_and_a_stable_root(client, monitor_token, admin_token):
    before = client.get("/api/v1/history/verify", headers=bearer(admin_token)).json()
    assert before["ok"] is True and before["entries"] == 43 and before["chains"] == 43
    assert before["first_broken"] is None
    assert client.get("/api/v1/history/verify", headers=bearer(admin_token)).json()["root"] == before["root"]
    _write_some(client, monitor_token, 1)
    after = client.get("/api/v1/history/verify", headers=bearer(admin_token)).json()
    assert after["ok"] and after["entries"] == 44 and after["root"] != before["root"]


def test_a_second_verification_at_once_is_told_to_come_back(client, admin_token):
    with verify._running:  # as if another request were verifying right now
        busy = client.get("/api/v1/history/verify", headers=bearer(admin_token))
    assert busy.status_code == 429 and busy.headers["retry-after"] == str(verify.RETRY_AFTER_SECONDS)
    assert busy.headers["content-type"] == "application/problem+json"
    assert busy.json()["title"] == "Too many requests"
    assert client.get("/api/v1/history/verify", headers=bearer(admin_token)).json()["ok"] is True


def _tamper(database, sql: str, **params) -> None:
    tamper(database.url, sql, **params)


def _cli_verify(database) -> CliRun:
    return run_cli(database.url, "verify")


def test_tampered_payload_is_found(client, monitor_token, database, admin_token):
    _write_some(client, monitor_token)
    assert _cli_verify(database).returncode == 0
    _tamper(
        database,
        "UPDATE history_entries SET payload = REPLACE(payload, 'Synthetic 1.', 'Rewritten.') "
        "WHERE seq = 3 AND recommendation_id = (SELECT id FROM recommendations WHERE code = :code)",
        code=CODE,
    )
    report = client.get("/api/v1/history/verify", headers=bearer(admin_token)).json()
    assert report["ok"] is False
    assert report["first_broken"]["recommendation"] == CODE and report["first_broken"]["seq"] == 3
    assert "commitment" in report["first_broken"]["reason"]
    result = _cli_verify(database)
    assert result.returncode == 1 and '"ok": false' in result.stdout


def test_a_payload_stored_in_another_json_layout_is_judged_by_its_meaning(
    client, monitor_token, database, admin_token
):
    # The fast path hashes the stored text; a payload re-serialised with spaces (as a database dump and
    # reload might) misses it, and the reference check decides: same meaning, no tampering.
    _write_some(client, monitor_token)
    where = "WHERE seq = 3 AND recommendation_id = (SELECT id FROM recommendations WHERE code = :code)"
    _tamper(
        database, f"UPDATE history_entries SET payload = REPLACE(payload, '\":', '\": ') {where}", code=CODE
    )
    assert client.get("/api/v1/history/verify", headers=bearer(admin_token)).json()["ok"] is True
    _tamper(
        database,
        f"UPDATE history_entries SET payload = REPLACE(payload, 'Synthetic', 'Invented') {where}",
        code=CODE,
    )
    assert (
        client.get("/api/v1/history/verify", headers=bearer(admin_token)).json()["first_broken"]["seq"] == 3
    )


def test_deleted_entry_is_found(client, monitor_token, database, admin_token):
    _write_some(client, monitor_token)
    _tamper(
        database,
        "DELETE FROM history_entries WHERE seq = 2 AND recommendation_id = "
        "(SELECT id FROM recommendations WHERE code = :code)",
        code=CODE,
    )
    broken = client.get("/api/v1/history/verify", headers=bearer(admin_token)).json()["first_broken"]
    assert broken["recommendation"] == CODE and broken["seq"] == 3


def test_truncated_tail_is_found(client, monitor_token, database, admin_token):
    _write_some(client, monitor_token)
    _tamper(
        database,
        "DELETE FROM history_entries WHERE seq = 4 AND recommendation_id = "
        "(SELECT id FROM recommendations WHERE code = :code)",
        code=CODE,
    )
    broken = client.get("/api/v1/history/verify", headers=bearer(admin_token)).json()["first_broken"]
    assert broken["recommendation"] == CODE and "version" in broken["reason"]


def test_no_way_to_change_or_delete_an_entry(client, monitor_token, database, admin_token):
    """No route changes history but the withdrawal (an append); triggers refuse UPDATE and DELETE in SQL."""
    entry_routes = [
        (path, method)
        for path, operations in client.get("/openapi.json").json()["paths"].items()
        if "history" in path
        for method in operations
    ]
    assert {(path, method) for path, method in entry_routes if method != "get"} == {
        ("/api/v1/history/{entry_id}/withdrawal", "post")
    }
    for method in ("put", "patch", "delete"):
        response = client.request(
            method, f"/api/v1/recommendations/{CODE}/history", headers=bearer(monitor_token)
        )
        assert response.status_code == 405
    engine = build_engine(database.url)
    for statement in (
        "UPDATE history_entries SET payload = '{}'",
        "UPDATE history_entries SET payload = 'null', salt = NULL",  # the shape of a withdrawal, unrecorded
        "DELETE FROM history_entries",
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    engine.dispose()
    assert client.get("/api/v1/history/verify", headers=bearer(admin_token)).json()["ok"] is True
