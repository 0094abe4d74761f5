"""Which language a read asks for, and the current translations of the recommendations it shows."""

from typing import Any

from sqlalchemy import bindparam, select

from app.db import PREPARED
from app.i18n.translation import negotiate_locale
from app.id_lists import one_of
from app.models import Translation
from app.raw_statements import Reads, fetch
from app.vocabulary import TranslationSubject

_tr = Translation.__table__.c
# Built once: a fixed statement whatever the number of subjects (PREPARED on PostgreSQL).
_CURRENT = (
    select(_tr.subject_id, _tr.text, _tr.provenance, _tr.translator, _tr.recorded_at)
    .where(
        _tr.subject_kind == bindparam("kind"),
        _tr.language == bindparam("language"),
        _tr.superseded_at.is_(None),
        one_of(_tr.subject_id, "ids"),
    )
    .execution_options(**PREPARED)
)


def requested_language(lang: str | None, accept_language: str | None) -> str:
    """`lang=` when given, else the first language of Accept-Language that the interface has."""
    return lang or negotiate_locale(accept_language)


def current_translations(
    reads: Reads, language: str, recommendations: list[int], sections: list[int]
) -> dict[tuple[str, int], dict[str, Any]]:
    """The current translation into `language` of each recommendation text and section title, by subject."""
    found: dict[tuple[str, int], dict[str, Any]] = {}
    for kind, ids in (
        (TranslationSubject.recommendation, recommendations),
        (TranslationSubject.section, sections),
    ):
        if not ids:
            continue
        rows = fetch(reads, _CURRENT, {"kind": kind.value, "language": language, "ids": sorted(set(ids))})
        for subject_id, text, provenance, translator, recorded_at in rows:
            found[(kind.value, subject_id)] = {
                "language": language,
                "text": text,
                "provenance": provenance,
                "translator": translator,
                "recorded_at": recorded_at,
            }
    return found


def add_translations(reads: Reads, language: str | None, rows: list[tuple[dict[str, Any], int, int]]) -> None:
    """Set each item's `translated_text`, `translation` and section's `translated_title` in `language`.

    `rows` pairs each item (with `text_language` set) with its recommendation and section ids; an item
    already in the language, or with no translation into it, keeps null.
    """
    wanted = [(item, rec, sec) for item, rec, sec in rows if language and item["text_language"] != language]
    found = (
        current_translations(reads, language, [r for _, r, _ in wanted], [s for _, _, s in wanted])
        if language and wanted
        else {}
    )
    for item, _, _ in rows:
        item["translated_text"], item["translation"] = None, None
        item["section"]["translated_title"] = None
    for item, rec_id, section_id in wanted:
        text = found.get((TranslationSubject.recommendation.value, rec_id))
        if text is not None:
            item["translated_text"] = text["text"]
            item["translation"] = {key: value for key, value in text.items() if key != "text"}
        title = found.get((TranslationSubject.section.value, section_id))
        if title is not None:
            item["section"]["translated_title"] = title["text"]
