"""Maintained state: every write keeps the columns a current scorecard counts, the scorecard read from them
equals the one looked up from the history, `verify` reports a tampered column, and the migration backfills."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from app.config import Settings
from app.db import build_engine
from app.history import state_rules
from app.main import create_app
from app.migrate import migrate
from app.recommendations import maintained
from app.scorecards.aggregation import counts_statement, fold, per_recommendation
from app.scorecards.lookups import lookups_for
from app.scorecards.params import ScorecardParams
from app.scorecards.point import point_of
from app.scorecards.service import counted
from tests.support import assess, bearer, copy_database, link, make_token, tamper

A, B, C = "odf-kz-2015-2.1", "odf-kz-2015-3.1", "odf-kz-2015-4.1"
COLUMNS = (
    "status_effective_on",
    "claimed_effective_on",
    "coverage_links_public",
    "coverage_links_restricted",
    "claim_gap_class",
)


@pytest.fixture(scope="module")
def scripted(backend, seeded_template, postgres_server, tmp_path_factory, run_id) -> Iterator[str]:
    """The seeded database after every kind of write that changes a maintained column, once per backend."""
    name = f"rectrack_{run_id}_maintained"
    url = copy_database(seeded_template, tmp_path_factory.mktemp("maintained"), name, postgres_server)
    with TestClient(create_app(Settings(database_url=url, _env_file=None))) as client:
        _script(client, make_token(url, "monitor", "Aigerim Monitor"))
    yield url
    if backend == "postgresql":
        postgres_server.drop(url)


@pytest.fixture(scope="module")
def database_template(scripted) -> str:
    """Every test's own `database` starts from the scripted history."""
    return scripted


def _script(client, token) -> None:
    def assessed(code, status, perspective, effective_on):
        body = {
            "status": status,
            "perspective": perspective,
            "effective_on": effective_on,
            "summary": "Seen.",
        }
        return assess(client, token, code, body).json()["entry"]

    def linked(code, url, relation, **extra):
        body = {"url": url, "title": "Report", "kind": "news", "relation": relation, **extra}
        return link(client, token, code, body).json()

    def write(method, path, body=None, *, params=None):
        etag = client.get(f"/api/v1/recommendations/{path.split('/')[0]}").headers["etag"]
        response = client.request(
            method,
            f"/api/v1/recommendations/{path}",
            json=body,
            params=params,
            headers=bearer(token) | {"If-Match": etag},
        )
        assert response.status_code in (200, 201), response.text

    assessed(A, "partially_implemented", "independent", "2024-02-01")
    assessed(A, "implemented", "state", "2024-01-10")
    assessed(A, "regressed", "independent", "2023-05-01")  # backfilled: neither status nor date moves
    linked(A, "https://news.example.org/a-progress", "progress")
    linked(A, "https://files.example.org/a-regression", "regression", visibility="restricted")
    linked(A, "https://news.example.org/a-context", "context")
    gone = linked(A, "https://news.example.org/a-withdrawn", "progress")["evidence"]["id"]
    write("DELETE", f"{A}/evidence/{gone}", params={"reason": "Superseded."})
    wrong = assessed(B, "implemented", "independent", "2024-03-01")
    assessed(B, "implemented", "state", "2024-02-01")
    # A corrected assessment: status and date come from the correction, and the class follows.
    body = {"reason": "Only drafted.", "status": "not_implemented", "effective_on": "2022-06-01"}
    write("POST", f"{B}/entries/{wrong['seq']}/corrections", body)
    progress = linked(B, "https://news.example.org/b-progress", "progress")["entry"]
    # A corrected link: progress becomes context, so it no longer counts for coverage.
    write("POST", f"{B}/entries/{progress['seq']}/corrections", {"reason": "Context.", "relation": "context"})
    linked(C, "https://files.example.org/c-progress", "progress", visibility="restricted")


def _columns(url: str) -> dict[str, tuple]:
    engine = build_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT code, {', '.join(COLUMNS)} FROM recommendations")).all()
    engine.dispose()
    return {row[0]: tuple(str(value) if value is not None else None for value in row[1:]) for row in rows}


def _verify(client, admin_token) -> dict:
    response = client.get("/api/v1/history/verify", headers=bearer(admin_token))
    assert response.status_code == 200, response.text
    return response.json()


def test_writes_keep_the_columns_and_verify_agrees(client, admin_token, database):
    report = _verify(client, admin_token)
    assert report["ok"] is True, report["state"]
    assert report["state"]["checked"]["recommendations"] == 43
    found = _columns(database.url)
    assert found[A] == ("2024-02-01", "2024-01-10", "1", "1", "overclaim")
    assert found[B] == ("2022-06-01", "2024-02-01", "0", "0", "overclaim")
    assert found[C] == (None, None, "0", "1", None)
    assert found["odf-kz-2015-2.2"] == (None, None, "0", "0", None)


@pytest.mark.parametrize(
    ("group_by", "perspective", "restricted"),
    [("section", "independent", False), ("theme", "state", True), ("status", "independent", True)],
)
def test_the_current_scorecard_equals_the_one_looked_up_from_the_history(
    database, group_by, perspective, restricted
):
    engine = build_engine(database.url)
    with Session(engine) as session:
        params = ScorecardParams(group_by=group_by, perspective=perspective, stale_after_days=700)
        point = point_of(params, session)
        assert point.current
        maintained_counts = counted(session, params, point, include_restricted=restricted)
        rows = per_recommendation(lookups_for(session), params, point, include_restricted=restricted)
        cutoff = point.reference_date() - timedelta(days=params.stale_after_days)
        looked_up = fold(session.execute(counts_statement(rows, cutoff, group_by)))
    engine.dispose()
    assert maintained_counts[0] == looked_up[0]
    assert sorted(maintained_counts[1], key=repr) == sorted(looked_up[1], key=repr)
    assert maintained_counts[0]["covered"] == (2 if restricted else 1)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("status_effective_on", "'2023-05-01'"),
        ("claimed_effective_on", "NULL"),
        ("coverage_links_public", "0"),
        ("coverage_links_restricted", "2"),
        ("claim_gap_class", "'underclaim'"),
    ],
)
def test_tampering_a_maintained_column_is_reported(column, value, client, admin_token, database):
    tamper(database.url, f"UPDATE recommendations SET {column} = {value} WHERE code = :code", code=A)
    state = _verify(client, admin_token)["state"]
    assert state["ok"] is False and set(state["first_discrepancies"]) == {"maintained"}, state
    found = state["first_discrepancies"]["maintained"]
    assert found["code"] == A and found["what"] == f"recommendations.{column}", found


def test_the_migration_backfills_what_the_writes_kept(database, tmp_path: Path):
    kept = _columns(database.url)
    backup = tmp_path / "backup.bin"
    backup.write_bytes(b"a backup taken just now")
    migrate(database.url, "0010", backup=str(backup))
    migrate(database.url, "head")
    assert _columns(database.url) == kept


@pytest.mark.sqlite_only
def test_verify_restates_the_maintained_columns():
    assert {key.value: value for key, value in maintained.EFFECTIVE_ON_COLUMNS.items()} == (
        state_rules.EFFECTIVE_ON_COLUMNS
    )
    assert maintained.COVERAGE_COLUMNS == state_rules.COVERAGE_COLUMNS
    assert maintained.COVERAGE_RELATIONS == state_rules.COVERAGE_RELATIONS
