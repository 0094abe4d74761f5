"""The "mapped" reader: UHRI-shaped XLSX files and CSV files with a mapping, read into rows (no database)."""

from __future__ import annotations

import io
import re
import tomllib
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from app.imports.mapping import MAPPINGS_DIR, MappingError, load_mapping, mapping_from_options, parse_mapping
from app.imports.mechanisms import body_kind, bounded_slug
from app.imports.readers.mapped import read
from app.imports.rows import CategorySpec, ReadOptions, UnreadableFile
from app.vocabulary import CategoryKind, Response, SourceKind

UHRI_COLUMNS = [
    "Text",
    "Countries Concerned",
    "Reccomending Body",
    "Document Symbol",
    "Themes",
    "Affected Persons",
    "Sdgs",
    "Document Publication Date",
    "UPR Reccomending States",
    "UPR Position",
    "Type",
    "OHCHR Annotation Id",
    "UPR Session",
    "Regions Concerned",
    "Recommending Regions",
    "Date of publication on UHRI",
]
UPR_ID = "2a1b3c4d-0000-4000-8000-000000000001"


def uhri_row(**values: object) -> list[object]:
    """A UHRI export row from keyword arguments named after the columns (spaces as underscores)."""
    row = [values.pop(column.replace(" ", "_"), None) for column in UHRI_COLUMNS]
    assert not values, values
    return row


