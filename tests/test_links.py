"""Links between recommendations of two sources: both chains, both versions, the feed, verify, the list."""

import json
import threading
import time
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from app.db import build_engine, write_engine
from app.imports.apply import ApplyOptions, apply_import
from app.imports.rows import ImportedRow, ReadResult, SourceSpec
from app.main import create_app
from app.recommendations.schemas import RecommendationDetailOut, RecommendationPage
from app.vocabulary import Response, SourceKind
from bench.floors import Raw
from tests.support import bearer, copy_database, link, make_token, run_cli, tamper

ODF, ODF_OTHER = "odf-kz-2015-2.1", "odf-kz-2015-3.1"
S20 = SourceSpec(
    slug="upr-kz-s20",
    kind=SourceKind.upr_review,
    title="Universal Periodic Review of Kazakhstan: session 20 (second cycle)",
    publisher="UN Human Rights Council",
    state_under_review="Kazakhstan",
    cycle=2,
    session=20,
    reviewed_on=date(2014, 10, 30),
)
S34 = SourceSpec(
    slug="upr-kz-s34",
    kind=SourceKind.upr_review,
    title="Universal Periodic Review of Kazakhstan: session 34 (third cycle)",
    publisher="UN Human Rights Council",
    state_under_review="Kazakhstan",
    cycle=3,
    session=34,
    reviewed_on=date(2019, 11, 7),
)
# The codes the import gives these rows: section 1, numbered in file order per source.
DEFAMATION, RELIGION, ASSEMBLY = "upr-kz-s20-1.1", "upr-kz-s20-1.2", "upr-kz-s34-1.1"
ROWS = [
    ImportedRow(
        line=2,
        source=S20,
        text="Decriminalise defamation and bring it under civil law.",
        recommending_states=("Hungary", "Australia"),
        response=Response.supported,
        response_original="Accepted",
        paragraph="106.12",
    ),
    ImportedRow(
        line=3,
        source=S20,
        text="Ease the registration of religious associations.",
        recommending_states=("Russian Federation",),
        response=Response.noted,
        response_original="Noted",
    ),
    ImportedRow(
        line=4,
        source=S34,
        text="Bring the law on peaceful assemblies in line with international standards.",
        recommending_states=("Norway",),
        response=Response.supported,
        response_original="Supported",
    ),
]


@pytest.fixture(scope="module")
def with_upr(backend, seeded_template, postgres_server, tmp_path_factory, run_id) -> Iterator[str]:
    """The seeded database with two UPR sessions' recommendations imported, once per backend."""
    name = f"rectrack_{run_id}_links"
    url = copy_database(seeded_template, tmp_path_factory.mktemp("links"), name, postgres_server)
    engine = build_engine(url)
    with Session(write_engine(engine)) as session:
        result = ReadResult(format="test", rows=ROWS, refused=[], encoding="utf-8")
        apply_import(session, result, ApplyOptions(filename="upr.csv", file_sha256="0" * 64))
        session.commit()
    engine.dispose()
    yield url
    if backend == "postgresql":
        postgres_server.drop(url)


@pytest.fixture(scope="module")
def database_template(with_upr) -> str:
    """Every test's own `database` starts with the UPR recommendations."""
    return with_upr


def _version(client, code: str) -> int:
    return int(client.get(f"/api/v1/recommendations/{code}").headers["etag"].strip('"'))


def _link(client, token, code, other, strength="same_measure", *, expect=201, **body):
    """Link as a well-behaved client does: both versions read just before."""
    response = client.post(
        f"/api/v1/recommendations/{code}/links",
        json={"other": other, "other_version": _version(client, other), "strength": strength, **body},
        headers=bearer(token) | {"If-Match": f'"{_version(client, code)}"'},
    )
    assert response.status_code == expect, response.text
    return response


def _unlink(client, token, code, other, reason="Linked by mistake.", *, expect=200):
    response = client.request(
        "DELETE",
        f"/api/v1/recommendations/{code}/links/{other}",
        json={"reason": reason, "other_version": _version(client, other)},
        headers=bearer(token) | {"If-Match": f'"{_version(client, code)}"'},
    )
    assert response.status_code == expect, response.text
    return response


def _history(client, code) -> list[dict]:
    return client.get(f"/api/v1/recommendations/{code}/history").json()["items"]


def _verify(database) -> dict:
    result = run_cli(database.url, "verify")
    report = json.loads(result.stdout)
    assert (result.returncode == 0) == report["ok"], result.stderr
    return report


