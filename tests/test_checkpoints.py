"""Checkpoints against an attacker who can write to the database (tests/support.py `tamper`) and recompute
every hash with the app's own functions: `rectrack verify` catches the rewrite against a stored checkpoint,
and `verify --checkpoint FILE` against one kept outside once the stored ones are gone or forged."""

import json
import shutil
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlmodel import Session, col, select

from app.db import build_engine, write_engine
from app.history.chain import canonical_json, content_commitment, entry_digest, new_salt
from app.history.checkpoints import sign_checkpoint
from app.history.log import frontier_at
from app.history.merkle import entry_leaf_hash
from app.models import HistoryEntry, Recommendation, derived_alias
from tests.support import CliRun, assess, run_cli, tamper

CODE = "odf-kz-2015-7.10"
OTHER = "odf-kz-2015-2.2"
SEEDED = 43
REWRITTEN = "the log's root differs from a signed checkpoint's: the history was rewritten"
CHAINED = ("seq", "kind", "status", "perspective", "effective_on", "recorded_at", "recorded_by", "format")


@pytest.fixture
def data_dir(settings, client):
    """The app's data directory (its signing key created by the app), shared with the command line."""
    return settings.data_dir


def _assess(client, token, code: str, summary: str) -> dict:
    return assess(client, token, code, {"status": "partially_implemented", "summary": summary}).json()[
        "entry"
    ]


def _checkpoint(database, data_dir, tmp_path) -> tuple[dict, object]:
    """`rectrack checkpoint`, its output kept in a file as an outsider keeps a published checkpoint."""
    run = run_cli(database.url, "checkpoint", data_dir=data_dir)
    assert run.returncode == 0, run.stderr
    saved = tmp_path / "published-checkpoint.json"
    saved.write_text(run.stdout, encoding="utf-8")
    return json.loads(run.stdout), saved


def _verify(database, data_dir, *args: str) -> tuple[CliRun, dict]:
    run = run_cli(database.url, "verify", *args, data_dir=data_dir)
    return run, json.loads(run.stdout)


def _failed(run: CliRun, report: dict) -> dict:
    """The log's first discrepancy of a verification that must have failed."""
    assert run.returncode == 1 and report["ok"] is False, run.stdout
    assert report["log"]["first_broken"] is not None, report
    return report["log"]["first_broken"]


def _rewrite_chain(url: str, code: str, summary: str) -> None:
    """Rewrite a recommendation's whole chain as a capable attacker would: a changed assessment, every entry
    salted afresh, every commitment, hash and leaf recomputed with the app's own functions."""
    engine = build_engine(url)
    with Session(engine) as session:
        entries = session.exec(
            select(HistoryEntry)
            .join(Recommendation, col(Recommendation.id) == col(HistoryEntry.recommendation_id))
            .where(Recommendation.code == code)
            .order_by(col(HistoryEntry.seq))
        ).all()
        rows = [
            (entry.id, json.loads(entry.payload), {name: getattr(entry, name) for name in CHAINED})
            for entry in entries
        ]
    engine.dispose()
    prev_hash = None
    for entry_id, payload, fields in rows:
        if fields["kind"] == "assessment":
            payload["summary"] = summary
        salt = new_salt()
        entry = SimpleNamespace(
            **fields,
            prev_hash=prev_hash,
            commitment=content_commitment(salt, payload, derived_alias(fields["recorded_by"])),
        )
        digest = entry_digest(code, entry, payload)
        tamper(
            url,
            "UPDATE history_entries SET payload = :payload, salt = :salt, commitment = :commitment, "
            "prev_hash = :prev_hash, hash = :hash WHERE id = :id",
            payload=canonical_json(payload),
            salt=salt,
            commitment=entry.commitment,
            prev_hash=prev_hash,
            hash=digest,
            id=entry_id,
        )
        tamper(
            url,
            "UPDATE log_leaves SET leaf_hash = :leaf WHERE entry_id = :id",
            leaf=entry_leaf_hash(digest),
            id=entry_id,
        )
        prev_hash = digest


