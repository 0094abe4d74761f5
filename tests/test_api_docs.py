"""/docs serves Swagger UI from this origin under its own policy (issue 13); no page loads a foreign file.

The Swagger UI files are Swagger UI 5.32.6 as shipped by fastapi-offline 1.7.7 (pinned in pyproject.toml).
"""

import re
import tomllib
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api_docs import ASSETS_DIR, INLINE_SCRIPT, script_hash
from app.config import Settings
from app.main import create_app
from app.web.render import SECURITY_HEADERS

ROOT = Path(__file__).resolve().parent.parent
# An address outside the app in markup or a stylesheet: absolute, or protocol-relative.
FOREIGN = re.compile(
    r"""(?:src|href|action)\s*=\s*["']?\s*(?:[a-z]+:)?//|url\(\s*["']?\s*(?:[a-z]+:)?//|@import""", re.I
)


@pytest.fixture
def docs_client(tmp_path: Path) -> Iterator[TestClient]:
    """The app on a database it never reads: the documentation needs none."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}", _env_file=None)
    with TestClient(create_app(settings)) as client:
        yield client


def test_the_docs_page_loads_only_files_of_this_origin(docs_client):
    response = docs_client.get("/docs")
    assert response.status_code == 200
    html = response.text
    assert not re.search(r"https?:|//", html.replace("<!DOCTYPE html>", "")), html
    assert not FOREIGN.search(html)
    references = re.findall(r"""(?:src|href)="([^"]*)\"""", html)
    assert len(references) == 3 and all(ref.startswith("/docs/static/") for ref in references), references


def test_the_docs_page_allows_only_its_own_scripts_and_styles(docs_client):
    response = docs_client.get("/docs")
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["content-security-policy"].split(";")
    )
    scripts = INLINE_SCRIPT.findall(response.text)
    assert len(scripts) == 1 and "SwaggerUIBundle(" in scripts[0]
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == f"'self' {script_hash(scripts[0])}"
    assert policy["style-src"] == "'self'" and policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'none'"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("swagger-ui-bundle.js", "text/javascript"),
        ("swagger-ui.css", "text/css"),
        ("favicon.png", "image/png"),
    ],
)
def test_the_files_come_from_the_pinned_package(docs_client, name, media_type):
    page = docs_client.get("/docs").text
    url = re.search(rf'"(/docs/static/{re.escape(name)}\?v=[0-9a-f]+)"', page).group(1)
    response = docs_client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content == (ASSETS_DIR / name).read_bytes()


def test_nothing_else_is_served_and_the_pin_is_exact(docs_client):
    assert docs_client.get("/docs/static/redoc.standalone.js").status_code == 404
    assert docs_client.get("/docs/static/..%2Fcore.py").status_code == 404
    assert docs_client.get("/redoc").status_code == 404
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert f"fastapi-offline=={version('fastapi-offline')}" in dependencies


def test_the_pages_policy_still_allows_no_script():
    assert SECURITY_HEADERS["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )


def test_no_template_or_stylesheet_loads_a_file_from_elsewhere():
    files = [path for pattern in ("*.html", "*.css") for path in (ROOT / "app").rglob(pattern)]
    assert len(files) > 10
    for path in files:
        assert not FOREIGN.search(path.read_text()), path
