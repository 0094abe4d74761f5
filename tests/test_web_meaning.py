"""Pages that say what they mean: times in the instance's zone, dates in effective order, the reason for a
status, backdated and late-evidence notes, every filter and its downloads, the About page, a page for 404s."""

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.i18n.formatting import display_zone, local_timestamp, zone_of
from app.i18n.translation import in_current_locale
from app.i18n.zone import DisplayZone
from app.main import create_app
from app.templating import time_tag
from tests.support import assess, bearer, link, make_token, run_cli

CODE = "odf-kz-2015-2.2"
ALMATY = "Asia/Almaty"
NEWS = {
    "url": "https://example.org/news/2024/law-amended",
    "title": "Parliament amends the law on public associations",
    "kind": "news",
    "relation": "progress",
    "published_on": "2024-05-30",
}


@pytest.fixture
def almaty(settings: Settings) -> Iterator[TestClient]:
    """An instance in Almaty that names its organisation and contact."""
    local = settings.model_copy(
        update={
            "timezone": ALMATY,
            "organisation": "Open Dialog Foundation",
            "contact": "monitor@example.org",
        }
    )
    with TestClient(create_app(local)) as test_client:
        yield test_client


@pytest.mark.sqlite_only
def test_a_time_names_its_zone_and_keeps_utc_on_hover():
    """Almaty moved from UTC+6 to UTC+5 on 2024-03-01: tzdata's rules, not the system's, give each offset."""
    february = datetime(2024, 2, 10, 9, 0, tzinfo=UTC)
    june = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
    with zone_of(ALMATY):
        assert local_timestamp(february) == "2024-02-10 15:00 +06"
        assert local_timestamp(june) == "2024-06-01 14:00 +05"
        assert str(time_tag(june)) == (
            '<time datetime="2024-06-01T09:00:00Z" title="2024-06-01 09:00 UTC">2024-06-01 14:00 +05</time>'
        )
    assert local_timestamp(june) == "2024-06-01 09:00 UTC"  # the zone was only for the block


@pytest.mark.sqlite_only
def test_streamed_chunks_and_requests_keep_the_instance_zone():
    def chunks() -> Iterator[str]:
        yield display_zone().key

    with zone_of(ALMATY):
        streamed = in_current_locale(chunks())
    assert list(streamed) == [ALMATY]  # pulled after the block, as Starlette pulls a body

    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(display_zone().key)

    asyncio.run(DisplayZone(app, ALMATY)({"type": "http"}, None, None))
    assert seen == [ALMATY] and display_zone().key == "UTC"


def test_pages_show_times_in_the_instance_zone(almaty, monitor_token):
    assess(almaty, monitor_token, CODE, {"status": "not_implemented", "summary": "No change."})
    page = almaty.get(f"/recommendations/{CODE}").text
    stamps = re.findall(
        r'<time datetime="([0-9T:-]+)Z" title="([0-9: -]+) UTC">([0-9: -]+) \+05</time>', page
    )
    assert stamps, page
    utc, title, local = stamps[0]
    assert title == utc.replace("T", " ")[:16]
    assert (
        datetime.fromisoformat(utc + "+00:00").astimezone(display_zone_of(ALMATY)).strftime("%Y-%m-%d %H:%M")
        == local
    )
    overview = almaty.get("/").text
    assert re.search(r"recorded <time [^>]+>[0-9: -]+ \+05</time>", overview)


def display_zone_of(name: str) -> Any:
    with zone_of(name):
        return display_zone()


def test_the_command_line_shows_times_in_the_instance_zone(client, database):
    token = make_token(database.url, "monitor", "Zhanna")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    listing = run_cli(database.url, "monitors", "list", env={"RECTRACK_TIMEZONE": ALMATY})
    assert listing.returncode == 0, listing.stderr
    assert re.search(r"Zhanna\n.*active, \d{4}-\d\d-\d\d \d\d:\d\d \+05", listing.stdout), listing.stdout


def test_history_runs_by_effective_date_and_the_status_shows_its_reason(client, monitor_token):
    evidence = link(client, monitor_token, CODE, NEWS).json()["evidence"]["id"]
    later = {"status": "partially_implemented", "summary": "Amended in part.", "effective_on": "2024-06-01"}
    assess(client, monitor_token, CODE, later | {"evidence_ids": [evidence]})
    earlier = {"status": "not_implemented", "summary": "Nothing had changed.", "effective_on": "2024-02-10"}
    assess(client, monitor_token, CODE, earlier | {"evidence_ids": [evidence]})
    page = client.get(f"/recommendations/{CODE}").text

    history = page[page.index('id="history"') :]
    # Recorded: link (today), 1 June, 10 February. Shown: today's link, 1 June, 10 February, the genesis.
    order = [history.index(text) for text in (NEWS["title"], "Amended in part.", "Nothing had changed.")]
    assert order == sorted(order)
    assert "Effective 2024-02-10" in history and "Effective 2024-06-01" in history

    facts = page[page.index('class="facts"') : page.index("</dl>")]
    assert "Partially implemented" in facts and "Amended in part." in facts
    assert "the monitors' assessment effective 2024-06-01" in facts
    assert "effective 2024-06-01" in facts[facts.index("Last assessed") :]
    # News of 30 May backs the 1 June assessment; the 10 February one cites it before it was published.
    assert facts.count("late-evidence") == 0
    assert history.count('class="warning late-evidence"') == 1
    assert "published after this assessment's effective date (2024-02-10)" in history

    listing = client.get("/recommendations", params={"section": "2"}).text
    row = listing[listing.index(f">{CODE}</a>") :]
    assert row[: row.index("</tr>")].count("2024-06-01") == 1


