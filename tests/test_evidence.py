"""Evidence: linking with reuse by normalised URL, unlinking with a reason, restricted visibility."""

from datetime import date

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from app.db import build_engine
from app.models import Recommendation, RecommendationEvidence
from tests.support import assess, bearer, link

CODE = "odf-kz-2015-3.1"
OTHER = "odf-kz-2015-5.1"
SECRET_URL = "https://example.org/synthetic/restricted-witness-statement"
SECRET_TITLE = "Synthetic restricted witness statement"


def _etag(client, code=CODE) -> str:
    return client.get(f"/api/v1/recommendations/{code}").headers["etag"]


def _article(**overrides):
    return {
        "url": "https://example.org/synthetic/news/1",
        "title": "Synthetic news article",
        "kind": "news",
        "published_on": "2024-02-01",
        "relation": "progress",
        "note": "Synthetic test data.",
    } | overrides


def test_link_writes_history_and_bumps_version(client, monitor_token):
    response = link(client, monitor_token, CODE, _article())
    body = response.json()
    assert body["reused"] is False and body["relation"] == "progress"
    assert body["entry"]["kind"] == "evidence_linked" and body["entry"]["payload"]["url"] == _article()["url"]
    assert response.headers["etag"] == '"2"'
    linked = client.get(f"/api/v1/recommendations/{CODE}").json()["evidence"]
    assert any(e["url"] == _article()["url"] and e["relation"] == "progress" for e in linked)


def test_same_normalised_url_is_reused_across_recommendations(client, monitor_token):
    first = link(client, monitor_token, CODE, _article())
    second = link(client, monitor_token, OTHER, _article(url="HTTPS://EXAMPLE.org:443/synthetic/news/1#top"))
    assert second.json()["reused"] is True
    assert second.json()["evidence"]["id"] == first.json()["evidence"]["id"]
    found = client.get("/api/v1/evidence", params={"url": "https://example.org/synthetic/news/1"}).json()
    assert {link["recommendation"] for link in found["links"]} == {CODE, OTHER}


def test_linking_twice_is_409(client, monitor_token):
    link(client, monitor_token, CODE, _article())
    link(client, monitor_token, CODE, _article(), expect=409)
    assert client.get(f"/api/v1/recommendations/{CODE}").json()["version"] == 2


def test_unlink_keeps_the_record(client, monitor_token):
    evidence_id = link(client, monitor_token, CODE, _article()).json()["evidence"]["id"]
    no_reason = client.delete(
        f"/api/v1/recommendations/{CODE}/evidence/{evidence_id}",
        headers=bearer(monitor_token) | {"If-Match": _etag(client)},
    )
    assert no_reason.status_code == 422
    response = client.delete(
        f"/api/v1/recommendations/{CODE}/evidence/{evidence_id}",
        params={"reason": "Duplicate of the court ruling."},
        headers=bearer(monitor_token) | {"If-Match": _etag(client)},
    )
    assert response.status_code == 200
    entry = response.json()["entry"]
    assert (
        entry["kind"] == "evidence_unlinked"
        and entry["payload"]["reason"] == "Duplicate of the court ruling."
    )
    assert entry["recorded_by_name"] == "Aigerim Monitor"
    detail = client.get(f"/api/v1/recommendations/{CODE}").json()
    assert all(e["id"] != evidence_id for e in detail["evidence"])
    assert client.get("/api/v1/evidence", params={"url": _article()["url"]}).json()["links"] == []
    again = client.delete(
        f"/api/v1/recommendations/{CODE}/evidence/{evidence_id}",
        params={"reason": "again"},
        headers=bearer(monitor_token) | {"If-Match": _etag(client)},
    )
    assert again.status_code == 404
    # Relinking after an unlink is allowed: the old link stays on record.
    link(client, monitor_token, CODE, _article(relation="context"))


def _link_dates(url: str, evidence_id: int) -> dict[str, date | None]:
    """The item's active links: recommendation code -> the link's copy of the item's date."""
    engine = build_engine(url)
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(col(Recommendation.code), col(RecommendationEvidence.evidence_published_on))
                .join(Recommendation, col(Recommendation.id) == col(RecommendationEvidence.recommendation_id))
                .where(
                    col(RecommendationEvidence.evidence_id) == evidence_id,
                    col(RecommendationEvidence.unlinked_at).is_(None),
                )
            ).all()
    finally:
        engine.dispose()
    return dict(rows)


