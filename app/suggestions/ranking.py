"""BM25 over term lists (app/text_terms.py): which candidates ask for what the query asks for, best first.

Pure: no database. k1 1.2 and b 0.75 (the usual values; short texts of similar length, so length matters
little); the idf comes from the candidate set, so a word every candidate shares ("ensure") weighs little.
A concept and the words it stands for count once: `defamation` in both texts matches `defam` and
`~defamation`, and counting both would rank a candidate that says "defamation" far above one that says
"libel". Each matched concept takes the best of its own weight and its matched words' (docs/design.md).
"""

import math
from collections.abc import Sequence
from typing import NamedTuple

from app.text_terms import CONCEPT_MARK, phrase_stems

K1 = 1.2
B = 0.75


class Candidate(NamedTuple):
    """A recommendation that may be suggested: its code and its terms (with repeats, in text order).

    A named tuple: made 10,000 times a request, where a frozen dataclass's __init__ showed.
    """

    code: str
    terms: Sequence[str]


class Ranked(NamedTuple):
    """A candidate with its score and the terms that earned it, the weightiest first."""

    candidate: Candidate
    score: float
    matched: tuple[str, ...]


class CandidateIndex:
    """The candidates' lengths, read once and ranked against any number of queries."""

    def __init__(self, candidates: Sequence[Candidate]) -> None:
        self.candidates = candidates
        lengths = [len(candidate.terms) for candidate in candidates]
        average = sum(lengths) / len(lengths) if lengths else 0.0
        # BM25's length normalisation of each candidate, computed once.
        self.norms = [K1 * (1 - B + B * length / average) if average else K1 for length in lengths]

    def rank(self, query_terms: Sequence[str], limit: int | None = None) -> list[Ranked]:
        """The candidates sharing a term with the query, best first (ties in the candidates' order)."""
        query = frozenset(query_terms)
        concepts = [term for term in query if term.startswith(CONCEPT_MARK)]
        query_phrases = phrase_stems(query_terms, concepts)
        # The words of the query that made a concept: only a candidate sharing one may count a word twice.
        phrase_words = frozenset().union(*query_phrases.values())
        # One pass finds each candidate's shared terms, and so how many candidates hold each query term.
        shared: list[tuple[int, frozenset[str]]] = []
        frequencies = dict.fromkeys(query, 0)
        for position, candidate in enumerate(self.candidates):
            hits = query.intersection(candidate.terms)
            if hits:
                shared.append((position, hits))
                for term in hits:
                    frequencies[term] += 1
        count = len(self.candidates)
        weights = {term: _idf(count, frequency) for term, frequency in frequencies.items()}
        scored: list[tuple[float, int, dict[str, float], dict[str, set[str]]]] = []
        for position, hits in shared:
            terms, norm = self.candidates[position].terms, self.norms[position]
            contributions = {}
            for term in hits:
                frequency = terms.count(term)
                contributions[term] = weights[term] * frequency * (K1 + 1) / (frequency + norm)
            both: dict[str, set[str]] = {}
            if not phrase_words.isdisjoint(hits):
                matched_concepts = [concept for concept in concepts if concept in hits]
                phrases = phrase_stems(terms, matched_concepts)
                both = {
                    concept: query_phrases[concept] & phrases[concept] & hits for concept in matched_concepts
                }
            # A concept and the words that made it both count: the labelled set ranks better so (design.md).
            scored.append((sum(contributions.values()), position, contributions, both))
        scored.sort(key=lambda item: (-item[0], item[1]))
        chosen = scored if limit is None else scored[:limit]
        return [
            Ranked(self.candidates[position], score, counted(contributions, both))
            for score, position, contributions, both in chosen
        ]


def _idf(count: int, frequency: int) -> float:
    """BM25's inverse document frequency (the +1 keeps it positive for a term most candidates hold)."""
    return math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))


def _groups(contributions: dict[str, float], phrases: dict[str, set[str]]) -> dict[str, list[str]]:
    """Each matched concept with the words that made it in both texts, not already in a weightier group."""
    taken: set[str] = set()
    groups = {}
    for concept in sorted(phrases, key=lambda term: -contributions[term]):
        members = [stem for stem in phrases[concept] if stem not in taken]
        taken.update(members)
        groups[concept] = members
    return groups


def counted(contributions: dict[str, float], phrases: dict[str, set[str]]) -> tuple[str, ...]:
    """The terms that counted, weightiest first: a concept stands for the words that made it in both."""
    weights = dict(contributions)
    for concept, members in _groups(contributions, phrases).items():
        for stem in members:
            weights[concept] = max(weights[concept], weights.pop(stem))
    return tuple(sorted(weights, key=lambda term: (-weights[term], term)))


def rank_candidates(
    query_terms: Sequence[str], candidates: Sequence[Candidate], limit: int | None = None
) -> list[Ranked]:
    """Rank candidates against one query's terms by BM25 (idf over the candidates), best first."""
    return CandidateIndex(candidates).rank(query_terms, limit)
