"""The PDF of a realistic review (tests/realistic_review.py): how many pages, and what every page names.

The seed's 43 recommendations, each assessed with a long summary and new evidence, a third with the state's
claim. Each PDF is rendered once per module; pages are counted by poppler's pdfinfo.
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.realistic_review import record_review
from tests.support import make_token, pdf_info, pdf_text

pytestmark = pytest.mark.sqlite_only

ORGANISATION = "Kazakhstan Bureau for Human Rights (test)"
AS_OF = "2025-12-31"
MATRIX = "/api/v1/reports/matrix.pdf"
MAX_PAGES = 15
MAX_SECTION_4_PAGES = 3


@pytest.fixture(scope="module")
def reviewed(module_database) -> Iterator[TestClient]:
    """An app over a database holding the realistic review, naming an organisation."""
    settings = Settings(database_url=module_database.url, organisation=ORGANISATION, _env_file=None)
    with TestClient(create_app(settings)) as client:
        token = make_token(module_database.url, "monitor", "Aigerim Monitor")
        assert record_review(client, token) == 43
        yield client


@pytest.fixture(scope="module")
def documents(reviewed) -> dict[str, bytes]:
    """The whole matrix (in English and in Russian) and section 4 alone, as PDFs."""
    wanted = {
        "matrix": {"as_of": AS_OF},
        "section-4": {"as_of": AS_OF, "section": "4"},
        "matrix-ru": {"as_of": AS_OF, "lang": "ru"},
    }
    files = {}
    for name, params in wanted.items():
        response = reviewed.get(MATRIX, params=params)
        assert response.status_code == 200, response.text
        files[name] = response.content
    return files


def test_the_whole_matrix_fits_in_fifteen_pages(documents):
    info = pdf_info(documents["matrix"])
    assert int(info["Pages"]) <= MAX_PAGES, info["Pages"]


def test_the_whole_matrix_in_russian_fits_in_fifteen_pages_too(documents):
    content = documents["matrix-ru"]
    pages = int(pdf_info(content)["Pages"])
    assert pages <= MAX_PAGES, pages
    sheets = pdf_text(content, "-layout").split("\f")[:pages]
    assert "Kazakhstan: выполнение рекомендаций" in sheets[0]
    assert all(f"Страница {number} из {pages}" in sheet for number, sheet in enumerate(sheets, start=1))


def test_one_section_fits_in_three_pages(documents):
    info = pdf_info(documents["section-4"])
    assert int(info["Pages"]) <= MAX_SECTION_4_PAGES, info["Pages"]
    assert "Filtered: Section: 4." in " ".join(pdf_text(documents["section-4"]).split())


def test_every_page_names_the_document(documents):
    content = documents["matrix"]
    pages = int(pdf_info(content)["Pages"])
    sheets = pdf_text(content, "-layout").split("\f")[:pages]
    assert len(sheets) == pages
    for number, sheet in enumerate(sheets, start=1):
        assert ORGANISATION in sheet and "Kazakhstan" in sheet and "As of 2025-12-31" in sheet, number
        assert f"Page {number} of {pages}" in sheet, number
        assert "Prepared by " + ORGANISATION in sheet, number
