"""Suggestions: another source's recommendations ranked against one recommendation (docs/design.md).

The candidates' stored terms are read in one query and ranked in Python (app/suggestions/ranking.py): no
index to keep, and at 10,000 candidates well under a second (`make bench`, section "suggest"); what the
chosen ones show is read after, in a second query.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, case, or_, select
from sqlmodel import Session

from app.errors import NotFound, Unprocessable
from app.models import Category, Recommendation, RecommendationCategory, RecommendationLink, Source
from app.suggestions.ranking import Candidate, CandidateIndex, Ranked
from app.text_terms import CONCEPT_LABELS, CONCEPT_MARK, analyse, stored_terms, terms_of
from app.vocabulary import CategoryKind

_rec = Recommendation.__table__.c
_source = Source.__table__.c
_link = RecommendationCategory.__table__.c
_category = Category.__table__.c
_pair = RecommendationLink.__table__.c

# The recommendation asked about, with the id of the source whose candidates are wanted (None: no such slug).
_QUERY = select(
    _rec.id,
    _rec.source_id,
    _rec.text,
    _rec.terms,
    select(_source.id).where(_source.slug == bindparam("source")).scalar_subquery().label("target_id"),
).where(_rec.code == bindparam("code"))
# Every candidate of a source: its terms, and its text only where no terms are stored yet.
_CANDIDATES = (
    select(_rec.id, _rec.code, _rec.terms, case((_rec.terms.is_(None), _rec.text)))
    .where(_rec.source_id == bindparam("source_id"))
    .order_by(_rec.section_number, _rec.number)
)
# What a suggestion shows of the chosen candidates (or of a whole source): one row per recommending state.
_STATES = RecommendationCategory.__table__.join(
    Category.__table__,
    and_(_category.id == _link.category_id, _category.kind == CategoryKind.recommending_state.value),
)
_SHOWN = (
    select(_rec.id, _rec.text, _rec.response, _category.slug, _category.label)
    .select_from(Recommendation.__table__.outerjoin(_STATES, _link.recommendation_id == _rec.id))
    .order_by(_rec.id, _category.slug)
)
_SHOWN_BY_ID = _SHOWN.where(_rec.id.in_(bindparam("ids", expanding=True)))
_SHOWN_OF_SOURCE = _SHOWN.where(_rec.source_id == bindparam("source_id"))
_SOURCE_RECOMMENDATIONS = (
    select(_rec.id, _rec.code, _rec.text, _rec.terms)
    .where(_rec.source_id == bindparam("source_id"))
    .order_by(_rec.section_number, _rec.number)
)
# The active links of one recommendation, or of every recommendation of a source, in either column.
_ACTIVE = _pair.unlinked_at.is_(None)
_LINKED = select(_pair.recommendation_id, _pair.other_id).where(
    _ACTIVE, or_(_pair.recommendation_id == bindparam("id"), _pair.other_id == bindparam("id"))
)
_OF_SOURCE = select(_rec.id).where(_rec.source_id == bindparam("source_id")).scalar_subquery()
_LINKED_FROM_SOURCE = select(_pair.recommendation_id, _pair.other_id).where(
    _ACTIVE, or_(_pair.recommendation_id.in_(_OF_SOURCE), _pair.other_id.in_(_OF_SOURCE))
)


class Candidates:
    """A source's recommendations, their terms read once, ranked against any recommendation of another source.

    Only the terms are read for ranking (10,000 texts would cost more than ranking them); what a suggestion
    shows is read for the chosen candidates, or for the whole source at once with `read_all`.
    """

    def __init__(self, session: Session, source_id: int, slug: str) -> None:
        self.session, self.source_id, self.slug = session, source_id, slug
        rows = session.execute(_CANDIDATES, {"source_id": source_id}).tuples().all()
        self.ids: dict[str, int] = {code: rec_id for rec_id, code, _, _ in rows}
        candidates = [
            Candidate(code, terms.split() if terms is not None else terms_of(text))
            for _, code, terms, text in rows
        ]
        self.index = CandidateIndex(candidates)
        self.shown: dict[int, dict[str, Any]] = {}

    def read_all(self) -> None:
        """Read what a suggestion shows of every candidate, in one query."""
        self._read(_SHOWN_OF_SOURCE, {"source_id": self.source_id})

    def _read(self, statement: Select[Any], params: dict[str, Any]) -> None:
        for rec_id, text, response, state, label in self.session.execute(statement, params):
            shown = self.shown.setdefault(rec_id, {"text": text, "response": response, "states": []})
            if state is not None:
                shown["states"].append({"slug": state, "label": label})

    def suggest(self, query_terms: Sequence[str], linked: set[int], limit: int) -> list[dict[str, Any]]:
        """The best `limit` candidates for these terms, each as the API shows a suggestion."""
        ranked = self.index.rank(query_terms, limit)
        missing = [self.ids[item.candidate.code] for item in ranked]
        missing = [rec_id for rec_id in missing if rec_id not in self.shown]
        if missing:
            self._read(_SHOWN_BY_ID, {"ids": missing})
        return [self._item(item, linked) for item in ranked]

    def _item(self, ranked: Ranked, linked: set[int]) -> dict[str, Any]:
        code = ranked.candidate.code
        rec_id = self.ids[code]
        shown = self.shown[rec_id]
        return {
            "code": code,
            "text": shown["text"],
            "source": self.slug,
            "recommending_states": shown["states"],
            "response": shown["response"],
            "score": round(ranked.score, 3),
            "matched": readable(ranked.matched, shown["text"]),
            "linked": rec_id in linked,
        }


def readable(terms: Sequence[str], text: str) -> list[str]:
    """Matched terms as people read them: a concept's name, else the word of the text it came from."""
    normal, analysed = analyse(text)
    words: dict[str, str] = {}
    for found in analysed:
        word = normal[found.start : found.end]
        # "Ensure" opens a sentence; "NGOs" and "OSCE" are written so.
        words.setdefault(found.term, word if any(c.isupper() for c in word[1:]) else word.lower())
    shown: list[str] = []
    for term in terms:
        word = CONCEPT_LABELS[term] if term.startswith(CONCEPT_MARK) else words.get(term, term)
        if word not in shown:
            shown.append(word)
    return shown


