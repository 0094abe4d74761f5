"""The Word matrix of a realistic review, laid out by LibreOffice: how many pages, and what every page names.

The seed's 43 recommendations, each assessed with a long summary and new evidence, a third with the state's
claim (tests/realistic_review.py). Both documents are converted to PDF in one LibreOffice run per test run.
"""

import io
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.realistic_review import record_review
from tests.support import make_token

pytestmark = pytest.mark.sqlite_only

ORGANISATION = "Kazakhstan Bureau for Human Rights (test)"
AS_OF = "2025-12-31"
MATRIX = "/api/v1/reports/matrix.docx"
# LibreOffice Writer and poppler come from docker/system-packages.sh (test): missing, the test fails.
SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"
MAX_PAGES = 15
MAX_SECTION_4_PAGES = 3


@pytest.fixture(scope="module")
def reviewed(module_database) -> Iterator[TestClient]:
    """An app over a database holding the realistic review, its organisation set in the environment."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RECTRACK_ORGANISATION", ORGANISATION)
        settings = Settings(database_url=module_database.url, _env_file=None)
    with TestClient(create_app(settings)) as client:
        token = make_token(module_database.url, "monitor", "Aigerim Monitor")
        assert record_review(client, token) == 43
        yield client


@pytest.fixture(scope="module")
def documents(reviewed, tmp_path_factory) -> dict[str, tuple[bytes, Path]]:
    """The whole matrix (in English and in Russian) and section 4 alone, as DOCX, and their PDFs from one
    LibreOffice run."""
    assert Path(SOFFICE).exists(), "LibreOffice is missing: run docker/system-packages.sh test"
    directory = tmp_path_factory.mktemp("pages")
    wanted = {
        "matrix": {"as_of": AS_OF},
        "section-4": {"as_of": AS_OF, "section": "4"},
        "matrix-ru": {"as_of": AS_OF, "lang": "ru"},
    }
    files: dict[str, tuple[bytes, Path]] = {}
    for name, params in wanted.items():
        response = reviewed.get(MATRIX, params=params)
        assert response.status_code == 200, response.text
        (directory / f"{name}.docx").write_bytes(response.content)
        files[name] = (response.content, directory / f"{name}.pdf")
    home = directory / "home"
    home.mkdir()
    subprocess.run(
        [SOFFICE, "--headless", "--convert-to", "pdf", "--outdir", str(directory)]
        + [str(directory / f"{name}.docx") for name in wanted],
        check=True,
        capture_output=True,
        timeout=120,
        env=os.environ | {"HOME": str(home)},
    )
    return files


def pages(pdf: Path) -> int:
    """The number of pages pdfinfo reads."""
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    match = re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)
    assert match, info
    return int(match.group(1))


def pdf_text(pdf: Path, page: int) -> str:
    """A page's text, as pdftotext extracts it."""
    command = ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def test_the_whole_matrix_fits_in_few_pages(documents):
    _, pdf = documents["matrix"]
    count = pages(pdf)
    assert 3 <= count <= MAX_PAGES, count


def test_the_whole_matrix_in_russian_fits_in_few_pages_too(documents):
    content, pdf = documents["matrix-ru"]
    count = pages(pdf)
    assert 3 <= count <= MAX_PAGES, count
    assert docx.Document(io.BytesIO(content)).core_properties.title == "Kazakhstan: выполнение рекомендаций"
    assert "Kazakhstan: выполнение рекомендаций" in pdf_text(pdf, 1)


def test_one_section_fits_in_three_pages(documents):
    _, pdf = documents["section-4"]
    assert pages(pdf) <= MAX_SECTION_4_PAGES


def test_the_title_block_names_the_state_the_source_and_the_organisation(documents):
    content, pdf = documents["matrix"]
    document = docx.Document(io.BytesIO(content))
    title_block = [paragraph.text for paragraph in document.paragraphs[:6]]
    assert title_block[0] == "Kazakhstan: implementation of recommendations"
    assert any("Open Dialog Foundation" in line for line in title_block)
    assert any("as of 2025-12-31" in line for line in title_block)
    assert "All recommendations of these sources." in title_block
    assert ORGANISATION in title_block
    properties = document.core_properties
    assert properties.title == title_block[0] and properties.author == ORGANISATION
    assert "Open Dialog Foundation" in properties.subject
    first = pdf_text(pdf, 1)
    assert "Kazakhstan: implementation of recommendations" in first and ORGANISATION in first


def test_progress_over_time_is_printed_after_the_scorecard(documents):
    content, _ = documents["matrix"]
    document = docx.Document(io.BytesIO(content))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert (
        headings.index("Scorecard by section")
        < headings.index("Progress over time, at the end of each quarter")
        < headings.index("Recommendations")
    )
    series = document.tables[1]
    assert [cell.text for cell in series.rows[0].cells][:2] == ["Period end", "Score"]
    assert series.rows[-1].cells[0].text == "2025-12-31"
    assert series.rows[-1].cells[-1].text == "43"


def test_every_page_has_a_header_and_a_footer(documents):
    content, pdf = documents["matrix"]
    section = docx.Document(io.BytesIO(content)).sections[0]
    assert ORGANISATION in section.header.paragraphs[0].text
    assert "Kazakhstan" in section.header.paragraphs[0].text
    footer = section.footer._element.xml
    assert "PAGE" in footer and "NUMPAGES" in footer
    count = pages(pdf)
    for page in (1, count):
        text = pdf_text(pdf, page)
        assert f"Page {page} of {count}" in text
        assert "As of 2025-12-31" in text and ORGANISATION in text
        assert "Prepared by" in text


def test_rows_are_grouped_under_headings_and_keep_their_blocks(documents):
    content, _ = documents["matrix"]
    document = docx.Document(io.BytesIO(content))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    start = headings.index("Recommendations") + 1
    assert headings[start : start + 6] == [
        "2. Legislative measures",
        "3. Particularities of political and public environment",
        "4. The freedom of flow of information",
        "5. Long-term support and resources",
        "6. The space for dialogue and collaboration",
        "7. Recommendations for a favourable environment for civil society in post-Soviet countries with "
        "low levels of democracy",
    ]
    assert headings[-1] == "Sources cited in the report"
    matrices = document.tables[2:]
    assert sum(len(table.rows) - 1 for table in matrices) == 43
    header = [cell.text for cell in matrices[0].rows[0].cells]
    assert header == [
        "Recommendation",
        "Source",
        "Assessment",
        "Evidence",
        "State's claim",
        "Comments",
    ]
    first = [cell.text for cell in matrices[0].rows[1].cells]
    assert first[0].startswith("odf-kz-2015-2.1\n")
    assert first[1].startswith("Open Dialog Foundation, 2015\nTo: ")
    assert first[2].startswith("\xa0Not implemented\xa0 2023-03-01 ") and len(first[2]) > 600
    # New evidence first, then the report's own sources by number, each listed once at the end.
    assert "Report sources: [" in first[3] and "https://" not in first[3]
    assert (
        first[4].startswith("\xa0Implemented\xa0 2022-11-01 The national report")
        and "claims more" in first[5]
    )


def test_grouped_by_theme_a_recommendation_appears_under_each_theme(reviewed):
    response = reviewed.get(MATRIX, params={"as_of": AS_OF, "group_by": "theme"})
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert "Freedom of association" in headings and "Media freedom and independent journalism" in headings
    rows = sum(len(table.rows) - 1 for table in document.tables[2:])
    assert rows > 43
    assert reviewed.get(MATRIX, params={"group_by": "status"}).status_code == 422