def test_a_link_and_its_end_are_in_both_chains_the_feed_and_both_details(client, monitor_token, database):
    before = {code: _version(client, code) for code in (ODF, DEFAMATION)}
    newest = client.get("/api/v1/history", params={"after": 0, "limit": 1000}).json()["next_after"]
    response = _link(client, monitor_token, ODF, DEFAMATION, note="Both ask to decriminalise defamation.")
    body = response.json()
    assert body["link"]["recommendation"] == ODF and body["link"]["other"] == DEFAMATION
    assert body["link"]["strength"] == "same_measure"
    assert body["recommendation"]["version"] == before[ODF] + 1
    assert body["other"]["version"] == before[DEFAMATION] + 1
    assert response.headers["etag"] == body["recommendation"]["etag"] == f'"{before[ODF] + 1}"'
    assert body["other"]["etag"] == client.get(f"/api/v1/recommendations/{DEFAMATION}").headers["etag"]

    odf_entry, upr_entry = _history(client, ODF)[-1], _history(client, DEFAMATION)[-1]
    assert odf_entry["kind"] == upr_entry["kind"] == "recommendation_linked"
    assert odf_entry["payload"] == {
        "other": DEFAMATION,
        "other_source": "upr-kz-s20",
        "strength": "same_measure",
        "note": "Both ask to decriminalise defamation.",
    }
    assert upr_entry["payload"]["other"] == ODF and upr_entry["payload"]["other_source"] == "odf-kz-2015"
    assert odf_entry["recorded_at"] == upr_entry["recorded_at"] == body["link"]["linked_at"]
    feed = client.get("/api/v1/history", params={"after": newest}).json()["items"]
    assert [(item["recommendation"], item["kind"]) for item in feed] == [
        (ODF, "recommendation_linked"),  # the lower id first: the seed came before the import
        (DEFAMATION, "recommendation_linked"),
    ]

    # Public readers see the link from both ends, never who made it.
    odf = client.get(f"/api/v1/recommendations/{ODF}").json()
    assert odf["links"] == [
        {
            "code": DEFAMATION,
            "text": "Decriminalise defamation and bring it under civil law.",
            "source": "upr-kz-s20",
            "source_kind": "upr_review",
            "paragraph": "106.12",
            "recommending_states": [
                {"slug": "australia", "label": "Australia"},
                {"slug": "hungary", "label": "Hungary"},
            ],
            "response": "supported",
            "strength": "same_measure",
            "note": "Both ask to decriminalise defamation.",
            "linked_at": body["link"]["linked_at"],
        }
    ]
    upr = client.get(f"/api/v1/recommendations/{DEFAMATION}").json()
    assert [(link["code"], link["source_kind"], link["response"]) for link in upr["links"]] == [
        (ODF, "ngo_report", None)
    ]
    report = _verify(database)
    assert report["ok"] is True, report["state"]["first_discrepancies"]
    assert report["state"]["checked"]["recommendation_links"] == 1

    # Unlinked from the other end: both chains again, the row kept.
    response = _unlink(client, monitor_token, DEFAMATION, ODF, reason="Different measures after all.")
    assert response.json()["recommendation"]["code"] == DEFAMATION
    assert response.headers["etag"] == f'"{before[DEFAMATION] + 2}"'
    assert response.json()["other"]["version"] == before[ODF] + 2
    for code, other in ((ODF, DEFAMATION), (DEFAMATION, ODF)):
        entry = _history(client, code)[-1]
        assert entry["kind"] == "recommendation_unlinked"
        assert entry["payload"] == {"other": other, "reason": "Different measures after all."}
        assert client.get(f"/api/v1/recommendations/{code}").json()["links"] == []
    feed = client.get("/api/v1/history", params={"after": newest}).json()["items"]
    assert [item["kind"] for item in feed] == ["recommendation_linked"] * 2 + ["recommendation_unlinked"] * 2
    page = client.get(f"/recommendations/{ODF}")
    assert page.status_code == 200
    other = f'<a href="/recommendations/{DEFAMATION}">{DEFAMATION}</a>'
    assert f"Linked to {other} (Same measure)." in page.text
    assert f"Unlinked from {other}." in page.text and "Different measures after all." in page.text
    assert _verify(database)["ok"] is True
    _link(client, monitor_token, DEFAMATION, ODF, "related")  # linked again: a new row beside the ended one
    assert _verify(database)["ok"] is True


