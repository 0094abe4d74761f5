"""Every text people read goes through gettext: the template is up to date, every catalogue is complete,
and a catalogue for another language reaches every page, document and command-line message."""

import contextvars
import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import docx
import openpyxl
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations
from sqlalchemy import MetaData, create_engine, select
from typer.testing import CliRunner

from app.i18n import translation
from app.i18n.translation import SOURCE_LANGUAGE, negotiate_locale, use_locale
from app.reports.csv_report import matrix_csv
from app.vocabulary import LABELS, EvidenceKind, HistoryKind, Perspective, Relation, Role, Status, Visibility

REPO = Path(__file__).resolve().parents[1]
LOCALES = REPO / "app" / "i18n" / "locales"
TEMPLATE = LOCALES / "messages.pot"
LANGUAGES = sorted(path.name for path in LOCALES.iterdir() if (path / "LC_MESSAGES" / "messages.po").exists())
CODE = "odf-kz-2015-2.1"
OPEN, CLOSE = "⟦", "⟧"
WORD = re.compile(r"[A-Za-z]{3,}")
# Words the same in every language: the product, a time zone, file formats, a language named in itself.
NOT_TEXT = {"rectrack", "utc", "csv", "xlsx", "docx", "html", "json", "english"}


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _ids(catalogue: Catalog) -> set[tuple[str | None, str | tuple[str, ...]]]:
    return {(message.context, message.id) for message in catalogue if message.id}


