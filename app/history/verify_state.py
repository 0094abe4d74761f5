"""Verify what the public sees against the chains, not only the chains' hashes.

Texts, statuses, claimed statuses, versions, evidence items, links, categories, sections, sources and aliases
are denormalised copies of what the entries record: someone with write access to the database could change
them without touching a hash. One streaming pass over every recommendation with its entries, links and
categories (state_streams), then a few counts; each check reports its first discrepancy with the code.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, exists, func, select
from sqlmodel import Session

from app.db import WRITE_OPTION, is_postgres
from app.history.checkpoints import key_id
from app.history.state_findings import Findings
from app.history.state_rules import Tallies, Tally, check_group
from app.history.state_streams import BATCH, groups
from app.history.state_translations import check_translations
from app.models import (
    Category,
    Checkpoint,
    Evidence,
    Monitor,
    Recommendation,
    RecommendationEvidence,
    Section,
    Source,
    derived_alias,
)


def with_state(session: Session, report: dict[str, Any]) -> dict[str, Any]:
    """The report with `state` added; not ok when what the public sees differs from the chains."""
    state = verify_state(session)
    return {**report, "ok": report["ok"] and state["ok"], "state": state}


def verify_state(session: Session) -> dict[str, Any]:
    """Check everything the public sees against the chains, in one consistent snapshot of the database."""
    findings, tallies = Findings(), Tallies()
    with _snapshot(session) as connection:
        for group in groups(connection):
            check_group(findings, group, tallies)
        _check_counts(findings, connection, tallies)
        _check_aliases(findings, connection)
        _check_checkpoint_keys(findings, connection)
        check_translations(findings, connection)
        _count_unanchored(findings, connection, tallies)
    return findings.report()


@contextmanager
def _snapshot(session: Session) -> Iterator[Connection]:
    """A read-only connection of its own: one snapshot for every statement (REPEATABLE READ on PostgreSQL,
    a deferred transaction on SQLite, which never takes the write lock)."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    assert isinstance(engine, Engine)
    engine = engine.execution_options(**{WRITE_OPTION: False})
    if is_postgres(engine):
        engine = engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    with engine.connect() as connection:
        try:
            yield connection
        finally:
            connection.rollback()


def _check_counts(findings: Findings, connection: Connection, tallies: Tallies) -> None:
    """As many recommendations per section and source as their genesis entries anchor: a deleted one shows."""
    for section_id, tally in sorted(tallies.sections.items()):
        if tally.anchored is None:
            continue
        findings.checked["sections"] += 1
        if tally.anchored != tally.found:
            what = f"recommendations in section {tally.section} of {tally.slug}"
            missing = _first_missing(connection, section_id, tally)
            findings.differs("chains", missing, what, tally.anchored, tally.found)
    for _, tally in sorted(tallies.sources.items()):
        if tally.anchored is None:
            continue
        findings.checked["sources"] += 1
        what = f"recommendations of {tally.slug}"
        findings.compare("chains", None, what, tally.anchored, tally.found)


def _first_missing(connection: Connection, section_id: int, tally: Tally) -> str | None:
    """The code of the first number missing from a section's 1..n, if its numbers have a gap."""
    numbers = connection.scalars(
        select(Recommendation.__table__.c.number)
        .where(Recommendation.__table__.c.section_id == section_id)
        .order_by(Recommendation.__table__.c.number)
    )
    expected = 1
    for number in numbers:
        if number != expected:
            break
        expected += 1
    return (
        f"{tally.slug}-{tally.section}.{expected}" if tally.anchored and expected <= tally.anchored else None
    )


def _check_aliases(findings: Findings, connection: Connection) -> None:
    """Every alias is derived from its monitor's id, so a name swapped in shows."""
    monitor = Monitor.__table__.c
    statement = select(monitor.id, monitor.alias).order_by(monitor.id)
    for monitor_id, alias in connection.execution_options(yield_per=BATCH).execute(statement):
        findings.checked["monitors"] += 1
        expected = derived_alias(monitor_id)
        if alias != expected:
            findings.differs("aliases", None, "monitors.alias", expected, alias, monitor_id=monitor_id)


def _check_checkpoint_keys(findings: Findings, connection: Connection) -> None:
    """Each checkpoint's key id is derived from its public key (the signature covers neither)."""
    checkpoint = Checkpoint.__table__.c
    statement = select(checkpoint.tree_size, checkpoint.key_id, checkpoint.public_key).order_by(
        checkpoint.tree_size
    )
    for tree_size, stored, public_key in connection.execution_options(yield_per=BATCH).execute(statement):
        findings.checked["checkpoints"] += 1
        try:
            expected = key_id(public_key)
        except ValueError:  # not base64: the signature check reports the checkpoint
            continue
        findings.compare("checkpoints", None, "checkpoints.key_id", expected, stored, tree_size=tree_size)


def _count_unanchored(findings: Findings, connection: Connection, tallies: Tallies) -> None:
    """Rows the public may see that no chain anchors (seeded before genesis entries anchored them)."""
    link = RecommendationEvidence.__table__.c
    evidence = Evidence.__table__.c
    unlinked = select(func.count()).where(~exists().where(link.evidence_id == evidence.id))
    totals = {
        "evidence_without_links": connection.scalar(unlinked.select_from(Evidence.__table__)) or 0,
        "sections_without_anchor": _count(connection, Section) - findings.checked["sections"],
        "sources_without_anchor": _count(connection, Source) - findings.checked["sources"],
        "categories_without_anchor": _count(connection, Category) - len(tallies.anchored_categories),
    }
    for key, count in totals.items():
        if count:
            findings.unanchored[key] += count


def _count(connection: Connection, model: Any) -> int:
    return connection.scalar(select(func.count()).select_from(model.__table__)) or 0
