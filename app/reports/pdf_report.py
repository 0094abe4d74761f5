"""PDF: the HTML print view laid out in pages by WeasyPrint, which fetches nothing."""

from typing import IO, Any

from app.errors import Unprocessable
from app.reports.html_report import matrix_html
from app.reports.page_heading import PageHeading
from app.reports.printed import PrintedMatrix

PDF_MEDIA_TYPE = "application/pdf"
# WeasyPrint lays out the whole document in memory: measured with the realistic review, about 60 ms and
# 1 MB a row (430 rows: 26 s, 112 pages, 530 MB). A PDF is for a submission, not a database dump.
MAX_PDF_ROWS = 1_000


def ensure_pdf_fits(rows: int) -> None:
    """422 when a matrix has too many rows for a PDF."""
    if rows > MAX_PDF_ROWS:
        raise Unprocessable(
            f"The matrix has {rows:,} rows; a PDF holds at most {MAX_PDF_ROWS:,}. "
            "Filter it (by source, section, theme, ...) or download it as DOCX, XLSX or CSV."
        )


def html_to_pdf(html: str, target: str | IO[bytes]) -> None:
    """Lay out a self-contained HTML page (inline styles only) as a PDF; every URL it names is refused."""
    # Imported here: WeasyPrint and Pango take 0.6 s to load, which only PDF renders should pay.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class RefuseEverything(URLFetcher):  # type: ignore[misc]
        """Refuse every stylesheet, image and font: a document never calls out, nor reveals its reader."""

        def fetch(self, url: str, headers: object = None) -> Any:
            raise PermissionError(f"rectrack documents fetch nothing ({url[:80]})")

    # Tagged (headings, tables, lists marked up), so screen readers and reflowing viewers can read it:
    # twice the bytes, 4% more time.
    HTML(string=html, url_fetcher=RefuseEverything()).write_pdf(target, pdf_tags=True)


def write_matrix_pdf(
    target: str | IO[bytes], layout: PrintedMatrix, scorecard: dict[str, Any], heading: PageHeading
) -> None:
    """Write the printed matrix as a PDF: title, author (the organisation) and creation time set."""
    html_to_pdf("".join(matrix_html(layout, scorecard, heading)), target)
