"""Withdrawal: an admin erases content published by mistake; commitments, chains and the log still verify."""

import hashlib
import json
from datetime import date

from sqlalchemy import MetaData, select
from sqlmodel import Session

from app.db import build_engine, write_engine
from app.history.chain import LEGACY_FORMAT, entry_digest
from app.history.service import build_entry
from app.recommendations.write_protocol import append, claim, read_for_write
from app.vocabulary import HistoryKind
from tests.support import assess, bearer, link, run_cli

CODE = "odf-kz-2015-3.1"
SECRET = "Informant Zarina Kassymova, Shymkent"


def _withdraw(client, token, entry_id, reason="It named an informant.", *, expect=201):
    etag = client.get(f"/api/v1/recommendations/{CODE}").headers["etag"]
    response = client.post(
        f"/api/v1/history/{entry_id}/withdrawal",
        json={"reason": reason},
        headers=bearer(token) | {"If-Match": etag},
    )
    assert response.status_code == expect, response.text
    return response


def _database_text(url: str) -> str:
    """Every value of every row of every table, as text: where a leak would show."""
    engine = build_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    chunks = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            chunks += [repr(tuple(row)) for row in connection.execute(select(table))]
    engine.dispose()
    return "\n".join(chunks)


def test_withdrawn_content_is_gone_everywhere_and_the_history_still_verifies(
    client, database, settings, monitor_token, admin_token
):
    entry = assess(
        client, monitor_token, CODE, {"status": "not_implemented", "summary": f"Told by {SECRET}."}
    )
    entry_id = entry.json()["entry"]["id"]
    assert SECRET in _database_text(database.url)
    published = run_cli(
        database.url, "checkpoint", data_dir=settings.data_dir
    )  # a checkpoint published before the withdrawal
    assert published.returncode == 0, published.stderr

    withdrawal = _withdraw(client, admin_token, entry_id).json()
    assert withdrawal["entry"]["kind"] == "withdrawal"
    assert withdrawal["entry"]["payload"]["withdraws"]["id"] == entry_id
    assert withdrawal["recommendation"]["version"] == entry.json()["recommendation"]["version"] + 1

    public = client.get(f"/api/v1/recommendations/{CODE}/history").json()["items"]
    withdrawn = next(item for item in public if item["id"] == entry_id)
    assert withdrawn["withdrawn"] is True and withdrawn["payload"] is None and withdrawn["salt"] is None
    assert withdrawn["withdrawn_by_entry"] == withdrawal["entry"]["id"]
    assert withdrawn["hash"] == entry.json()["entry"]["hash"]  # the hash stays
    assert public[-1]["kind"] == "withdrawal" and public[-1]["payload"]["reason"] == "It named an informant."
    assert public[-1]["recorded_by"].startswith("Monitor ")  # who withdrew it, when (recorded_at) and why

    assert SECRET not in _database_text(database.url)
    for path in (f"/api/v1/recommendations/{CODE}/history", "/api/v1/history", f"/recommendations/{CODE}"):
        assert SECRET not in client.get(path, headers=bearer(admin_token)).text
    page = client.get(f"/recommendations/{CODE}").text
    assert "An admin withdrew this entry" in page and "None" not in page
    report = client.get("/api/v1/history/verify", headers=bearer(admin_token)).json()
    assert report["ok"] is True, report
    assert report["log"]["checkpoints_checked"] == 1
    assert run_cli(database.url, "checkpoint", data_dir=settings.data_dir).returncode == 0
    assert run_cli(database.url, "verify", data_dir=settings.data_dir).returncode == 0


