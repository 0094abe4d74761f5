"""Endpoints the public could use to tie up a server: paged, bounded, or behind a token (issue 13, item 7)."""

import re

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.support import bearer

CODES = ["odf-kz-2015-2.1", "odf-kz-2015-3.2", "odf-kz-2015-7.10"]
CHANGES = "/api/v1/scorecard/changes"


def _assess(client, token, code, effective_on="2024-05-01"):
    etag = client.get(f"/api/v1/recommendations/{code}").headers["etag"]
    response = client.post(
        f"/api/v1/recommendations/{code}/assessments",
        json={"status": "implemented", "summary": "Synthetic change.", "effective_on": effective_on},
        headers=bearer(token) | {"If-Match": etag},
    )
    assert response.status_code == 201, response.text


def test_status_changes_come_a_page_at_a_time(client, monitor_token):
    for code in CODES:
        _assess(client, monitor_token, code)
    params = {"since": "2024-01-01", "limit": 2}
    first = client.get(CHANGES, params=params).json()
    assert first["total"] == 3 and [item["code"] for item in first["changes"]] == CODES[:2]
    assert first["changes"][0]["entries"][0]["summary"] == "Synthetic change."
    second = client.get(CHANGES, params=params | {"cursor": first["next_cursor"]}).json()
    assert second["total"] is None and [item["code"] for item in second["changes"]] == CODES[2:]
    assert second["next_cursor"] is None
    everything = client.get(CHANGES, params={"since": "2024-01-01"}).json()
    assert everything["total"] == 3 and everything["next_cursor"] is None
    assert client.get(CHANGES, params={"since": "1945-01-01", "limit": 501}).status_code == 422
    assert client.get(CHANGES, params={"since": "2024-01-01", "cursor": "bm9wZQ"}).status_code == 400


@pytest.fixture
def small_public_documents(settings):
    """An app that lets anonymous readers have documents of at most 10 rows, rendering one at a time."""
    configured = settings.model_copy(update={"public_document_rows": 10, "document_renders": 1})
    with TestClient(create_app(configured)) as client:
        yield client


@pytest.mark.parametrize(
    "path", ["/api/v1/reports/matrix.xlsx", "/api/v1/reports/matrix.docx", "/api/v1/reports/matrix.pdf"]
)
def test_large_documents_need_a_token_and_streams_do_not(small_public_documents, viewer_token, path):
    client = small_public_documents
    anonymous = client.get(path)
    assert anonymous.status_code == 401 and "43" in anonymous.json()["detail"]
    assert client.get(path, params={"section": 3}).status_code == 200  # four rows
    assert client.get(path, headers=bearer(viewer_token)).status_code == 200
    assert client.get("/api/v1/reports/matrix.csv").status_code == 200


def test_documents_beyond_the_render_slots_get_429(small_public_documents, viewer_token):
    client = small_public_documents
    with client.app.state.render_slots.held():
        busy = client.get("/api/v1/reports/matrix.xlsx", headers=bearer(viewer_token))
        assert busy.status_code == 429 and busy.headers["retry-after"] == "10"
        assert client.get("/api/v1/reports/matrix.csv").status_code == 200  # streams are not held up
    assert client.get("/api/v1/reports/matrix.xlsx", headers=bearer(viewer_token)).status_code == 200


def test_the_web_matrix_comes_a_page_at_a_time(client, monkeypatch):
    monkeypatch.setattr("app.web.scorecard_pages.MATRIX_PAGE", 20)
    seen, url = [], "/matrix"
    while url:
        page = client.get(url)
        assert page.status_code == 200
        seen += re.findall(r'<th scope="row"><a href="/recommendations/(odf-kz-2015-[0-9.]+)"', page.text)
        found = re.search(r'<a href="(/matrix\?[^"]*cursor=[^"]*)" rel="next"', page.text)
        url = found.group(1).replace("&amp;", "&") if found else None
        assert len(seen) <= 43
    assert len(seen) == 43 == len(set(seen))
    stale = client.get("/matrix", params={"cursor": "bm9wZQ"})
    assert stale.status_code == 200 and "out of date" in stale.text


def test_full_verification_is_for_admins_only(client, monitor_token, admin_token):
    assert client.get("/api/v1/history/verify").status_code == 401
    assert client.get("/api/v1/history/verify", headers=bearer(monitor_token)).status_code == 403
    assert client.get("/api/v1/history/verify", headers=bearer(admin_token)).json()["ok"] is True
