"""Recording translations: a `translations` row and a `translation_recorded` entry in each chain it touches.

A recommendation's text translation is an entry in its own chain. A section's or source's title translation is
an entry in the chain of every recommendation of that section or source (as genesis entries anchor their
titles), so `verify` can hold every stored translation to the entries that recorded it; titles.py records
those.
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlmodel import Session, col

from app.db import utcnow
from app.errors import Unprocessable
from app.history.service import append_entry, build_entry
from app.models import HistoryEntry, Recommendation, Source, Translation, saved_id
from app.recommendations.write_protocol import WriteTarget, append, claim, snapshot
from app.text_terms import terms_text
from app.vocabulary import HistoryKind, Provenance, TranslationSubject


def translation_payload(
    subject: TranslationSubject, language: str, text: str, provenance: str, translator: str | None
) -> dict[str, Any]:
    """What a translation_recorded entry commits to (a title's also names its section or source)."""
    return {
        "subject": subject.value,
        "language": language,
        "text": text,
        "provenance": Provenance(provenance).value,
        "translator": translator,
    }


def add_translation_row(
    session: Session,
    subject: TranslationSubject,
    subject_id: int,
    payload: dict[str, Any],
    at: datetime,
    by: int | None,
) -> None:
    """Add a subject's first translation into a language (the seed: its genesis entries anchor it)."""
    session.add(translation_row(subject, subject_id, payload, at, by))


def translation_row(
    subject: TranslationSubject, subject_id: int, payload: dict[str, Any], at: datetime, by: int | None
) -> Translation:
    """The row of a translation that a payload records (with its terms, for a recommendation's text)."""
    return Translation(
        subject_kind=subject,
        subject_id=subject_id,
        language=payload["language"],
        text=payload["text"],
        provenance=Provenance(payload["provenance"]),
        translator=payload["translator"],
        terms=terms_text(payload["text"]) if subject is TranslationSubject.recommendation else None,
        recorded_at=at,
        recorded_by=by,
    )


def supersede_current(
    session: Session, subject: TranslationSubject, subject_id: int, language: str, at: datetime
) -> None:
    """End the current translation of the subject in the language (kept, never deleted)."""
    session.execute(
        update(Translation)
        .where(
            col(Translation.subject_kind) == subject.value,
            col(Translation.subject_id) == subject_id,
            col(Translation.language) == language,
            col(Translation.superseded_at).is_(None),
        )
        .values(superseded_at=at)
        .execution_options(synchronize_session=False)
    )


def supersede_translations(
    session: Session, subject: TranslationSubject, ended: list[tuple[int, str, datetime]]
) -> None:
    """End many subjects' current translations at once: (subject id, language, the newer one's time)."""
    if not ended:
        return
    table = Translation.__table__
    session.execute(
        update(table)
        .where(
            table.c.subject_kind == subject.value,
            table.c.subject_id == bindparam("ended_id"),
            table.c.language == bindparam("ended_language"),
            table.c.superseded_at.is_(None),
        )
        .values(superseded_at=bindparam("ended_at")),
        [{"ended_id": i, "ended_language": language, "ended_at": at} for i, language, at in ended],
    )


def record_text_translation(
    session: Session,
    target: WriteTarget,
    by: int | None,
    language: str,
    text: str,
    provenance: str,
    translator: str | None,
) -> HistoryEntry:
    """Append a translation of the recommendation's text; the newer translation supersedes the current one."""
    with snapshot(session) as read:
        source_language = read.execute(
            select(col(Source.language))
            .join(Recommendation, col(Recommendation.source_id) == col(Source.id))
            .where(col(Recommendation.id) == target.id)
        ).scalar_one()
    if language == source_language:
        raise Unprocessable(
            f"{target.code} is written in {language!r}: a translation is into another language.",
            errors=[{"loc": ["body", "language"], "msg": "is the original's language"}],
        )
    subject = TranslationSubject.recommendation
    payload = translation_payload(subject, language, text, provenance, translator)
    entry = build_entry(
        target.id,
        target.code,
        target.head,
        kind=HistoryKind.translation_recorded,
        effective_on=datetime.now(UTC).date(),
        recorded_by=by,
        payload=payload,
    )
    claim(session, target, {})
    supersede_current(session, subject, target.id, language, entry.recorded_at)
    append(session, entry, translation_row(subject, target.id, payload, entry.recorded_at, by))
    return entry


def record_text_translation_alone(
    session: Session,
    rec: Recommendation,
    by: int | None,
    language: str,
    text: str,
    provenance: str,
    translator: str | None,
) -> None:
    """Record a translation of a recommendation's text for the seed or the command line, which hold the
    database alone (no If-Match: the version is bumped in place)."""
    subject = TranslationSubject.recommendation
    at = utcnow()
    payload = translation_payload(subject, language, text, provenance, translator)
    supersede_current(session, subject, saved_id(rec), language, at)
    session.add(translation_row(subject, saved_id(rec), payload, at, by))
    append_entry(
        session,
        rec,
        kind=HistoryKind.translation_recorded,
        effective_on=at.date(),
        recorded_by=by,
        payload=payload,
        recorded_at=at,
    )
    rec.version += 1
    rec.updated_at = at
    session.flush()


def current_translation(
    session: Session, subject: TranslationSubject, subject_id: int, language: str
) -> Translation | None:
    """The subject's current translation into the language, if any."""
    return session.scalars(
        select(Translation).where(
            col(Translation.subject_kind) == subject.value,
            col(Translation.subject_id) == subject_id,
            col(Translation.language) == language,
            col(Translation.superseded_at).is_(None),
        )
    ).first()
