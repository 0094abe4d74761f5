"""The UPR Info CSV reader on its own (no database): every encoding and line ending, filtering, bad input."""

import codecs
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest

from app.imports import formats
from app.imports.decoding import decode_text
from app.imports.readers import upr_info
from app.imports.rows import ImportedRow, ReadOptions, ReadResult, UnreadableFile
from app.vocabulary import CategoryKind, Response, SourceKind
from tests.import_fixtures import (
    ENCODINGS,
    NEWLINES,
    REPORTED_ENCODING,
    UPR_COLUMNS,
    UPR_ROWS,
    UprRow,
    upr_info_file,
    upr_info_text,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "seed" / "examples" / "upr-info-kz-example.csv"
HEADER = "To,Text,From,Response,Action,Issue,Session\r\n"
# What Windows-1252 and Mac Roman make of each other's quotes, dashes and accented letters.
MOJIBAKE = ["â€", "Ã", "Õ", "Ò", "Ó", "Ð", "Ž", "Ÿ", "™", "ì", "î", "í", "È", "Ù", "¸", "\u0080", "\u009f"]


def read(text: str | bytes, state: str | None = None, reviewed_on: date | None = None) -> ReadResult:
    """Read a CSV given as text (encoded as UTF-8) or bytes."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return upr_info.read(data, "test.csv", ReadOptions(state=state, reviewed_on=reviewed_on))


def observed(row: ImportedRow) -> dict[str, object]:
    """What a read row holds, in the terms of a fixture row."""
    return {
        "slug": row.source.slug,
        "state": row.source.state_under_review,
        "session": row.source.session,
        "cycle": row.source.cycle,
        "text": row.text,
        "recommending_states": row.recommending_states,
        "response": row.response,
        "response_original": row.response_original,
        "action_category": row.action_category,
        "themes": tuple(category.label for category in row.categories),
    }


def expected(row: UprRow) -> dict[str, object]:
    """What reading a fixture row must give."""
    return {
        "slug": row.slug,
        "state": row.state,
        "session": row.session,
        "cycle": row.cycle,
        "text": row.text,
        "recommending_states": row.recommending_states,
        "response": row.response,
        "response_original": row.response_original,
        "action_category": row.action_category,
        "themes": row.themes,
    }


@pytest.mark.parametrize("newline", NEWLINES.values(), ids=NEWLINES.keys())
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_encoding_and_line_ending_reads_the_same_rows(
    tmp_path: Path, encoding: str, newline: str
) -> None:
    path, rows = upr_info_file(tmp_path, encoding, newline)
    result = upr_info.read(path.read_bytes(), path.name, ReadOptions())

    assert result.format == "upr-info"
    assert result.encoding == REPORTED_ENCODING[encoding]
    assert result.refused == []
    assert result.notes == []
    assert [row.line for row in result.rows] == [line for line, _ in rows]
    for got, (line, want) in zip(result.rows, rows, strict=True):
        assert observed(got) == expected(want), f"line {line}"
        assert got.text.encode("utf-8") == want.text.encode("utf-8")
        assert all(category.kind is CategoryKind.theme for category in got.categories)
        assert got.external_id is None and got.paragraph is None and got.code is None


@pytest.mark.parametrize("encoding", ["cp1252", "mac_roman"])
def test_windows_1252_and_mac_roman_are_never_confused(encoding: str) -> None:
    # Each row alone too: a short file is where the two are hardest to tell apart.
    for newline in NEWLINES.values():
        for rows in [UPR_ROWS, *([row] for row in UPR_ROWS)]:
            written = upr_info_text(rows, newline)
            text, used = decode_text(written.encode(encoding))
            assert text == written, (used, rows[0].cells["Text"])
            if not written.isascii():
                assert used == encoding
            assert not [bad for bad in MOJIBAKE if bad in text]


def test_a_source_per_state_and_session(tmp_path: Path) -> None:
    path, _ = upr_info_file(tmp_path, "mac_roman", "\r")
    result = upr_info.read(path.read_bytes(), path.name, ReadOptions())
    sources = {row.source.slug: row.source for row in result.rows}

    assert list(sources) == ["upr-kz-s20", "upr-kz-s7", "upr-kg-s21", "upr-ci-s19"]
    kz20 = sources["upr-kz-s20"]
    assert kz20.kind is SourceKind.upr_review
    assert kz20.title == "Universal Periodic Review of Kazakhstan: session 20 (second cycle)"
    assert kz20.publisher == "UN Human Rights Council, Working Group on the Universal Periodic Review"
    assert (kz20.state_under_review, kz20.session, kz20.cycle, kz20.reviewed_on) == (
        "Kazakhstan",
        20,
        2,
        None,
    )
    assert sources["upr-kz-s7"].title == "Universal Periodic Review of Kazakhstan: session 7 (first cycle)"
    assert sources["upr-ci-s19"].state_under_review == "Côte d’Ivoire"
    assert all(row.source == sources[row.source.slug] for row in result.rows)


def test_a_review_date_is_given_to_the_one_review_of_a_file() -> None:
    one = read(
        HEADER + "Kazakhstan,Protect journalists.,Norway,Accepted,3,Justice,20\r\n",
        reviewed_on=date(2014, 10, 30),
    )
    assert one.rows[0].source.reviewed_on == date(2014, 10, 30)

    several = read(
        HEADER
        + "Kazakhstan,Protect journalists.,Norway,Accepted,3,,20\r\n"
        + "Kazakhstan,Free the press.,Norway,Noted,,,7\r\n",
        reviewed_on=date(2014, 10, 30),
    )
    assert [row.source.reviewed_on for row in several.rows] == [None, None]
    assert any("review date was not used" in note for note in several.notes)

    kept = read(EXAMPLE.read_bytes(), state="Kyrgyzstan", reviewed_on=date(2015, 1, 20))
    assert {row.source.reviewed_on for row in kept.rows} == {None}  # sessions 8 and 21


def test_state_option_keeps_one_state(tmp_path: Path) -> None:
    path, rows = upr_info_file(tmp_path, "cp1252", "\r\n")
    data = path.read_bytes()

    kazakhstan = upr_info.read(data, path.name, ReadOptions(state=" kazakhstan "))
    assert [row.line for row in kazakhstan.rows] == [line for line, row in rows if row.state == "Kazakhstan"]
    assert {row.source.slug for row in kazakhstan.rows} == {"upr-kz-s20", "upr-kz-s7"}
    assert kazakhstan.refused == []
    assert kazakhstan.notes == ["3 rows about other states than Kazakhstan were left out."]

    # Quotes folded: a straight apostrophe finds "Côte d’Ivoire".
    ivory_coast = upr_info.read(data, path.name, ReadOptions(state="Côte d'Ivoire"))
    assert [row.source.slug for row in ivory_coast.rows] == ["upr-ci-s19"]
    assert ivory_coast.notes == ["8 rows about other states than Côte d’Ivoire were left out."]


def test_state_option_finds_another_name_of_the_same_state() -> None:
    text = (
        HEADER
        + "Turkey,Protect journalists.,Norway,Accepted,3,,7\r\nTürkiye,Free the press.,Norway,Noted,,,35\r\n"
    )
    result = read(text, state="Türkiye")
    assert [row.source.slug for row in result.rows] == ["upr-tr-s7", "upr-tr-s35"]
    assert [row.source.state_under_review for row in result.rows] == ["Turkey", "Türkiye"]


def test_state_option_with_no_row_of_that_state(tmp_path: Path) -> None:
    path, _ = upr_info_file(tmp_path, "utf-8", "\n")
    with pytest.raises(UnreadableFile) as raised:
        upr_info.read(path.read_bytes(), path.name, ReadOptions(state="Uzbekistan"))
    message = str(raised.value)
    assert "Uzbekistan" in message
    assert "Kazakhstan, Kyrgyzstan, Côte d’Ivoire" in message


def test_rows_of_other_states_are_not_checked_when_one_state_is_kept() -> None:
    text = HEADER + "Kazakhstan,Protect journalists.,Norway,Accepted,3,,20\r\nKyrgyzstan,,,,9,,x\r\n"
    result = read(text, state="Kazakhstan")
    assert len(result.rows) == 1 and result.refused == []


def test_columns_in_any_order_with_other_columns_and_loose_names() -> None:
    text = (
        " session ;Extra;TEXT;to;From;Response\n"
        "20;ignored;Protect journalists.;Kazakhstan;Norway;Accepted\n"
        "20;ignored;Free the press.;Kazakhstan;Sweden\n"  # short row: the missing cells are empty
    )
    result = read(text)
    assert [(row.text, row.recommending_states, row.response) for row in result.rows] == [
        ("Protect journalists.", ("Norway",), Response.supported),
        ("Free the press.", ("Sweden",), None),
    ]
    assert [row.action_category for row in result.rows] == [None, None]
    assert [row.categories for row in result.rows] == [(), ()]
    assert result.notes == ["The file's cells are separated by “;”."]


def test_absent_optional_columns_read_as_empty_whatever_follows() -> None:
    text = (
        "To,Text,From,Response,Session,Notes\r\nKazakhstan,Protect journalists.,Norway,Accepted,20,7,x,y\r\n"
    )
    row = read(text).rows[0]
    assert (row.action_category, row.categories) == (None, ())


def test_utf16_tab_separated_text_as_excel_saves_unicode_text() -> None:
    text = (
        "\t".join(UPR_COLUMNS)
        + "\r\n"
        + "Kazakhstan\t\t\tLet “NGOs” register.\tTürkiye\t\t\tAccepted\t4\tCivil society\t20\r\n"
    )
    result = read(text.encode("utf-16"))
    assert result.encoding == "utf-16"
    assert [(row.text, row.recommending_states) for row in result.rows] == [
        ("Let “NGOs” register.", ("Türkiye",))
    ]


@pytest.mark.parametrize(
    "columns",
    [
        "To,Text,Recommending State,Position\r\n",
        "Country;Recommendation;Session\r\n",
        "Kazakhstan,Protect,Norway\r\n",
    ],
)
def test_wrong_columns_are_named(columns: str) -> None:
    with pytest.raises(UnreadableFile) as raised:
        read(columns + "a,b,c,d\r\n")
    message = str(raised.value)
    found = columns.strip().replace(";", ",").split(",")
    missing = [name for name in ("To", "Text", "From", "Response", "Session") if name not in found]
    assert f"lacks the columns {', '.join(missing)}" in message
    assert all(name in message for name in found)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"  \r\n\r\n",
        codecs.BOM_UTF8,
        codecs.BOM_UTF8 + b"\r\n",
        codecs.BOM_UTF16_LE,
        "\ufeff\n".encode("utf-16"),
    ],
    ids=["nothing", "blank lines", "a BOM", "a BOM and a line", "a UTF-16 BOM", "two UTF-16 BOMs"],
)
def test_empty_file(data: bytes) -> None:
    with pytest.raises(UnreadableFile, match="empty"):
        read(data)


def test_header_without_rows() -> None:
    for text in [HEADER, HEADER + "\r\n,,,,,,\r\n  ,  ,,,,,\r\n"]:
        with pytest.raises(UnreadableFile, match="no rows"):
            read(text)


def png() -> bytes:
    """The start of a PNG image."""
    return (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    )


def xlsx() -> bytes:
    """A zip archive, as an XLSX workbook is."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data", [png(), xlsx(), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64)], ids=["png", "zip", "xls"]
)
def test_binary_file(data: bytes) -> None:
    with pytest.raises(UnreadableFile, match="not a text file"):
        read(data)


