"""Backups that lose nothing: `rectrack export` and `import-bundle`, across databases, encrypted, and refused.

A history is scripted once per backend through the API (backfilled assessments, a state's claim, restricted
evidence, a public article linked restrictedly, an unlink, an idempotent write, a revoked token). A restored
instance must answer every read exactly as the original did, and verify with the same root.
"""

import gzip
import hashlib
import io
import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from app.bundle import crypto
from app.bundle.records import BundleError, carried, dump_line
from app.bundle.tables import LEFT_OUT, NAMES, TOKENS, Options, bundled_tables
from app.config import Settings
from app.db import build_engine
from app.main import create_app
from tests.support import PostgresServer, assess, bearer, copy_database, link, make_token, migrate, run_cli

NAME = "Bundle Monitor Zhanar-31"
VIEWER_NAME = "Bundle Viewer Ospan-58"
ADMIN_NAME = "Bundle Admin Saule-77"
A, B, C = "odf-kz-2015-2.1", "odf-kz-2015-3.2", "odf-kz-2015-4.1"
PUBLIC_URL = "https://example.org/bundle/public-article"
PASSPHRASE = "a long passphrase for the bundle tests"
LINE = re.compile(r"line (\d+):")


@dataclass
class Scripted:
    """The module's database with its scripted history and the tokens that wrote it."""

    backend: str
    url: str
    monitor: str
    viewer: str
    admin: str
    revoked: str


@pytest.fixture(scope="module")
def scripted(module_database, module_client: TestClient) -> Scripted:
    """A history written through the API once per backend."""
    url = module_database.url
    monitor = make_token(url, "monitor", NAME)
    viewer = make_token(url, "viewer", VIEWER_NAME)
    admin = make_token(url, "admin", ADMIN_NAME)
    api = module_client
    assess(
        api,
        monitor,
        A,
        {"status": "partially_implemented", "summary": "Some progress.", "effective_on": "2023-05-01"},
    )
    assess(
        api, monitor, A, {"status": "not_implemented", "summary": "Backfilled.", "effective_on": "2018-03-01"}
    )
    claim = {"status": "implemented", "perspective": "state", "summary": "The national report says so."}
    assess(api, monitor, A, claim | {"effective_on": "2024-01-15"})
    article = {
        "url": PUBLIC_URL,
        "title": "A public article",
        "relation": "progress",
        "published_on": "2020-03-01",
    }
    public = link(api, monitor, A, article)
    witness = {
        "url": "https://example.org/bundle/witness",
        "title": "Witness statement",
        "visibility": "restricted",
        "relation": "regression",
        "note": "Informant: Bolat",
        "published_on": "2021-06-01",
    }
    restricted = link(api, monitor, B, witness).json()["evidence"]["id"]
    assess(api, monitor, B, {"status": "regressed", "summary": "Arrests.", "evidence_ids": [restricted]})
    link(
        api,
        monitor,
        C,
        {"url": PUBLIC_URL, "title": "A public article", "relation": "context", "visibility": "restricted"},
    )
    etag = api.get(f"/api/v1/recommendations/{A}").headers["etag"]
    unlinked = api.request(
        "DELETE",
        f"/api/v1/recommendations/{A}/evidence/{public.json()['evidence']['id']}",
        json={"reason": "Wrong article."},
        headers=bearer(monitor) | {"If-Match": etag},
    )
    assert unlinked.status_code == 200, unlinked.text
    assess(
        api,
        monitor,
        C,
        {"status": "implemented", "summary": "Done."},
        headers={"Idempotency-Key": "bundle-1"},
    )
    done = api.get(f"/api/v1/recommendations/{C}/history").json()["items"][-1]
    corrected = api.post(
        f"/api/v1/recommendations/{C}/entries/{done['seq']}/corrections",
        json={"reason": "Only in part.", "status": "partially_implemented"},
        headers=bearer(monitor) | {"If-Match": api.get(f"/api/v1/recommendations/{C}").headers["etag"]},
    )
    assert corrected.status_code == 201, corrected.text
    me = api.get("/api/v1/me", headers=bearer(monitor)).json()
    spare = api.post(f"/api/v1/monitors/{me['id']}/tokens", json={"label": "spare"}, headers=bearer(admin))
    assert spare.status_code == 201, spare.text
    assert api.delete(f"/api/v1/tokens/{spare.json()['id']}", headers=bearer(admin)).status_code in (200, 204)
    assert run_cli(url, "checkpoint").returncode == 0
    backfilled = next(
        entry["id"]
        for entry in api.get(f"/api/v1/recommendations/{A}/history").json()["items"]
        if entry["payload"].get("summary") == "Backfilled."
    )
    withdrawn = api.post(
        f"/api/v1/history/{backfilled}/withdrawal",
        json={"reason": "It named a source."},
        headers=bearer(admin) | {"If-Match": api.get(f"/api/v1/recommendations/{A}").headers["etag"]},
    )
    assert withdrawn.status_code == 201, withdrawn.text
    assert run_cli(url, "checkpoint").returncode == 0
    assess(api, monitor, B, {"status": "not_implemented", "summary": "Not sequenced yet at the export."})
    return Scripted(module_database.backend, url, monitor, viewer, admin, spare.json()["token"])


