"""What the recommendation page shows monitors to link it: suggestions from another source, with versions."""

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.errors import NotFound, Unprocessable
from app.models import Recommendation, Source
from app.suggestions.service import suggest
from app.vocabulary import SourceKind

SUGGESTIONS = 10


def other_sources(session: Session, own_source: str) -> list[dict[str, Any]]:
    """The sources a recommendation could be linked to (all but its own), UPR reviews first."""
    rows = session.execute(
        select(col(Source.slug), col(Source.title), col(Source.kind))
        .where(col(Source.slug) != own_source)
        .order_by(col(Source.kind) != SourceKind.upr_review.value, col(Source.slug))
    ).all()
    return [{"slug": slug, "title": title, "kind": kind} for slug, title, kind in rows]


def link_panel(
    session: Session, own_source: str, code: str, chosen: str | None, linked: list[str]
) -> dict[str, Any]:
    """The sources to pick from, the chosen one, its best candidates, the versions a link or unlink needs."""
    sources = other_sources(session, own_source)
    slugs = [source["slug"] for source in sources]
    slug = chosen if chosen in slugs else (slugs[0] if slugs else None)
    found: list[dict[str, Any]] = []
    if slug is not None:
        try:
            found = suggest(session, code, slug, SUGGESTIONS)
        except (NotFound, Unprocessable):
            found = []
    versions = _versions(session, [item["code"] for item in found] + linked)
    for item in found:
        item["version"] = versions.get(item["code"])
    return {"sources": sources, "source": slug, "suggestions": found, "versions": versions}


def _versions(session: Session, codes: list[str]) -> dict[str, int]:
    if not codes:
        return {}
    rows = session.execute(
        select(col(Recommendation.code), col(Recommendation.version)).where(
            col(Recommendation.code).in_(codes)
        )
    )
    return dict(rows.tuples().all())
