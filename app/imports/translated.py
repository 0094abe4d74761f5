"""Translations in import files: which columns hold them, and whose they are (docs/design.md, "Importing").

The rule for provenance: an import says whose its translations are with `translation_provenance` and
`translator` (CLI options, API and form fields). `official` is the body's own version (the UN's Russian
text of a UPR report); `unofficial`, the default, needs a translator: the person or organisation to credit,
as they wish to be named. Nothing is made up in its place: never the importing admin (the public never
learns who recorded what), never the file's name. A file with translations and no translator for them is
refused as a whole, before anything is read into the database.
"""

import re

from app.i18n.translation import gettext as _
from app.imports.identity import clean_text
from app.imports.rows import ReadOptions, TranslationOrigin, UnreadableFile
from app.vocabulary import TEXT_LANGUAGES, Provenance

# Imported sources are written in English: a translation is into one of the interface's other languages.
TRANSLATION_LANGUAGES = tuple(language for language in TEXT_LANGUAGES if language != "en")
TRANSLATOR_MAX = 200
# Words a column header may use for a language (`Text (Russian)`, `text_ru`, `Текст (рус.)`).
_LANGUAGE_WORDS = {
    "ru": "ru",
    "rus": "ru",
    "russian": "ru",
    "рус": "ru",
    "русский": "ru",
    "kk": "kk",
    "kaz": "kk",
    "kazakh": "kk",
    "каз": "kk",
    "казахский": "kk",
    "қаз": "kk",
    "қазақша": "kk",
}
_TEXT_WORDS = frozenset({"text", "текст", "мәтін"})
_HEADER_WORDS = re.compile(r"[^\w]+|_")


def header_language(header: str) -> str | None:
    """The language a column header names a text in (`text_ru`, `Text (Russian)`, `Russian text`), or None."""
    words = [word for word in _HEADER_WORDS.split(header.casefold()) if word and word != "in"]
    if len(words) != 2 or not _TEXT_WORDS & set(words):
        return None
    other = words[1] if words[0] in _TEXT_WORDS else words[0]
    return _LANGUAGE_WORDS.get(other)


def language_of(word: str) -> str | None:
    """A language named in a cell (`ru`, `Russian`, `русский`), as one of TRANSLATION_LANGUAGES, or None."""
    return _LANGUAGE_WORDS.get(word.strip().casefold().rstrip("."))


def translation_origin(provenance: str | None, translator: str | None) -> TranslationOrigin | None:
    """Whose an import's translations are, from the options given; None when neither was given."""
    named = clean_text(translator or "").replace("\n", " ") or None
    if provenance is None and named is None:
        return None
    if provenance is not None and provenance not in {p.value for p in Provenance}:
        raise UnreadableFile(
            _(
                'The translation provenance must be "official" or "unofficial", not %(value)s.',
                value=provenance,
            )
        )
    if named is not None and len(named) > TRANSLATOR_MAX:
        raise UnreadableFile(
            _("The translator's name is longer than %(max)d characters.", max=TRANSLATOR_MAX)
        )
    return TranslationOrigin(provenance or Provenance.unofficial.value, named)


def origin_for(options: ReadOptions, holding: str) -> TranslationOrigin:
    """Whose the translations `holding` names are; UnreadableFile when they are unofficial and no one's."""
    origin = options.translation or TranslationOrigin()
    if origin.provenance == Provenance.unofficial.value and not origin.translator:
        raise UnreadableFile(
            _(
                "%(holding)s holds translations: say whose they are. Give the translator (--translator: "
                "the person or organisation to credit), or --translation-provenance official when the file "
                "is the body's own version (e.g. the UN's Russian text).",
                holding=holding,
            )
        )
    return origin
