"""A monitor corrects an assessment they recorded: the old entry struck through, the correction beside it."""

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.support import Server, screenshot, sign_in

CODE = "odf-kz-2015-2.3"


def test_a_monitor_corrects_their_assessment(page: Page, server: Server):
    sign_in(page, server, server.token("Dana Monitor"), next_path=f"/recommendations/{CODE}")
    form = page.locator("#assessment-form")
    form.get_by_label("Implemented", exact=True).check()
    form.get_by_label("Summary").fill("The ombudsman's office opened in Shymkent.")
    form.get_by_label("Effective date").fill("2025-02-01")
    form.get_by_role("button", name="Record assessment").click()
    expect(page.get_by_role("status")).to_contain_text("Your assessment was recorded")

    wrong = page.locator("ol.timeline > li").first
    wrong.get_by_text("Correct this entry").click()
    correction = wrong.locator("form")
    correction.get_by_label("Not implemented", exact=True).check()
    correction.get_by_label("Why it was wrong").fill("It opened in Shymkent only on paper; no staff yet.")
    screenshot(page, "monitor-correction-form")
    opened = Axe().run(page)
    assert opened.violations_count == 0, opened.generate_report()
    correction.get_by_role("button", name="Record correction").click()

    expect(page.get_by_role("status")).to_contain_text("Your correction was recorded")
    newest, corrected = page.locator("ol.timeline > li").nth(0), page.locator("ol.timeline > li").nth(1)
    expect(newest).to_contain_text("Correction")
    expect(newest).to_contain_text("Reason: It opened in Shymkent only on paper")
    expect(corrected.locator("del.superseded")).to_contain_text("The ombudsman's office opened in Shymkent.")
    expect(corrected.locator(".superseded-label")).to_contain_text(re.compile(r"Corrected by entry #\d+"))
    expect(corrected.get_by_text("Correct this entry")).to_have_count(0)
    expect(page.locator(".facts")).to_contain_text("Not implemented")
    screenshot(page, "monitor-correction")
    corrected_page = Axe().run(page)
    assert corrected_page.violations_count == 0, corrected_page.generate_report()
