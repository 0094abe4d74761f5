"""The commitment gap computed by hand for a small scripted case: a UPR review whose responses change, ODF
recommendations linked to it (same measure, related, one unlinked later), assessed; as of dates and known at
times; the paged endpoint, the matrix's column in every format, and the web pages."""

import csv
import io
import json
import time
from datetime import UTC, date, datetime

import docx
import openpyxl
import pytest
from sqlmodel import Session

from app.db import build_engine, write_engine
from app.imports.apply import ApplyOptions, apply_import
from app.imports.rows import ImportedRow, ReadResult, SourceSpec
from app.vocabulary import Response, SourceKind
from tests.support import assess, bearer, make_token, run_cli

UPR = SourceSpec(
    slug="upr-kz-s20",
    kind=SourceKind.upr_review,
    title="Universal Periodic Review of Kazakhstan, session 20",
    publisher="UN Human Rights Council",
    state_under_review="Kazakhstan",
    cycle=2,
    session=20,
    reviewed_on=date(2014, 10, 30),
    document_symbol="A/HRC/28/10",
)
U = "upr-kz-s20-1."
ODF = "odf-kz-2015-"
DEFAME = "Decriminalise defamation and move it to the Civil Code."
REGISTER = "Simplify the registration of public associations and lift the ban on unregistered ones."
INSULT = "Repeal the criminal offences of insulting and libelling officials."
RELIGION = "Revise the Law on Religious Activity so that small religious groups can register."
SCORECARD = "/api/v1/scorecard"
COMMITMENTS = "/api/v1/scorecard/commitments"
FIELDS = ("committed", "partially", "not_implemented_or_regressed", "not_assessed", "noted")


def _upr_rows(defamation: Response, word: str) -> list[ImportedRow]:
    """U1 defamation (pending at the review, supported later), U2 registration (supported), U3 insult
    (noted), U4 religion (partially supported)."""
    row = {"source": UPR, "action_category": 5}
    return [
        ImportedRow(
            line=2,
            text=DEFAME,
            paragraph="106.1",
            recommending_states=("Hungary", "Australia"),
            response=defamation,
            response_original=word,
            **row,
        ),
        ImportedRow(
            line=3,
            text=REGISTER,
            paragraph="106.2",
            recommending_states=("Estonia", "Latvia"),
            response=Response.supported,
            response_original="Accepted",
            **row,
        ),
        ImportedRow(
            line=4,
            text=INSULT,
            paragraph="106.3",
            recommending_states=("Norway",),
            response=Response.noted,
            response_original="Noted",
            **row,
        ),
        ImportedRow(
            line=5,
            text=RELIGION,
            paragraph="106.4",
            recommending_states=("Canada",),
            response=Response.partially_supported,
            response_original="Partially accepted",
            **row,
        ),
    ]


def _import(url: str, rows: list[ImportedRow], **options) -> None:
    engine = build_engine(url)
    with Session(write_engine(engine)) as session:
        report = apply_import(
            session,
            ReadResult(format="test", rows=rows),
            ApplyOptions(filename="t.csv", file_sha256="0" * 64, **options),
        )
        assert report.applied
        session.commit()
    engine.dispose()


def _version(client, code: str) -> int:
    return int(client.get(f"/api/v1/recommendations/{code}").headers["etag"].strip('"'))


def _link(client, token: str, code: str, other: str, strength: str) -> None:
    """Link through the API, as a monitor does: both versions read just before."""
    response = client.post(
        f"/api/v1/recommendations/{code}/links",
        json={"other": other, "other_version": _version(client, other), "strength": strength},
        headers=bearer(token) | {"If-Match": f'"{_version(client, code)}"'},
    )
    assert response.status_code == 201, response.text


def _unlink(client, token: str, code: str, other: str, reason: str) -> None:
    response = client.request(
        "DELETE",
        f"/api/v1/recommendations/{code}/links/{other}",
        json={"reason": reason, "other_version": _version(client, other)},
        headers=bearer(token) | {"If-Match": f'"{_version(client, code)}"'},
    )
    assert response.status_code == 200, response.text


def _now() -> str:
    time.sleep(0.01)
    moment = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    return moment


