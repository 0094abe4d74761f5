"""The one text normaliser of search (`q`) and suggestions: the terms of a text.

docs/design.md, "Cross-references".

NFKC and case folding; tokens of letters and digits (numbers such as 174 or 16.10 stay whole); English and
Russian stop words dropped; each word stemmed by Snowball (Russian for Cyrillic words, English otherwise,
British and American spellings alike); then a concept term (`~defamation`) after every legal phrase of the
hand-written table in app/text_terms_synonyms.py, matched on stems so inflections match too.
"""

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from app.text_terms_synonyms import CONCEPTS, SPELLINGS, STEM_OVERRIDES

# A number with its inner separators (16.10, 106.12, 1,000), else a run of letters and digits.
TOKEN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# American -ize/-yze spellings become British before stemming: Snowball stems "organization" to "organiz"
# but "organisation" to "organis". This direction has the fewest words that must not change (size, seize).
IZE = re.compile(r"iz(?=(?:e|ing|ation|able)[a-z]*$)")
YZE = re.compile(r"yz(?=(?:e|ing)[a-z]*$)")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ENGLISH_STOP_WORDS = _words(
    """
    a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not of off on once only or other our ours ourselves out over own re same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up upon
    very was we were what when where which while who whom why will with within without would you your yours
    yourself yourselves shall may might must etc well regards regarding
    """
)
RUSSIAN_STOP_WORDS = _words(
    """
    и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было вот от
    меня еще нет о из ему когда даже ли если уже или ни быть был него до вас вам ведь там потом себя ей может
    они тут где есть надо ней для мы тебя их чем была сам чтоб без чего раз тоже себе под будет ж тогда кто
    этот того потому этого какой ним здесь этом один мой тем чтобы нее были куда всех можно при об другой
    после над больше тот через эти нас про всего них какая эту моя этой перед том такой им более всю между
    также а также который которые которых которая которое это эта
    """
)

CONCEPT_MARK = "~"  # concept terms start with it; a word never does (tokens are letters and digits)

_english = snowballstemmer.stemmer("english")
_russian = snowballstemmer.stemmer("russian")
# A Snowball stemmer keeps the word it works on in itself: one thread at a time (the API runs in a pool).
_stemming = threading.Lock()


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """The stem of one case-folded word (a number is its own stem, commas read as points)."""
    if word in STEM_OVERRIDES:
        return STEM_OVERRIDES[word]
    if word[0].isdigit():
        return word.replace(",", ".")
    if CYRILLIC.search(word):
        with _stemming:
            return str(_russian.stemWord(word))
    word = YZE.sub("ys", IZE.sub("is", word))
    with _stemming:
        stemmed = str(_english.stemWord(word))
    return _american_stem().get(stemmed, stemmed)


@lru_cache(maxsize=1)
def _american_stem() -> dict[str, str]:
    with _stemming:
        pairs = [(_english.stemWord(british), _english.stemWord(american)) for british, american in SPELLINGS]
    return {str(british): str(american) for british, american in pairs if british != american}


@dataclass(frozen=True, slots=True)
class Term:
    """A term of a text and the words it came from, as written (a concept's: its whole phrase)."""

    term: str
    start: int
    end: int


def _stems(text: str) -> list[tuple[str, int, int]]:
    """Each word's stem with its span in the NFKC text; stop words and lone letters dropped."""
    found = []
    for match in TOKEN.finditer(text):
        word = match.group().casefold().replace("ё", "е")
        if word in ENGLISH_STOP_WORDS or word in RUSSIAN_STOP_WORDS:
            continue
        if len(word) == 1 and not word.isdigit():
            continue
        found.append((stem(word), match.start(), match.end()))
    return found


