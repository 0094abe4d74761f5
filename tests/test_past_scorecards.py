"""Scorecards as known at a settled past time are kept: a restarted app serves them without computing."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from app.db import build_engine
from app.history.periods import fill
from app.main import create_app
from app.models import PastScorecard
from app.scorecards import service
from tests.support import assess, tamper

SCORECARD = "/api/v1/scorecard"
CODE = "odf-kz-2015-2.1"


def _kept(url: str) -> int:
    engine = build_engine(url)
    with Session(engine) as session:
        count = session.scalar(select(func.count()).select_from(PastScorecard)) or 0
    engine.dispose()
    return count


def _backdate(url: str, at: datetime) -> None:
    # What the history would hold had it been recorded ten days ago.
    value = at.strftime("%Y-%m-%d %H:%M:%S.%f") if url.startswith("sqlite") else at
    tamper(url, "UPDATE history_entries SET recorded_at = :at", at=value)
    tamper(url, "UPDATE recommendations SET created_at = :at", at=value)
    engine = build_engine(url)
    with engine.begin() as connection:
        fill(connection)  # and the status periods as that history gives them
    engine.dispose()


def test_a_settled_past_scorecard_is_kept_and_served_after_a_restart(
    client, settings, database, monitor_token, monkeypatch
):
    body = {"status": "implemented", "perspective": "state", "effective_on": "2024-01-10", "summary": "Done."}
    assess(client, monitor_token, CODE, body)
    body |= {"status": "not_implemented", "perspective": "independent", "summary": "Nothing changed."}
    assess(client, monitor_token, CODE, body)
    now = datetime.now(UTC)
    _backdate(database.url, now - timedelta(days=10))
    params = {"known_at": (now - timedelta(days=5)).isoformat(), "group_by": "theme"}

    first = client.get(SCORECARD, params=params)
    assert first.status_code == 200, first.text
    assert first.json()["claim_gaps"][0]["independent"]["summary"] == "Nothing changed."
    assert _kept(database.url) == 1
    # Known at a time that has not settled (or at no time): computed, never kept.
    assert client.get(SCORECARD, params={"known_at": now.isoformat()}).status_code == 200
    assert _kept(database.url) == 1

    # A later write (recorded after known_at) leaves the answer as it was; the restarted app never computes.
    assess(client, monitor_token, CODE, body | {"status": "implemented", "summary": "Repealed."})

    def computing(*args, **kwargs):
        raise AssertionError("a kept scorecard was computed again")

    monkeypatch.setattr(service, "compute_scorecard", computing)
    with TestClient(create_app(settings)) as restarted:
        again = restarted.get(SCORECARD, params=params)
    assert again.status_code == 200
    assert again.content == first.content
