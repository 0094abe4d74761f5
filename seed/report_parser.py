"""Re-derive sections, recommendations and footnotes from the plain-text ODF 2015 report.

The text is a PDF extraction: section headings look like ``2. LEGISLATIVE MEASURES``
(possibly wrapped over several upper-case lines), bullets are either a private-use
character (U+F0B7 and friends) or were stripped to a leading space, footnote URLs sit
on lines of their own wherever the page breaks fell, and citations look like ``[12]``.

Rules:

* In a section with a ``Recommendations:`` line, the recommendations are the ``- ``
  items after that line.
* In a section whose heading starts with "RECOMMENDATIONS" and has no such line,
  every bullet item is a recommendation.
* The n-th URL line in the file is footnote [n]; it belongs to the section whose
  text cites ``[n]``, and its citing sentence is the sentence holding the citation.
* URL lines are transparent: they never end, and never appear in, a paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

BULLET_CHARS = "\uf0b7\uf0a7\uf0d8\uf076\uf0fc\u2022\u25cf\u25aa\u25e6\u2043"

_URL = re.compile(r"^\s*(https?://\S+)\s*$")
_HEADING = re.compile(r"^\s*(\d{1,2})\.\s+(\S.*?)\s*$")
_RECOMMENDATIONS_LINE = re.compile(r"^\s*recommendations\s*:\s*$", re.IGNORECASE)
_DASH_ITEM = re.compile(r"^\s*-\s+(?=\S)")
_CITATION = re.compile(r"\[(\d+)\]")
_CITATION_GROUP = re.compile(r"\s*\[\d+\](?:\s*,\s*\[\d+\])*")
_SENTENCE_END = re.compile(r"[.!?][’”\"')]*(?:\s*\[\d+\](?:\s*,\s*\[\d+\])*)?(?=\s|$)")
_HYPHENATED_END = re.compile(r"[^\W\d_]-$")
_ABBREVIATIONS = {"i.e.", "e.g.", "cf.", "vs.", "no.", "mr.", "mrs.", "ms.", "dr.", "st."}
_SENTENCE_OPENERS = '‘“"('


@dataclass(frozen=True)
class ParsedSection:
    number: int
    title: str


@dataclass(frozen=True)
class ParsedRecommendation:
    section: int
    number: int
    text: str


@dataclass(frozen=True)
class ParsedFootnote:
    number: int
    url: str
    cited_in_section: int
    citing_sentence: str


@dataclass(frozen=True)
class ParsedReport:
    sections: list[ParsedSection]
    recommendations: list[ParsedRecommendation]
    footnotes: list[ParsedFootnote]


@dataclass
class _Block:
    """A paragraph or list item: its section, its kind and its (marker-less) lines."""

    section: int
    kind: str  # "plain", "bullet" or "dash"
    after_recommendations_line: bool
    lines: list[str]


def load_report(path: str | Path) -> ParsedReport:
    """Read a UTF-8 report file and parse it."""
    return parse_report(Path(path).read_text(encoding="utf-8"))


def parse_report(text: str) -> ParsedReport:
    """Parse the report text into sections, recommendations and footnotes."""
    sections, blocks, urls, has_rec_line = _scan(text.splitlines())
    recommendations = _recommendations(sections, blocks, has_rec_line)
    footnotes = _footnotes(urls, blocks)
    return ParsedReport(sections, recommendations, footnotes)


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines with single spaces, keeping hyphens that end a line ("non-\\nx" -> "non-x")."""
    text = ""
    for line in lines:
        part = line.strip()
        if not part:
            continue
        if _HYPHENATED_END.search(text) and part[0].isalpha():
            text += part
        else:
            text = f"{text} {part}" if text else part
    return " ".join(text.split())


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences; a citation right after a full stop stays with its sentence."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        last_word = text[start : match.start() + 1].split()[-1:]
        if last_word and last_word[0].lower() in _ABBREVIATIONS:
            continue
        rest = text[match.end() :].lstrip()
        if rest and not (rest[0].isupper() or rest[0].isdigit() or rest[0] in _SENTENCE_OPENERS):
            continue
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    if text[start:].strip():
        sentences.append(text[start:].strip())
    return sentences


