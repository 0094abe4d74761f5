"""Links between recommendations of two sources: one write to two chains, claimed in id order.

docs/design.md, "Cross-references": each link and unlink is an entry in both recommendations' chains and
bumps both versions. Both rows are claimed lower id first, so two monitors linking one pair from opposite
ends queue on the same row instead of each holding one and waiting for the other (a deadlock).
"""

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlmodel import Session, col

from app.auth import Principal
from app.db import utcnow
from app.errors import BadRequest, Conflict, NotFound, PreconditionFailed, Unprocessable
from app.history.service import build_entry
from app.links.schemas import LinkFilters
from app.models import HistoryEntry, Recommendation, RecommendationLink, Source
from app.recommendations.etag import etag_for
from app.recommendations.write_protocol import WriteTarget, append, claim, read_for_write, snapshot
from app.vocabulary import HistoryKind, LinkStrength


def read_pair(
    session: Session, code: str, if_match: str | None, other: str, other_version: int
) -> tuple[WriteTarget, WriteTarget]:
    """The recommendation in the path (If-Match) and the other one (at `other_version`), read for a write.

    404 naming the one that is unknown, 428 without If-Match, 412 naming the one that changed."""
    if other == code:
        raise Unprocessable(
            f"{code} cannot be linked to itself: link it to a recommendation of another source."
        )
    try:
        path = read_for_write(session, code, if_match)
    except PreconditionFailed as error:
        raise stale(code, error.headers, path=True) from None
    try:
        target = read_for_write(session, other, etag_for(other_version))
    except NotFound:
        raise NotFound(f"No recommendation has the code {other!r} (the other recommendation).") from None
    except PreconditionFailed:
        raise stale(other, None, path=False) from None
    return path, target


def stale(code: str, headers: dict[str, str] | None, *, path: bool) -> PreconditionFailed:
    """412 naming the recommendation that changed (`stale`); the ETag header only for the one in the path."""
    resend = "the new If-Match" if path else "its new version as other_version"
    return PreconditionFailed(
        f"Someone changed {code} since you read it. Read it again (GET it for its new version), check what "
        f"changed, and resend your change with {resend}.",
        headers=headers or {},
        stale=code,
    )


@dataclass(frozen=True)
class _Pair:
    """What a link write checks before it claims: both ends' sources and the pair's active link."""

    slugs: dict[int, str]
    same_source: bool
    active: RecommendationLink | None


def link_recommendations(
    session: Session,
    a: WriteTarget,
    b: WriteTarget,
    by: Principal,
    strength: LinkStrength,
    note: str | None,
) -> RecommendationLink:
    """Link two recommendations of different sources (`a` the one addressed), recorded in both chains."""
    if a.id == b.id:
        raise Unprocessable(f"{a.code} cannot be linked to itself.")
    pair = _read_pair(session, a, b)
    if pair.same_source:
        raise Unprocessable(
            f"{a.code} and {b.code} come from the same source ({pair.slugs[a.id]}): links join "
            "recommendations of different sources."
        )
    if pair.active is not None:
        raise Conflict(f"{a.code} and {b.code} are linked already; unlink them first to change the link.")
    recorded_at = utcnow()
    entries = {
        end.id: _entry(
            end,
            by,
            HistoryKind.recommendation_linked,
            recorded_at,
            {
                "other": other.code,
                "other_source": pair.slugs[other.id],
                "strength": strength.value,
                "note": note,
            },
        )
        for end, other in ((a, b), (b, a))
    }
    low, high = sorted((a, b), key=lambda end: end.id)
    _claim_both(session, a, low, high)
    link = RecommendationLink(
        recommendation_id=low.id,
        other_id=high.id,
        strength=strength,
        note=note,
        linked_at=recorded_at,
        linked_by=by.monitor_id,
    )
    append(session, entries[low.id], link)
    append(session, entries[high.id])
    return link


def unlink_recommendations(
    session: Session, a: WriteTarget, b: WriteTarget, by: Principal, reason: str
) -> RecommendationLink:
    """End the active link between two recommendations with a reason; the row stays, both chains record it."""
    active = _read_pair(session, a, b).active
    if active is None:
        raise NotFound(f"{a.code} and {b.code} are not linked.")
    recorded_at = utcnow()
    entries = {
        end.id: _entry(
            end, by, HistoryKind.recommendation_unlinked, recorded_at, {"other": other.code, "reason": reason}
        )
        for end, other in ((a, b), (b, a))
    }
    low, high = sorted((a, b), key=lambda end: end.id)
    _claim_both(session, a, low, high)
    ended = {"unlinked_at": recorded_at, "unlinked_by": by.monitor_id, "unlink_reason": reason}
    session.execute(
        update(RecommendationLink)
        .where(col(RecommendationLink.id) == active.id)
        .values(**ended)
        .execution_options(synchronize_session=False)
    )
    append(session, entries[low.id])
    append(session, entries[high.id])
    for key, value in ended.items():
        setattr(active, key, value)
    return active