def test_the_template_holds_every_text_the_code_marks():
    """A text added without `make messages` fails here: re-extract and compare the message ids."""
    with (REPO / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    extracted = {
        (context, messages if isinstance(messages, str) else tuple(messages))
        for _, _, messages, _, context in extract_from_dir(str(REPO), method_map, options_map)
    }
    committed = _ids(_read(TEMPLATE))
    missing, stale = sorted(extracted - committed, key=str), sorted(committed - extracted, key=str)
    assert not missing and not stale, f"run `make messages`: new {missing}, gone {stale}"
    assert len(committed) > 200


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalogue_has_every_message(language):
    template, catalogue = _read(TEMPLATE), _read(LOCALES / language / "LC_MESSAGES" / "messages.po")
    assert str(catalogue.locale) == language and catalogue.num_plurals >= 1
    missing, extra = _ids(template) - _ids(catalogue), _ids(catalogue) - _ids(template)
    assert not missing and not extra, f"run `make messages`: missing {missing}, extra {extra}"
    messages = [message for message in catalogue if message.id]
    forms = {(m.context, m.id): [m.string] if isinstance(m.string, str) else list(m.string) for m in messages}
    if language == SOURCE_LANGUAGE:
        # The ids are the English texts: English lives in the code only, its catalogue translates nothing.
        assert not [key for key, strings in forms.items() if any(strings)], "English msgstrs stay empty"
        return
    untranslated = [key for key, strings in forms.items() if not all(strings)]
    fuzzy = [(m.context, m.id) for m in messages if m.fuzzy]
    assert not untranslated and not fuzzy, f"{language}: untranslated {untranslated}, fuzzy {fuzzy}"
    assert not [(m.id, errors) for m, errors in catalogue.check()]  # the same %(name)s placeholders
    for (_, msgid), strings in forms.items():
        source = msgid if isinstance(msgid, str) else "".join(msgid)
        for string in strings:
            # Templates trust translations as markup: they may bring no markup or quotes of their own.
            assert not {char for char in '<>&"' if char in string and char not in source}, string


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalogue_compiles_to_a_text_for_every_message(language):
    catalogue = _read(LOCALES / language / "LC_MESSAGES" / "messages.po")
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    lookup = Translations(compiled)
    for message in catalogue:
        if not message.id:
            continue
        context = message.context
        if isinstance(message.id, str):
            texts = [lookup.pgettext(context, message.id) if context else lookup.gettext(message.id)]
            sources = [message.id]
        else:
            singular, plural = message.id
            texts = [lookup.ngettext(singular, plural, n) for n in (1, 2, 5, 21)]
            sources = [singular, plural, plural, plural]
        assert all(texts), message.id
        if language == SOURCE_LANGUAGE:
            assert texts == sources, message.id


def test_every_vocabulary_word_has_a_label():
    for vocabulary, words in [
        ("status", Status),
        ("perspective", Perspective),
        ("assessor", Perspective),
        ("evidence_kind", EvidenceKind),
        ("relation", Relation),
        ("visibility", Visibility),
        ("history_kind", HistoryKind),
        ("role", Role),
    ]:
        assert set(LABELS[vocabulary]) == {word.value for word in words}, vocabulary


def test_negotiation_offers_only_languages_with_a_catalogue():
    assert negotiate_locale("kk-KZ, ru;q=0.9, en;q=0.5") == "kk"
    assert negotiate_locale("ru-RU,ru;q=0.9,en-US;q=0.8") == "ru"
    assert negotiate_locale("de-DE, fr;q=0.9") == "en"  # no catalogue: English
    assert negotiate_locale(None) == negotiate_locale("") == negotiate_locale("q=x;;,") == "en"
    with use_locale("de"):  # no German catalogue: English stands in
        assert translation.current_locale() == "en"


@pytest.mark.parametrize(
    ("locale", "forms"),
    [
        ("ru", {1: "1 рекомендация", 2: "2 рекомендации", 5: "5 рекомендаций", 21: "21 рекомендация"}),
        ("kk", {1: "1 ұсыным", 2: "2 ұсыным", 5: "5 ұсыным"}),
        ("en", {1: "1 recommendation", 2: "2 recommendations"}),
    ],
)
def test_plural_forms_follow_each_language(locale, forms):
    with use_locale(locale):
        for count, expected in forms.items():
            text = translation.ngettext("%(num)s recommendation.", "%(num)s recommendations.", count)
            assert text.startswith(expected), (count, text)


def test_an_installed_package_offers_its_compiled_catalogues(tmp_path, monkeypatch):
    folder = tmp_path / "ru" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as handle:  # a wheel ships the .mo files, not the .po sources
        write_mo(handle, Catalog(locale="ru"))
    monkeypatch.setattr(translation, "LOCALES_DIR", tmp_path)
    translation.available_locales.cache_clear()
    try:
        assert negotiate_locale("ru, en;q=0.5") == "ru"
    finally:
        translation.available_locales.cache_clear()


@pytest.fixture
def pseudo_russian(tmp_path, monkeypatch):
    """A catalogue for 'ru' that wraps every English text in ⟦ ⟧, so a text that was not translated shows."""
    catalogue = Catalog(locale="ru")
    for message in _read(TEMPLATE):
        if not message.id:
            continue
        if isinstance(message.id, str):
            string: str | tuple[str, ...] = OPEN + message.id + CLOSE
        else:
            singular, plural = (OPEN + text + CLOSE for text in message.id)
            string = (singular, *[plural] * (catalogue.num_plurals - 1))
        catalogue.add(message.id, string, context=message.context, flags=message.flags)
    folder = tmp_path / "ru" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.po").open("wb") as handle:
        write_po(handle, catalogue)
    with (folder / "messages.mo").open("wb") as handle:
        write_mo(handle, catalogue)
    monkeypatch.setattr(translation, "LOCALES_DIR", tmp_path)
    translation.available_locales.cache_clear()
    translation.translations.cache_clear()
    yield
    translation.available_locales.cache_clear()
    translation.translations.cache_clear()


def _data_words(url: str) -> set[str]:
    """Every word stored in the database (texts, titles, labels, payloads): data, never translated."""
    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    words: set[str] = set()
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                for value in row:
                    if isinstance(value, str):
                        words |= {word.lower() for word in WORD.findall(value)}
    engine.dispose()
    return words


def _untranslated(text: str, data: set[str]) -> set[str]:
    """Words outside every ⟦translated⟧ part that are not data either."""
    while True:  # translations nest ("⟦Signed in as Monitor 1 (⟦monitor⟧)⟧"): remove the innermost first
        stripped = re.sub(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", " ", text)
        if stripped == text:
            break
        text = stripped
    return {word for word in WORD.findall(text) if word.lower() not in data | NOT_TEXT}


class _Text(HTMLParser):
    """The text of a page a person reads or hears: text nodes and the attributes that are spoken."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")
        self.parts += [value for name, value in attrs if name in ("aria-label", "title", "alt") and value]

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def test_every_page_text_is_in_the_visitors_language(client, database, monitor_token, pseudo_russian):
    data = _data_words(database.url)
    russian = {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}
    form = client.get("/login", headers=russian)
    assert 'lang="ru"' in form.text and not _untranslated(_page_text(form.text), data)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    signed_in = client.post("/login", data={"csrf_token": csrf, "token": monitor_token}, headers=russian)
    assert signed_in.status_code == 200
    paths = [
        "/",
        "/recommendations?status=bogus",
        f"/recommendations/{CODE}",
        "/matrix?as_of=x",
        "/matrix?group_by=theme&sdg=16.10",
        "/about",
        "/logout",
    ]
    for path in [*paths, "/recommendations/no-such-code"]:
        page = client.get(path, headers=russian)
        assert 'lang="ru"' in page.text, path
        assert not _untranslated(_page_text(page.text), data), path
    missing = client.get("/no-such-page", headers=russian | {"Accept": "text/html"})
    assert missing.status_code == 404 and not _untranslated(_page_text(missing.text), data)
    # Forms refused: a stale CSRF token, then errors shown beside the fields.
    stale = client.post(f"/recommendations/{CODE}/assessments", data={"csrf_token": csrf}, headers=russian)
    assert stale.status_code == 403 and not _untranslated(_page_text(stale.text), data)
    page = client.get(f"/recommendations/{CODE}", headers=russian).text
    fields = {
        name: re.search(rf'name="{name}" value="([^"]*)"', page).group(1)
        for name in ("csrf_token", "version")
    }
    invalid = client.post(
        f"/recommendations/{CODE}/assessments",
        data=fields | {"status": "bogus", "summary": ""},
        headers=russian,
    )
    assert invalid.status_code == 422 and 'class="field-error"' in invalid.text
    assert not _untranslated(_page_text(invalid.text), data)
    # The locale is the request's own: the next visitor reads English, and the API stays English.
    english = client.get("/", headers={"Accept-Language": "en"})
    assert (
        'lang="en"' in english.text
        and OPEN not in english.text
        and "Implementation scorecard" in english.text
    )
    # Texts handed in from Python are escaped like any value; so are the values inside a template's texts.
    assert "effective_on &lt;= as_of" in english.text
    missing = client.get("/recommendations/%3Cb%3Ex")
    assert missing.status_code == 404 and "No recommendation has the code &lt;b&gt;x." in missing.text
    scorecard = client.get("/api/v1/scorecard", params={"group_by": "status"}, headers=russian).json()
    assert scorecard["groups"][0]["label"] == "Not assessed" and OPEN not in str(scorecard)


def test_documents_and_the_command_line_speak_the_current_language(
    database, tmp_path, monkeypatch, pseudo_russian
):
    from app.cli import cli
    from app.config import get_settings

    monkeypatch.setenv("RECTRACK_DATABASE_URL", database.url)
    get_settings.cache_clear()
    data = _data_words(database.url) | {"https", "http", "www"}
    runner = CliRunner()
    try:
        with use_locale("ru"):
            table = runner.invoke(cli, ["scorecard", "--lang", "ru"])
            written = {
                fmt: runner.invoke(
                    cli,
                    [
                        "report",
                        "matrix",
                        "--format",
                        fmt,
                        "--lang",
                        "ru",
                        "--out",
                        str(tmp_path / f"m.{fmt}"),
                    ],
                )
                for fmt in ("csv", "xlsx", "docx", "html")
            }
    finally:
        get_settings.cache_clear()
    assert table.exit_code == 0 and f"{OPEN}Scorecard by section{CLOSE}" in table.output
    assert all(f"{OPEN}wrote 43 recommendations to" in result.output for result in written.values())
    texts = {
        "csv": (tmp_path / "m.csv").read_text("utf-8-sig"),
        "html": _page_text((tmp_path / "m.html").read_text()),
        "docx": _docx_text(tmp_path / "m.docx"),
        "xlsx": _xlsx_text(tmp_path / "m.xlsx"),
    }
    for fmt, text in texts.items():
        assert OPEN in text and not _untranslated(text, data), fmt
    assert 'lang="ru"' in (tmp_path / "m.html").read_text()


def _docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([document.core_properties.title, *(p.text for p in document.paragraphs), *cells])


def _xlsx_text(path: Path) -> str:
    workbook = openpyxl.load_workbook(path)
    values = [
        str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row if cell
    ]
    return "\n".join([workbook.properties.title or "", *workbook.sheetnames, *values])


def test_streamed_documents_keep_the_language_they_were_asked_in(pseudo_russian):
    with use_locale("ru"):
        chunks = matrix_csv(iter([]), "un")
    # A streamed response pulls each chunk in a fresh copy of the server's context, without the locale.
    header = contextvars.Context().run(next, chunks)
    assert next(csv.reader(io.StringIO(header.removeprefix("\ufeff"))))[:3] == [
        "⟦Code⟧",
        "⟦Source⟧",
        "⟦Section⟧",
    ]
    assert f"{OPEN}Status (⟦UN bodies⟧){CLOSE}" in header
