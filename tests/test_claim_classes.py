"""Claim gaps by class: one definition in Python and SQL, the same on every surface, filters and pages."""

import json
import re
from datetime import datetime

import pytest
from sqlalchemy import String, literal, select
from sqlmodel import Session

from app.claim_classes import claim_class_sql
from app.db import build_engine
from app.vocabulary import Status, claim_gap_class
from seed.loader import DEFAULT_SEED, read_seed
from tests.support import make_token, run_cli
from tests.test_scorecard import PREFIX, SCORECARD, record

CLASSES = f"{SCORECARD}/claim-gap-classes"
NATURAL_ORDER = [item["code"] for item in read_seed(DEFAULT_SEED)["recommendations"]]
AS_OF = "2024-03-31"
NO_GAPS = {"overclaim": 0, "underclaim": 0, "unassessed": 0}
# (number, state claim, independent status or None), effective 2024-02-01 unless re-dated below.
SCRIPT = [
    ("2.1", "implemented", "partially_implemented"),  # overclaim, not a v1 claim gap
    ("2.2", "partially_implemented", "not_implemented"),  # overclaim and v1 claim gap
    ("2.3", "not_implemented", "implemented"),  # underclaim
    ("2.4", "implemented", None),  # unassessed
    ("2.5", "implemented", "implemented"),  # agree: no gap
    ("3.1", "regressed", "not_implemented"),  # underclaim
    ("3.2", None, "implemented"),  # no claim: no gap
    ("4.1", "implemented", "regressed"),  # overclaim and v1 gap
]


def test_sql_agrees_with_the_definition_for_every_pair(database):
    """The CASE in SQL gives claim_gap_class's answer for every pair of statuses, and for no entry (NULL)."""
    values = [None, *(status.value for status in Status)]
    pairs = [(claimed, independent) for claimed in values for independent in values]
    with Session(build_engine(database.url)) as session:
        for claimed, independent in pairs:
            found = session.scalar(
                select(claim_class_sql(literal(claimed, String), literal(independent, String)))
            )
            expected = claim_gap_class(claimed, independent)
            assert found == (None if expected is None else expected.value), (claimed, independent)


@pytest.fixture(scope="module")
def history(module_client, module_database) -> dict:
    """The script, then 5.1 claimed before AS_OF and assessed after it (unassessed then, overclaim now)."""
    client, t = module_client, make_token(module_database.url, "monitor", "Aigerim Monitor")
    for number, claimed, independent in SCRIPT:
        if claimed is not None:
            record(client, t, number, claimed, "2024-02-01", perspective="state")
        if independent is not None:
            record(client, t, number, independent, "2024-02-01")
    record(client, t, "5.1", "implemented", "2024-01-10", perspective="state")
    record(client, t, "5.1", "not_implemented", "2024-06-01")
    # Recorded later, effective before AS_OF: as known before it, 2.3 was not assessed by the monitors.
    known = record(client, t, "6.1", "partially_implemented", "2023-01-01", perspective="un")["recorded_at"]
    record(client, t, "2.3", "implemented", "2024-03-01", perspective="state")  # agrees from March
    return {"token": t, "known_at": known}


def oracle(client, as_of=None, known_at=None) -> dict[str, str]:
    """Each recommendation's class by claim_gap_class from its full history at the point: code -> class."""
    found = {}
    for code in NATURAL_ORDER:
        entries = client.get(f"/api/v1/recommendations/{code}/history").json()["items"]

        def latest(perspective, entries=entries):
            counted = [
                entry
                for entry in entries
                if entry["kind"] == "assessment"
                and entry["perspective"] == perspective
                and (as_of is None or entry["effective_on"] <= as_of)
                and (known_at is None or _time(entry["recorded_at"]) <= _time(known_at))
            ]
            best = max(counted, key=lambda entry: (entry["effective_on"], entry["seq"]), default=None)
            return best and best["status"]

        gap = claim_gap_class(latest("state"), latest("independent"))
        if gap is not None:
            found[code] = gap.value
    return found


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def tally(classes: dict[str, str]) -> dict[str, int]:
    return {name: list(classes.values()).count(name) for name in NO_GAPS}


