"""The checkpoint signing key: created private, required in production, and never in the database nor in a
log line (bundles are checked by their own tests)."""

import base64
import os
import stat

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import inspect, text

from app.config import Settings
from app.db import build_engine
from app.keys import KeyProblem
from app.main import create_app
from bench.server import Server
from tests.log_support import private_key, wait_until_signed
from tests.support import assess, bearer, make_token, run_cli

CODE = "odf-kz-2015-7.10"


def _in(data_dir, url: str, *args: str):
    run = run_cli(url, *args, data_dir=data_dir)
    assert run.returncode == 0, (run.stdout, run.stderr)
    return run


def _secrets(data_dir) -> dict[str, str]:
    """Every form in which the private key could leak: the PEM's body, the raw bytes in base64 and hex."""
    key = private_key(data_dir)
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pem_body = "".join((data_dir / "signing.key").read_text().splitlines()[1:-1])
    return {
        "pem body": pem_body,
        "raw base64": base64.b64encode(raw).decode().rstrip("="),
        "raw base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "raw hex": raw.hex(),
        "der hex": der.hex(),
        "raw bytes": raw.decode("latin-1"),
    }


def _leaks(texts: dict[str, str], secrets: dict[str, str]) -> list[tuple[str, str]]:
    return [
        (where, form)
        for where, text_ in texts.items()
        for form, secret in secrets.items()
        if secret in text_ or ("hex" in form and secret in text_.lower())
    ]


def _every_row(url: str) -> dict[str, str]:
    """Every table's rows as text."""
    engine = build_engine(url)
    dump = {}
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            rows = connection.execute(text(f'SELECT * FROM "{table}"')).all()
            dump[table] = "\n".join(
                " ".join(value.hex() if isinstance(value, bytes) else str(value) for value in row)
                for row in rows
            )
    engine.dispose()
    return dump


def test_keys_create_writes_files_only_their_owner_may_read(tmp_path):
    data_dir = tmp_path / "data"
    first = _in(data_dir, "sqlite:///unused.db", "keys", "create")
    assert f"created {data_dir / 'signing.key'}" in first.stdout
    assert stat.S_IMODE(os.stat(data_dir).st_mode) == 0o700
    for name in ("signing.key", "cookie.key"):
        assert stat.S_IMODE(os.stat(data_dir / name).st_mode) == 0o600, name
    pem = (data_dir / "signing.key").read_bytes()
    again = _in(data_dir, "sqlite:///unused.db", "keys", "create")
    assert f"kept {data_dir / 'signing.key'}" in again.stdout
    assert (data_dir / "signing.key").read_bytes() == pem


def _production(tmp_path, **settings) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        env="production",
        secret_key="a cookie secret of forty characters, at least",
        _env_file=None,
        **settings,
    )


def test_production_refuses_to_start_without_a_private_signing_key(tmp_path):
    data_dir = tmp_path / "data"
    with pytest.raises(KeyProblem, match="No checkpoint signing key"):
        create_app(_production(tmp_path, data_dir=data_dir))
    _in(data_dir, "sqlite:///unused.db", "keys", "create")
    os.chmod(data_dir / "signing.key", 0o640)
    with pytest.raises(KeyProblem, match="may be read by others"):
        create_app(_production(tmp_path, data_dir=data_dir))
    os.chmod(data_dir / "signing.key", 0o600)
    assert create_app(_production(tmp_path, data_dir=data_dir)).state.signing_public_key
    # RECTRACK_SIGNING_KEY_FILE: a key kept elsewhere, under the same rule.
    elsewhere = tmp_path / "elsewhere.key"
    (data_dir / "signing.key").rename(elsewhere)
    assert create_app(_production(tmp_path, data_dir=data_dir, signing_key_file=elsewhere))
    os.chmod(elsewhere, 0o604)
    with pytest.raises(KeyProblem, match="may be read by others"):
        create_app(_production(tmp_path, data_dir=data_dir, signing_key_file=elsewhere))


def test_the_signing_key_is_in_no_table_and_no_log_line(database, tmp_path):
    data_dir = tmp_path / "data"
    _in(data_dir, database.url, "keys", "create")
    _in(data_dir, database.url, "checkpoint")
    _in(data_dir, database.url, "verify")
    monitor, admin = make_token(database.url, "monitor"), make_token(database.url, "admin")
    log = tmp_path / "server.log"
    env = {
        "RECTRACK_DATABASE_URL": database.url,
        "RECTRACK_DATA_DIR": str(data_dir),
        "RECTRACK_LOG_SQL": "true",
        "RECTRACK_SEQUENCE_INTERVAL_SECONDS": "0.2",
        "RECTRACK_CHECKPOINT_INTERVAL_MINUTES": "0.001",
    }
    server = Server(env=env, log=log, log_level="debug")
    with server, httpx.Client(base_url=server.base_url, timeout=30) as api:
        entry = assess(api, monitor, CODE, {"status": "implemented", "summary": "Logged."}).json()["entry"]
        wait_until_signed(api, entry["id"])
        assert api.get("/api/v1/history/verify", headers=bearer(admin)).json()["ok"] is True
    server_log = log.read_text(encoding="utf-8", errors="replace")
    assert "INSERT INTO checkpoints" in server_log, "the log must show the checkpoint the server signed"
    texts = _every_row(database.url) | {"server log": server_log}
    assert "checkpoints" in texts and texts["checkpoints"].count("\n") >= 1
    if database.backend == "sqlite":  # the file itself, free pages and write-ahead log included
        path = database.url.removeprefix("sqlite:///")
        for suffix in ("", "-wal"):
            if os.path.exists(path + suffix):
                with open(path + suffix, "rb") as handle:
                    texts[f"database file{suffix}"] = handle.read().decode("latin-1")
    secrets = _secrets(data_dir)
    assert _leaks({"the key file": (data_dir / "signing.key").read_text()}, secrets), "the search finds it"
    assert _leaks(texts, secrets) == []