def workbook(rows: list[list[object]], header: list[str] = UHRI_COLUMNS, title: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_uhri(data: bytes, **options: object) -> object:
    return read(data, "export.xlsx", ReadOptions(mapping=load_mapping("uhri"), **options))  # type: ignore[arg-type]


UPR_ROW = uhri_row(
    Text="Ratify the  Optional Protocol to the Convention against Torture ",
    Countries_Concerned="- Kazakhstan",
    Reccomending_Body="- Universal Periodic Review",
    Document_Symbol="A/HRC/28/10",
    Themes="- Torture and other cruel, inhuman or degrading treatment\n- Acceptance of international norms",
    Affected_Persons="- Persons deprived of their liberty",
    Sdgs="- 16.3 - Promote the rule of law\n- 16 - PEACE, JUSTICE AND STRONG INSTITUTIONS",
    Document_Publication_Date=42045,
    UPR_Reccomending_States="- Brazil\n- Côte d'Ivoire\n- France",
    UPR_Position="Supported",
    Type="Recommendation",
    OHCHR_Annotation_Id=UPR_ID,
    UPR_Session=20,
    Date_of_publication_on_UHRI=44561,
)
CEDAW_ROW = uhri_row(
    Text="=SUM(1,1)",
    Countries_Concerned="- Kazakhstan",
    Reccomending_Body="- CEDAW",
    Document_Symbol="CEDAW/C/KAZ/CO/5",
    Themes="- Women's rights",
    Sdgs="- 5.1 - End all forms of discrimination against all women and girls everywhere",
    Document_Publication_Date=datetime(2019, 11, 12),
    OHCHR_Annotation_Id="cedaw-1",
)
SPECIAL_PROCEDURE_ROW = uhri_row(
    Text="Release all persons detained for exercising their right to peaceful assembly.",
    Countries_Concerned="- Kazakhstan",
    Reccomending_Body="- Special Rapporteur on the rights to freedom of peaceful assembly and of association",
    Document_Symbol="A/HRC/29/25/Add.2",
    Document_Publication_Date=42150,
    OHCHR_Annotation_Id=12345,
)


def test_uhri_upr_row_field_by_field() -> None:
    result = read_uhri(workbook([UPR_ROW]))
    assert result.format == "mapped" and result.refused == [] and result.encoding is None
    (row,) = result.rows
    assert row.line == 2
    assert row.text == "Ratify the Optional Protocol to the Convention against Torture"
    assert row.recommending_states == ("Brazil", "Côte d'Ivoire", "France")
    assert row.response is Response.supported and row.response_original == "Supported"
    assert row.external_id == f"uhri:{UPR_ID}"
    assert row.paragraph is None and row.action_category is None and row.code is None
    assert row.categories == (
        CategorySpec(CategoryKind.theme, "Torture and other cruel, inhuman or degrading treatment"),
        CategorySpec(CategoryKind.theme, "Acceptance of international norms"),
        CategorySpec(CategoryKind.sdg, "Promote the rule of law", slug="16.3"),
        CategorySpec(CategoryKind.sdg, "PEACE, JUSTICE AND STRONG INSTITUTIONS", slug="16"),
    )
    source = row.source
    # The same source a UPR Info export of this review goes to.
    assert source.slug == "upr-kz-s20"
    assert source.kind is SourceKind.upr_review
    assert source.title == "Universal Periodic Review of Kazakhstan: session 20 (second cycle)"
    assert source.publisher == "UN Human Rights Council, Working Group on the Universal Periodic Review"
    assert (source.state_under_review, source.session, source.cycle) == ("Kazakhstan", 20, 2)
    assert source.document_symbol == "A/HRC/28/10"
    assert source.published_on == date(2015, 2, 10)  # Excel day 42045
    assert any("Affected Persons" in note and "Type" in note for note in result.notes)


def test_uhri_treaty_body_and_special_procedure_rows() -> None:
    result = read_uhri(workbook([CEDAW_ROW, SPECIAL_PROCEDURE_ROW]))
    assert result.refused == []
    cedaw, special = result.rows
    # A formula is text, never evaluated.
    assert cedaw.text == "=SUM(1,1)"
    assert cedaw.response is None and cedaw.recommending_states == ()
    assert cedaw.external_id == "uhri:cedaw-1"
    assert cedaw.categories == (
        CategorySpec(CategoryKind.theme, "Women's rights"),
        CategorySpec(
            CategoryKind.sdg,
            "End all forms of discrimination against all women and girls everywhere",
            slug="5.1",
        ),
    )
    assert cedaw.source.kind is SourceKind.treaty_body
    assert cedaw.source.slug == "cedaw-kz-cedaw-c-kaz-co-5"
    assert cedaw.source.title == "Concluding observations of CEDAW on Kazakhstan (CEDAW/C/KAZ/CO/5)"
    assert cedaw.source.publisher == "Committee on the Elimination of Discrimination against Women"
    assert cedaw.source.published_on == date(2019, 11, 12)
    assert cedaw.source.session is None and cedaw.source.cycle is None
    assert special.external_id == "uhri:12345"  # a number in a text column: no ".0"
    assert special.source.kind is SourceKind.special_procedure
    assert special.source.state_under_review == "Kazakhstan"
    assert special.source.document_symbol == "A/HRC/29/25/Add.2"
    assert special.source.published_on == date(2015, 5, 26)
    assert len(special.source.slug) <= 64 and re.fullmatch(r"[a-z0-9-]+-[0-9a-f]{8}", special.source.slug)
    again = read_uhri(workbook([SPECIAL_PROCEDURE_ROW]))
    assert again.rows[0].source.slug == special.source.slug  # stable


def test_rows_of_one_review_share_one_source_and_responses_map() -> None:
    rows = []
    for position, word in enumerate(
        ["Noted", "Partially supported", "To be determined", "Pending", "Rejected", ""]
    ):
        row = list(UPR_ROW)
        row[UHRI_COLUMNS.index("UPR Position")] = word
        row[UHRI_COLUMNS.index("OHCHR Annotation Id")] = f"id-{position}"
        row[UHRI_COLUMNS.index("Text")] = f"Recommendation {position}"
        rows.append(row)
    result = read_uhri(workbook(rows))
    assert [(row.response, row.response_original) for row in result.rows] == [
        (Response.noted, "Noted"),
        (Response.partially_supported, "Partially supported"),
        (Response.pending, "To be determined"),
        (Response.pending, "Pending"),
        (Response.unclear, "Rejected"),
        (None, None),
    ]
    assert len({row.source for row in result.rows}) == 1
    assert [row.line for row in result.rows] == [2, 3, 4, 5, 6, 7]


def test_line_numbers_are_sheet_rows_and_blank_rows_are_skipped() -> None:
    no_text = uhri_row(Countries_Concerned="- Kazakhstan", Reccomending_Body="- CEDAW", Document_Symbol="X/1")
    result = read_uhri(workbook([UPR_ROW, [None] * len(UHRI_COLUMNS), CEDAW_ROW, no_text]))
    assert [row.line for row in result.rows] == [2, 4]
    assert [(refused.line, refused.reason) for refused in result.refused] == [(5, "The row has no text.")]


def test_several_countries_concerned_are_refused_and_state_filter() -> None:
    joint = uhri_row(
        Text="Cooperate on water management.",
        Countries_Concerned="- Kazakhstan\n- Kyrgyzstan",
        Reccomending_Body="- SR on the human rights to safe drinking water and sanitation",
        OHCHR_Annotation_Id="joint",
    )
    other_state = list(UPR_ROW)
    other_state[UHRI_COLUMNS.index("Countries Concerned")] = "- Uzbekistan"
    result = read_uhri(workbook([joint, UPR_ROW, other_state]))
    assert [row.line for row in result.rows] == [3, 4]
    (refused,) = result.refused
    assert refused.line == 2 and "several states (Kazakhstan, Kyrgyzstan)" in refused.reason
    assert {row.source.slug for row in result.rows} == {"upr-kz-s20", "upr-uz-s20"}

    kept = read_uhri(workbook([UPR_ROW, other_state]), state="Kazakhstan")
    assert [row.line for row in kept.rows] == [2] and kept.refused == []
    assert any("1 row concerns another state than Kazakhstan" in note for note in kept.notes)


def test_upr_row_without_body_but_with_session_and_reviewed_on() -> None:
    row = list(UPR_ROW)
    row[UHRI_COLUMNS.index("Reccomending Body")] = None
    result = read_uhri(workbook([row]), reviewed_on=date(2014, 10, 30))
    source = result.rows[0].source
    assert source.kind is SourceKind.upr_review and source.slug == "upr-kz-s20"
    assert source.reviewed_on == date(2014, 10, 30)


def test_bad_session_and_bad_date_refuse_the_row() -> None:
    bad_session = list(UPR_ROW)
    bad_session[UHRI_COLUMNS.index("UPR Session")] = "=10+10"  # a formula is never evaluated
    bad_date = list(UPR_ROW)
    bad_date[UHRI_COLUMNS.index("Document Publication Date")] = "31/12/2021"
    result = read_uhri(workbook([bad_session, bad_date]))
    assert result.rows == []
    first, second = result.refused
    assert first.line == 2 and "session must be a number" in first.reason and "=10+10" in first.reason
    assert second.line == 3 and "31/12/2021" in second.reason


def test_sheet_with_a_wrong_recorded_size_is_read_whole() -> None:
    data = workbook([UPR_ROW, CEDAW_ROW])
    source, target = io.BytesIO(data), io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            content = old.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1"', content)
            new.writestr(item, content)
    assert len(read_uhri(target.getvalue()).rows) == 2


CUSTOM_MAPPING = b"""
name = "An NGO's follow-up sheet"
multi_value = "semicolon"
id_prefix = "ngo"

[columns]
text = "Recommendation"
paragraph = "Para"
recommending_states = "From"
response = "Position"
action_category = "Action"
themes = ["Theme", "Group"]
addressees = "To whom"
sdg_targets = "SDG"
external_id = "No"
document_date = "Date"

[source]
state = "Kazakhstan"
body = "CEDAW"
document_symbol = "CEDAW/C/KAZ/CO/5"
"""


def test_csv_with_a_custom_mapping_in_windows_1252() -> None:
    lines = [
        "No,Para,Recommendation,From,Position,Action,Theme,Group,To whom,SDG,Date",
        '7,106.10,"Adopt a law on “domestic violence”; consult women’s NGOs",Brazil; Côte d’Ivoire,Accepted,'
        "4,Women's rights;Violence,Women,Parliament; Government,16.3 - Access to justice,2019-11-12",
        '8,12,"Second line\nof a text",,Noted,9,,,,,',
        "9,1,,,,,,,,,",
    ]
    data = "\r\n".join(lines).encode("cp1252")
    mapping = tomllib.loads(CUSTOM_MAPPING.decode())
    result = read(data, "sheet.csv", ReadOptions(mapping=mapping))
    assert result.encoding == "cp1252"
    (row,) = result.rows
    assert row.line == 2
    assert row.text == "Adopt a law on “domestic violence”; consult women’s NGOs"
    assert row.paragraph == "106.10"  # CSV text stays as written
    assert row.recommending_states == ("Brazil", "Côte d’Ivoire")
    assert (row.response, row.response_original, row.action_category) == (Response.supported, "Accepted", 4)
    assert row.external_id == "ngo:7"
    assert row.categories == (
        CategorySpec(CategoryKind.theme, "Women's rights"),
        CategorySpec(CategoryKind.theme, "Violence"),
        CategorySpec(CategoryKind.theme, "Women"),
        CategorySpec(CategoryKind.addressee, "Parliament"),
        CategorySpec(CategoryKind.addressee, "Government"),
        CategorySpec(CategoryKind.sdg, "Access to justice", slug="16.3"),
    )
    assert row.source.slug == "cedaw-kz-cedaw-c-kaz-co-5"
    assert row.source.kind is SourceKind.treaty_body
    assert row.source.published_on == date(2019, 11, 12)
    # A quoted cell spanning two lines: the next record starts on line 4, the one after on line 6.
    assert [(refused.line, refused.reason) for refused in result.refused] == [
        (3, "The action category must be a digit from 1 to 5, not 9."),
        (5, "The row has no text."),
    ]


def test_csv_with_bare_cr_line_endings_numbers_its_lines() -> None:
    mapping = mapping_from_options(["text=Text", "session=Session", "body=Body"], {"state": "Kazakhstan"})
    data = b'Text,Session,Body\rFirst,20,UPR\r\r"Two\rlines",20,Working Group on the UPR\rThird,20,\r'
    result = read(data, "x.csv", ReadOptions(mapping=mapping))
    assert [(row.line, row.text) for row in result.rows] == [(2, "First"), (4, "Two\nlines"), (6, "Third")]
    assert {row.source.slug for row in result.rows} == {"upr-kz-s20"}


def test_one_source_for_the_whole_sheet_from_constants() -> None:
    mapping = mapping_from_options(
        ["text=Recommendation", "paragraph=No.", "themes=Theme", "themes=Group"],
        {
            "kind": "ngo_report",
            "slug": "ourngo-kz-2024",
            "title": "Our NGO: follow-up (2024)",
            "publisher": "Our NGO",
            "state": "Kazakhstan",
            "published_on": "2024-05-01",
            "multi_value": "comma",
            "session": None,
        },
    )
    assert mapping["columns"] == {"text": "Recommendation", "paragraph": "No.", "themes": ["Theme", "Group"]}
    data = b"No.;Recommendation;Theme;Group\n1;Free the press;Media, Speech;Journalists\n2.5;Stop it;;\n"
    result = read(data, "ours.csv", ReadOptions(mapping=mapping))
    assert result.encoding == "utf-8"
    assert [(row.paragraph, row.text) for row in result.rows] == [("1", "Free the press"), ("2.5", "Stop it")]
    assert result.rows[0].categories == (
        CategorySpec(CategoryKind.theme, "Media"),
        CategorySpec(CategoryKind.theme, "Speech"),
        CategorySpec(CategoryKind.theme, "Journalists"),
    )
    source = result.rows[0].source
    assert source == result.rows[1].source
    assert (source.slug, source.kind, source.title, source.publisher) == (
        "ourngo-kz-2024",
        SourceKind.ngo_report,
        "Our NGO: follow-up (2024)",
        "Our NGO",
    )
    assert source.state_under_review == "Kazakhstan" and source.published_on == date(2024, 5, 1)


def test_numbers_in_text_columns_and_a_named_sheet() -> None:
    mapping = {
        "sheet": "Recs",
        "columns": {"text": "Text", "paragraph": "Para"},
        "source": {"state": "Kazakhstan"},
    }
    data = workbook(
        [[42, 106.12], ["Act", 7.0], ["Act again", datetime(2020, 1, 2)]], ["Text", "Para"], "Recs"
    )
    result = read(data, "x.xlsx", ReadOptions(mapping=mapping))
    assert [(row.text, row.paragraph) for row in result.rows] == [
        ("42", "106.12"),
        ("Act", "7"),
        ("Act again", "2020-01-02"),
    ]
    assert result.rows[0].source.kind is SourceKind.other
    assert result.rows[0].source.slug == "x-kz"  # no body: the file's name
    with pytest.raises(UnreadableFile, match="no sheet named Other; its sheets are: Recs"):
        read(data, "x.xlsx", ReadOptions(mapping=mapping | {"sheet": "Other"}))


def test_a_sheet_lacking_mapped_columns_names_them() -> None:
    data = workbook([["x", "y"]], ["Text", "Country"])
    with pytest.raises(UnreadableFile) as caught:
        read_uhri(data)
    message = str(caught.value)
    assert "Reccomending Body" in message and "UPR Session" in message
    assert "Its columns are: Text, Country." in message


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        ({"columns": {"paragraph": "Para"}}, "which column holds the text"),
        ({"columns": {"text": "Text", "txet": "T"}}, "unknown field txet"),
        ({"columns": {"text": "Text"}, "multivalue": "lines"}, "unknown setting multivalue"),
        ({"columns": {"text": "Text"}, "multi_value": "pipes"}, "multi_value must be one of lines, comma"),
        ({"columns": {"text": ["A", "B"]}}, "text must be one column header"),
        ({"columns": {"text": "Text"}, "source": {"kind": "ngo"}}, "kind under [source] cannot be 'ngo'"),
        ({"columns": {"text": "Text"}, "source": {"slug": "x"}}, "give its kind, title, publisher too"),
        ({"columns": {"text": "Text"}, "source": {"countries": "KZ"}}, "unknown constant countries"),
        ({"text": "Text"}, "no [columns] table"),
    ],
)
def test_bad_mappings_say_what_to_change(mapping: dict[str, object], expected: str) -> None:
    with pytest.raises(MappingError, match=re.escape(expected)):
        parse_mapping(mapping)
    with pytest.raises(MappingError, match=re.escape(expected)):
        read(b"Text\nx\n", "x.csv", ReadOptions(mapping=mapping))