class Targets:
    """Fresh databases of either kind for one test, dropped as it ends."""

    def __init__(self, postgres_server: PostgresServer | None, directory: Path) -> None:
        self.postgres_server, self.directory = postgres_server, directory
        self.created: list[str] = []

    def server(self) -> PostgresServer:
        if self.postgres_server is None:
            pytest.skip("PostgreSQL leg not run: set RECTRACK_TEST_POSTGRES_URL (CI requires it)")
        return self.postgres_server

    def fresh(self, backend: str) -> str:
        """A database without any table."""
        name = f"rectrack_bundle_{uuid.uuid4().hex[:10]}"
        if backend == "sqlite":
            return f"sqlite:///{self.directory / (name + '.db')}"
        url = self.server().create(name)
        self.created.append(url)
        return url

    def copy(self, template: str) -> str:
        """A copy of a database nothing is connected to."""
        name = f"rectrack_bundle_{uuid.uuid4().hex[:10]}"
        backend = make_url(template).get_backend_name()
        url = copy_database(template, self.directory, name, self.server() if backend != "sqlite" else None)
        if backend != "sqlite":
            self.created.append(url)
        return url

    def drop(self) -> None:
        for url in self.created:
            self.server().drop(url)


@pytest.fixture
def targets(postgres_server: PostgresServer | None, tmp_path: Path) -> Iterator[Targets]:
    """Fresh databases for the test."""
    made = Targets(postgres_server, tmp_path)
    yield made
    made.drop()


@pytest.fixture(scope="module")
def migrated_template(backend: str, postgres_server, tmp_path_factory, run_id) -> Iterator[str]:
    """A migrated database with no rows, for targets to copy."""
    made = Targets(postgres_server, tmp_path_factory.mktemp("bundle-template"))
    url = made.fresh(backend)
    migrate(url)
    yield url
    made.drop()


@pytest.fixture(scope="module")
def bundles(scripted: Scripted, tmp_path_factory) -> dict[str, Path]:
    """The scripted database exported once each way: full, default, encrypted with a passphrase."""
    directory = tmp_path_factory.mktemp("bundles")
    made = {
        "full": ["--include-names", "--include-tokens"],
        "default": [],
    }
    paths = {}
    for name, flags in made.items():
        paths[name] = directory / f"{name}.jsonl.gz"
        exported = run_cli(scripted.url, "export", "--out", str(paths[name]), *flags)
        assert exported.returncode == 0, exported.stderr
    return paths


def _export(url: str, out: Path, *flags: str) -> Path:
    exported = run_cli(url, "export", "--out", str(out), *flags)
    assert exported.returncode == 0, exported.stderr
    return out


def _import(url: str, bundle: Path, *flags: str) -> None:
    imported = run_cli(url, "import-bundle", str(bundle), *flags)
    assert imported.returncode == 0, imported.stderr


def _lines(bundle: Path) -> list[bytes]:
    with gzip.open(bundle, "rb") as handle:
        return handle.readlines()


