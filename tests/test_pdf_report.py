"""The matrix as a PDF (WeasyPrint from the HTML print view): what each page names, metadata, no fetching."""

import io
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from weasyprint import HTML

from app.main import create_app
from app.reports.html_report import keeps_whole
from app.reports.pdf_report import PDF_MEDIA_TYPE, html_to_pdf
from app.reports.printed import PrintedRow, StatusBlock, printed_columns
from seed.loader import DEFAULT_SEED, read_seed
from tests.support import pdf_info, pdf_text

CODES = [item["code"] for item in read_seed(DEFAULT_SEED)["recommendations"]]
ORGANISATION = "Synthetic Rights Bureau «Ділда»"


@pytest.fixture
def almaty_client(settings) -> Iterator[TestClient]:
    """An app whose documents name an organisation and show times in Almaty (UTC+5)."""
    configured = settings.model_copy(update={"organisation": ORGANISATION, "timezone": "Asia/Almaty"})
    with TestClient(create_app(configured)) as client:
        yield client


@pytest.mark.sqlite_only
def test_the_matrix_as_a_pdf(almaty_client):
    before = datetime.now(UTC).replace(microsecond=0)
    response = almaty_client.get("/api/v1/reports/matrix.pdf", params={"as_of": "2024-12-31"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == PDF_MEDIA_TYPE
    assert response.headers["content-disposition"] == 'attachment; filename="rectrack-matrix-2024-12-31.pdf"'
    assert response.content.startswith(b"%PDF-")
    info = pdf_info(response.content)
    assert (
        info["Title"]
        == "Kazakhstan: implementation of recommendations: Implementation matrix, status as of 2024-12-31"
    )
    assert info["Author"] == ORGANISATION and info["Tagged"] == "yes"
    created = datetime.fromisoformat(info["CreationDate"].replace("Z", "+00:00"))
    assert before - timedelta(seconds=1) <= created <= datetime.now(UTC)
    pages = int(info["Pages"])
    text = pdf_text(response.content, "-layout")
    sheets = text.split("\f")[:pages]
    for number, sheet in enumerate(sheets, start=1):
        # Every page names the organisation, the state and the date, and its place in the document.
        assert ORGANISATION in sheet and "Kazakhstan" in sheet and "As of 2024-12-31" in sheet, number
        assert f"Page {number} of {pages}" in sheet, number
        assert "+05 (" in sheet and "No signed checkpoint of the history yet." in sheet, number
    flat = " ".join(pdf_text(response.content).split())
    assert "Status as of 2024-12-31, as assessed by independent monitors." in flat
    # pdftotext joins a word broken at a hyphen without it: compare without hyphens.
    missing = [code for code in CODES if code.replace("-", "") not in flat.replace("-", "")]
    assert not missing
    again = almaty_client.get(
        "/api/v1/reports/matrix.pdf",
        params={"as_of": "2024-12-31"},
        headers={"If-None-Match": response.headers["etag"]},
    )
    assert again.status_code == 304


@pytest.mark.sqlite_only
def test_the_scorecard_as_a_pdf(almaty_client):
    params = {"as_of": "2024-12-31", "group_by": "theme"}
    response = almaty_client.get("/api/v1/scorecard.pdf", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == PDF_MEDIA_TYPE
    assert (
        response.headers["content-disposition"] == 'attachment; filename="rectrack-scorecard-2024-12-31.pdf"'
    )
    info = pdf_info(response.content)
    assert (
        info["Title"] == "Kazakhstan: implementation of recommendations: Scorecard, status as of 2024-12-31"
    )
    assert info["Author"] == ORGANISATION and info["Pages"] == "1"
    text = " ".join(pdf_text(response.content).split())
    assert "Scorecard by theme" in text and "Freedom of association" in text and "Page 1 of 1" in text
    layout = " ".join(pdf_text(response.content, "-layout").split())
    assert "All recommendations 43 0 0 0 0 43" in layout
    again = almaty_client.get(
        "/api/v1/scorecard.pdf", params=params, headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    assert almaty_client.get("/api/v1/scorecard.pdf", params={"group_by": "colour"}).status_code == 422


@pytest.mark.sqlite_only
def test_a_pdf_refuses_a_database_dump(shared_client, monkeypatch):
    monkeypatch.setattr("app.reports.pdf_report.MAX_PDF_ROWS", 10)
    response = shared_client.get("/api/v1/reports/matrix.pdf")
    assert response.status_code == 422 and "DOCX, XLSX or CSV" in response.json()["detail"]
    assert shared_client.get("/api/v1/reports/matrix.pdf", params={"section": 3}).status_code == 200


def _row(summary: str) -> PrintedRow:
    block = StatusBlock("not_implemented", "Not implemented", "2025-01-01", summary)
    return PrintedRow("x-1.1", "", "Short.", "en", "", ["Source"], block, [], [], "", None, [])


@pytest.mark.sqlite_only
def test_rows_are_kept_whole_unless_taller_than_a_third_of_a_page():
    columns = printed_columns("independent", ())
    assert keeps_whole(_row("A sentence of about fifty characters, give or take. " * 20), columns)
    # About 90 lines of the assessment column: far more than a third of a page.
    assert not keeps_whole(_row("A sentence of about fifty characters, give or take. " * 120), columns)


class _Counting(BaseHTTPRequestHandler):
    asked: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        self.asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red; }")

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.sqlite_only
def test_weasyprint_fetches_nothing_a_page_names():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        html = (
            f'<html><head><link rel="stylesheet" href="{base}/style.css">'
            f'<style>@import url("{base}/import.css");'
            f'@font-face {{ font-family: x; src: url("{base}/f.woff") }}'
            f'body {{ background: url("{base}/bg.png") }}</style></head>'
            f'<body><img src="{base}/pixel.png" alt="x"><img src="file:///etc/passwd" alt="y">'
            "<p>Still rendered.</p></body></html>"
        )
        out = io.BytesIO()
        html_to_pdf(html, out)
        refused = list(_Counting.asked)
        HTML(string=html).write_pdf(io.BytesIO())  # WeasyPrint's own fetcher: the page does name URLs
    finally:
        server.shutdown()
        server.server_close()
    assert refused == [] and "/style.css" in _Counting.asked
    assert "Still rendered." in pdf_text(out.getvalue())
