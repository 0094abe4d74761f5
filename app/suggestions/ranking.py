"""BM25 over term lists (app/text_terms.py): which candidates ask for what the query asks for, best first.

Pure: no database. k1 1.2 and b 0.75 (the usual values; short texts of similar length, so length matters
little); the idf comes from the candidate set, so a word every candidate shares ("ensure") weighs little.
A concept and the words it stands for count once: `defamation` in both texts matches `defam` and
`~defamation`, and counting both would rank a candidate that says "defamation" far above one that says
"libel". Each matched concept takes the best of its own weight and its matched words' (docs/design.md).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from app.text_terms import CONCEPT_MARK, phrase_stems

K1 = 1.2
B = 0.75


@dataclass(frozen=True, slots=True)
class Candidate:
    """A recommendation that may be suggested: its code and its terms (with repeats, in text order)."""

    code: str
    terms: Sequence[str]


@dataclass(frozen=True, slots=True)
class Ranked:
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
        query_phrases = phrase_stems(query_terms, (term for term in query if term.startswith(CONCEPT_MARK)))
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
        ranked: list[tuple[float, int, tuple[str, ...]]] = []
        for position, hits in shared:
            terms, norm = self.candidates[position].terms, self.norms[position]
            contributions = {}
            for term in hits:
                frequency = terms.count(term)
                contributions[term] = weights[term] * frequency * (K1 + 1) / (frequency + norm)
            concepts = [term for term in hits if term.startswith(CONCEPT_MARK)]
            both = {}
            if concepts:
                phrases = phrase_stems(terms, concepts)
                both = {concept: query_phrases[concept] & phrases[concept] for concept in concepts}
            score, matched = count_once(contributions, both)
            ranked.append((score, position, matched))
        ranked.sort(key=lambda item: (-item[0], item[1]))
        chosen = ranked if limit is None else ranked[:limit]
        return [Ranked(self.candidates[position], score, matched) for score, position, matched in chosen]


def _idf(count: int, frequency: int) -> float:
    """BM25's inverse document frequency (the +1 keeps it positive for a term most candidates hold)."""
    return math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))


def count_once(
    contributions: dict[str, float], phrases: dict[str, set[str]]
) -> tuple[float, tuple[str, ...]]:
    """The score of the matched terms, and what counted, weightiest first.

    `phrases`: for each matched concept, the stems that made it in both texts. Those count once with their
    concept: "defamation" in both texts matches `defam` and `~defamation`, which is one piece of evidence.
    """
    left = dict(contributions)
    counted: list[tuple[float, str]] = []
    for concept in sorted(phrases, key=lambda term: -contributions[term]):
        group = [left.pop(concept)] + [left.pop(stem) for stem in phrases[concept] if stem in left]
        counted.append((max(group), concept))
    counted += [(value, term) for term, value in left.items()]
    counted.sort(key=lambda item: (-item[0], item[1]))
    return sum(value for value, _ in counted), tuple(term for _, term in counted)


def rank_candidates(
    query_terms: Sequence[str], candidates: Sequence[Candidate], limit: int | None = None
) -> list[Ranked]:
    """Rank candidates against one query's terms by BM25 (idf over the candidates), best first."""
    return CandidateIndex(candidates).rank(query_terms, limit)
