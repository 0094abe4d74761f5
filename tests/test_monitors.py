"""Monitors, tokens and roles over HTTP and the CLI."""

import pytest
from sqlalchemy import select
from sqlmodel import Session

from app.db import build_engine
from app.models import ApiToken
from tests.support import CliRun, assess, bearer, run_cli

CODE = "odf-kz-2015-2.1"
ASSESSMENT = {"status": "not_implemented", "summary": "Synthetic test assessment."}


def test_no_token_on_a_write_is_401(shared_client):
    response = shared_client.post(
        f"/api/v1/recommendations/{CODE}/assessments",
        json={"status": "implemented", "summary": "x"},
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_or_malformed_token_is_401(shared_client):
    assess(shared_client, "rt_not-a-real-token", CODE, ASSESSMENT, expect=401)
    assert shared_client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_viewer_cannot_write_but_monitor_can(client, viewer_token, monitor_token):
    assess(client, viewer_token, CODE, ASSESSMENT, expect=403)
    assess(client, monitor_token, CODE, ASSESSMENT, expect=201)


def test_me_shows_the_caller_and_updates_last_used(client, monitor_token):
    me = client.get("/api/v1/me", headers=bearer(monitor_token))
    assert me.status_code == 200
    body = me.json()
    assert body["name"] == "Aigerim Monitor" and body["role"] == "monitor"
    assert body["alias"].startswith("Monitor ")
    assert body["token"]["prefix"] == monitor_token[:10]
    assert body["token"]["last_used_at"] is not None
    assert monitor_token not in me.text


def test_tokens_are_random_and_stored_only_as_hashes(client, admin_token, database):
    created = client.post(
        "/api/v1/monitors", json={"name": "Dana", "role": "monitor"}, headers=bearer(admin_token)
    )
    assert created.status_code == 201
    token = created.json()["token"]["token"]
    assert token.startswith("rt_") and len(token) >= 3 + 43  # 32 random bytes, base64url
    engine = build_engine(database.url)
    with Session(engine) as session:
        stored = list(session.scalars(select(ApiToken.token_hash)))
    engine.dispose()
    assert token not in stored and all(len(h) == 64 for h in stored)
    assert client.get("/api/v1/me", headers=bearer(token)).json()["name"] == "Dana"


def test_admin_manages_monitors_and_tokens(client, admin_token, monitor_token):
    assert client.get("/api/v1/monitors", headers=bearer(monitor_token)).status_code == 403
    listing = client.get("/api/v1/monitors", headers=bearer(admin_token))
    assert listing.status_code == 200
    names = {m["name"] for m in listing.json()}
    assert {"Ada Admin", "Aigerim Monitor"} <= names
    assert all("token_hash" not in str(m) for m in listing.json())
    monitor_id = next(m["id"] for m in listing.json() if m["name"] == "Aigerim Monitor")
    issued = client.post(
        f"/api/v1/monitors/{monitor_id}/tokens", json={"label": "laptop"}, headers=bearer(admin_token)
    )
    assert issued.status_code == 201 and issued.json()["token"].startswith("rt_")
    assert client.post("/api/v1/monitors/999999/tokens", headers=bearer(admin_token)).status_code == 404


def test_revoked_token_gets_401(client, monitor_token):
    token_id = client.get("/api/v1/me", headers=bearer(monitor_token)).json()["token"]["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=bearer(monitor_token)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(monitor_token)).status_code == 401
    assess(client, monitor_token, CODE, ASSESSMENT, expect=401)


def test_only_owner_or_admin_revokes(client, admin_token, monitor_token, viewer_token):
    admin_token_id = client.get("/api/v1/me", headers=bearer(admin_token)).json()["token"]["id"]
    assert client.delete(f"/api/v1/tokens/{admin_token_id}", headers=bearer(monitor_token)).status_code == 404
    viewer_token_id = client.get("/api/v1/me", headers=bearer(viewer_token)).json()["token"]["id"]
    assert client.delete(f"/api/v1/tokens/{viewer_token_id}", headers=bearer(admin_token)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(viewer_token)).status_code == 401


def test_idempotent_monitor_creation_does_not_replay_the_token(client, admin_token):
    headers = bearer(admin_token) | {"Idempotency-Key": "create-dana"}
    first = client.post("/api/v1/monitors", json={"name": "Dana"}, headers=headers)
    again = client.post("/api/v1/monitors", json={"name": "Dana"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["monitor"]["id"] == first.json()["monitor"]["id"]
    assert first.json()["token"]["token"].startswith("rt_")
    assert again.json()["token"]["token"] is None
    names = [m["name"] for m in client.get("/api/v1/monitors", headers=bearer(admin_token)).json()]
    assert names.count("Dana") == 1


@pytest.mark.sqlite_only
def test_public_reads_can_be_turned_off(database):
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app
    from tests.support import make_token

    settings = Settings(database_url=database.url, public_read=False, _env_file=None)
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/v1/recommendations").status_code == 401
        token = make_token(database.url, "viewer")
        assert client.get("/api/v1/recommendations", headers=bearer(token)).status_code == 200


def _cli(database, *args: str) -> CliRun:
    return run_cli(database.url, *args)


def test_cli_creates_lists_and_revokes(client, database):
    created = _cli(database, "monitors", "create", "Zhanna", "--role", "monitor")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("rt_") and "\n" not in token
    assert client.get("/api/v1/me", headers=bearer(token)).json()["name"] == "Zhanna"
    listing = _cli(database, "monitors", "list")
    assert "Zhanna" in listing.stdout and token not in listing.stdout
    token_id = client.get("/api/v1/me", headers=bearer(token)).json()["token"]["id"]
    assert _cli(database, "tokens", "revoke", str(token_id)).returncode == 0
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    missing = _cli(database, "tokens", "revoke", "999999")
    assert missing.returncode == 1 and "No token" in missing.stderr