def test_a_row_with_no_text_is_refused_with_its_line() -> None:
    text = (
        HEADER
        + "Kazakhstan,Protect journalists.,Norway,Accepted,3,,20\r\n"
        + 'Kazakhstan,"  \r\n  ",Norway,Accepted,3,,20\r\n'
        + "Kazakhstan,Free the press.,Norway,Noted,,,20\r\n"
    )
    result = read(text)
    assert [(row.line, row.text) for row in result.rows] == [
        (2, "Protect journalists."),
        (5, "Free the press."),
    ]
    assert [(refused.line, refused.reason) for refused in result.refused] == [(3, "The row has no text.")]


@pytest.mark.parametrize("session", ["twenty", "0", "20.5", "-3", "UPR 20", "２０"])
def test_a_bad_session_is_refused(session: str) -> None:
    result = read(HEADER + f"Kazakhstan,Protect journalists.,Norway,Accepted,3,,{session}\r\n")
    assert result.rows == []
    assert [(refused.line, refused.reason) for refused in result.refused] == [
        (2, f"The session “{session}” is not a session number such as 20.")
    ]


@pytest.mark.parametrize("action", ["0", "6", "high", "3.5"])
def test_a_bad_action_category_is_refused(action: str) -> None:
    result = read(HEADER + f"Kazakhstan,Protect journalists.,Norway,Accepted,{action},,20\r\n")
    assert [refused.reason for refused in result.refused] == [
        f"The action category “{action}” is not one of 1 to 5."
    ]


