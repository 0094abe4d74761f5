"""Signed out, no page shows restricted evidence or who recorded anything."""

from playwright.sync_api import Browser, Page, expect

from tests.browser.support import Server, screenshot, sign_in

CODE = "odf-kz-2015-5.1"
NAME = "Zhanna Secretname"
RESTRICTED_TITLE = "Witness statement from the Zhanaozen hearing"
RESTRICTED_URL = "https://example.org/private/witness-42"
PUBLIC_SUMMARY = "Funding rules were tightened in 2026."


def test_signed_out_pages_show_no_restricted_evidence_and_no_names(
    page: Page, browser: Browser, server: Server
):
    sign_in(page, server, server.token(NAME), next_path=f"/recommendations/{CODE}")
    evidence = page.locator("#evidence-form")
    evidence.get_by_label("Address (URL)").fill(RESTRICTED_URL)
    evidence.get_by_label("Title").fill(RESTRICTED_TITLE)
    evidence.get_by_label("How it bears on the recommendation").select_option("regression")
    evidence.get_by_label("Restricted", exact=True).check()
    evidence.get_by_role("button", name="Link evidence").click()
    expect(page.get_by_role("status")).to_contain_text("The evidence was linked")

    form = page.locator("#assessment-form")
    form.get_by_label("Regressed").check()
    form.get_by_label("Summary").fill(PUBLIC_SUMMARY)
    form.get_by_label(RESTRICTED_TITLE).check()
    form.get_by_role("button", name="Record assessment").click()
    expect(page.get_by_role("status")).to_contain_text("Your assessment was recorded")
    # Signed in, the monitor sees the restricted item and names.
    expect(page.locator("ul.evidence")).to_contain_text(RESTRICTED_TITLE)
    expect(page.locator("ol.timeline")).to_contain_text(NAME)

    public = browser.new_context(java_script_enabled=False).new_page()
    paths = [
        "/",
        "/?as_of=2016-01-01",
        "/recommendations",
        "/recommendations?status=regressed",
        f"/recommendations/{CODE}",
        "/matrix",
        "/login",
        "/logout",
    ]
    for path in paths:
        response = public.goto(f"{server.url}{path}")
        assert response is not None and response.ok, path
        html = public.content()
        for secret in (NAME, "Secretname", RESTRICTED_TITLE, "witness-42"):
            assert secret not in html, f"{secret!r} on {path}"
    public.goto(f"{server.url}/recommendations/{CODE}")
    expect(public.locator("ol.timeline")).to_contain_text(PUBLIC_SUMMARY)
    # The entry citing restricted evidence names no one to the public, not even by alias.
    expect(public.locator("ol.timeline")).to_contain_text("a monitor (withheld")
    expect(public.locator("#assessment-form")).to_have_count(0)
    screenshot(public, "public-recommendation-without-restricted")
    csv = public.request.get(f"{server.url}/api/v1/reports/matrix?format=csv")
    assert csv.ok and RESTRICTED_TITLE not in csv.text() and NAME not in csv.text()
    public.context.close()
