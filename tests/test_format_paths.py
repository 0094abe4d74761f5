"""Each file format has a path of its own with one media type; `?format=` answers the same (issue 13)."""

import re

import pytest

from app.csv_writer import CSV_MEDIA_TYPE
from app.reports.docx_report import DOCX_MEDIA_TYPE
from app.reports.html_report import HTML_MEDIA_TYPE
from app.reports.pdf_report import PDF_MEDIA_TYPE
from app.reports.xlsx_report import XLSX_MEDIA_TYPE

MATRIX = "/api/v1/reports/matrix"
SCORECARD = "/api/v1/scorecard"
BINARY = {"type": "string", "format": "binary"}
TEXT = {"type": "string"}
FILES = {
    f"{MATRIX}.csv": (CSV_MEDIA_TYPE, TEXT, (MATRIX, "csv")),
    f"{MATRIX}.xlsx": (XLSX_MEDIA_TYPE, BINARY, (MATRIX, "xlsx")),
    f"{MATRIX}.docx": (DOCX_MEDIA_TYPE, BINARY, (MATRIX, "docx")),
    f"{MATRIX}.html": (HTML_MEDIA_TYPE, TEXT, (MATRIX, "html")),
    f"{MATRIX}.pdf": (PDF_MEDIA_TYPE, BINARY, (MATRIX, "pdf")),
    f"{SCORECARD}.csv": (CSV_MEDIA_TYPE, TEXT, (SCORECARD, "csv")),
}
# Paths that never had a `?format=` of their own.
NEW_FILES = {f"{SCORECARD}.pdf": (PDF_MEDIA_TYPE, BINARY)}
# Office files and PDFs carry the time they were written, so only their headers are compared; the HTML
# page is compared without the times it names (when it was prepared).
SAME_BYTES = (CSV_MEDIA_TYPE, HTML_MEDIA_TYPE)
TIME = re.compile(rb"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?")


def test_every_success_has_one_media_type(client):
    schema = client.get("/openapi.json").json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if status.startswith("2") and "content" in response:
                    assert len(response["content"]) == 1, (method, path, status, list(response["content"]))
    for path, (media_type, body) in [(path, entry[:2]) for path, entry in FILES.items()] + list(
        NEW_FILES.items()
    ):
        operation = schema["paths"][path]["get"]
        assert operation["responses"]["200"]["content"] == {media_type: {"schema": body}}, path
        assert {"304", "401", "422"} <= set(operation["responses"]), path
    for path in (MATRIX, f"{MATRIX}.json", SCORECARD):
        operation = schema["paths"][path]["get"]
        assert list(operation["responses"]["200"]["content"]) == ["application/json"], path
        assert "format" not in {parameter["name"] for parameter in operation["parameters"]}, path


@pytest.mark.parametrize("path", list(FILES))
def test_the_format_parameter_still_answers_as_the_path(client, path):
    media_type, _, legacy = FILES[path]
    params = {"as_of": "2024-12-31"}
    legacy_path, format_ = legacy
    new, old = client.get(path, params=params), client.get(legacy_path, params=params | {"format": format_})
    assert new.status_code == old.status_code == 200, new.text
    assert new.headers["content-type"] == old.headers["content-type"] == media_type
    assert new.headers["etag"] == old.headers["etag"]
    assert new.headers["content-disposition"] == old.headers["content-disposition"]
    if media_type in SAME_BYTES:
        assert TIME.sub(b"(time)", new.content) == TIME.sub(b"(time)", old.content)
    revalidated = client.get(path, params=params, headers={"If-None-Match": old.headers["etag"]})
    assert revalidated.status_code == 304


def test_the_json_matrix_is_the_same_at_both_paths(client):
    new, old = client.get(f"{MATRIX}.json"), client.get(MATRIX)
    assert new.status_code == old.status_code == 200
    assert new.headers["etag"] == old.headers["etag"] and new.json() == old.json()
    assert len(new.json()["rows"]) == 43
