"""SQLite writers of one process take turns (app/write_turn.py): waited for, given back however they end."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from app.write_turn import install_write_turn

WRITE = "test_write"


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    install_write_turn(engine, WRITE, timeout_seconds=0.2)
    yield engine
    engine.dispose()


def test_a_second_writer_waits_and_gets_the_turn_once_the_first_ends(engine):
    writes = engine.execution_options(**{WRITE: True})
    first = writes.connect()
    first.begin()
    with pytest.raises(OperationalError, match="database is locked"), writes.connect() as second:
        second.begin()
    with engine.connect() as reader:  # readers never wait for the turn
        assert reader.execute(text("SELECT 1")).scalar_one() == 1
    first.rollback()
    first.close()
    with writes.connect() as second:
        second.begin()
        second.commit()


def test_the_turn_comes_back_from_a_broken_connection(engine):
    writes = engine.execution_options(**{WRITE: True})
    broken = writes.connect()
    broken.begin()
    broken.invalidate()  # no COMMIT or ROLLBACK reaches the database
    with writes.connect() as after:
        after.begin()
        after.commit()
    broken.close()
