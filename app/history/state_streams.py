"""What `verify_state` reads: six streams ordered by recommendation id, merged one recommendation at a time.

Each stream is one statement, streamed in batches; the merge holds one recommendation's rows at a time, so
memory stays flat at millions of entries and no query is made per recommendation.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from sqlalchemy import Connection, DateTime, String, case, func, literal, select, type_coerce, union_all

from app.models import (
    Category,
    Evidence,
    HistoryEntry,
    Recommendation,
    RecommendationCategory,
    RecommendationEvidence,
    RecommendationLink,
    Section,
    Source,
    StatusPair,
    StatusPeriod,
)
from app.vocabulary import HistoryKind

BATCH = 5_000
# The kinds whose payloads the checks read; the others (assessments above all) stay in the database.
READ_PAYLOAD_KINDS = (
    HistoryKind.genesis.value,
    HistoryKind.evidence_linked.value,
    HistoryKind.evidence_unlinked.value,
    HistoryKind.text_changed.value,
    HistoryKind.response_recorded.value,
    HistoryKind.recommendation_linked.value,
    HistoryKind.recommendation_unlinked.value,
    HistoryKind.correction.value,
)


def _time(column: Any) -> Any:
    # Times as the driver's datetime type reads them, without UTCDateTime's conversion per value (a third of
    # the pass at a million rows): naive UTC on SQLite, aware on PostgreSQL. The checks only compare them with
    # each other and format them (state_findings.plain).
    return type_coerce(column, DateTime())


_rec = Recommendation.__table__.c
_src = Source.__table__.c
_sec = Section.__table__.c
_entry = HistoryEntry.__table__.c
_link = RecommendationEvidence.__table__.c
_ev = Evidence.__table__.c
_rc = RecommendationCategory.__table__.c
_cat = Category.__table__.c
_period = StatusPeriod.__table__.c
_status_pair = StatusPair.__table__.c

RECOMMENDATIONS = (
    select(
        _rec.id,
        _rec.code,
        _rec.text,
        _rec.status,
        _rec.claimed_status,
        _rec.version,
        _time(_rec.last_assessed_at),
        _time(_rec.created_at),
        _rec.source_id,
        _rec.section_id,
        _rec.section_number,
        _rec.number,
        _src.slug,
        _src.title,
        _src.publisher,
        _src.published_on,
        _src.url,
        _src.date_note,
        _sec.source_id,
        _sec.number,
        _sec.title,
        # Sources of several kinds and the UPR fields (migration 0007), after the columns above.
        _src.kind,
        _src.state_under_review,
        _src.cycle,
        _src.session,
        _src.reviewed_on,
        _src.document_symbol,
        _rec.paragraph,
        _rec.response,
        _rec.response_original,
        _rec.action_category,
        _src.language,  # migration 0010
        # The maintained columns (migration 0011); dates as the ENTRIES stream reads effective_on.
        type_coerce(_rec.status_effective_on, String()),
        type_coerce(_rec.claimed_effective_on, String()),
        _rec.coverage_links_public,
        _rec.coverage_links_restricted,
        _rec.claim_gap_class,
        _rec.coverage_public_since,  # migration 0015
        _rec.coverage_restricted_since,
    )
    .select_from(
        Recommendation.__table__.outerjoin(Source.__table__, _src.id == _rec.source_id).outerjoin(
            Section.__table__, _sec.id == _rec.section_id
        )
    )
    .order_by(_rec.id)
)
ENTRIES = select(
    _entry.recommendation_id,
    _entry.id,
    _entry.seq,
    _entry.kind,
    _entry.status,
    _entry.perspective,
    # Compared, never computed with: ISO dates as SQLite stores them order as the dates do.
    type_coerce(_entry.effective_on, String()),
    _time(_entry.recorded_at),
    _entry.recorded_by,
    case((_entry.kind.in_(READ_PAYLOAD_KINDS), _entry.payload), else_=None),
    _entry.response,
    _entry.supersedes_entry_id,
).order_by(_entry.recommendation_id, _entry.seq)
# The first link row of each evidence item is the one whose write created the item (docs/design.md).
_first_links = (
    select(_link.evidence_id, func.min(_link.id).label("first_link_id"))
    .group_by(_link.evidence_id)
    .subquery()
)
LINKS = (
    select(
        _link.recommendation_id,
        _link.id,
        _link.evidence_id,
        _link.relation,
        _link.visibility,
        _link.note,
        _time(_link.linked_at),
        _link.linked_by,
        _time(_link.unlinked_at),
        _link.unlinked_by,
        _link.unlink_reason,
        _ev.id,
        _ev.url,
        _ev.title,
        _ev.kind,
        _ev.published_on,
        _ev.visibility,
        _time(_ev.created_at),
        _first_links.c.first_link_id,
        _link.evidence_published_on,
    )
    .select_from(
        RecommendationEvidence.__table__.outerjoin(Evidence.__table__, _ev.id == _link.evidence_id).outerjoin(
            _first_links, _first_links.c.evidence_id == _link.evidence_id
        )
    )
    .order_by(_link.recommendation_id, _link.id)
)
CATEGORIES = (
    select(_rc.recommendation_id, _rc.category_id, _cat.kind, _cat.slug, _cat.label)
    .select_from(RecommendationCategory.__table__.outerjoin(Category.__table__, _cat.id == _rc.category_id))
    .order_by(_rc.recommendation_id)
)

_pair = RecommendationLink.__table__.c
_far = Recommendation.__table__.alias("far")
_far_src = Source.__table__.alias("far_source")


def _pair_end(near: Any, far: Any, lower: bool) -> Any:
    """Each link between recommendations as seen from one of its ends: the near end's id first."""
    return select(
        near.label("recommendation_id"),
        _pair.id.label("id"),
        _far.c.code.label("other"),
        _far_src.c.slug.label("other_source"),
        _pair.strength,
        _pair.note,
        _time(_pair.linked_at).label("linked_at"),
        _pair.linked_by,
        _time(_pair.unlinked_at).label("unlinked_at"),
        _pair.unlinked_by,
        _pair.unlink_reason,
        literal(lower).label("lower"),
    ).select_from(
        RecommendationLink.__table__.outerjoin(_far, _far.c.id == far).outerjoin(
            _far_src, _far_src.c.id == _far.c.source_id
        )
    )