@lru_cache(maxsize=1)
def _phrases() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """The concepts' phrases as stem sequences, by first stem, longest first."""
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for concept in CONCEPTS:
        for phrase in concept.phrases:
            stems = tuple(stem for stem, _, _ in _stems(unicodedata.normalize("NFKC", phrase)))
            if stems and (stems, concept.term) not in by_first.get(stems[0], []):
                by_first.setdefault(stems[0], []).append((stems, concept.term))
    for phrases in by_first.values():
        phrases.sort(key=lambda item: -len(item[0]))
    return by_first


_LONGEST_PHRASE = max(len(phrase.split()) for concept in CONCEPTS for phrase in concept.phrases)


@lru_cache(maxsize=1)
def _phrases_of() -> dict[str, list[tuple[str, ...]]]:
    """Each concept's phrases as stem sequences, longest first."""
    found: dict[str, list[tuple[str, ...]]] = {concept.term: [] for concept in CONCEPTS}
    for starting in _phrases().values():
        for stems, term in starting:
            found[term].append(stems)
    for phrases in found.values():
        phrases.sort(key=lambda stems: -len(stems))
    return found


def phrase_stems(terms: Sequence[str], concepts: Iterable[str]) -> dict[str, set[str]]:
    """The stems that made each of these concepts in a term list (a concept follows its phrase's words)."""
    wanted = set(concepts)
    found: dict[str, set[str]] = {concept: set() for concept in wanted}
    if not wanted:
        return found
    phrases = _phrases_of()
    for position in [index for index, term in enumerate(terms) if term in wanted]:
        concept = terms[position]
        # The words before it: its phrase's, with at most a few other concepts' terms between them.
        before = terms[max(0, position - _LONGEST_PHRASE * 2) : position]
        words = tuple(term for term in before if not term.startswith(CONCEPT_MARK))
        for phrase in phrases[concept]:
            if words[-len(phrase) :] == phrase:
                found[concept].update(phrase)
                break
    return found


CONCEPT_LABELS: dict[str, str] = {concept.term: concept.label for concept in CONCEPTS}


def analyse(text: str) -> tuple[str, list[Term]]:
    """The NFKC text and its terms in order, each with its span there; a concept after its phrase."""
    normal = unicodedata.normalize("NFKC", text)
    stems = _stems(normal)
    phrases = _phrases()
    terms: list[Term] = []
    pending: list[tuple[int, Term]] = []  # concepts waiting for the word their phrase ends on
    ends: dict[str, int] = {}  # each concept's last phrase end: overlapping phrases of one concept count once
    for index, (word_stem, start, end) in enumerate(stems):
        for phrase, concept in phrases.get(word_stem, ()):
            last = index + len(phrase) - 1
            if ends.get(concept, -1) >= index or last >= len(stems):
                continue
            if all(stems[index + offset][0] == part for offset, part in enumerate(phrase)):
                ends[concept] = last
                pending.append((last, Term(concept, start, stems[last][2])))
        terms.append(Term(word_stem, start, end))
        if pending:
            terms += [term for at, term in pending if at == index]
            pending = [(at, term) for at, term in pending if at != index]
    return normal, terms


def terms_of(text: str) -> list[str]:
    """The terms of a text in order: stems of its words, and concept terms (`~defamation`) of its phrases."""
    return [term.term for term in analyse(text)[1]]


def terms_text(text: str) -> str:
    """The terms as `recommendations.terms` stores them: space-separated, with a space before and after."""
    return f" {' '.join(terms_of(text))} "


def search_terms(query: str) -> list[str]:
    """The terms a text must hold to match a search: each once, a concept instead of the words of its phrase.

    So "defamatory" asks for `~defamation` (which "libel" also gives), not for `defamatori` as well.
    """
    terms = terms_of(query)
    concepts = [term for term in terms if term.startswith(CONCEPT_MARK)]
    covered = set().union(*phrase_stems(terms, concepts).values())
    return list(dict.fromkeys(term for term in terms if term not in covered))


def stored_terms(terms: str | None, text: str) -> list[str]:
    """The terms of a stored row: its `terms` column, or the text's when that is not filled yet."""
    return terms.split() if terms is not None else terms_of(text)
