"""Suggested links and search by terms on both databases, over the seed and the example UPR Info file.

Kazakhstan's rows of seed/examples/upr-info-kz-example.csv become upr-kz-s7 (10 recommendations) and
upr-kz-s20 (13), numbered in file order.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlmodel import Session

from app.db import build_engine, write_engine
from app.imports.apply import ApplyOptions, apply_import
from app.imports.rows import ImportedRow, ReadResult, SourceSpec
from app.suggestions.service import suggest_for_source
from app.text_terms import terms_text
from app.vocabulary import SourceKind
from tests.support import copy_database, run_cli

EXAMPLE = Path(__file__).resolve().parent.parent / "seed" / "examples" / "upr-info-kz-example.csv"
DEFAMATION = (
    "odf-kz-2015-4.1"  # "Decriminalise articles on defamation and the dissemination of false information..."
)
S20_DEFAMATION = (
    "upr-kz-s20-1.1"  # "Remove criminal liability for defamation and for “spreading knowingly false..."
)
S7_DEFAMATION = "upr-kz-s7-1.2"  # "Decriminalise defamation and libel and move them into the Civil Code..."
S20_RELIGION = "upr-kz-s20-1.2"  # "Revise the Law “On Religious Activity and Religious Associations”..."
UHRI = SourceSpec(
    slug="upr-kz-s21",
    kind=SourceKind.upr_review,
    title="A review for this test",
    publisher="UN Human Rights Council",
    state_under_review="Kazakhstan",
    session=21,
)


@pytest.fixture(scope="module")
def imported(backend, seeded_template, postgres_server, tmp_path_factory, run_id) -> Iterator[str]:
    """The seeded database with Kazakhstan's rows of the example file imported, once per backend."""
    name = f"rectrack_{run_id}_suggestions"
    url = copy_database(seeded_template, tmp_path_factory.mktemp("suggestions"), name, postgres_server)
    result = run_cli(url, "import", "upr-info", str(EXAMPLE), "--state", "Kazakhstan")
    assert result.returncode == 0, result.stderr + result.stdout
    yield url
    if backend == "postgresql":
        postgres_server.drop(url)


@pytest.fixture(scope="module")
def database_template(imported) -> str:
    """Every database of this module starts with the imported UPR sources."""
    return imported


def _suggest(client, code: str, source: str, **params) -> dict:
    response = client.get(f"/api/v1/recommendations/{code}/suggestions", params={"source": source, **params})
    assert response.status_code == 200, response.text
    return response.json()