def _rows(url: str) -> dict[str, int]:
    """Rows per table of every table the database has (none when it has no tables)."""
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            names = [name for name in inspect(connection).get_table_names() if name != "alembic_version"]
            return {name: connection.scalar(text(f'SELECT count(*) FROM "{name}"')) for name in names}
    finally:
        engine.dispose()


def _answers(url: str, scripted: Scripted) -> dict[str, Any]:
    """Every read a client makes, as the public, a viewer and an admin: status, ETag and body."""
    answers: dict[str, Any] = {}
    with TestClient(create_app(Settings(database_url=url, _env_file=None))) as api:
        sizes = [item["tree_size"] for item in api.get("/api/v1/checkpoints").json()["items"]]
        paths = [
            "/api/v1/sources",
            "/api/v1/recommendations?limit=500",
            "/api/v1/recommendations?limit=7&status=not_assessed",
            "/api/v1/scorecard",
            "/api/v1/scorecard?group_by=theme&as_of=2019-01-01",
            "/api/v1/scorecard?perspective=state&group_by=source",
            "/api/v1/scorecard/changes?since=2015-01-01",
            "/api/v1/history?limit=1000",
            "/api/v1/history?after=40&limit=5",
            "/api/v1/reports/matrix.json",
            "/api/v1/checkpoints",
            "/api/v1/checkpoints/latest",
            f"/api/v1/checkpoints/consistency?from={sizes[0]}&to={sizes[-1]}",
            f"/api/v1/history/5/proof?checkpoint={sizes[-1]}",
            *(f"/api/v1/recommendations/{code}" for code in (A, B, C, "odf-kz-2015-7.1")),
            *(f"/api/v1/recommendations/{code}/history" for code in (A, B, C)),
        ]
        privileged = ["/api/v1/history/verify", "/api/v1/monitors"]
        for who, token in (("public", None), ("viewer", scripted.viewer), ("admin", scripted.admin)):
            headers = bearer(token) if token else {}
            for path in paths + (privileged if token else []):
                response = api.get(path, headers=headers)
                json_body = "json" in response.headers.get("content-type", "")
                body = _steady(response.json()) if json_body else response.text
                answers[f"{who} {path}"] = (response.status_code, response.headers.get("etag"), body)
    return answers


def _steady(body: Any) -> Any:
    """The body without `last_used_at`, which reading with a token moves (at most once a minute)."""
    if isinstance(body, dict):
        return {key: _steady(value) for key, value in body.items() if key != "last_used_at"}
    if isinstance(body, list):
        return [_steady(value) for value in body]
    return body


def test_a_round_trip_through_the_other_database_answers_every_read_alike(
    scripted, bundles, targets, tmp_path
):
    other = "postgresql" if scripted.backend == "sqlite" else "sqlite"
    middle, final = targets.fresh(other), targets.fresh(scripted.backend)
    _import(middle, bundles["full"])
    _import(final, _export(middle, tmp_path / "middle.jsonl.gz", "--include-names", "--include-tokens"))
    before = _answers(scripted.url, scripted)
    assert before["admin /api/v1/history/verify"][2]["ok"] is True
    assert before["viewer /api/v1/monitors"][0] == 403
    assert before["public /api/v1/checkpoints"][2]["items"][1]["tree_size"] > 43
    feed = before["public /api/v1/history?limit=1000"][2]["items"]
    assert [entry["kind"] for entry in feed].count("withdrawal") == 1
    assert [entry["kind"] for entry in feed].count("correction") == 1  # with supersedes_entry_id (generic)
    for restored in (middle, final):
        after = _answers(restored, scripted)
        assert after.keys() == before.keys()
        differing = [path for path in before if after[path] != before[path]]
        assert not differing, [(path, before[path], after[path]) for path in differing[:3]]
    assert _rows(final) == _rows(scripted.url) | {"idempotency_records": 0}


