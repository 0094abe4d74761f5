"""Verification covers what the public sees: each tampering an attacker with write access to the database
could do with SQL, leaving every hash intact, is reported with the recommendation's code and what changed."""

import json
import sqlite3
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from app.config import Settings
from app.history import state_chain
from app.main import create_app
from app.recommendations import write_protocol
from tests.support import assess, bearer, copy_database, link, make_token, run_cli, tamper

A, B, C = "odf-kz-2015-2.1", "odf-kz-2015-3.1", "odf-kz-2015-7.10"
MONITOR = "Aigerim Monitor"
ARTICLE = "https://news.example.org/law-adopted"
RESTRICTED = "https://files.example.org/lawyer-report"
OLD = "https://news.example.org/old-draft"


@pytest.fixture(scope="module")
def scripted(backend, seeded_template, postgres_server, tmp_path_factory, run_id) -> Iterator[dict]:
    """The seeded database with the history below, recorded once per backend; every test gets a copy."""
    name = f"rectrack_{run_id}_verify_state"
    url = copy_database(seeded_template, tmp_path_factory.mktemp("verify_state"), name, postgres_server)
    with TestClient(create_app(Settings(database_url=url, _env_file=None))) as client:
        evidence = _script(client, make_token(url, "monitor", MONITOR))
    yield {"url": url, **evidence}
    if backend == "postgresql":
        postgres_server.drop(url)


@pytest.fixture(scope="module")
def database_template(scripted) -> str:
    """Every test's own `database` starts from the scripted history."""
    return scripted["url"]


def _script(client, token) -> dict[str, int]:
    """Assessments of both perspectives (one backfilled), a public and a restricted item, a restricted link to
    the public item, and an unlinked one; returns the evidence ids."""
    for status, perspective, effective_on in (
        ("partially_implemented", "independent", "2024-02-01"),
        ("implemented", "state", "2024-01-10"),
        ("regressed", "independent", "2023-05-01"),  # backfilled: the status stays partially_implemented
    ):
        body = {
            "status": status,
            "perspective": perspective,
            "effective_on": effective_on,
            "summary": "Seen.",
        }
        assess(client, token, A, body)

    def add(code, url, title, relation, **extra):
        body = {"url": url, "title": title, "kind": "news", "relation": relation, **extra}
        return link(client, token, code, body).json()["evidence"]["id"]

    article = add(A, ARTICLE, "Law adopted", "progress", note="Article 5 amended", published_on="2024-05-30")
    restricted = add(
        A, RESTRICTED, "Lawyer's report", "context", visibility="restricted", note="From counsel"
    )
    add(B, ARTICLE, "Law adopted", "context", visibility="restricted", note="Names an informant")
    old = add(A, OLD, "Old draft", "context")
    etag = client.get(f"/api/v1/recommendations/{A}").headers["etag"]
    unlinked = client.delete(
        f"/api/v1/recommendations/{A}/evidence/{old}",
        params={"reason": "Superseded by the adopted law."},
        headers=bearer(token) | {"If-Match": etag},
    )
    assert unlinked.status_code == 200, unlinked.text
    return {"article": article, "restricted": restricted, "old": old}


def _tamper(database, *statements: str, **params) -> None:
    """Each statement as the database's owner could run it (tests.support.tamper: triggers off)."""
    for statement in statements:
        tamper(database.url, statement, **params)


def _verify(client, admin_token) -> dict:
    response = client.get("/api/v1/history/verify", headers=bearer(admin_token))
    assert response.status_code == 200, response.text
    return response.json()


