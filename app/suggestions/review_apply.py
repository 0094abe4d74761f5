"""Record a review file's accepted pairs as links by one monitor: one transaction, all or nothing."""

from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select
from sqlmodel import Session, col

from app.auth import Principal
from app.errors import ProblemError
from app.i18n.translation import gettext as _
from app.links.service import link_recommendations, read_pair
from app.models import Monitor, Recommendation, RecommendationLink
from app.recommendations.etag import etag_for
from app.suggestions.review import ReviewFileError, ReviewRow
from app.vocabulary import ROLE_RANK, LinkStrength, Role


@dataclass
class ReviewSummary:
    """What applying a review file did (or, in a dry run, would do)."""

    linked: list[ReviewRow] = field(default_factory=list)
    already_linked: list[ReviewRow] = field(default_factory=list)
    rejected: int = 0
    undecided: int = 0


def apply_review(session: Session, rows: list[ReviewRow], monitor_id: int) -> ReviewSummary:
    """Link every accepted pair not linked yet, by the monitor; ReviewFileError if any cannot be linked.

    The caller's session commits, or rolls back after an error or for a dry run: all or nothing.
    """
    by = acting_monitor(session, monitor_id)
    summary = ReviewSummary()
    accepted = [row for row in rows if row.decision == "accept"]
    summary.rejected = sum(row.decision == "reject" for row in rows)
    summary.undecided = sum(row.decision == "" for row in rows)
    ids = _ids(session, {code for row in accepted for code in (row.from_code, row.to_code)})
    problems = [
        _("Line %(line)s: no recommendation has the code %(code)s.", line=row.line, code=code)
        for row in accepted
        for code in (row.from_code, row.to_code)
        if code not in ids
    ]
    if problems:
        raise ReviewFileError(problems)
    seen: set[frozenset[int]] = set()
    for row in accepted:
        pair = frozenset((ids[row.from_code], ids[row.to_code]))
        if pair in seen or _linked(session, *pair):
            summary.already_linked.append(row)
            continue
        seen.add(pair)
        try:
            first, second = read_pair(
                session,
                row.from_code,
                etag_for(_version(session, row.from_code)),
                row.to_code,
                _version(session, row.to_code),
            )
            link_recommendations(session, first, second, by, LinkStrength(row.strength), row.note)
        except ProblemError as error:
            raise ReviewFileError(
                [_("Line %(line)s: %(detail)s", line=row.line, detail=error.detail)]
            ) from None
        summary.linked.append(row)
    return summary


def acting_monitor(session: Session, monitor_id: int) -> Principal:
    """The monitor the command line acts as: active, and allowed to write."""
    monitor = session.get(Monitor, monitor_id)
    if monitor is None or monitor.disabled_at is not None:
        raise ReviewFileError([_("No active monitor has the id %(id)s.", id=monitor_id)])
    role = Role(monitor.role)
    if ROLE_RANK[role] < ROLE_RANK[Role.monitor]:
        raise ReviewFileError(
            [_("Monitor %(id)s is a viewer: only monitors and admins record links.", id=monitor_id)]
        )
    # No token is used on the command line; nothing a link records reads the token id.
    return Principal(monitor_id, 0, monitor.name, monitor.alias, role)


def _ids(session: Session, codes: set[str]) -> dict[str, int]:
    if not codes:
        return {}
    rows = session.execute(
        select(col(Recommendation.code), col(Recommendation.id)).where(col(Recommendation.code).in_(codes))
    ).tuples()
    return dict(rows.all())


def _version(session: Session, code: str) -> int:
    version: int = session.execute(
        select(col(Recommendation.version)).where(col(Recommendation.code) == code)
    ).scalar_one()
    return version


def _linked(session: Session, first: int, second: int | None = None) -> bool:
    """Whether the pair has an active link (a pair of one id cannot be linked)."""
    if second is None:
        return False
    link = RecommendationLink.__table__.c
    found = session.execute(
        select(link.id).where(
            link.unlinked_at.is_(None),
            or_(
                and_(link.recommendation_id == first, link.other_id == second),
                and_(link.recommendation_id == second, link.other_id == first),
            ),
        )
    ).first()
    return found is not None
