"""The matrix in every format, each read back by its own reader; restricted evidence stays private."""

import csv
import html
import io
import json
import zipfile
from html.parser import HTMLParser

import docx
import openpyxl
import pytest
from fastapi.testclient import TestClient
from openpyxl.utils import get_column_letter
from sqlalchemy import event
from sqlmodel import Session
from typer.testing import CliRunner

from app.config import Settings
from app.db import build_engine
from app.main import create_app
from app.reports.matrix import grouped_rows, matrix_rows
from app.reports.printed import ReportSources, number_ranges
from app.reports.schemas import MatrixOut
from app.scorecards.params import MatrixParams, PointInTimeParams
from seed.loader import DEFAULT_SEED, read_seed
from tests.support import bearer, make_token, pdf_text
from tests.test_scorecard import PREFIX, add_evidence, record

MATRIX = "/api/v1/reports/matrix"
NATURAL_ORDER = [item["code"] for item in read_seed(DEFAULT_SEED)["recommendations"]]
FORMATS = ["csv", "xlsx", "html", "docx", "pdf", "json"]
SECRET = "Secret witness statement"
SUMMARY = "Закон «Об общественных объединениях» amended; the ‘registration’ rule stays."
INJECTION = '=HYPERLINK("https://evil.example","click")'


@pytest.fixture(scope="module")
def scripted(module_client, module_database):
    """2.1 partially implemented, with both kinds of evidence; 2.2 regressed while the state claims it.

    Recorded once on `module_database`: every test of it only reads (through `module_client`).
    """
    client, t = module_client, make_token(module_database.url, "monitor", "Aigerim Monitor")
    add_evidence(client, t, "2.1", "Amendments published", "progress", published_on="2024-05-30")
    add_evidence(client, t, "2.1", SECRET, "regression", visibility="restricted", published_on="2024-02-01")
    record(client, t, "2.1", "implemented", "2024-02-01", perspective="state", summary="The state says so.")
    record(client, t, "2.1", "partially_implemented", "2024-06-01", summary=SUMMARY)
    record(client, t, "2.2", "regressed", "2024-03-01", summary=INJECTION)
    record(client, t, "2.2", "implemented", "2024-01-01", perspective="state", summary="Claimed.")
    record(client, t, "2.3", "implemented", "2024-04-01", perspective="un", summary="UN view.")


def get(client, fmt, headers=None, **params):
    response = client.get(MATRIX, params={"format": fmt, **params}, headers=headers or {})
    assert response.status_code == 200, response.text
    return response