def test_mapping_sources(tmp_path: Path) -> None:
    assert load_mapping("uhri")["columns"]["body"] == "Reccomending Body"
    own = tmp_path / "ours.toml"
    own.write_bytes(CUSTOM_MAPPING)
    assert load_mapping(str(own))["id_prefix"] == "ngo"
    with pytest.raises(MappingError, match="There is no mapping nope: name a built-in one \\(uhri\\)"):
        load_mapping("nope")
    own.write_text('[columns]\ntext = "Text\n')
    with pytest.raises(MappingError, match=r"not valid TOML: .*line 2"):
        load_mapping(str(own))
    with pytest.raises(MappingError, match="field=Column header"):
        mapping_from_options(["text"], {})
    with pytest.raises(MappingError, match="needs a mapping"):
        read(b"Text\nx\n", "x.csv", ReadOptions())


def test_mappings_ship_with_the_package() -> None:
    assert (MAPPINGS_DIR / "uhri.toml").is_file() and (MAPPINGS_DIR / "README.md").is_file()
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    shipped = pyproject["tool"]["setuptools"]["package-data"]["app"]
    assert "imports/mappings/*.toml" in shipped and "imports/mappings/*.md" in shipped


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "The file is empty."),
        (b"  \n", "The file is empty."),
        (b"PK\x03\x04" + b"\x00garbage" * 20, "damaged zip archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old Excel workbook (.xls)"),
        (b"\x00\x01\x02binary\x03" * 10, "not a text file"),
    ],
)
def test_unreadable_files(data: bytes, expected: str) -> None:
    with pytest.raises(UnreadableFile, match=re.escape(expected)):
        read_uhri(data)