@pytest.fixture(scope="module")
def scripted(module_client, module_database) -> dict[str, str]:
    """The history below, recorded once; returns the times between its steps.

    1. The review imported: U1 pending, U2 supported, U3 noted, U4 partially supported.   (before_links)
    2. Linked: 4.1 ~ U1 and U3, 2.2 ~ U2, 2.1 related to U2, 7.5 ~ U3, 2.4 ~ U4, 7.10 ~ U2.   (linked)
    3. A second import: U1 supported from 2015-03-01.
    4. Assessed: 4.1 not implemented (2016-01-01; the state claims it implemented), 2.2 regressed
       (2016-06-01), 2.1, 7.5 and 7.10 not implemented (2016-01-01); 2.4 never.   (assessed)
    5. 7.10 ~ U2 unlinked.
    """
    url = module_database.url
    token = make_token(url, "monitor", "Aigerim Monitor")
    _import(url, _upr_rows(Response.pending, "Pending"))
    before_links = _now()
    for a, b, strength in (
        (f"{ODF}4.1", f"{U}1", "same_measure"),
        (f"{ODF}4.1", f"{U}3", "same_measure"),
        (f"{ODF}2.2", f"{U}2", "same_measure"),
        (f"{ODF}2.1", f"{U}2", "related"),
        (f"{ODF}7.5", f"{U}3", "same_measure"),
        (f"{ODF}2.4", f"{U}4", "same_measure"),
        (f"{ODF}7.10", f"{U}2", "same_measure"),
    ):
        _link(module_client, token, a, b, strength)
    linked = _now()
    _import(url, _upr_rows(Response.supported, "Accepted"), responses_on=date(2015, 3, 1))
    for code, status, on, perspective in (
        ("4.1", "not_implemented", "2016-01-01", "independent"),
        ("4.1", "implemented", "2016-02-01", "state"),
        ("2.2", "regressed", "2016-06-01", "independent"),
        ("2.1", "not_implemented", "2016-01-01", "independent"),
        ("7.5", "not_implemented", "2016-01-01", "independent"),
        ("7.10", "not_implemented", "2016-01-01", "independent"),
    ):
        body = {
            "status": status,
            "effective_on": on,
            "summary": f"{code}: {status}",
            "perspective": perspective,
        }
        assess(module_client, token, f"{ODF}{code}", body)
    assessed = _now()
    _unlink(
        module_client, token, f"{ODF}7.10", f"{U}2", "The same measure as 2.2's; linked twice by mistake."
    )
    return {"before_links": before_links, "linked": linked, "assessed": assessed}


def _get(client, path, **params):
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response


def _card(client, **params) -> dict:
    return _get(client, SCORECARD, **params).json()


def _counts(committed=0, partially=0, broken=0, not_assessed=0, noted=0) -> dict[str, int]:
    return dict(zip(FIELDS, (committed, partially, broken, not_assessed, noted), strict=True))


def _broken(scorecard) -> list[str]:
    return [item["code"] for item in scorecard["commitment_gaps"]]


# By hand. Now: 4.1 (U1 supported, not implemented), 2.2 (U2, regressed) broken; 2.4 (U4 partially
# supported) committed, not assessed; 7.5 linked only to the noted U3; 2.1 only related; 7.10 unlinked.
NOW = _counts(committed=3, partially=1, broken=2, not_assessed=1, noted=1)


@pytest.mark.usefixtures("scripted")
@pytest.mark.parametrize(
    ("point", "expected", "broken"),
    [
        ({}, NOW, [f"{ODF}2.2", f"{ODF}4.1"]),
        ({"as_of": "2016-12-31"}, NOW, [f"{ODF}2.2", f"{ODF}4.1"]),
        # Before 2015-03-01, U1 was pending: 4.1 asked what the state noted (U3), no commitment yet.
        ({"as_of": "2015-01-01"}, _counts(committed=2, partially=1, not_assessed=2, noted=2), []),
        # Supported by then, but assessed only in 2016.
        ({"as_of": "2015-12-31"}, _counts(committed=3, partially=1, not_assessed=3, noted=1), []),
        # Before the review there was no response at all.
        ({"as_of": "2014-01-01"}, _counts(), []),
    ],
)
def test_commitments_as_of_a_date(module_client, point, expected, broken):
    scorecard = _card(module_client, **point)
    assert scorecard["totals"]["commitments"] == expected
    assert scorecard["commitment_gaps_total"] == expected["not_implemented_or_regressed"]
    assert _broken(scorecard) == broken and scorecard["commitment_gaps_next"] is None


