"""The column mapping of the "mapped" format: which column holds what, read from TOML or from CLI options.

A mapping is a TOML document (app/imports/mappings/README.md describes it; uhri.toml is an example):

    name = "OHCHR Universal Human Rights Index export"   # optional, for people
    sheet = "Sheet1"          # XLSX only: the sheet to read (default: the first)
    multi_value = "lines"     # how a cell lists several values: "lines" (the default), "comma", "semicolon"
    id_prefix = "uhri"        # stable ids become "uhri:<value>"; without it the value alone
    delimiter = ";"           # CSV only (default: guessed from the header line)

    [columns]                 # rectrack field = the header of the column that holds it
    text = "Text"             # the only required one
    paragraph = "Para"
    recommending_states = "UPR Reccomending States"   # multi-valued fields may also name a list of columns
    response = "UPR Position"
    action_category = "Action"
    themes = ["Themes", "Affected Persons"]
    sdg_targets = "Sdgs"
    addressees = "Addressee"
    external_id = "OHCHR Annotation Id"
    session = "UPR Session"
    state = "Countries Concerned"
    body = "Reccomending Body"
    document_symbol = "Document Symbol"
    document_date = "Document Publication Date"
    text_ru = "Text (Russian)"   # the text in another language (text_ru, text_kk): a translation

    [source]                  # constants, all optional; each overrides what the rows say
    state = "Kazakhstan"      # the state under review of every row
    session = 20
    body = "CEDAW"
    document_symbol = "CEDAW/C/KAZ/CO/5"
    kind = "treaty_body"      # ngo_report, upr_review, treaty_body, special_procedure, other
    slug = "cedaw-kz-2019"    # one source for the whole sheet: title, publisher and kind must be given too
    title = "..."
    publisher = "..."
    cycle = 3
    reviewed_on = 2019-11-07
    published_on = 2019-11-12
    url = "https://..."
    date_note = "..."

Mistakes in a mapping are MappingError (an UnreadableFile) with a message saying what to change.
"""

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from app.i18n.translation import gettext as _
from app.imports.cells import MULTI_VALUE_STYLES
from app.imports.rows import UnreadableFile
from app.imports.translated import TRANSLATION_LANGUAGES
from app.vocabulary import SourceKind

MAPPINGS_DIR = Path(__file__).parent / "mappings"
FIELDS = (
    "text",
    "paragraph",
    "recommending_states",
    "response",
    "action_category",
    "themes",
    "sdg_targets",
    "addressees",
    "external_id",
    "session",
    "state",
    "body",
    "document_symbol",
    "document_date",
    *(f"text_{language}" for language in TRANSLATION_LANGUAGES),
)
# The fields holding the text in another language, and that language.
TRANSLATION_FIELDS = {f"text_{language}": language for language in TRANSLATION_LANGUAGES}
MULTI_FIELDS = frozenset({"recommending_states", "themes", "sdg_targets", "addressees"})
SETTINGS = ("name", "sheet", "multi_value", "id_prefix", "delimiter", "columns", "source")
TEXT_CONSTANTS = ("state", "body", "document_symbol", "slug", "title", "publisher", "url", "date_note")
NUMBER_CONSTANTS = ("session", "cycle")
DATE_CONSTANTS = ("reviewed_on", "published_on")
SOURCE_CONSTANTS = ("kind", *TEXT_CONSTANTS, *NUMBER_CONSTANTS, *DATE_CONSTANTS)
_BUILT_IN_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class MappingError(UnreadableFile):
    """The mapping itself is wrong (an unknown key, no text column): nothing is read."""


@dataclass(frozen=True)
class Mapping:
    """A checked mapping: each field's column headers, how cells list values, and the source's constants."""

    columns: dict[str, tuple[str, ...]]
    multi_value: str = "lines"
    id_prefix: str | None = None
    sheet: str | None = None
    delimiter: str | None = None
    name: str | None = None
    source: dict[str, Any] = field(default_factory=dict)


def built_in_mappings() -> list[str]:
    """The names of the mappings rectrack ships ('uhri')."""
    return sorted(path.stem for path in MAPPINGS_DIR.glob("*.toml"))


