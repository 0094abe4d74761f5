"""What a bundle holds: every table of the metadata in foreign-key order, less what is left out on purpose."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table on the metadata)

# Never in a bundle: each with the reason, which the header repeats.
LEFT_OUT = {
    "idempotency_records": "replays of answers to retried requests, kept 48 hours: a restored instance "
    "starts without them, so a client's retry of a request made before the backup writes again",
    "past_scorecards": "scorecards as known at a settled past time, derived from the history: a restored "
    "instance computes each again when first asked",
    "status_periods": "each perspective's status periods, derived from the history: the database's trigger "
    "makes them again as the restored entries are written",
    "status_pairs": "both perspectives' statuses side by side, derived from the status periods: made again "
    "with them",
}
TOKENS = "api_tokens"
TOKENS_LEFT_OUT = "token hashes: only with --include-tokens"
# Replaced in a bundle unless names are included: (table, column) -> the column whose value stands in.
NAMES = {("monitors", "name"): "alias"}


@dataclass(frozen=True)
class Options:
    """What an export includes beyond the default."""

    include_names: bool = False
    include_tokens: bool = False

    def as_record(self) -> dict[str, Any]:
        """The header's record of the options."""
        return {"include_names": self.include_names, "include_tokens": self.include_tokens}


def left_out(options: Options) -> dict[str, str]:
    """The tables an export with these options leaves out, and why."""
    return LEFT_OUT | ({} if options.include_tokens else {TOKENS: TOKENS_LEFT_OUT})


def bundled_tables(options: Options) -> list[Table]:
    """Every table an export with these options writes, parents before children."""
    skipped = left_out(options)
    return [table for table in SQLModel.metadata.sorted_tables if table.name not in skipped]


def stand_ins(table: Table, options: Options) -> dict[str, str]:
    """Columns of the table whose values are replaced by another column's: {column: stand-in column}."""
    if options.include_names:
        return {}
    return {column: stand_in for (name, column), stand_in in NAMES.items() if name == table.name}


def metadata_table(name: str) -> Table | None:
    """The table of that name in this code's metadata, if it has one."""
    return SQLModel.metadata.tables.get(name)
