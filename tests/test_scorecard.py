"""Scorecards from a scripted history: as_of, known_at and backfills, perspectives, groups, gaps, ETags."""

from datetime import UTC, datetime

import pytest

from seed.loader import DEFAULT_SEED, read_seed
from tests.support import assess, bearer, link, make_token

PREFIX = "odf-kz-2015-"
SCORECARD = "/api/v1/scorecard"
CURATED = {item["code"]: item for item in read_seed(DEFAULT_SEED)["recommendations"]}
STATUSES = ["not_assessed", "not_implemented", "partially_implemented", "implemented", "regressed"]


def record(client, token, code, status, effective_on, perspective="independent", summary=None):
    """Assess PREFIX + code through the API, as a monitor would; returns the history entry."""
    body = {
        "status": status,
        "perspective": perspective,
        "effective_on": effective_on,
        "summary": summary or f"{perspective} view of {code}: {status} from {effective_on}.",
    }
    return assess(client, token, f"{PREFIX}{code}", body).json()["entry"]


def add_evidence(client, token, code, title, relation, *, visibility="public", published_on=None):
    """Link a new evidence item to PREFIX + code through the API; returns the response body."""
    slug = "".join(ch for ch in title.lower() if ch.isalnum())[:40]
    body = {
        "url": f"https://example.org/{slug}",
        "title": title,
        "kind": "news",
        "relation": relation,
        "visibility": visibility,
        "published_on": published_on,
    }
    return link(client, token, f"{PREFIX}{code}", body).json()


def unlink(client, token, code, evidence_id):
    """Unlink an evidence item through the API."""
    url = f"/api/v1/recommendations/{PREFIX}{code}"
    etag = client.get(url).headers["etag"]
    response = client.delete(
        f"{url}/evidence/{evidence_id}",
        params={"reason": "Wrong item."},
        headers=bearer(token) | {"If-Match": etag},
    )
    assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def history(module_client, module_database):
    """The scripted history, recorded once for the tests that only read it (through `module_client`).

    Returns recording times to use as known_at.
    """
    client, t = module_client, make_token(module_database.url, "monitor", "Aigerim Monitor")
    record(client, t, "2.1", "not_implemented", "2023-03-01")
    record(client, t, "2.1", "partially_implemented", "2024-03-01")
    record(client, t, "2.2", "implemented", "2024-06-01")
    record(client, t, "2.3", "regressed", "2024-01-15")
    record(client, t, "2.1", "implemented", "2024-02-01", perspective="state")
    k1 = record(client, t, "3.1", "partially_implemented", "2023-06-01")["recorded_at"]
    # Backfills: recorded now, effective before entries recorded earlier.
    record(client, t, "2.2", "not_implemented", "2023-01-10")
    record(client, t, "2.1", "regressed", "2023-12-01")
    record(client, t, "2.4", "partially_implemented", "2024-05-01", perspective="state")
    record(client, t, "2.4", "not_implemented", "2024-04-01")
    record(client, t, "2.3", "implemented", "2024-02-01", perspective="un")
    record(client, t, "2.3", "implemented", "2024-03-01", perspective="state")
    progress = add_evidence(client, t, "2.2", "New law adopted", "progress", published_on="2024-05-30")
    regression = add_evidence(
        client,
        t,
        "3.1",
        "Witness statement",
        "regression",
        visibility="restricted",
        published_on="2024-02-01",
    )
    k2 = regression["entry"]["recorded_at"]
    record(client, t, "2.1", "implemented", "2025-03-01")
    unlink(client, t, "2.2", progress["evidence"]["id"])
    return {"k1": k1, "k2": k2}


