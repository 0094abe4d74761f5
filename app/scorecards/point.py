"""The point in time a scorecard, a claim-gap page or a report is computed at."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session

from app.history.supersession import any_corrections
from app.scorecards.params import ChangesParams, PointInTimeParams


@dataclass(frozen=True)
class PointInTime:
    """Which history counts: effective on or before `as_of`, recorded at or before `known_at`."""

    as_of: date | None = None
    known_at: datetime | None = None
    # Whether corrections may exist: lookups then skip superseded entries. False (no correction in the
    # database) keeps their covering-index plans; True is always right, so it is the default.
    corrections: bool = True

    @property
    def current(self) -> bool:
        """True when every recorded entry counts: the denormalised columns then hold the answer."""
        return self.as_of is None and self.known_at is None

    def reference_date(self) -> date:
        """The date staleness is measured from: as_of, else known_at's date (at the latest today), in UTC."""
        if self.as_of is not None:
            return self.as_of
        today = datetime.now(UTC).date()
        return min(self.known_at.date(), today) if self.known_at is not None else today


def point_of(params: PointInTimeParams | ChangesParams, session: Session | None = None) -> PointInTime:
    """The point in time named by the parameters; with a session, it knows whether corrections exist."""
    corrections = any_corrections(session) if session is not None else True
    return PointInTime(getattr(params, "as_of", None), params.known_at, corrections)
