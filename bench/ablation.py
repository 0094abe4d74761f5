"""Measurement only, never for serving: what a part of the app costs, shown by switching it off for a run.

`make bench` runs the writes once more with the status periods' trigger off (what keeping the periods costs a
write). (SQLite writers queued on a process-wide lock, measured here before, are now the app's own:
app/write_turn.py.)
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from app.db import build_engine
from app.history.periods import fill_derived, trigger_off


@contextmanager
def periods_trigger_off(url: str, recommendation_ids: Sequence[int]) -> Iterator[None]:
    """The periods' trigger off while the block writes to these recommendations; then on again, and their
    periods and pairs made again from their entries, so the database is as the app leaves it."""
    engine = build_engine(url)
    with engine.begin() as connection:
        switch_on = trigger_off(connection)
    try:
        yield
    finally:
        with engine.begin() as connection:
            switch_on(connection)
            fill_derived(connection, recommendation_ids)
        engine.dispose()
