"""The HTML report carries its own security policy, and Chromium applies the report's styles under it."""

from playwright.sync_api import Browser

from tests.browser.support import Server, screenshot


def test_the_html_report_styles_apply_under_its_policy(browser: Browser, server: Server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if message.type == "error" else None)
    response = page.goto(f"{server.url}/api/v1/reports/matrix?format=html")
    assert response is not None and response.status == 200
    headers = response.headers
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "style-src 'sha256-" in policy
    assert "'unsafe-inline'" not in policy
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    # The header row's colour comes from the inline stylesheet: it applies only if the policy's hash matches.
    header_colour = page.locator("table.matrix thead th").first.evaluate(
        "cell => getComputedStyle(cell).backgroundColor"
    )
    assert header_colour == "rgb(31, 56, 100)"
    assert page.locator("table.matrix col").first.evaluate("col => getComputedStyle(col).width") != "auto"
    assert not [text for text in refused if "Content Security Policy" in text], refused
    screenshot(page, "report-html-under-its-policy")
    context.close()