def test_links_travel_in_a_bundle_and_verify_there(client, monitor_token, database, tmp_path):
    """The bundle restores the link rows after both recommendations (foreign keys) and they verify."""
    _link(client, monitor_token, ODF, DEFAMATION)
    _unlink(client, monitor_token, ODF, DEFAMATION)
    _link(client, monitor_token, DEFAMATION, ODF, "related")
    bundle = tmp_path / "links.jsonl.gz"
    exported = run_cli(database.url, "export", "--out", str(bundle))
    assert exported.returncode == 0, exported.stdout + exported.stderr
    verified = run_cli("sqlite:////nonexistent/never-opened.db", "verify-bundle", str(bundle))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    state = json.loads(verified.stdout)["state"]
    assert state["ok"] is True and state["checked"]["recommendation_links"] == 2


TAMPERINGS = {
    "strength": "UPDATE recommendation_links SET strength = 'related'",
    "note": "UPDATE recommendation_links SET note = 'Edited.'",
    "linked_by": "UPDATE recommendation_links SET linked_by = NULL",
    "deleted": "DELETE FROM recommendation_links",
    "moved": "UPDATE recommendation_links SET other_id = "
    "(SELECT id FROM recommendations WHERE code = :moved)",
    "unlinked": "UPDATE recommendation_links SET unlinked_at = linked_at, unlink_reason = 'Never.'",
}


@pytest.mark.parametrize("case", list(TAMPERINGS))
def test_verify_reports_a_tampered_link_row(case, client, monitor_token, database):
    _link(client, monitor_token, DEFAMATION, ODF, note="Same offence.")
    assert _verify(database)["ok"] is True
    tamper(database.url, TAMPERINGS[case], **({"moved": RELIGION} if case == "moved" else {}))
    report = _verify(database)
    assert report["ok"] is False
    assert set(report["state"]["first_discrepancies"]) == {"recommendation_links"}, report["state"]
    found = report["state"]["first_discrepancies"]["recommendation_links"]
    assert found["code"] in (ODF, DEFAMATION, RELIGION), found


def test_verify_reports_a_link_row_no_entry_records(client, monitor_token, database):
    tamper(
        database.url,
        "INSERT INTO recommendation_links (recommendation_id, other_id, strength, linked_at) "
        "SELECT (SELECT id FROM recommendations WHERE code = :a), "
        "(SELECT id FROM recommendations WHERE code = :b), 'related', '2024-01-01 00:00:00.000000'",
        a=ODF,
        b=ASSEMBLY,
    )
    found = _verify(database)["state"]["first_discrepancies"]["recommendation_links"]
    assert found["code"] == ODF and found["found"] == "an active link no entry records", found


def test_if_match_on_both_sides_and_nothing_written_when_refused(client, monitor_token, database):
    url = f"/api/v1/recommendations/{ODF}/links"
    body = {"other": DEFAMATION, "other_version": _version(client, DEFAMATION), "strength": "related"}
    versions = {code: _version(client, code) for code in (ODF, DEFAMATION)}

    missing = client.post(url, json=body, headers=bearer(monitor_token))
    assert missing.status_code == 428, missing.text

    path_stale = client.post(url, json=body, headers=bearer(monitor_token) | {"If-Match": '"99"'})
    assert path_stale.status_code == 412, path_stale.text
    assert path_stale.headers["content-type"] == "application/problem+json"
    assert path_stale.json()["stale"] == ODF and ODF in path_stale.json()["detail"]
    assert path_stale.headers["etag"] == f'"{versions[ODF]}"'

    etag = {"If-Match": f'"{versions[ODF]}"'}
    other_stale = client.post(url, json=body | {"other_version": 99}, headers=bearer(monitor_token) | etag)
    assert other_stale.status_code == 412, other_stale.text
    assert other_stale.json()["stale"] == DEFAMATION and DEFAMATION in other_stale.json()["detail"]
    assert "etag" not in other_stale.headers  # the path one's ETag did not change: no header to mislead

    unlink = client.request(
        "DELETE",
        f"{url}/{DEFAMATION}",
        json={"reason": "Wrong.", "other_version": versions[DEFAMATION]},
        headers=bearer(monitor_token),
    )
    assert unlink.status_code == 428, unlink.text
    assert {code: _version(client, code) for code in versions} == versions
    with build_engine(database.url).connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM recommendation_links")).scalar_one() == 0
    # The other one changed since the client read it: 412 naming it, and nothing is written.
    _link(client, monitor_token, DEFAMATION, ASSEMBLY, "related")
    stale_read = client.post(
        url,
        json=body | {"other_version": versions[DEFAMATION]},
        headers=bearer(monitor_token) | etag,
    )
    assert stale_read.status_code == 412 and stale_read.json()["stale"] == DEFAMATION
    assert _version(client, ODF) == versions[ODF]
    assert _verify(database)["ok"] is True


