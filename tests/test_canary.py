"""A canary walks every public surface: nothing a monitor recorded as restricted, nor their name, may show.

A monitor with a distinctive name links restricted evidence with a distinctive URL, title and note (also a
public article through a restricted link, and an unlink with a distinctive reason); then everything the public
can reach is read as the public would: every GET route of the API, every document format (unzipped), the
web pages, the docs, response headers, error bodies, and the server's own log.
"""

import contextlib
import io
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx

from bench.server import free_port
from tests.support import bearer, make_token, pdf_info, pdf_text

CODE = "odf-kz-2015-4.2"
NAME = "Canary Monitor Qyzylorda-77"
URL = "https://example.org/synthetic/canary-witness-statement-K7"
TITLE = "Canary title of a witness statement K7"
NOTE = "Canary note naming informant Zarina-K7"
PUBLIC_ARTICLE = "https://example.org/synthetic/public-article-K7"
LINK_NOTE = "Canary link note about source Bolat-K7"
REASON = "Canary unlink reason mentioning Aidos-K7"
CANARIES = [
    NAME,
    "Qyzylorda-77",
    URL,
    "canary-witness",
    TITLE,
    NOTE,
    "Zarina-K7",
    LINK_NOTE,
    "Bolat-K7",
    REASON,
]
CANARIES += ["Aidos-K7"]


@contextlib.contextmanager
def _serve(database_url: str, directory: Path) -> Iterator[tuple[str, Path]]:
    """`rectrack serve`, as run in production (access log on), logging to a file the test reads."""
    port = free_port()
    log_path = directory / "server.log"
    env = os.environ | {"RECTRACK_DATABASE_URL": database_url, "RECTRACK_DATA_DIR": str(directory / "data")}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        yield base, log_path
    finally:
        process.terminate()
        process.wait(timeout=10)


def _record_the_secrets(api: httpx.Client, token: str) -> None:
    def etag() -> str:
        return api.get(f"/api/v1/recommendations/{CODE}").headers["etag"]

    def link(body: dict) -> int:
        response = api.post(
            f"/api/v1/recommendations/{CODE}/evidence",
            json=body | {"relation": "regression"},
            headers=bearer(token) | {"If-Match": etag()},
        )
        assert response.status_code == 201, response.text
        return response.json()["evidence"]["id"]

    restricted = link({"url": URL, "title": TITLE, "visibility": "restricted", "note": NOTE})
    cited = api.post(
        f"/api/v1/recommendations/{CODE}/assessments",
        json={"status": "regressed", "summary": "Public summary.", "evidence_ids": [restricted]},
        headers=bearer(token) | {"If-Match": etag()},
    )
    assert cited.status_code == 201, cited.text
    public_item = link({"url": PUBLIC_ARTICLE, "title": "A public article", "visibility": "public"})
    unlinked = api.request(
        "DELETE",
        f"/api/v1/recommendations/{CODE}/evidence/{public_item}",
        json={"reason": "Public reason."},
        headers=bearer(token) | {"If-Match": etag()},
    )
    assert unlinked.status_code == 200, unlinked.text
    link({"url": PUBLIC_ARTICLE, "title": "A public article", "visibility": "restricted", "note": LINK_NOTE})
    second = link({"url": URL + "-2", "title": TITLE + " 2", "visibility": "restricted"})
    gone = api.request(
        "DELETE",
        f"/api/v1/recommendations/{CODE}/evidence/{second}",
        json={"reason": REASON},
        headers=bearer(token) | {"If-Match": etag()},
    )
    assert gone.status_code == 200, gone.text


def _texts(response: httpx.Response) -> list[str]:
    """The body as text (documents unzipped) and the headers."""
    texts = [str(dict(response.headers))]
    body = response.content
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            texts += [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
    elif body.startswith(b"%PDF-"):
        texts += [pdf_text(body), str(pdf_info(body))]
    else:
        texts.append(body.decode("utf-8", "replace"))
    return texts


def _public_gets(api: httpx.Client) -> list[str]:
    """Every GET route of the API with its path filled in, plus the document formats and the pages."""
    schema = api.get("/openapi.json").json()
    paths = [
        path.replace("{code}", CODE)
        for path, item in schema["paths"].items()
        if "get" in item and "{" not in path.replace("{code}", "")
    ]
    pages = ["/", "/recommendations", f"/recommendations/{CODE}", "/matrix", "/login", "/docs"]
    extra = ["/api/v1/history?limit=1000", "/api/v1/scorecard/changes?since=2015-01-01"]
    formats = [
        f"/api/v1/reports/matrix?format={fmt}" for fmt in ("csv", "xlsx", "docx", "html", "pdf", "json")
    ]
    return paths + pages + extra + formats + ["/api/v1/scorecard?format=csv", "/recommendations/no-such-code"]


def test_no_public_surface_shows_what_was_recorded_as_restricted(database, tmp_path):
    token = make_token(database.url, "monitor", NAME)
    with _serve(database.url, tmp_path) as (base, log_path), httpx.Client(base_url=base, timeout=60) as api:
        _record_the_secrets(api, token)
        seen: dict[str, list[str]] = {}
        for path in _public_gets(api):
            response = api.get(path)
            assert response.status_code < 500, (path, response.text)
            seen[path] = _texts(response)
        for url in (URL, PUBLIC_ARTICLE):
            lookup = api.post("/api/v1/evidence/lookup", json={"url": url})
            seen[f"lookup {url}"] = [lookup.text, str(dict(lookup.headers))]
        refused = api.post(f"/api/v1/recommendations/{CODE}/assessments", json={"status": "implemented"})
        seen["refused write"] = _texts(refused)
        # A signed-in monitor does see them: the canary would be worthless if nothing had been recorded.
        own = api.get(f"/api/v1/recommendations/{CODE}", headers=bearer(token)).text
        assert NOTE in own and LINK_NOTE in own
    seen["server log"] = [log_path.read_text()]
    leaks = [
        (where, canary)
        for where, texts in seen.items()
        for text in texts
        for canary in CANARIES
        if canary.lower() in text.lower()
    ]
    assert not leaks, leaks
    assert len(seen) > 30, sorted(seen)
