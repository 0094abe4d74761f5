"""Fixes from the outside review (issue 13): each test failed before its fix, on both databases."""

import base64
import contextlib
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings, get_settings
from app.keys import KeyProblem, cookie_secret, create_key, create_signing_key
from app.main import create_app
from bench.server import free_port
from tests.support import bearer, make_token

CODE = "odf-kz-2015-3.1"
SEED_LINKED = "odf-kz-2015-2.1"  # carries the report's own footnote links


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _etag(client, code=CODE) -> str:
    return client.get(f"/api/v1/recommendations/{code}").headers["etag"]


def _link(client, token, *, visibility="public", url="https://example.org/synthetic/hardening/1", code=CODE):
    body = {"url": url, "title": "Synthetic document", "relation": "progress", "visibility": visibility}
    return client.post(
        f"/api/v1/recommendations/{code}/evidence",
        json=body,
        headers=bearer(token) | {"If-Match": _etag(client, code)},
    )


def _unlink(client, token, evidence_id, code=CODE):
    return client.request(
        "DELETE",
        f"/api/v1/recommendations/{code}/evidence/{evidence_id}",
        json={"reason": "Synthetic test: wrong document."},
        headers=bearer(token) | {"If-Match": _etag(client, code)},
    )


@pytest.mark.parametrize(
    "raw", ["1.2.2147483648", "1.9223372036854775808.1", "99999999999999999999999.1.1", "-1.2.1"]
)
@pytest.mark.parametrize("path", ["/api/v1/recommendations", "/api/v1/scorecard/claim-gaps"])
def test_an_out_of_range_cursor_is_a_400_problem(client, path, raw):
    response = client.get(path, params={"cursor": _cursor(raw)})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "cursor" in response.json()["detail"]


def test_the_web_list_ignores_an_out_of_range_cursor(client):
    response = client.get("/recommendations", params={"cursor": _cursor("1.2.2147483648")})
    assert response.status_code == 200
    assert "odf-kz-2015-2.1" in response.text  # the first page, as without a cursor


@pytest.mark.parametrize("path", ["/api/v1/scorecard", "/api/v1/reports/matrix", "/api/v1/scorecard/changes"])
def test_known_at_in_the_future_is_refused(client, path):
    params = {"known_at": "9999-01-01T00:00:00Z", "since": "2020-01-01"}
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert "future" in response.text


def test_another_monitors_token_answers_as_a_missing_one(client, monitor_token, admin_token):
    admin_token_id = client.get("/api/v1/me", headers=bearer(admin_token)).json()["token"]["id"]
    others = client.delete(f"/api/v1/tokens/{admin_token_id}", headers=bearer(monitor_token))
    missing = client.delete("/api/v1/tokens/2000000000", headers=bearer(monitor_token))
    assert others.status_code == missing.status_code == 404
    assert others.json()["title"] == missing.json()["title"]
    assert client.get("/api/v1/me", headers=bearer(admin_token)).status_code == 200


def test_the_public_sees_no_alias_on_an_entry_it_sees_redacted(client, monitor_token):
    linked = _link(client, monitor_token, visibility="restricted")
    assert linked.status_code == 201
    public = client.get(f"/api/v1/recommendations/{CODE}/history").json()["items"][-1]
    assert public["redacted"] is True and public["recorded_by"] == "withheld"
    feed = client.get("/api/v1/history", params={"after": public["id"] - 1}).json()["items"][0]
    assert feed["recorded_by"] == "withheld"
    own = client.get(f"/api/v1/recommendations/{CODE}/history", headers=bearer(monitor_token))
    assert own.json()["items"][-1]["recorded_by"].startswith("Monitor ")


def test_restricted_evidence_is_unlinked_only_by_who_linked_it_or_an_admin(
    client, database, monitor_token, admin_token
):
    other = make_token(database.url, "monitor", "Synthetic Other Monitor")
    evidence_id = _link(client, monitor_token, visibility="restricted").json()["evidence"]["id"]
    refused = _unlink(client, other, evidence_id)
    assert refused.status_code == 403, refused.text
    assert _etag(client) == '"2"'  # nothing changed
    assert _unlink(client, monitor_token, evidence_id).status_code == 200
    again = _link(client, monitor_token, visibility="restricted").json()["evidence"]["id"]
    assert _unlink(client, admin_token, again).status_code == 200