def test_what_cannot_be_linked_is_refused(client, monitor_token, database):
    own = _link(client, monitor_token, ODF, ODF, expect=422)
    assert "itself" in own.json()["detail"]
    same_source = _link(client, monitor_token, ODF, ODF_OTHER, expect=422)
    assert "same source" in same_source.json()["detail"]
    unknown = client.post(
        f"/api/v1/recommendations/{ODF}/links",
        json={"other": "upr-kz-s20-9.9", "other_version": 1, "strength": "related"},
        headers=bearer(monitor_token) | {"If-Match": f'"{_version(client, ODF)}"'},
    )
    assert unknown.status_code == 404 and "upr-kz-s20-9.9" in unknown.json()["detail"]
    assert _link(client, monitor_token, ODF, DEFAMATION, "bogus", expect=422).json()["errors"]
    assert _link(client, monitor_token, ODF, DEFAMATION, extra=1, expect=422).json()["errors"]
    _unlink(client, monitor_token, ODF, DEFAMATION, expect=404)

    _link(client, monitor_token, ODF, DEFAMATION)
    for code, other in ((ODF, DEFAMATION), (DEFAMATION, ODF)):
        again = _link(client, monitor_token, code, other, "related", expect=409)
        assert again.headers["content-type"] == "application/problem+json"
    viewer = client.post(
        f"/api/v1/recommendations/{ODF}/links",
        json={"other": RELIGION, "other_version": 1, "strength": "related"},
        headers=bearer(make_token(database.url, "viewer")) | {"If-Match": '"1"'},
    )
    assert viewer.status_code == 403
    assert _verify(database)["ok"] is True