def _partners(rows: Sequence[tuple[int, int]]) -> dict[int, set[int]]:
    """For each recommendation of the link rows, the ids of those it is linked to (either order)."""
    found: dict[int, set[int]] = {}
    for first, second in rows:
        found.setdefault(first, set()).add(second)
        found.setdefault(second, set()).add(first)
    return found


def _query(session: Session, code: str, source_slug: str) -> Row[Any]:
    row = session.execute(_QUERY, {"code": code, "source": source_slug}).first()
    if row is None:
        raise NotFound(f"No recommendation has the code {code!r}.")
    if row.target_id is None:
        raise NotFound(f"No source has the slug {source_slug!r}.")
    if row.target_id == row.source_id:
        raise Unprocessable(
            f"{code} is a recommendation of {source_slug}: suggestions come from another source."
        )
    return row


def suggest(session: Session, code: str, source_slug: str, limit: int) -> list[dict[str, Any]]:
    """The `limit` recommendations of a source that best match one of another source, best first.

    404 for an unknown code or source, 422 when the source is the recommendation's own.
    """
    query = _query(session, code, source_slug)
    candidates = Candidates(session, query.target_id, source_slug)
    links = session.execute(_LINKED, {"id": query.id}).tuples().all()
    linked = _partners(links).get(query.id, set())
    return candidates.suggest(stored_terms(query.terms, query.text), linked, limit)


def suggest_for_source(
    session: Session, from_slug: str, to_slug: str, limit: int
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Suggestions for every recommendation of one source from another, the candidates read once.

    In the first source's natural order: ({"code", "text"} of each, its suggestions best first).
    """
    # .all(): dict() would take a Result, which has keys(), for a mapping.
    sources = dict(
        session.execute(select(_source.slug, _source.id).where(_source.slug.in_([from_slug, to_slug])))
        .tuples()
        .all()
    )
    for slug in (from_slug, to_slug):
        if slug not in sources:
            raise NotFound(f"No source has the slug {slug!r}.")
    if from_slug == to_slug:
        raise Unprocessable("Suggestions link two different sources: name another source.")
    candidates = Candidates(session, sources[to_slug], to_slug)
    candidates.read_all()
    queries = session.execute(_SOURCE_RECOMMENDATIONS, {"source_id": sources[from_slug]}).all()
    links = session.execute(_LINKED_FROM_SOURCE, {"source_id": sources[from_slug]}).tuples().all()
    linked = _partners(links)
    return [
        (
            {"code": row.code, "text": row.text},
            candidates.suggest(stored_terms(row.terms, row.text), linked.get(row.id, set()), limit),
        )
        for row in queries
    ]
