"""The public sees a broken commitment: the state noted a UPR recommendation on defamation at its review and
accepted it later; a monitor links the report's recommendation on defamation to it and finds it not
implemented. The recommendation page, the overview and the Word matrix all say so."""

import io
from pathlib import Path

import docx
import httpx
from playwright.sync_api import Page, expect

from tests.browser.support import Server, screenshot
from tests.support import assess, bearer, run_cli

CODE = "odf-kz-2015-4.1"
EXAMPLE = Path(__file__).resolve().parents[2] / "seed" / "examples" / "upr-info-kz-example.csv"
DEFAMATION = b"Remove criminal liability for defamation"


def _accepted_later(tmp_path: Path) -> Path:
    """The example export with the session-20 recommendation on defamation accepted instead of noted."""
    lines = EXAMPLE.read_bytes().splitlines(keepends=True)
    changed = [line.replace(b",Noted,", b",Accepted,") if DEFAMATION in line else line for line in lines]
    assert changed != lines
    target = tmp_path / "upr-info-kz-later.csv"
    target.write_bytes(b"".join(changed))
    return target


def _script(server: Server, tmp_path: Path) -> str:
    """Import the example, then the state's later position; link and assess through the API."""
    for path in (EXAMPLE, _accepted_later(tmp_path)):
        run = run_cli(server.database_url, "import", "upr-info", str(path), "--state", "Kazakhstan")
        assert run.returncode == 0, run.stderr
    token = server.token("Saule Monitor")
    with httpx.Client(base_url=server.url) as api:
        found = api.get("/api/v1/recommendations", params={"source": "upr-kz-s20", "q": "defamation"}).json()
        [upr] = [item["code"] for item in found["items"] if "criminal liability" in item["text"]]
        version = int(api.get(f"/api/v1/recommendations/{upr}").headers["etag"].strip('"'))
        linked = api.post(
            f"/api/v1/recommendations/{CODE}/links",
            json={"other": upr, "other_version": version, "strength": "same_measure"},
            headers=bearer(token) | {"If-Match": api.get(f"/api/v1/recommendations/{CODE}").headers["etag"]},
        )
        assert linked.status_code == 201, linked.text
        body = {"status": "not_implemented", "effective_on": "2016-01-01", "summary": "Still a crime."}
        assess(api, token, CODE, body)
    return upr


def test_the_public_sees_a_broken_commitment(page: Page, server: Server, tmp_path: Path):
    upr = _script(server, tmp_path)
    page.goto(f"{server.url}/recommendations/{CODE}")
    section = page.locator("section[aria-labelledby=upr-h]")
    expect(section.get_by_role("heading", name="Related UPR commitments")).to_be_visible()
    expect(section).to_contain_text("A broken commitment: the state accepted this")
    expect(section).to_contain_text("Supported at the 2nd review (session 20)")
    expect(section).to_contain_text("(Accepted)")
    expect(section).to_contain_text("Recommended by Australia, Hungary")
    expect(section.get_by_role("link", name=upr)).to_be_visible()
    screenshot(page, "commitments-recommendation")

    page.goto(f"{server.url}/?source=odf-kz-2015")
    expect(page.locator("dl.stats")).to_contain_text("1 / 1")
    commitments = page.locator("section[aria-labelledby=commitments-h]")
    expect(commitments).to_contain_text("The state committed to 1 of these recommendations")
    expect(commitments).to_contain_text("1 of them is not implemented or has regressed.")
    expect(commitments.get_by_role("link", name=CODE)).to_be_visible()
    screenshot(page, "commitments-overview")

    matrix = httpx.get(
        f"{server.url}/api/v1/reports/matrix.docx", params={"source": "odf-kz-2015", "section": 4}
    )
    tables = docx.Document(io.BytesIO(matrix.content)).tables
    table = next(t for t in tables if t.rows[0].cells[0].text == "Recommendation")
    header = [cell.text for cell in table.rows[0].cells]
    row = next(row for row in table.rows[1:] if row.cells[0].text.startswith(CODE))
    # Printed in the source column, under the source and the addressees, a line each.
    assert row.cells[header.index("Source")].text.splitlines()[-1] == (
        "Supported at the 2nd review: recommended by Australia, Hungary"
    )
