"""A monitor opens the report's recommendation on defamation, sees the UPR recommendations that ask the
same near the top, links one, and the public page shows the link and the state's commitment."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.support import Server, screenshot, sign_in
from tests.support import run_cli

CODE = "odf-kz-2015-4.1"
EXAMPLE = Path(__file__).resolve().parents[2] / "seed" / "examples" / "upr-info-kz-example.csv"


def test_a_monitor_links_a_suggested_upr_recommendation(page: Page, server: Server):
    run = run_cli(server.database_url, "import", "upr-info", str(EXAMPLE), "--state", "Kazakhstan")
    assert run.returncode == 0, run.stderr
    sign_in(page, server, server.token("Saule Monitor"), next_path=f"/recommendations/{CODE}")
    panel = page.locator("#links")
    panel.get_by_label("Source").select_option("upr-kz-s20")
    panel.get_by_role("button", name="Show suggestions").click()
    first = page.locator("ol.suggestions > li").first
    expect(first).to_contain_text(re.compile("defamation", re.I))
    screenshot(page, "links-suggestions")
    screenshot(panel, "links-panel")
    code = first.locator("a").first.inner_text()
    first.get_by_label("Same measure").check()
    first.get_by_label("Note (optional)").fill("Both ask to take defamation out of the Criminal Code.")
    first.get_by_role("button", name=f"Link {code}").click()
    expect(page.get_by_role("status")).to_contain_text("The two recommendations were linked")
    expect(page.locator("ul.linked")).to_contain_text(code)

    # The public sees the link from both ends, and never who made it.
    public = page.context.browser.new_page()
    public.goto(f"{server.url}/recommendations/{CODE}")
    expect(public.locator("ul.upr-links")).to_contain_text(code)
    expect(public.locator("ul.upr-links")).to_contain_text("Same measure")
    expect(public.locator("main")).not_to_contain_text("Saule")
    expect(public.locator("form.link-form")).to_have_count(0)
    screenshot(public, "links-public")
    public.goto(f"{server.url}/recommendations/{code}")
    expect(public.locator("ul.linked")).to_contain_text(CODE)
    public.close()
