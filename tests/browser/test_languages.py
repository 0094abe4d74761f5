"""Choosing the language in a real browser: the switcher's link sets the cookie and the next page follows it;
a browser asking for Kazakh gets Kazakh; one page per language looked at; a monitor's Kazakh translation."""

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser.support import Server, screenshot, sign_in

CODE = "odf-kz-2015-2.1"


def test_the_switcher_remembers_russian_for_the_next_pages(page: Page, server: Server):
    page.goto(server.url + "/recommendations")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Русский").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    cookie = next(c for c in page.context.cookies() if c["name"] == "rectrack_lang")
    assert cookie["value"] == "ru" and cookie["sameSite"] == "Lax" and cookie["expires"] > 0
    # A page reached without ?lang= is Russian too: the cookie chose it.
    page.goto(f"{server.url}/recommendations/{CODE}")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("link", name="Все рекомендации", exact=False)).to_be_visible()
    screenshot(page, "language-ru-recommendation")
    page.goto(server.url + "/?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(server.url + "/about")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_a_browser_asking_for_kazakh_reads_kazakh(browser: Browser, server: Server):
    context = browser.new_context(locale="kk-KZ", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        expect(page.locator("html")).to_have_attribute("lang", "kk")
        current = page.get_by_role("navigation", name="Тіл").locator("[aria-current]")
        expect(current).to_have_text("Қазақша")
        screenshot(page, "language-kk-overview")
        page.goto(server.url + "/matrix")
        expect(page.get_by_role("heading", level=1)).to_have_text("Ұсынымдардың орындалу матрицасы")
        screenshot(page, "language-kk-matrix", full_page=False)
    finally:
        context.close()


def test_a_monitor_records_a_kazakh_translation_that_the_kazakh_page_shows(page: Page, server: Server):
    code = "odf-kz-2015-3.1"
    sign_in(page, server, server.token("Dana Monitor"), next_path=f"/recommendations/{code}")
    form = page.locator("#translation-form")
    form.locator("#translation-language").select_option("kk")
    form.locator("#translation-text").fill("Қоғамдық бірлестіктерді тіркеу талаптарын азайту.")
    form.locator("input[name=provenance][value=unofficial]").check()
    form.locator("#translation-translator").fill("")
    form.get_by_role("button", name="Record translation").click()
    # Nothing saved: the error is beside the field and tied to it; the page stays axe-clean.
    translator = page.locator("#translation-translator")
    expect(page.locator("#translation-translator-error")).to_be_visible()
    expect(translator).to_have_attribute("aria-describedby", re.compile("translation-translator-error"))
    screenshot(page, "monitor-translation-refused")
    refused = Axe().run(page)
    assert refused.violations_count == 0, refused.generate_report()
    translator.fill("Dana Monitor")
    page.locator("#translation-form").get_by_role("button", name="Record translation").click()
    expect(page.get_by_role("status")).to_contain_text("Your translation into Kazakh was recorded")
    page.get_by_role("status").get_by_role("link").click()
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.locator("blockquote.rec-text[lang=kk]")).to_have_text(
        "Қоғамдық бірлестіктерді тіркеу талаптарын азайту."
    )
