"""Every page on a phone, at 200% zoom and on a desktop: no sideways scrolling, no serious axe finding.

WCAG 1.4.10 (reflow): 200% zoom of a 1280 px window is a 640 px layout viewport. axe-core comes from the
axe-playwright-python package (no CDN); Playwright's evaluate runs it over the DevTools protocol, which the
pages' Content-Security-Policy (no scripts at all) does not govern, so no CSP bypass is needed.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser.support import Server, screenshot, sign_in
from tests.support import assess, link

CODE = "odf-kz-2015-2.2"
VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "zoom200": {"width": 640, "height": 400},
    "desktop": {"width": 1280, "height": 800},
}
# Who sees which pages: readers see everything public; a monitor the forms; an admin the imports.
PUBLIC_PAGES = {
    "overview": "/",
    "list": "/recommendations",
    "list-filtered": "/recommendations?theme=freedom-of-association&limit=25",
    "recommendation": f"/recommendations/{CODE}",
    "history": f"/recommendations/{CODE}?saved=assessment&entry=4#history",
    "matrix": "/matrix",
    "matrix-by-theme": "/matrix?group_by=theme",
    "about": "/about",
    "report-html": "/api/v1/reports/matrix.html",
    "login": "/login",
    "not-found": "/recommendations/odf-kz-2015-99.99",
    "no-page": "/no-such-page",
}
MONITOR_PAGES = {"monitor-forms": f"/recommendations/{CODE}"}
ADMIN_PAGES = {"imports": "/imports"}
# The printable HTML report is a document laid out for paper (its redesign is another change): axe only.
NOT_REFLOWED = {"report-html"}
SERIOUS = ("serious", "critical")
SCREENSHOTS = {
    ("phone", "matrix"),
    ("phone", "recommendation"),
    ("zoom200", "overview"),
    ("phone", "about"),
    ("desktop", "history"),
    ("desktop", "matrix-by-theme"),
}


@pytest.fixture(scope="module")
def recorded(server: Server) -> Iterator[Server]:
    """The recommendation with evidence and history: an assessment, and a backdated one citing later news."""
    token = server.token("Aigerim Monitor")
    with httpx.Client(base_url=server.url) as client:
        evidence = link(
            client,
            token,
            CODE,
            {
                "url": "https://example.org/news/2024/law-amended",
                "title": "Parliament amends the law on public associations",
                "kind": "news",
                "relation": "progress",
                "published_on": "2024-05-30",
            },
        ).json()["evidence"]["id"]
        assess(
            client,
            token,
            CODE,
            {"status": "partially_implemented", "summary": "Amended in part.", "effective_on": "2024-06-01"},
        )
        assess(
            client,
            token,
            CODE,
            {
                "status": "not_implemented",
                "summary": "Nothing had changed by then.",
                "effective_on": "2024-02-10",
                "evidence_ids": [evidence],
            },
        )
    yield server


def _context(browser: Browser, viewport: str) -> BrowserContext:
    return browser.new_context(viewport=VIEWPORTS[viewport])  # type: ignore[arg-type]


def _problems(page: Page, viewport: str, name: str, axe: Axe) -> list[str]:
    """What is wrong with the page now shown: sideways scrolling, serious or critical axe violations."""
    found = []
    width, client_width = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    if width > client_width and name not in NOT_REFLOWED:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                .filter(e => !e.closest('.table-scroll'))
                .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
        )
        found.append(f"{viewport} {name}: scrolls sideways ({width} > {client_width}): {wide}")
    if viewport != "zoom200":  # axe's rules do not depend on the width; two widths are enough
        violations: list[dict[str, Any]] = axe.run(page).response["violations"]
        for violation in violations:
            if violation["impact"] in SERIOUS:
                targets = [node["target"] for node in violation["nodes"]][:3]
                found.append(f"{viewport} {name}: axe {violation['id']} ({violation['impact']}): {targets}")
    if (viewport, name) in SCREENSHOTS:
        screenshot(page, f"every-page-{viewport}-{name}")
    return found


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_page_reflows_and_passes_axe(browser: Browser, recorded: Server, viewport: str):
    axe = Axe()
    problems: list[str] = []
    visits: list[tuple[str | None, dict[str, str]]] = [
        (None, PUBLIC_PAGES),
        (recorded.token(f"Monitor {viewport}"), MONITOR_PAGES),
        (recorded.token(f"Admin {viewport}", "admin"), ADMIN_PAGES),
    ]
    for token, pages in visits:
        context = _context(browser, viewport)
        try:
            page = context.new_page()
            if token is not None:
                sign_in(page, recorded, token)
            for name, path in pages.items():
                response = page.goto(recorded.url + path)
                assert response is not None
                expected = 404 if name in ("not-found", "no-page") else 200
                assert response.status == expected, (name, response.status)
                problems += _problems(page, viewport, name, axe)
        finally:
            context.close()
    assert not problems, "\n".join(problems)
