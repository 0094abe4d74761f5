"""The read API: filters, keyset pagination, details, ETags, history and problem+json errors."""

import pytest

from seed.loader import DEFAULT_SEED, read_seed

CURATED = read_seed(DEFAULT_SEED)["recommendations"]
NATURAL_ORDER = [item["code"] for item in CURATED]


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["code"] for item in response.json()["items"]]


def test_health_and_readiness(shared_client):
    assert shared_client.get("/healthz").json() == {"status": "ok"}
    ready = shared_client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"


def test_readiness_fails_on_an_unmigrated_database(empty_database):
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app

    with TestClient(create_app(Settings(database_url=empty_database.url, _env_file=None))) as client:
        assert client.get("/readyz").status_code == 503


def test_sources(shared_client):
    [source] = shared_client.get("/api/v1/sources").json()
    assert source["slug"] == "odf-kz-2015"
    assert source["recommendations"] == 43
    assert [section["number"] for section in source["sections"]] == [2, 3, 4, 5, 6, 7]
    assert source["published_on"] == "2015-06-19"


def test_natural_order_and_pagination_through_all(shared_client):
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        body = shared_client.get("/api/v1/recommendations", params=params).json()
        assert body["total"] == 43
        seen += [item["code"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 7
    assert seen == NATURAL_ORDER
    assert seen[-11:-9] == ["odf-kz-2015-7.9", "odf-kz-2015-7.10"]


def test_default_page_and_limits(shared_client):
    body = shared_client.get("/api/v1/recommendations").json()
    assert len(body["items"]) == 43 and body["next_cursor"] is None
    assert shared_client.get("/api/v1/recommendations", params={"limit": 501}).status_code == 422
    assert shared_client.get("/api/v1/recommendations", params={"limit": 0}).status_code == 422


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"section": 4}, [c["code"] for c in CURATED if c["section"] == 4]),
        ({"status": "not_assessed"}, NATURAL_ORDER),
        ({"status": "implemented"}, []),
        ({"addressee": "international-donors"}, ["odf-kz-2015-5.7"]),
        (
            {"theme": "freedom-of-religion"},
            [c["code"] for c in CURATED if "freedom-of-religion" in c["themes"]],
        ),
        ({"sdg": "4.7"}, [c["code"] for c in CURATED if "4.7" in c["sdg"]]),
        ({"q": "EXTREMISM"}, [c["code"] for c in CURATED if "extremism" in c["text"].lower()]),
        ({"q": "‘On Telecommunications’"}, ["odf-kz-2015-4.2"]),
        ({"q": "100%_"}, []),
        (
            {"source": "odf-kz-2015", "section": 6, "addressee": "osce"},
            ["odf-kz-2015-6.2", "odf-kz-2015-6.3"],
        ),
        ({"source": "no-such-source"}, []),
    ],
)
def test_filters(shared_client, params, expected):
    assert expected is not None
    response = shared_client.get("/api/v1/recommendations", params=params)
    assert _codes(response) == expected
    assert response.json()["total"] == len(expected)


def test_filters_combine_with_pagination(shared_client):
    section7 = [c["code"] for c in CURATED if c["section"] == 7]
    first = shared_client.get("/api/v1/recommendations", params={"section": 7, "limit": 10}).json()
    second = shared_client.get(
        "/api/v1/recommendations", params={"section": 7, "limit": 10, "cursor": first["next_cursor"]}
    ).json()
    assert [i["code"] for i in first["items"] + second["items"]] == section7
    assert second["next_cursor"] is None


def test_detail(shared_client):
    response = shared_client.get("/api/v1/recommendations/odf-kz-2015-6.2")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "odf-kz-2015-6.2"
    assert body["section"] == {
        "number": 6,
        "title": "The space for dialogue and collaboration",
        "translated_title": None,  # the test client asks for no language: English, the original's
    }
    assert {a["slug"] for a in body["addressees"]} == {
        "un",
        "osce",
        "pace",
        "european-parliament",
        "eu-governments",
    }
    assert body["status"] == body["claimed_status"] == "not_assessed"
    assert body["version"] == 1 and body["last_assessed_at"] is None
    evidence = body["evidence"]
    assert len(evidence) == 5  # footnotes [34]-[38] are cited in section 6
    assert {e["relation"] for e in evidence} == {"baseline"}
    assert all(e["visibility"] == "public" and e["url"].startswith("http") for e in evidence)
    assert response.headers["etag"] == '"1"'


def test_etag_if_none_match(shared_client):
    etag = shared_client.get("/api/v1/recommendations/odf-kz-2015-2.1").headers["etag"]
    cached = shared_client.get("/api/v1/recommendations/odf-kz-2015-2.1", headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.headers["etag"] == etag
    other = shared_client.get("/api/v1/recommendations/odf-kz-2015-2.1", headers={"If-None-Match": '"999"'})
    assert other.status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/v1/recommendations/odf-kz-2015-9.9", "/api/v1/recommendations/x/history"]
)
def test_unknown_code_is_404_problem(shared_client, path):
    response = shared_client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 404 and problem["title"] and "detail" in problem and problem["type"]


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "params", [{"status": "done"}, {"section": "two"}, {"cursor": "!!"}, {"cursor": "MS4y"}, {"q": "x" * 201}]
)
def test_bad_query_is_4xx_problem(shared_client, params):
    response = shared_client.get("/api/v1/recommendations", params=params)
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"


def test_history_chain_links(shared_client):
    items = shared_client.get("/api/v1/recommendations/odf-kz-2015-7.10/history").json()["items"]
    assert [entry["seq"] for entry in items] == [1]
    assert len(items[0]["hash"]) == 64


@pytest.mark.sqlite_only
def test_openapi_and_docs(shared_client):
    schema = shared_client.get("/openapi.json").json()
    assert "/api/v1/recommendations/{code}" in schema["paths"]
    assert shared_client.get("/docs").status_code == 200


@pytest.mark.parametrize("params", [{"q": "\x00"}, {"theme": "a\x00b"}, {"source": "\x00"}])
def test_nul_characters_are_refused_on_both_databases(shared_client, params):
    response = shared_client.get("/api/v1/recommendations", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
