"""Printing from the browser: the web matrix on A4 landscape, whole, with where its links go (issue 14)."""

import re
from pathlib import Path

import httpx
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser

from tests.browser.support import ARTIFACTS, Server, screenshot
from tests.support import pdf_info, pdf_text, run_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "seed" / "examples" / "upr-info-kz-example.csv"
A4_LANDSCAPE = (841.89, 595.28)  # points; Chromium rounds to its own units
WORD = re.compile(r'<word xMin="([0-9.]+)" yMin="[0-9.]+" xMax="([0-9.]+)" yMax="[0-9.]+">([^<]*)</word>')


def _printed(browser: Browser, url: str, name: str) -> bytes:
    """The page as Chromium prints it (the page size from its CSS), kept under test-artifacts/."""
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(url)
        pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    finally:
        context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    return pdf


def _landscape_a4(info: dict[str, str]) -> bool:
    width, _, height = info["Page size"].split()[:3]
    return abs(float(width) - A4_LANDSCAPE[0]) < 1 and abs(float(height) - A4_LANDSCAPE[1]) < 1


def _squeezed(text: str) -> str:
    """Text without spaces and hyphens: where a line breaks does not matter."""
    return re.sub(r"[\s\-]+", "", text)


def _words(pdf: bytes) -> list[tuple[float, float, str]]:
    """Every word with its left and right edge in points."""
    return [(float(left), float(right), text) for left, right, text in WORD.findall(pdf_text(pdf, "-bbox"))]


def test_the_web_matrix_prints_whole_on_a4_landscape(browser: Browser, server: Server):
    rows = httpx.get(f"{server.url}/api/v1/reports/matrix.json", timeout=30).json()["rows"]
    pdf = _printed(browser, f"{server.url}/matrix", "print-web-matrix")
    info = pdf_info(pdf)
    assert _landscape_a4(info), info["Page size"]
    pages = int(info["Pages"])
    sheets = pdf_text(pdf).split("\f")[:pages]
    # The header row repeats on every page, its last column (Evidence) included.
    assert all("Evidence" in sheet for sheet in sheets), [
        i for i, s in enumerate(sheets) if "Evidence" not in s
    ]
    flat = _squeezed(pdf_text(pdf))
    # The last column alone (from its header's left edge): every row's evidence titles and addresses.
    left = min(x for x, _, text in _words(pdf) if text == "Evidence")
    column = _squeezed(pdf_text(pdf, "-x", str(int(left) - 2), "-y", "0", "-W", "1000", "-H", "1000"))
    for row in rows:
        assert _squeezed(row["code"]) in flat, row["code"]
        for item in row["evidence"]:
            assert _squeezed(item["title"]) in column, (row["code"], item["title"])
            assert _squeezed(f"({item['url']})") in column, (row["code"], item["url"])
    # Nothing runs off the right edge of the paper.
    width = A4_LANDSCAPE[0]
    beyond = [text for left, right, text in _words(pdf) if right > width or left < 0]
    assert not beyond, beyond[:10]
    # No controls on paper: the filter form, the download links, the site's navigation.
    for control in ("Show", "Download", "Overview", "Skip to content", "Sign in"):
        assert control not in pdf_text(pdf).split(), control


def test_the_report_prints_from_the_browser_too(browser: Browser, server: Server):
    pdf = _printed(browser, f"{server.url}/api/v1/reports/matrix.html?section=3", "print-html-report")
    info = pdf_info(pdf)
    assert _landscape_a4(info), info["Page size"]
    text = pdf_text(pdf)
    assert "Kazakhstan: implementation of recommendations" in text and "odf-kz-2015-3.4" in text
    width = A4_LANDSCAPE[0]
    assert not [text for left, right, text in _words(pdf) if right > width or left < 0]


def test_the_report_on_screen_has_no_accessibility_violations(browser: Browser, server: Server):
    context = browser.new_context(java_script_enabled=True)  # axe runs as a script the page itself never has
    try:
        page = context.new_page()
        response = page.goto(f"{server.url}/api/v1/reports/matrix.html?as_of=2024-12-31")
        assert response is not None and "style-src 'sha256-" in response.headers["content-security-policy"]
        results = Axe().run(page)
        screenshot(page, "report-html-screen", full_page=False)
    finally:
        context.close()
    assert results.violations_count == 0, results.generate_report()


def test_a_matrix_with_upr_columns_prints_whole(browser: Browser, server: Server):
    """Runs last in the module: it imports a UPR review into the module's database."""
    run = run_cli(server.database_url, "import", "upr-info", str(EXAMPLE), "--state", "Kazakhstan")
    assert run.returncode == 0, run.stderr
    for name, query in (("print-web-matrix-upr", "?source=upr-kz-s20"), ("print-web-matrix-all", "")):
        pdf = _printed(browser, f"{server.url}/matrix{query}", name)
        info = pdf_info(pdf)
        assert _landscape_a4(info), info["Page size"]
        sheets = pdf_text(pdf).split("\f")[: int(info["Pages"])]
        assert all("Evidence" in sheet for sheet in sheets), name
        # The UPR columns are there (their headers wrap: the words are read one by one).
        assert {"Recommended", "response"} <= set(sheets[0].split()), name
        beyond = [text for left, right, text in _words(pdf) if right > A4_LANDSCAPE[0] or left < 0]
        assert not beyond, (name, beyond[:10])