REC = "(SELECT id FROM recommendations WHERE code = :code)"
LINK = f"recommendation_id = {REC} AND evidence_id = :evidence"
# Each tampering: SQL, its parameters (evidence named by its role in the script), and what verify must
# report: the check, the recommendation's code, and the column that differs.
TAMPERINGS = {
    "text": (["UPDATE recommendations SET text = 'Rewritten.' WHERE code = :code"], {"code": A}, A, "text"),
    "status": (
        ["UPDATE recommendations SET status = 'implemented' WHERE code = :code"],
        {"code": A},
        A,
        "status",
    ),
    "claimed_status": (
        ["UPDATE recommendations SET claimed_status = 'not_implemented' WHERE code = :code"],
        {"code": A},
        A,
        "claimed_status",
    ),
    "version_bumped": (
        ["UPDATE recommendations SET version = version + 1 WHERE code = :code"],
        {"code": A},
        A,
        "version",
    ),
    "version_lowered": (
        ["UPDATE recommendations SET version = version - 1 WHERE code = :code"],
        {"code": A},
        A,
        "version",
    ),
    "last_assessed_at": (
        ["UPDATE recommendations SET last_assessed_at = NULL WHERE code = :code"],
        {"code": A},
        A,
        "last_assessed_at",
    ),
    "evidence_url": (
        ["UPDATE evidence SET url = 'https://elsewhere.example.org/' WHERE id = :evidence"],
        {"evidence": "article"},
        A,
        "url",
    ),
    "evidence_title": (
        ["UPDATE evidence SET title = 'Law repealed' WHERE id = :evidence"],
        {"evidence": "article"},
        A,
        "title",
    ),
    "evidence_visibility": (
        ["UPDATE evidence SET visibility = 'public' WHERE id = :evidence"],
        {"evidence": "restricted"},
        A,
        "visibility",
    ),
    "link_visibility": (
        [f"UPDATE recommendation_evidence SET visibility = 'public' WHERE {LINK}"],
        {"code": B, "evidence": "article"},
        B,
        "visibility",
    ),
    "link_note": (
        [f"UPDATE recommendation_evidence SET note = 'Edited.' WHERE {LINK}"],
        {"code": A, "evidence": "article"},
        A,
        "note",
    ),
    "link_published_on": (
        [f"UPDATE recommendation_evidence SET evidence_published_on = '2020-01-01' WHERE {LINK}"],
        {"code": A, "evidence": "article"},
        A,
        "evidence_published_on",
    ),
    "active_link_deleted": (
        [f"DELETE FROM recommendation_evidence WHERE {LINK}"],
        {"code": A, "evidence": "article"},
        A,
        "recommendation_evidence",
    ),
    "unlinked_link_reactivated": (
        [
            "UPDATE recommendation_evidence SET unlinked_at = NULL, unlinked_by = NULL, unlink_reason = NULL "
            f"WHERE {LINK}"
        ],
        {"code": A, "evidence": "old"},
        A,
        "unlinked_at",
    ),
    "recommendation_deleted": (
        [
            f"DELETE FROM log_leaves WHERE entry_id IN (SELECT id FROM history_entries "
            f"WHERE recommendation_id = {REC})",
            f"DELETE FROM status_periods WHERE recommendation_id = {REC}",
            f"DELETE FROM status_pairs WHERE recommendation_id = {REC}",
            f"DELETE FROM history_entries WHERE recommendation_id = {REC}",
            f"DELETE FROM recommendation_evidence WHERE recommendation_id = {REC}",
            f"DELETE FROM recommendation_categories WHERE recommendation_id = {REC}",
            "DELETE FROM recommendations WHERE code = :code",
        ],
        {"code": C},
        C,
        "recommendations in section 7",
    ),
    "payload_unreadable": (
        [
            "UPDATE history_entries SET payload = '{\"evidence\": 7}' "
            f"WHERE seq = 1 AND recommendation_id = {REC}"
        ],
        {"code": A},
        A,
        "history_entries.payload",
    ),
    "alias_swapped": (
        ["UPDATE monitors SET alias = name WHERE name = :name"],
        {"name": MONITOR},
        None,
        "alias",
    ),
    "section_title": (
        ["UPDATE sections SET title = 'Another section' WHERE number = 3"],
        {},
        B,
        "sections.title",
    ),
    "category_label": (
        ["UPDATE categories SET label = 'Someone else' WHERE kind = 'addressee' AND slug = 'kazakhstan'"],
        {},
        A,
        "categories",
    ),
    "source_publisher": (["UPDATE sources SET publisher = 'Someone else'"], {}, A, "sources.publisher"),
    # The periods as-of scorecards read: a status rewritten, a period stretched, one made known earlier.
    "period_status": (
        [f"UPDATE status_periods SET status = 'implemented' WHERE recommendation_id = {REC}"],
        {"code": A},
        A,
        "status_periods",
    ),
    "period_until": (
        [
            f"UPDATE status_periods SET until_on = NULL WHERE recommendation_id = {REC} "
            "AND until_on IS NOT NULL"
        ],
        {"code": A},
        A,
        "status_periods",
    ),
    "period_deleted": (
        [f"DELETE FROM status_periods WHERE recommendation_id = {REC} AND until_on IS NOT NULL"],
        {"code": A},
        A,
        "status_periods",
    ),
    # The pairs as-of scorecards read: a claim rewritten, a stretch dropped.
    "pair_status": (
        [f"UPDATE status_pairs SET state_status = 'implemented' WHERE recommendation_id = {REC}"],
        {"code": A},
        A,
        "status_pairs",
    ),
    "pair_deleted": (
        [f"DELETE FROM status_pairs WHERE recommendation_id = {REC} AND until_on IS NOT NULL"],
        {"code": A},
        A,
        "status_pairs",
    ),
}
CHECK = {
    "version_bumped": "version",
    "version_lowered": "version",
    "evidence_url": "evidence",
    "evidence_title": "evidence",
    "evidence_visibility": "evidence",
    "link_visibility": "links",
    "link_note": "links",
    "link_published_on": "links",
    "active_link_deleted": "links",
    "unlinked_link_reactivated": "links",
    "recommendation_deleted": "chains",
    "payload_unreadable": "chains",
    "alias_swapped": "aliases",
    "section_title": "section",
    "category_label": "categories",
    "source_publisher": "source",
    "period_status": "periods",
    "period_until": "periods",
    "period_deleted": "periods",
    "pair_status": "pairs",
    "pair_deleted": "pairs",
}


