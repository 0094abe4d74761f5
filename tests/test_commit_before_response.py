"""A write is acknowledged only after it is committed: a commit that fails never yields a 201."""

from fastapi.testclient import TestClient
from sqlalchemy import text

from app.db import build_engine
from app.main import create_app
from tests.support import bearer

CODE = "odf-kz-2015-5.5"
MARKER = "FAIL-AT-COMMIT"

# A tripwire that fires only at COMMIT (deferred), when an entry carries the marker.
SQLITE_TRIPWIRE = [
    "CREATE TABLE tripwire_target (id INTEGER PRIMARY KEY)",
    "CREATE TABLE tripwire (ref INTEGER REFERENCES tripwire_target (id) DEFERRABLE INITIALLY DEFERRED)",
    f"""CREATE TRIGGER tripwire_on_history AFTER INSERT ON history_entries
        WHEN NEW.payload LIKE '%{MARKER}%'
        BEGIN INSERT INTO tripwire (ref) VALUES (999); END""",
]
POSTGRES_TRIPWIRE = [
    f"""CREATE FUNCTION tripwire() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.payload LIKE '%{MARKER}%' THEN RAISE EXCEPTION 'tripwire at commit'; END IF;
            RETURN NULL;
        END $$""",
    """CREATE CONSTRAINT TRIGGER tripwire_on_history AFTER INSERT ON history_entries
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tripwire()""",
]


def test_failed_commit_is_not_acknowledged(settings, monitor_token, database):
    engine = build_engine(database.url)
    with engine.begin() as connection:
        for statement in SQLITE_TRIPWIRE if database.backend == "sqlite" else POSTGRES_TRIPWIRE:
            connection.execute(text(statement))
    engine.dispose()
    url = f"/api/v1/recommendations/{CODE}"
    # As a real server would: the failure becomes a response, not an exception in the test.
    client = TestClient(create_app(settings), raise_server_exceptions=False)
    etag = client.get(url).headers["etag"]
    response = client.post(
        f"{url}/assessments",
        json={"status": "implemented", "summary": f"Synthetic {MARKER}."},
        headers=bearer(monitor_token) | {"If-Match": etag},
    )
    assert response.status_code >= 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert client.get(url).json()["version"] == 1
    assert len(client.get(f"{url}/history").json()["items"]) == 1
    # The same write without the marker goes through: the failure was the commit, not the request.
    ok = client.post(
        f"{url}/assessments",
        json={"status": "implemented", "summary": "Synthetic."},
        headers=bearer(monitor_token) | {"If-Match": etag},
    )
    assert ok.status_code == 201