def all_text(fmt, content: bytes) -> str:
    """Everything a file says, zip members included, for checks that something is absent."""
    if fmt in ("xlsx", "docx"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    if fmt == "pdf":
        return pdf_text(content)
    return content.decode("utf-8")


@pytest.mark.usefixtures("scripted")
def test_csv(module_client):
    response = get(module_client, "csv", as_of="2024-12-31")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="rectrack-matrix-2024-12-31.csv"'
    assert response.headers["etag"].startswith('W/"')
    assert response.content.startswith(b"\xef\xbb\xbf") and b"\r\n" in response.content
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert [row["Code"] for row in rows] == NATURAL_ORDER
    row = rows[0]
    assert row["Independent status"] == "Partially implemented" and row["State's claim"] == "Implemented"
    assert row["Latest assessment (independent monitors)"] == SUMMARY
    assert row["Assessment date"] == "2024-06-01" and row["Section"] == "2. Legislative measures"
    # Every field in a column of its own: new evidence apart from the report's own sources.
    assert (
        row["Evidence"]
        == "Amendments published (Progress, 2024-05-30): https://example.org/amendmentspublished"
    )
    assert row["Newest evidence link"] == "https://example.org/amendmentspublished"
    sources = row["Sources cited in the report"].split("\n")
    assert len(sources) > 1 and all(line.startswith("[") for line in sources)
    assert "Law of the RK ‘On Public Associations’" in row["Sources cited in the report"]
    assert row["Source"] == "odf-kz-2015" and row["Themes"] and row["SDG targets"] == "16.10"
    assert row["Date of the state's claim"] == "2024-02-01"
    assert row["What the state's claim says"] == "The state says so."
    assert row["Claim gap"] == "The state claims more"
    assert SECRET not in response.content.decode("utf-8-sig")
    assert rows[1]["Independent status"] == "Regressed" and rows[1]["Claim gap"] == "The state claims more"
    assert rows[1]["Latest assessment (independent monitors)"] == "'" + INJECTION  # never run as a formula
    assert rows[2]["Claim gap"] == rows[2]["Date of the state's claim"] == rows[2]["Evidence"] == ""


@pytest.mark.usefixtures("scripted")
def test_xlsx(module_client):
    response = get(module_client, "xlsx", as_of="2024-12-31")
    assert response.headers["content-disposition"].endswith('rectrack-matrix-2024-12-31.xlsx"')
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Summary", "Matrix"]
    sheet = workbook["Matrix"]
    header = [cell.value for cell in sheet[1]]
    # The columns a printed page shows come first; every other field follows, for sorting and filtering.
    assert header[:3] == ["Code", "Recommendation", "Addressees"]
    assert header.index("Evidence") < header.index("Source") < header.index("Sources cited in the report")
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref == f"A1:{get_column_letter(len(header))}44"
    assert round(sheet.column_dimensions["B"].width) == 41  # 40 characters and the padding Excel adds
    column = {name: index for index, name in enumerate(header)}
    first = sheet[2]
    assert first[column["Code"]].value == f"{PREFIX}2.1"
    status = first[column["Independent status"]]
    assert status.value == "Partially implemented" and status.fill.fgColor.rgb.endswith("FFEB9C")
    assert first[column["State's claim"]].fill.fgColor.rgb.endswith("C6EFCE")
    assert first[column["Claim gap"]].value == "The state claims more"
    assert first[column["Recommendation"]].alignment.wrap_text
    assert "Amendments published" in first[column["Evidence"]].value
    link = first[column["Newest evidence link"]]
    assert link.hyperlink.target == link.value == "https://example.org/amendmentspublished"
    assert "Law of the RK" in first[column["Sources cited in the report"]].value
    injected = sheet[3][column["Latest assessment (independent monitors)"]]
    assert injected.value == INJECTION and injected.data_type == "s"
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == NATURAL_ORDER
    summary = workbook["Summary"]
    values = [[cell.value for cell in row] for row in summary.iter_rows(min_row=9)]
    assert values[0][:2] == ["Section", "Recommendations"]
    assert values[1][:7] == ["2. Legislative measures", 5, 0, 1, 0, 1, 3]
    assert values[-1][:2] == ["All sections", 43]
    assert SECRET not in all_text("xlsx", response.content)


ORGANISATION = "Open Dialog Foundation & partners"


@pytest.mark.sqlite_only
@pytest.mark.usefixtures("scripted")
def test_xlsx_prints_one_page_wide_with_its_context(module_database):
    """Both sheets print A4 landscape one page wide, headed by the organisation and the document's title."""
    settings = Settings(
        database_url=module_database.url, organisation=ORGANISATION, timezone="Asia/Almaty", _env_file=None
    )
    with TestClient(create_app(settings)) as client:
        content = get(client, "xlsx", as_of="2024-12-31").content
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    title = "Kazakhstan: implementation of recommendations"
    assert workbook.properties.title == title and workbook.properties.creator == ORGANISATION
    assert workbook.properties.created is not None
    summary, sheet = workbook.worksheets
    assert summary.title == "Summary" and summary["A1"].value == title
    block = [summary.cell(row, 1).value for row in range(2, 8)]
    assert block[0].startswith("Open Dialog Foundation: civil society in Kazakhstan")
    assert block[1] == "Status as of 2024-12-31, as assessed by independent monitors."
    assert block[2] == "All recommendations of these sources."
    assert block[3].startswith(f"Prepared by {ORGANISATION} with rectrack on ") and "+05" in block[3]
    assert block[4].startswith("History checkpoint") or block[4] == "No signed checkpoint of the history yet."
    assert summary.print_title_rows == "$9:$9" and summary["A9"].value == "Section"
    for each in (summary, sheet):
        setup = each.page_setup
        assert setup.orientation == "landscape" and str(setup.paperSize) == "9"
        assert each.sheet_properties.pageSetUpPr.fitToPage
        assert setup.fitToWidth in (None, 1) and setup.fitToHeight == 0  # one page wide, as long as needed
        assert each.oddHeader.left.text == ORGANISATION.replace("&", "&&")  # '&' escaped in page headers
        assert each.oddHeader.center.text == title and each.oddHeader.right.text == "Page &P of &N"
        assert each.oddFooter.left.text == block[1]
        assert each.oddFooter.right.text == block[3].replace("&", "&&")
        assert each.page_margins.left < 0.5
    assert sheet.print_title_rows == "$1:$1" and sheet.freeze_panes == "B2"
    header = [cell.value for cell in sheet[1]]
    last_printed = get_column_letter(header.index("Evidence") + 1)
    assert sheet.print_area == f"'Matrix'!$A$1:${last_printed}$44"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(header))}44"
    # Row heights follow the printed texts: XlsxWriter does not size rows, so each is set.
    texts = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=2)}
    heights = {row[0].value: sheet.row_dimensions[row[0].row].height for row in sheet.iter_rows(min_row=2)}
    longest, shortest = (
        max(texts, key=lambda code: len(texts[code])),
        min(texts, key=lambda code: len(texts[code])),
    )
    assert all(height is not None and height <= 409 for height in heights.values())
    assert heights[longest] >= 12.75 * len(texts[longest]) / (40 * 1.5)  # LibreOffice's widest measure
    assert heights[longest] > heights[shortest]
    assert all(dimension.customHeight for dimension in sheet.row_dimensions.values() if dimension.index > 1)