def test_a_rewritten_history_is_caught_against_stored_and_published_checkpoints(
    client, database, data_dir, monitor_token, tmp_path
):
    for number in range(2):
        _assess(client, monitor_token, CODE, f"Recorded {number}.")
    _assess(client, monitor_token, OTHER, "Another recommendation.")
    published, saved = _checkpoint(database, data_dir, tmp_path)
    assert published["tree_size"] == SEEDED + 3
    run, report = _verify(database, data_dir)
    assert run.returncode == 0 and report["ok"], run.stdout

    _rewrite_chain(database.url, CODE, "What the attacker wants on record.")
    run, report = _verify(database, data_dir)
    assert report["first_broken"] is None, "the rewrite must be a capable one: every chain verifies"
    assert _failed(run, report) == {"reason": REWRITTEN, "tree_size": SEEDED + 3}

    tamper(database.url, "DELETE FROM checkpoints")
    run, report = _verify(database, data_dir)
    assert run.returncode == 0 and report["ok"], "without checkpoints the database alone cannot tell"
    run, report = _verify(database, data_dir, "--checkpoint", str(saved))
    assert _failed(run, report) == {"reason": REWRITTEN, "tree_size": SEEDED + 3}
    assert report["log"]["outside_checkpoint"] == {"tree_size": SEEDED + 3, "matches": False}


def test_a_checkpoint_signed_by_another_key_is_caught(client, database, data_dir, monitor_token, tmp_path):
    _assess(client, monitor_token, CODE, "Recorded.")
    published, saved = _checkpoint(database, data_dir, tmp_path)
    _rewrite_chain(database.url, CODE, "Rewritten.")
    engine = build_engine(database.url)
    with Session(engine) as session:
        frontier = frontier_at(session, None)
    # Without the key, the attacker can only give the stored checkpoint the rewritten log's root.
    tamper(
        database.url,
        "UPDATE checkpoints SET root_hash = :root, frontier = :frontier",
        root=frontier.root().hex(),
        frontier=json.dumps(frontier.to_json()),
    )
    run, report = _verify(database, data_dir)
    assert _failed(run, report) == {
        "reason": "a checkpoint's signature does not verify",
        "tree_size": SEEDED + 1,
    }
    # So they replace it with one of the rewritten log, signed with a key of their own.
    tamper(database.url, "DELETE FROM checkpoints")
    with Session(write_engine(engine)) as session:
        forged = sign_checkpoint(session, Ed25519PrivateKey.generate(), "rectrack")
        session.commit()
        assert (forged.tree_size, forged.root_hash) != (0, published["root_hash"])
    engine.dispose()
    run, report = _verify(database, data_dir)
    assert report["first_broken"] is None
    assert _failed(run, report) == {
        "reason": "a checkpoint was signed by another key than this instance's",
        "tree_size": SEEDED + 1,
    }
    # An outsider has no key file, only the checkpoint published earlier: that is enough.
    outsider = tmp_path / "outsider"
    outsider.mkdir()
    shutil.copy(saved, outsider / "published.json")
    run = run_cli(database.url, "verify", "--checkpoint", str(outsider / "published.json"), data_dir=outsider)
    assert _failed(run, json.loads(run.stdout))["reason"] == REWRITTEN