def walk(client, limit, **params) -> list[dict]:
    """Every page of claim gaps by class, following next_cursor; the total comes on the first page only."""
    items, cursor, first = [], None, None
    while True:
        response = client.get(
            CLASSES, params=params | {"limit": limit} | ({"cursor": cursor} if cursor else {})
        )
        assert response.status_code == 200, response.text
        page = response.json()
        assert (page["total"] is None) == (cursor is not None)
        first = first or page
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            assert first["total"] == len(items)
            return items
        assert len(items) < 100, "the cursor does not advance"


def points(history) -> list[dict]:
    return [
        {},
        {"as_of": AS_OF},
        {"as_of": AS_OF, "known_at": history["known_at"]},
        {"as_of": AS_OF, "perspective": "un"},
        {"perspective": "state", "group_by": "theme"},
    ]


def test_counts_pages_and_filters_agree_with_the_definition(module_client, history):
    for point in points(history):
        expected = oracle(module_client, point.get("as_of"), point.get("known_at"))
        scorecard = module_client.get(SCORECARD, params=point).json()
        assert scorecard["totals"]["claim_gap_counts"] == tally(expected), point
        if "group_by" not in point:  # sections do not overlap: their counts add up to the totals
            by_section = [group["claim_gap_counts"] for group in scorecard["groups"]]
            assert {name: sum(g[name] for g in by_section) for name in NO_GAPS} == tally(expected)
        paged = {key: value for key, value in point.items() if key != "group_by"}
        walked = walk(module_client, 2, **paged)
        assert {item["code"]: item["gap_class"] for item in walked} == expected, point
        assert [item["code"] for item in walked] == [code for code in NATURAL_ORDER if code in expected]
        for item in walked:
            assert item["claimed"]["perspective"] == "state"
            assert (item["independent"] is None) == (item["gap_class"] == "unassessed")
        for name in NO_GAPS:
            only = walk(module_client, 50, gap_class=name, **paged)
            assert [item["code"] for item in only] == [c for c in NATURAL_ORDER if expected.get(c) == name]
            filtered = module_client.get(SCORECARD, params=point | {"claim_gap": name}).json()["totals"]
            assert filtered["total"] == tally(expected)[name], (point, name)
            assert filtered["claim_gap_counts"] == NO_GAPS | {name: tally(expected)[name]}
        assert module_client.get(SCORECARD, params=point | {"claim_gap": "any"}).json()["totals"][
            "total"
        ] == len(expected)


def test_the_script_gives_every_class(module_client, history):
    now, then = oracle(module_client), oracle(module_client, AS_OF)
    assert now == {
        f"{PREFIX}2.1": "overclaim",
        f"{PREFIX}2.2": "overclaim",
        f"{PREFIX}2.4": "unassessed",
        f"{PREFIX}3.1": "underclaim",
        f"{PREFIX}4.1": "overclaim",
        f"{PREFIX}5.1": "overclaim",
    }
    assert then == now | {f"{PREFIX}5.1": "unassessed"}
    as_known = oracle(module_client, AS_OF, history["known_at"])
    assert as_known == then | {f"{PREFIX}2.3": "underclaim"}
    # The v1 field keeps its meaning: 2.1 (implemented against partially) is no v1 claim gap.
    scorecard = module_client.get(SCORECARD).json()
    assert [gap["code"] for gap in scorecard["claim_gaps"]] == [f"{PREFIX}{n}" for n in ("2.2", "4.1", "5.1")]


def test_the_list_filter_matches_current_statuses(module_client, history):
    expected = oracle(module_client)
    for name in [*NO_GAPS, "any"]:
        response = module_client.get("/api/v1/recommendations", params={"claim_gap": name, "limit": 100})
        assert response.status_code == 200, response.text
        codes = [item["code"] for item in response.json()["items"]]
        wanted = [c for c in NATURAL_ORDER if c in expected and name in ("any", expected[c])]
        assert codes == wanted, name


