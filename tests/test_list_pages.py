"""The list's pages are kept per app as sent, and a write retires them: a kept page is never stale."""

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.support import assess, link

LIST = "/api/v1/recommendations"
CODE = "odf-kz-2015-2.1"
# Only what a link needs: the URL, a title and how it bears on the recommendation.
_ARTICLE = {"url": "https://example.org/synthetic/p/1", "title": "Synthetic article", "relation": "progress"}


def _page(client, **params) -> dict:
    response = client.get(LIST, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["vary"] == "Accept-Language"
    return response.json()


def _item(page: dict, code: str) -> dict:
    return next(item for item in page["items"] if item["code"] == code)


def test_a_repeated_page_is_served_as_kept(client):
    pages = client.app.state.list_pages
    first = client.get(LIST, params={"limit": 5})
    again = client.get(LIST, params={"limit": 5})
    assert first.content == again.content
    assert (pages.misses, pages.hits) == (1, 1)
    # Each page size, cursor, filter set and language is a page of its own.
    cursor = first.json()["next_cursor"]
    second = _page(client, limit=5, cursor=cursor)
    assert [item["code"] for item in second["items"]] != [item["code"] for item in first.json()["items"]]
    _page(client, limit=6)
    _page(client, limit=5, section=4)
    russian = _page(client, limit=5, lang="ru")
    assert russian != first.json() and all(item["translated_text"] for item in russian["items"])
    assert pages.misses == 5
    # A search is found afresh each time: a reindex changes what it matches without a history entry.
    assert _page(client, q="PRESS") == _page(client, q="press")
    assert (pages.misses, pages.hits, len(pages)) == (5, 1, 5)


def test_a_write_retires_the_kept_pages(client, monitor_token):
    before = _item(_page(client, limit=500), CODE)
    assert before["status"] == "not_assessed"
    assess(client, monitor_token, CODE, {"status": "implemented", "summary": "Synthetic."})
    after = _item(_page(client, limit=500), CODE)
    assert after["status"] == "implemented" and after["version"] == before["version"] + 1
    assert _page(client, limit=500, status="implemented")["total"] == 1
    # Linking evidence is a write of the recommendation's too: its version moves on the page.
    link(client, monitor_token, CODE, _ARTICLE)
    assert _item(_page(client, limit=500), CODE)["version"] == after["version"] + 1


def test_a_bad_cursor_keeps_nothing(shared_client):
    pages = shared_client.app.state.list_pages
    kept = len(pages)
    response = shared_client.get(LIST, params={"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert len(pages) == kept


@pytest.mark.sqlite_only
def test_pages_off_builds_every_page(settings, monitor_token):
    off = settings.model_copy(update={"list_page_cache_entries": 0})
    with TestClient(create_app(off)) as client:
        assert client.app.state.list_pages is None
        assert _page(client, limit=3) == _page(client, limit=3)
        assess(client, monitor_token, CODE, {"status": "regressed", "summary": "Synthetic."})
        assert _item(_page(client, limit=500), CODE)["status"] == "regressed"
