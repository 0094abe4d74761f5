"""Corrections: one new entry supersedes an assessment or an evidence link; what counts follows, over time."""

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col

from app.db import build_engine
from app.models import HistoryEntry
from app.scorecards.lookups import latest_query
from app.scorecards.params import PointInTimeParams
from app.scorecards.point import point_of
from tests.support import assess, bearer, link, make_token, tamper

CODE = "odf-kz-2015-3.1"
URL = f"/api/v1/recommendations/{CODE}"


def _etag(client) -> str:
    return client.get(URL).headers["etag"]


def _correct(client, token, seq, body, *, expect=201, headers=None, etag=None):
    response = client.post(
        f"{URL}/entries/{seq}/corrections",
        json=body,
        headers=bearer(token) | {"If-Match": etag or _etag(client)} | (headers or {}),
    )
    assert response.status_code == expect, response.text
    return response


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _matrix_status(client, **params) -> str:
    body = client.get("/api/v1/reports/matrix.json", params={"source": "odf-kz-2015", **params}).json()
    return {row["code"]: row for row in body["rows"]}[CODE]["independent_status"]


def _implemented(client, **params) -> int:
    card = client.get("/api/v1/scorecard", params={"section": 3, **params}).json()
    return card["totals"]["by_status"]["implemented"]


def _verify(client, admin_token) -> dict:
    response = client.get("/api/v1/history/verify", headers=bearer(admin_token))
    assert response.status_code == 200, response.text
    return response.json()


def test_a_corrected_assessment_counts_from_the_correction_on(client, monitor_token, admin_token):
    implemented_before = _implemented(client)
    wrong = assess(
        client,
        monitor_token,
        CODE,
        {"status": "implemented", "effective_on": "2024-01-10", "summary": "The law was adopted."},
    ).json()["entry"]
    assert client.get(URL).json()["status"] == "implemented"
    known_before = _now()
    assert _implemented(client) == implemented_before + 1

    corrected = _correct(
        client,
        monitor_token,
        wrong["seq"],
        {"reason": "The law was only drafted, not adopted.", "status": "not_implemented"},
    ).json()
    entry = corrected["entry"]
    assert entry["kind"] == "correction" and entry["seq"] == wrong["seq"] + 1
    assert entry["status"] == "not_implemented" and entry["perspective"] == "independent"
    assert entry["effective_on"] == "2024-01-10"  # kept from the corrected entry
    assert entry["supersedes_entry"] == wrong["id"]
    assert entry["payload"]["supersedes"] == {
        "id": wrong["id"],
        "seq": wrong["seq"],
        "hash": wrong["hash"],
        "kind": "assessment",
    }
    assert entry["payload"]["summary"] == "The law was adopted."
    assert entry["payload"]["reason"] == "The law was only drafted, not adopted."
    assert corrected["recommendation"]["status"] == "not_implemented"
    detail = client.get(URL).json()
    assert detail["status"] == "not_implemented" and detail["last_assessed_at"] == entry["recorded_at"]

    # The superseded entry is never modified; it names the correction that replaced it.
    history = client.get(f"{URL}/history").json()["items"]
    old = next(item for item in history if item["id"] == wrong["id"])
    assert old["hash"] == wrong["hash"] and old["payload"] == wrong["payload"]
    assert old["corrected_by_entry"] == entry["id"]
    assert history[-1]["recorded_by"].startswith("Monitor ")  # the public sees aliases only

    # Now, and as of a date after the effective date: the correction counts.
    assert _implemented(client) == implemented_before
    assert _matrix_status(client) == "not_implemented"
    assert _matrix_status(client, as_of="2024-06-30") == "not_implemented"
    assert _implemented(client, as_of="2024-06-30", known_at=_now()) == _implemented(
        client, as_of="2024-06-30"
    )
    # Known before the correction: the published scorecard stays reproducible.
    assert _matrix_status(client, known_at=known_before) == "implemented"
    assert _implemented(client, known_at=known_before) == implemented_before + 1
    changes = client.get(
        "/api/v1/scorecard/changes", params={"since": "2024-01-01", "until": "2024-12-31", "section": 3}
    ).json()
    change = next(item for item in changes["changes"] if item["code"] == CODE)
    assert change["after"] == "not_implemented"
    assert [item["id"] for item in change["entries"]] == [entry["id"]]

    assert _verify(client, admin_token)["ok"] is True

    # The correction itself cannot be corrected, nor the corrected entry again, nor the genesis.
    _correct(client, monitor_token, entry["seq"], {"reason": "Again."}, expect=422)
    again = _correct(client, monitor_token, wrong["seq"], {"reason": "Again."}, expect=409).json()
    assert again["corrected_by"] == entry["seq"]
    _correct(client, monitor_token, 1, {"reason": "The text."}, expect=422)
    _correct(client, monitor_token, 9999, {"reason": "No such entry."}, expect=404)
    assert client.get(URL).json()["status"] == "not_implemented"


