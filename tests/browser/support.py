"""Helpers of the browser tests: the running server, screenshots, signing in."""

from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, expect

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


def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    """Save a screenshot (the full page unless asked otherwise) for reviewers under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def sign_in(page: Page, server: Server, token: str, next_path: str = "/") -> None:
    """Sign in through the form, as a monitor would."""
    page.goto(f"{server.url}/login?next={next_path}")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