def test_withdrawal_rules(client, monitor_token, admin_token):
    entry_id = assess(client, monitor_token, CODE, {"status": "implemented", "summary": "Fine."}).json()[
        "entry"
    ]["id"]
    assert _withdraw(client, monitor_token, entry_id, expect=403).json()["status"] == 403
    no_precondition = client.post(
        f"/api/v1/history/{entry_id}/withdrawal", json={"reason": "x"}, headers=bearer(admin_token)
    )
    assert no_precondition.status_code == 428
    stale = client.post(
        f"/api/v1/history/{entry_id}/withdrawal",
        json={"reason": "x"},
        headers=bearer(admin_token) | {"If-Match": '"1"'},
    )
    assert stale.status_code == 412
    assert (
        _withdraw(client, admin_token, 10**12, expect=404).headers["content-type"]
        == "application/problem+json"
    )
    _withdraw(client, admin_token, entry_id, reason="\u200b", expect=422)
    withdrawal_id = _withdraw(client, admin_token, entry_id).json()["entry"]["id"]
    _withdraw(client, admin_token, entry_id, expect=409)  # once is enough
    _withdraw(client, admin_token, withdrawal_id, expect=409)  # a withdrawal holds only its reason


def test_the_public_checks_a_redacted_entry_without_learning_its_content(client, monitor_token, viewer_token):
    evidence = {
        "url": "https://example.org/restricted/informant-report",
        "title": f"Interview with {SECRET}",
        "relation": "progress",
        "visibility": "restricted",
        "note": "Do not publish.",
    }
    linked = link(client, monitor_token, CODE, evidence).json()["entry"]
    public = next(
        item
        for item in client.get(f"/api/v1/recommendations/{CODE}/history").json()["items"]
        if item["id"] == linked["id"]
    )
    assert public["redacted"] is True and public["salt"] is None and public["format"] == 2
    # What the public sees is enough to check the chain: the document hashes the commitment, not the content.
    document = {
        key: public[key]
        for key in ("seq", "kind", "status", "perspective", "effective_on", "commitment", "format")
    } | {"recommendation": CODE, "recorded_at": public["recorded_at"].replace("+00:00", "Z")}
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    data = (public["prev_hash"] or "").encode() + b"\n" + canonical.encode()
    assert hashlib.sha256(data).hexdigest() == public["hash"]
    # A viewer sees the whole entry and can open the commitment.
    full = next(
        item
        for item in client.get(
            f"/api/v1/recommendations/{CODE}/history", headers=bearer(viewer_token)
        ).json()["items"]
        if item["id"] == linked["id"]
    )
    content = json.dumps(
        {"payload": full["payload"], "recorded_by": full["recorded_by"]},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    opened = hashlib.sha256(bytes.fromhex(full["salt"]) + b"\n" + content.encode()).hexdigest()
    assert opened == full["commitment"] == public["commitment"]


def test_a_format_1_entry_can_be_withdrawn_too(client, database, admin_token):
    """Entries from before format 2 hash their content: withdrawn, the hash stands and the content is gone."""
    engine = build_engine(database.url)
    with Session(write_engine(engine), expire_on_commit=False) as session:
        target = read_for_write(
            session, CODE, f'"{client.get(f"/api/v1/recommendations/{CODE}").json()["version"]}"'
        )
        entry = build_entry(
            target.id,
            target.code,
            target.head,
            kind=HistoryKind.assessment,
            effective_on=target.newest_effective_on.get("independent") or date(2020, 1, 1),
            recorded_by=None,
            payload={
                "status": "implemented",
                "perspective": "independent",
                "summary": SECRET,
                "evidence_ids": [],
            },
        )
        entry.format, entry.salt, entry.commitment = LEGACY_FORMAT, None, None
        entry.hash = entry_digest(CODE, entry, json.loads(entry.payload))
        # As record_assessment would: the time of the newest assessment follows (verify checks it).
        claim(session, target, {"last_assessed_at": entry.recorded_at})
        append(session, entry)
        session.commit()
        legacy_id = entry.id
    engine.dispose()
    assert client.get("/api/v1/history/verify", headers=bearer(admin_token)).json()["ok"] is True
    _withdraw(client, admin_token, legacy_id)
    assert SECRET not in _database_text(database.url)
    report = client.get("/api/v1/history/verify", headers=bearer(admin_token)).json()
    assert report["ok"] is True, report