def test_the_untouched_history_verifies(client, admin_token, database):
    report = _verify(client, admin_token)
    assert report["ok"] is True and report["state"]["ok"] is True, report["state"]
    state = report["state"]
    assert state["first_discrepancies"] == {} and state["unanchored"] == {}
    assert state["checked"]["recommendations"] == state["checked"]["chains"] == 43
    assert state["checked"]["evidence"] == 37 + 3 and state["checked"]["monitors"] >= 2
    result = run_cli(database.url, "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["state"]["ok"] is True


@pytest.mark.parametrize("case", list(TAMPERINGS))
def test_tampering_is_reported_with_the_code(case, client, admin_token, database, scripted):
    statements, params, code, what = TAMPERINGS[case]
    params = {key: scripted[value] if key == "evidence" else value for key, value in params.items()}
    assert _verify(client, admin_token)["ok"] is True
    _tamper(database, *statements, **params)
    report = _verify(client, admin_token)
    state = report["state"]
    check = CHECK.get(case, case)
    assert report["ok"] is False and state["ok"] is False
    assert set(state["first_discrepancies"]) == {check}, state["first_discrepancies"]
    found = state["first_discrepancies"][check]
    assert found["code"] == code and what in found["what"], found


def test_withdrawn_entries_leave_what_they_recorded_unchecked_not_broken(client, admin_token):
    """A withdrawn link (its note named an informant) or genesis entry: what it recorded is gone, so the
    link or the text is not checked, and the history still verifies."""
    for code, kind in ((B, "evidence_linked"), (C, "genesis")):
        items = client.get(f"/api/v1/recommendations/{code}/history").json()["items"]
        entry_id = next(item["id"] for item in items if item["kind"] == kind)
        etag = client.get(f"/api/v1/recommendations/{code}").headers["etag"]
        response = client.post(
            f"/api/v1/history/{entry_id}/withdrawal",
            json={"reason": "It named an informant."},
            headers=bearer(admin_token) | {"If-Match": etag},
        )
        assert response.status_code == 201, response.text
    report = _verify(client, admin_token)
    assert report["ok"] is True, report["state"]
    assert report["state"]["unanchored"]["links_of_withdrawn_entries"] > 0  # B's links
    assert report["state"]["unanchored"]["genesis_without_text"] == 1


def test_the_command_line_reports_tampering_too(database, scripted):
    _tamper(database, "UPDATE monitors SET alias = name WHERE name = :name", name=MONITOR)
    result = run_cli(database.url, "verify")
    assert result.returncode == 1
    found = json.loads(result.stdout)["state"]["first_discrepancies"]["aliases"]
    assert found["found"] == MONITOR and found["expected"].startswith("Monitor ")


@pytest.mark.sqlite_only
def test_status_rule_is_the_write_protocols():
    assert {
        key.value: value for key, value in write_protocol.STATUS_COLUMNS.items()
    } == state_chain.STATUS_COLUMNS


@pytest.mark.sqlite_only
@pytest.mark.parametrize("command", [["verify"], ["monitors", "list"]])
def test_reading_commands_leave_the_write_lock_free(command, database, monkeypatch):
    """A long verification must not hold up writes: while another connection holds SQLite's write lock,
    the reading commands still run (a write session would wait for the lock and fail)."""
    monkeypatch.setenv("RECTRACK_SQLITE_BUSY_TIMEOUT_MS", "200")
    writer = sqlite3.connect(make_url(database.url).database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        result = run_cli(database.url, *command)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.returncode == 0, result.stdout + result.stderr
