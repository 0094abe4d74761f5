"""A scorecard's progress over time: the scorecard's aggregate statement at the end of each period."""

import calendar
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.errors import Unprocessable
from app.history.supersession import any_corrections
from app.models import HistoryEntry
from app.scorecards.params import MAX_SERIES_STEPS, MONTHS, Interval, ScorecardParams, SeriesParams
from app.scorecards.point import PointInTime
from app.scorecards.series_sweep import sweeps, swept
from app.scorecards.service import aggregate, counted, ordered_groups

# What each step shows of a scorecard's figures: the score and the counts it is computed from.
STEP_FIELDS = ("total", "by_status", "assessed", "score")


def period_end(day: date, interval: Interval) -> date:
    """The last day of the month, quarter or year holding `day`."""
    months = MONTHS[interval]
    month = ((day.month - 1) // months + 1) * months
    return date(day.year, month, calendar.monthrange(day.year, month)[1])


def step_dates(start: date, end: date, interval: Interval) -> list[date]:
    """The end of each period from the one holding `start` to the one holding `end`, the last one `end`.

    More than MAX_SERIES_STEPS is a 422 that says how many there would be.
    """
    steps: list[date] = []
    current = period_end(start, interval)
    while current < end:
        steps.append(current)
        if len(steps) >= MAX_SERIES_STEPS:
            raise Unprocessable(
                f"From {start.isoformat()} to {end.isoformat()} by {interval.value} is more than "
                f"{MAX_SERIES_STEPS} steps: choose a later `from`, an earlier `to` or a longer `interval`."
            )
        current = period_end(current + timedelta(days=1), interval)
    return [*steps, end]


def series_end(params: SeriesParams) -> date:
    """The last step's date: `to`, or today (UTC)."""
    return params.to or datetime.now(UTC).date()


def series_range(session: Session, params: SeriesParams) -> tuple[date, date]:
    """The series' first and last dates: `from` or the earliest effective date, `to` or today (UTC)."""
    end = series_end(params)
    if params.from_ is not None:
        return params.from_, end
    earliest = select(func.min(col(HistoryEntry.effective_on))).where(
        col(HistoryEntry.perspective) == params.perspective.value
    )
    if params.known_at is not None:
        earliest = earliest.where(col(HistoryEntry.recorded_at) <= params.known_at)
    found = session.scalar(earliest)
    return min(found, end) if found is not None else end, end


def compute_series(session: Session, params: SeriesParams, *, include_restricted: bool) -> dict[str, Any]:
    """For each step, the score and counts by status, in totals and per group.

    In one pass over the history where only statuses change between steps, else a scorecard statement a step.
    """
    start, end = series_range(session, params)
    dates = step_dates(start, end, params.interval)
    scorecard = ScorecardParams.model_validate(
        params.model_dump(exclude={"from_", "to", "interval"}, exclude_none=True) | {"gaps_limit": 0}
    )
    corrections = any_corrections(session)
    if sweeps(params):
        folded = swept(session, params, dates, corrections=corrections)
    else:
        folded = [
            counted(
                session,
                scorecard,
                PointInTime(as_of, params.known_at, corrections),
                include_restricted=include_restricted,
            )
            for as_of in dates
        ]
    steps = []
    for as_of, (totals, groups) in zip(dates, folded, strict=True):
        steps.append(
            {
                "as_of": as_of,
                "totals": _step_figures(aggregate(totals)),
                "groups": [
                    {"key": group["key"], "label": group["label"], "source": group["source"]}
                    | _step_figures(group)
                    for group in ordered_groups(groups, params.group_by)
                ],
            }
        )
    return {
        "from": start,
        "to": end,
        "interval": params.interval,
        "known_at": params.known_at,
        "perspective": params.perspective,
        "group_by": params.group_by,
        "steps": steps,
    }


def _step_figures(figures: dict[str, Any]) -> dict[str, Any]:
    return {name: figures[name] for name in STEP_FIELDS}