def test_public_evidence_is_unlinked_by_any_monitor(client, database, monitor_token):
    other = make_token(database.url, "monitor", "Synthetic Other Monitor")
    evidence_id = _link(client, monitor_token).json()["evidence"]["id"]
    assert _unlink(client, other, evidence_id).status_code == 200


def test_the_reports_own_links_are_unlinked_only_by_an_admin(client, monitor_token, admin_token):
    seeded = client.get(f"/api/v1/recommendations/{SEED_LINKED}").json()["evidence"]
    assert seeded, "the seed links footnotes to this recommendation"
    evidence_id = seeded[0]["id"]
    assert _unlink(client, monitor_token, evidence_id, code=SEED_LINKED).status_code == 403
    assert _unlink(client, admin_token, evidence_id, code=SEED_LINKED).status_code == 200


DASHBOARD = "https://dashboard.example.org"


@pytest.mark.sqlite_only
def test_no_origin_is_allowed_by_default(client):
    response = client.get("/api/v1/sources", headers={"Origin": DASHBOARD})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.sqlite_only
def test_a_configured_dashboard_origin_reads_etags_across_origins(settings, monkeypatch):
    monkeypatch.setenv("RECTRACK_CORS_ORIGINS", f" {DASHBOARD}/ , https://other.example.org")
    configured = Settings(database_url=settings.database_url, _env_file=None)
    assert configured.cors_origins == [DASHBOARD, "https://other.example.org"]
    with TestClient(create_app(configured)) as client:
        preflight = client.options(
            f"/api/v1/recommendations/{CODE}/assessments",
            headers={
                "Origin": DASHBOARD,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, if-match, content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == DASHBOARD
        assert "access-control-allow-credentials" not in preflight.headers
        response = client.get(f"/api/v1/recommendations/{CODE}", headers={"Origin": DASHBOARD})
        assert response.headers["access-control-allow-origin"] == DASHBOARD
        exposed = {
            name.strip().lower() for name in response.headers["access-control-expose-headers"].split(",")
        }
        assert {"etag", "link", "retry-after"} <= exposed
        stranger = client.get("/api/v1/sources", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in stranger.headers


def _signed_in_form(client, token: str) -> dict[str, str]:
    """Sign in through the web form; the recommendation page's hidden fields for posting a form."""
    login = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    assert client.post(
        "/login", data={"csrf_token": csrf, "token": token}, follow_redirects=False
    ).is_redirect
    page = client.get(f"/recommendations/{CODE}").text
    return {
        name: re.search(rf'name="{name}" value="([^"]*)"', page).group(1)
        for name in ("csrf_token", "version")
    }


@pytest.mark.parametrize(
    "summary",
    [b"%FF%FEbroken", b"caf\xe9", b"%C3%28"],  # invalid percent-encoded UTF-8, raw Latin-1, a bad sequence
)
def test_a_form_that_is_not_utf8_is_refused_and_changes_nothing(client, monitor_token, summary):
    fields = _signed_in_form(client, monitor_token)
    body = urlencode(fields | {"status": "implemented", "perspective": "independent"}).encode()
    response = client.post(
        f"/recommendations/{CODE}/assessments",
        content=body + b"&summary=" + summary,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code == 400, response.text
    assert _etag(client) == '"1"'
    cyrillic = urlencode(fields | {"status": "implemented", "summary": "Закон принят"}).encode()
    saved = client.post(
        f"/recommendations/{CODE}/assessments",
        content=cyrillic,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    history = client.get(f"/api/v1/recommendations/{CODE}/history").json()["items"]
    assert history[-1]["payload"]["summary"] == "Закон принят"


def test_a_rotated_token_keeps_deduplicating_the_monitors_retries(client, monitor_token, admin_token):
    me = client.get("/api/v1/me", headers=bearer(monitor_token)).json()
    rotated = client.post(f"/api/v1/monitors/{me['id']}/tokens", headers=bearer(admin_token))
    assert rotated.status_code == 201
    new_token = rotated.json()["token"]
    body = {"status": "implemented", "summary": "Synthetic retry across a token rotation."}
    headers = {"If-Match": _etag(client), "Idempotency-Key": "rotation-1"}
    url = f"/api/v1/recommendations/{CODE}/assessments"
    first = client.post(url, json=body, headers=bearer(monitor_token) | headers)
    retry = client.post(url, json=body, headers=bearer(new_token) | headers)
    assert first.status_code == retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true" and retry.json() == first.json()
    assert len(client.get(f"/api/v1/recommendations/{CODE}/history").json()["items"]) == 2


def test_a_reused_idempotency_key_has_its_own_problem_type(client, monitor_token):
    headers = bearer(monitor_token) | {"If-Match": _etag(client), "Idempotency-Key": "reuse-1"}
    url = f"/api/v1/recommendations/{CODE}/assessments"
    first = client.post(url, json={"status": "implemented", "summary": "One."}, headers=headers)
    assert first.status_code == 201
    reused = client.post(url, json={"status": "regressed", "summary": "Two."}, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["type"] == "urn:rectrack:problem:idempotency-key-reused"


def _operations(schema):
    return [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]


@pytest.mark.sqlite_only
def test_the_schema_declares_bearer_auth_and_401_wherever_a_token_is_read(client):
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    for path, method, operation in _operations(schema):
        if path in ("/healthz", "/readyz"):
            assert "security" not in operation
            continue
        assert "401" in operation["responses"], (method, path)
        writes = method in ("post", "delete") and path != "/api/v1/evidence/lookup"
        admin_only = path in ("/api/v1/me", "/api/v1/history/verify")
        needs_token = writes or "monitor" in path or admin_only
        expected = [{"bearerAuth": []}] if needs_token else [{}, {"bearerAuth": []}]
        assert operation["security"] == expected, (method, path)
    assert client.get("/api/v1/scorecard", headers=bearer("rt_not-a-token")).status_code == 401


@pytest.mark.sqlite_only
def test_the_schema_documents_the_headers(client):
    schema = client.get("/openapi.json").json()
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        success = responses.get("200") or responses.get("201") or {}
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        if "304" in responses:
            assert "If-None-Match" in names and "ETag" in success["headers"], (method, path)
        if "412" in responses:
            assert "ETag" in success["headers"], (method, path)
        if "Idempotency-Key" in names:
            assert "Idempotent-Replayed" in success["headers"], (method, path)
        if "429" in responses:
            assert "Retry-After" in responses["429"]["headers"], (method, path)
    detail = schema["paths"]["/api/v1/recommendations/{code}"]["get"]
    assert "304" in detail["responses"]


def test_if_none_match_star_is_not_modified(client):
    assert client.get(f"/api/v1/recommendations/{CODE}", headers={"If-None-Match": "*"}).status_code == 304


@pytest.mark.sqlite_only
def test_operation_ids_are_explicit_and_enums_are_shared(client):
    schema = client.get("/openapi.json").json()
    ids = {operation["operationId"] for _, _, operation in _operations(schema)}
    assert {
        "listRecommendations",
        "getRecommendation",
        "recordAssessment",
        "linkEvidence",
        "getMatrix",
    } <= ids
    assert all("_" not in name for name in ids), ids
    scorecard = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/scorecard"]["get"]["parameters"]}
    assert scorecard["perspective"]["$ref"].endswith("/ScorePerspective")
    assert scorecard["group_by"]["$ref"].endswith("/GroupBy")
    assert scorecard["known_at"]["anyOf"][0] == {"type": "string", "format": "date-time"}
    assert "1945-01-01 or later" in str(
        schema["components"]["schemas"]["AssessmentIn"]["properties"]["effective_on"]
    )
    assessment = schema["components"]["schemas"]["AssessmentIn"]["properties"]["status"]
    assert assessment["$ref"].endswith("/AssessedStatus")
    perspectives = "'enum': ['independent', 'state', 'un']"
    assert perspectives in str(schema["components"]["schemas"]["ScorePerspective"])
    assert str(schema).count(perspectives) == 1  # one component, no inline copies


def _sign_in_cookie(client, token: str) -> str:
    client.cookies.clear()
    _signed_in_form(client, token)
    return client.cookies["rectrack_session"]


def _can_write(app_client, cookie: str) -> bool:
    app_client.cookies.clear()
    app_client.cookies.set("rectrack_session", cookie)
    return 'id="assessment-form"' in app_client.get(f"/recommendations/{CODE}").text


def test_signing_out_ends_every_session_of_the_monitor(settings, client, monitor_token):
    first = _sign_in_cookie(client, monitor_token)
    with TestClient(create_app(settings)) as other_device:
        second = _sign_in_cookie(other_device, monitor_token)
        assert _can_write(other_device, second)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', other_device.get("/logout").text).group(1)
        signed_out = other_device.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
        assert signed_out.status_code == 303
        # A copy of the cookie taken before the sign-out no longer works, on this device or another.
        assert not _can_write(other_device, second)
    assert not _can_write(client, first)
    again = _sign_in_cookie(client, monitor_token)
    assert _can_write(client, again)


def test_revoking_any_token_of_the_monitor_ends_their_browser_sessions(client, monitor_token, admin_token):
    cookie = _sign_in_cookie(client, monitor_token)
    me = client.get("/api/v1/me", headers=bearer(monitor_token)).json()
    second = client.post(f"/api/v1/monitors/{me['id']}/tokens", headers=bearer(admin_token)).json()
    assert client.delete(f"/api/v1/tokens/{second['id']}", headers=bearer(admin_token)).status_code == 204
    assert not _can_write(client, cookie)


@pytest.mark.sqlite_only
def test_production_refuses_to_start_without_a_cookie_key_or_with_one_others_can_read(settings):
    production = settings.model_copy(update={"env": "production"})
    assert create_signing_key(settings.data_dir / "signing.key")  # its own refusals are tested with the log
    with pytest.raises(KeyProblem, match="No cookie key"):
        create_app(production)
    assert not (settings.data_dir / "cookie.key").exists()  # nothing generated in production
    assert create_key(settings.data_dir / "cookie.key")
    (settings.data_dir / "cookie.key").chmod(0o644)
    with pytest.raises(KeyProblem, match="read by others"):
        create_app(production)
    (settings.data_dir / "cookie.key").chmod(0o600)
    with TestClient(create_app(production)) as client:
        assert client.get("/readyz").status_code == 200
    configured = production.model_copy(
        update={
            "secret_key": "k" * 40,
            "data_dir": settings.data_dir / "none",
            "signing_key_file": settings.data_dir / "signing.key",
        }
    )
    with TestClient(create_app(configured)) as client:
        assert client.get("/login").status_code == 200


def test_keys_create_makes_a_private_key_once(tmp_path, monkeypatch):
    monkeypatch.setenv("RECTRACK_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        first = CliRunner().invoke(cli, ["keys", "create"])
        key = (tmp_path / "data" / "cookie.key").read_text()
        second = CliRunner().invoke(cli, ["keys", "create"])
    finally:
        get_settings.cache_clear()
    assert first.exit_code == second.exit_code == 0
    assert "created" in first.output and "kept" in second.output
    assert (tmp_path / "data" / "cookie.key").read_text() == key
    assert (tmp_path / "data" / "cookie.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700


PUBLIC_ARTICLE = "https://example.org/synthetic/public-article-about-an-arrest"
INFORMANT_NOTE = "Synthetic informant Zarina-Canary-7 confirmed the detention"


def test_a_restricted_link_to_public_evidence_stays_restricted(client, monitor_token, viewer_token):
    public = _link(client, monitor_token, url=PUBLIC_ARTICLE, code="odf-kz-2015-5.1")
    assert public.status_code == 201 and public.json()["visibility"] == "public"
    body = {
        "url": PUBLIC_ARTICLE,
        "title": "Synthetic article",
        "relation": "regression",
        "visibility": "restricted",
        "note": INFORMANT_NOTE,
    }
    restricted = client.post(
        f"/api/v1/recommendations/{CODE}/evidence",
        json=body,
        headers=bearer(monitor_token) | {"If-Match": _etag(client)},
    )
    assert restricted.status_code == 201
    answer = restricted.json()
    # The item is reused and stays public; the link asked for as restricted stays so: never downgraded.
    assert answer["reused"] is True and answer["evidence"]["visibility"] == "public"
    assert answer["visibility"] == "restricted"
    evidence_id = answer["evidence"]["id"]
    public_texts = [
        client.get(f"/api/v1/recommendations/{CODE}").text,
        client.get(f"/api/v1/recommendations/{CODE}/history").text,
        client.get("/api/v1/history", params={"limit": 1000}).text,
        client.get("/api/v1/evidence", params={"url": PUBLIC_ARTICLE}).text,
        client.get("/api/v1/reports/matrix", params={"format": "csv"}).text,
        client.get(f"/recommendations/{CODE}").text,
    ]
    for text in public_texts:
        assert INFORMANT_NOTE not in text
    found = client.get("/api/v1/evidence", params={"url": PUBLIC_ARTICLE}).json()
    assert [link["recommendation"] for link in found["links"]] == ["odf-kz-2015-5.1"]
    detail = client.get(f"/api/v1/recommendations/{CODE}").json()
    assert all(item["id"] != evidence_id for item in detail["evidence"])
    entry = client.get(f"/api/v1/recommendations/{CODE}/history").json()["items"][-1]
    assert entry["redacted"] is True and entry["payload"] == {"evidence_id": evidence_id, "restricted": True}
    # The same item stays visible through its public link on the other recommendation.
    other = client.get("/api/v1/recommendations/odf-kz-2015-5.1").json()
    assert any(item["id"] == evidence_id for item in other["evidence"])
    # Viewers see the restricted link and its note.
    seen = client.get(f"/api/v1/recommendations/{CODE}", headers=bearer(viewer_token)).json()
    linked = [item for item in seen["evidence"] if item["id"] == evidence_id]
    assert linked and linked[0]["visibility"] == "restricted" and linked[0]["note"] == INFORMANT_NOTE


def test_a_restricted_item_is_never_shown_through_a_public_link(client, monitor_token):
    first = _link(client, monitor_token, visibility="restricted", url=PUBLIC_ARTICLE, code="odf-kz-2015-5.1")
    assert first.json()["visibility"] == "restricted"
    again = _link(client, monitor_token, visibility="public", url=PUBLIC_ARTICLE)
    assert again.status_code == 201 and again.json()["visibility"] == "restricted"
    assert PUBLIC_ARTICLE not in client.get(f"/api/v1/recommendations/{CODE}").text
    assert PUBLIC_ARTICLE not in client.get(f"/api/v1/recommendations/{CODE}/history").text


@pytest.mark.parametrize(
    "url",
    [
        "https://exa mple.org/a",  # a space in the host
        "https://example.org/a\nb",  # a newline: urlsplit would drop it and match another URL
        "https://example.org/a\r\nX-Injected: 1",
        "https://example.org/\u202egpj.exe",  # right-to-left override
        "https://exam\u200bple.org/",  # zero-width space in the host
        "https://user:pw@example.org/",
        "https://@example.org/",
        "https://-bad-.example.org/",
        "https://example.org:99999/",
        "http://",
    ],
)
def test_evidence_urls_are_validated(client, monitor_token, url):
    response = client.post(
        f"/api/v1/recommendations/{CODE}/evidence",
        json={"url": url, "title": "Synthetic", "relation": "progress"},
        headers=bearer(monitor_token) | {"If-Match": _etag(client)},
    )
    assert response.status_code == 422, (url, response.text)
    assert _etag(client) == '"1"'


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "\u200b\u200c\u200d"),
        ("title", "\u2066\u2069 "),
        ("title", "Two\nlines"),
        ("title", "Decoy \u202etxt.exe"),
        ("note", "\u200b"),
    ],
)
def test_text_that_shows_nothing_or_misleads_is_refused(client, monitor_token, field, value):
    body = {"url": "https://example.org/synthetic/ok", "title": "Synthetic", "relation": "progress"}
    response = client.post(
        f"/api/v1/recommendations/{CODE}/evidence",
        json=body | {field: value},
        headers=bearer(monitor_token) | {"If-Match": _etag(client)},
    )
    assert response.status_code == 422, (field, value, response.text)
    summary = client.post(
        f"/api/v1/recommendations/{CODE}/assessments",
        json={"status": "implemented", "summary": "\u200b\ufeff"},
        headers=bearer(monitor_token) | {"If-Match": _etag(client)},
    )
    assert summary.status_code == 422


def test_urls_are_stored_and_shown_normalised(client, monitor_token):
    linked = _link(client, monitor_token, url="HTTPS://Пример.Испытание:443/путь?q=слово#frag")
    assert linked.status_code == 201, linked.text
    url = linked.json()["evidence"]["url"]
    assert (
        url
        == "https://xn--e1afmkfd.xn--80akhbyknj4f/%D0%BF%D1%83%D1%82%D1%8C?q=%D1%81%D0%BB%D0%BE%D0%B2%D0%BE"
    )
    again = _link(client, monitor_token, url="https://пример.испытание/путь?q=слово", code="odf-kz-2015-5.1")
    assert again.json()["reused"] is True and again.json()["evidence"]["url"] == url


def test_workers_creating_the_key_at_once_all_read_the_same_whole_key(tmp_path):
    path = tmp_path / "data" / "cookie.key"
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = list(pool.map(lambda _: cookie_secret(None, path.parent, production=False), range(32)))
    assert len(set(keys)) == 1 and len(keys[0]) >= 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert [item.name for item in path.parent.iterdir()] == ["cookie.key"]  # no temporary files left


def test_an_unlink_reason_and_a_looked_up_url_travel_in_bodies(client, monitor_token):
    evidence_id = _link(client, monitor_token, visibility="restricted").json()["evidence"]["id"]
    url = "https://example.org/synthetic/hardening/1"
    found = client.post("/api/v1/evidence/lookup", json={"url": url}, headers=bearer(monitor_token))
    assert found.status_code == 200 and found.json()["id"] == evidence_id
    assert client.post("/api/v1/evidence/lookup", json={"url": url}).status_code == 404  # restricted
    no_reason = client.request(
        "DELETE",
        f"/api/v1/recommendations/{CODE}/evidence/{evidence_id}",
        headers=bearer(monitor_token) | {"If-Match": _etag(client)},
    )
    assert no_reason.status_code == 422
    assert _unlink(client, monitor_token, evidence_id).status_code == 200
    entry = client.get(f"/api/v1/recommendations/{CODE}/history", headers=bearer(monitor_token)).json()
    assert entry["items"][-1]["payload"]["reason"] == "Synthetic test: wrong document."


def test_the_access_log_holds_no_client_address_and_no_query_string(database, tmp_path):
    port = free_port()
    log_path = tmp_path / "server.log"
    env = os.environ | {"RECTRACK_DATABASE_URL": database.url, "RECTRACK_DATA_DIR": str(tmp_path / "data")}
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        secret = "https://example.org/synthetic/Canary-Informant-Query"
        assert httpx.get(f"{base}/api/v1/evidence", params={"url": secret}).status_code == 404
    finally:
        server.terminate()
        server.wait(timeout=10)
    log = log_path.read_text()
    assert "GET /api/v1/evidence HTTP/1.1" in log, log  # the request is logged, by path
    assert "Canary-Informant" not in log and "127.0.0.1:" not in log.replace(f"127.0.0.1:{port}", ""), log
