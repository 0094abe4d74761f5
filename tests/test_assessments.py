"""Assessments: If-Match, denormalised status with backfill, idempotency keys, and bad input."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text, update
from sqlmodel import Session

from app.db import build_engine, write_engine
from app.idempotency import FORGET_EVERY, RETENTION
from app.models import IdempotencyRecord
from tests.support import assess, bearer

CODE = "odf-kz-2015-4.2"
URL = f"/api/v1/recommendations/{CODE}"


def _etag(client) -> str:
    return client.get(URL).headers["etag"]


def _assess(client, token, body, **headers):
    """POST with exactly the headers given (If-Match missing, stale or reused); see `assess` otherwise."""
    return client.post(f"{URL}/assessments", json=body, headers=bearer(token) | headers)


def _history_len(client) -> int:
    return len(client.get(f"{URL}/history").json()["items"])


def test_missing_if_match_is_428_and_changes_nothing(shared_client, shared_monitor_token):
    response = _assess(
        shared_client, shared_monitor_token, {"status": "implemented", "summary": "Synthetic."}
    )
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    wildcard = _assess(
        shared_client, shared_monitor_token, {"status": "implemented", "summary": "x"}, **{"If-Match": "*"}
    )
    assert wildcard.status_code == 428
    assert _history_len(shared_client) == 1 and shared_client.get(URL).json()["version"] == 1


def test_assessment_appends_entry_and_bumps_version(client, monitor_token):
    response = assess(client, monitor_token, CODE, {"status": "partially_implemented", "summary": "Amended."})
    body = response.json()
    assert response.headers["etag"] == '"2"' == body["recommendation"]["etag"]
    entry = body["entry"]
    assert entry["seq"] == 2 and entry["kind"] == "assessment" and entry["perspective"] == "independent"
    assert entry["effective_on"] == datetime.now(UTC).date().isoformat()
    detail = client.get(URL).json()
    assert detail["status"] == "partially_implemented" and detail["version"] == 2
    assert detail["last_assessed_at"] is not None


def test_stale_if_match_is_412_and_changes_nothing(client, monitor_token):
    stale = _etag(client)
    first = _assess(
        client, monitor_token, {"status": "implemented", "summary": "First."}, **{"If-Match": stale}
    )
    assert first.status_code == 201
    second = _assess(
        client, monitor_token, {"status": "regressed", "summary": "Second."}, **{"If-Match": stale}
    )
    assert second.status_code == 412
    assert second.headers["content-type"] == "application/problem+json"
    assert "read it again" in second.json()["detail"].lower()
    assert second.headers["etag"] == '"2"'
    assert client.get(URL).json()["status"] == "implemented"
    assert _history_len(client) == 2


def test_backfill_keeps_todays_status_and_state_claims_are_separate(client, monitor_token):
    now = {"status": "not_implemented", "summary": "Now.", "effective_on": "2024-05-01"}
    assess(client, monitor_token, CODE, now)
    earlier = {"status": "implemented", "summary": "Earlier.", "effective_on": "2019-01-01"}
    assess(client, monitor_token, CODE, earlier)
    assert client.get(URL).json()["status"] == "not_implemented"
    claim = {"status": "implemented", "perspective": "state", "summary": "National report says so."}
    assess(client, monitor_token, CODE, claim)
    detail = client.get(URL).json()
    assert detail["status"] == "not_implemented" and detail["claimed_status"] == "implemented"
    un = {"status": "regressed", "perspective": "un", "summary": "Treaty body concern."}
    assess(client, monitor_token, CODE, un)
    detail = client.get(URL).json()
    assert (detail["status"], detail["claimed_status"], detail["version"]) == (
        "not_implemented",
        "implemented",
        5,
    )


def test_same_day_assessments_order_by_seq(client, monitor_token):
    for status in ("implemented", "regressed"):
        body = {"status": status, "summary": status, "effective_on": "2023-03-03"}
        assess(client, monitor_token, CODE, body)
    assert client.get(URL).json()["status"] == "regressed"


def test_idempotency_key_replays_and_writes_nothing(client, monitor_token):
    etag = _etag(client)
    headers = {"If-Match": etag, "Idempotency-Key": "retry-1"}
    body = {"status": "implemented", "summary": "Synthetic retry."}
    first = _assess(client, monitor_token, body, **headers)
    retry = _assess(client, monitor_token, body, **headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["etag"] == first.headers["etag"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert _history_len(client) == 2
    other = _assess(client, monitor_token, body | {"summary": "Another text."}, **headers)
    assert other.status_code == 422
    assert _history_len(client) == 2


def test_idempotency_keys_are_scoped_to_the_monitor(client, monitor_token, admin_token):
    body = {"status": "implemented", "summary": "Scoped."}
    assess(client, monitor_token, CODE, body, headers={"Idempotency-Key": "k"})
    # Another monitor using the same key is a different request altogether.
    assess(client, admin_token, CODE, body, headers={"Idempotency-Key": "k"})
    assert _history_len(client) == 3


def test_expired_idempotency_records_are_forgotten(client, monitor_token, database):
    body = {"status": "implemented", "summary": "Retried after two days."}
    first = assess(client, monitor_token, CODE, body, headers={"Idempotency-Key": "old"})
    assess(client, monitor_token, CODE, body | {"summary": "Another."}, headers={"Idempotency-Key": "other"})
    engine = build_engine(database.url)
    records = IdempotencyRecord.__table__
    expired = datetime.now(UTC) - RETENTION - timedelta(minutes=1)
    with Session(write_engine(engine)) as session:
        session.execute(update(records).values(created_at=expired))
        # The next record's id is a multiple of FORGET_EVERY: that write forgets what has expired.
        if database.backend == "postgresql":
            session.execute(
                text("SELECT setval(pg_get_serial_sequence('idempotency_records', 'id'), :last)"),
                {"last": FORGET_EVERY - 1},
            )
        else:
            session.execute(update(records).where(records.c.key == "other").values(id=FORGET_EVERY - 1))
        session.commit()
    # Past the retention the key is new again: the same request writes a second time, and as its record is
    # the FORGET_EVERY-th, the other expired record goes too.
    again = assess(client, monitor_token, CODE, body, headers={"Idempotency-Key": "old"})
    assert again.json()["entry"]["id"] != first.json()["entry"]["id"]
    assert "idempotent-replayed" not in again.headers
    with Session(engine) as session:
        assert session.execute(select(records.c.id, records.c.key)).all() == [(FORGET_EVERY, "old")]
    engine.dispose()


def test_cited_evidence_must_be_linked(client, monitor_token):
    linked = client.get(URL).json()["evidence"][0]["id"]
    cites = {"status": "implemented", "summary": "Cites.", "evidence_ids": [linked, linked]}
    ok = assess(client, monitor_token, CODE, cites)
    assert ok.json()["entry"]["payload"]["evidence_ids"] == [linked]
    cites_unknown = {"status": "implemented", "summary": "x", "evidence_ids": [999999]}
    unknown = assess(client, monitor_token, CODE, cites_unknown, expect=422)
    assert unknown.json()["unknown_evidence_ids"] == [999999]
    assert client.get(URL).json()["version"] == 2


TOMORROW_EVERYWHERE = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "body",
    [
        {"status": "done", "summary": "x"},
        {"status": "not_assessed", "summary": "x"},
        {"status": "implemented", "perspective": "ngo", "summary": "x"},
        {"status": "implemented", "summary": ""},
        {"status": "implemented", "summary": "   "},
        {"status": "implemented", "summary": "x" * 10_001},
        {"status": "implemented", "summary": "x", "effective_on": TOMORROW_EVERYWHERE},
        {"status": "implemented", "summary": "x", "effective_on": "2019-02-30"},
        {"status": "implemented", "summary": "x", "recorded_by": 1},
        {"status": "implemented"},
        {"status": "implemented", "summary": "x", "evidence_ids": [-1]},
        ["not", "an", "object"],
    ],
)
def test_bad_input_is_422_problem_and_changes_nothing(shared_client, shared_monitor_token, body):
    response = assess(shared_client, shared_monitor_token, CODE, body, expect=422)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]
    assert _history_len(shared_client) == 1 and shared_client.get(URL).json()["version"] == 1


def test_summary_at_the_limit_is_accepted(client, monitor_token):
    body = {"status": "implemented", "summary": "я" * 10_000, "effective_on": date(2015, 6, 19).isoformat()}
    assess(client, monitor_token, CODE, body)  # asserts the 201


@pytest.mark.sqlite_only
def test_malformed_json_and_oversized_bodies(shared_client, shared_monitor_token):
    headers = bearer(shared_monitor_token) | {
        "If-Match": _etag(shared_client),
        "Content-Type": "application/json",
    }
    malformed = shared_client.post(
        f"{URL}/assessments", content=b'{"status": "implemented",', headers=headers
    )
    assert malformed.status_code in (400, 422)
    assert malformed.headers["content-type"] == "application/problem+json"
    huge = shared_client.post(f"{URL}/assessments", content=b" " * (1024 * 1024 + 1), headers=headers)
    assert huge.status_code == 413 and huge.headers["content-type"] == "application/problem+json"

    def chunks():
        for _ in range(20):
            yield b" " * 65536

    streamed = shared_client.post(f"{URL}/assessments", content=chunks(), headers=headers)
    assert streamed.status_code == 413
    assert _history_len(shared_client) == 1


def test_unknown_recommendation_is_404(shared_client, shared_monitor_token):
    response = shared_client.post(
        "/api/v1/recommendations/odf-kz-2015-9.9/assessments",
        json={"status": "implemented", "summary": "x"},
        headers=bearer(shared_monitor_token) | {"If-Match": '"1"'},
    )
    assert response.status_code == 404


def test_nul_in_a_summary_is_refused(shared_client, shared_monitor_token):
    body = {"status": "implemented", "summary": "before\u0000after"}
    assess(shared_client, shared_monitor_token, CODE, body, expect=422)
    assert _history_len(shared_client) == 1
