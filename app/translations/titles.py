"""Translations of a section's or source's title: reading them, and recording one in every chain it touches.

A title translation is a `translation_recorded` entry in the chain of each recommendation of the section
or source. Over HTTP it is a write to all those chains at once: the title's own ETag (its newest current
row's id, which every translation of it raises) guards against lost updates of the title, and `claim_every`
against forking a chain that another monitor is writing to at the same moment.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlmodel import Session, col

from app.db import utcnow
from app.errors import Conflict, NotFound, PreconditionFailed, PreconditionRequired, Unprocessable
from app.history.service import entry_fields
from app.models import Recommendation, Section, Source, Translation, saved_id
from app.recommendations.write_protocol import WriteTarget, append_every, claim_every, snapshot
from app.translations.service import supersede_current, translation_payload, translation_row
from app.vocabulary import HistoryKind, TranslationSubject


class TitleChanged(PreconditionFailed):
    """A title translation's If-Match no longer matches: someone translated the title since."""

    title = "The title's translations changed since you read them"


@dataclass
class TitleSubject:
    """A section or source whose title is translated, as read before a write."""

    kind: TranslationSubject
    id: int
    title: str
    language: str  # the source's: the title's original language
    anchor: dict[str, Any]  # what an entry's payload names it by: {"section": 2} or {"source": "odf-kz-2015"}
    name: str  # how messages name it
    etag: str


@dataclass
class TitleWritten:
    """A recorded title translation and the recommendations whose chains record it, at their new versions."""

    translation: Translation
    etag: str
    recommendations: list[WriteTarget]


def find_title(session: Session, slug: str, number: int | None = None) -> TitleSubject:
    """The source with this slug, or its section with this number (404 when there is none)."""
    source = session.execute(
        select(col(Source.id), col(Source.title), col(Source.language)).where(col(Source.slug) == slug)
    ).first()
    if source is None:
        raise NotFound(f"No source has the slug {slug!r}.")
    if number is None:
        kind, subject_id, title = TranslationSubject.source, source.id, source.title
        anchor: dict[str, Any] = {"source": slug}
        name = f"the source {slug}"
    else:
        section = session.execute(
            select(col(Section.id), col(Section.title)).where(
                col(Section.source_id) == source.id, col(Section.number) == number
            )
        ).first()
        if section is None:
            raise NotFound(f"The source {slug!r} has no section {number}.")
        kind, subject_id, title = TranslationSubject.section, section.id, section.title
        anchor, name = {"section": number}, f"section {number} of {slug}"
    etag = title_etag(session, kind, subject_id)
    return TitleSubject(kind, subject_id, title, source.language, anchor, name, etag)


def read_title_for_write(session: Session, slug: str, number: int | None = None) -> TitleSubject:
    """`find_title` on a short read session beside the write's, as `read_for_write` reads (no write lock)."""
    with snapshot(session) as read:
        return find_title(read, slug, number)


def title_subject(session: Session, kind: TranslationSubject, subject_id: int) -> TitleSubject:
    """A section or source by its id (the seed's and the command line's way to name one)."""
    if kind is TranslationSubject.section:
        section = session.get(Section, subject_id)
        if section is None:
            raise NotFound(f"No section has the id {subject_id}.")
        source = session.get(Source, section.source_id)
        assert source is not None  # a foreign key
        return find_title(session, source.slug, section.number)
    source = session.get(Source, subject_id)
    if source is None:
        raise NotFound(f"No source has the id {subject_id}.")
    return find_title(session, source.slug)


def title_etag(session: Session, kind: TranslationSubject, subject_id: int) -> str:
    """The strong ETag of a title's translations: its newest current row's id (a new row always has the
    highest id, and rows are never deleted, so every translation of the title changes it)."""
    newest = session.execute(
        select(func.max(col(Translation.id))).where(*_current(kind, subject_id))
    ).scalar_one()
    return _etag(kind, newest or 0)


def current_title_translations(session: Session, subject: TitleSubject) -> list[dict[str, Any]]:
    """The title's current translation into each language, by language."""
    rows = session.scalars(
        select(Translation).where(*_current(subject.kind, subject.id)).order_by(col(Translation.language))
    ).all()
    return [translation_view(row) for row in rows]


def translation_view(row: Translation) -> dict[str, Any]:
    """A translation as the API shows it (TitleTranslationOut); who recorded it is not shown."""
    return {
        "language": row.language,
        "text": row.text,
        "provenance": row.provenance,
        "translator": row.translator,
        "recorded_at": row.recorded_at,
    }


def check_if_match(subject: TitleSubject, if_match: str | None) -> None:
    """428 without If-Match (or with `*`); 412 with the current ETag when it names another."""
    if if_match is None or if_match.strip() == "*":
        raise PreconditionRequired(
            f"Send If-Match with the ETag from your last read of {subject.name}'s translations "
            "(GET its translations), so that no one's work is overwritten."
        )
    if subject.etag not in (tag.strip() for tag in if_match.split(",")):
        raise _stale(subject, subject.etag)


def record_title_translation(
    session: Session,
    subject: TitleSubject,
    by: int | None,
    language: str,
    text: str,
    provenance: str,
    translator: str | None,
    *,
    if_match: str | None = None,
    check: bool = True,
) -> TitleWritten:
    """Record a translation of the title in the chain of each of its recommendations; it supersedes the
    current one in that language.

    With `check` (HTTP), If-Match must name the title's current ETag, read again once every chain is claimed;
    the seed and the command line pass `check=False`.
    """
    if check:
        check_if_match(subject, if_match)
    if language == subject.language:
        raise Unprocessable(
            f"The title of {subject.name} is written in {language!r}: a translation is into another one.",
            errors=[{"loc": ["body", "language"], "msg": "is the original's language"}],
        )
    owned = _owned_by(subject)
    targets = claim_every(session, owned)
    if not targets:
        raise Conflict(f"{subject.name.capitalize()} has no recommendations whose history could record this.")
    if check:
        # Claiming waited for any title translation in progress: the one read before may be stale now.
        current = title_etag(session, subject.kind, subject.id)
        if current != subject.etag:
            raise _stale(subject, current)
    at = utcnow()
    payload = translation_payload(subject.kind, language, text, provenance, translator) | subject.anchor
    entries = [
        entry_fields(
            target.id,
            target.code,
            target.head,
            kind=HistoryKind.translation_recorded,
            effective_on=at.date(),
            recorded_by=by,
            payload=payload,
            recorded_at=at,
        )
        for target in targets
    ]
    supersede_current(session, subject.kind, subject.id, language, at)
    row = translation_row(subject.kind, subject.id, payload, at, by)
    append_every(session, entries, row)
    return TitleWritten(row, _etag(subject.kind, saved_id(row)), targets)


def _etag(kind: TranslationSubject, newest: int) -> str:
    return f'"{kind.value}-translations-{newest}"'


def _owned_by(subject: TitleSubject) -> ColumnElement[bool]:
    owner = (
        Recommendation.section_id if subject.kind is TranslationSubject.section else Recommendation.source_id
    )
    return col(owner) == subject.id


def _current(kind: TranslationSubject, subject_id: int) -> list[ColumnElement[bool]]:
    return [
        col(Translation.subject_kind) == kind.value,
        col(Translation.subject_id) == subject_id,
        col(Translation.superseded_at).is_(None),
    ]


def _stale(subject: TitleSubject, current: str) -> TitleChanged:
    return TitleChanged(
        f"Someone recorded a translation of the title of {subject.name} since you read its translations. "
        "Read them again (GET them for the new ETag), check what changed, and resend with the new If-Match.",
        headers={"ETag": current},
    )
