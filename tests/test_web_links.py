"""The link forms of the recommendation page: a stale page links nothing and keeps the note; unlinking needs
a reason; a form from elsewhere is refused."""

from pathlib import Path

import pytest

from tests.support import bearer, run_cli
from tests.test_web_pages import _csrf, _sign_in

CODE = "odf-kz-2015-4.1"
EXAMPLE = Path(__file__).resolve().parents[1] / "seed" / "examples" / "upr-info-kz-example.csv"


@pytest.fixture
def other(database, client, monitor_token):
    assert run_cli(database.url, "import", "upr-info", str(EXAMPLE), "--state", "Kazakhstan").returncode == 0
    _sign_in(client, monitor_token)
    return client.get("/api/v1/recommendations", params={"source": "upr-kz-s20"}).json()["items"][0]


def _version(client, code):
    return client.get(f"/api/v1/recommendations/{code}").json()["version"]


def _link(client, other, **fields):
    page = client.get(f"/recommendations/{CODE}").text
    data = {
        "csrf_token": _csrf(page),
        "version": str(_version(client, CODE)),
        "other": other["code"],
        "other_version": str(_version(client, other["code"])),
        "strength": "same_measure",
        "note": "Both ask to take defamation out of the Criminal Code.",
    } | fields
    return client.post(f"/recommendations/{CODE}/links", data=data, follow_redirects=False)


def test_a_link_from_the_page_is_in_both_records(client, other):
    response = _link(client, other)
    assert response.status_code == 303 and response.headers["location"].endswith("#links")
    links = client.get(f"/api/v1/recommendations/{CODE}").json()["links"]
    assert [(link["code"], link["strength"]) for link in links] == [(other["code"], "same_measure")]
    assert client.get(f"/api/v1/recommendations/{other['code']}").json()["links"][0]["code"] == CODE


def test_a_stale_page_links_nothing_and_keeps_the_note(client, other, monitor_token):
    etag = client.get(f"/api/v1/recommendations/{other['code']}").headers["etag"]
    stale = str(_version(client, other["code"]))
    # Someone else changes the other recommendation meanwhile.
    assessed = client.post(
        f"/api/v1/recommendations/{other['code']}/assessments",
        json={"status": "not_implemented", "perspective": "independent", "summary": "No change in 2016."},
        headers=bearer(monitor_token) | {"If-Match": etag},
    )
    assert assessed.status_code == 201, assessed.text
    response = _link(client, other, other_version=stale)
    assert response.status_code == 409
    assert "changed since this page was read" in response.text
    assert "Both ask to take defamation out of the Criminal Code." in response.text
    assert client.get(f"/api/v1/recommendations/{CODE}").json()["links"] == []


def test_unlinking_needs_a_reason_and_a_form_from_this_site(client, other):
    assert _link(client, other).status_code == 303
    page = client.get(f"/recommendations/{CODE}").text
    data = {
        "csrf_token": _csrf(page),
        "version": str(_version(client, CODE)),
        "other_version": str(_version(client, other["code"])),
        "reason": "",
    }
    path = f"/recommendations/{CODE}/links/{other['code']}/unlink"
    assert client.post(path, data=data, follow_redirects=False).status_code == 422
    forged = client.post(
        path, data=data | {"csrf_token": "x", "reason": "Wrong pair."}, follow_redirects=False
    )
    assert forged.status_code == 403
    done = client.post(path, data=data | {"reason": "Wrong pair."}, follow_redirects=False)
    assert done.status_code == 303
    assert client.get(f"/api/v1/recommendations/{CODE}").json()["links"] == []
