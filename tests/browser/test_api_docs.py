"""/docs loads Swagger UI from this origin only, under a policy of its own, and Authorize works (issue 13)."""

# The Swagger UI files (swagger-ui-bundle.js, swagger-ui.css: Swagger UI 5.32.6, and favicon.png) are those
# shipped by fastapi-offline 1.7.7, pinned in pyproject.toml.

from playwright.sync_api import Browser, expect

from tests.browser.support import Server, screenshot

NAME = "Synthetic Docs Monitor"


def test_the_docs_load_nothing_from_elsewhere_and_authorize_works(browser: Browser, server: Server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests: list[tuple[str, str | None]] = []
    page.on("request", lambda request: requests.append((request.url, request.headers.get("authorization"))))
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    response = page.goto(f"{server.url}/docs")
    assert response is not None and response.status == 200
    headers = response.headers
    assert "'unsafe-inline'" not in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "no-referrer"
    # Swagger UI ran under the policy: it fetched the schema and rendered the operations with their ids.
    expect(page.get_by_text("listRecommendations", exact=True)).to_be_visible(timeout=15_000)

    token = server.token(NAME)
    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".dialog-ux")
    expect(dialog).to_contain_text("bearerAuth")
    dialog.locator("input").fill(token)
    dialog.get_by_role("button", name="Apply credentials").click()
    expect(dialog.get_by_role("button", name="Remove authorization")).to_be_visible()
    dialog.get_by_role("button", name="Close").click()

    me = page.locator("#operations-monitors-getMe")
    me.locator(".opblock-summary").click()
    me.get_by_role("button", name="Try it out").click()
    # The wait is on the request itself, then on Swagger UI's rendering of it: on a loaded CI machine either
    # can take longer than Playwright's default five seconds.
    with page.expect_response(f"{server.url}/api/v1/me", timeout=30_000) as answered:
        me.get_by_role("button", name="Execute").click()
    assert answered.value.status == 200
    expect(me.locator(".responses-wrapper .live-responses-table")).to_contain_text(NAME, timeout=15_000)
    screenshot(page, "api-docs-authorized")
    context.close()

    foreign = [
        url for url, _ in requests if not url.startswith(f"{server.url}/") and not url.startswith("data:")
    ]
    assert not foreign, foreign
    assert any("/docs/static/swagger-ui-bundle.js" in url for url, _ in requests)
    assert (f"{server.url}/api/v1/me", f"Bearer {token}") in requests
    assert not [text for text in errors if "Content Security Policy" in text], errors