def test_names_are_aliases_and_tokens_are_left_out_unless_asked_for(scripted, bundles, targets):
    default, full = (b"".join(_lines(bundles[name])).decode() for name in ("default", "full"))
    assert NAME not in default and VIEWER_NAME not in default and "Monitor " in default
    assert NAME in full and VIEWER_NAME in full
    header = json.loads(default.splitlines()[0])
    assert header["options"] == {"include_names": False, "include_tokens": False}
    assert {TOKENS, "idempotency_records"} <= set(header["left_out"])
    hashes = [hashlib.sha256(token.encode()).hexdigest() for token in (scripted.monitor, scripted.revoked)]
    assert not any(digest in default for digest in hashes)
    assert all(digest in full for digest in hashes)

    restored = targets.fresh(scripted.backend)
    _import(restored, bundles["default"])
    engine = build_engine(restored)
    with engine.connect() as connection:
        monitors = connection.execute(text("SELECT name, alias FROM monitors")).all()
    engine.dispose()
    assert monitors and all(name == alias for name, alias in monitors)
    assert _rows(restored)[TOKENS] == 0
    with TestClient(create_app(Settings(database_url=restored, _env_file=None))) as api:
        assert api.get("/api/v1/me", headers=bearer(scripted.monitor)).status_code == 401


def test_idempotency_records_stay_out(scripted, bundles):
    assert _rows(scripted.url)["idempotency_records"] >= 1
    tables = {json.loads(line).get("table") for line in _lines(bundles["full"])}
    assert "idempotency_records" not in tables
    assert {"history_entries", "monitors", "recommendation_evidence", TOKENS} <= tables


def test_keys_in_the_data_directory_never_enter_a_bundle(scripted, tmp_path, monkeypatch):
    # The run's own data directory holds the cookie key the module's app used; a second one known keys.
    used = Path(os.environ["RECTRACK_DATA_DIR"])
    keys = {str(path): path.read_text().strip() for path in used.glob("*.key")}
    data = tmp_path / "data"
    data.mkdir()
    for name in ("cookie.key", "signing.key"):
        keys[name] = f"{name}-{uuid.uuid4().hex}"
        (data / name).write_text(keys[name] + "\n")
    monkeypatch.setenv("RECTRACK_DATA_DIR", str(data))
    bundle = _export(scripted.url, tmp_path / "keys.jsonl.gz", "--include-names", "--include-tokens")
    content = b"".join(_lines(bundle)).decode()
    assert len(keys) >= 3
    assert not [name for name, key in keys.items() if key in content]


@pytest.mark.parametrize("how", ["passphrase", "recipient"])
def test_an_encrypted_round_trip(scripted, targets, tmp_path, monkeypatch, how):
    if how == "passphrase":
        monkeypatch.setenv("BUNDLE_PASSPHRASE", PASSPHRASE)
        sealing = opening = ["--passphrase-env", "BUNDLE_PASSPHRASE"]
    else:
        made = run_cli(scripted.url, "keys", "create-recipient", "--out", str(tmp_path / "restore"))
        assert made.returncode == 0, made.stderr
        assert (tmp_path / "restore.key").stat().st_mode & 0o777 == 0o600
        sealing, opening = (
            ["--recipient", str(tmp_path / "restore.pub")],
            ["--identity", str(tmp_path / "restore.key")],
        )
    bundle = _export(scripted.url, tmp_path / "sealed.enc", "--include-names", "--include-tokens", *sealing)
    raw = bundle.read_bytes()
    assert A.encode() not in raw and b"\x1f\x8b" not in raw[:64]
    assert run_cli(targets.fresh(scripted.backend), "import-bundle", str(bundle)).returncode == 1
    restored = targets.fresh(scripted.backend)
    _import(restored, bundle, *opening)
    verify = "/api/v1/history/verify"
    before, after = _answers(scripted.url, scripted), _answers(restored, scripted)
    assert after[f"admin {verify}"] == before[f"admin {verify}"]
    assert after["viewer /api/v1/history?limit=1000"] == before["viewer /api/v1/history?limit=1000"]


def test_writes_after_a_restore_get_new_ids(scripted, bundles, targets):
    restored = targets.fresh(scripted.backend)
    _import(restored, bundles["full"])
    highest = _highest_ids(restored)
    with TestClient(create_app(Settings(database_url=restored, _env_file=None))) as api:
        linked = link(
            api,
            scripted.monitor,
            A,
            {"url": "https://example.org/bundle/new", "title": "New", "relation": "context"},
        )
        created = api.post("/api/v1/monitors", json={"name": "After restore"}, headers=bearer(scripted.admin))
        assert created.status_code == 201, created.text
    assert linked.json()["entry"]["id"] == highest["history_entries"] + 1
    assert linked.json()["evidence"]["id"] == highest["evidence"] + 1
    assert created.json()["monitor"]["id"] == highest["monitors"] + 1