@pytest.mark.parametrize("which", ["newest", "older"])
def test_deleted_chain_tail_with_its_version_and_leaf_is_caught(
    client, database, data_dir, monitor_token, tmp_path, which
):
    _assess(client, monitor_token, CODE, "Kept.")
    gone = _assess(client, monitor_token, CODE, "Deleted by the attacker.")
    if which == "older":
        _assess(client, monitor_token, OTHER, "Recorded after.")
    _, saved = _checkpoint(database, data_dir, tmp_path)
    engine = build_engine(database.url)
    with engine.connect() as connection:
        leaf_index = connection.execute(
            text("SELECT leaf_index FROM log_leaves WHERE entry_id = :id"), {"id": gone["id"]}
        ).scalar_one()
    engine.dispose()
    tamper(database.url, "DELETE FROM log_leaves WHERE entry_id = :id", id=gone["id"])
    tamper(database.url, "DELETE FROM history_entries WHERE id = :id", id=gone["id"])
    tamper(database.url, "UPDATE recommendations SET version = version - 1 WHERE code = :code", code=CODE)
    expected = (
        {
            "reason": f"a checkpoint covers {SEEDED + 2} leaves but the log has {SEEDED + 1}",
            "tree_size": SEEDED + 2,
        }
        if which == "newest"
        else {
            "reason": f"leaf {leaf_index} is missing: leaves were removed or renumbered",
            "leaf_index": leaf_index,
        }
    )
    run, report = _verify(database, data_dir)
    assert report["first_broken"] is None, "the chain itself was cut cleanly"
    assert _failed(run, report) == expected
    tamper(database.url, "DELETE FROM checkpoints")
    run, report = _verify(database, data_dir, "--checkpoint", str(saved))
    assert _failed(run, report)["reason"] == expected["reason"]


@pytest.mark.parametrize("which", ["newest", "older"])
def test_a_deleted_leaf_is_caught(client, database, data_dir, monitor_token, tmp_path, which):
    first = _assess(client, monitor_token, CODE, "One.")
    last = _assess(client, monitor_token, OTHER, "Two.")
    _checkpoint(database, data_dir, tmp_path)
    entry = last if which == "newest" else first
    tamper(database.url, "DELETE FROM log_leaves WHERE entry_id = :id", id=entry["id"])
    run, report = _verify(database, data_dir)
    if which == "newest":
        assert (
            _failed(run, report)["reason"]
            == f"a checkpoint covers {SEEDED + 2} leaves but the log has {SEEDED + 1}"
        )
    else:
        assert _failed(run, report) == {
            "reason": f"leaf {SEEDED} is missing: leaves were removed or renumbered",
            "leaf_index": SEEDED,
        }


def test_verify_since_checkpoint_checks_only_what_is_new(client, database, data_dir, monitor_token, tmp_path):
    _checkpoint(database, data_dir, tmp_path)
    run, report = _verify(database, data_dir)
    assert run.returncode == 0 and report["entries"] == SEEDED, run.stdout
    point_file = data_dir / "verified-checkpoint.json"
    assert json.loads(point_file.read_text())["tree_size"] == SEEDED
    saved_point = point_file.read_text()
    new = [_assess(client, monitor_token, code, "New.") for code in (CODE, OTHER, CODE)]
    _checkpoint(database, data_dir, tmp_path)

    run, report = _verify(database, data_dir, "--since-checkpoint")
    assert run.returncode == 0 and report["ok"], run.stdout
    assert report["entries"] == len(new)
    assert report["log"]["from_leaf"] == SEEDED and report["log"]["tree_size"] == SEEDED + 3
    assert json.loads(point_file.read_text())["tree_size"] == SEEDED + 3

    point_file.write_text(saved_point)  # as if the run above had not happened
    tamper(
        database.url,
        "UPDATE history_entries SET payload = :payload WHERE id = :id",
        payload=canonical_json({**json.loads(_payload(database.url, new[1]["id"])), "summary": "Changed."}),
        id=new[1]["id"],
    )
    run, report = _verify(database, data_dir, "--since-checkpoint")
    assert run.returncode == 1 and report["ok"] is False
    assert report["entries"] == len(new)
    assert report["first_broken"] == {
        "recommendation": OTHER,
        "seq": 2,
        "id": new[1]["id"],
        "reason": "the payload or the recorder does not match the commitment",
    }
    assert point_file.read_text() == saved_point, "a failed verification must not move the saved point"


def _payload(url: str, entry_id: int) -> str:
    engine = build_engine(url)
    with engine.connect() as connection:
        payload = connection.execute(
            text("SELECT payload FROM history_entries WHERE id = :id"), {"id": entry_id}
        ).scalar_one()
    engine.dispose()
    return payload


