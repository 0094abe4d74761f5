"""What one recommendation's chain says its public state must be: text, statuses, version, links, anchors."""

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.vocabulary import HistoryKind, Perspective, Status

# The denormalised column each perspective's latest assessment sets: the write protocol's
# STATUS_COLUMNS (app/recommendations/write_protocol.py), restated because history imports no domain
# package; a test keeps the two equal.
STATUS_COLUMNS = {Perspective.independent.value: "status", Perspective.state.value: "claimed_status"}
# Plain strings: an enum member's .value costs a call, once per entry at millions of entries.
GENESIS, ASSESSMENT = HistoryKind.genesis.value, HistoryKind.assessment.value
CORRECTION = HistoryKind.correction.value
RESPONSE_KINDS = (GENESIS, HistoryKind.response_recorded.value)
LINKED, UNLINKED = HistoryKind.evidence_linked.value, HistoryKind.evidence_unlinked.value
NOT_ASSESSED = Status.not_assessed.value
TEXT_KINDS = (GENESIS, HistoryKind.text_changed.value)
LINK_KINDS = (
    HistoryKind.genesis.value,
    HistoryKind.evidence_linked.value,
    HistoryKind.evidence_unlinked.value,
)
PAIR_LINKED, PAIR_UNLINKED = (
    HistoryKind.recommendation_linked.value,
    HistoryKind.recommendation_unlinked.value,
)


@dataclass
class Unlink:
    """The entry that ended a link."""

    recorded_at: datetime
    recorded_by: int | None
    payload: dict[str, Any]


@dataclass
class LinkEvent:
    """One link the chain records: an evidence_linked entry, one item of a genesis entry's evidence, or a
    recommendation_linked entry."""

    recorded_at: datetime
    recorded_by: int | None
    payload: dict[str, Any]
    genesis: bool
    unlink: Unlink | None = None
    entry_id: int | None = None  # the entry that made it (None for a genesis item), for corrections


@dataclass
class ChainFacts:
    """What a recommendation's entries, read in seq order, say about it."""

    length: int = 0
    latest: dict[str, tuple[date, int, str]] = field(default_factory=dict)
    text: str | None = None
    last_assessed_at: datetime | None = None
    genesis_at: datetime | None = None
    genesis: dict[str, Any] | None = None
    links: dict[int, list[LinkEvent]] = field(default_factory=lambda: defaultdict(list))
    # A withdrawn link entry's payload is gone, so which item it linked is unknown: links are not checked.
    links_readable: bool = True
    # Unlink entries that name no open link: the chain contradicts itself.
    stray_unlinks: list[int] = field(default_factory=list)
    # The state's response as the newest genesis or response_recorded entry records it (response, the word).
    response: tuple[str | None, str | None] = (None, None)
    response_readable: bool = True  # False once a response entry is withdrawn
    # Entries whose response column is not the response their payload records: (seq, payload's, column's).
    response_copies: list[tuple[int, str | None, str | None]] = field(default_factory=list)
    # Links to other recommendations by the other's code, in seq order; unreadable once one is withdrawn.
    pair_links: dict[str, list[LinkEvent]] = field(default_factory=lambda: defaultdict(list))
    pair_links_readable: bool = True
    stray_pair_unlinks: list[int] = field(default_factory=list)

    def status(self, perspective: str) -> str:
        """The status of the perspective's latest entry by (effective_on, seq), as writes set it."""
        latest = self.latest.get(perspective)
        return latest[2] if latest is not None and latest[2] is not None else NOT_ASSESSED


def read_chain(entries: Sequence[Sequence[Any]]) -> ChainFacts:
    """Read one chain's entries (the ENTRIES stream's rows, in seq order); raises on an unreadable payload."""
    facts = ChainFacts(length=len(entries))
    # A corrected entry no longer counts for statuses; a correction with a perspective counts instead.
    superseded = {entry[11] for entry in entries if entry[11] is not None}
    for (
        _,
        entry_id,
        seq,
        kind,
        status,
        perspective,
        effective_on,
        recorded_at,
        recorded_by,
        raw,
        response,
        supersedes,
    ) in entries:
        counts = entry_id not in superseded
        if perspective in STATUS_COLUMNS and counts:
            key = (effective_on, seq)
            current = facts.latest.get(perspective)
            if current is None or key > current[:2]:
                facts.latest[perspective] = (effective_on, seq, status)
        assessed = kind == ASSESSMENT or (kind == CORRECTION and perspective is not None)
        if assessed and counts and (facts.last_assessed_at is None or recorded_at > facts.last_assessed_at):
            facts.last_assessed_at = recorded_at
        if raw is None:
            continue
        payload = json.loads(raw)
        if payload is None:  # withdrawn: what it recorded is unknown now
            facts.links_readable = facts.links_readable and kind not in (*LINK_KINDS, CORRECTION)
            facts.pair_links_readable = facts.pair_links_readable and kind not in (PAIR_LINKED, PAIR_UNLINKED)
            if kind in TEXT_KINDS:
                facts.text = None
            if kind in RESPONSE_KINDS:
                facts.response_readable = False
            continue
        if kind in TEXT_KINDS and "text" in payload:
            facts.text = payload["text"]
        if kind in RESPONSE_KINDS:
            recorded = payload.get("response")
            if recorded != response:
                facts.response_copies.append((seq, recorded, response))
            if recorded is not None or kind != GENESIS:
                facts.response = (recorded, payload.get("response_original"))
        if kind == GENESIS:
            if seq == 1:
                facts.genesis_at, facts.genesis = recorded_at, payload
            for item in payload.get("evidence", []):
                facts.links[item["evidence_id"]].append(LinkEvent(recorded_at, None, item, genesis=True))
        elif kind == LINKED:
            event = LinkEvent(recorded_at, recorded_by, payload, genesis=False, entry_id=entry_id)
            facts.links[payload["evidence_id"]].append(event)
        elif kind == CORRECTION and "evidence_id" in payload:
            _correct_link(facts, seq, entry_id, supersedes, recorded_at, recorded_by, payload)
        elif kind == UNLINKED:
            open_links = [
                event for event in facts.links.get(payload["evidence_id"], []) if event.unlink is None
            ]
            if open_links:
                open_links[-1].unlink = Unlink(recorded_at, recorded_by, payload)
            else:
                facts.stray_unlinks.append(seq)
        elif kind == PAIR_LINKED:
            facts.pair_links[payload["other"]].append(
                LinkEvent(recorded_at, recorded_by, payload, genesis=False)
            )
        elif kind == PAIR_UNLINKED:
            events = facts.pair_links.get(payload["other"], [])
            if events and events[-1].unlink is None:
                events[-1].unlink = Unlink(recorded_at, recorded_by, payload)
            else:
                facts.stray_pair_unlinks.append(seq)
    return facts


def _correct_link(
    facts: ChainFacts,
    seq: int,
    entry_id: int,
    supersedes: int | None,
    recorded_at: datetime,
    recorded_by: int | None,
    payload: dict[str, Any],
) -> None:
    """A correction of a link ends the link its entry made and, with corrected values, makes a new one."""
    events = facts.links[payload["evidence_id"]]
    ended = [event for event in events if event.entry_id == supersedes and event.unlink is None]
    if ended:
        ended[0].unlink = Unlink(recorded_at, recorded_by, payload)
    else:
        facts.stray_unlinks.append(seq)
    if "relation" in payload:
        events.append(LinkEvent(recorded_at, recorded_by, payload, genesis=False, entry_id=entry_id))
