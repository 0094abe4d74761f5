"""Schemathesis fuzzes the whole API against our OpenAPI schema as a monitor: no 5xx, responses conform.

This file is the SQLite leg; tests/test_fuzz_api_postgresql.py runs the same fuzz on PostgreSQL, as a file of
its own so that the two legs, the suite's longest, run on two workers at once."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from app.main import create_app
from tests.support import bearer


@pytest.fixture
def api_schema(settings):
    """The app's own schema, served by an app on the test's seeded database."""
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(settings))


schema = schemathesis.pytest.from_fixture("api_schema")
FUZZ_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
pytestmark = pytest.mark.sqlite_only


def call_and_validate(case, monitor_token) -> None:
    """One generated request as a monitor, checked against the schema."""
    # Expected statuses for schema-valid requests (412, 428, ...) are listed in schemathesis.toml.
    case.call_and_validate(headers=bearer(monitor_token))


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_conforms(case, monitor_token):
    call_and_validate(case, monitor_token)
