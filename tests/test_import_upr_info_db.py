"""A UPR Info export in Mac Roman with bare CR line ends, of several states and sessions, imported as an admin
would: a source per state and session, every row as written, again without duplicates, then filtered."""

import json

import pytest

from app.imports.identity import recommending_state_slug
from tests.import_fixtures import UPR_ROWS, upr_info_file
from tests.support import run_cli


@pytest.fixture
def imported(database, tmp_path):
    path, rows = upr_info_file(tmp_path, "mac_roman", "\r")
    run = run_cli(database.url, "import", "upr-info", str(path), "--json")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout), path, rows


def _all(client, **params):
    items, cursor = [], None
    while True:
        page = client.get("/api/v1/recommendations", params=params | ({"cursor": cursor} if cursor else {}))
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if not cursor:
            return items


def test_each_row_arrives_as_written_in_its_own_source(imported, client):
    report, _, rows = imported
    assert report["encoding"] == "mac_roman" and report["applied"]
    assert report["new"] == len(UPR_ROWS) and not report["refused"]
    sources = {source["slug"]: source for source in client.get("/api/v1/sources").json()}
    assert {row.slug for row in UPR_ROWS} <= set(sources)
    for line, row in rows:
        found = [item for item in _all(client, source=row.slug) if item["text"] == row.text]
        assert len(found) == 1, (line, row.text)
        item = found[0]
        assert item["source"] == row.slug
        labels = [state["label"] for state in item["recommending_states"]]
        assert sorted(labels) == sorted(row.recommending_states)
        assert (item["response"], item["response_original"], item["action_category"]) == (
            row.response,
            row.response_original,
            row.action_category,
        )
        source = sources[row.slug]
        assert (source["state_under_review"], source["session"], source["cycle"], source["kind"]) == (
            row.state,
            row.session,
            row.cycle,
            "upr_review",
        )


def test_importing_again_adds_nothing(imported, database, client):
    _, path, _ = imported
    before = client.get("/api/v1/recommendations").json()["total"]
    again = run_cli(database.url, "import", "upr-info", str(path), "--json")
    report = json.loads(again.stdout)
    assert (report["new"], report["unchanged"]) == (0, len(UPR_ROWS))
    assert client.get("/api/v1/recommendations").json()["total"] == before
    assert run_cli(database.url, "verify").returncode == 0


def test_the_list_and_the_scorecard_filter_by_source_state_and_response(imported, client):
    row = next(row for row in UPR_ROWS if len(row.recommending_states) > 1 and row.response)
    state = recommending_state_slug(row.recommending_states[0])
    by_state = _all(client, recommending_state=state)
    assert by_state and all(state in [s["slug"] for s in item["recommending_states"]] for item in by_state)
    expected = sum(1 for r in UPR_ROWS if r.slug == row.slug and r.response == row.response)
    narrowed = _all(client, source=row.slug, response=row.response)
    assert len(narrowed) == expected
    scorecard = client.get("/api/v1/scorecard", params={"source": row.slug, "group_by": "response"}).json()
    groups = {group["key"]: group["total"] for group in scorecard["groups"]}
    assert groups[row.response] == expected
    by_recommender = client.get(
        "/api/v1/scorecard", params={"group_by": "recommending_state", "recommending_state": state}
    ).json()
    assert by_recommender["totals"]["total"] == len(by_state)


def test_the_command_line_takes_the_new_filters(imported, database):
    row = next(row for row in UPR_ROWS if row.response)
    run = run_cli(
        database.url,
        "scorecard",
        "--format",
        "json",
        "--group-by",
        "response",
        "--source",
        row.slug,
        "--response",
        row.response,
    )
    assert run.returncode == 0, run.stderr
    expected = sum(1 for r in UPR_ROWS if r.slug == row.slug and r.response == row.response)
    assert json.loads(run.stdout)["totals"]["total"] == expected