def test_every_problem_of_a_row_is_named() -> None:
    result = read(HEADER + ",,,Accepted,9,,\r\n")
    assert len(result.refused) == 1
    reason = result.refused[0].reason
    for problem in ["no state under review", "no session", "no text", "no recommending state", "“9”"]:
        assert problem in reason


def test_formula_looking_cells_are_kept_as_text() -> None:
    text = (
        HEADER
        + 'Kazakhstan,"=HYPERLINK(""http://example.org"",""x"")",@Norway,+Accepted,,"-1+1, =SUM(A1)",20\r\n'
        + "Kazakhstan,+7 days to appeal a ban on an assembly.,Norway,Accepted,2,@Justice,20\r\n"
        + "Kazakhstan,-Decriminalise libel.,=Sweden,Noted,5,,20\r\n"
    )
    result = read(text)
    assert result.refused == []
    assert [row.text for row in result.rows] == [
        '=HYPERLINK("http://example.org","x")',
        "+7 days to appeal a ban on an assembly.",
        "-Decriminalise libel.",
    ]
    first = result.rows[0]
    assert first.recommending_states == ("@Norway",)
    assert (first.response, first.response_original) == (Response.unclear, "+Accepted")
    assert [category.label for category in first.categories] == ["-1+1", "=SUM(A1)"]
    assert result.rows[2].recommending_states == ("=Sweden",)


