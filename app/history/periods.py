"""Status periods: each perspective's status over effective dates, as known over recording time.

docs/design.md, "Status periods". A row says: from `from_on` (the entry at `from_seq`) until `until_on`
(exclusive; NULL: still), the recommendation's status from `perspective` was `status`, as known from
`recorded_at` until `superseded_at` (NULL: still known so). An as-of scorecard then reads at most one row per
recommendation and perspective with a range condition instead of finding the latest entry among many.

The database keeps the table by triggers on every history entry (migrations 0016, 0017); `replay` computes
the same rows from a chain's entries in Python, for the migration's backfill and for `verify`.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, Date, delete, insert, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col

from app.db import UTCDateTime, is_postgres
from app.history import status_pairs
from app.models import StatusPeriod

# The table's columns in `Period.row` order.
COLUMNS = (
    "recommendation_id",
    "perspective",
    "status",
    "entry_id",
    "from_on",
    "from_seq",
    "until_on",
    "recorded_at",
    "superseded_at",
)
# Chains replayed at a time: PostgreSQL's COPY holds the connection, so reads and writes take turns.
CHAINS_AT_A_TIME = 20_000
_SOURCES = text(
    "SELECT recommendation_id, id, seq, perspective, status, effective_on, recorded_at, supersedes_entry_id "
    "FROM history_entries WHERE recommendation_id > :after AND recommendation_id <= :upto "
    "AND (perspective IS NOT NULL OR supersedes_entry_id IS NOT NULL) ORDER BY recommendation_id, seq"
).columns(effective_on=Date(), recorded_at=UTCDateTime())


class PeriodSource(NamedTuple):
    """What replay needs of one history entry, in chain (seq) order."""

    id: int
    seq: int
    perspective: str | None
    status: str | None
    effective_on: date
    recorded_at: datetime
    supersedes_entry_id: int | None


@dataclass(eq=False)  # rows are told apart by identity: two may hold equal values for an instant
class Period:
    """One row of `status_periods` (without its id)."""

    recommendation_id: int
    perspective: str
    status: str
    entry_id: int
    from_on: date
    from_seq: int
    until_on: date | None
    recorded_at: datetime
    superseded_at: datetime | None = None

    def row(self) -> tuple[Any, ...]:
        """The row's values, in `COLUMNS` order."""
        return (
            self.recommendation_id,
            self.perspective,
            self.status,
            self.entry_id,
            self.from_on,
            self.from_seq,
            self.until_on,
            self.recorded_at,
            self.superseded_at,
        )

    def key(self) -> tuple[date, int]:
        """Where the period starts in effective order: its entry's date, then its seq."""
        return self.from_on, self.from_seq


def replay(recommendation_id: int, entries: Iterable[PeriodSource]) -> list[Period]:
    """Every period row the trigger leaves after these entries of one chain, inserted in seq order."""
    kept: list[Period] = []
    current: list[Period] = []

    def retire(period: Period, at: datetime) -> None:
        current.remove(period)
        # Known and unknown at the same instant: no reader can ever see it, so the trigger deletes it.
        if period.recorded_at >= at:
            kept.remove(period)
        else:
            period.superseded_at = at

    def add(period: Period) -> None:
        kept.append(period)
        current.append(period)

    def before(perspective: str, key: tuple[date, int]) -> Period | None:
        earlier = [p for p in current if p.perspective == perspective and p.key() < key]
        return max(earlier, key=Period.key, default=None)

    for entry in entries:
        at = entry.recorded_at
        if entry.supersedes_entry_id is not None:
            gone = next((p for p in current if p.entry_id == entry.supersedes_entry_id), None)
            if gone is not None:
                previous = before(gone.perspective, gone.key())
                if previous is not None:
                    retire(previous, at)
                    add(_until(previous, gone.until_on, at))
                retire(gone, at)
        if entry.perspective is None or entry.status is None:
            continue
        key = (entry.effective_on, entry.seq)
        later = [p.from_on for p in current if p.perspective == entry.perspective and p.key() > key]
        previous = before(entry.perspective, key)
        if previous is not None:
            retire(previous, at)
            add(_until(previous, entry.effective_on, at))
        add(
            Period(
                recommendation_id=recommendation_id,
                perspective=entry.perspective,
                status=entry.status,
                entry_id=entry.id,
                from_on=entry.effective_on,
                from_seq=entry.seq,
                until_on=min(later, default=None),
                recorded_at=at,
            )
        )
    return kept


def _until(period: Period, until_on: date | None, at: datetime) -> Period:
    """The same status from the same entry, ending elsewhere, known from `at`."""
    return Period(
        recommendation_id=period.recommendation_id,
        perspective=period.perspective,
        status=period.status,
        entry_id=period.entry_id,
        from_on=period.from_on,
        from_seq=period.from_seq,
        until_on=until_on,
        recorded_at=at,
    )


