"""An admin imports a UPR Info export through the page: a dry run first, then the import, then the list
filtered by the new source, a recommending state and the state's response."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.support import Server, screenshot, sign_in
from tests.import_fixtures import upr_info_file


def test_an_admin_imports_a_upr_info_export_and_filters_by_it(page: Page, server: Server, tmp_path: Path):
    path, _rows = upr_info_file(tmp_path, "mac_roman", "\r")
    sign_in(page, server, server.token("Dana Admin", "admin"), next_path="/imports")
    expect(page.get_by_role("heading", name="Import recommendations")).to_be_visible()

    form = page.locator("#import-form")
    form.get_by_label("File (CSV, XLSX or TOML)").set_input_files(str(path))
    form.get_by_label("Format").select_option("upr-info")
    expect(form.get_by_label("Dry run: show what would change, change nothing")).to_be_checked()
    form.get_by_role("button", name="Read the file").click()
    report = page.locator("#import-report")
    expect(report).to_contain_text("Dry run: nothing was written")
    expect(report).to_contain_text("Read as mac_roman")
    expect(report).to_contain_text("upr-kz-s20")
    screenshot(page, "import-dry-run")

    form = page.locator("#import-form")
    form.get_by_label("File (CSV, XLSX or TOML)").set_input_files(str(path))
    form.get_by_label("Dry run: show what would change, change nothing").uncheck()
    form.get_by_role("button", name="Read the file").click()
    expect(page.locator("#import-report h2")).to_have_text("Imported")
    screenshot(page, "import-done")

    # Again: nothing new.
    form = page.locator("#import-form")
    form.get_by_label("File (CSV, XLSX or TOML)").set_input_files(str(path))
    form.get_by_label("Dry run: show what would change, change nothing").uncheck()
    form.get_by_role("button", name="Read the file").click()
    expect(page.locator("#import-report")).to_contain_text("0 new")

    page.locator("#import-report").get_by_role("link", name=re.compile("session 20")).click()
    expect(page).to_have_url(re.compile(r"/recommendations\?source=upr-kz-s20"))
    rows = page.locator("table tbody tr")
    expect(rows.first).to_be_visible()
    every = rows.count()
    page.get_by_label("Response", exact=True).select_option("supported")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"response=supported"))
    assert 0 < rows.count() < every
    screenshot(page, "import-list-filtered")
