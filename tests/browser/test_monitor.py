"""A monitor signs in, links new evidence, records an assessment citing it, and sees the pages change."""

import re

from playwright.sync_api import Page, expect

from tests.browser.support import Server, screenshot, sign_in

CODE = "odf-kz-2015-2.1"


def test_monitor_records_an_assessment_citing_new_evidence(page: Page, server: Server):
    token = server.token("Aigerim Monitor")
    sign_in(page, server, token, next_path=f"/recommendations/{CODE}")
    expect(page).to_have_url(re.compile(rf"/recommendations/{re.escape(CODE)}$"))
    expect(page.locator(".who")).to_contain_text("Monitor")

    evidence = page.locator("#evidence-form")
    evidence.get_by_label("Address (URL)").fill("https://example.org/news/2026/ngo-law-amended")
    evidence.get_by_label("Title").fill("Parliament amends the NGO registration law")
    evidence.get_by_label("How it bears on the recommendation").select_option("progress")
    evidence.get_by_label("Kind of document").select_option("news")
    evidence.get_by_label("Publication date").fill("2026-03-02")
    evidence.get_by_role("button", name="Link evidence").click()
    expect(page.get_by_role("status")).to_contain_text("The evidence was linked")

    form = page.locator("#assessment-form")
    form.get_by_label("Partially implemented").check()
    form.get_by_label("Summary").fill("Registration now takes 10 days instead of 30; fees remain.")
    form.get_by_label("Effective date").fill("2026-03-01")
    form.get_by_label("Parliament amends the NGO registration law").check()
    form.get_by_role("button", name="Record assessment").click()

    expect(page.get_by_role("status")).to_contain_text("Your assessment was recorded")
    # The evidence came out the day after the date the assessment speaks for: the confirmation says so.
    expect(page.get_by_role("status")).to_contain_text("published after this assessment's effective date")
    # History runs by effective date: the link (effective today) comes before the assessment of 1 March.
    newest = page.locator("ol.timeline > li", has_text="Registration now takes 10 days")
    expect(newest).to_contain_text("Effective 2026-03-01")
    expect(newest).to_contain_text("Partially implemented")
    expect(newest.get_by_role("link", name="Parliament amends the NGO registration law")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Partially implemented")
    screenshot(page, "monitor-recommendation-after-assessment")

    page.goto(server.url)
    section_two = page.locator("ol.bars > li").first
    expect(section_two).to_contain_text("1 partially implemented")
    expect(section_two).to_contain_text("Assessed 1/")
    expect(page.locator("ul.latest")).to_contain_text(CODE)
    screenshot(page, "monitor-overview-after-assessment")


def test_a_rejected_form_keeps_the_monitors_text(page: Page, server: Server):
    sign_in(page, server, server.token("Bolat Monitor"), next_path="/recommendations/odf-kz-2015-2.2")
    long_text = "A careful account of the hearing. " * 400  # over the 10,000-character limit
    form = page.locator("#assessment-form")
    form.get_by_label("Not implemented").check()
    form.get_by_label("Summary").fill(long_text)
    form.get_by_role("button", name="Record assessment").click()

    expect(page.get_by_role("alert")).to_contain_text("Not saved")
    summary = page.locator("#assessment-summary")
    expect(summary).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#assessment-summary-error")).to_contain_text("at most 10000 characters")
    assert summary.input_value() == long_text
    expect(form.get_by_label("Not implemented")).to_be_checked()
    screenshot(page, "monitor-validation-error")
