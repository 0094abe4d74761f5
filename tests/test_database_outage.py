"""A database restart cuts pooled connections: the request that meets one gets 503, never 500."""

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.support import assess

CODE = "odf-kz-2015-7.10"


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_cut_connection_is_a_503_and_the_next_request_succeeds(client, database, monitor_token):
    assert client.get(f"/api/v1/recommendations/{CODE}").status_code == 200  # the pool holds a connection
    url = make_url(database.url)
    admin = url.set(database="postgres").render_as_string(hide_password=False).replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as connection:
        cut = connection.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s",
            (url.database,),
        ).fetchone()
    assert cut is not None and cut[0] >= 1
    answers = [client.get(f"/api/v1/recommendations/{CODE}") for _ in range(3)]
    refused = [answer for answer in answers if answer.status_code != 200]
    assert refused, "the cut connection was used: its request must fail, as a 503"
    assert all(answer.status_code == 503 for answer in refused), [a.status_code for a in answers]
    assert all(answer.headers["retry-after"] == "1" for answer in refused)
    assert all(answer.json()["type"] == "urn:rectrack:problem:database-unavailable" for answer in refused)
    assert answers[-1].status_code == 200
    # A write after the outage goes through: the pool replaced what was cut.
    assess(client, monitor_token, CODE, {"status": "implemented", "summary": "After the outage."})