def _highest_ids(url: str) -> dict[str, int]:
    engine = build_engine(url)
    with engine.connect() as connection:
        found = {
            name: connection.scalar(text(f"SELECT max(id) FROM {name}"))
            for name in ("history_entries", "evidence", "monitors")
        }
    engine.dispose()
    return found


def _refused(url: str, bundle: Path, *flags: str) -> str:
    """Import, expecting a refusal; the error text."""
    result = run_cli(url, "import-bundle", str(bundle), *flags)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stderr


def test_a_database_with_rows_is_refused_and_left_alone(scripted, bundles, database):
    before = _rows(database.url)
    error = _refused(database.url, bundles["full"])
    assert "not empty" in error
    assert _rows(database.url) == before


def _write_lines(path: Path, lines: list[bytes]) -> Path:
    with gzip.open(path, "wb") as handle:
        handle.writelines(lines)
    return path


def _resealed(lines: list[bytes]) -> list[bytes]:
    """The lines with the trailer's checksum recomputed, as a forger would."""
    trailer = json.loads(lines[-1])
    trailer["sha256"] = hashlib.sha256(b"".join(lines[:-1])).hexdigest()
    return [*lines[:-1], json.dumps(trailer).encode() + b"\n"]


def _first_line_of(lines: list[bytes], table: str) -> int:
    """The 1-based number of the first line holding a row of the table."""
    return next(n for n, line in enumerate(lines, 1) if json.loads(line).get("table") == table)


def _swap_rows(lines: list[bytes]) -> tuple[list[bytes], int]:
    n = _first_line_of(lines, "history_entries") + 3
    lines[n - 1], lines[n] = lines[n], lines[n - 1]
    return lines, n + 1


def _swap_tables(lines: list[bytes]) -> tuple[list[bytes], int]:
    n = _first_line_of(lines, "history_entries")
    moved = lines.pop(n - 2)  # the last row of the table before history
    lines.insert(n, moved)
    return lines, n + 1


def _drop_a_row(lines: list[bytes]) -> tuple[list[bytes], int]:
    del lines[_first_line_of(lines, "recommendation_evidence")]
    return lines, len(lines)


def _count_differs(lines: list[bytes]) -> tuple[list[bytes], int]:
    del lines[_first_line_of(lines, "recommendation_evidence")]
    return _resealed(lines), len(lines)


def _bad_json(lines: list[bytes]) -> tuple[list[bytes], int]:
    n = _first_line_of(lines, "recommendations") + 1
    lines[n - 1] = lines[n - 1][:40] + b"\n"
    return lines, n


def _no_trailer(lines: list[bytes]) -> tuple[list[bytes], int]:
    return lines[:-1], len(lines)


def _newer_schema(lines: list[bytes]) -> tuple[list[bytes], int]:
    header = json.loads(lines[0])
    header["alembic_revision"] = "9999_from_the_future"
    return _resealed([json.dumps(header).encode() + b"\n", *lines[1:]]), 1


def _bad_value(lines: list[bytes]) -> tuple[list[bytes], int]:
    n = _first_line_of(lines, "history_entries") + 2
    record = json.loads(lines[n - 1])
    record["row"]["recorded_at"] = "yesterday"
    lines[n - 1] = json.dumps(record).encode() + b"\n"
    return _resealed(lines), n


def _refused_value(lines: list[bytes]) -> tuple[list[bytes], int]:
    n = _first_line_of(lines, "history_entries")
    record = json.loads(lines[n + 1])
    record["row"]["kind"] = "rumour"
    lines[n + 1] = json.dumps(record).encode() + b"\n"
    return _resealed(lines), n  # the first line of the batch the database refused