def test_empty_rows_are_skipped_and_lines_still_count() -> None:
    text = (
        "\r\n"
        + HEADER
        + ",,,,,,\r\n"
        + 'Kazakhstan,"Protect journalists\r\nand bloggers.",Norway,Accepted,3,,20\r\n'
        + "\r\n"
        + " , ,\r\n"
        + "Kazakhstan,Free the press.,Norway,Noted,,,20\r\n"
    )
    result = read(text)
    assert [(row.line, row.text) for row in result.rows] == [
        (4, "Protect journalists\nand bloggers."),
        (8, "Free the press."),
    ]
    assert result.refused == []


def test_line_breaks_inside_cells_may_differ_from_the_file_s() -> None:
    # Excel on Windows ends records with CRLF but writes LF inside a cell.
    text = (
        HEADER.replace("\r\n", "\n")
        + 'Kazakhstan,"one\ntwo\rthree",Norway,Accepted,,,20\r\nKazakhstan,four,Norway,Accepted,,,20\r\n'
    )
    result = read(text)
    assert [(row.line, row.text) for row in result.rows] == [(2, "one\ntwo\nthree"), (5, "four")]


def test_an_unclosed_quote_is_reported_with_its_line() -> None:
    text = (
        HEADER
        + "Kazakhstan,Protect journalists.,Norway,Accepted,3,,20\r\n"
        + 'Kazakhstan,"Free the press.,Norway,Noted,,,20\r\n'
    )
    with pytest.raises(UnreadableFile, match="line 3"):
        read(text)


@pytest.mark.parametrize(
    ("word", "response"),
    [
        ("Accepted", Response.supported),
        ("SUPPORTED", Response.supported),
        ("Noted", Response.noted),
        ("Rejected", Response.noted),
        ("Not  accepted", Response.noted),
        ("Partially accepted", Response.partially_supported),
        ("partially supported", Response.partially_supported),
        ("Pending", Response.pending),
        ("Accepted/Noted", Response.unclear),
        ("Considered", Response.unclear),
    ],
)
def test_responses_are_mapped_and_the_word_kept(word: str, response: Response) -> None:
    row = read(HEADER + f"Kazakhstan,Protect journalists.,Norway,{word},3,,20\r\n").rows[0]
    assert row.response is response
    assert row.response_original == " ".join(word.split())


