"""Check the translations table against the translation_recorded entries that recorded each row.

A recommendation's text translation is an entry in its chain (or, for the seed, in its genesis entry's
`translations`); a section's or source's title translation an
entry in the chain of each of its recommendations. Per subject and language, the rows in id order must be
the distinct recorded translations in time order, each superseded when the next was recorded.
"""

import json
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from app.history.state_findings import Findings, plain
from app.models import HistoryEntry, Recommendation, Translation
from app.vocabulary import HistoryKind

_entry = HistoryEntry.__table__.c
_rec = Recommendation.__table__.c
_tr = Translation.__table__.c
_GENESIS = HistoryKind.genesis.value
# Translation entries, and the genesis entries that anchor translations (the seed's: canonical JSON has no
# space after the colon) or whose content is withdrawn.
_ENTRIES = (
    select(
        _rec.id,
        _rec.code,
        _rec.section_id,
        _rec.source_id,
        _entry.kind,
        _entry.recorded_at,
        _entry.recorded_by,
        _entry.payload,
    )
    .select_from(HistoryEntry.__table__.join(Recommendation.__table__, _rec.id == _entry.recommendation_id))
    .where(
        or_(
            _entry.kind == HistoryKind.translation_recorded.value,
            and_(
                _entry.kind == _GENESIS,
                or_(
                    _entry.payload.contains('"translations":', autoescape=True),
                    _entry.payload == "null",
                    # Not as the app writes genesis entries (the chains check reports it): anchors unknown.
                    ~_entry.payload.contains('"text":', autoescape=True),
                ),
            ),
        )
    )
    .order_by(_entry.id)
)
_ROWS = select(
    _tr.id,
    _tr.subject_kind,
    _tr.subject_id,
    _tr.language,
    _tr.text,
    _tr.provenance,
    _tr.translator,
    _tr.recorded_at,
    _tr.recorded_by,
    _tr.superseded_at,
).order_by(_tr.id)
Key = tuple[str, int, str]
Event = tuple[datetime, int | None, str, str, str | None]


def check_translations(findings: Findings, connection: Connection) -> None:
    """Every translation row as its entries record it, superseded exactly when the next one was recorded."""
    events: dict[Key, dict[Event, str]] = defaultdict(dict)
    withdrawn: set[tuple[str, int]] = set()
    for rec_id, code, section_id, source_id, kind, recorded_at, recorded_by, raw in connection.execute(
        _ENTRIES
    ):
        payload = json.loads(raw) if raw is not None else None
        if not isinstance(payload, dict) or (
            kind == _GENESIS and "text" not in payload
        ):  # withdrawn (or not the app's): what it translated is unknown, so is what is near it
            withdrawn.update({("recommendation", rec_id), ("section", section_id), ("source", source_id)})
            continue
        owners = {"recommendation": rec_id, "section": section_id, "source": source_id}
        for recorded in payload.get("translations", []) if kind == _GENESIS else [payload]:
            subject = recorded["subject"]
            event = (
                recorded_at,
                recorded_by,
                recorded["text"],
                recorded["provenance"],
                recorded["translator"],
            )
            events[(subject, owners[subject], recorded["language"])].setdefault(event, code)
    rows: dict[Key, list[Any]] = defaultdict(list)
    for row in connection.execute(_ROWS):
        rows[(row.subject_kind, row.subject_id, row.language)].append(row)
    chainless = _without_chain(
        connection, [key[1] for key in rows if key[0] == "recommendation" and key not in events]
    )
    for key in sorted(set(rows) | set(events)):
        if key[:2] in withdrawn:
            findings.unanchored["translations_of_withdrawn_entries"] += len(rows.get(key, []))
            continue
        if key[0] == "recommendation" and key[1] in chainless:  # the chains check reports the deletion
            findings.unanchored["translations_without_chain"] += len(rows[key])
            continue
        _check_subject(findings, key, rows.get(key, []), sorted(events.get(key, {}).items()))


def _without_chain(connection: Connection, recommendation_ids: list[int]) -> set[int]:
    """Those of the recommendations that have no entries at all (deleted with their chain)."""
    if not recommendation_ids:
        return set()
    having = (
        select(_entry.recommendation_id).where(_entry.recommendation_id.in_(recommendation_ids)).distinct()
    )
    return set(recommendation_ids) - set(connection.scalars(having))


def _check_subject(findings: Findings, key: Key, rows: list[Any], recorded: list[tuple[Event, str]]) -> None:
    subject, subject_id, language = key
    where = {"subject": subject, "subject_id": subject_id, "language": language}
    code = recorded[0][1] if recorded else None
    findings.checked["translations"] += len(rows)
    if not findings.compare("translations", code, "translations recorded", len(recorded), len(rows), **where):
        return
    for index, (row, (event, code)) in enumerate(zip(rows, recorded, strict=True)):
        stored = (row.recorded_at, row.recorded_by, row.text, row.provenance, row.translator)
        if not findings.compare(
            "translations",
            code,
            "translations row",
            [plain(v) for v in event],
            [plain(v) for v in stored],
            id=row.id,
        ):
            return
        following = recorded[index + 1][0][0] if index + 1 < len(recorded) else None
        if not findings.compare(
            "translations", code, "translations.superseded_at", following, row.superseded_at, id=row.id
        ):
            return
