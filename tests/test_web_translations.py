"""The translation forms on a recommendation's page (its text, its section's title), for monitors."""

import html
import re

import pytest

CODE = "odf-kz-2015-2.1"
PAGE = f"/recommendations/{CODE}"
TEXT_ACTION = f"{PAGE}/translations"
TITLE_ACTION = f"{PAGE}/section-translations"
SECTION_API = "/api/v1/sources/odf-kz-2015/sections/2/translations"
# Pages in another language are asked for with Accept-Language: `?lang=` would set the cookie for the rest.
RUSSIAN = "Отменить уголовную ответственность за клевету (перевод монитора)."
KAZAKH_TITLE = "Ақпарат тарату бостандығы"


def _sign_in(client, token) -> None:
    form = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"csrf_token": csrf, "token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text


def _fields(client, form_id: str) -> dict[str, str]:
    """The hidden fields of one form on the page, as the browser would send them."""
    page = client.get(PAGE).text
    form = page[page.index(f'id="{form_id}"') :]
    form = form[: form.index("</form>")]
    return {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    }


def _history(client) -> list[dict]:
    return client.get(f"/api/v1/recommendations/{CODE}/history").json()["items"]


@pytest.mark.sqlite_only
def test_a_monitor_records_a_translation_of_the_text_from_the_page(client, monitor_token):
    assert TEXT_ACTION not in client.get(PAGE).text  # signed out: no form
    _sign_in(client, monitor_token)
    page = client.get(PAGE).text
    assert "Record a translation" in page and TEXT_ACTION in page
    seed_russian = client.get(f"/api/v1/recommendations/{CODE}", params={"lang": "ru"}).json()
    # The English page offers Russian first, holding the seed's Russian translation to start from.
    assert f">\n{html.escape(seed_russian['translated_text'], quote=False)}</textarea>" in page
    before = len(_history(client))

    unnamed = {"language": "kk", "text": "Жала жабу", "provenance": "unofficial", "translator": ""}
    refused = client.post(TEXT_ACTION, data=_fields(client, "translation-form") | unnamed)
    assert refused.status_code == 422
    assert "An unofficial translation names its translator" in refused.text and "Жала жабу" in refused.text
    assert 'aria-describedby="translation-translator-hint translation-translator-error"' in refused.text
    assert len(_history(client)) == before

    opened = _fields(client, "translation-form")
    mine = {"language": "ru", "text": RUSSIAN, "provenance": "unofficial", "translator": "Aigerim Monitor"}
    saved = client.post(TEXT_ACTION, data=opened | mine, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    confirmed = client.get(saved.headers["location"]).text
    assert "Your translation into Russian was recorded." in confirmed and 'href="?lang=ru"' in confirmed
    in_russian = client.get(PAGE, headers={"Accept-Language": "ru"}).text
    assert f'<blockquote class="rec-text" lang="ru">{RUSSIAN}</blockquote>' in in_russian
    assert seed_russian["translated_text"] not in in_russian.split('id="translation-form"')[0]  # superseded
    entry = _history(client)[-1]
    assert len(_history(client)) == before + 1 and entry["kind"] == "translation_recorded"
    assert entry["payload"] == mine | {"subject": "recommendation"}
    # A form opened before that write is stale: shown again with what changed, nothing written.
    stale = client.post(TEXT_ACTION, data=opened | unnamed | {"translator": "A. B."})
    assert stale.status_code == 409 and "Someone else changed this recommendation" in stale.text
    assert "What changed since you opened the form" in stale.text and RUSSIAN in stale.text
    assert len(_history(client)) == before + 1


@pytest.mark.sqlite_only
def test_a_monitor_translates_the_section_title_from_the_page(client, monitor_token):
    assert TITLE_ACTION not in client.get(PAGE).text  # signed out: no form
    _sign_in(client, monitor_token)
    fields = _fields(client, "title-translation-form")
    etag = client.get(SECTION_API).headers["etag"]
    assert fields["etag"] == etag
    before = len(_history(client))

    unnamed = {"language": "kk", "text": KAZAKH_TITLE, "provenance": "unofficial"}
    refused = client.post(TITLE_ACTION, data=fields | unnamed)
    assert refused.status_code == 422 and "An unofficial translation names its translator" in refused.text
    assert client.get(SECTION_API).headers["etag"] == etag and len(_history(client)) == before

    named = unnamed | {"translator": "A. Volunteer"}
    saved = client.post(TITLE_ACTION, data=fields | named, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert "into Kazakh was recorded" in client.get(saved.headers["location"]).text
    lead = re.search(
        r'<p class="lead">.*?</p>', client.get(PAGE, headers={"Accept-Language": "kk"}).text, re.S
    )
    assert f": {KAZAKH_TITLE}</p>" in lead.group(0)  # the section's title, in Kazakh, under the code
    entry = _history(client)[-1]
    assert entry["kind"] == "translation_recorded" and entry["payload"]["section"] == 2
    assert entry["payload"]["text"] == KAZAKH_TITLE and len(_history(client)) == before + 1
    # The same form sent again carries the title's old ETag: shown again with the message, nothing written.
    stale = client.post(TITLE_ACTION, data=fields | named | {"text": "Другое"})
    assert stale.status_code == 409 and "Someone else translated this section's title" in stale.text
    assert "Другое" in stale.text and len(_history(client)) == before + 1
