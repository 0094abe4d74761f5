"""The API fuzz's PostgreSQL leg (tests/test_fuzz_api.py is the SQLite one and holds the setup)."""

import pytest

from tests.test_fuzz_api import FUZZ_SETTINGS, api_schema, call_and_validate, schema

pytestmark = pytest.mark.postgresql_only
__all__ = ["api_schema"]  # the fixture the schema is built from


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_conforms(case, monitor_token):
    call_and_validate(case, monitor_token)
