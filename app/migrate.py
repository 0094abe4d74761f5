"""Alembic from inside the app: the configuration wherever the package is installed, and the head revision."""

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

import migrations
from app.db import build_engine
from migrations.record_guard import BACKUP_ATTRIBUTE

# Alembic's relative steps down: -1, head-2, 0006-1.
RELATIVE_DOWN = re.compile(r"(^|[^-])-\d+$")


def alembic_config(database_url: str | None = None) -> Config:
    """An Alembic configuration that finds the migrations wherever the package is installed."""
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    if database_url:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@lru_cache
def made_on(dialect: str) -> Callable[..., bool]:
    """Alembic's `include_object` for a database of `dialect`: leaves out what the models make elsewhere only
    (an index marked `info={"only_on": ...}` and `ddl_if`), so that autogenerate compares like with like."""

    def include(item: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        only_on = getattr(item, "info", {}).get("only_on")
        return only_on is None or only_on == dialect

    return include


def head_revision() -> str | None:
    """The newest migration this code expects."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade(database_url: str, revision: str = "head") -> None:
    """Run the migrations up to a revision."""
    command.upgrade(alembic_config(database_url), revision)


def is_downgrade(database_url: str, revision: str) -> bool:
    """True when reaching `revision` means going down from the database's current one."""
    if revision == "base" or RELATIVE_DOWN.search(revision):
        return True
    script = ScriptDirectory.from_config(alembic_config())
    try:
        target = script.get_revision(revision)
    except CommandError:
        return False  # the upgrade says what is wrong with it
    engine = build_engine(database_url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    if target is None or current is None or target.revision == current:
        return False
    return any(ancestor.revision == target.revision for ancestor in script.iterate_revisions(current, "base"))


def migrate(database_url: str, revision: str = "head", *, backup: str | None = None) -> str:
    """Upgrade or downgrade to a revision (a downgrade that drops the record needs `backup`); say which."""
    config = alembic_config(database_url)
    if is_downgrade(database_url, revision):
        config.attributes[BACKUP_ATTRIBUTE] = backup
        command.downgrade(config, revision)
        return "downgrade"
    command.upgrade(config, revision)
    return "upgrade"