def card(client, headers=None, **params):
    response = client.get(SCORECARD, params=params, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


def group(scorecard, key):
    [found] = [g for g in scorecard["groups"] if g["key"] == key]
    return found


def counts(**nonzero):
    return {status: nonzero.get(status, 0) for status in STATUSES}


@pytest.mark.usefixtures("history")
def test_as_of_end_of_2023(module_client):
    scorecard = card(module_client, as_of="2023-12-31")
    assert scorecard["as_of"] == "2023-12-31" and scorecard["perspective"] == "independent"
    assert [g["key"] for g in scorecard["groups"]] == ["2", "3", "4", "5", "6", "7"]
    # 2.1 regressed (backfilled 2023-12-01), 2.2 not implemented (backfilled), 2.3-2.5 not yet assessed.
    assert group(scorecard, "2") == {
        "key": "2",
        "label": "Legislative measures",
        "source": "odf-kz-2015",
        "total": 5,
        "by_status": counts(not_assessed=3, not_implemented=1, regressed=1),
        "assessed": 2,
        "score": 0.0,
        "regressions": 1,
        "evidence_coverage": 0.0,
        "stale": 3,
        "commitments": dict.fromkeys(
            ("committed", "partially", "not_implemented_or_regressed", "not_assessed", "noted"), 0
        ),
        "claim_gap_counts": {"overclaim": 0, "underclaim": 0, "unassessed": 0},  # no claim by then
    }
    section3 = group(scorecard, "3")
    assert section3["by_status"] == counts(not_assessed=3, partially_implemented=1)
    assert (section3["assessed"], section3["score"], section3["stale"]) == (1, 0.5, 3)
    totals = scorecard["totals"]
    assert totals["total"] == 43 and totals["assessed"] == 3
    assert totals["by_status"] == counts(
        not_assessed=40, not_implemented=1, partially_implemented=1, regressed=1
    )
    assert totals["score"] == round(0.5 / 3, 4) and totals["regressions"] == 1
    assert scorecard["claim_gaps"] == []
    assert group(scorecard, "5")["score"] is None and group(scorecard, "5")["assessed"] == 0


@pytest.mark.usefixtures("history")
def test_as_of_end_of_2024_with_staleness_and_claim_gaps(module_client):
    scorecard = card(module_client, as_of="2024-12-31")
    section2 = group(scorecard, "2")
    assert section2["by_status"] == counts(
        not_assessed=1, not_implemented=1, partially_implemented=1, implemented=1, regressed=1
    )
    assert (section2["assessed"], section2["score"], section2["regressions"]) == (4, 0.375, 1)
    assert section2["stale"] == 1  # only 2.5: every other was assessed in 2024
    assert group(scorecard, "3")["stale"] == 4  # 3.1 last assessed 2023-06-01, more than 365 days before
    assert scorecard["totals"]["score"] == 0.4
    # The progress link on 2.2 was removed since: without known_at, links are as they stand now.
    assert section2["evidence_coverage"] == 0.0
    gaps = {gap["code"]: gap for gap in scorecard["claim_gaps"]}
    assert list(gaps) == [f"{PREFIX}2.3", f"{PREFIX}2.4"]
    gap = gaps[f"{PREFIX}2.4"]
    assert gap["claimed"]["status"] == "partially_implemented" and gap["claimed"]["perspective"] == "state"
    assert gap["claimed"]["effective_on"] == "2024-05-01"
    assert (
        gap["independent"]["status"] == "not_implemented"
        and gap["independent"]["effective_on"] == "2024-04-01"
    )
    assert gap["independent"]["summary"].startswith("independent view of 2.4")
    assert gaps[f"{PREFIX}2.3"]["independent"]["status"] == "regressed"
    shorter = card(module_client, as_of="2024-12-31", stale_after_days=300)
    assert group(shorter, "2")["stale"] == 3  # 2.1 (2024-03-01), 2.3 (2024-01-15) and 2.5


def test_known_at_reproduces_what_was_known_before_the_backfills(module_client, history):
    scorecard = card(module_client, as_of="2023-12-31", known_at=history["k1"])
    assert scorecard["known_at"] == history["k1"].replace("+00:00", "Z")
    section2 = group(scorecard, "2")
    # Before the backfills: 2.1 not implemented (2023-03-01), 2.2 not assessed as of 2023.
    assert section2["by_status"] == counts(not_assessed=4, not_implemented=1)
    assert (section2["score"], section2["regressions"]) == (0.0, 0)
    totals = scorecard["totals"]
    assert totals["by_status"] == counts(not_assessed=41, not_implemented=1, partially_implemented=1)
    assert totals["score"] == 0.25
    later = card(module_client, known_at=history["k1"])
    # 2.1 partially (2024-03-01), 2.2 implemented, 2.3 regressed; 2.4 and 2.5 were not yet assessed.
    assert group(later, "2")["by_status"] == counts(
        not_assessed=2, partially_implemented=1, implemented=1, regressed=1
    )
    assert later["claim_gaps"] == []  # the state's claim on 2.1 vs partially implemented is no gap
    assert later["as_of"] == history["k1"][:10]


def test_known_at_counts_evidence_linked_then(module_client, module_viewer_token, history):
    public = card(module_client, as_of="2024-12-31", known_at=history["k2"])
    assert group(public, "2")["evidence_coverage"] == 0.2  # 2.2's progress link, unlinked only later
    assert group(public, "3")["evidence_coverage"] == 0.0  # the restricted item is not counted for the public
    viewer = card(module_client, bearer(module_viewer_token), as_of="2024-12-31", known_at=history["k2"])
    assert group(viewer, "3")["evidence_coverage"] == 0.25
    assert [gap["code"] for gap in public["claim_gaps"]] == [f"{PREFIX}2.3", f"{PREFIX}2.4"]
    before_publication = card(module_client, as_of="2024-05-01", known_at=history["k2"])
    assert group(before_publication, "2")["evidence_coverage"] == 0.0  # published 2024-05-30


@pytest.mark.usefixtures("history")
def test_current_scorecard_and_perspectives(module_client):
    current = card(module_client)
    assert current["as_of"] == datetime.now(UTC).date().isoformat() and current["known_at"] is None
    section2 = group(current, "2")
    assert section2["by_status"] == counts(not_assessed=1, not_implemented=1, implemented=2, regressed=1)
    assert section2["score"] == 0.5 and section2["evidence_coverage"] == 0.0
    assert [gap["code"] for gap in current["claim_gaps"]] == [f"{PREFIX}2.3", f"{PREFIX}2.4"]
    state = card(module_client, perspective="state")
    assert group(state, "2")["by_status"] == counts(not_assessed=2, partially_implemented=1, implemented=2)
    assert group(state, "2")["score"] == round(2.5 / 3, 4)
    un = card(module_client, perspective="un")
    assert group(un, "2")["by_status"] == counts(not_assessed=4, implemented=1)
    assert un["totals"]["assessed"] == 1 and un["totals"]["score"] == 1.0
    formula = current["formula"]
    assert formula["weights"] == {
        "implemented": 1.0,
        "partially_implemented": 0.5,
        "not_implemented": 0.0,
        "regressed": 0.0,
    }
    assert formula["excluded"] == ["not_assessed"] and "UPR Info" in formula["source"]


@pytest.mark.usefixtures("history")
def test_denormalised_fast_path_matches_the_history(module_client):
    today, now = datetime.now(UTC).date().isoformat(), datetime.now(UTC).isoformat()
    for group_by in ("section", "theme", "addressee", "sdg", "status", "source"):
        for perspective in ("independent", "state", "un"):
            fast = card(module_client, group_by=group_by, perspective=perspective)
            derived = card(
                module_client, group_by=group_by, perspective=perspective, as_of=today, known_at=now
            )
            assert fast.pop("known_at") is None and derived.pop("known_at") is not None
            assert fast == derived, (group_by, perspective)
    for status in STATUSES:
        derived = card(module_client, status=status, as_of=today)
        assert card(module_client, status=status) == derived | {"as_of": today}


@pytest.mark.usefixtures("history")
def test_group_by_status_lists_all_five(module_client):
    scorecard = card(module_client, group_by="status", as_of="2024-12-31")
    assert [g["key"] for g in scorecard["groups"]] == STATUSES
    assert [g["total"] for g in scorecard["groups"]] == [38, 1, 2, 1, 1]
    assert group(scorecard, "partially_implemented")["label"] == "Partially implemented"
    assert group(scorecard, "partially_implemented")["score"] == 0.5


@pytest.mark.usefixtures("history")
def test_group_by_category_overlaps_and_totals_count_once(module_client):
    expected_status = {"2.1": "partially_implemented", "2.2": "implemented", "2.3": "regressed"}
    expected_status |= {"2.4": "not_implemented", "3.1": "partially_implemented"}
    for kind, field in (("theme", "themes"), ("addressee", "addressees"), ("sdg", "sdg")):
        scorecard = card(module_client, group_by=kind, as_of="2024-12-31")
        assert scorecard["totals"]["total"] == 43
        for item in scorecard["groups"]:
            members = [code for code, rec in CURATED.items() if item["key"] in rec.get(field, [])]
            if item["key"] is None:
                members = [code for code, rec in CURATED.items() if not rec.get(field)]
            assert item["total"] == len(members), (kind, item["key"])
            statuses = [expected_status.get(code.removeprefix(PREFIX), "not_assessed") for code in members]
            assert item["by_status"] == {status: statuses.count(status) for status in STATUSES}
        assert sum(g["total"] for g in scorecard["groups"]) >= 43


@pytest.mark.usefixtures("history")
def test_group_by_source(module_client):
    scorecard = card(module_client, group_by="source", as_of="2024-12-31")
    [only] = scorecard["groups"]
    assert only["key"] == "odf-kz-2015" and only["total"] == 43 and only["score"] == 0.4


@pytest.mark.usefixtures("history")
def test_filters_apply_and_status_means_status_as_of(module_client):
    assert card(module_client, status="regressed", as_of="2023-12-31")["totals"]["total"] == 1  # 2.1 then
    assert card(module_client, status="regressed")["totals"]["total"] == 1  # 2.3 now
    partial = card(module_client, status="partially_implemented", as_of="2024-12-31")
    assert partial["totals"]["total"] == 2 and [g["key"] for g in partial["groups"]] == ["2", "3"]
    section2 = card(module_client, section=2, as_of="2024-12-31")
    assert section2["totals"]["total"] == 5 and len(section2["groups"]) == 1
    assert card(module_client, source="no-such-source")["totals"]["total"] == 0
    assert card(module_client, source="no-such-source")["totals"]["score"] is None
    gaps = card(module_client, section=3)["claim_gaps"]
    assert gaps == []


def test_changes_between_two_dates(module_client, history):
    response = module_client.get(
        f"{SCORECARD}/changes", params={"since": "2023-12-31", "until": "2024-12-31"}
    )
    assert response.status_code == 200 and response.headers["etag"].startswith('W/"')
    body = response.json()
    changes = {item["code"].removeprefix(PREFIX): item for item in body["changes"]}
    assert body["total"] == 4 and list(changes) == ["2.1", "2.2", "2.3", "2.4"]
    assert (changes["2.1"]["before"], changes["2.1"]["after"]) == ("regressed", "partially_implemented")
    assert [e["effective_on"] for e in changes["2.1"]["entries"]] == ["2024-03-01"]
    assert (changes["2.2"]["before"], changes["2.2"]["after"]) == ("not_implemented", "implemented")
    assert (changes["2.3"]["before"], changes["2.3"]["after"]) == ("not_assessed", "regressed")
    assert [e["status"] for e in changes["2.4"]["entries"]] == ["not_implemented"]
    known = module_client.get(
        f"{SCORECARD}/changes",
        params={"since": "2023-12-31", "until": "2024-12-31", "known_at": history["k1"]},
    ).json()
    assert [(c["code"][-3:], c["before"], c["after"]) for c in known["changes"]] == [
        ("2.1", "not_implemented", "partially_implemented"),
        ("2.2", "not_assessed", "implemented"),
        ("2.3", "not_assessed", "regressed"),
    ]
    state = module_client.get(
        f"{SCORECARD}/changes", params={"since": "2023-12-31", "perspective": "state"}
    ).json()
    assert state["until"] == datetime.now(UTC).date().isoformat()
    assert [(c["code"][-3:], c["after"]) for c in state["changes"]] == [
        ("2.1", "implemented"),
        ("2.3", "implemented"),
        ("2.4", "partially_implemented"),
    ]


def test_etag_and_if_none_match(client, monitor_token, viewer_token):
    first = client.get(SCORECARD)
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and first.headers["cache-control"] == "no-cache"
    assert "Authorization" in first.headers["vary"]
    cached = client.get(SCORECARD, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b"" and cached.headers["etag"] == etag
    assert client.get(SCORECARD, headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    assert client.get(SCORECARD, params={"group_by": "theme"}).headers["etag"] != etag
    assert client.get(SCORECARD, headers=bearer(viewer_token)).headers["etag"] != etag
    csv_etag = client.get(SCORECARD, params={"format": "csv"}).headers["etag"]
    assert csv_etag != etag
    assert (
        client.get(SCORECARD, params={"format": "csv"}, headers={"If-None-Match": csv_etag}).status_code
        == 304
    )
    record(client, monitor_token, "5.1", "implemented", "2024-01-01")
    after = client.get(SCORECARD, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag
    naive = client.get(SCORECARD, params={"known_at": "2025-01-01T10:00:00"}).headers["etag"]
    assert naive == client.get(SCORECARD, params={"known_at": "2025-01-01T12:00:00+02:00"}).headers["etag"]


@pytest.mark.usefixtures("history")
def test_scorecard_csv(module_client):
    response = module_client.get(SCORECARD, params={"format": "csv", "as_of": "2024-12-31"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["content-disposition"] == 'attachment; filename="rectrack-scorecard-2024-12-31.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    lines = response.content.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("Group,Label,Source,Recommendations,Implemented")
    assert lines[0].endswith(
        'Stale,Committed at the UPR,"Committed, partially supported only",'
        "Commitments not implemented or regressed,Commitments not assessed,Noted at the UPR"
    )
    # No recommendation is linked to a UPR recommendation: no commitments.
    assert lines[1] == "2,Legislative measures,odf-kz-2015,5,1,1,1,1,1,0.375,0.0,1,0,0,0,0,0"
    assert lines[7].startswith("total,All recommendations,,43,1,2,1,1,38,0.4,")


@pytest.mark.parametrize(
    "params",
    [
        {"as_of": "2999-01-01"},
        {"as_of": "yesterday"},
        {"known_at": "not a time"},
        {"known_at": "0001-01-01T00:00:00+01:00"},
        {"perspective": "other"},
        {"group_by": "colour"},
        {"stale_after_days": -1},
        {"format": "pdf"},
        {"status": "done"},
        {"sdg": "\x00"},
        {"q": "a\x00b"},
    ],
)
def test_bad_parameters_are_422_problems(shared_client, params):
    response = shared_client.get(SCORECARD, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "params", [{"since": "2025-01-02", "until": "2025-01-01"}, {}, {"since": "2999-01-01"}]
)
def test_bad_changes_parameters_are_422_problems(shared_client, params):
    response = shared_client.get(f"{SCORECARD}/changes", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.sqlite_only
def test_openapi_documents_the_shapes(shared_client):
    schema = shared_client.get("/openapi.json").json()
    operation = schema["paths"]["/api/v1/scorecard"]["get"]
    assert list(operation["responses"]["200"]["content"]) == ["application/json"]
    csv = schema["paths"]["/api/v1/scorecard.csv"]["get"]["responses"]["200"]["content"]
    assert list(csv) == ["text/csv; charset=utf-8"]
    assert "304" in operation["responses"]
    components = schema["components"]["schemas"]
    assert components["ScorecardOut"]["examples"][0]["groups"][0]["key"] == "2"
    assert "examples" in components["ChangesOut"]
