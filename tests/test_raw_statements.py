"""Hot reads on raw connections: the same answers as through a session, and every connection given back."""

import psycopg
import pytest
from pydantic_core import to_json
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from app.history.fingerprint import data_fingerprint
from app.models import Recommendation
from app.raw_statements import RawStatements, fetch
from app.recommendations.schemas import RecommendationFilters
from app.recommendations.service import list_recommendations, recommendation_detail

CODE = "odf-kz-2015-2.1"
DETAIL = f"/api/v1/recommendations/{CODE}"
LIST = "/api/v1/recommendations"


def test_raw_reads_answer_as_the_session_does(shared_client):
    engine = shared_client.app.state.engine
    statements: RawStatements = shared_client.app.state.raw_statements
    with Session(engine) as session, statements.connect() as raw:
        codes = session.scalars(select(Recommendation.code).order_by(Recommendation.id)).all()
        for restricted in (False, True):
            for language in (None, "en", "ru", "kk"):
                for code in codes:
                    # As JSON: a timestamp in another zone would compare equal as a datetime.
                    assert to_json(
                        recommendation_detail(raw, code, include_restricted=restricted, language=language)
                    ) == to_json(
                        recommendation_detail(session, code, include_restricted=restricted, language=language)
                    ), code
        for filters in (RecommendationFilters(), RecommendationFilters(section=4, status="not_assessed")):
            cursor = None
            while True:
                page = list_recommendations(raw, filters, limit=7, cursor=cursor, language="ru")
                assert to_json(page) == to_json(
                    list_recommendations(session, filters, limit=7, cursor=cursor, language="ru")
                )
                cursor = page[2]
                if cursor is None:
                    break
        assert data_fingerprint(raw) == data_fingerprint(session)


def test_reads_give_their_connection_back_on_every_path(shared_client):
    pool = shared_client.app.state.engine.pool
    etag = shared_client.get(DETAIL).headers["etag"]
    start = pool.checkedout()
    for path, headers, status in (
        (DETAIL, {}, 200),
        (f"{DETAIL}?lang=ru", {}, 200),
        (DETAIL, {"If-None-Match": etag}, 304),
        ("/api/v1/recommendations/odf-kz-2015-99.99", {}, 404),
        (LIST, {}, 200),
        (f"{LIST}?section=4&theme=freedom-of-expression&lang=kk", {}, 200),
        (f"{LIST}?cursor=not-a-cursor", {}, 400),
        (f"{LIST}?cursor=OTk5OTk5OTk5OTkuMS4x", {}, 400),
    ):
        assert shared_client.get(path, headers=headers).status_code == status, path
        assert pool.checkedout() == start, path


def test_a_failed_statement_gives_its_connection_back_as_it_came(shared_client):
    engine = shared_client.app.state.engine
    statements: RawStatements = shared_client.app.state.raw_statements
    start = engine.pool.checkedout()
    with pytest.raises(DBAPIError), statements.connect() as raw:  # SQLAlchemy's error: the app answers it
        driver = raw.connection.driver_connection
        fetch(raw, text("SELECT no_such_column FROM recommendations"))
    assert engine.pool.checkedout() == start
    if engine.dialect.name == "postgresql":  # the pool's next user (a write, say) gets a transaction
        assert driver.autocommit is False
        assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    else:
        assert not driver.in_transaction
    with statements.connect() as raw:
        assert fetch(raw, text("SELECT 2"))[0][0] == 2
