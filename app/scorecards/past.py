"""Scorecards as known at a settled past time: they can never change, so they are kept across restarts.

Everything such a scorecard counts was recorded by its `known_at` (entries, corrections, links, the
recommendations themselves), so later writes cannot change it. What it shows from the current state can:
a withdrawal erases a summary, an import with `--update-texts` changes a text. The newest entry of those kinds
is part of the key, and a withdrawal also forgets every kept scorecard (the erased words must not stay here).
"""

import json
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col

from app.db import is_postgres, utcnow
from app.models import CONTENT_CHANGES, HistoryEntry, PastScorecard

# A write stamps recorded_at before it commits, and an import's transaction can run for minutes: a known_at
# this far back has nothing left to commit.
SETTLED_AFTER = timedelta(days=1)
_NEWEST_CONTENT_CHANGE = select(func.max(col(HistoryEntry.id))).where(text(CONTENT_CHANGES))


def is_settled(known_at: datetime | None) -> bool:
    """Whether a scorecard known at this time can no longer change."""
    return known_at is not None and known_at < utcnow() - SETTLED_AFTER


def past_document(session: Session, document: dict[str, Any]) -> dict[str, Any]:
    """The response document with the content marker in place of the data state (which every write moves)."""
    marker = session.execute(_NEWEST_CONTENT_CHANGE).scalar() or 0
    return {name: value for name, value in document.items() if name != "data"} | {"content": marker}


def kept(session: Session, key: str) -> dict[str, Any] | None:
    """The kept scorecard for the key, or None."""
    body = session.execute(select(col(PastScorecard.body)).where(col(PastScorecard.key) == key)).scalar()
    return None if body is None else json.loads(body, object_hook=_typed)


def keep(session: Session, key: str, scorecard: dict[str, Any]) -> None:
    """Keep a computed scorecard; a concurrent request keeping the same one first is fine."""
    values = {"key": key, "body": json.dumps(scorecard, default=_tagged), "created_at": utcnow()}
    insert = (postgresql if is_postgres(session) else sqlite).insert(PastScorecard.__table__)
    try:
        with session.begin_nested():
            session.execute(insert.values(**values).on_conflict_do_nothing(index_elements=["key"]))
    except SQLAlchemyError:
        # Keeping is an optimisation: a reader that cannot write (a lock, a read-only replica) still answers.
        return


def forget_all(session: Session) -> None:
    """Forget every kept scorecard (a withdrawal erased content some may show)."""
    session.execute(delete(PastScorecard))


def _tagged(value: Any) -> Any:
    # Dates and times come back as they went in; enums as their values (they are str enums).
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"a scorecard holds no {type(value).__name__}")


def _typed(value: dict[str, Any]) -> Any:
    if len(value) == 1:
        if "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
    return value
