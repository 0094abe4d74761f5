"""The review file of suggested links: `rectrack links suggest` writes it, a reviewer marks rows accept,
`rectrack links apply` records them as links by a monitor, once."""

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlmodel import Session

from app.db import build_engine, write_engine
from app.models import HistoryEntry, RecommendationLink
from app.monitors.service import create_monitor
from app.suggestions.review import COLUMNS, ReviewFileError, read_review, review_csv
from app.vocabulary import Role
from bench.crossref_quality import UPR_FILE
from tests.support import run_cli

FROM, TO = "odf-kz-2015", "upr-kz-s20"


@pytest.fixture
def imported(database):
    run = run_cli(database.url, "import", "upr-info", str(UPR_FILE))
    assert run.returncode == 0, run.stderr
    return database


@pytest.fixture
def monitor_id(database) -> int:
    engine = build_engine(database.url)
    with Session(write_engine(engine)) as session:
        monitor = create_monitor(session, "Reviewing Monitor", Role.monitor)
        session.commit()
        found = monitor.id
    engine.dispose()
    assert found is not None
    return found


def _counts(url: str) -> tuple[int, int]:
    engine = build_engine(url)
    with engine.connect() as connection:
        links = connection.execute(select(func.count()).select_from(RecommendationLink)).scalar_one()
        entries = connection.execute(select(func.count()).select_from(HistoryEntry)).scalar_one()
    engine.dispose()
    return links, entries


def _suggest(url: str, out: Path, limit: int = 3) -> None:
    run = run_cli(
        url, "links", "suggest", "--from", FROM, "--to", TO, "--out", str(out), "--limit", str(limit)
    )
    assert run.returncode == 0, run.stderr


def _accept(path: Path, wanted: list[str]) -> list[tuple[str, str]]:
    """Mark accept the first candidate of each wanted recommendation, as a reviewer does in Excel."""
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    at = {name: index for index, name in enumerate(header)}
    chosen = []
    for row in sheet.iter_rows(min_row=2):
        code = row[at["from_code"]].value
        if code in wanted and code not in [pair[0] for pair in chosen]:
            row[at["decision"]].value = "accept"
            chosen.append((code, row[at["to_code"]].value))
    workbook.save(path)
    assert len(chosen) == len(wanted)
    return chosen


def test_suggest_writes_a_workbook_to_review(imported, tmp_path):
    out = tmp_path / "review.xlsx"
    _suggest(imported.url, out)
    sheet = load_workbook(out).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    assert len(rows) > 43  # most of the 43 recommendations get their 3 candidates
    assert {row[0] for row in rows[1:]} <= {f"odf-kz-2015-{n}" for n in _seed_numbers()}
    assert all(row[COLUMNS.index("decision")] in (None, "") for row in rows[1:])
    assert {row[COLUMNS.index("strength")] for row in rows[1:]} == {"same_measure"}
    assert sheet.freeze_panes == "B2"
    validated = {str(rule.sqref): rule.formula1 for rule in sheet.data_validations.dataValidation}
    decision = chr(ord("A") + COLUMNS.index("decision"))
    strength = chr(ord("A") + COLUMNS.index("strength"))
    assert validated[f"{decision}2:{decision}{len(rows)}"] == '"accept,reject"'
    assert validated[f"{strength}2:{strength}{len(rows)}"] == '"same_measure,related"'


def test_accepted_rows_become_links_once(imported, tmp_path, client, monitor_id):
    out = tmp_path / "review.xlsx"
    _suggest(imported.url, out)
    chosen = _accept(out, ["odf-kz-2015-4.1", "odf-kz-2015-2.4"])
    links_before, entries_before = _counts(imported.url)
    run = run_cli(imported.url, "links", "apply", str(out), "--monitor", str(monitor_id))
    assert run.returncode == 0, run.stderr
    assert "linked 2 pairs" in run.stdout
    for code, other in chosen:
        detail = client.get(f"/api/v1/recommendations/{code}").json()
        assert [(link["code"], link["strength"]) for link in detail["links"]] == [(other, "same_measure")]
    links, entries = _counts(imported.url)
    assert (links, entries) == (links_before + 2, entries_before + 4)  # an entry in each chain
    again = run_cli(imported.url, "links", "apply", str(out), "--monitor", str(monitor_id))
    assert again.returncode == 0, again.stderr
    assert "linked 0 pairs" in again.stdout and "2 pairs already linked" in again.stdout
    assert _counts(imported.url) == (links, entries)
    assert run_cli(imported.url, "verify").returncode == 0


