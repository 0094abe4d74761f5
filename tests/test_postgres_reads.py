"""PostgreSQL reads: hot statements kept prepared, and only those; detail and list outside transactions."""

import pytest
from sqlalchemy import event, func, select, text
from sqlmodel import Session

from app.db import build_engine
from app.history.fingerprint import data_fingerprint
from app.models import Recommendation
from app.recommendations.schemas import RecommendationFilters
from app.recommendations.service import list_recommendations, recommendation_detail
from tests.support import assess

CODE = "odf-kz-2015-2.1"


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_reads_prepare_their_statements_and_nothing_else_is_prepared(database):
    engine = build_engine(database.url)
    try:
        with Session(engine) as session:
            for _ in range(8):
                detail, _version = recommendation_detail(session, CODE, include_restricted=False)
                page, _total, cursor = list_recommendations(
                    session, RecommendationFilters(), limit=5, cursor=None
                )
                list_recommendations(session, RecommendationFilters(), limit=5, cursor=cursor)
                data_fingerprint(session)
                # Not marked: psycopg's automatic preparing (after 5 runs by default) is off.
                session.scalar(select(func.count()).select_from(Recommendation))
            assert detail["code"] == CODE and len(page) == 5
            prepared = session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
    finally:
        engine.dispose()
    starts = sorted(" ".join(statement.split())[:40] for statement in prepared)
    # The detail with its evidence (one statement), the first and a next page, their categories, the
    # fingerprint.
    assert len(prepared) == 5, starts
    assert not any("count(*)" in statement for statement in prepared), starts
    assert sum("FROM history_entries" in statement for statement in prepared) == 1, starts


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_detail_and_list_read_in_autocommit_and_writes_after_them_in_a_transaction(client, monitor_token):
    seen: list[tuple[str, bool]] = []

    def record(connection, _cursor, statement, *_args) -> None:
        seen.append((statement.split(None, 1)[0], connection.connection.dbapi_connection.autocommit))

    event.listen(client.app.state.engine, "before_cursor_execute", record)
    for path in (f"/api/v1/recommendations/{CODE}", "/api/v1/recommendations?limit=5"):
        seen.clear()
        assert client.get(path).status_code == 200
        assert seen and all(autocommit for _, autocommit in seen), seen  # no BEGIN, no COMMIT: no round trips
    # The pool hands the same connections to writes: they must be back in a transaction.
    seen.clear()
    assess(
        client, monitor_token, CODE, {"status": "implemented", "effective_on": "2024-01-01", "summary": "S."}
    )
    written = [autocommit for kind, autocommit in seen if kind in ("INSERT", "UPDATE")]
    assert written and not any(written), seen