def test_truncated_and_foreign_zip_files_are_unreadable() -> None:
    data = workbook([UPR_ROW])
    with pytest.raises(UnreadableFile):
        read_uhri(data[: len(data) // 2])
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(UnreadableFile, match="could not be read as an Excel workbook"):
        read_uhri(other.getvalue())
    empty_sheet = Workbook()
    out = io.BytesIO()
    empty_sheet.save(out)
    with pytest.raises(UnreadableFile, match="The file is empty."):
        read_uhri(out.getvalue())


@pytest.mark.parametrize(
    ("body", "session", "kind"),
    [
        ("UPR", None, SourceKind.upr_review),
        ("Universal Periodic Review", None, SourceKind.upr_review),
        ("Working Group on the Universal Periodic Review", None, SourceKind.upr_review),
        (None, 20, SourceKind.upr_review),
        ("Recommending state", 20, SourceKind.upr_review),
        ("CEDAW", None, SourceKind.treaty_body),
        ("CRC-OPSC", None, SourceKind.treaty_body),
        ("Committee against Torture", None, SourceKind.treaty_body),
        ("Human Rights Committee", 20, SourceKind.treaty_body),
        ("SPT", None, SourceKind.treaty_body),
        ("SR on torture", None, SourceKind.special_procedure),
        ("Special Rapporteur on the independence of judges and lawyers", None, SourceKind.special_procedure),
        ("Working Group on Arbitrary Detention", None, SourceKind.special_procedure),
        (
            "Independent Expert on the enjoyment of all human rights by older persons",
            None,
            SourceKind.special_procedure,
        ),
        ("OSCE/ODIHR", None, SourceKind.other),
        (None, None, SourceKind.other),
    ],
)
def test_body_kinds(body: str | None, session: int | None, kind: SourceKind) -> None:
    assert body_kind(body, session) is kind


def test_long_slugs_are_cut_stably_and_stay_distinct() -> None:
    first = bounded_slug("Special Rapporteur on the situation of human rights defenders", "kz", "A/HRC/1")
    second = bounded_slug("Special Rapporteur on the situation of human rights defenders", "kz", "A/HRC/2")
    assert len(first) <= 64 and len(second) <= 64 and first != second
    assert first == bounded_slug(
        "Special Rapporteur on the situation of human rights defenders", "kz", "A/HRC/1"
    )
    assert bounded_slug("CEDAW", "kz", "CEDAW/C/KAZ/CO/5") == "cedaw-kz-cedaw-c-kaz-co-5"