def test_no_response_is_none() -> None:
    row = read(HEADER + "Kazakhstan,Protect journalists.,Norway,  ,3,,20\r\n").rows[0]
    assert (row.response, row.response_original) == (None, None)


@pytest.mark.parametrize(
    ("cell", "states"),
    [
        ("Hungary; Australia", ("Hungary", "Australia")),
        ("Norway, Sweden", ("Norway", "Sweden")),
        ("Korea, Republic of", ("Korea, Republic of",)),
        ("Korea, Republic of; Hungary", ("Korea, Republic of", "Hungary")),
        ("Iran, Islamic Republic of,Norway", ("Iran, Islamic Republic of", "Norway")),
        ("Congo, Democratic Republic of the", ("Congo, Democratic Republic of the",)),
        ("Macedonia, the former Yugoslav Republic of", ("Macedonia, the former Yugoslav Republic of",)),
        ("Gambia, The; Ghana", ("Gambia, The", "Ghana")),
        ("Sweden;; sweden, SWEDEN ,", ("Sweden",)),
        ("Côte d’Ivoire; Côte d'Ivoire", ("Côte d’Ivoire",)),
        (" ; , ", ()),
    ],
)
def test_recommending_states(cell: str, states: tuple[str, ...]) -> None:
    assert upr_info.recommending_states(cell) == states


def test_issue_labels_become_themes() -> None:
    labels = upr_info.themes(" Justice,Civil society ,, justice, Torture and other CID treatment")
    assert [(category.kind, category.label) for category in labels] == [
        (CategoryKind.theme, "Justice"),
        (CategoryKind.theme, "Civil society"),
        (CategoryKind.theme, "Torture and other CID treatment"),
    ]


def test_the_shipped_example_reads_without_refusals() -> None:
    result = upr_info.read(EXAMPLE.read_bytes(), EXAMPLE.name, ReadOptions())
    assert result.encoding == "utf-8"
    assert result.refused == []
    assert len(result.rows) == 30
    assert {row.source.slug for row in result.rows} == {
        "upr-kz-s7",
        "upr-kz-s20",
        "upr-kg-s8",
        "upr-kg-s21",
        "upr-ci-s19",
    }
    assert any(len(row.recommending_states) > 1 for row in result.rows)
    assert {row.response for row in result.rows} >= {Response.supported, Response.noted, Response.pending}
    assert b"\r\n" in EXAMPLE.read_bytes() and b"\n" not in EXAMPLE.read_bytes().replace(b"\r\n", b"")
    kazakhstan = upr_info.read(EXAMPLE.read_bytes(), EXAMPLE.name, ReadOptions(state="Kazakhstan"))
    assert len(kazakhstan.rows) == 23


def test_formats_by_name() -> None:
    assert formats.reader_for("upr-info") is upr_info.read
    with pytest.raises(formats.UnknownFormat, match="upr-info") as raised:
        formats.reader_for("uhri")
    assert isinstance(raised.value, ValueError)


def test_a_large_file_is_judged_on_its_non_ascii_lines() -> None:
    ascii_rows = "".join(
        f"Kazakhstan,Recommendation number {n}.,Norway,Accepted,3,Justice,20\r\n" for n in range(20_000)
    )
    tail = "Kazakhstan,Free the “Zhanaözen” strikers.,Türkiye,Noted,5,Justice,20\r\n"
    for encoding in ["cp1252", "mac_roman"]:
        result = read((HEADER + ascii_rows + tail).encode(encoding))
        assert result.encoding == encoding
        assert result.rows[-1].text == "Free the “Zhanaözen” strikers."
        assert result.rows[-1].recommending_states == ("Türkiye",)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Казахстан: свобода собраний и право на объединение, 2014 год\n", "cp1251"),
        ("Казахстан: свобода собраний и право на объединение, 2014 год\n", "koi8_r"),
        ("Straße, café, naïve – “quoted” and l’État\n", "cp1252"),
    ],
)
def test_other_single_byte_encodings_still_read(text: str, encoding: str) -> None:
    assert decode_text(text.encode(encoding)) == (text, encoding)
