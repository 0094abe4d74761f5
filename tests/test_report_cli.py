"""The command line's scorecard and matrix: every filter of the API, tables that fit the terminal, standard
output, and one-line errors for outputs that cannot be written."""

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.support import make_token, run_cli
from tests.test_scorecard import PREFIX, add_evidence, record

ROOT = Path(__file__).resolve().parent.parent
# Each filter of the API as the command line spells it, with a value that keeps some recommendations.
FILTERS = [
    ("--source", "odf-kz-2015", "source"),
    ("--kind", "ngo_report", "kind"),
    ("--section", "3", "section"),
    ("--status", "regressed", "status"),
    ("--theme", "freedom-of-religion", "theme"),
    ("--addressee", "kazakhstan", "addressee"),
    ("--sdg", "16.3", "sdg"),
    ("--q", "registration", "q"),
    ("--recommending-state", "estonia", "recommending_state"),
    ("--response", "supported", "response"),
]


@pytest.fixture(scope="module")
def scripted(module_client, module_database):
    """2.1 partially implemented while the state claims it; 2.2 regressed. Recorded once; tests only read."""
    client, t = module_client, make_token(module_database.url, "monitor", "Aigerim Monitor")
    add_evidence(client, t, "2.1", "Amendments published", "progress", published_on="2024-05-30")
    record(client, t, "2.1", "implemented", "2024-02-01", perspective="state", summary="The state says so.")
    record(client, t, "2.1", "partially_implemented", "2024-06-01", summary="Registration stays.")
    record(client, t, "2.2", "regressed", "2024-03-01")
    return module_database.url


def test_matrix_and_scorecard_take_every_filter_of_the_api(scripted, module_client):
    for option, value, param in FILTERS:
        api = module_client.get("/api/v1/reports/matrix", params={param: value})
        assert api.status_code == 200, api.text
        run = run_cli(scripted, "report", "matrix", "--format", "json", "--out", "-", option, value)
        assert run.returncode == 0, run.stderr
        codes = [row["code"] for row in json.loads(run.stdout)["rows"]]
        assert codes == [row["code"] for row in api.json()["rows"]], option
        assert len(codes) < 43 or option in ("--source", "--kind", "--addressee"), option
        scorecard = run_cli(scripted, "scorecard", "--format", "json", option, value)
        assert scorecard.returncode == 0, scorecard.stderr
        expected = module_client.get("/api/v1/scorecard", params={param: value}).json()["totals"]["total"]
        assert json.loads(scorecard.stdout)["totals"]["total"] == expected == len(codes), option


@pytest.mark.sqlite_only
def test_bad_values_are_named_with_their_labels(scripted):
    run = run_cli(scripted, "report", "matrix", "--status", "done")
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.startswith("error: --status: done is not one of not_assessed (Not assessed), ")
    assert "partially_implemented (Partially implemented)" in run.stderr
    run = run_cli(scripted, "scorecard", "--kind", "blog", "--section", "0")
    assert run.returncode == 2
    assert "error: --kind: blog is not one of ngo_report (NGO report)" in run.stderr
    assert "error: --section: " in run.stderr and "Traceback" not in run.stderr