def test_verify_since_checkpoint_catches_a_log_cut_below_the_verified_point(
    client, database, data_dir, monitor_token, tmp_path
):
    _assess(client, monitor_token, CODE, "Kept.")
    gone = _assess(client, monitor_token, CODE, "Deleted by the attacker.")
    _checkpoint(database, data_dir, tmp_path)
    run, report = _verify(database, data_dir)
    assert run.returncode == 0, run.stdout
    tamper(database.url, "DELETE FROM log_leaves WHERE entry_id = :id", id=gone["id"])
    tamper(database.url, "DELETE FROM history_entries WHERE id = :id", id=gone["id"])
    tamper(database.url, "UPDATE recommendations SET version = version - 1 WHERE code = :code", code=CODE)
    run, report = _verify(database, data_dir, "--since-checkpoint")
    assert _failed(run, report) == {
        "reason": f"the log has {SEEDED + 1} leaves, fewer than the {SEEDED + 2} verified before: "
        "leaves were removed",
        "tree_size": SEEDED + 2,
    }


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "change",
    [
        {"tree_size": "many"},
        {"tree_size": [1]},
        {"tree_size": -5},
        {"tree_size": True},
        {"tree_size": 1.5},
        {"signed_at": 5},
        {"origin": None},
        {"public_key": 7},
        {"root_hash": {"a": 1}},
    ],
)
def test_a_malformed_checkpoint_file_is_refused_not_a_crash(client, database, data_dir, tmp_path, change):
    published, saved = _checkpoint(database, data_dir, tmp_path)
    saved.write_text(json.dumps(published | change))
    run = run_cli(database.url, "verify", "--checkpoint", str(saved), data_dir=data_dir)
    assert run.returncode == 2 and "holds no checkpoint" in run.stderr, (run.returncode, run.stderr)


@pytest.mark.sqlite_only
def test_checkpoint_without_a_signing_key_says_so(database, tmp_path):
    run = run_cli(database.url, "checkpoint", data_dir=tmp_path / "empty")
    assert run.returncode == 2 and "rectrack keys create" in run.stderr


def test_verify_since_checkpoint_with_an_older_published_checkpoint(
    client, database, data_dir, monitor_token, tmp_path
):
    _, older = _checkpoint(database, data_dir, tmp_path)
    shutil.copy(older, tmp_path / "older.json")
    _assess(client, monitor_token, CODE, "Later.")
    _checkpoint(database, data_dir, tmp_path)
    assert _verify(database, data_dir)[0].returncode == 0
    run, report = _verify(
        database, data_dir, "--since-checkpoint", "--checkpoint", str(tmp_path / "older.json")
    )
    assert run.returncode == 0 and report["log"]["outside_checkpoint"] == {
        "tree_size": SEEDED,
        "matches": True,
    }
    _rewrite_chain(database.url, OTHER, "Rewritten.")
    tamper(database.url, "DELETE FROM checkpoints")
    run, report = _verify(
        database, data_dir, "--since-checkpoint", "--checkpoint", str(tmp_path / "older.json")
    )
    assert _failed(run, report) == {"reason": REWRITTEN, "tree_size": SEEDED}


def test_a_tampered_frontier_is_never_signed_on(client, database, data_dir, tmp_path, monitor_token):
    """The frontier stored beside a checkpoint is not signed: the next checkpoint is built from the leaves
    when the frontier does not give the signed root, so the new root is still the log's own."""
    _assess(client, monitor_token, CODE, "Before the frontier was tampered with.")
    _checkpoint(database, data_dir, tmp_path)
    tamper(database.url, "UPDATE checkpoints SET frontier = :bogus", bogus=json.dumps(["00" * 32] * 6))
    _assess(client, monitor_token, OTHER, "After.")
    signed, _ = _checkpoint(database, data_dir, tmp_path)
    run, report = _verify(database, data_dir)
    assert run.returncode == 0 and report["ok"] is True, run.stdout
    assert report["log"]["root_hash"] == signed["root_hash"] and report["log"]["checkpoints_checked"] == 2
