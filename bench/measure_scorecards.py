"""Scorecards through `compute_scorecard`, each beside the fastest raw-SQL floor giving the same answer."""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db import build_engine
from bench.common import Config, Row, median_time, ms
from bench.floors import CANDIDATES, Point, Raw, app_comparable, scorecard_floor

AS_OF = date(2020, 7, 1)
KNOWN_AT = datetime(2022, 1, 1, tzinfo=UTC)
POINTS = {
    "current": Point(),
    f"as_of {AS_OF}": Point(as_of=AS_OF),
    f"as_of {AS_OF} + known_at {KNOWN_AT:%Y-%m-%d}": Point(as_of=AS_OF, known_at=KNOWN_AT),
}


def scorecard_rows(url: str, backend: str, config: Config) -> list[Row]:
    """By section and by theme; current, as of a mid-range date, and as of it as known at a later time."""
    try:
        from app.scorecards.service import compute_scorecard  # noqa: F401  (issue 4's code may be missing)
    except ImportError:
        return [Row("scorecards", "not measured", backend, "app/scorecards/service.py is not there yet")]
    engine, raw, rows = build_engine(url), Raw(url), []
    for group_by in ("section", "theme"):
        for label, point in POINTS.items():
            row = _scorecard(engine, raw, backend, group_by, point, config)
            row.name = f"by {group_by}, {label}"
            rows.append(row)
            print(f"[{backend}] scorecard {row.name}: {row.value} vs floor {row.floor}")
    raw.close()
    engine.dispose()
    return rows


def _scorecard(engine: Engine, raw: Raw, backend: str, group_by: str, point: Point, config: Config) -> Row:
    from app.scorecards.schemas import ScorecardParams
    from app.scorecards.service import compute_scorecard

    params = ScorecardParams(group_by=group_by, as_of=point.as_of, known_at=point.known_at)

    def app_run() -> dict[str, Any]:
        with Session(engine) as session:
            return compute_scorecard(session, params)

    app_median, app_min, scorecard = median_time(app_run, config.runs)
    expected = app_comparable(scorecard, group_by)
    # Every shape once to rank them (each checked against the app), then the fastest for the median.
    candidates, best = {}, None
    for strategy, coverage in CANDIDATES[backend]:

        def floor_run(strategy: str = strategy, coverage: str = coverage) -> dict[str, Any]:
            return scorecard_floor(raw, strategy, coverage, group_by, point)

        seconds, _, result = median_time(floor_run, 1)
        same = result == expected
        candidates[f"{strategy}/{coverage}"] = {"once": seconds, "same": same}
        if same and (best is None or seconds < best[0]):
            best = (seconds, f"{strategy}/{coverage}", floor_run)
    target = "≤ 1.5× floor" + ("" if point.current else ", < 1 s")
    data = {"app": {"median": app_median, "min": app_min}, "candidates": candidates}
    value = ms(app_median)
    if best is None:
        note = "every floor disagrees with the app"
        return Row("scorecards", "", backend, value, "no floor agrees", None, target, False, note, data)
    median, minimum, _ = median_time(best[2], config.runs)
    candidates[best[1]] |= {"median": median, "min": minimum}
    ratio = app_median / median
    met = ratio <= 1.5 and (point.current or app_median < 1.0)
    note = f"{len(scorecard['claim_gaps']):,} claim gaps"
    return Row("scorecards", "", backend, value, f"{ms(median)} ({best[1]})", ratio, target, met, note, data)
