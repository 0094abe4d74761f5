"""Status periods and pairs: the triggers keep what `replay` computes and the pairs the periods give; every
point in time reads the latest entry from them."""

import random
from datetime import date, timedelta

from sqlalchemy import Connection, select, text
from sqlmodel import Session, col

from app.db import build_engine, is_postgres
from app.history import status_pairs
from app.history.periods import (
    COLUMNS,
    POSTGRES_TRIGGERS,
    SQLITE_TRIGGERS,
    PeriodSource,
    replay_all,
    trigger_off,
)
from app.models import HistoryEntry, Recommendation, StatusPair, StatusPeriod
from app.scorecards.lookups import PairLookups, PeriodLookups, latest_value, with_joins
from app.scorecards.point import PointInTime
from tests.support import assess, bearer

CODES = ("odf-kz-2015-3.1", "odf-kz-2015-3.2", "odf-kz-2015-4.1")
STATUSES = ("implemented", "partially_implemented", "not_implemented", "regressed")


def _history(client, monitor_token, seed: int) -> int:
    """Assessments from two perspectives, shuffled effective dates and ties, corrections of both kinds."""
    rng = random.Random(seed)
    corrections = 0
    for _ in range(18):
        code = rng.choice(CODES)
        url = f"/api/v1/recommendations/{code}"
        if rng.random() < 0.25:
            entries = [
                item
                for item in client.get(f"{url}/history").json()["items"]
                if item["kind"] == "assessment" and item.get("corrected_by_entry") is None
            ]
            if entries:
                target = rng.choice(entries)
                body = {"reason": "Wrong."} | (
                    {"status": rng.choice(STATUSES), "effective_on": _day(rng).isoformat()}
                    if rng.random() < 0.5
                    else {}
                )
                _correct(client, monitor_token, code, target["seq"], body)
                corrections += 1
                continue
        assess(
            client,
            monitor_token,
            code,
            {
                "status": rng.choice(STATUSES),
                "perspective": rng.choice(("independent", "independent", "state")),
                "effective_on": _day(rng).isoformat(),
                "summary": "Seen.",
            },
        )
    return corrections


def _correct(client, monitor_token, code: str, seq: int, body: dict) -> None:
    url = f"/api/v1/recommendations/{code}"
    response = client.post(
        f"{url}/entries/{seq}/corrections",
        json=body,
        headers=bearer(monitor_token) | {"If-Match": client.get(url).headers["etag"]},
    )
    assert response.status_code == 201, response.text


def _day(rng: random.Random) -> date:
    # Few distinct dates, so several entries share one (the later seq wins) and backfills are common.
    return date(2020, 1, 1) + timedelta(days=30 * rng.randrange(12))


def _stored(session: Session) -> list[tuple]:
    columns = [StatusPeriod.__table__.c[name] for name in COLUMNS]
    return sorted(map(tuple, session.execute(select(*columns)).all()), key=repr)


def _replayed(session: Session) -> list[tuple]:
    rows = session.execute(
        select(
            col(HistoryEntry.recommendation_id),
            col(HistoryEntry.id),
            col(HistoryEntry.seq),
            col(HistoryEntry.perspective),
            col(HistoryEntry.status),
            col(HistoryEntry.effective_on),
            col(HistoryEntry.recorded_at),
            col(HistoryEntry.supersedes_entry_id),
        ).order_by(col(HistoryEntry.recommendation_id), col(HistoryEntry.seq))
    ).all()
    periods = replay_all((row[0], PeriodSource(*row[1:])) for row in rows)
    return sorted((period.row() for period in periods), key=repr)


def _pairs(session: Session) -> list[tuple]:
    columns = [StatusPair.__table__.c[name] for name in status_pairs.COLUMNS]
    return list(map(tuple, session.execute(select(*columns).order_by(*columns[:2])).all()))


def _pairs_of_periods(session: Session) -> list[tuple]:
    """The pairs `status_pairs.from_periods` derives from the stored periods, chain by chain."""
    periods = _stored(session)
    owners = sorted({row[0] for row in periods})
    return [
        pair
        for owner in owners
        for pair in status_pairs.from_periods(owner, [row for row in periods if row[0] == owner])
    ]


def test_the_trigger_keeps_what_replay_computes(client, monitor_token, database):
    assert _history(client, monitor_token, seed=16) >= 2
    engine = build_engine(database.url)
    with Session(engine) as session:
        stored = _stored(session)
        assert any(row[-1] is not None for row in stored)  # some rows were superseded
        assert stored == _replayed(session)
        pairs = _pairs(session)
        assert any(pair[3] is not None and pair[6] is not None for pair in pairs)  # both sides somewhere
        assert pairs == _pairs_of_periods(session)
    engine.dispose()


def test_filling_the_pairs_again_changes_nothing(client, monitor_token, database):
    """The backfill's statement (all chains, or some) writes the rows the triggers wrote."""
    assert _history(client, monitor_token, seed=17) >= 1
    engine = build_engine(database.url)
    with Session(engine) as session:
        kept = _pairs(session)
        assert kept
    with engine.begin() as connection:
        status_pairs.fill(connection)
    with Session(engine) as session:
        assert _pairs(session) == kept
    with engine.begin() as connection:
        status_pairs.fill(connection, [kept[0][0]])
    with Session(engine) as session:
        assert _pairs(session) == kept
    engine.dispose()