def test_a_link_carries_its_items_publication_date(client, database, monitor_token):
    dated = link(client, monitor_token, CODE, _article()).json()["evidence"]["id"]
    # A reused item keeps its own date, whatever the later request says: so does its link.
    link(client, monitor_token, OTHER, _article(published_on="2023-01-01"))
    undated = _article(url="https://example.org/synthetic/news/undated", published_on=None)
    undated_id = link(client, monitor_token, CODE, undated).json()["evidence"]["id"]
    assert _link_dates(database.url, dated) == {CODE: date(2024, 2, 1), OTHER: date(2024, 2, 1)}
    assert _link_dates(database.url, undated_id) == {CODE: None}
    # A corrected link's replacement row copies it too.
    seq = client.get(f"/api/v1/recommendations/{CODE}/history").json()["items"][-2]["seq"]
    corrected = client.post(
        f"/api/v1/recommendations/{CODE}/entries/{seq}/corrections",
        json={"reason": "Context only.", "relation": "context"},
        headers=bearer(monitor_token) | {"If-Match": _etag(client)},
    )
    assert corrected.status_code == 201, corrected.text
    assert _link_dates(database.url, dated) == {CODE: date(2024, 2, 1), OTHER: date(2024, 2, 1)}


def test_unlink_needs_if_match(client, monitor_token):
    evidence_id = link(client, monitor_token, CODE, _article()).json()["evidence"]["id"]
    response = client.delete(
        f"/api/v1/recommendations/{CODE}/evidence/{evidence_id}",
        params={"reason": "x"},
        headers=bearer(monitor_token),
    )
    assert response.status_code == 428


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/x",
        "https://",
        "https://user:pass@example.org/x",
        "https://example.org/" + "a" * 2048,
        "not a url",
    ],
)
def test_only_http_urls_are_accepted(shared_client, shared_monitor_token, url):
    response = link(shared_client, shared_monitor_token, CODE, _article(url=url), expect=422)
    assert response.headers["content-type"] == "application/problem+json"
    assert shared_client.get(f"/api/v1/recommendations/{CODE}").json()["version"] == 1


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "overrides",
    [
        {"kind": "blog"},
        {"relation": "supports"},
        {"visibility": "secret"},
        {"published_on": "2999-01-01"},
        {"x": 1},
    ],
)
def test_bad_evidence_fields_are_422(shared_client, shared_monitor_token, overrides):
    link(shared_client, shared_monitor_token, CODE, _article(**overrides), expect=422)


def _restricted_setup(client, token) -> int:
    body = _article(url=SECRET_URL, title=SECRET_TITLE, visibility="restricted", relation="regression")
    evidence_id = link(client, token, CODE, body).json()["evidence"]["id"]
    citing = {
        "status": "regressed",
        "summary": "Synthetic: see restricted statement.",
        "evidence_ids": [evidence_id],
    }
    assess(client, token, CODE, citing)
    return evidence_id


def test_restricted_evidence_and_names_are_hidden_from_the_public(client, monitor_token):
    evidence_id = _restricted_setup(client, monitor_token)
    public_texts = [
        client.get(f"/api/v1/recommendations/{CODE}").text,
        client.get(f"/api/v1/recommendations/{CODE}/history").text,
        client.get("/api/v1/history", params={"limit": 1000}).text,
        client.get("/api/v1/recommendations", params={"limit": 500}).text,
    ]
    for text in public_texts:
        assert SECRET_URL not in text and SECRET_TITLE not in text
        assert "Aigerim" not in text
    assert client.get("/api/v1/evidence", params={"url": SECRET_URL}).status_code == 404
    history = client.get(f"/api/v1/recommendations/{CODE}/history").json()["items"]
    assert history[-1]["payload"]["evidence_ids"] == [] and history[-1]["redacted"] is True
    assert history[-2]["payload"] == {"evidence_id": evidence_id, "restricted": True}
    # Entries the public sees redacted name no one, not even by alias (issue 13).
    assert all(entry["recorded_by"] == "withheld" for entry in history if entry["redacted"])
    assert all(entry["recorded_by_name"] is None for entry in history)


def test_viewers_see_restricted_evidence_and_names(client, monitor_token, viewer_token):
    evidence_id = _restricted_setup(client, monitor_token)
    detail = client.get(f"/api/v1/recommendations/{CODE}", headers=bearer(viewer_token)).json()
    assert any(e["id"] == evidence_id and e["visibility"] == "restricted" for e in detail["evidence"])
    history = client.get(f"/api/v1/recommendations/{CODE}/history", headers=bearer(viewer_token)).json()[
        "items"
    ]
    assert history[-1]["payload"]["evidence_ids"] == [evidence_id] and history[-1]["redacted"] is False
    assert history[-1]["recorded_by_name"] == "Aigerim Monitor"
    found = client.get("/api/v1/evidence", params={"url": SECRET_URL}, headers=bearer(viewer_token))
    assert found.status_code == 200 and found.json()["visibility"] == "restricted"