def test_commitments_known_at_a_time(module_client, scripted):
    # Before any link: nothing is committed, whatever the responses.
    assert _card(module_client, known_at=scripted["before_links"])["totals"]["commitments"] == _counts()
    # Linked, but U1 was still pending as known then, and nothing was assessed yet.
    linked = _card(module_client, known_at=scripted["linked"])
    assert linked["totals"]["commitments"] == _counts(committed=3, partially=1, not_assessed=3, noted=2)
    # Assessed, and 7.10 still linked: three broken.
    assessed = _card(module_client, known_at=scripted["assessed"])
    assert assessed["totals"]["commitments"] == _counts(
        committed=4, partially=1, broken=3, not_assessed=1, noted=1
    )
    assert _broken(assessed) == [f"{ODF}2.2", f"{ODF}4.1", f"{ODF}7.10"]
    # Known now (after the unlink), the same as the current scorecard.
    now = _card(module_client, known_at=datetime.now(UTC).isoformat())
    assert now["totals"]["commitments"] == NOW and _broken(now) == [f"{ODF}2.2", f"{ODF}4.1"]


@pytest.mark.usefixtures("scripted")
def test_commitments_per_group_and_perspective(module_client):
    groups = {group["key"]: group["commitments"] for group in _card(module_client)["groups"]}
    assert groups["2"] == _counts(committed=2, partially=1, broken=1, not_assessed=1)
    assert groups["4"] == _counts(committed=1, broken=1)
    assert groups["7"] == _counts(noted=1)
    assert groups["3"] == groups["5"] == groups["6"] == _counts()
    by_source = {
        group["key"]: group["commitments"] for group in _card(module_client, group_by="source")["groups"]
    }
    # A UPR recommendation is never committed by its own links: it is what commits.
    assert by_source == {"odf-kz-2015": NOW, "upr-kz-s20": _counts()}
    by_status = {
        group["key"]: group["commitments"] for group in _card(module_client, group_by="status")["groups"]
    }
    assert by_status["regressed"] == _counts(committed=1, broken=1)
    assert by_status["not_implemented"] == _counts(committed=1, broken=1, noted=1)
    assert by_status["implemented"] == _counts()
    # From the state's perspective 4.1 is implemented: a claim, not a broken commitment.
    state = _card(module_client, perspective="state")
    assert state["totals"]["commitments"] == _counts(committed=3, partially=1, not_assessed=2, noted=1)
    assert state["commitment_gaps"] == []
    # Filters narrow the recommendations counted, as everywhere.
    assert _card(module_client, section=4)["totals"]["commitments"] == _counts(committed=1, broken=1)
    assert _card(module_client, status="regressed")["totals"]["commitments"] == _counts(committed=1, broken=1)
    assert _card(module_client, source="upr-kz-s20")["totals"]["commitments"] == _counts()
    assert _broken(_card(module_client, source="odf-kz-2015", section=2)) == [f"{ODF}2.2"]


@pytest.mark.usefixtures("scripted")
def test_a_broken_commitment_names_the_review_the_states_and_the_response(module_client):
    [first, second] = _card(module_client)["commitment_gaps"]
    assert (first["code"], first["source"], first["section"], first["status"]) == (
        f"{ODF}2.2",
        "odf-kz-2015",
        2,
        "regressed",
    )
    assert first["partially"] is False and first["text"].startswith("Eliminate from the Law")
    assert first["commitments"] == [
        {
            "code": f"{U}2",
            "text": REGISTER,
            "paragraph": "106.2",
            "source": "upr-kz-s20",
            "cycle": 2,
            "session": 20,
            "reviewed_on": "2014-10-30",
            "document_symbol": "A/HRC/28/10",
            "recommending_states": [
                {"slug": "estonia", "label": "Estonia"},
                {"slug": "latvia", "label": "Latvia"},
            ],
            "response": "supported",
            "response_original": "Accepted",
            "strength": "same_measure",
        }
    ]
    # 4.1 is committed through U1 only: the noted U3 is no commitment.
    assert [item["code"] for item in second["commitments"]] == [f"{U}1"]
    assert second["commitments"][0]["response_original"] == "Accepted"
    # Recommending states in alphabetical order, as everywhere.
    assert [state["label"] for state in second["commitments"][0]["recommending_states"]] == [
        "Australia",
        "Hungary",
    ]


