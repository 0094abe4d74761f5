"""Helpers of the browser tests: the running server, screenshots, signing in."""

from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

from tests.support import make_token

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@dataclass
class Server:
    """A running rectrack on its own database."""

    url: str
    database_url: str

    def token(self, name: str, role: str = "monitor") -> str:
        """A new monitor with this name and role, and their token."""
        return make_token(self.database_url, role, name)


def screenshot(target: Page | Locator, name: str, *, full_page: bool = True) -> None:
    """Save a screenshot for reviewers under test-artifacts/: of a page (all of it unless asked otherwise) or
    of one element."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = str(ARTIFACTS / f"{name}.png")
    page = target if isinstance(target, Page) else target.page
    for attempt in range(2):
        try:
            if isinstance(target, Page):
                target.screenshot(path=path, full_page=full_page)
            else:
                target.screenshot(path=path)
            return
        except PlaywrightError as error:
            # With tests on every core two browsers share them, and Chromium now and then fails to produce
            # the frame in time ("Unable to capture screenshot"): the picture is taken once more.
            if attempt or "Unable to capture screenshot" not in error.message:
                raise
            page.wait_for_timeout(500)


def sign_in(page: Page, server: Server, token: str, next_path: str = "/") -> None:
    """Sign in through the form, as a monitor would."""
    page.goto(f"{server.url}/login?next={next_path}")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
