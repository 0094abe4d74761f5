"""The HTML pages through TestClient: sessions, CSRF, conflicts, privacy, pagination.

Sessions, CSRF, forms and rendering do not depend on the database, so those tests run on SQLite alone
(sqlite_only): the forms write through the same service and session as the API, whose tests run on both.
The list's queries and NUL characters stay on both databases.
"""

import base64
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, inspect

from app.config import Settings
from app.main import create_app
from app.web.account import safe_next
from app.web.session import COOKIE
from tests.support import assess, bearer, link, make_token

CODE = "odf-kz-2015-2.1"
PAGES = ["/", "/recommendations", f"/recommendations/{CODE}", "/matrix", "/login", "/logout"]
SECRET_TITLE = "Synthetic restricted witness statement"
SECRET_URL = "https://example.org/synthetic/restricted-witness-42"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _field(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def _sign_in(client: TestClient, token: str) -> None:
    form = client.get("/login")
    response = client.post(
        "/login", data={"csrf_token": _csrf(form.text), "token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


def _form(client: TestClient, code: str = CODE) -> dict[str, str]:
    page = client.get(f"/recommendations/{code}").text
    return {"csrf_token": _csrf(page), "version": _field(page, "version"), "seen": _field(page, "seen")}


def _version(client: TestClient, code: str = CODE) -> int:
    return client.get(f"/api/v1/recommendations/{code}").json()["version"]


@pytest.mark.sqlite_only
def test_pages_render_with_language_and_security_headers(shared_client):
    for path in PAGES:
        response = shared_client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert '<html lang="en">' in response.text
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert "<script" not in response.text
        assert response.headers["referrer-policy"] == "no-referrer"
        # Readers get no cookie at all; the sign-in page sets one to carry its CSRF secret.
        assert ("set-cookie" in response.headers) == (path == "/login"), path
    assert shared_client.get("/static/style.css").status_code == 200


@pytest.mark.sqlite_only
def test_unknown_recommendation_is_an_html_404(shared_client):
    response = shared_client.get("/recommendations/odf-kz-2015-9.9")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "No recommendation has the code odf-kz-2015-9.9." in response.text


def test_list_paginates_and_leaves_out_bad_filters(shared_client):
    first = shared_client.get("/recommendations", params={"limit": 25})
    assert first.text.count('<tr>\n      <th scope="row">') == 25
    next_url = re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")
    second = shared_client.get(next_url)
    assert second.text.count('<th scope="row">') == 18
    assert 'rel="next"' not in second.text and "First page" in second.text

    bad = shared_client.get(
        "/recommendations", params={"section": "abc", "status": "nonsense", "q": "defamation"}
    )
    assert bad.status_code == 200
    assert "Some filters were not understood and were left out: Section, Status." in bad.text
    assert "odf-kz-2015-4.1" in bad.text

    forged = shared_client.get("/recommendations", params={"cursor": "not-a-cursor"})
    assert forged.status_code == 200 and "That page link is no longer valid" in forged.text


def test_list_page_queries_do_not_grow_with_its_rows(shared_client):
    statements: list[str] = []
    engine = shared_client.app.state.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    shared_client.get("/recommendations")  # the total is counted once, then cached until the next write
    event.listen(engine, "before_cursor_execute", listener)
    try:
        shared_client.get("/recommendations", params={"limit": 25})
        few = len(statements)
        statements.clear()
        response = shared_client.get("/recommendations", params={"limit": 500})
        many = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.text.count('<th scope="row">') == 43
    # 7: the list's own reads, the filter choices (2) and the rows' status dates (one GROUP BY for the page).
    assert many == few <= 7
    assert len(response.content) < 120_000


@pytest.mark.sqlite_only
def test_sign_in_sets_a_signed_strict_http_only_cookie_without_the_token(client, monitor_token):
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"csrf_token": _csrf(form.text), "token": monitor_token, "next": f"/recommendations/{CODE}"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == f"/recommendations/{CODE}"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie and "Max-Age" not in cookie and "expires" not in cookie.lower()
    value = cookie.split(";")[0].split("=", 1)[1]
    assert monitor_token not in value and monitor_token[3:20] not in value
    payload = json.loads(base64.urlsafe_b64decode(value.split(".")[0] + "=="))
    assert set(payload) == {"t", "c", "i", "e"}  # token id, CSRF secret, issued at, session epoch
    page = client.get(f"/recommendations/{CODE}")
    assert 'id="assessment-form"' in page.text and "Monitor " in page.text
    assert page.headers["cache-control"] == "private, no-store"


@pytest.mark.sqlite_only
def test_the_cookie_is_secure_over_https(settings, monitor_token):
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        assert "Secure" in client.get("/login").headers["set-cookie"]
        _sign_in(client, monitor_token)


@pytest.mark.sqlite_only
def test_a_wrong_token_is_refused_and_not_echoed(shared_client):
    form = shared_client.get("/login")
    response = shared_client.post(
        "/login", data={"csrf_token": _csrf(form.text), "token": "rt_not-a-real-token"}
    )
    assert response.status_code == 401
    assert "This token is unknown or has been revoked." in response.text
    assert "rt_not-a-real-token" not in response.text


@pytest.mark.sqlite_only
def test_posts_without_the_csrf_token_are_refused(client, monitor_token):
    assert client.post("/login", data={"token": monitor_token}).status_code == 403
    _sign_in(client, monitor_token)
    fields = _form(client)
    body = {"version": fields["version"], "status": "implemented", "summary": "Forged"}
    for forged in (body, body | {"csrf_token": "x" * 43}):
        response = client.post(f"/recommendations/{CODE}/assessments", data=forged)
        assert response.status_code == 403
        assert "This form could not be accepted" in response.text and "Forged" in response.text
    assert client.post("/logout", data={}).status_code == 403
    assert _version(client) == 1


@pytest.mark.sqlite_only
def test_a_tampered_cookie_is_ignored(client, monitor_token):
    _sign_in(client, monitor_token)
    value = client.cookies[COOKIE]
    payload, signature = value.split(".")
    forged = base64.urlsafe_b64encode(b'{"t":1,"c":"x","i":9999999999}').decode().rstrip("=")
    for bad in (f"{forged}.{signature}", f"{payload}.{signature[:-2]}AA", "garbage"):
        client.cookies.clear()  # one cookie of that name, not the good one beside the bad
        client.cookies.set(COOKIE, bad)
        page = client.get(f"/recommendations/{CODE}")
        assert page.status_code == 200 and 'id="assessment-form"' not in page.text


@pytest.mark.sqlite_only
def test_revoking_the_token_signs_the_browser_out(client, monitor_token):
    _sign_in(client, monitor_token)
    assert 'id="assessment-form"' in client.get(f"/recommendations/{CODE}").text
    token_id = client.get("/api/v1/me", headers=bearer(monitor_token)).json()["token"]["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=bearer(monitor_token)).status_code == 204
    page = client.get(f"/recommendations/{CODE}")
    assert 'id="assessment-form"' not in page.text and 'href="/login"' in page.text


def test_every_worker_shares_the_generated_key_file(settings, client, monitor_token):
    _sign_in(client, monitor_token)
    with TestClient(create_app(settings)) as other_worker:
        other_worker.cookies.set(COOKIE, client.cookies[COOKIE])
        assert 'id="assessment-form"' in other_worker.get(f"/recommendations/{CODE}").text
    key_file = settings.data_dir / "cookie.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    # The key is never in the database, where read-only access would let anyone sign in as anyone.
    with client.app.state.engine.connect() as connection:
        tables = inspect(connection).get_table_names()
    assert "web_secrets" not in tables


@pytest.mark.sqlite_only
def test_a_configured_secret_key_is_used_instead(settings, monitor_token):
    configured = settings.model_copy(update={"secret_key": "k" * 40})
    with TestClient(create_app(configured)) as client:
        _sign_in(client, monitor_token)
    assert not (settings.data_dir / "cookie.key").exists()


@pytest.mark.sqlite_only
def test_the_public_sees_no_names_and_no_restricted_evidence(client, database, monitor_token):
    restricted = {
        "url": SECRET_URL,
        "title": SECRET_TITLE,
        "relation": "regression",
        "visibility": "restricted",
    }
    evidence_id = link(client, monitor_token, CODE, restricted).json()["evidence"]["id"]
    assess(
        client,
        monitor_token,
        CODE,
        {"status": "regressed", "summary": "Public words.", "evidence_ids": [evidence_id]},
    )

    for path in [*PAGES, "/?as_of=2016-01-01", "/recommendations?status=regressed"]:
        html = client.get(path).text
        for secret in ("Aigerim", SECRET_TITLE, "restricted-witness-42"):
            assert secret not in html, (secret, path)
    assert "Public words." in client.get(f"/recommendations/{CODE}").text

    with TestClient(client.app) as viewer:
        _sign_in(viewer, make_token(database.url, "viewer", "Viktor Viewer"))
        page = viewer.get(f"/recommendations/{CODE}").text
        assert SECRET_TITLE in page and "Aigerim Monitor" in page
        assert 'id="assessment-form"' not in page  # viewers read, monitors write


@pytest.mark.sqlite_only
def test_a_viewer_cannot_write(client, viewer_token):
    _sign_in(client, viewer_token)
    page = client.get(f"/recommendations/{CODE}").text
    assert 'id="assessment-form"' not in page
    fields = {"csrf_token": _csrf(page), "version": "1", "status": "implemented", "summary": "Mine"}
    response = client.post(f"/recommendations/{CODE}/assessments", data=fields)
    assert response.status_code == 403 and "needs a signed-in monitor" in response.text
    assert _version(client) == 1


@pytest.mark.sqlite_only
def test_a_monitor_records_and_links_through_the_forms(client, monitor_token):
    _sign_in(client, monitor_token)
    evidence = {"url": "https://example.org/synthetic/law", "title": "Synthetic law", "relation": "progress"}
    response = client.post(
        f"/recommendations/{CODE}/evidence", data=_form(client) | evidence, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/recommendations/{CODE}?saved=evidence#history"
    page = client.get(f"/recommendations/{CODE}").text
    evidence_id = re.search(r'name="evidence_ids" value="(\d+)"> Synthetic law', page).group(1)
    assessment = {"status": "implemented", "summary": "Line one.\r\nLine two.", "evidence_ids": evidence_id}
    response = client.post(f"/recommendations/{CODE}/assessments", data=_form(client) | assessment)
    assert response.status_code == 200 and "Your assessment was recorded." in response.text
    entry = client.get(f"/api/v1/recommendations/{CODE}/history").json()["items"][-1]
    assert entry["payload"]["summary"] == "Line one.\nLine two."
    assert entry["payload"]["evidence_ids"] == [int(evidence_id)]
    assert _version(client) == 3


@pytest.mark.sqlite_only
def test_a_stale_form_is_a_conflict_with_the_text_kept(client, monitor_token, admin_token):
    _sign_in(client, monitor_token)
    stale = _form(client)
    assess(client, admin_token, CODE, {"status": "not_implemented", "summary": "Someone else's words."})
    mine = "My own careful account\nof the hearing."
    response = client.post(
        f"/recommendations/{CODE}/assessments", data=stale | {"status": "regressed", "summary": mine}
    )
    assert response.status_code == 409
    assert "Someone else changed this recommendation while you were writing" in response.text
    assert "Someone else&#39;s words." in response.text.split('id="assessment-form"')[0]
    assert f">\n{mine}</textarea>" in response.text
    assert 'value="regressed" required checked' in response.text
    assert _field(response.text, "version") == "2"
    assert _version(client) == 2
    without_version = {k: v for k, v in stale.items() if k != "version"}
    response = client.post(
        f"/recommendations/{CODE}/assessments",
        data=without_version | {"status": "regressed", "summary": mine},
    )
    assert response.status_code == 409 and _version(client) == 2


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"status": "implemented", "summary": "Kept words", "effective_on": "2999-01-01"},
            "must not be in the future",
        ),
        (
            {"status": "implemented", "summary": "Kept words", "effective_on": "yesterday"},
            "Enter a valid date.",
        ),
        ({"status": "maybe", "summary": "Kept words"}, "Choose one of the options."),
        (
            {"status": "implemented", "summary": "Kept words", "evidence_ids": "999999"},
            "Only evidence linked",
        ),
    ],
)
def test_invalid_assessments_are_422_with_the_text_kept(client, monitor_token, fields, message):
    _sign_in(client, monitor_token)
    response = client.post(f"/recommendations/{CODE}/assessments", data=_form(client) | fields)
    assert response.status_code == 422
    assert message in response.text and "Kept words</textarea>" in response.text
    assert _version(client) == 1


@pytest.mark.sqlite_only
def test_invalid_evidence_is_422_with_the_fields_kept(client, monitor_token):
    _sign_in(client, monitor_token)
    fields = {
        "url": "javascript:alert(1)",
        "title": "Kept title",
        "relation": "progress",
        "note": "Kept note",
    }
    response = client.post(f"/recommendations/{CODE}/evidence", data=_form(client) | fields)
    assert response.status_code == 422
    assert "Enter an http or https address with a host." in response.text
    assert 'value="Kept title"' in response.text and "Kept note</textarea>" in response.text
    assert _version(client) == 1


@pytest.mark.sqlite_only
def test_a_private_instance_sends_readers_to_sign_in(database, monitor_token):
    private = Settings(database_url=database.url, public_read=False, _env_file=None)
    with TestClient(create_app(private)) as client:
        response = client.get(f"/recommendations/{CODE}?saved=x", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/recommendations/odf-kz-2015-2.1%3Fsaved%3Dx"
        assert client.get("/login").status_code == 200
        _sign_in(client, monitor_token)
        assert client.get("/").status_code == 200


def test_after_sign_in_only_local_paths_are_followed():
    assert safe_next("/recommendations/x?y=1") == "/recommendations/x?y=1"
    for outside in ("https://evil.example/", "//evil.example/", "/\\evil.example", "", None, "javascript:x"):
        assert safe_next(outside) == "/"


@pytest.mark.sqlite_only
def test_an_expired_session_still_shows_the_text_to_copy(shared_client):
    words = "Words typed before the session ended"
    fields = {"version": "1", "status": "implemented", "summary": words}
    response = shared_client.post(f"/recommendations/{CODE}/assessments", data=fields)
    assert response.status_code == 403
    assert 'id="kept-text" readonly' in response.text and f"{words}</textarea>" in response.text
    assert _version(shared_client) == 1


def test_nul_characters_are_refused_not_crashed_on(client, monitor_token):
    listed = client.get("/recommendations", params={"addressee": "\x00", "q": "a\x00b"})
    assert listed.status_code == 200 and "left out: Addressee, Text search." in listed.text
    assert client.get("/recommendations/odf-kz-2015-2.1%00").status_code == 404
    assert client.get(f"/recommendations/{'x' * 200}").status_code == 404
    _sign_in(client, monitor_token)
    fields = _form(client) | {"status": "implemented", "summary": "Kept\x00words"}
    response = client.post(f"/recommendations/{CODE}/assessments", data=fields)
    assert response.status_code == 422 and "This value is not valid." in response.text
    assert client.post("/recommendations/x%00/assessments", data=fields).status_code == 404
    assert _version(client) == 1