def load_mapping(name_or_path: str) -> dict[str, Any]:
    """A checked mapping from a built-in name ('uhri') or the path of a .toml file."""
    built_in = MAPPINGS_DIR / f"{name_or_path}.toml"
    path = built_in if _BUILT_IN_NAME.match(name_or_path) and built_in.is_file() else Path(name_or_path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise MappingError(
            _(
                "There is no mapping %(name)s: name a built-in one (%(built_in)s) "
                "or the path of a .toml file.",
                name=name_or_path,
                built_in=", ".join(built_in_mappings()),
            )
        ) from error
    return mapping_from_toml(data)


def mapping_from_toml(data: bytes) -> dict[str, Any]:
    """A checked mapping from the bytes of a TOML document (an uploaded mapping file)."""
    try:
        mapping = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise MappingError(_("The mapping is not UTF-8 text.")) from error
    except tomllib.TOMLDecodeError as error:
        raise MappingError(_("The mapping is not valid TOML: %(detail)s.", detail=str(error))) from error
    parse_mapping(mapping)
    return mapping


def mapping_from_options(columns: list[str], source: dict[str, Any]) -> dict[str, Any]:
    """A checked mapping from CLI options: `field=Column header` items and the constants given.

    `source` holds the [source] constants (kind, state, session, slug, ...) and may also hold the settings
    multi_value, id_prefix, sheet, delimiter and name; None values are left out. A multi-valued field
    given several times (`themes=Themes`, `themes=Affected Persons`) reads all those columns.
    """
    mapped: dict[str, Any] = {}
    for item in columns:
        name, equals, header = item.partition("=")
        name, header = name.strip(), header.strip()
        if not equals or not name or not header:
            raise MappingError(
                _(
                    "A column option reads field=Column header (e.g. text=Text); %(option)s does not.",
                    option=item,
                )
            )
        if name in mapped and name not in MULTI_FIELDS:
            raise MappingError(_("The field %(field)s is given more than one column.", field=name))
        mapped.setdefault(name, []).append(header)
    mapping: dict[str, Any] = {
        "columns": {name: headers[0] if len(headers) == 1 else headers for name, headers in mapped.items()},
        "source": {},
    }
    for key, value in source.items():
        if value is None:
            continue
        if key in SETTINGS:
            mapping[key] = value
        else:
            mapping["source"][key] = value
    parse_mapping(mapping)
    return mapping


def parse_mapping(raw: dict[str, Any]) -> Mapping:
    """The checked form of a mapping; MappingError listing every mistake found."""
    problems: list[str] = []
    for key in raw:
        if key not in SETTINGS:
            problems.append(
                _(
                    "The mapping has an unknown setting %(key)s; the settings are: %(known)s.",
                    key=key,
                    known=", ".join(SETTINGS),
                )
            )
    columns = _columns(raw.get("columns"), problems)
    multi_value = raw.get("multi_value", "lines")
    if multi_value not in MULTI_VALUE_STYLES:
        problems.append(
            _(
                "multi_value must be one of %(styles)s, not %(value)s.",
                styles=", ".join(MULTI_VALUE_STYLES),
                value=repr(multi_value),
            )
        )
    settings = {key: _text_setting(raw, key, problems) for key in ("id_prefix", "sheet", "delimiter", "name")}
    if settings["delimiter"] is not None and len(settings["delimiter"]) != 1:
        problems.append(_('delimiter must be one character, e.g. ";".'))
    source = _source(raw.get("source", {}), problems)
    if problems:
        raise MappingError(" ".join(problems))
    return Mapping(
        columns=columns,
        multi_value=multi_value,
        id_prefix=settings["id_prefix"],
        sheet=settings["sheet"],
        delimiter=settings["delimiter"],
        name=settings["name"],
        source=source,
    )


def _text_setting(raw: dict[str, Any], key: str, problems: list[str]) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(_("The setting %(key)s must be a non-empty text.", key=key))
        return None
    return value if key == "delimiter" else value.strip()


def _columns(raw: object, problems: list[str]) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        problems.append(
            _('The mapping has no [columns] table; it needs at least the text column: text = "Text".')
        )
        return {}
    columns: dict[str, tuple[str, ...]] = {}
    for name, value in raw.items():
        if name not in FIELDS:
            problems.append(
                _(
                    "The mapping names an unknown field %(field)s under [columns]; "
                    "the fields are: %(known)s.",
                    field=name,
                    known=", ".join(FIELDS),
                )
            )
            continue
        headers = value if isinstance(value, list) and name in MULTI_FIELDS else [value]
        if not headers or not all(isinstance(header, str) and header.strip() for header in headers):
            if name in MULTI_FIELDS:
                problems.append(
                    _("Under [columns], %(field)s must be a column header or a list of them.", field=name)
                )
            else:
                problems.append(_("Under [columns], %(field)s must be one column header.", field=name))
            continue
        columns[name] = tuple(header.strip() for header in headers)
    if "text" not in raw:
        problems.append(
            _(
                "The mapping does not say which column holds the text: "
                'add text = "<its header>" under [columns].'
            )
        )
    return columns


def _source(raw: object, problems: list[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        problems.append(_('[source] must be a table of constants, e.g. state = "Kazakhstan".'))
        return {}
    source: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in SOURCE_CONSTANTS:
            problems.append(
                _(
                    "The mapping has an unknown constant %(key)s under [source]; "
                    "the constants are: %(known)s.",
                    key=key,
                    known=", ".join(SOURCE_CONSTANTS),
                )
            )
            continue
        checked = _constant(key, value)
        if checked is None:
            problems.append(
                _("The constant %(key)s under [source] cannot be %(value)s.", key=key, value=repr(value))
            )
        else:
            source[key] = checked
    if "slug" in source:
        missing = [key for key in ("kind", "title", "publisher") if key not in source]
        if missing:
            problems.append(
                _(
                    "A mapping that gives the source's slug makes the whole sheet one source: "
                    "give its %(missing)s too.",
                    missing=", ".join(missing),
                )
            )
    return source


def _constant(key: str, value: object) -> object | None:
    if key == "kind":
        return SourceKind(value) if isinstance(value, str) and value in SourceKind.__members__ else None
    if key in NUMBER_CONSTANTS:
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
    if key in DATE_CONSTANTS:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None
    return value.strip() if isinstance(value, str) and value.strip() else None