def test_a_correction_without_values_withdraws_the_assessment_from_counting(
    client, monitor_token, admin_token
):
    first = assess(
        client,
        monitor_token,
        CODE,
        {"status": "partially_implemented", "effective_on": "2023-05-01", "summary": "A"},
    ).json()["entry"]
    second = assess(
        client,
        monitor_token,
        CODE,
        {"status": "regressed", "effective_on": "2024-05-01", "summary": "Wrong item."},
    ).json()["entry"]
    assert client.get(URL).json()["status"] == "regressed"
    corrected = _correct(
        client, monitor_token, second["seq"], {"reason": "Recorded on the wrong code."}
    ).json()
    assert corrected["entry"]["status"] is None and corrected["entry"]["perspective"] is None
    detail = client.get(URL).json()
    assert detail["status"] == "partially_implemented"
    assert detail["last_assessed_at"] == first["recorded_at"]
    assert _matrix_status(client) == "partially_implemented"
    assert _matrix_status(client, as_of="2024-12-31") == "partially_implemented"
    # A later assessment effective before the superseded one's date still becomes the status.
    assess(
        client, monitor_token, CODE, {"status": "implemented", "effective_on": "2024-01-01", "summary": "B"}
    )
    assert client.get(URL).json()["status"] == "implemented"
    assert _verify(client, admin_token)["ok"] is True


def test_who_may_correct_and_the_preconditions(client, database, monitor_token, admin_token):
    wrong = assess(client, monitor_token, CODE, {"status": "implemented", "summary": "Mine."}).json()["entry"]
    other = make_token(database.url, "monitor", "Another Monitor")
    body = {"reason": "Not yours.", "status": "regressed"}
    _correct(client, other, wrong["seq"], body, expect=403)
    viewer = make_token(database.url, "viewer", "A Viewer")
    _correct(client, viewer, wrong["seq"], body, expect=403)
    _correct(client, monitor_token, wrong["seq"], body, etag='"1"', expect=412)
    missing = client.post(
        f"{URL}/entries/{wrong['seq']}/corrections", json=body, headers=bearer(monitor_token)
    )
    assert missing.status_code == 428
    for bad in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "x", "relation": "progress"}):
        response = _correct(client, monitor_token, wrong["seq"], bad, expect=422)
        assert response.headers["content-type"].startswith("application/problem+json")
    # An admin may correct anyone's entry; an idempotent retry replays the first response.
    key = {"Idempotency-Key": "correct-once"}
    etag = _etag(client)
    first = _correct(client, admin_token, wrong["seq"], body, headers=key, etag=etag)
    replay = _correct(client, admin_token, wrong["seq"], body, headers=key, etag=etag)
    assert replay.json() == first.json()
    assert client.get(URL).json()["version"] == first.json()["recommendation"]["version"]


def test_a_corrected_evidence_link_is_replaced(client, monitor_token, admin_token):
    item = {
        "url": "https://example.org/corrections/decree",
        "title": "Decree 12",
        "kind": "news",
        "relation": "progress",
        "note": "Cites the decree.",
    }
    linked = link(client, monitor_token, CODE, item).json()
    evidence_id = linked["evidence"]["id"]
    with_progress = _now()
    corrected = _correct(
        client,
        monitor_token,
        linked["entry"]["seq"],
        {"reason": "It is context only.", "relation": "context"},
    ).json()
    payload = corrected["entry"]["payload"]
    assert payload["evidence_id"] == evidence_id and payload["relation"] == "context"
    assert payload["note"] == "Cites the decree." and payload["supersedes"]["kind"] == "evidence_linked"
    links = {item["id"]: item for item in client.get(URL).json()["evidence"]}
    assert links[evidence_id]["relation"] == "context"
    card = client.get("/api/v1/scorecard", params={"section": 3}).json()
    then = client.get("/api/v1/scorecard", params={"section": 3, "known_at": with_progress}).json()
    assert then["totals"]["evidence_coverage"] > card["totals"]["evidence_coverage"]
    assert _verify(client, admin_token)["ok"] is True

    # Without values the link simply ends; a link that has ended cannot be corrected.
    other = link(client, monitor_token, CODE, item | {"url": "https://example.org/corrections/other"}).json()
    _correct(client, monitor_token, other["entry"]["seq"], {"reason": "Wrong recommendation."})
    ids = {item["id"] for item in client.get(URL).json()["evidence"]}
    assert other["evidence"]["id"] not in ids and evidence_id in ids
    _correct(client, monitor_token, linked["entry"]["seq"], {"reason": "x"}, expect=409)
    _correct(
        client, monitor_token, other["entry"]["seq"], {"reason": "x", "status": "implemented"}, expect=409
    )
    assert _verify(client, admin_token)["ok"] is True


