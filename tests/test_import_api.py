"""POST /api/v1/imports: admins only, a dry run unless asked, all or nothing, bad files refused with 4xx."""

from sqlalchemy import func, select
from sqlmodel import Session

from app.db import build_engine
from app.models import Recommendation
from tests.support import bearer

MAPPING = b"""
[columns]
text = "Recommendation"
paragraph = "No."
response = "Position"
themes = "Theme"

[source]
state = "Kazakhstan"
kind = "ngo_report"
slug = "ourngo-kz-2024"
title = "Our NGO: follow-up of Kazakhstan's commitments (2024)"
publisher = "Our NGO"
"""
SHEET = (
    "No.,Recommendation,Position,Theme\r\n"
    "1,Repeal article 174 of the Criminal Code (\u201cinciting discord\u201d),Supported,"
    "Freedom of expression\r\n"
    '2,"=HYPERLINK(""http://127.0.0.1/x"",""click"")",Noted,\r\n'
).encode("utf-8")


def _post(client, token, data=SHEET, **fields):
    form = {"format": "mapped", **{key: str(value) for key, value in fields.items()}}
    files = {"file": ("sheet.csv", data, "text/csv"), "mapping_file": ("m.toml", MAPPING, "application/toml")}
    return client.post("/api/v1/imports", data=form, files=files, headers=bearer(token))


def _recommendations(url: str) -> int:
    engine = build_engine(url)
    try:
        with Session(engine) as session:
            return session.execute(select(func.count()).select_from(Recommendation)).scalar_one()
    finally:
        engine.dispose()


def test_only_admins_import(client, monitor_token):
    files = {"file": ("sheet.csv", SHEET, "text/csv")}
    assert client.post("/api/v1/imports", data={"format": "mapped"}, files=files).status_code == 401
    assert _post(client, monitor_token).status_code == 403


def test_a_dry_run_by_default_then_the_import_then_nothing_new(client, admin_token, database):
    before = _recommendations(database.url)
    dry = _post(client, admin_token)
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] and not dry.json()["applied"] and dry.json()["new"] == 2
    assert _recommendations(database.url) == before
    done = _post(client, admin_token, dry_run="false")
    assert done.status_code == 200 and done.json()["applied"], done.text
    assert done.json()["sources"][0]["slug"] == "ourngo-kz-2024" and done.json()["encoding"] == "utf-8"
    assert _recommendations(database.url) == before + 2
    again = _post(client, admin_token, dry_run="false").json()
    assert (again["new"], again["unchanged"]) == (0, 2)
    # A formula is stored as the text it is, never evaluated.
    page = client.get("/api/v1/recommendations", params={"source": "ourngo-kz-2024"}).json()["items"]
    assert page[1]["text"] == '=HYPERLINK("http://127.0.0.1/x","click")'
    assert page[0]["text"].endswith("(\u201cinciting discord\u201d)")


def test_a_refused_row_refuses_the_file(client, admin_token, database):
    before = _recommendations(database.url)
    response = _post(client, admin_token, data=SHEET + b"3,,Noted,\r\n", dry_run="false")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["report"]["refused"] == [{"line": 4, "reason": "The row has no text."}]
    assert _recommendations(database.url) == before


def test_files_that_cannot_be_read_get_a_clear_422(client, admin_token):
    for data in (b"", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), b"PK\x03\x04broken zip"):
        response = _post(client, admin_token, data=data, dry_run="false")
        assert response.status_code == 422, (data[:8], response.text)
        assert response.json()["detail"]
    wrong = _post(client, admin_token, data=b"Title,Body\r\nA,B\r\n", dry_run="false")
    assert wrong.status_code == 422 and "Recommendation" in wrong.json()["detail"]
    unknown = client.post(
        "/api/v1/imports",
        data={"format": "pdf"},
        files={"file": ("a.pdf", b"%PDF", "application/pdf")},
        headers=bearer(admin_token),
    )
    assert (
        unknown.status_code == 422
        and "upr-info" in unknown.json()["detail"]
        or "mapped" in unknown.json()["detail"]
    )


def test_an_upload_over_the_limit_is_refused_before_it_is_read(client, admin_token):
    body = b"x" * (200 * 1024 * 1024)
    response = client.post(
        "/api/v1/imports",
        content=body,
        headers=bearer(admin_token) | {"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 413
