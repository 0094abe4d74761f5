"""Two monitors edit one recommendation at once: the second sees what changed and keeps their text."""

from playwright.sync_api import Browser, expect

from tests.browser.support import Server, screenshot, sign_in

CODE = "odf-kz-2015-3.1"


def test_second_writer_gets_the_conflict_message_with_their_text_kept(browser: Browser, server: Server):
    first_context, second_context = browser.new_context(), browser.new_context()
    first, second = first_context.new_page(), second_context.new_page()
    sign_in(first, server, server.token("Dana Monitor"), next_path=f"/recommendations/{CODE}")
    sign_in(second, server, server.token("Erlan Monitor"), next_path=f"/recommendations/{CODE}")

    mine = "Two activists were detained on 3 May; I spoke to their lawyer.\nThe court hearing is on 12 May."
    second.locator("#assessment-form").get_by_label("Regressed").check()
    second.locator("#assessment-form").get_by_label("Summary").fill(mine)

    first.locator("#assessment-form").get_by_label("Not implemented").check()
    first.locator("#assessment-form").get_by_label("Summary").fill("No change since the report.")
    first.locator("#assessment-form").get_by_role("button", name="Record assessment").click()
    expect(first.get_by_role("status")).to_contain_text("Your assessment was recorded")

    second.locator("#assessment-form").get_by_role("button", name="Record assessment").click()
    alert = second.get_by_role("alert")
    expect(alert).to_contain_text("Someone else changed this recommendation while you were writing")
    expect(alert).to_contain_text("No change since the report.")
    assert second.locator("#assessment-summary").input_value() == mine
    expect(second.locator("#assessment-form").get_by_label("Regressed")).to_be_checked()
    expect(second.locator("ol.timeline:not(.changes) > li")).to_have_count(2)
    screenshot(second, "conflict-second-writer")

    # Having read what changed, the second monitor submits again, deliberately: now it is recorded.
    second.locator("#assessment-form").get_by_role("button", name="Record assessment").click()
    expect(second.get_by_role("status")).to_contain_text("Your assessment was recorded")
    expect(second.locator("ol.timeline > li")).to_have_count(3)
    expect(second.locator("ol.timeline > li").first).to_contain_text("Two activists were detained")
    expect(second.locator(".facts")).to_contain_text("Regressed")
    first_context.close()
    second_context.close()