def replay_all(rows: Iterable[tuple[int, PeriodSource]]) -> Iterator[Period]:
    """Periods of many chains from (recommendation_id, entry) rows ordered by recommendation, then seq."""
    chain: list[PeriodSource] = []
    owner: int | None = None
    for recommendation_id, entry in rows:
        if recommendation_id != owner:
            if owner is not None:
                yield from replay(owner, chain)
            owner, chain = recommendation_id, []
        chain.append(entry)
    if owner is not None:
        yield from replay(owner, chain)


# The triggers that keep the table (migration 0017): PostgreSQL's one function runs a correction's half and
# an assessment's under an IF each; SQLite, which does not order several triggers on one event, has one per
# kind of entry (a correction, an assessment, a correction that carries a status), on exclusive conditions.
POSTGRES_TRIGGERS = ("history_entries_status_periods",)
SQLITE_TRIGGERS = (
    "history_entries_status_periods_correction",
    "history_entries_status_periods_assessment",
    "history_entries_status_periods_correction_and_assessment",
)
_DEFINITION = text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name")


def trigger_off(connection: Connection) -> Callable[[Connection], None]:
    """Switch the periods' triggers off; returns what switches them on (in this or a later transaction)."""
    if is_postgres(connection):
        for name in POSTGRES_TRIGGERS:
            connection.execute(text(f"ALTER TABLE history_entries DISABLE TRIGGER {name}"))
        on = [f"ALTER TABLE history_entries ENABLE TRIGGER {name}" for name in POSTGRES_TRIGGERS]
    else:
        on = [connection.execute(_DEFINITION, {"name": name}).scalar_one() for name in SQLITE_TRIGGERS]
        for name in SQLITE_TRIGGERS:
            connection.execute(text(f"DROP TRIGGER {name}"))

    def switch_on(later: Connection) -> None:
        for statement in on:
            later.exec_driver_sql(statement)

    return switch_on


@contextmanager
def filled_after(connection: Connection) -> Iterator[None]:
    """For a bulk load in the connection's transaction: the triggers off while the block inserts entries,
    then every chain's periods (and the pairs) filled at once and the triggers on again (a failure rolls
    all of it back).

    Row by row, the trigger made a 3-million-entry restore several times slower. Where the role may not
    switch it off (PostgreSQL, not the table's owner), the trigger stays on: slower, and as right."""
    if not inspect(connection).has_table("status_periods"):
        yield
        return
    try:
        with connection.begin_nested():
            switch_on = trigger_off(connection)
    except DBAPIError:
        yield
        return
    yield
    fill_derived(connection)
    switch_on(connection)


def fill_derived(connection: Connection, recommendation_ids: Sequence[int] | None = None) -> None:
    """The periods filled (`fill`), then the status pairs derived from them (app.history.status_pairs)."""
    fill(connection, recommendation_ids)
    status_pairs.fill(connection, recommendation_ids)


def fill(connection: Connection, recommendation_ids: Sequence[int] | None = None) -> None:
    """Replace the rows with the replay of every chain, or of these recommendations' chains alone (a
    migration's backfill, a bulk load's end, a repair after entries were written with the trigger off)."""
    if recommendation_ids is not None:
        connection.execute(
            delete(StatusPeriod).where(col(StatusPeriod.recommendation_id).in_(recommendation_ids))
        )
        for recommendation_id in recommendation_ids:
            _replay_range(connection, recommendation_id - 1, recommendation_id)
        return
    connection.execute(delete(StatusPeriod))
    last = connection.execute(text("SELECT max(recommendation_id) FROM history_entries")).scalar() or 0
    for after in range(0, last, CHAINS_AT_A_TIME):
        _replay_range(connection, after, after + CHAINS_AT_A_TIME)


def _replay_range(connection: Connection, after: int, upto: int) -> None:
    rows = connection.execute(_SOURCES, {"after": after, "upto": upto}).all()
    _insert(connection, list(replay_all((row[0], PeriodSource(*row[1:])) for row in rows)))


def _insert(connection: Connection, periods: list[Period]) -> None:
    if not periods:
        return
    if connection.dialect.name == "postgresql":
        driver = cast(Any, connection.connection.driver_connection)  # a psycopg Connection
        with driver.cursor().copy(f"COPY status_periods ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for period in periods:
                copy.write_row(period.row())
        return
    connection.execute(
        insert(StatusPeriod), [dict(zip(COLUMNS, period.row(), strict=True)) for period in periods]
    )