EDITS: dict[str, Callable[[list[bytes]], tuple[list[bytes], int]]] = {
    "rows swapped": _swap_rows,
    "a row moved to another table's place": _swap_tables,
    "a row deleted": _drop_a_row,
    "a row deleted, checksum forged": _count_differs,
    "bad JSON": _bad_json,
    "no trailer": _no_trailer,
    "newer schema": _newer_schema,
    "unreadable value, checksum forged": _bad_value,
    "a value the database refuses, checksum forged": _refused_value,
}
MESSAGES = {
    "rows swapped": "out of primary-key order",
    "a row moved to another table's place": "out of order",
    "a row deleted": "checksum does not match",
    "a row deleted, checksum forged": "the trailer counts",
    "bad JSON": "not valid JSON",
    "no trailer": "without its trailer",
    "newer schema": "does not know",
    "unreadable value, checksum forged": "history_entries.recorded_at",
    "a value the database refuses, checksum forged": "the database refused a row of history_entries",
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_an_edited_bundle_is_refused_at_its_line_and_nothing_is_written(
    scripted, bundles, migrated_template, targets, tmp_path, edit
):
    lines, line = EDITS[edit](_lines(bundles["full"]))
    target = targets.copy(migrated_template)
    error = _refused(target, _write_lines(tmp_path / "edited.jsonl.gz", lines))
    assert MESSAGES[edit] in error
    assert f"line {line}:" in error
    assert not any(_rows(target).values())


def test_a_truncated_or_damaged_file_is_refused_at_a_line(
    scripted, bundles, migrated_template, targets, tmp_path
):
    data = bundles["full"].read_bytes()
    total = len(_lines(bundles["full"]))
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x40
    damaged = tmp_path / "damaged.jsonl.gz"
    damaged.write_bytes(bytes(flipped))
    for bundle, expected in ((cut, "truncated"), (damaged, "")):
        target = targets.copy(migrated_template)
        error = _refused(target, bundle)
        assert expected in error
        found = LINE.search(error)
        assert found and 1 < int(found.group(1)) <= total + 1, error
        assert not any(_rows(target).values())


def test_an_encrypted_bundle_refuses_a_wrong_passphrase_and_any_cut_or_change(
    scripted, targets, tmp_path, monkeypatch
):
    monkeypatch.setenv("BUNDLE_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("WRONG_PASSPHRASE", PASSPHRASE + "!")
    bundle = _export(scripted.url, tmp_path / "sealed.enc", "--passphrase-env", "BUNDLE_PASSPHRASE")
    target = targets.fresh(scripted.backend)
    assert "passphrase is wrong" in _refused(target, bundle, "--passphrase-env", "WRONG_PASSPHRASE")
    data = bundle.read_bytes()
    body = data.index(b"}\n") + 2 + 32
    changed = bytearray(data)
    changed[-100] ^= 1
    variants = {
        "changed": bytes(changed),
        "cut at a chunk": data[: body + 64 * 1024 + 16] if len(data) > body + 64 * 1024 + 16 else data[:-17],
        "cut": data[:-5],
    }
    for name, content in variants.items():
        path = tmp_path / f"{name}.enc"
        path.write_bytes(content)
        error = _refused(target, path, "--passphrase-env", "BUNDLE_PASSPHRASE")
        assert "does not decrypt" in error and LINE.search(error), (name, error)
        assert not any(_rows(target).values())


def test_a_database_at_another_revision_is_refused(scripted, bundles, targets):
    target = targets.fresh(scripted.backend)
    migrate(target, "0004")
    error = _refused(target, bundles["full"])
    assert "schema revision 0004" in error
    assert not any(_rows(target).values())


def test_a_bundle_from_before_links_carried_their_items_date_restores_with_it(
    scripted, bundles, targets, tmp_path
):
    """A bundle of revision 0018 has no `evidence_published_on`: the migration after the load fills it."""
    lines = [json.loads(line) for line in _lines(bundles["full"])]
    lines[0]["alembic_revision"] = "0018"
    for layout in lines[0]["tables"]:
        if layout["name"] == "recommendation_evidence":
            layout["columns"].remove("evidence_published_on")
    for record in lines[1:-1]:
        if record.get("table") == "recommendation_evidence":
            del record["row"]["evidence_published_on"]
    older = _write_lines(tmp_path / "older.jsonl.gz", _resealed([dump_line(record) for record in lines]))
    target = targets.fresh(scripted.backend)
    _import(target, older)
    engine = build_engine(target)
    try:
        with engine.connect() as connection:
            links, dated, differing = connection.execute(
                text(
                    "SELECT count(*), count(re.evidence_published_on), coalesce(sum(CASE WHEN "
                    "re.evidence_published_on IS DISTINCT FROM e.published_on THEN 1 ELSE 0 END), 0) "
                    "FROM recommendation_evidence re JOIN evidence e ON e.id = re.evidence_id"
                )
            ).one()
    finally:
        engine.dispose()
    assert links > dated >= 3 and differing == 0
    assert _answers(target, scripted) == _answers(scripted.url, scripted)


@pytest.mark.sqlite_only
def test_every_table_and_column_is_carried_or_left_out_on_purpose():
    tables = SQLModel.metadata.sorted_tables
    everything = {table.name for table in bundled_tables(Options(include_names=True, include_tokens=True))}
    assert everything | set(LEFT_OUT) == {table.name for table in tables}
    for options in (Options(), Options(include_tokens=True)):
        bundled = bundled_tables(options)
        names = {table.name for table in bundled}
        for table in bundled:
            parents = {key.column.table.name for key in table.foreign_keys}
            assert parents <= names, (table.name, parents - names)
    for (table, column), stand_in in NAMES.items():
        assert {column, stand_in} <= set(SQLModel.metadata.tables[table].columns.keys())
    unknown = [
        f"{table.name}.{column.name}" for table in tables for column in table.columns if not carried(column)
    ]
    assert not unknown, f"columns of a type the bundle cannot carry yet: {unknown}"


@pytest.mark.sqlite_only
def test_a_file_that_is_no_bundle_is_refused(tmp_path, empty_database):
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    assert "not a rectrack bundle" in _refused(empty_database.url, path)
    assert "cannot read" in _refused(empty_database.url, tmp_path / "missing.jsonl.gz")
    assert _rows(empty_database.url) == {}


def _sealed(payload: bytes) -> tuple[bytes, int]:
    """The payload sealed with a passphrase, and where its chunks begin."""
    envelope = crypto.for_passphrase(PASSPHRASE)
    sink = io.BytesIO()
    writer = crypto.EncryptingWriter(sink, envelope)
    writer.write(payload)
    writer.close()
    return sink.getvalue(), len(envelope.preamble)


def _opened(sealed: bytes) -> bytes:
    source = io.BytesIO(sealed)
    assert source.read(len(crypto.MAGIC)) == crypto.MAGIC
    return crypto.open_sealed(source, passphrase=PASSPHRASE, identity=None).read()


@pytest.mark.sqlite_only
def test_sealed_chunks_cut_at_a_boundary_or_moved_do_not_open(monkeypatch):
    monkeypatch.setitem(crypto.SCRYPT, "n", 2**10)  # the framing is under test, not the key's cost
    size = crypto.CHUNK + crypto.TAG
    for payload in (b"", b"x", os.urandom(crypto.CHUNK), os.urandom(3 * crypto.CHUNK + 5)):
        sealed, start = _sealed(payload)
        assert _opened(sealed) == payload
    chunks = [sealed[offset : offset + size] for offset in range(start, len(sealed), size)]
    assert len(chunks) == 4
    for broken in (
        sealed[: start + 3 * size],  # the last chunk dropped: the one before it is not marked last
        sealed[:start] + chunks[1] + chunks[0] + b"".join(chunks[2:]),
        sealed[:start] + b"".join(chunks[:2] + chunks[3:]),
    ):
        with pytest.raises(BundleError, match="does not decrypt"):
            _opened(broken)


def test_a_bundle_verifies_offline_against_a_published_checkpoint(scripted, bundles, targets, tmp_path):
    with TestClient(create_app(Settings(database_url=scripted.url, _env_file=None))) as api:
        published = api.get("/api/v1/checkpoints/latest").json()
    (tmp_path / "published.json").write_text(json.dumps(published))
    checking = targets.fresh("sqlite")  # a laptop with no server and no key of the instance's
    _import(checking, bundles["default"])
    keyless = tmp_path / "keyless"
    verified = run_cli(checking, "verify", "--checkpoint", str(tmp_path / "published.json"), data_dir=keyless)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["ok"] is True


def test_verify_bundle_needs_no_server_and_catches_a_rewritten_bundle(scripted, bundles, tmp_path):
    """`rectrack verify-bundle`: an auditor checks a bundle with nothing but it and a published checkpoint; a
    bundle rewritten with a valid checksum (the payload of an entry changed, the trailer resealed) fails."""
    with TestClient(create_app(Settings(database_url=scripted.url, _env_file=None))) as api:
        published = api.get("/api/v1/checkpoints/latest").json()
    (tmp_path / "published.json").write_text(json.dumps(published))
    checkpoint = ("--checkpoint", str(tmp_path / "published.json"), "--public-key", published["public_key"])
    nowhere = "sqlite:////nonexistent/never-opened.db"  # verify-bundle uses a scratch database of its own
    verified = run_cli(nowhere, "verify-bundle", str(bundles["default"]), *checkpoint)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["log"]["outside_checkpoint"] == {
        "tree_size": published["tree_size"],
        "matches": True,
    }
    lines = _lines(bundles["default"])
    first = _first_line_of(lines, "history_entries") - 1
    record = json.loads(lines[first])
    record["row"]["payload"] = record["row"]["payload"].replace("}", ',"rewritten":true}', 1)
    lines[first] = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
    forged = _write_lines(tmp_path / "forged.jsonl.gz", _resealed(lines))
    refused = run_cli(nowhere, "verify-bundle", str(forged), *checkpoint)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert json.loads(refused.stdout)["first_broken"]["id"] == record["row"]["id"]
    other_key = run_cli(nowhere, "verify-bundle", str(bundles["default"]), "--public-key", "A" * 43 + "=")
    assert other_key.returncode == 1 and "another key" in other_key.stdout


@pytest.mark.sqlite_only  # the move: an SQLite instance restored into PostgreSQL under its two roles
def test_a_restore_under_least_privilege_roles(scripted, bundles, postgres_server, run_id, tmp_path):
    server = Targets(postgres_server, tmp_path).server()
    suffix = f"{run_id}_{uuid.uuid4().hex[:8]}"
    owner, runtime = f"rectrack_bundle_owner_{suffix}", f"rectrack_bundle_runtime_{suffix}"
    database = None
    try:
        with server.admin.connect() as connection:
            connection.execute(text(f'CREATE ROLE "{owner}" LOGIN CREATEROLE'))
        database = server.create(f"rectrack_bundle_roles_{suffix}")
        with server.admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{make_url(database).database}" OWNER TO "{owner}"'))
        owner_url = make_url(database).set(username=owner).render_as_string(hide_password=False)
        runtime_url = make_url(database).set(username=runtime).render_as_string(hide_password=False)
        as_owner = {"RECTRACK_MIGRATION_DATABASE_URL": owner_url}
        migrated = run_cli(runtime_url, "migrate", "--runtime-role", runtime, env=as_owner)
        assert migrated.returncode == 0, migrated.stderr
        imported = run_cli(runtime_url, "import-bundle", str(bundles["full"]), env=as_owner)
        assert imported.returncode == 0, imported.stderr
        before = _answers(scripted.url, scripted)["admin /api/v1/history/verify"]
        with TestClient(create_app(Settings(database_url=runtime_url, _env_file=None))) as api:
            assert api.get("/api/v1/history/verify", headers=bearer(scripted.admin)).json() == before[2]
            body = {
                "url": "https://example.org/bundle/after-the-move",
                "title": "After",
                "relation": "context",
            }
            assert link(api, scripted.monitor, A, body).json()["entry"]["id"] > before[2]["entries"]
    finally:
        if database is not None:
            server.drop(database)
        with server.admin.connect() as connection:
            for role in (runtime, owner):
                if connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
                    connection.execute(text(f'REASSIGN OWNED BY "{role}" TO CURRENT_USER'))
                    connection.execute(text(f'DROP OWNED BY "{role}"'))
                    connection.execute(text(f'DROP ROLE "{role}"'))