def test_the_paged_endpoint_walks_every_broken_commitment(module_client, scripted):
    params = {"known_at": scripted["assessed"]}
    first = _get(module_client, COMMITMENTS, limit=2, **params).json()
    assert [item["code"] for item in first["items"]] == [f"{ODF}2.2", f"{ODF}4.1"]
    assert first["total"] == 3 and first["next_cursor"]
    second = _get(module_client, COMMITMENTS, limit=2, cursor=first["next_cursor"], **params).json()
    assert [item["code"] for item in second["items"]] == [f"{ODF}7.10"]
    assert second["total"] is None and second["next_cursor"] is None
    # As known then, 7.10 was committed through U2, and U1's response was the current one.
    assert [item["code"] for item in second["items"][0]["commitments"]] == [f"{U}2"]
    # The scorecard holds the first page and links the next, with the same point in time.
    scorecard = _card(module_client, gaps_limit=1, **params)
    assert _broken(scorecard) == [f"{ODF}2.2"] and scorecard["commitment_gaps_total"] == 3
    following = scorecard["commitment_gaps_next"]
    assert following.startswith(f"{COMMITMENTS}?known_at=") and "limit=1" in following
    page = module_client.get(following).json()
    assert [item["code"] for item in page["items"]] == [f"{ODF}4.1"] and page["total"] is None
    # Earlier dates: U1 pending, so 4.1 is no commitment, and nothing was assessed.
    early = _get(module_client, COMMITMENTS, as_of="2015-01-01").json()
    assert early == {"items": [], "total": 0, "next_cursor": None}
    # The state's perspective and the filters as on the scorecard.
    assert _get(module_client, COMMITMENTS, perspective="state").json()["total"] == 0
    assert _get(module_client, COMMITMENTS, section=4).json()["total"] == 1


