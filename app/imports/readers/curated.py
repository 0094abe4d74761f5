"""The "curated" format: rectrack's own TOML, the way seed/odf-kz-2015.toml describes a report.

    [source]        slug, title, publisher (required); published_on, url, date_note, report_file, and
                    kind (default ngo_report), state_under_review, cycle, session, reviewed_on,
                    document_symbol
    [categories.<addressee|theme|sdg>]   slug = "label"
    [[sections]]    number, title
    [[recommendations]]   code = "<slug>-<section>.<number>", section, text, and optionally
                    addressees, themes, sdg (lists of category slugs), paragraph, and the text in
                    other languages: text_ru, text_kk, text_en
    [translation]   provenance ("official" or "unofficial", the default) and translator, for every
                    text_<language> of the file (the import's --translation-provenance and --translator,
                    when given, take its place)

Footnotes and evidence are not imported: `rectrack seed` loads the seed's, monitors link the rest.
"""

import re
import tomllib
from datetime import date, datetime
from typing import Any

from app.i18n.translation import gettext as _
from app.i18n.translation import ngettext
from app.imports.identity import clean_text, upr_cycle
from app.imports.rows import (
    CategorySpec,
    ImportedRow,
    ReadOptions,
    ReadResult,
    RefusedRow,
    SectionSpec,
    SourceSpec,
    TranslationSpec,
    UnreadableFile,
)
from app.vocabulary import TEXT_LANGUAGES, CategoryKind, Provenance, SourceKind

NAME = "curated"
REQUIRED_SOURCE = ("slug", "title", "publisher")
TEXT_SOURCE = ("url", "date_note", "report_file", "state_under_review", "document_symbol")
DATE_SOURCE = ("published_on", "reviewed_on")
NUMBER_SOURCE = ("cycle", "session")
SOURCE_KEYS = (*REQUIRED_SOURCE, "kind", *TEXT_SOURCE, *DATE_SOURCE, *NUMBER_SOURCE)
CATEGORY_KINDS = {"addressee": CategoryKind.addressee, "theme": CategoryKind.theme, "sdg": CategoryKind.sdg}
# A recommendation's list of category slugs, by key, in the order the seed loader files them.
CATEGORY_KEYS = {"addressees": CategoryKind.addressee, "themes": CategoryKind.theme, "sdg": CategoryKind.sdg}
TRANSLATED_KEYS = {f"text_{language}": language for language in TEXT_LANGUAGES}
RECOMMENDATION_KEYS = ("code", "section", "text", "paragraph", *CATEGORY_KEYS, *TRANSLATED_KEYS)
TOP_LEVEL = ("source", "categories", "sections", "recommendations", "footnotes", "evidence", "translation")
_TABLE_HEADER = re.compile(r"^\s*\[\[\s*recommendations\s*\]\]")


