"""Translations: the seed's unofficial Russian text, reads in a language, recording one, search, verify."""

import re
import shutil
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from app.db import build_engine, write_engine
from app.models import HistoryEntry, Recommendation, Translation
from seed.loader import DEFAULT_SEED, load_seed
from tests.support import bearer, migrate, run_cli, tamper

CODE = "odf-kz-2015-4.1"
URL = f"/api/v1/recommendations/{CODE}"
TRANSLATOR = "rectrack contributors (unofficial)"


def _verify_state(client, token) -> dict:
    response = client.get("/api/v1/history/verify", headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()["state"]


def test_the_seed_reads_in_russian_with_its_provenance_and_the_original_beside_it(shared_client):
    body = shared_client.get(URL, params={"lang": "ru"}).json()
    assert body["text"].startswith("Decriminalise articles on defamation")  # v1: `text` is the original
    assert body["text_language"] == "en"
    assert "о диффамации" in body["translated_text"]
    assert body["translation"]["provenance"] == "unofficial"
    assert body["translation"]["translator"] == TRANSLATOR
    assert body["translation"]["language"] == "ru"
    assert body["section"]["translated_title"] == "Свобода распространения информации"
    by_header = shared_client.get(URL, headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert by_header.json()["translated_text"] == body["translated_text"]
    assert "Accept-Language" in by_header.headers["vary"]


def test_without_a_translation_into_the_language_nothing_is_translated(shared_client):
    for params in ({"lang": "en"}, {"lang": "kk"}, {}):
        body = shared_client.get(URL, params=params).json()
        assert body["translated_text"] is None and body["translation"] is None
        assert body["section"]["translated_title"] is None
    page = shared_client.get("/api/v1/recommendations", params={"section": 4, "lang": "ru"}).json()
    assert all(item["translated_text"] and item["translation"] for item in page["items"])
    assert shared_client.get(URL, params={"lang": "de"}).status_code == 422


def test_q_finds_a_recommendation_through_its_russian_translation(shared_client):
    # «диффамации» in the translation of 4.1: the Russian stemmer makes both words one term.
    page = shared_client.get("/api/v1/recommendations", params={"q": "диффамация"}).json()
    assert CODE in [item["code"] for item in page["items"]]
    none = shared_client.get("/api/v1/recommendations", params={"q": "диффамация", "section": 2}).json()
    assert none["total"] == 0
    # "диффамация" is also the concept ~defamation, which the English text has: a word only the translation
    # has shows that the translation's own terms are searched.
    accused = shared_client.get("/api/v1/recommendations", params={"q": "обвиняемые"}).json()
    assert [item["code"] for item in accused["items"]] == [CODE]


def test_a_monitor_records_a_translation_which_supersedes_the_current_one(
    client, database, monitor_token, admin_token
):
    etag = client.get(URL).headers["etag"]
    body = {
        "language": "ru",
        "text": "Декриминализировать статьи о диффамации и распространении заведомо ложной информации.",
        "provenance": "official",
        "translator": "Ministry of Foreign Affairs",
    }
    assert client.post(f"{URL}/translations", json=body, headers=bearer(monitor_token)).status_code == 428
    assert client.post(f"{URL}/translations", json=body, headers={"If-Match": etag}).status_code == 401
    same = body | {"language": "en"}
    refused = client.post(
        f"{URL}/translations", json=same, headers=bearer(monitor_token) | {"If-Match": etag}
    )
    assert refused.status_code == 422, refused.text
    headers = bearer(monitor_token) | {"If-Match": etag, "Idempotency-Key": "tr-1"}
    created = client.post(f"{URL}/translations", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["entry"]["kind"] == "translation_recorded"
    assert client.post(f"{URL}/translations", json=body, headers=headers).json() == created.json()  # replay
    stale = client.post(f"{URL}/translations", json=body, headers=bearer(monitor_token) | {"If-Match": etag})
    assert stale.status_code == 412

    shown = client.get(URL, params={"lang": "ru"}).json()
    assert shown["translated_text"] == body["text"]
    assert shown["translation"]["provenance"] == "official"
    engine = build_engine(database.url)
    with Session(engine) as session:
        rec_id = session.scalars(select(col(Recommendation.id)).where(col(Recommendation.code) == CODE)).one()
        rows = session.scalars(
            select(Translation)
            .where(col(Translation.subject_id) == rec_id, col(Translation.subject_kind) == "recommendation")
            .order_by(col(Translation.id))
        ).all()
        assert [row.provenance for row in rows] == ["unofficial", "official"]  # the old one is kept
        assert rows[0].superseded_at == rows[1].recorded_at and rows[1].superseded_at is None
    engine.dispose()
    state = _verify_state(client, admin_token)
    assert state["ok"], state
    assert state["checked"]["translations"] == 50

    tamper(
        database.url,
        "UPDATE translations SET translator = 'someone else' WHERE superseded_at IS NULL "
        "AND provenance = 'official'",
    )
    found = _verify_state(client, admin_token)
    assert not found["ok"]
    assert found["first_discrepancies"]["translations"]["code"] == CODE


def test_translations_added_to_a_database_seeded_before_them_are_entries_in_each_chain(
    empty_database, tmp_path: Path
):
    migrate(empty_database.url)
    bare = tmp_path / "seed"
    bare.mkdir()
    for name in (DEFAULT_SEED.name, "odf-kz-2015.txt"):
        shutil.copy(DEFAULT_SEED.parent / name, bare / name)
    engine = build_engine(empty_database.url)
    with Session(write_engine(engine)) as session:
        load_seed(session, bare / DEFAULT_SEED.name)
        session.commit()
    with Session(write_engine(engine)) as session:
        result = load_seed(session)
        session.commit()
    assert result.translations == 49 and result.recommendations == 0
    with Session(engine) as session:
        kinds = session.execute(
            select(col(Recommendation.version), col(HistoryEntry.kind))
            .join(HistoryEntry, col(HistoryEntry.recommendation_id) == col(Recommendation.id))
            .where(col(Recommendation.code) == CODE)
            .order_by(col(HistoryEntry.seq))
        ).all()
    # Its section's title, then its text: one entry each, and the version counts them.
    assert [kind for _, kind in kinds] == ["genesis", "translation_recorded", "translation_recorded"]
    assert kinds[0][0] == 3
    with Session(write_engine(engine)) as session:
        assert load_seed(session).translations == 0  # idempotent
    engine.dispose()


@pytest.mark.sqlite_only
def test_pages_show_the_translation_labelled_with_the_original_marked_by_its_language(shared_client):
    russian = shared_client.get(f"/recommendations/{CODE}", headers={"Accept-Language": "ru"}).text
    assert re.search(
        r'<blockquote class="rec-text" lang="ru">Декриминализировать статьи о диффамации', russian
    )
    assert 'class="translation-note"' in russian and TRANSLATOR in russian
    assert re.search(r'<details class="original-text">.*?<blockquote lang="en">Decriminalise', russian, re.S)
    english = shared_client.get(f"/recommendations/{CODE}", headers={"Accept-Language": "en"}).text
    assert '<blockquote class="rec-text" lang="en">Decriminalise' in english
    assert "original-text" not in english and "translation-note" not in english
    listed = shared_client.get("/recommendations?section=4", headers={"Accept-Language": "ru"}).text
    assert '<span lang="ru">Отменить поправки к Закону «О связи»' in listed


CURATED = """
[source]
slug = "ngo-kz-2024"
title = "A shadow report"
publisher = "An NGO"

[translation]
provenance = "official"
translator = "The NGO's own translators"

[[sections]]
number = 1
title = "Expression"

[[recommendations]]
code = "ngo-kz-2024-1.1"
section = 1
text = "Repeal the criminal article on defamation."
text_ru = "Отменить уголовную статью о диффамации."
"""


def test_a_curated_import_records_its_translations_in_the_genesis_entries(
    client, database, tmp_path, admin_token
):
    path = tmp_path / "shadow.toml"
    path.write_text(CURATED, encoding="utf-8")
    run = run_cli(database.url, "import", "curated", str(path))
    assert run.returncode == 0, run.output
    body = client.get("/api/v1/recommendations/ngo-kz-2024-1.1", params={"lang": "ru"}).json()
    assert body["translated_text"] == "Отменить уголовную статью о диффамации."
    assert body["translation"]["provenance"] == "official"
    assert body["translation"]["translator"] == "The NGO's own translators"
    assert body["version"] == 1
    found = client.get("/api/v1/recommendations", params={"q": "диффамация"}).json()
    assert {"ngo-kz-2024-1.1", CODE} <= {item["code"] for item in found["items"]}
    state = _verify_state(client, admin_token)
    assert state["ok"], state
    assert state["checked"]["translations"] == 50


def test_reindex_stores_the_translations_terms_afresh(client, database):
    tamper(database.url, "UPDATE translations SET terms = ' x ' WHERE subject_kind = 'recommendation'")
    assert client.get("/api/v1/recommendations", params={"q": "обвиняемые"}).json()["total"] == 0
    assert run_cli(database.url, "reindex").returncode == 0
    found = client.get("/api/v1/recommendations", params={"q": "обвиняемые"}).json()
    assert [item["code"] for item in found["items"]] == [CODE]


@pytest.mark.sqlite_only
def test_the_history_shows_a_recorded_translation(client, monitor_token):
    etag = client.get(URL).headers["etag"]
    body = {
        "language": "kk",
        "text": "Жала жабу туралы баптарды қылмыстық санаттан шығару.",
        "provenance": "unofficial",
        "translator": "A. Volunteer",
    }
    headers = bearer(monitor_token) | {"If-Match": etag}
    assert client.post(f"{URL}/translations", json=body, headers=headers).status_code == 201
    page = client.get(f"/recommendations/{CODE}", headers={"Accept-Language": "en"}).text
    assert re.search(r'<blockquote lang="kk">Жала жабу туралы баптарды', page)
    assert "Unofficial translation (Kazakh)" in page
    kazakh = client.get(f"/recommendations/{CODE}", headers={"Accept-Language": "kk"}).text
    assert '<blockquote class="rec-text" lang="kk">Жала жабу' in kazakh
