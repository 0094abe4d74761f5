"""A reader, with JavaScript off: overview, filtering the list, one recommendation, the matrix."""

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.browser.support import Server, screenshot


@pytest.fixture
def reader(browser: Browser) -> BrowserContext:
    """A browser context with JavaScript off: every page must work without it."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    yield context
    context.close()


def test_reader_filters_the_list_and_opens_a_recommendation(reader: BrowserContext, server: Server):
    page = reader.new_page()
    page.goto(f"{server.url}/recommendations")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_text("43 recommendations match.")).to_be_visible()

    page.get_by_label("Section").select_option("4")
    page.get_by_label("Text search").fill("impartial")
    page.get_by_role("button", name="Apply filters").click()

    expect(page).to_have_url(re.compile(r"section=4.*q=impartial"))
    rows = page.locator("table.recs tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Not assessed")
    expect(page.get_by_label("Section")).to_have_value("4")
    screenshot(page, "reader-list-filtered")

    page.get_by_role("link", name="odf-kz-2015-4.5").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("odf-kz-2015-4.5")
    expect(page.locator(".rec-text")).to_contain_text(
        "investigations into all criminal cases against journalists"
    )
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    expect(page.locator("#assessment-form")).to_have_count(0)
    screenshot(page, "reader-recommendation")


def test_reader_pages_through_the_list(reader: BrowserContext, server: Server):
    page = reader.new_page()
    page.goto(f"{server.url}/recommendations")
    page.get_by_label("Per page").select_option("25")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("table.recs tbody tr")).to_have_count(25)
    page.get_by_role("link", name="Next page").click()
    expect(page.locator("table.recs tbody tr")).to_have_count(18)
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)
    page.get_by_role("link", name="First page").click()
    expect(page.locator("table.recs tbody tr").first).to_contain_text("odf-kz-2015-2.1")


def test_overview_shows_bars_and_takes_a_date(reader: BrowserContext, server: Server):
    page = reader.new_page()
    page.goto(server.url)
    expect(page.get_by_role("heading", name="Implementation scorecard")).to_be_visible()
    # One bar per section plus the total, each with its counts in words beside the picture.
    expect(page.locator("svg.bar")).to_have_count(7)
    expect(page.locator(".bar-words").last).to_contain_text("43 not assessed")
    page.get_by_label("As of").fill("2016-01-01")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"as_of=2016-01-01"))
    expect(page.locator(".lead")).to_contain_text("2016-01-01")
    screenshot(page, "reader-overview")


def test_matrix_links_the_downloads(reader: BrowserContext, server: Server):
    page = reader.new_page()
    page.goto(f"{server.url}/matrix?as_of=2016-01-01")
    expect(page.locator("table.matrix tbody tr")).to_have_count(43)
    page.get_by_text("Download the matrix for these filters").click()
    for fmt in ("csv", "xlsx", "docx", "pdf"):
        link = page.get_by_role("link", name=fmt.upper())
        expect(link).to_have_attribute(
            "href", re.compile(rf"/api/v1/reports/matrix\.{fmt}\?as_of=2016-01-01&lang=en$")
        )
    csv = page.request.get(server.url + page.get_by_role("link", name="CSV").get_attribute("href"))
    assert csv.status == 200 and "odf-kz-2015-7.10" in csv.text()
    screenshot(page, "reader-matrix")


def test_keyboard_focus_is_visible_and_a_phone_needs_no_sideways_scrolling(browser: Browser, server: Server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server.url}/recommendations")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("Skip to content")
    assert focused.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    for path in ("/", "/recommendations", "/recommendations/odf-kz-2015-7.10", "/matrix"):
        page.goto(f"{server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
    page.goto(f"{server.url}/")
    screenshot(page, "reader-phone-overview", full_page=False)
    page.goto(f"{server.url}/recommendations")
    screenshot(page, "reader-phone-list", full_page=False)
    context.close()
