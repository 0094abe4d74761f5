"""PostgreSQL keeps the hot reads' statements prepared, and only those (app/db.py, PREPARED)."""

import pytest
from sqlalchemy import func, select, text
from sqlmodel import Session

from app.db import build_engine
from app.history.fingerprint import data_fingerprint
from app.models import Recommendation
from app.recommendations.schemas import RecommendationFilters
from app.recommendations.service import list_recommendations, recommendation_detail

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
    # The detail, its evidence, the first and a next page, their categories, the fingerprint.
    assert len(prepared) == 6, starts
    assert not any("count(*)" in statement for statement in prepared), starts
    assert sum("FROM history_entries" in statement for statement in prepared) == 1, starts