def _is_blank(line: str) -> bool:
    return not line.strip(" \t\u00a0" + BULLET_CHARS)


def _heading(lines: list[str], i: int, last_section: int) -> tuple[int, str, int] | None:
    """Return (number, title, lines used) if a section heading starts at line i."""
    match = _HEADING.match(lines[i])
    if not match or int(match.group(1)) <= last_section or not _is_upper(match.group(2)):
        return None
    parts, used = [match.group(2)], 1
    while i + used < len(lines):
        nxt = lines[i + used].strip()
        if _is_blank(nxt) or _URL.match(nxt) or not _is_upper(nxt):
            break
        parts.append(nxt)
        used += 1
    return int(match.group(1)), " ".join(" ".join(parts).split()).rstrip(" .:;"), used


def _is_upper(text: str) -> bool:
    return any(ch.isalpha() for ch in text) and text == text.upper()


def _scan(lines: list[str]) -> tuple[list[ParsedSection], list[_Block], list[str], set[int]]:
    """Walk the lines once: sections, blocks, footnote URLs, sections having a 'Recommendations:' line."""
    sections: list[ParsedSection] = []
    blocks: list[_Block] = []
    urls: list[str] = []
    has_rec_line: set[int] = set()
    section, current = 0, None
    i = 0
    while i < len(lines):
        line = lines[i]
        heading = _heading(lines, i, section)
        if heading:
            section, title, used = heading
            sections.append(ParsedSection(section, title))
            current, i = None, i + used
            continue
        i += 1
        url = _URL.match(line)
        if url:
            urls.append(url.group(1))
        elif _is_blank(line):
            current = None
        elif _RECOMMENDATIONS_LINE.match(line):
            has_rec_line.add(section)
            current = None
        else:
            kind, content = _classify(line)
            if current is None or kind != "plain":
                current = _Block(section, kind, section in has_rec_line, [])
                blocks.append(current)
            current.lines.append(content)
    return sections, blocks, urls, has_rec_line


def _classify(line: str) -> tuple[str, str]:
    """Tell a dash item, a bullet item (bullet char or leading indent) and a plain line apart."""
    dash = _DASH_ITEM.match(line)
    if dash:
        return "dash", line[dash.end() :]
    stripped = line.lstrip()
    if stripped[0] in BULLET_CHARS:
        return "bullet", stripped.lstrip(" \t" + BULLET_CHARS)
    if line[0].isspace():
        return "bullet", stripped
    return "plain", line


def _recommendations(
    sections: list[ParsedSection], blocks: list[_Block], has_rec_line: set[int]
) -> list[ParsedRecommendation]:
    """Pick the recommendation items of each section, numbered from 1 within the section."""
    result: list[ParsedRecommendation] = []
    for sec in sections:
        own = [b for b in blocks if b.section == sec.number]
        if sec.number in has_rec_line:
            items = [b for b in own if b.after_recommendations_line and b.kind == "dash"]
        elif sec.title.upper().startswith("RECOMMENDATIONS"):
            items = [b for b in own if b.kind != "plain"]
        else:
            items = []
        for n, block in enumerate(items, start=1):
            result.append(ParsedRecommendation(sec.number, n, join_lines(block.lines)))
    return result


def _footnotes(urls: list[str], blocks: list[_Block]) -> list[ParsedFootnote]:
    """Match the n-th URL with the first sentence citing [n]."""
    citations: dict[int, tuple[int, str]] = {}
    for block in blocks:
        for sentence in split_sentences(join_lines(block.lines)):
            for number in _CITATION.findall(sentence):
                citations.setdefault(int(number), (block.section, _clean_sentence(sentence)))
    footnotes: list[ParsedFootnote] = []
    for number, url in enumerate(urls, start=1):
        if number not in citations:
            raise ValueError(f"footnote [{number}] ({url}) is never cited in the text")
        section, sentence = citations[number]
        footnotes.append(ParsedFootnote(number, url, section, sentence))
    return footnotes


def _clean_sentence(sentence: str) -> str:
    """Drop citation markers and bullet characters, collapse whitespace."""
    text = _CITATION_GROUP.sub("", sentence)
    text = "".join(ch for ch in text if ch not in BULLET_CHARS)
    return " ".join(text.split())