def test_the_matrix_and_changes_take_the_filter_at_the_point(module_client, history):
    expected = oracle(module_client, AS_OF)
    rows = module_client.get(
        "/api/v1/reports/matrix", params={"format": "json", "as_of": AS_OF, "claim_gap": "unassessed"}
    )
    assert rows.status_code == 200, rows.text
    found = [row["code"] for row in rows.json()["rows"]]
    assert found == [c for c in NATURAL_ORDER if expected.get(c) == "unassessed"] and found


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "query", ["claim_gap=some", "gap_class=any", "gap_class=", "limit=0", "cursor=%%%", "claim_gap=OVERCLAIM"]
)
def test_bad_input_is_a_problem(module_client, query):
    response = module_client.get(f"{CLASSES}?{query}")
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.sqlite_only
def test_etag_and_304(module_client, history):
    first = module_client.get(CLASSES, params={"gap_class": "overclaim"})
    again = module_client.get(
        CLASSES, params={"gap_class": "overclaim"}, headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    other = module_client.get(CLASSES, params={"gap_class": "underclaim"})
    assert other.headers["etag"] != first.headers["etag"]


@pytest.mark.sqlite_only
def test_every_page_agrees(module_client, history):
    """The overview, the API counts and each recommendation page name the same gaps with the same class."""
    expected = oracle(module_client)
    counts = module_client.get(SCORECARD).json()["totals"]["claim_gap_counts"]
    assert counts == tally(expected)
    overview = module_client.get("/").text
    shown = {
        code: name
        for name, code in re.findall(
            r'<li data-gap-class="(\w+)">\s*<a href="/recommendations/([\w.-]+)"', overview
        )
    }
    assert shown == expected
    for name, number in counts.items():
        assert f'id="claim-gap-count-{name}">{number}<' in overview
    for code in NATURAL_ORDER[:20]:
        page = module_client.get(f"/recommendations/{code}").text
        flagged = re.search(r'class="notice gap" data-gap-class="(\w+)"', page)
        assert (flagged and flagged.group(1)) == expected.get(code), code
    listed_page = module_client.get("/recommendations", params={"claim_gap": "overclaim"}).text
    assert (
        f"/recommendations/{PREFIX}2.1" in listed_page and f"/recommendations/{PREFIX}3.1" not in listed_page
    )
    assert 'name="claim_gap"' in listed_page


def test_the_cli_takes_the_filter(module_client, module_database, history, tmp_path):
    expected = oracle(module_client, AS_OF)
    run = run_cli(
        module_database.url, "scorecard", "--as-of", AS_OF, "--claim-gap", "overclaim", "--format", "json"
    )
    assert run.returncode == 0, run.stderr
    totals = json.loads(run.stdout)["totals"]
    assert totals["total"] == tally(expected)["overclaim"] == totals["claim_gap_counts"]["overclaim"]
    table = run_cli(module_database.url, "scorecard", "--as-of", AS_OF)
    assert table.returncode == 0, table.stderr
    assert f"The state claims more: {tally(expected)['overclaim']}" in table.stdout
    out = tmp_path / "matrix.csv"
    args = ("report", "matrix", "--format", "csv", "--out", str(out), "--as-of", AS_OF)
    made = run_cli(module_database.url, *args, "--claim-gap", "unassessed")
    assert made.returncode == 0, made.stderr
    text = out.read_text(encoding="utf-8-sig")
    assert [code for code in NATURAL_ORDER if code in text] == [
        code for code in NATURAL_ORDER if expected.get(code) == "unassessed"
    ]
    bad = run_cli(module_database.url, "scorecard", "--claim-gap", "sometimes")
    assert bad.returncode == 2 and "--claim-gap" in bad.stderr


@pytest.mark.sqlite_only
def test_the_matrix_page_filters_by_claim_gap(module_client, history):
    expected = oracle(module_client)
    page = module_client.get("/matrix", params={"claim_gap": "underclaim"})
    assert page.status_code == 200 and 'name="claim_gap"' in page.text
    shown = [code for code in NATURAL_ORDER if f'href="/recommendations/{code}"' in page.text]
    assert shown == [code for code in NATURAL_ORDER if expected.get(code) == "underclaim"] and shown
