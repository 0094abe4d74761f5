"""Entry formats as docs/design.md ("The hash chain") states them, recomputed here from the text of the
design, not from the app's functions: format 2's salted commitment, what the public can and cannot
recompute, and format-1 entries written before migration 0006 that still verify after it."""

import hashlib
import json
from datetime import UTC, date, datetime

import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import UTCDateTime, build_engine
from app.main import create_app
from tests import rfc9162
from tests.support import assess, bearer, link, make_token, migrate, run_cli, tamper

CODE = "odf-kz-2015-7.10"
SUMMARY = 'Қазақстан: «кавычки», "quotes", \\ and a tab\there.'


def _canonical(value) -> str:
    """Sorted keys, no spaces, UTF-8 unescaped."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _when(recorded_at: str) -> str:
    """UTC, microseconds, Z."""
    return datetime.fromisoformat(recorded_at).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _chain_hash(prev_hash: str | None, document: dict) -> str:
    return hashlib.sha256(((prev_hash or "") + "\n" + _canonical(document)).encode("utf-8")).hexdigest()


def _format_2_hash(entry: dict) -> str:
    document = {
        "format": 2,
        "recommendation": entry["recommendation"],
        "seq": entry["seq"],
        "kind": entry["kind"],
        "status": entry["status"],
        "perspective": entry["perspective"],
        "effective_on": entry["effective_on"],
        "recorded_at": _when(entry["recorded_at"]),
        "commitment": entry["commitment"],
    }
    return _chain_hash(entry["prev_hash"], document)


def _commitment(entry: dict) -> str:
    alias = None if entry["recorded_by"] == "system" else entry["recorded_by"]
    content = _canonical({"payload": entry["payload"], "recorded_by": alias}).encode("utf-8")
    return hashlib.sha256(bytes.fromhex(entry["salt"]) + b"\n" + content).hexdigest()


def test_a_format_2_entry_opens_to_whoever_may_see_it(client, monitor_token):
    public = assess(client, monitor_token, CODE, {"status": "implemented", "summary": SUMMARY}).json()
    restricted = link(
        client,
        monitor_token,
        CODE,
        {
            "url": "https://example.org/synthetic/format-2-statement",
            "title": "A restricted statement",
            "visibility": "restricted",
            "relation": "regression",
        },
    ).json()["evidence"]["id"]
    citing = {"status": "regressed", "summary": "Cites it.", "evidence_ids": [restricted]}
    assess(client, monitor_token, CODE, citing)
    path = f"/api/v1/recommendations/{CODE}/history"
    whole = client.get(path, headers=bearer(monitor_token)).json()["items"]
    seen = client.get(path).json()["items"]
    assert [entry["kind"] for entry in whole] == ["genesis", "assessment", "evidence_linked", "assessment"]
    for entry in whole:
        assert entry["format"] == 2 and entry["salt"] is not None
        assert _commitment(entry) == entry["commitment"], entry["seq"]
        assert _format_2_hash(entry) == entry["hash"], entry["seq"]
    assert whole[1]["recorded_by"].startswith("Monitor ") and whole[1]["payload"]["summary"] == SUMMARY
    assert seen[1] == whole[1] | {"recorded_by_name": None}, "the public opens a public entry too"
    for mine, theirs in zip(whole[2:], seen[2:], strict=True):
        assert theirs["redacted"] is True and theirs["salt"] is None and theirs["recorded_by"] == "withheld"
        assert theirs["payload"] != mine["payload"]
        # The chain still checks for the public, through the commitment alone.
        assert theirs["commitment"] == mine["commitment"] and _format_2_hash(theirs) == theirs["hash"]
    assert public["entry"]["hash"] == whole[1]["hash"]


def _legacy_entry(code: str, seq: int, prev_hash: str | None, **fields) -> dict:
    """A format-1 entry as written before migration 0006: its hash covers the payload and recorder id."""
    document = {
        "recommendation": code,
        "seq": seq,
        "kind": fields["kind"],
        "status": fields["status"],
        "perspective": fields["perspective"],
        "effective_on": fields["effective_on"].isoformat(),
        "recorded_at": fields["recorded_at"].strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "recorded_by": fields["recorded_by"],
        "payload": fields["payload"],
    }
    return fields | {
        "seq": seq,
        "prev_hash": prev_hash,
        "payload": _canonical(fields["payload"]),
        "hash": _chain_hash(prev_hash, document),
    }


def _write_at_0005(url: str) -> list[dict]:
    """One recommendation with a genesis and an assessment, inserted into the schema of revision 0005."""
    at = datetime(2026, 11, 20, 8, 30, 15, 123456, tzinfo=UTC)
    when = UTCDateTime()
    tables = {
        "sources": ["id", "slug", "title", "publisher", "published_on", ("created_at", when)],
        "sections": ["id", "source_id", "number", "title"],
        "monitors": ["id", "name", "alias", "role", ("created_at", when)],
        "recommendations": [
            "id",
            "code",
            "source_id",
            "section_id",
            "section_number",
            "number",
            "text",
            "search_text",
            "status",
            "claimed_status",
            "version",
            ("last_assessed_at", when),
            ("created_at", when),
            ("updated_at", when),
        ],
        "history_entries": [
            "id",
            "recommendation_id",
            "seq",
            "kind",
            "status",
            "perspective",
            "effective_on",
            ("recorded_at", when),
            "recorded_by",
            "payload",
            "prev_hash",
            "hash",
        ],
    }

    def table(name: str) -> sa.TableClause:
        return sa.table(
            name, *(sa.column(*c) if isinstance(c, tuple) else sa.column(c) for c in tables[name])
        )

    text = "Legacy recommendation: publish the budget."
    genesis = _legacy_entry(
        "legacy-1.1",
        1,
        None,
        id=1,
        recommendation_id=1,
        kind="genesis",
        status="not_assessed",
        perspective=None,
        effective_on=date(2015, 6, 1),
        recorded_at=at,
        recorded_by=None,
        payload={
            "source": "legacy",
            "text": text,
            "status": "not_assessed",
            "evidence": [],
            "note": "Seeded.",
        },
    )
    assessed = _legacy_entry(
        "legacy-1.1",
        2,
        genesis["hash"],
        id=2,
        recommendation_id=1,
        kind="assessment",
        status="implemented",
        perspective="independent",
        effective_on=date(2026, 11, 1),
        recorded_at=at.replace(second=59, microsecond=0),
        recorded_by=1,
        payload={
            "status": "implemented",
            "perspective": "independent",
            "summary": SUMMARY,
            "evidence_ids": [],
        },
    )
    engine = build_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.insert(table("sources")),
            {
                "id": 1,
                "slug": "legacy",
                "title": "A legacy source",
                "publisher": "Legacy",
                "published_on": date(2015, 6, 1),
                "created_at": at,
            },
        )
        connection.execute(
            sa.insert(table("sections")), {"id": 1, "source_id": 1, "number": 1, "title": "One"}
        )
        connection.execute(
            sa.insert(table("monitors")),
            {"id": 1, "name": "Legacy Monitor", "alias": "Monitor 1", "role": "monitor", "created_at": at},
        )
        connection.execute(
            sa.insert(table("recommendations")),
            {
                "id": 1,
                "code": "legacy-1.1",
                "source_id": 1,
                "section_id": 1,
                "section_number": 1,
                "number": 1,
                "text": text,
                "search_text": f"legacy-1.1 {text}".casefold(),
                "status": "implemented",
                "claimed_status": "not_assessed",
                "version": 2,
                "last_assessed_at": assessed["recorded_at"],
                "created_at": at,
                "updated_at": assessed["recorded_at"],
            },
        )
        connection.execute(sa.insert(table("history_entries")), [genesis, assessed])
    if url.startswith("postgresql"):  # explicit ids: move the sequences past them, as a real history would
        with engine.begin() as connection:
            for name in ("sources", "sections", "monitors", "recommendations", "history_entries"):
                connection.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), 10)"))
    engine.dispose()
    return [genesis, assessed]


def _report(run) -> dict:
    return json.loads(run.stdout)


def test_format_1_entries_still_verify_after_upgrading(empty_database, tmp_path):
    url, data_dir = empty_database.url, tmp_path / "data"
    migrate(url, "0005")
    legacy = _write_at_0005(url)
    migrate(url)
    assert run_cli(url, "keys", "create", data_dir=data_dir).returncode == 0
    run = run_cli(url, "verify", data_dir=data_dir)
    assert run.returncode == 0, run.stdout
    assert (_report(run)["entries"], _report(run)["chains"]) == (2, 1)
    checkpoint = json.loads(run_cli(url, "checkpoint", data_dir=data_dir).stdout)
    leaves = [rfc9162.leaf_of(bytes.fromhex(entry["hash"])) for entry in legacy]
    assert (checkpoint["tree_size"], checkpoint["root_hash"]) == (2, rfc9162.merkle_root(leaves).hex())

    token = make_token(url, "monitor", "A later monitor")
    settings = Settings(database_url=url, data_dir=data_dir, _env_file=None)
    with TestClient(create_app(settings)) as client:
        history = client.get("/api/v1/recommendations/legacy-1.1/history").json()["items"]
        assert [(entry["format"], entry["salt"], entry["commitment"]) for entry in history] == [
            (1, None, None)
        ] * 2
        assert [entry["hash"] for entry in history] == [entry["hash"] for entry in legacy]
        assert [entry["leaf_index"] for entry in history] == [0, 1]
        assert history[1]["recorded_by"] == "Monitor 1" and history[1]["payload"]["summary"] == SUMMARY
        newer = assess(client, token, "legacy-1.1", {"status": "regressed", "summary": "Later."}).json()[
            "entry"
        ]
        assert newer["format"] == 2 and newer["prev_hash"] == legacy[1]["hash"]
        assert _format_2_hash(newer) == newer["hash"] and _commitment(newer) == newer["commitment"]
    run = run_cli(url, "verify", "--checkpoint", str(_saved(tmp_path, checkpoint)), data_dir=data_dir)
    assert run.returncode == 0 and _report(run)["entries"] == 3, run.stdout

    changed = {**json.loads(legacy[1]["payload"]), "summary": "Rewritten."}
    tamper(url, "UPDATE history_entries SET payload = :payload WHERE id = 2", payload=_canonical(changed))
    run = run_cli(url, "verify", data_dir=data_dir)
    assert run.returncode == 1
    assert _report(run)["first_broken"] == {
        "recommendation": "legacy-1.1",
        "seq": 2,
        "id": 2,
        "reason": "the hash does not match the entry's content",
    }


def _saved(tmp_path, checkpoint: dict):
    path = tmp_path / "checkpoint.json"
    path.write_text(json.dumps(checkpoint))
    return path