class _Tables(HTMLParser):
    """Collects the text of each table cell, row by row, and the style sheet."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.style = ""
        self._in_style = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "style":
            self._in_style = True

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_style:
            self.style += data


@pytest.mark.usefixtures("scripted")
def test_html(module_client):
    response = get(module_client, "html", as_of="2024-12-31")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    parser = _Tables()
    parser.feed(response.text)
    assert "size: A4 landscape" in parser.style and "@media print" in parser.style
    assert "counter(pages)" in parser.style and "break-inside: avoid" in parser.style
    scorecard, series, matrix = parser.tables
    assert series[0][:2] == ["Period end", "Score"] and series[-1][0] == "2024-12-31"
    assert scorecard[1][:3] == ["2. Legislative measures", "5", "0"]
    assert scorecard[-1][0] == "All sections" and scorecard[-1][1] == "43"
    header, rows = matrix[0], matrix[1:]
    assert header == [
        "Recommendation",
        "Source",
        "Assessment",
        "Evidence",
        "State's claim",
        "Comments",
    ]
    headings = [row[0] for row in rows if len(row) == 1]
    assert headings[0] == "2. Legislative measures" and len(headings) == 6
    recommendations = [row for row in rows if len(row) == 6]
    assert [row[0].split()[0] for row in recommendations] == NATURAL_ORDER
    first = recommendations[0]
    assert first[0].startswith(f"{PREFIX}2.1 ") and first[1].startswith("Open Dialog Foundation, 2015")
    assert first[2] == f"Partially implemented 2024-06-01 {SUMMARY}"
    assert "Amendments published (Progress, 2024-05-30)" in first[3] and "Report sources: [1]" in first[3]
    assert first[4].startswith("Implemented 2024-02-01 The state says so.")
    assert first[5] == "The state claims more"
    assert recommendations[1][2].startswith("Regressed") and recommendations[2][2] == "Not assessed"
    assert SECRET not in response.text
    assert "=HYPERLINK(&#34;https://evil.example&#34;" in response.text  # text, escaped
    assert "<main>" in response.text and "Kazakhstan: implementation of recommendations" in response.text
    assert '<ol class="report-sources">' in response.text


@pytest.mark.usefixtures("scripted")
def test_docx(module_client):
    response = get(module_client, "docx", as_of="2024-12-31")
    document = docx.Document(io.BytesIO(response.content))
    assert document.paragraphs[0].text == "Kazakhstan: implementation of recommendations"
    assert any("as of 2024-12-31" in paragraph.text for paragraph in document.paragraphs)
    scorecard, series, *groups = document.tables
    assert [cell.text for cell in scorecard.rows[1].cells][:3] == ["2. Legislative measures", "5", "0"]
    # Progress over time, after the scorecard: the last step is the as-of date.
    assert [cell.text for cell in series.rows[0].cells][:2] == ["Period end", "Score"]
    assert series.rows[-1].cells[0].text == "2024-12-31"
    # A table per section, under its heading; every recommendation once.
    assert len(groups) == 6 and sum(len(table.rows) - 1 for table in groups) == 43
    header = [cell.text for cell in groups[0].rows[0].cells]
    assert header == ["Recommendation", "Source", "Assessment", "Evidence", "State's claim", "Comments"]
    first = [cell.text for cell in groups[0].rows[1].cells]
    assert first[0].startswith(f"{PREFIX}2.1\n")
    assert first[2].startswith("\xa0Partially implemented\xa0 2024-06-01 ") and SUMMARY in first[2]
    # New evidence first; the report's own sources by number only, listed once at the end.
    assert first[3].startswith("Amendments published (Progress, 2024-05-30)")
    assert "Report sources: [1]–[8]" in first[3] and "online.zakon.kz" not in first[3]
    assert first[4] == "\xa0Implemented\xa0 2024-02-01 The state says so."
    assert first[5] == "The state claims more"
    unassessed = [cell.text for cell in groups[0].rows[4].cells]
    assert unassessed[0].startswith(f"{PREFIX}2.4\n") and unassessed[2] == "Not assessed"
    assert unassessed[4] == unassessed[5] == ""
    listed = [p.text for p in document.paragraphs if p.text.startswith("[")]
    assert len(listed) == 38 and listed[0].startswith("[1] Law of the RK")
    assert SECRET not in all_text("docx", response.content)


@pytest.mark.usefixtures("scripted")
def test_json_rows_match_the_schema(module_client):
    body = get(module_client, "json", as_of="2024-12-31").json()
    MatrixOut.model_validate(body)
    assert body["as_of"] == "2024-12-31" and body["perspective"] == "independent"
    assert [row["code"] for row in body["rows"]] == NATURAL_ORDER
    first = body["rows"][0]
    assert first["independent_status"] == "partially_implemented" and first["claimed_status"] == "implemented"
    assert first["assessment"]["summary"] == SUMMARY and first["assessment"]["effective_on"] == "2024-06-01"
    assert first["claim"]["status"] == "implemented" and first["claim"]["summary"] == "The state says so."
    assert body["rows"][3]["claim"] is None
    assert first["claim_gap"] == "overclaim" and body["rows"][2]["claim_gap"] is None
    titles = [item["title"] for item in first["evidence"]]
    assert "Amendments published" in titles and SECRET not in titles
    footnotes = [item["footnote"] for item in first["evidence"] if item["relation"] == "baseline"]
    assert footnotes == list(range(1, 9))
    assert {item["visibility"] for item in first["evidence"]} == {"public"}


@pytest.mark.usefixtures("scripted")
@pytest.mark.parametrize("fmt", FORMATS)
def test_restricted_evidence_only_for_viewers(module_client, module_viewer_token, fmt):
    public = get(module_client, fmt)
    viewer = get(module_client, fmt, headers=bearer(module_viewer_token))
    assert SECRET not in all_text(fmt, public.content)
    assert SECRET in all_text(fmt, viewer.content)
    assert public.headers["etag"] != viewer.headers["etag"]
    assert "Authorization" in public.headers["vary"]
    cached = module_client.get(
        MATRIX, params={"format": fmt}, headers={"If-None-Match": public.headers["etag"]}
    )
    assert cached.status_code == 304


@pytest.mark.usefixtures("scripted")
def test_as_of_perspective_and_filters(module_client):
    early = get(module_client, "json", as_of="2024-04-30").json()["rows"]
    assert early[0]["independent_status"] == "not_assessed" and early[0]["claimed_status"] == "implemented"
    assert early[0]["assessment"] is None
    assert "Amendments published" not in [item["title"] for item in early[0]["evidence"]]  # published later
    regressed = get(module_client, "json", status="regressed").json()["rows"]
    assert [row["code"] for row in regressed] == [f"{PREFIX}2.2"]
    un = get(module_client, "json", perspective="un", section=2).json()["rows"]
    assert [row["assessment"] and row["assessment"]["summary"] for row in un][:3] == [None, None, "UN view."]
    un_csv = get(module_client, "csv", perspective="un", section=2).content.decode("utf-8-sig")
    assert "Status (UN bodies)" in un_csv.splitlines()[0]
    assert get(module_client, "json", source="nothing").json()["rows"] == []


@pytest.mark.sqlite_only
def test_word_refuses_a_database_dump(shared_client, monkeypatch):
    monkeypatch.setattr("app.reports.docx_report.MAX_DOCX_ROWS", 10)
    response = shared_client.get(MATRIX, params={"format": "docx"})
    assert response.status_code == 422 and "CSV or XLSX" in response.json()["detail"]
    assert shared_client.get(MATRIX, params={"format": "docx", "section": 2}).status_code == 200


@pytest.mark.sqlite_only
@pytest.mark.parametrize("params", [{"format": "odt"}, {"as_of": "2999-01-01"}, {"perspective": "x"}])
def test_bad_parameters_are_422(shared_client, params):
    response = shared_client.get(MATRIX, params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.usefixtures("scripted")
def test_rows_stream_in_keyset_batches_without_n_plus_one(module_database):
    engine = build_engine(module_database.url)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    params = PointInTimeParams(as_of="2024-12-31")
    with Session(engine) as session:
        small = list(matrix_rows(session, params, include_restricted=False, batch_size=10))
        count_small = len(statements)
        whole = list(matrix_rows(session, params, include_restricted=False))
    engine.dispose()
    assert [row["code"] for row in small] == NATURAL_ORDER and small == whole
    assert count_small <= 5 * 5  # five batches of ten, five queries each (with the linked UPR ones)


@pytest.mark.usefixtures("scripted")
def test_printed_groups_by_theme_and_by_source(module_database):
    engine = build_engine(module_database.url)
    with Session(engine) as session:
        by_theme = list(grouped_rows(session, MatrixParams(group_by="theme"), include_restricted=False))
        by_source = list(grouped_rows(session, MatrixParams(group_by="source"), include_restricted=False))
        one_theme = MatrixParams(group_by="theme", theme="media-freedom")
        media = list(grouped_rows(session, one_theme, include_restricted=False))
    engine.dispose()
    # Under each of its themes (labels in order), then those with none; natural order inside a group.
    for group, row in by_theme:
        slugs = [theme["slug"] for theme in row["themes"]]
        assert group.key in slugs if group.kind == "theme" else (group.kind == "no_theme" and not slugs)
    assert len(by_theme) == sum(max(1, len(row["themes"])) for _, row in by_source) > 43
    labels = list(dict.fromkeys(group.label for group, _ in by_theme if group.kind == "theme"))
    assert labels == sorted(labels)
    assert {group.key for group, _ in by_source} == {"odf-kz-2015"} and len(by_source) == 43
    assert {group.key for group, _ in media} == {"media-freedom"} and 0 < len(media) < 43


def test_report_sources_keep_their_footnote_numbers_once_per_document():
    sources = ReportSources()
    item = {"url": "https://a.example", "title": "A", "visibility": "public"}
    assert sources.number(item | {"footnote": 12}) == 12
    assert sources.number(item | {"footnote": 12}) == 12  # the same footnote: one entry
    assert sources.number(item | {"footnote": 36}) == 36  # the same URL cited by another footnote
    assert sources.number(item | {"url": "https://b.example", "footnote": 12}) == 37  # taken: the next free
    assert sources.number(item | {"url": "https://c.example", "footnote": None}) == 38
    assert [source.number for source in sources.listed()] == [12, 36, 37, 38]
    assert number_ranges([1, 2, 3, 5, 7, 8, 9, 10]) == "[1]–[3], [5], [7]–[10]"
    assert number_ranges([4, 5]) == "[4], [5]"


@pytest.fixture
def cli(module_database, monkeypatch):
    from app.cli import cli as application
    from app.config import get_settings

    monkeypatch.setenv("RECTRACK_DATABASE_URL", module_database.url)
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(application, list(args))
    get_settings.cache_clear()


@pytest.mark.usefixtures("scripted")
def test_cli_scorecard_and_matrix(cli, tmp_path):
    table = cli("scorecard", "--as-of", "2024-12-31")
    assert table.exit_code == 0, table.output
    assert "Legislat" in table.output and "as of 2024-12-31" in table.output and "claim gap" in table.output
    as_json = json.loads(cli("scorecard", "--as-of", "2024-12-31", "--format", "json").output)
    assert as_json["totals"]["assessed"] == 2 and as_json["claim_gaps"][0]["code"] == f"{PREFIX}2.2"
    as_csv = cli("scorecard", "--group-by", "status", "--format", "csv").output
    assert as_csv.splitlines()[4].startswith("implemented,Implemented,")
    out = tmp_path / "matrix.xlsx"
    written = cli("report", "matrix", "--format", "xlsx", "--out", str(out), "--as-of", "2024-12-31")
    assert written.exit_code == 0, written.output
    assert "wrote 43 recommendations" in written.output
    assert openpyxl.load_workbook(out)["Matrix"].max_row == 44
    for fmt in ("csv", "docx", "html", "pdf", "json"):
        assert cli("report", "matrix", "--format", fmt, "--out", str(tmp_path / f"m.{fmt}")).exit_code == 0
    themed = cli(
        "report", "matrix", "--format", "docx", "--group-by", "theme", "--out", str(tmp_path / "t.docx")
    )
    assert themed.exit_code == 0, themed.output
    headings = [p.text for p in docx.Document(tmp_path / "t.docx").paragraphs if p.style.name == "Heading 1"]
    assert "Freedom of association" in headings
    assert cli("report", "matrix", "--group-by", "status").exit_code == 2
    assert (tmp_path / "m.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert len(json.loads((tmp_path / "m.json").read_text())["rows"]) == 43
    assert cli("scorecard", "--as-of", "2999-01-01").exit_code == 2
    assert (tmp_path / "m.pdf").read_bytes().startswith(b"%PDF-")
    assert cli("report", "matrix", "--format", "odt").exit_code == 2


@pytest.mark.sqlite_only
def test_a_document_names_every_filter_as_people_read_it(shared_client):
    response = shared_client.get(
        "/api/v1/reports/matrix.html", params={"sdg": "16.10", "claim_gap": "any", "status": "not_assessed"}
    )
    assert response.status_code == 200
    text = html.unescape(" ".join(response.text.split()))
    assert "Status: Not assessed" in text
    assert "SDG target: 16.10 Ensure public access to information and protect fundamental freedoms" in text
    assert "State's claim: Differs from the monitors' assessment" in text
    assert "claim_gap" not in text.split("<main>")[1]
