"""What the translation forms on a recommendation's page show: the languages, the current translations, the
title's ETag."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.i18n.translation import available_locales
from app.models import Translation
from app.translations.service import current_translation
from app.translations.titles import find_title
from app.vocabulary import TEXT_LANGUAGES, TranslationSubject
from app.web.forms import TITLE_TRANSLATION, TRANSLATION, FormState


@dataclass
class TranslationPanel:
    """The two forms (the text's, the section title's), the languages they offer and the one chosen."""

    languages: list[str]
    chosen: str
    text: FormState
    title: FormState
    title_etag: str


def translation_languages(original: str) -> list[str]:
    """The interface's languages a text written in `original` may be translated into."""
    interface = available_locales()
    return [code for code in TEXT_LANGUAGES if code in interface and code != original]


def translation_panel(
    session: Session,
    detail: dict[str, Any],
    ids: tuple[int, int],
    *,
    asked: str | None,
    page_language: str,
    text: FormState | None = None,
    title: FormState | None = None,
) -> TranslationPanel | None:
    """The forms as first shown (in the language asked for, else the page's, else the first other one,
    each holding the current translation into it), or as kept after a failed submit; None with no other
    language to translate into."""
    languages = translation_languages(detail["text_language"])
    if not languages:
        return None
    submitted = text or title
    kept = submitted.values.get("language") if submitted is not None else None
    chosen = next((code for code in (kept, asked, page_language) if code in languages), languages[0])
    rec_id, section_id = ids
    subject = find_title(session, detail["source"], detail["section"]["number"])
    return TranslationPanel(
        languages,
        chosen,
        text or _current(session, TranslationSubject.recommendation, rec_id, chosen, TRANSLATION),
        title or _current(session, TranslationSubject.section, section_id, chosen, TITLE_TRANSLATION),
        subject.etag,
    )


def _current(
    session: Session, kind: TranslationSubject, subject_id: int, language: str, prefix: str
) -> FormState:
    row: Translation | None = current_translation(session, kind, subject_id, language)
    if row is None:
        return FormState(prefix, {"language": language})
    values = {
        "language": language,
        "text": row.text,
        "provenance": row.provenance,
        "translator": row.translator or "",
    }
    return FormState(prefix, values)
