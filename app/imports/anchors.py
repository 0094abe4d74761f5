"""What a genesis entry anchors of its source, so that `verify` can check what the public sees of it."""

from typing import Any

from app.models import Source


def source_details(source: Source, count: int) -> dict[str, Any]:
    """The source as its recommendations' genesis entries anchor it, with how many recommendations it has."""
    return {
        "title": source.title,
        "publisher": source.publisher,
        "published_on": source.published_on.isoformat() if source.published_on else None,
        "url": source.url,
        "date_note": source.date_note,
        "kind": source.kind,
        "state_under_review": source.state_under_review,
        "cycle": source.cycle,
        "session": source.session,
        "reviewed_on": source.reviewed_on.isoformat() if source.reviewed_on else None,
        "document_symbol": source.document_symbol,
        "language": source.language,
        "recommendations": count,
    }