def _entry(
    end: WriteTarget, by: Principal, kind: HistoryKind, recorded_at: datetime, payload: dict[str, Any]
) -> HistoryEntry:
    return build_entry(
        end.id,
        end.code,
        end.head,
        kind=kind,
        effective_on=datetime.now(UTC).date(),
        recorded_by=by.monitor_id,
        payload=payload,
        recorded_at=recorded_at,
    )


def _claim_both(session: Session, addressed: WriteTarget, low: WriteTarget, high: WriteTarget) -> None:
    """Claim both versions, lower id first (412 naming the one that changed)."""
    for end in (low, high):
        try:
            claim(session, end, {})
        except PreconditionFailed as error:
            path = end is addressed
            raise stale(end.code, error.headers if path else None, path=path) from None


def _read_pair(session: Session, a: WriteTarget, b: WriteTarget) -> _Pair:
    low, high = sorted((a.id, b.id))
    with snapshot(session) as read:
        sources = read.execute(
            select(col(Recommendation.id), col(Source.id), col(Source.slug))
            .join(Source, col(Source.id) == col(Recommendation.source_id))
            .where(col(Recommendation.id).in_((low, high)))
        ).all()
        row = read.execute(
            select(*RecommendationLink.__table__.c).where(
                col(RecommendationLink.recommendation_id) == low,
                col(RecommendationLink.other_id) == high,
                col(RecommendationLink.unlinked_at).is_(None),
            )
        ).first()
    # A detached copy: the write changes the row with one UPDATE, never through the ORM.
    active = RecommendationLink(**row._mapping) if row is not None else None
    return _Pair(
        slugs={rec_id: slug for rec_id, _, slug in sources},
        same_source=len({source_id for _, source_id, _ in sources}) == 1,
        active=active,
    )


# The list: every active link with both ends' codes and sources.
_link = RecommendationLink.__table__.c
_one = Recommendation.__table__.alias("one")
_two = Recommendation.__table__.alias("two")
_one_source = Source.__table__.alias("one_source")
_two_source = Source.__table__.alias("two_source")
_LIST_FROM = (
    RecommendationLink.__table__.join(_one, _one.c.id == _link.recommendation_id)
    .join(_two, _two.c.id == _link.other_id)
    .join(_one_source, _one_source.c.id == _one.c.source_id)
    .join(_two_source, _two_source.c.id == _two.c.source_id)
)


def list_links(
    session: Session, filters: LinkFilters, *, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], int, str | None]:
    """One page of active links in the order they were made, the total matching, and the next cursor."""
    conditions = _filter_conditions(filters)
    total = session.scalar(select(func.count()).select_from(_LIST_FROM).where(*conditions)) or 0
    if cursor is not None:
        conditions.append(_link.id > _decode_cursor(cursor))
    rows = session.execute(
        select(
            _link.id,
            _one.c.code,
            _one_source.c.slug,
            _two.c.code,
            _two_source.c.slug,
            _link.strength,
            _link.note,
            _link.linked_at,
        )
        .select_from(_LIST_FROM)
        .where(*conditions)
        .order_by(_link.id)
        .limit(limit + 1)
    ).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    items = []
    for _, one, one_source, two, two_source, strength, note, linked_at in rows:
        # Filtered by a source, its end comes first; by the other source alone, that end comes second.
        if one_source == filters.other_source or (
            filters.source is not None and two_source == filters.source
        ):
            one, one_source, two, two_source = two, two_source, one, one_source
        items.append(
            {
                "recommendation": one,
                "source": one_source,
                "other": two,
                "other_source": two_source,
                "strength": strength,
                "note": note,
                "linked_at": linked_at,
            }
        )
    next_cursor = _encode_cursor(rows[-1][0]) if has_more else None
    return items, total, next_cursor


def _filter_conditions(filters: LinkFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [_link.unlinked_at.is_(None)]
    if filters.strength is not None:
        conditions.append(_link.strength == filters.strength.value)
    one, two = _one_source.c.slug, _two_source.c.slug
    if filters.source is not None and filters.other_source is not None:
        conditions.append(
            or_(
                and_(one == filters.source, two == filters.other_source),
                and_(one == filters.other_source, two == filters.source),
            )
        )
    else:
        slug = filters.source if filters.source is not None else filters.other_source
        if slug is not None:
            conditions.append(or_(one == slug, two == slug))
    return conditions


def _encode_cursor(link_id: int) -> str:
    return base64.urlsafe_b64encode(f"link.{link_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        prefix, _, number = raw.partition(".")
        link_id = int(number) if prefix == "link" and number.isdigit() else -1
    except (binascii.Error, UnicodeDecodeError, ValueError):
        link_id = -1
    if not 0 <= link_id <= 2**31 - 1:
        raise BadRequest("The cursor is not valid; start again without it.")
    return link_id