def _codes(client, **params) -> list[str]:
    response = client.get("/api/v1/recommendations", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return [item["code"] for item in response.json()["items"]]


def test_the_defamation_recommendation_gets_the_upr_ones_on_defamation_first(module_client):
    body = _suggest(module_client, DEFAMATION, "upr-kz-s20")
    assert (body["recommendation"], body["source"]) == (DEFAMATION, "upr-kz-s20")
    first = body["items"][0]
    assert first["code"] == S20_DEFAMATION
    assert first["source"] == "upr-kz-s20" and first["response"] == "noted" and first["linked"] is False
    assert first["recommending_states"] == [
        {"slug": "australia", "label": "Australia"},
        {"slug": "hungary", "label": "Hungary"},
    ]
    assert {"defamation (libel, slander, insult)", "false information"} <= set(first["matched"])
    assert first["score"] > 2 * body["items"][1]["score"]
    earlier = _suggest(module_client, DEFAMATION, "upr-kz-s7")["items"][0]
    assert earlier["code"] == S7_DEFAMATION
    # The query says "defamation", this one "defamation and libel": the concept is named, the words of the
    # candidate shown for what matched as words.
    assert "defamation (libel, slander, insult)" in earlier["matched"]


def test_suggestions_are_best_first_and_limited(module_client):
    items = _suggest(module_client, "odf-kz-2015-2.4", "upr-kz-s20", limit=50)["items"]
    assert items[0]["code"] == S20_RELIGION
    assert "religious associations (organisations, communities, groups)" in items[0]["matched"]
    scores = [item["score"] for item in items]
    assert scores == sorted(scores, reverse=True) and all(score > 0 for score in scores)
    assert len(items) <= 13
    assert [
        item["code"] for item in _suggest(module_client, "odf-kz-2015-2.4", "upr-kz-s20", limit=1)["items"]
    ] == [S20_RELIGION]


@pytest.mark.parametrize(
    ("code", "params", "status"),
    [
        ("odf-kz-2015-9.9", {"source": "upr-kz-s20"}, 404),
        (DEFAMATION, {"source": "upr-kz-s99"}, 404),
        (DEFAMATION, {"source": "odf-kz-2015"}, 422),
        (S20_DEFAMATION, {"source": "upr-kz-s20"}, 422),
        (DEFAMATION, {}, 422),
        (DEFAMATION, {"source": "upr-kz-s20", "limit": 0}, 422),
        (DEFAMATION, {"source": "upr-kz-s20", "limit": 51}, 422),
        (DEFAMATION, {"source": "x" * 65}, 422),
    ],
)
def test_unknown_recommendations_and_sources_and_the_own_source_are_refused(
    module_client, code, params, status
):
    response = module_client.get(f"/api/v1/recommendations/{code}/suggestions", params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_the_other_direction_ranks_the_ngo_recommendations(module_client):
    items = _suggest(module_client, S20_DEFAMATION, "odf-kz-2015")["items"]
    assert items[0]["code"] == DEFAMATION
    assert items[0]["recommending_states"] == [] and items[0]["response"] is None


def test_already_linked_candidates_are_marked_whichever_way_the_pair_is_stored(database, client):
    engine = build_engine(database.url)
    with engine.begin() as connection:
        ids = dict(connection.execute(text("SELECT code, id FROM recommendations")).tuples().all())
        first, second = sorted((ids[DEFAMATION], ids[S20_DEFAMATION]))
        connection.execute(
            text(
                "INSERT INTO recommendation_links (recommendation_id, other_id, strength, linked_at) "
                "VALUES (:first, :second, 'same_measure', CURRENT_TIMESTAMP)"
            ),
            {"first": first, "second": second},
        )
        # An unlinked pair is not marked.
        first, second = sorted((ids[DEFAMATION], ids["upr-kz-s20-1.10"]))
        connection.execute(
            text(
                "INSERT INTO recommendation_links (recommendation_id, other_id, strength, linked_at, "
                "unlinked_at, unlink_reason) "
                "VALUES (:first, :second, 'related', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'no')"
            ),
            {"first": first, "second": second},
        )
    engine.dispose()
    items = _suggest(client, DEFAMATION, "upr-kz-s20", limit=50)["items"]
    assert {item["code"] for item in items if item["linked"]} == {S20_DEFAMATION}
    back = _suggest(client, S20_DEFAMATION, "odf-kz-2015", limit=50)["items"]
    assert {item["code"] for item in back if item["linked"]} == {DEFAMATION}


def test_a_whole_source_reads_its_candidates_once(database):
    engine = build_engine(database.url)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with Session(engine) as session:
        suggestions = suggest_for_source(session, "odf-kz-2015", "upr-kz-s20", 5)
    engine.dispose()
    # The two sources, the candidates' terms, what they show, the recommendations to suggest for, their links.
    assert len(suggestions) == 43 and len([sql for sql in statements if sql.startswith("SELECT")]) == 5
    by_code = {query["code"]: items for query, items in suggestions}
    assert by_code[DEFAMATION][0]["code"] == S20_DEFAMATION
    assert all(len(items) <= 5 for items in by_code.values())
    assert suggestions[0][0] == {"code": "odf-kz-2015-2.1", "text": suggestions[0][0]["text"]}


@pytest.mark.parametrize(
    ("query", "included"),
    [
        ("defamatory", {DEFAMATION, S20_DEFAMATION, S7_DEFAMATION}),
        ("libel", {DEFAMATION, S20_DEFAMATION, S7_DEFAMATION}),
        ("клевета", {DEFAMATION, S7_DEFAMATION}),
        ("peaceful assemblies", {"odf-kz-2015-7.2", "upr-kz-s7-1.4", "upr-kz-s20-1.3"}),
        ("demonstrations", {"odf-kz-2015-7.2", "upr-kz-s20-1.3"}),
        ("registered religious organizations", {"odf-kz-2015-2.4", S20_RELIGION}),
        ("journalist", {"odf-kz-2015-4.5", "odf-kz-2015-4.3", "upr-kz-s7-1.8"}),
        ("decriminalized", {DEFAMATION, S7_DEFAMATION, "odf-kz-2015-2.5"}),
    ],
)
def test_q_matches_inflected_forms_spellings_and_synonyms(module_client, query, included):
    found = _codes(module_client, q=query)
    assert included <= set(found), set(found)
    assert len(found) < 66  # a search, not everything


def test_q_still_matches_what_the_text_contains(module_client):
    assert _codes(module_client, q="EXTREMISM") == ["odf-kz-2015-2.3"]
    assert _codes(module_client, q="Zhanaözen") == ["upr-kz-s20-1.6"]  # no stem of it is a whole term
    assert _codes(module_client, q="s20-1.1") == [
        "upr-kz-s20-1.1",
        "upr-kz-s20-1.10",
        "upr-kz-s20-1.11",
        "upr-kz-s20-1.12",
        "upr-kz-s20-1.13",
    ]
    assert _codes(module_client, q="100%_") == []
    assert _codes(module_client, q="defamation", source="upr-kz-s7") == [S7_DEFAMATION]


def _stored(url: str) -> dict[str, tuple[str, str | None]]:
    engine = build_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT code, text, terms FROM recommendations")).tuples().all()
    engine.dispose()
    return {code: (body, terms) for code, body, terms in rows}


def _apply(url: str, body: str, **options: object) -> None:
    """Import one UHRI-like row (identified by its id, so a new text is a change of text)."""
    row = ImportedRow(
        line=2, source=UHRI, text=body, recommending_states=("Estonia",), external_id="uhri:t-1"
    )
    engine = build_engine(url)
    with Session(write_engine(engine)) as session:
        result = ReadResult(format="test", rows=[row], refused=[], encoding="utf-8")
        options = {"filename": "f.csv", "file_sha256": "0" * 64, **options}
        assert apply_import(session, result, ApplyOptions(**options)).applied  # type: ignore[arg-type]
        session.commit()
    engine.dispose()


def test_the_seed_and_imports_store_the_terms_and_a_changed_text_gets_new_ones(database):
    stored = _stored(database.url)
    assert len(stored) == 66
    assert all(terms == terms_text(body) for body, terms in stored.values())
    _apply(database.url, "Decriminalise defamation.")
    assert _stored(database.url)["upr-kz-s21-1.1"][1] == terms_text("Decriminalise defamation.")
    _apply(database.url, "Ratify the Optional Protocol to the Convention against Torture.", update_texts=True)
    body, terms = _stored(database.url)["upr-kz-s21-1.1"]
    assert body.startswith("Ratify") and terms == terms_text(body) and " ~torture " in terms


def test_reindex_and_migrate_fill_and_refresh_the_terms(database):
    engine = build_engine(database.url)
    with Session(write_engine(engine)) as session:
        session.execute(text("UPDATE recommendations SET terms = NULL WHERE code LIKE 'odf-kz-2015-2.%'"))
        session.execute(
            text("UPDATE recommendations SET terms = ' stale ' WHERE code = :code"), {"code": DEFAMATION}
        )
        session.commit()
    engine.dispose()
    migrated = run_cli(database.url, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "terms updated for 5 recommendations of 5 checked" in migrated.stdout
    assert _stored(database.url)[DEFAMATION][1] == " stale "  # `migrate` fills only the missing ones
    refreshed = run_cli(database.url, "reindex")
    assert refreshed.returncode == 0, refreshed.stderr
    assert "terms updated for 1 recommendation of 66 checked" in refreshed.stdout
    assert all(terms == terms_text(body) for body, terms in _stored(database.url).values())
    again = run_cli(database.url, "reindex")
    assert "terms updated for 0 recommendations of 66 checked" in again.stdout
    assert run_cli(database.url, "migrate").stdout.strip() == "database migrated to head"


@pytest.mark.sqlite_only
def test_the_operation_is_documented(shared_client):
    schema = shared_client.get("/openapi.json").json()
    operation = schema["paths"]["/api/v1/recommendations/{code}/suggestions"]["get"]
    assert operation["operationId"] == "suggestLinks"
    assert {"404", "422"} <= set(operation["responses"])
    item = schema["components"]["schemas"]["SuggestionOut"]["properties"]
    assert set(item) == {
        "code",
        "text",
        "source",
        "recommending_states",
        "response",
        "score",
        "matched",
        "linked",
    }