def read(data: bytes, filename: str, options: ReadOptions) -> ReadResult:
    """Read a curated TOML file into rows (with codes and sections) and refusals; UnreadableFile if unfit."""
    text = _decoded(data)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UnreadableFile(_("The file is not valid TOML: %(detail)s.", detail=str(error))) from error
    result = ReadResult(format=NAME, encoding="utf-8")
    unknown = [key for key in document if key not in TOP_LEVEL]
    if unknown:
        raise UnreadableFile(
            _(
                "The file has unknown tables %(keys)s; a curated file has: %(known)s.",
                keys=", ".join(unknown),
                known=", ".join(TOP_LEVEL[:4]),
            )
        )
    source = _source(document.get("source"))
    categories = _categories(document.get("categories", {}))
    sections = _sections(document.get("sections", []))
    whose = _translation(document.get("translation", {}))
    if options.translation is not None:  # what the person importing says overrides the file's table
        whose = (options.translation.provenance, options.translation.translator)
    items = document.get("recommendations", [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise UnreadableFile(_("recommendations must be an array of tables ([[recommendations]])."))
    lines = _lines(text, len(items))
    seen: dict[str, int] = {}
    for line, item in zip(lines, items, strict=True):
        outcome = _row(line, item, source, sections, categories, seen, whose)
        if isinstance(outcome, RefusedRow):
            result.refused.append(outcome)
        else:
            result.rows.append(outcome)
    skipped = sum(len(document.get(key, [])) for key in ("footnotes", "evidence"))
    if skipped:
        result.notes.append(
            ngettext(
                "%(num)s footnote was left out: footnotes are loaded by `rectrack seed`, not imported.",
                "%(num)s footnotes were left out: footnotes are loaded by `rectrack seed`, not imported.",
                skipped,
            )
        )
    return result


def _decoded(data: bytes) -> str:
    if not data.strip():
        raise UnreadableFile(_("The file is empty."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(_("A curated file is TOML, which is UTF-8 text; this file is not.")) from error


def _lines(text: str, count: int) -> list[int]:
    """The line each [[recommendations]] table starts on (tomllib keeps no positions); 1 when unknown."""
    lines = [number for number, line in enumerate(text.splitlines(), start=1) if _TABLE_HEADER.match(line)]
    return lines if len(lines) == count else [1] * count


def _source(raw: object) -> SourceSpec:
    if not isinstance(raw, dict):
        raise UnreadableFile(_("The file has no [source] table (slug, title, publisher)."))
    problems: list[str] = []
    unknown = [key for key in raw if key not in SOURCE_KEYS]
    if unknown:
        problems.append(
            _(
                "[source] has unknown keys %(keys)s; it may have: %(known)s.",
                keys=", ".join(unknown),
                known=", ".join(SOURCE_KEYS),
            )
        )
    missing = [key for key in REQUIRED_SOURCE if not isinstance(raw.get(key), str) or not raw[key].strip()]
    if missing:
        problems.append(_("[source] needs %(keys)s (texts).", keys=", ".join(missing)))
    kind_word = raw.get("kind", SourceKind.ngo_report.value)
    if not isinstance(kind_word, str) or kind_word not in SourceKind.__members__:
        problems.append(
            _(
                "[source] kind must be one of %(kinds)s, not %(value)s.",
                kinds=", ".join(SourceKind),
                value=repr(kind_word),
            )
        )
    values: dict[str, Any] = {}
    for key in TEXT_SOURCE:
        values[key] = _checked(raw, key, lambda v: v.strip() if isinstance(v, str) and v.strip() else None)
    for key in DATE_SOURCE:
        values[key] = _checked(raw, key, _as_date)
    for key in NUMBER_SOURCE:
        values[key] = _checked(raw, key, lambda v: v if type(v) is int and v > 0 else None)
    bad = [key for key, value in values.items() if value is _BAD]
    if bad:
        problems.append(_("[source] has values of the wrong type for %(keys)s.", keys=", ".join(bad)))
    if problems:
        raise UnreadableFile(" ".join(problems))
    kind = SourceKind(kind_word)
    session = values["session"]
    cycle = values["cycle"] or (upr_cycle(session) if session and kind is SourceKind.upr_review else None)
    return SourceSpec(
        slug=raw["slug"].strip(),
        kind=kind,
        title=raw["title"].strip(),
        publisher=raw["publisher"].strip(),
        state_under_review=values["state_under_review"],
        cycle=cycle,
        session=session,
        reviewed_on=values["reviewed_on"],
        document_symbol=values["document_symbol"],
        published_on=values["published_on"],
        url=values["url"],
        date_note=values["date_note"],
    )


_BAD = object()


def _checked(raw: dict[str, Any], key: str, convert: Any) -> Any:
    """The key's value converted; None when absent, _BAD when present but of the wrong kind."""
    if key not in raw:
        return None
    converted = convert(raw[key])
    return _BAD if converted is None else converted


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return None  # a time of day has no place here: say so rather than drop it
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _categories(raw: object) -> dict[tuple[CategoryKind, str], str]:
    if not isinstance(raw, dict):
        raise UnreadableFile(_("categories must be tables such as [categories.theme]."))
    categories: dict[tuple[CategoryKind, str], str] = {}
    for kind_name, table in raw.items():
        if kind_name not in CATEGORY_KINDS:
            raise UnreadableFile(
                _(
                    "[categories.%(kind)s] is not a kind of category; the kinds are: %(kinds)s.",
                    kind=kind_name,
                    kinds=", ".join(CATEGORY_KINDS),
                )
            )
        if not isinstance(table, dict):
            raise UnreadableFile(_("[categories.%(kind)s] must be a table of slug = label.", kind=kind_name))
        for slug, label in table.items():
            if not isinstance(label, str) or not label.strip():
                raise UnreadableFile(
                    _(
                        "The category %(slug)s in [categories.%(kind)s] needs a label (a text).",
                        slug=slug,
                        kind=kind_name,
                    )
                )
            categories[(CATEGORY_KINDS[kind_name], slug)] = clean_text(label)
    return categories


def _sections(raw: object) -> dict[int, SectionSpec]:
    if not isinstance(raw, list):
        raise UnreadableFile(_("sections must be an array of tables ([[sections]]) with number and title."))
    sections: dict[int, SectionSpec] = {}
    for item in raw:
        number = item.get("number") if isinstance(item, dict) else None
        title = item.get("title") if isinstance(item, dict) else None
        if type(number) is not int or number < 1 or not isinstance(title, str) or not title.strip():
            raise UnreadableFile(_("Each [[sections]] needs a number (1 or more) and a title."))
        if number in sections:
            raise UnreadableFile(_("The section %(number)s is given twice.", number=number))
        sections[number] = SectionSpec(number=number, title=clean_text(title))
    return sections


def _translation(raw: object) -> tuple[str, str | None]:
    """The [translation] table: whose the file's translations are."""
    if not isinstance(raw, dict) or any(key not in ("provenance", "translator") for key in raw):
        raise UnreadableFile(_("[translation] may have provenance and translator, nothing else."))
    provenance = raw.get("provenance", Provenance.unofficial.value)
    translator = raw.get("translator")
    if provenance not in {p.value for p in Provenance} or not isinstance(translator, str | None):
        raise UnreadableFile(
            _('[translation] provenance must be "official" or "unofficial", and translator a text.')
        )
    return provenance, clean_text(translator) if translator else None


def _row(
    line: int,
    item: dict[str, Any],
    source: SourceSpec,
    sections: dict[int, SectionSpec],
    categories: dict[tuple[CategoryKind, str], str],
    seen: dict[str, int],
    whose: tuple[str, str | None] = (Provenance.unofficial.value, None),
) -> ImportedRow | RefusedRow:
    """One [[recommendations]] table checked; a refusal with every reason found."""
    reasons: list[str] = []
    unknown = [key for key in item if key not in RECOMMENDATION_KEYS]
    if unknown:
        reasons.append(
            _(
                "The recommendation has unknown keys %(keys)s; it may have: %(known)s.",
                keys=", ".join(unknown),
                known=", ".join(RECOMMENDATION_KEYS),
            )
        )
    text = clean_text(item["text"]) if isinstance(item.get("text"), str) else ""
    if not text:
        reasons.append(_("The row has no text."))
    section_number = item.get("section")
    section = sections.get(section_number) if type(section_number) is int else None
    if section is None:
        reasons.append(
            _(
                "The section %(section)s is not one of the file's [[sections]] (%(known)s).",
                section=repr(section_number),
                known=", ".join(str(number) for number in sections) or _("none"),
            )
        )
    code = item.get("code")
    expected = f"{source.slug}-{section.number if section else '<section>'}.<number>"
    shape = rf"{re.escape(source.slug)}-{section.number if section else '[1-9][0-9]*'}\.[1-9][0-9]*"
    if not isinstance(code, str) or not re.fullmatch(shape, code):
        reasons.append(
            _(
                "The code %(code)s does not have the shape %(expected)s: the source's slug, the section's "
                "number, a dot and the recommendation's number.",
                code=repr(code),
                expected=expected,
            )
        )
    elif code in seen:
        reasons.append(_("The code %(code)s is already used on line %(line)s.", code=code, line=seen[code]))
    filed: list[CategorySpec] = []
    for key, kind in CATEGORY_KEYS.items():
        slugs = item.get(key, [])
        if not isinstance(slugs, list) or not all(isinstance(slug, str) for slug in slugs):
            reasons.append(_("%(key)s must be a list of category slugs.", key=key))
            continue
        for slug in slugs:
            label = categories.get((kind, slug))
            if label is None:
                reasons.append(
                    _(
                        "The category %(slug)s is not in [categories.%(kind)s].",
                        slug=slug,
                        kind=kind.value,
                    )
                )
            else:
                filed.append(CategorySpec(kind, label, slug=slug))
    paragraph = item.get("paragraph")
    if paragraph is not None and type(paragraph) not in (str, int, float):
        reasons.append(_('paragraph must be a text such as "106.12".'))
    translations = []
    for key, language in TRANSLATED_KEYS.items():
        if key not in item:
            continue
        translated = clean_text(item[key]) if isinstance(item[key], str) else ""
        if not translated or language == "en":  # curated sources are written in English
            reasons.append(_("%(key)s must be the text in another language than the source's.", key=key))
        else:
            translations.append(TranslationSpec(language, translated, *whose))
    if reasons:
        return RefusedRow(line, " ".join(reasons))
    assert isinstance(code, str) and section is not None
    seen[code] = line
    return ImportedRow(
        line=line,
        source=source,
        text=text,
        paragraph=clean_text(str(paragraph)) or None if paragraph is not None else None,
        categories=tuple(filed),
        code=code,
        section=section,
        translations=tuple(translations),
    )
