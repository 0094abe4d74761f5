"""A form posted without its CSRF token is refused, and nothing is written."""

from playwright.sync_api import Page, expect

from tests.browser.support import Server, screenshot, sign_in

CODE = "odf-kz-2015-6.1"


def test_a_form_post_without_the_csrf_token_is_refused(page: Page, server: Server):
    sign_in(page, server, server.token("Farida Monitor"), next_path=f"/recommendations/{CODE}")
    form = page.locator("#assessment-form")
    form.get_by_label("Implemented", exact=True).check()
    form.get_by_label("Summary").fill("Forged submission text")
    form.locator("input[name=csrf_token]").evaluate("input => input.remove()")
    form.get_by_role("button", name="Record assessment").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("This form could not be accepted")
    assert page.locator("#assessment-summary").input_value() == "Forged submission text"
    screenshot(page, "csrf-refused")

    page.goto(f"{server.url}/recommendations/{CODE}")
    expect(page.locator("ol.timeline > li")).to_have_count(1)
    expect(page.locator(".facts")).to_contain_text("Not assessed")


def test_posts_from_outside_the_page_are_refused(page: Page, server: Server):
    sign_in(page, server, server.token("Gulnara Monitor"))
    # The browser's cookie goes along, but without the token from the page the write is refused.
    response = page.request.post(
        f"{server.url}/recommendations/{CODE}/assessments",
        form={"version": "1", "status": "implemented", "summary": "From elsewhere"},
    )
    assert response.status == 403
    login = page.request.post(f"{server.url}/login", form={"token": "rt_guess"})
    assert login.status == 403
    page.goto(f"{server.url}/recommendations/{CODE}")
    expect(page.locator("ol.timeline > li")).to_have_count(1)