def test_verify_follows_corrections_and_notices_tampering(client, database, monitor_token, admin_token):
    wrong = assess(client, monitor_token, CODE, {"status": "implemented", "summary": "Adopted."}).json()[
        "entry"
    ]
    corrected = _correct(
        client, monitor_token, wrong["seq"], {"reason": "Drafted only.", "status": "not_implemented"}
    )
    correction_id = corrected.json()["entry"]["id"]
    assert _verify(client, admin_token)["ok"] is True
    # The status put back to what the superseded entry said: the state check sees it.
    tamper(database.url, "UPDATE recommendations SET status = 'implemented' WHERE code = :code", code=CODE)
    report = _verify(client, admin_token)
    assert report["ok"] is False and set(report["state"]["first_discrepancies"]) == {"status"}
    tamper(
        database.url, "UPDATE recommendations SET status = 'not_implemented' WHERE code = :code", code=CODE
    )
    assert _verify(client, admin_token)["ok"] is True
    # The correction pointed at another entry: its committed payload names the one it superseded.
    earlier = client.get(f"{URL}/history").json()["items"][wrong["seq"] - 2]["id"]
    tamper(
        database.url,
        "UPDATE history_entries SET supersedes_entry_id = :other WHERE id = :id",
        other=earlier,
        id=correction_id,
    )
    report = _verify(client, admin_token)
    assert report["ok"] is False
    assert "does not name the entry it supersedes" in report["first_broken"]["reason"]


@pytest.mark.sqlite_only
def test_lookups_add_the_condition_only_once_a_correction_exists(client, database, monitor_token):
    engine = build_engine(database.url)
    params = PointInTimeParams(as_of="2024-01-01")
    with Session(engine) as session:
        point = point_of(params, session)
        assert point.corrections is False and "supersedes_entry_id" not in str(
            latest_query("independent", point, col(HistoryEntry.status))
        )
        assert point_of(params).corrections is True  # without a session: the safe answer
    wrong = assess(client, monitor_token, CODE, {"status": "implemented", "summary": "x"}).json()["entry"]
    _correct(client, monitor_token, wrong["seq"], {"reason": "y"})
    with Session(engine) as session:
        point = point_of(params, session)
        assert point.corrections is True
        assert "supersedes_entry_id" in str(latest_query("independent", point, col(HistoryEntry.status)))
    engine.dispose()


def _page_form(client, code=CODE) -> dict[str, str]:
    page = client.get(f"/recommendations/{code}").text
    field = {
        name: re.search(rf'name="{name}" value="([^"]*)"', page).group(1)
        for name in ("csrf_token", "version", "seen")
    }
    return field


def _sign_in(client, token) -> None:
    form = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"csrf_token": csrf, "token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text


@pytest.mark.sqlite_only
def test_the_correct_form_on_the_history(client, database, monitor_token):
    wrong = assess(
        client, monitor_token, CODE, {"status": "implemented", "summary": "Adopted in May."}
    ).json()["entry"]
    action = f"/recommendations/{CODE}/entries/{wrong['seq']}/corrections"
    public = client.get(f"/recommendations/{CODE}").text
    assert action not in public  # no form for readers who are not signed in

    other = TestClient(client.app)  # a second browser: its own cookies
    _sign_in(other, make_token(database.url, "monitor", "Someone Else"))
    assert action not in other.get(f"/recommendations/{CODE}").text  # nor for another monitor
    fields = _page_form(other) | {"reason": "Not mine.", "action": "withdraw"}
    refused = other.post(action, data=fields)
    assert refused.status_code == 403 and "Only the monitor who recorded an entry" in refused.text

    _sign_in(client, monitor_token)
    page = client.get(f"/recommendations/{CODE}").text
    assert action in page and "Correct this entry" in page
    # Without the CSRF token nothing is saved.
    forged = _page_form(client) | {"csrf_token": "x" * 43, "reason": "r", "action": "withdraw"}
    assert client.post(action, data=forged).status_code == 403
    # The reason is required: the page comes back with the form open and the values kept.
    missing = client.post(action, data=_page_form(client) | {"status": "regressed", "summary": "Kept text"})
    assert (
        missing.status_code == 422
        and "Kept text" in missing.text
        and "This field is required." in missing.text
    )
    saved = client.post(
        action,
        data=_page_form(client)
        | {
            "action": "replace",
            "status": "not_implemented",
            "summary": "Drafted in May.",
            "reason": "Not adopted.",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    page = client.get(saved.headers["location"]).text
    assert "Your correction was recorded." in page
    assert "<del" in page and "Corrected by entry #" in page and "no longer counts" in page
    assert "Reason: Not adopted." in page
    detail = client.get(f"/api/v1/recommendations/{CODE}").json()
    assert detail["status"] == "not_implemented"
    history = client.get(f"/api/v1/recommendations/{CODE}/history").json()["items"]
    assert history[-1]["payload"]["summary"] == "Drafted in May."
    # The corrected entry offers no second correction; a stale form is refused without a write.
    assert action not in client.get(f"/recommendations/{CODE}").text
    stale = client.post(
        action, data=_page_form(client) | {"version": "1", "reason": "Again", "action": "withdraw"}
    )
    assert stale.status_code == 409
    assert client.get(f"/api/v1/recommendations/{CODE}").json()["version"] == detail["version"]