# Every link twice, once under each end, so that each end's chain is compared with it.
_pair_ends = union_all(
    _pair_end(_pair.recommendation_id, _pair.other_id, True),
    _pair_end(_pair.other_id, _pair.recommendation_id, False),
).subquery()
PAIR_LINKS = select(*_pair_ends.c).order_by(_pair_ends.c.recommendation_id, _pair_ends.c.id)
# In app.history.periods.COLUMNS order, dates and times read as the ENTRIES stream reads them.
PERIODS = select(
    _period.recommendation_id,
    _period.perspective,
    _period.status,
    _period.entry_id,
    type_coerce(_period.from_on, String()),
    _period.from_seq,
    type_coerce(_period.until_on, String()),
    _time(_period.recorded_at),
    _time(_period.superseded_at),
).order_by(_period.recommendation_id, _period.id)
# In app.history.status_pairs.COLUMNS order, dates read as the PERIODS stream reads them.
PAIRS = select(
    _status_pair.recommendation_id,
    type_coerce(_status_pair.from_on, String()),
    type_coerce(_status_pair.until_on, String()),
    _status_pair.independent_status,
    type_coerce(_status_pair.independent_on, String()),
    _status_pair.independent_entry_id,
    _status_pair.state_status,
    type_coerce(_status_pair.state_on, String()),
    _status_pair.state_entry_id,
).order_by(_status_pair.recommendation_id, _status_pair.from_on)


@dataclass
class Group:
    """Everything stored about one recommendation id: its row (None if it is gone) and the rows naming it."""

    recommendation_id: int
    recommendation: Sequence[Any] | None = None
    entries: list[Sequence[Any]] = field(default_factory=list)
    links: list[Sequence[Any]] = field(default_factory=list)
    categories: list[Sequence[Any]] = field(default_factory=list)
    pair_links: list[Sequence[Any]] = field(default_factory=list)
    periods: list[Sequence[Any]] = field(default_factory=list)
    pairs: list[Sequence[Any]] = field(default_factory=list)


def groups(connection: Connection) -> Iterator[Group]:
    """Every recommendation id that any of the seven streams names, in order, with its rows."""
    streaming = connection.execution_options(yield_per=BATCH)
    recommendations, entries, links, categories, pair_links, periods, pairs = (
        # Whole batches, not row by row: a row at a time through the Result costs more than the checks.
        _Stream(chain.from_iterable(streaming.execute(statement).partitions()))
        for statement in (RECOMMENDATIONS, ENTRIES, LINKS, CATEGORIES, PAIR_LINKS, PERIODS, PAIRS)
    )
    streams = (recommendations, entries, links, categories, pair_links, periods, pairs)
    while True:
        heads = [stream.key for stream in streams if stream.key is not None]
        if not heads:
            return
        key = min(heads)
        taken = recommendations.take(key)
        yield Group(
            key,
            taken[0] if taken else None,
            entries.take(key),
            links.take(key),
            categories.take(key),
            pair_links.take(key),
            periods.take(key),
            pairs.take(key),
        )


class _Stream:
    """Rows ordered by their first column, taken a key at a time."""

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        self.rows = iter(rows)
        self.head = next(self.rows, None)
        self.key = None if self.head is None else self.head[0]

    def take(self, key: int) -> list[Sequence[Any]]:
        """The rows with this key (none if the next row's key is another)."""
        taken: list[Sequence[Any]] = []
        head, rows = self.head, self.rows
        while head is not None and head[0] == key:
            taken.append(head)
            head = next(rows, None)
        self.head, self.key = head, None if head is None else head[0]
        return taken