def test_a_csv_review_file_round_trips_and_a_dry_run_writes_nothing(imported, tmp_path, monitor_id):
    out = tmp_path / "review.csv"
    _suggest(imported.url, out, limit=2)
    text = out.read_text(encoding="utf-8")
    assert text.startswith("\ufeff") and text.splitlines()[0].lstrip("\ufeff") == ",".join(COLUMNS)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    rows[0]["decision"] = "Accept"
    rows[1]["decision"] = "reject"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    out.write_text(buffer.getvalue(), encoding="utf-8")
    before = _counts(imported.url)
    dry = run_cli(imported.url, "links", "apply", str(out), "--monitor", str(monitor_id), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would link 1 pair" in dry.stdout and "1 rejected" in dry.stdout
    assert _counts(imported.url) == before
    run = run_cli(imported.url, "links", "apply", str(out), "--monitor", str(monitor_id))
    assert run.returncode == 0 and "linked 1 pair" in run.stdout
    assert _counts(imported.url)[0] == before[0] + 1


def test_a_bad_file_is_refused_with_its_lines_and_nothing_is_linked(imported, tmp_path, monitor_id):
    out = tmp_path / "review.csv"
    _suggest(imported.url, out, limit=2)
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    at = rows[0].index("decision")
    rows[1][at], rows[3][at] = "accept", "maybe"
    rows[2][at] = "accept"
    rows[2][rows[0].index("to_code")] = "upr-kz-s20-1.999"
    _write_csv(out, rows)
    before = _counts(imported.url)
    run = run_cli(imported.url, "links", "apply", str(out), "--monitor", str(monitor_id))
    assert run.returncode == 1
    assert "Line 4: the decision “maybe” is not accept, reject or empty." in run.stderr
    assert _counts(imported.url) == before
    rows[3][at] = ""
    _write_csv(out, rows)
    run = run_cli(imported.url, "links", "apply", str(out), "--monitor", str(monitor_id))
    assert run.returncode == 1 and "Line 3: no recommendation has the code upr-kz-s20-1.999." in run.stderr
    assert _counts(imported.url) == before
    rows[2][rows[0].index("to_code")] = "odf-kz-2015-7.1"  # line 2 links first, then line 3 cannot
    _write_csv(out, rows)
    run = run_cli(imported.url, "links", "apply", str(out), "--monitor", str(monitor_id))
    assert run.returncode == 1 and "Line 3: " in run.stderr and "the same source" in run.stderr
    assert _counts(imported.url) == before


@pytest.mark.sqlite_only
def test_wrong_columns_are_refused(backend):
    with pytest.raises(ReviewFileError, match="lacks the columns from_code, to_code, decision, strength"):
        read_review(b"To,Text,From\r\nKazakhstan,Do it,Norway\r\n")


@pytest.mark.sqlite_only
def test_an_accepted_row_follows_the_apis_rules(backend):
    header = ",".join(COLUMNS)
    row = [
        "odf-kz-2015-4.1",
        "",
        "upr-kz-s20-1.50",
        "",
        "",
        "",
        "",
        "",
        "no",
        "accept",
        "related",
        "x" * 2001,
    ]
    with pytest.raises(ReviewFileError, match="Line 2: note: .*at most 2000"):
        read_review(f"{header}\r\n{','.join(row)}\r\n".encode())
    row[-1] = "\u200b"
    with pytest.raises(ReviewFileError, match="Line 2: note: .*must contain visible text"):
        read_review(f"{header}\r\n{','.join(row)}\r\n".encode())
    row[-1], row[COLUMNS.index("strength")] = "a note", "same"
    with pytest.raises(
        ReviewFileError, match="Line 2: the strength “same” is not one of same_measure, related"
    ):
        read_review(f"{header}\r\n{','.join(row)}\r\n".encode())


@pytest.mark.sqlite_only
def test_csv_cells_are_formula_safe(backend):
    row = {column: "" for column in COLUMNS} | {"from_text": '=HYPERLINK("x")', "score": 1.5}
    assert "'=HYPERLINK" in review_csv([row])


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def _seed_numbers() -> list[str]:
    from seed.loader import read_seed

    return [item["code"].rsplit("-", 1)[1] for item in read_seed()["recommendations"]]