def test_each_kind_of_correction_keeps_what_replay_computes(client, monitor_token, database):
    """A correction without a status, one that carries one (both halves of the trigger, the correction's
    first), and one that moves its entry's period before another's: each kind the triggers tell apart."""
    code = CODES[0]
    first = _assessed(client, monitor_token, code, "implemented", "independent", "2020-03-01")
    second = _assessed(client, monitor_token, code, "not_implemented", "independent", "2020-01-01")
    state = _assessed(client, monitor_token, code, "partially_implemented", "state", "2020-02-01")
    _assessed(client, monitor_token, code, "regressed", "independent", "2020-06-01")
    _correct(
        client,
        monitor_token,
        code,
        first,
        {"reason": "Earlier.", "status": "regressed", "effective_on": "2019-12-01"},
    )
    _correct(client, monitor_token, code, second, {"reason": "Not so."})
    _correct(client, monitor_token, code, state, {"reason": "Worse.", "status": "not_implemented"})
    engine = build_engine(database.url)
    with Session(engine) as session:
        corrections = session.execute(
            select(col(HistoryEntry.status)).where(col(HistoryEntry.supersedes_entry_id).is_not(None))
        ).scalars()
        assert sorted(status is None for status in corrections) == [False, False, True]
        stored = _stored(session)
        assert any(row[-1] is not None for row in stored)
        assert stored == _replayed(session)
        assert _pairs(session) == _pairs_of_periods(session)
    engine.dispose()


def _assessed(client, monitor_token, code: str, status: str, perspective: str, effective_on: str) -> int:
    body = {"status": status, "perspective": perspective, "effective_on": effective_on, "summary": "Seen."}
    return assess(client, monitor_token, code, body).json()["entry"]["seq"]


def test_every_point_in_time_reads_the_latest_entry_from_the_periods(client, monitor_token, database):
    assert _history(client, monitor_token, seed=61) >= 2
    engine = build_engine(database.url)
    with Session(engine) as session:
        times = session.execute(select(col(HistoryEntry.recorded_at)).distinct()).scalars().all()
        known = [None, *times, *(moment - timedelta(microseconds=1) for moment in times)]
        dates = [None, *(date(2019, 12, 1) + timedelta(days=15 * step) for step in range(26))]
        points = [PointInTime(as_of, known_at) for as_of in dates for known_at in known]
        compared = 0
        for point in points:
            if point.current:
                continue
            for perspective in ("independent", "state"):
                expected = _from_entries(session, perspective, point)
                assert _from_periods(session, perspective, point) == expected
                if point.known_at is None:
                    assert _from_pairs(session, perspective, point) == expected
                compared += 1
        assert compared > 500
    engine.dispose()


def _from_entries(session: Session, perspective: str, point: PointInTime) -> dict[int, tuple]:
    # The lookups before status periods: the newest entry by (effective_on, seq) among those counting.
    statement = select(
        col(Recommendation.id),
        latest_value(col(HistoryEntry.id), perspective, point),
        latest_value(col(HistoryEntry.status), perspective, point),
    )
    return {rec: (entry, status) for rec, entry, status in session.execute(statement)}


def _from_periods(session: Session, perspective: str, point: PointInTime) -> dict[int, tuple]:
    columns, looked = PeriodLookups(joins_sets=False).inline(
        perspective, point, col(HistoryEntry.id), col(HistoryEntry.status)
    )
    statement = with_joins(select(col(Recommendation.id), *columns), looked.joins)
    return {rec: (entry, status) for rec, entry, status in session.execute(statement)}


def _from_pairs(session: Session, perspective: str, point: PointInTime) -> dict[int, tuple]:
    # Both perspectives asked of one lookup, as the aggregate does: the second reads the first's pair.
    lookups = PairLookups(joins_sets=False)
    others = [other for other in status_pairs.PAIRED if other != perspective]
    _, first = lookups.inline(others[0], point, col(HistoryEntry.id))
    columns, second = lookups.inline(perspective, point, col(HistoryEntry.id), col(HistoryEntry.status))
    assert second.joins == []
    statement = with_joins(select(col(Recommendation.id), *columns), first.joins)
    return {rec: (entry, status) for rec, entry, status in session.execute(statement)}


def test_the_triggers_switch_off_and_on_again(database):
    """trigger_off names every trigger the migrations made: off, then on again as they were."""
    engine = build_engine(database.url)
    with engine.begin() as connection:
        before = _triggers(connection)
        switch_on = trigger_off(connection)
        if is_postgres(connection):
            assert sorted(before) == sorted(POSTGRES_TRIGGERS)
            assert set(_triggers(connection).values()) == {"D"}  # disabled
        else:
            assert sorted(before) == sorted(SQLITE_TRIGGERS)
            assert _triggers(connection) == {}
        switch_on(connection)
        assert _triggers(connection) == before
    engine.dispose()


def _triggers(connection: Connection) -> dict[str, str]:
    if is_postgres(connection):
        query = "SELECT tgname, tgenabled FROM pg_trigger WHERE tgname LIKE 'history_entries_status_periods%'"
    else:
        query = (
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE 'history_entries_status_periods%'"
        )
    return {name: state for name, state in connection.execute(text(query))}
