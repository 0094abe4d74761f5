"""Coverage since (migration 0015): links, unlinks and corrections keep the date each visibility's progress
links cover from, evidence coverage as of any date read from it equals the one looked up from the links, the
migration backfills what the writes kept, and `verify` reports a tampered date."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlmodel import Session, col

from app.config import Settings
from app.db import build_engine
from app.main import create_app
from app.migrate import migrate
from app.models import Recommendation
from app.scorecards.conditions import has_progress_evidence
from app.scorecards.point import PointInTime
from tests.support import bearer, copy_database, link, make_token, tamper

A, B, C, D = "odf-kz-2015-2.1", "odf-kz-2015-3.1", "odf-kz-2015-4.1", "odf-kz-2015-2.2"
COLUMNS = (
    "coverage_links_public",
    "coverage_public_since",
    "coverage_links_restricted",
    "coverage_restricted_since",
)
# After every link: the looked-up links then count all of them (no link is recorded after it).
LATER = datetime(2999, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def database_template(backend, seeded_template, postgres_server, tmp_path_factory, run_id) -> Iterator[str]:
    """Each test's `database` starts from the seeded one after dated links, unlinks and corrections."""
    name = f"rectrack_{run_id}_coverage_since"
    url = copy_database(seeded_template, tmp_path_factory.mktemp("since"), name, postgres_server)
    with TestClient(create_app(Settings(database_url=url, _env_file=None))) as client:
        _script(client, make_token(url, "monitor", "Aigerim Monitor"))
    yield url
    if backend == "postgresql":
        postgres_server.drop(url)


def _script(client, token) -> None:
    def linked(code, name, relation, published_on=None, **extra):
        body = {"url": f"https://news.example.org/{name}", "title": "Report", "kind": "news"}
        body |= {"relation": relation, "published_on": published_on, **extra}
        return link(client, token, code, body).json()

    def write(method, path, body=None, *, params=None):
        etag = client.get(f"/api/v1/recommendations/{path.split('/')[0]}").headers["etag"]
        headers = bearer(token) | {"If-Match": etag}
        response = client.request(
            method, f"/api/v1/recommendations/{path}", json=body, params=params, headers=headers
        )
        assert response.status_code in (200, 201), response.text

    linked(A, "a-2021", "progress", "2021-03-01")
    linked(A, "a-2020", "regression", "2020-01-15")
    linked(A, "a-restricted", "progress", "2022-05-01", visibility="restricted")
    gone = linked(A, "a-2019", "progress", "2019-01-01")["evidence"]["id"]
    write("DELETE", f"{A}/evidence/{gone}", params={"reason": "Superseded."})  # back to 2020-01-15
    linked(B, "b-undated", "progress")  # covers at any date, whatever is linked after it
    linked(B, "b-2024", "progress", "2024-01-01")
    linked(C, "c-context", "context", "2010-01-01")
    seq = linked(C, "c-2023", "progress", "2023-01-01")["entry"]["seq"]
    write("POST", f"{C}/entries/{seq}/corrections", {"reason": "Context.", "relation": "context"})
    seq = linked(D, "d-2018", "progress", "2018-01-01")["entry"]["seq"]
    write("POST", f"{D}/entries/{seq}/corrections", {"reason": "A setback.", "relation": "regression"})


def _columns(url: str) -> dict[str, tuple]:
    engine = build_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT code, {', '.join(COLUMNS)} FROM recommendations")).all()
    engine.dispose()
    return {row[0]: tuple(str(value) if value is not None else None for value in row[1:]) for row in rows}


def _covered(url: str, point: PointInTime, *, include_restricted: bool) -> dict[str, bool]:
    engine = build_engine(url)
    with Session(engine) as session:
        covered = has_progress_evidence(point, include_restricted=include_restricted)
        rows = session.execute(select(col(Recommendation.code), covered)).all()
    engine.dispose()
    return {code: bool(value) for code, value in rows}


def _verify(client, admin_token) -> dict:
    response = client.get("/api/v1/history/verify", headers=bearer(admin_token))
    assert response.status_code == 200, response.text
    return response.json()


def test_writes_keep_the_dates_and_coverage_as_of_any_date_reads_them(client, admin_token, database):
    assert _verify(client, admin_token)["ok"] is True
    found = _columns(database.url)
    assert found[A] == ("2", "2020-01-15", "1", "2022-05-01")
    assert found[B] == ("2", None, "0", None)
    assert found[C] == ("0", None, "0", None)
    assert found[D] == ("1", "2018-01-01", "0", None)
    for as_of in (date(2017, 1, 1), date(2020, 1, 14), date(2020, 1, 15), date(2022, 6, 1), None):
        for restricted in (False, True):
            from_rows = _covered(database.url, PointInTime(as_of), include_restricted=restricted)
            looked_up = _covered(database.url, PointInTime(as_of, LATER), include_restricted=restricted)
            assert from_rows == looked_up, (as_of, restricted)


def test_the_migration_backfills_what_the_writes_kept_and_verify_checks_it(
    client, admin_token, database, tmp_path: Path
):
    kept = _columns(database.url)
    backup = tmp_path / "backup.bin"
    backup.write_bytes(b"a backup taken just now")
    migrate(database.url, "0014", backup=str(backup))
    migrate(database.url, "head")
    assert _columns(database.url) == kept
    tamper(
        database.url,
        "UPDATE recommendations SET coverage_public_since = '2020-01-16' WHERE code = :code",
        code=A,
    )
    state = _verify(client, admin_token)["state"]
    found = state["first_discrepancies"]["maintained"]
    assert found["code"] == A and found["what"] == "recommendations.coverage_public_since", found