@pytest.mark.sqlite_only
@pytest.mark.parametrize("width", [60, 160])
def test_scorecard_table_fits_the_terminal(scripted, width):
    run = run_cli(
        scripted, "scorecard", "--as-of", "2024-12-31", "--status", "regressed", env={"COLUMNS": str(width)}
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "Regressed" in run.stdout and "regressed" not in run.stdout  # labels, not codes
    assert "Filtered: Status: Regressed." in run.stdout
    whole = " ".join(run.stdout.split())
    assert "2. Legislative" in run.stdout and "measures" in run.stdout and "…" not in run.stdout  # never cut
    narrow = (
        "Left out at this terminal width: Evidence coverage (progress or regression links), Stale" in whole
    )
    assert narrow == (width == 60)
    header = next(line for line in lines if line.startswith("Group"))
    assert ("Evid." in header and "Stale" in header) == (width == 160)
    full = run_cli(scripted, "scorecard", "--group-by", "section", env={"COLUMNS": str(width)})
    assert max(len(line) for line in full.stdout.splitlines()) <= width and "…" not in full.stdout
    words = ["3.", "Particularities", "of", "political", "and", "public", "environment"]
    assert all(word in full.stdout.split() for word in words)


@pytest.mark.sqlite_only
def test_text_formats_go_to_standard_output(scripted):
    csv_run = run_cli(scripted, "report", "matrix", "--format", "csv", "--out", "-", "--section", "2")
    assert csv_run.returncode == 0 and csv_run.stdout.startswith("Code,Source,")  # no byte-order mark
    assert len(csv_run.stdout.rstrip("\r\n").split("\r\n")) > 5 and f"{PREFIX}2.5" in csv_run.stdout
    assert "wrote 5 recommendations to standard output" in csv_run.stderr
    html_run = run_cli(scripted, "report", "matrix", "--format", "html", "--out", "-", "--section", "2")
    assert html_run.returncode == 0 and "<table" in html_run.stdout and f"{PREFIX}2.5" in html_run.stdout
    json_run = run_cli(scripted, "report", "matrix", "--format", "json", "--out", "-")
    assert len(json.loads(json_run.stdout)["rows"]) == 43


def _rectrack(url: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    """The command line in a process of its own, so that its standard output is a real pipe or terminal."""
    env = os.environ | {"RECTRACK_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], env=env, check=False, timeout=120, **kwargs
    )


@pytest.mark.sqlite_only
def test_binary_formats_go_to_a_pipe_never_to_a_terminal(scripted, tmp_path):
    piped = _rectrack(scripted, "report", "matrix", "--format", "xlsx", "--out", "-", capture_output=True)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.startswith(b"PK\x03\x04")  # a zip: the workbook
    (tmp_path / "m.xlsx").write_bytes(piped.stdout)
    assert openpyxl.load_workbook(tmp_path / "m.xlsx").sheetnames == ["Summary", "Matrix"]
    leader, follower = pty.openpty()
    try:
        terminal = _rectrack(
            scripted,
            "report",
            "matrix",
            "--format",
            "docx",
            "--out",
            "-",
            stdout=follower,
            stderr=subprocess.PIPE,
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert terminal.returncode == 2
    message = terminal.stderr.decode()
    assert message.startswith(
        "error: docx is a binary format: --out - writes it only to a pipe or a redirect"
    )
    assert len(message.strip().splitlines()) == 1


@pytest.mark.sqlite_only
def test_outputs_that_cannot_be_written_are_one_line_errors(scripted, tmp_path, monkeypatch):
    missing = tmp_path / "no such folder" / "m.xlsx"
    run = run_cli(scripted, "report", "matrix", "--out", str(missing))
    assert run.returncode == 2
    assert run.stderr == f"error: cannot write {missing}: the folder {missing.parent} does not exist\n"
    run = run_cli(scripted, "report", "matrix", "--format", "csv", "--out", str(tmp_path))
    assert run.returncode == 2 and run.stderr == f"error: cannot write {tmp_path}: it is a folder\n"
    if Path("/sys").is_dir():  # a read-only file system, even for root
        run = run_cli(scripted, "report", "matrix", "--format", "csv", "--out", "/sys/m.csv")
        assert run.returncode == 2 and run.stderr.startswith("error: cannot write /sys/m.csv: ")
        assert len(run.stderr.splitlines()) == 1
    # A finished export takes its name at the end; one refused half way leaves nothing behind.
    written = run_cli(scripted, "report", "matrix", "--format", "csv", "--out", str(tmp_path / "m.csv"))
    assert written.returncode == 0 and (tmp_path / "m.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    monkeypatch.setattr("app.reports.docx_report.MAX_DOCX_ROWS", 10)
    refused = run_cli(scripted, "report", "matrix", "--format", "docx", "--out", str(tmp_path / "m.docx"))
    assert refused.returncode == 1 and "CSV or XLSX" in refused.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["m.csv"]