def test_the_list_filters_by_the_pair_of_sources_either_way_and_by_strength(client, monitor_token):
    _link(client, monitor_token, ODF, DEFAMATION)
    _link(client, monitor_token, ASSEMBLY, ODF_OTHER, "related", note="Assemblies.")
    _link(client, monitor_token, RELIGION, ASSEMBLY, "related")
    _link(client, monitor_token, ODF_OTHER, RELIGION)
    _unlink(client, monitor_token, ODF_OTHER, RELIGION)

    def listed(**params) -> list[tuple[str, str, str]]:
        page = client.get("/api/v1/links", params=params)
        assert page.status_code == 200, page.text
        items = page.json()["items"]
        assert page.json()["total"] == len(items)
        return [(item["recommendation"], item["other"], item["strength"]) for item in items]

    assert listed() == [
        (ODF, DEFAMATION, "same_measure"),
        (ODF_OTHER, ASSEMBLY, "related"),
        (RELIGION, ASSEMBLY, "related"),
    ]
    assert listed(source="odf-kz-2015", other_source="upr-kz-s34") == [(ODF_OTHER, ASSEMBLY, "related")]
    assert listed(source="upr-kz-s34", other_source="odf-kz-2015") == [(ASSEMBLY, ODF_OTHER, "related")]
    assert listed(source="upr-kz-s34") == [(ASSEMBLY, ODF_OTHER, "related"), (ASSEMBLY, RELIGION, "related")]
    assert listed(other_source="upr-kz-s20") == [
        (ODF, DEFAMATION, "same_measure"),
        (ASSEMBLY, RELIGION, "related"),
    ]
    assert listed(strength="same_measure") == [(ODF, DEFAMATION, "same_measure")]
    assert listed(source="nowhere") == []
    item = client.get("/api/v1/links", params={"source": "upr-kz-s34", "other_source": "odf-kz-2015"}).json()
    assert item["items"][0] | {"linked_at": None} == {
        "recommendation": ASSEMBLY,
        "source": "upr-kz-s34",
        "other": ODF_OTHER,
        "other_source": "odf-kz-2015",
        "strength": "related",
        "note": "Assemblies.",
        "linked_at": None,
    }
    first = client.get("/api/v1/links", params={"limit": 2}).json()
    second = client.get("/api/v1/links", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [i["recommendation"] for i in first["items"] + second["items"]] == [ODF, ODF_OTHER, RELIGION]
    assert second["next_cursor"] is None and first["total"] == second["total"] == 3
    assert client.get("/api/v1/links", params={"cursor": "not-ours"}).status_code == 400
    assert client.get("/api/v1/links", params={"strength": "weak"}).status_code == 422


def test_two_monitors_linking_one_pair_from_opposite_ends_at_once(database, settings):
    """Both writers reach their claims while another transaction holds the lower row (PostgreSQL) or the write
    lock (SQLite); released, they claim in id order and queue on one row: one link, the other told to re-read.
    Claimed in path order instead, each would hold one row and wait for the other's: a deadlock, a 500."""
    tokens = [make_token(database.url, "monitor", f"Monitor {n}") for n in (1, 2)]
    with TestClient(create_app(settings)) as client:
        requests = [
            (
                f"/api/v1/recommendations/{code}/links",
                {"other": other, "other_version": _version(client, other), "strength": "related"},
                {"If-Match": f'"{_version(client, code)}"'},
            )
            for code, other in ((ODF, DEFAMATION), (DEFAMATION, ODF))
        ]
        statuses: list[int] = []

        def post(index: int) -> None:
            url, body, headers = requests[index]
            statuses.append(client.post(url, json=body, headers=bearer(tokens[index]) | headers).status_code)

        raw, watch = Raw(database.url), Raw(database.url)  # watched from outside: a transaction sees
        try:  # pg_stat_activity as it was when it first looked
            if database.backend == "postgresql":
                raw.db.execute("BEGIN")
                raw.rows("SELECT id FROM recommendations WHERE code = :code FOR UPDATE", {"code": ODF})
            else:
                raw.db.execute("BEGIN IMMEDIATE")
            threads = [threading.Thread(target=post, args=(index,)) for index in (0, 1)]
            for thread in threads:
                thread.start()
            if database.backend == "postgresql":
                _wait_for(lambda: _blocked(watch) == 2)
            else:
                time.sleep(0.5)
            assert not statuses
            raw.db.execute("ROLLBACK")
            for thread in threads:
                thread.join(timeout=60)
        finally:
            raw.close()
            watch.close()
        assert not any(thread.is_alive() for thread in threads), "a link write never finished"
        assert sorted(statuses) == [201, 412], statuses
        linked = client.get(f"/api/v1/recommendations/{ODF}").json()["links"]
        assert [link["code"] for link in linked] == [DEFAMATION]
    assert _verify(database)["ok"] is True


def _blocked(raw: Raw) -> int:
    """How many sessions of this database wait for a lock."""
    sql = (
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0"
    )
    return raw.rows(sql, {})[0][0]


def _wait_for(condition, attempts: int = 600) -> None:
    for _ in range(attempts):
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("the condition never held")


def test_details_and_pages_are_written_as_their_response_models_dump_them(
    client, monitor_token, viewer_token
):
    """The list and the detail are dumped as the service builds them, unvalidated (app/responses.py): byte for
    byte what their response models would write, with links, public and restricted evidence, translations."""
    _link(client, monitor_token, ODF, DEFAMATION, note="Both ask to decriminalise defamation.")
    _link(client, monitor_token, ASSEMBLY, ODF, strength="related")
    evidence = {"url": "https://example.org/synthetic/news/1", "title": "Synthetic news", "kind": "news"}
    link(client, monitor_token, ODF, evidence | {"published_on": "2024-02-01", "relation": "progress"})
    secret = {"url": "https://example.org/synthetic/witness", "title": "Synthetic witness", "kind": "other"}
    link(
        client,
        monitor_token,
        ODF,
        secret | {"relation": "regression", "visibility": "restricted", "note": None},
    )
    pages = [
        {"limit": 50, "lang": "ru"},
        {"limit": 50, "lang": "en"},
        {"limit": 7, "source": "upr-kz-s20"},
        {
            "limit": 5,
            "cursor": client.get("/api/v1/recommendations", params={"limit": 40}).json()["next_cursor"],
        },
    ]
    for headers in ({}, bearer(viewer_token)):
        for code in (ODF, DEFAMATION, ASSEMBLY, ODF_OTHER):
            for lang in ("ru", "en"):
                response = client.get(
                    f"/api/v1/recommendations/{code}", params={"lang": lang}, headers=headers
                )
                assert response.status_code == 200, response.text
                dumped = RecommendationDetailOut.model_validate_json(response.content).model_dump_json()
                assert response.content == dumped.encode()
        titles = [
            item["title"]
            for item in client.get(f"/api/v1/recommendations/{ODF}", headers=headers).json()["evidence"]
        ]
        assert ("Synthetic witness" in titles) == bool(headers) and "Synthetic news" in titles
        for params in pages:
            response = client.get("/api/v1/recommendations", params=params, headers=headers)
            assert response.status_code == 200 and response.json()["items"], response.text
            assert (
                response.content
                == RecommendationPage.model_validate_json(response.content).model_dump_json().encode()
            )
    detail = client.get(f"/api/v1/recommendations/{ODF}", params={"lang": "ru"}).json()
    assert detail["translated_text"] and detail["translation"]["language"] == "ru", "the seed translates ODF"
    assert [item["code"] for item in detail["links"]] == [DEFAMATION, ASSEMBLY]