def test_a_backdated_assessment_says_it_changed_nothing(client, monitor_token):
    assess(
        client,
        monitor_token,
        CODE,
        {"status": "implemented", "summary": "Done.", "effective_on": "2025-01-10"},
    )
    _sign_in(client, monitor_token)
    response = client.post(
        f"/recommendations/{CODE}/assessments",
        data=_form(client)
        | {"status": "regressed", "summary": "Back then it was worse.", "effective_on": "2024-12-01"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert re.search(r"\?saved=assessment&entry=\d+#history$", response.headers["location"])
    page = client.get(response.headers["location"]).text
    saved = page[page.index('id="saved"') : page.index("</div>", page.index('id="saved"'))]
    assert "Your assessment was recorded." in saved
    assert "It does not change the current status: an assessment effective 2025-01-10" in saved
    assert 'class="badge badge-implemented"' in page[page.index('class="facts"') :]

    # A current one changes the status, and its confirmation says nothing more.
    current = client.post(
        f"/recommendations/{CODE}/assessments",
        data=_form(client)
        | {"status": "partially_implemented", "summary": "Now partly.", "effective_on": "2025-02-01"},
        follow_redirects=False,
    )
    page = client.get(current.headers["location"]).text
    assert "Your assessment was recorded." in page and "does not change" not in page


def _sign_in(client: TestClient, token: str) -> None:
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert csrf
    response = client.post(
        "/login", data={"csrf_token": csrf.group(1), "token": token}, follow_redirects=False
    )
    assert response.status_code == 303


def _form(client: TestClient) -> dict[str, str]:
    """The assessment form's hidden fields as the page now has them."""
    page = client.get(f"/recommendations/{CODE}").text
    form = page[page.index('id="assessment-form"') :]
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    return {name: hidden[name] for name in ("csrf_token", "version", "seen")} | {"perspective": "independent"}


@pytest.mark.sqlite_only
def test_the_list_and_the_matrix_offer_every_filter_and_download_what_they_show(shared_client):
    listing = shared_client.get("/recommendations", params={"sdg": "16.10", "theme": "", "limit": "25"}).text
    assert '<select id="f-sdg" name="sdg">' in listing
    assert '<option value="16.10" selected>16.10 ' in listing
    for fmt in ("csv", "xlsx", "docx"):
        assert (
            f'href="/api/v1/reports/matrix.{fmt}?sdg=16.10&amp;lang=en"' in listing
        )  # no page size, no cursor
    count = int(re.search(r"(\d+) recommendations? match", listing).group(1))
    csv = shared_client.get("/api/v1/reports/matrix.csv", params={"sdg": "16.10"}).text
    assert csv.count("odf-kz-2015-") == count

    query = {"theme": "freedom-of-association", "as_of": "2025-01-01", "addressee": "kazakhstan"}
    matrix = shared_client.get("/matrix", params=query | {"group_by": "theme"}).text
    for name in (
        "as_of",
        "source",
        "kind",
        "section",
        "status",
        "theme",
        "addressee",
        "sdg",
        "q",
        "group_by",
    ):
        assert f'name="{name}"' in matrix or name in ("source", "kind"), name  # one source, one kind here
    assert (
        'href="/api/v1/reports/matrix.csv?theme=freedom-of-association&amp;addressee=kazakhstan&amp;as_of=2025-01-01&amp;lang=en"'
        in matrix
    )
    assert '<h2 class="group-heading" id="group-1-h"><span>Freedom of association</span>' in matrix
    assert 'tabindex="0" role="region" aria-labelledby="matrix-h group-1-h"' in matrix

    bad = shared_client.get("/matrix", params={"as_of": "2025-13-01", "sdg": "x" * 80}).text
    assert "left out: As of, SDG target." in bad and bad.count('<th scope="row">') == 43


def test_about_names_the_sources_organisation_method_and_contact(almaty):
    page = almaty.get("/about")
    assert page.status_code == 200
    text = page.text
    assert "<title>Kazakhstan: About · rectrack</title>" in text
    assert "Open Dialog Foundation tracks here" in text
    assert "Open Dialog Foundation" in text and "2015" in text
    assert '<a href="mailto:monitor@example.org"' in text
    assert "UPR Info&#39;s implementation index" in text and "Partially implemented = 0.5" in text
    assert "The state claims a higher status than the monitors find." in text
    assert "marked progress or regression" in text
    assert '<a href="/about">' in almaty.get("/recommendations").text  # linked from every page's footer


@pytest.mark.sqlite_only
def test_titles_name_the_state_and_browsers_get_a_page_for_a_broken_link(shared_client):
    for path in ("/", "/recommendations", "/matrix", f"/recommendations/{CODE}"):
        assert "<title>Kazakhstan: " in shared_client.get(path).text, path
    page = shared_client.get("/no-such-page", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "There is no page at this address." in page.text and '<html lang="en">' in page.text
    api = shared_client.get("/api/v1/no-such-thing", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
    assert shared_client.get("/no-such-page").headers["content-type"] == "application/problem+json"