@pytest.mark.usefixtures("scripted")
def test_the_paged_endpoint_is_conditional(module_client):
    response = _get(module_client, COMMITMENTS)
    etag = response.headers["etag"]
    assert etag.startswith('W/"') and response.headers["cache-control"] == "no-cache"
    again = module_client.get(COMMITMENTS, headers={"If-None-Match": etag})
    assert again.status_code == 304
    # A claim-gap page of the same parameters is another document.
    assert _get(module_client, "/api/v1/scorecard/claim-gaps").headers["etag"] != etag


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "params",
    [{"cursor": "nonsense"}, {"limit": 0}, {"limit": 501}, {"as_of": "2999-01-01"}, {"perspective": "un2"}],
)
def test_bad_paging_is_a_problem(shared_client, params):
    response = shared_client.get(COMMITMENTS, params=params)
    assert response.status_code in (400, 422)
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.usefixtures("scripted")
def test_scorecard_csv_has_the_commitment_columns(module_client):
    text = _get(module_client, "/api/v1/scorecard.csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    by_group = {row["Group"]: row for row in rows}
    total = by_group["total"]
    assert [
        total[header]
        for header in (
            "Committed at the UPR",
            "Committed, partially supported only",
            "Commitments not implemented or regressed",
            "Commitments not assessed",
            "Noted at the UPR",
        )
    ] == ["3", "1", "2", "1", "1"]
    assert by_group["4"]["Commitments not implemented or regressed"] == "1"


LINE_41 = (
    "Supported at the 2nd review, 2014: recommended by Australia, Hungary\n"
    "Noted at the 2nd review, 2014: recommended by Norway"
)


@pytest.mark.usefixtures("scripted")
def test_matrix_column_in_csv_and_json(module_client):
    text = _get(module_client, "/api/v1/reports/matrix.csv", source="odf-kz-2015").content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert header.index("UPR commitments") == header.index("State's claim") - 1
    rows = {row["Code"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}
    assert rows[f"{ODF}4.1"]["UPR commitments"] == LINE_41
    assert rows[f"{ODF}2.4"]["UPR commitments"] == (
        "Partially supported at the 2nd review, 2014: recommended by Canada"
    )
    assert rows[f"{ODF}2.1"]["UPR commitments"] == ""  # related, not the same measure
    assert rows[f"{ODF}7.10"]["UPR commitments"] == ""  # unlinked
    # As of a date, the response of that date; known at a time, the links of that time.
    early = _get(module_client, "/api/v1/reports/matrix.csv", source="odf-kz-2015", as_of="2015-01-01")
    rows = {row["Code"]: row for row in csv.DictReader(io.StringIO(early.content.decode("utf-8-sig")))}
    assert rows[f"{ODF}4.1"]["UPR commitments"].startswith(
        "Response pending after the 2nd review, 2014: recommended by Australia, Hungary\n"
    )
    # The UPR review's own rows have no UPR commitments: the column is left out.
    upr = _get(module_client, "/api/v1/reports/matrix.csv", source="upr-kz-s20").content.decode("utf-8-sig")
    assert "UPR commitments" not in next(csv.reader(io.StringIO(upr)))

    body = _get(module_client, "/api/v1/reports/matrix.json", section=4).json()
    first = {row["code"]: row for row in body["rows"]}[f"{ODF}4.1"]
    assert [(item["code"], item["response"], item["strength"]) for item in first["upr_commitments"]] == [
        (f"{U}1", "supported", "same_measure"),
        (f"{U}3", "noted", "same_measure"),
    ]
    assert set(first["upr_commitments"][0]) == {
        "code",
        "text",
        "paragraph",
        "source",
        "cycle",
        "session",
        "reviewed_on",
        "document_symbol",
        "recommending_states",
        "response",
        "response_original",
        "strength",
    }
    early = _get(module_client, "/api/v1/reports/matrix.json", section=4, as_of="2015-01-01").json()
    pending = {row["code"]: row for row in early["rows"]}[f"{ODF}4.1"]["upr_commitments"][0]
    # The word the file used names the current response only.
    assert (pending["response"], pending["response_original"]) == ("pending", None)


@pytest.mark.usefixtures("scripted")
def test_matrix_column_known_at_a_time(module_client, scripted):
    before = _get(module_client, "/api/v1/reports/matrix.csv", known_at=scripted["before_links"])
    assert "UPR commitments" not in next(csv.reader(io.StringIO(before.content.decode("utf-8-sig"))))
    then = _get(
        module_client, "/api/v1/reports/matrix.json", source="odf-kz-2015", known_at=scripted["assessed"]
    )
    rows = {row["code"]: row for row in then.json()["rows"]}
    assert [item["code"] for item in rows[f"{ODF}7.10"]["upr_commitments"]] == [f"{U}2"]


@pytest.mark.usefixtures("scripted")
def test_matrix_documents_show_the_column(module_client):
    params = {"source": "odf-kz-2015", "section": 4}
    workbook = openpyxl.load_workbook(
        io.BytesIO(_get(module_client, "/api/v1/reports/matrix.xlsx", **params).content)
    )
    sheet = workbook["Matrix"]
    header = [cell.value for cell in sheet[1]]
    assert sheet[2][header.index("UPR commitments")].value == LINE_41
    html = _get(module_client, "/api/v1/reports/matrix.html", **params).text
    # Printed in the source column, a line each, as in the Word document.
    assert '<th scope="col">Source</th>' in html
    assert "<br>\nSupported at the 2nd review, 2014: recommended by Australia, Hungary" in html
    document = docx.Document(io.BytesIO(_get(module_client, "/api/v1/reports/matrix.docx", **params).content))
    matrix = next(t for t in document.tables if t.rows[0].cells[0].text == "Recommendation")
    header = [cell.text for cell in matrix.rows[0].cells]
    # Printed under the source and the addressees, one line each.
    lines = matrix.rows[1].cells[header.index("Source")].text.splitlines()
    assert lines[-2:] == LINE_41.splitlines()


@pytest.mark.usefixtures("scripted")
def test_web_recommendation_page_shows_related_upr_commitments(module_client):
    page = _get(module_client, f"/recommendations/{ODF}4.1").text
    assert "Related UPR commitments" in page
    assert "Supported at the 2nd review (session 20, 2014)" in page
    assert "Noted at the 2nd review (session 20, 2014)" in page and "The state did not accept it" in page
    assert "Recommended by Australia, Hungary" in page and DEFAME in page
    assert "A broken commitment: the state accepted this" in page and "not implemented." in page
    assert f'href="/recommendations/{U}1"' in page and "A/HRC/28/10" in page
    related = _get(module_client, f"/recommendations/{ODF}2.1").text
    assert "Related UPR commitments" in related and "Link: Related" in related
    assert "A broken commitment" not in related and "The state accepted this" not in related
    partial = _get(module_client, f"/recommendations/{ODF}2.4").text
    assert "Partially supported at the 2nd review (session 20, 2014)" in partial
    assert '<span class="meta">(Partially accepted)</span>' in partial  # the review's own word
    assert "The state accepted this at its Universal Periodic Review." in partial
    for code in (f"{ODF}7.10", f"{ODF}3.1"):  # unlinked; never linked
        assert "Related UPR commitments" not in _get(module_client, f"/recommendations/{code}").text


@pytest.mark.usefixtures("scripted")
def test_web_overview_shows_the_commitment_gap(module_client):
    page = _get(module_client, "/").text
    assert "What the state committed to at its Universal Periodic Review" in page
    assert "The state committed to 3 of these recommendations" in page
    # Sentences, each with its own number, one after the other.
    assert (
        "at its Universal Periodic Review, by supporting UPR recommendations that ask for the same measures. "
        "It supported 1 of them only in part. 2 of them are not implemented or have regressed. "
        "1 is not assessed yet. 1 other recommendation asks for a measure the state noted at its review, "
        "that is, did not accept.</p>"
    ) in " ".join(page.split())
    assert f'<a href="/recommendations/{ODF}2.2">{ODF}2.2</a>' in page
    assert "Supported at the 2nd review, 2014: recommended by Estonia, Latvia" in page
    assert "/api/v1/scorecard/commitments?limit=500" in page
    early = _get(module_client, "/", as_of="2015-01-01").text
    assert "The state committed to 2 of these recommendations" in early
    assert "0 of them are not implemented" in early and "Commitments not kept" not in early
    upr_only = _get(module_client, "/", source="upr-kz-s20").text
    assert "What the state committed to" not in upr_only


@pytest.mark.usefixtures("scripted")
def test_web_matrix_page_has_the_column(module_client):
    page = _get(module_client, "/matrix", source="odf-kz-2015", section=4).text
    assert '<th scope="col">UPR commitments</th>' in page
    assert "Supported at the 2nd review, 2014: recommended by Australia, Hungary" in page
    upr = _get(module_client, "/matrix", source="upr-kz-s20").text
    assert "UPR commitments" not in upr


@pytest.mark.usefixtures("scripted")
def test_cli_scorecard_lists_broken_commitments(module_database):
    table = run_cli(module_database.url, "scorecard", "--source", "odf-kz-2015", env={"COLUMNS": "200"})
    assert table.returncode == 0, table.stderr
    lines = [" ".join(line.split()) for line in table.stdout.splitlines() if "broken commitment" in line]
    assert lines == [
        f"broken commitment {ODF}2.2 is Regressed; Supported at the 2nd review, 2014: recommended by "
        f"Estonia, Latvia ({U}2)",
        f"broken commitment {ODF}4.1 is Not implemented; Supported at the 2nd review, 2014: recommended by "
        f"Australia, Hungary ({U}1)",
    ]
    first = run_cli(module_database.url, "scorecard", "--gaps", "1", env={"COLUMNS": "200"})
    assert f"broken commitments: first 1 of 2; the rest: GET {COMMITMENTS}?limit=1&cursor=" in first.stdout
    as_json = json.loads(run_cli(module_database.url, "scorecard", "--format", "json").stdout)
    assert as_json["totals"]["commitments"] == NOW and as_json["commitment_gaps_total"] == 2


def test_links_and_unlinks_move_the_etags_and_the_cached_scorecards(client, database):
    """A link or unlink appends history entries: the data fingerprint, the ETags and the cache keys move."""
    token = make_token(database.url, "monitor", "Aigerim Monitor")
    _import(database.url, _upr_rows(Response.supported, "Accepted"))
    assess(
        client,
        token,
        f"{ODF}4.1",
        {"status": "not_implemented", "effective_on": "2016-01-01", "summary": "No."},
    )
    paths = (SCORECARD, COMMITMENTS, "/api/v1/scorecard.csv", "/api/v1/reports/matrix.csv")

    def etags() -> list[str]:
        return [_get(client, path).headers["etag"] for path in paths]

    before = etags()
    assert _card(client)["totals"]["commitments"] == _counts()
    _link(client, token, f"{ODF}4.1", f"{U}1", "same_measure")
    linked = etags()
    assert all(old != new for old, new in zip(before, linked, strict=True))
    assert _card(client)["totals"]["commitments"] == _counts(committed=1, broken=1)
    assert _get(client, COMMITMENTS).json()["total"] == 1
    assert client.get(SCORECARD, headers={"If-None-Match": linked[0]}).status_code == 304
    _unlink(client, token, f"{ODF}4.1", f"{U}1", "Not the same measure after all.")
    assert all(old != new for old, new in zip(linked, etags(), strict=True))
    assert _card(client)["totals"]["commitments"] == _counts()
    assert _get(client, COMMITMENTS).json()["total"] == 0
